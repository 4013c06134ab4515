#include "dataplane/flow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>

struct flow_table {
	struct rte_hash *h;
	struct flow_entry *e; /* indexed by slot */
	uint32_t cursor;      /* rte_hash_iterate position for expiry */
};

struct flow_table *flow_create(const char *name, uint32_t entries, int socket_id)
{
	struct flow_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries < 64 ? 64 : entries,
		.key_len = sizeof(struct flow_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	t->h = rte_hash_create(&hp);
	t->e = calloc((size_t)hp.entries + 1, sizeof(*t->e));
	if (!t->h || !t->e) {
		flow_free(t);
		return NULL;
	}
	return t;
}

void flow_free(struct flow_table *t)
{
	if (!t)
		return;
	rte_hash_free(t->h);
	free(t->e);
	free(t);
}

void flow_lookup_bulk(struct flow_table *t, const struct flow_key **keys,
		      unsigned n, struct flow_entry **e)
{
	int32_t pos[64];

	if (rte_hash_lookup_bulk(t->h, (const void **)keys, n, pos) != 0) {
		for (unsigned i = 0; i < n; i++)
			e[i] = NULL;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		e[i] = pos[i] >= 0 ? &t->e[pos[i]] : NULL;
}

struct flow_entry *flow_insert(struct flow_table *t, const struct flow_key *k,
			       const struct flow_entry *v)
{
	int32_t pos = rte_hash_add_key(t->h, k);
	if (pos < 0)
		return NULL;
	t->e[pos] = *v;
	return &t->e[pos];
}

unsigned flow_expire(struct flow_table *t, uint32_t now, uint32_t max_idle,
		     unsigned budget)
{
	const void *key;
	void *data;
	unsigned gone = 0;

	while (budget--) {
		int32_t pos = rte_hash_iterate(t->h, &key, &data, &t->cursor);
		if (pos < 0) {
			t->cursor = 0;
			break;
		}
		if (now - t->e[pos].last_used > max_idle) {
			struct flow_key k;
			memcpy(&k, key, sizeof(k));
			if (rte_hash_del_key(t->h, &k) >= 0)
				gone++;
		}
	}
	return gone;
}

unsigned flow_count(const struct flow_table *t)
{
	int32_t c = rte_hash_count(t->h);
	return c < 0 ? 0 : (unsigned)c;
}

void flow_flush(struct flow_table *t)
{
	rte_hash_reset(t->h);
	t->cursor = 0;
}

void flow_foreach(const struct flow_table *t,
		  int (*cb)(const struct flow_key *k, const struct flow_entry *e, void *o),
		  void *o)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	int32_t pos;

	while ((pos = rte_hash_iterate(t->h, &key, &data, &it)) >= 0)
		if (cb(key, &t->e[pos], o))
			break;
}
