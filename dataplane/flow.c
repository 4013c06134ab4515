#include "dataplane/flow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

#define EMC_ENTRIES 8192 /* power of two */
#define EMC_INSERT_INV_PROB 16

/* One cache line: the key, its hash and the rte_hash slot it is stored in. */
struct emc_entry {
	struct flow_key key;
	uint32_t hash;
	int32_t pos; /* -1: empty */
} __rte_cache_aligned;

struct flow_table {
	struct rte_hash *h;
	struct flow_entry *e; /* indexed by slot */
	uint32_t n_slots;
	uint32_t cursor;      /* next slot flow_expire visits */
	uint32_t rnd;         /* xorshift state for EMC insertion */
	struct emc_entry *emc;
};

/* CRC32-C of the four words of the key: the EMC index and, handed to
 * rte_hash as its hash function, the bucket and signature there too. */
static inline uint32_t key_hash(const struct flow_key *k)
{
	uint64_t w[4];
	memcpy(w, k, sizeof(w));
#ifdef __SSE4_2__
	uint64_t h = _mm_crc32_u64(0, w[0]);
	h = _mm_crc32_u64(h, w[1]);
	h = _mm_crc32_u64(h, w[2]);
	return (uint32_t)_mm_crc32_u64(h, w[3]);
#else
	return rte_hash_crc(w, sizeof(w), 0);
#endif
}

static uint32_t hash_fn(const void *key, uint32_t len, uint32_t init)
{
	(void)len;
	(void)init;
	return key_hash(key);
}

/* struct flow_key is only 4-byte aligned: load its words with memcpy (the
 * same unaligned-capable loads, without undefined behaviour). */
static inline bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[4], y[4];
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

static void emc_clear(struct flow_table *t)
{
	for (unsigned i = 0; i < EMC_ENTRIES; i++)
		t->emc[i].pos = -1;
}

struct flow_table *flow_create(const char *name, uint32_t entries, int socket_id)
{
	struct flow_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries < 64 ? 64 : entries,
		.key_len = sizeof(struct flow_key),
		.hash_func = hash_fn,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	t->h = rte_hash_create(&hp);
	t->n_slots = hp.entries; /* rte_hash positions 0..entries-1 */
	t->e = calloc(t->n_slots, sizeof(*t->e));
	t->emc = rte_zmalloc_socket(name, EMC_ENTRIES * sizeof(*t->emc), RTE_CACHE_LINE_SIZE,
				    socket_id);
	t->rnd = 2463534242u;
	if (!t->h || !t->e || !t->emc) {
		flow_free(t);
		return NULL;
	}
	emc_clear(t);
	return t;
}

void flow_free(struct flow_table *t)
{
	if (!t)
		return;
	rte_hash_free(t->h);
	rte_free(t->emc);
	free(t->e);
	free(t);
}

/* OVS's rule: insert into the EMC with a small probability, so a hot flow
 * gets in after a few packets while a million flows do not thrash it. */
static inline bool emc_should_insert(struct flow_table *t)
{
	uint32_t x = t->rnd;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	t->rnd = x;
	return x % EMC_INSERT_INV_PROB == 0;
}

void flow_lookup_bulk(struct flow_table *t, const struct flow_key **keys,
		      unsigned n, struct flow_entry **e)
{
	const struct flow_key *mk[64];
	hash_sig_t msig[64];
	uint8_t midx[64];
	int32_t pos[64];
	unsigned nm = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t h = key_hash(keys[i]);
		const struct emc_entry *c = &t->emc[h & (EMC_ENTRIES - 1)];
		if (c->pos >= 0 && c->hash == h && key_eq(&c->key, keys[i])) {
			e[i] = &t->e[c->pos];
			continue;
		}
		e[i] = NULL;
		mk[nm] = keys[i];
		msig[nm] = h;
		midx[nm++] = (uint8_t)i;
	}
	if (nm == 0 ||
	    rte_hash_lookup_with_hash_bulk(t->h, (const void **)mk, msig, nm, pos) != 0)
		return;
	for (unsigned j = 0; j < nm; j++) {
		if (pos[j] < 0)
			continue;
		e[midx[j]] = &t->e[pos[j]];
		if (emc_should_insert(t)) {
			struct emc_entry *c = &t->emc[msig[j] & (EMC_ENTRIES - 1)];
			c->key = *mk[j];
			c->hash = msig[j];
			c->pos = pos[j];
		}
	}
}

struct flow_entry *flow_insert(struct flow_table *t, const struct flow_key *k,
			       const struct flow_entry *v)
{
	int32_t pos = rte_hash_add_key(t->h, k);
	if (pos < 0)
		return NULL;
	t->e[pos] = *v;
	t->e[pos].in_use = 1;
	return &t->e[pos];
}

/* Delete the key in slot pos, and its EMC entry: the slot may be reused
 * by another key, which the EMC must not map to this one. */
static bool delete_slot(struct flow_table *t, int32_t pos)
{
	void *stored;
	struct flow_key k;

	if (rte_hash_get_key_with_position(t->h, pos, &stored) != 0)
		return false;
	memcpy(&k, stored, sizeof(k)); /* deletion may move the stored key */
	uint32_t h = key_hash(&k);
	struct emc_entry *c = &t->emc[h & (EMC_ENTRIES - 1)];
	if (c->pos == pos)
		c->pos = -1;
	if (rte_hash_del_key_with_hash(t->h, &k, h) < 0)
		return false;
	t->e[pos].in_use = 0;
	return true;
}

unsigned flow_expire(struct flow_table *t, uint32_t now, uint32_t max_idle,
		     unsigned budget)
{
	unsigned gone = 0;

	while (budget--) {
		uint32_t pos = t->cursor;
		t->cursor = pos + 1 < t->n_slots ? pos + 1 : 0;
		const struct flow_entry *e = &t->e[pos];
		if (e->in_use && now - e->last_used > max_idle && delete_slot(t, (int32_t)pos))
			gone++;
	}
	return gone;
}

uint32_t flow_capacity(const struct flow_table *t)
{
	return t->n_slots;
}

unsigned flow_count(const struct flow_table *t)
{
	int32_t c = rte_hash_count(t->h);
	return c < 0 ? 0 : (unsigned)c;
}

void flow_flush(struct flow_table *t)
{
	rte_hash_reset(t->h);
	emc_clear(t);
	for (uint32_t i = 0; i < t->n_slots; i++)
		t->e[i].in_use = 0;
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
