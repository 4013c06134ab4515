#include "dataplane/fdb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#define FDB_STATIC 0x10000u

struct fdb {
	struct rte_hash *h;
	uint32_t *seen;   /* indexed by slot */
	uint32_t gen;
	uint32_t entries;
	uint32_t n_slots; /* key positions rte_hash may hand out */
	uint32_t cursor;  /* next slot fdb_age visits */
};

static inline uint16_t data_port(uintptr_t d)
{
	return (uint16_t)(d & 0xffff);
}

struct fdb *fdb_create(const struct fdb_params *p)
{
	struct fdb *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	struct rte_hash_parameters hp = {
		.name = p->name,
		.entries = p->entries < 8 ? 8 : p->entries,
		.key_len = 6,
		.hash_func = rte_jhash,
		.socket_id = p->socket_id,
		/* Lock-free readers need deferred slot reuse: without a QSBR
		 * variable the table is for single-threaded use (tests). */
		.extra_flag = p->qsbr ? RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
					RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD
				      : 0,
	};
	f->entries = hp.entries;
	f->h = rte_hash_create(&hp);
	/* Slots run from 0 to entries plus what the per-lcore free-slot caches
	 * of a multi-writer table can hold back (63 per lcore but one). */
	f->n_slots = hp.entries + (p->qsbr ? (RTE_MAX_LCORE - 1) * 63u : 0);
	f->seen = calloc(f->n_slots, sizeof(uint32_t));
	if (!f->h || !f->seen)
		goto fail;
	if (p->qsbr) {
		struct rte_hash_rcu_config rc = {
			.v = p->qsbr,
			.mode = RTE_HASH_QSBR_MODE_DQ,
		};
		if (rte_hash_rcu_qsbr_add(f->h, &rc) != 0)
			goto fail;
	}
	return f;
fail:
	fdb_free(f);
	return NULL;
}

void fdb_free(struct fdb *f)
{
	if (!f)
		return;
	rte_hash_free(f->h);
	free(f->seen);
	free(f);
}

int fdb_lookup(const struct fdb *f, const uint8_t mac[6], uint32_t *pos)
{
	void *d;
	int r = rte_hash_lookup_data(f->h, mac, &d);
	if (r < 0)
		return r;
	if (pos)
		*pos = (uint32_t)r;
	return data_port((uintptr_t)d);
}

static void bump(struct fdb *f)
{
	__atomic_fetch_add(&f->gen, 1, __ATOMIC_RELEASE);
}

int fdb_learn(struct fdb *f, const uint8_t mac[6], uint16_t port, uint32_t now,
	      uint32_t *pos)
{
	void *d;
	int r = rte_hash_lookup_data(f->h, mac, &d);
	if (r >= 0) {
		uintptr_t v = (uintptr_t)d;
		if (data_port(v) != port) {
			if (v & FDB_STATIC)
				return -EPERM;
			r = rte_hash_add_key_data(f->h, mac, (void *)(uintptr_t)port);
			if (r < 0)
				return r;
			r = rte_hash_lookup(f->h, mac);
			if (r < 0)
				return r;
			bump(f);
		}
	} else {
		r = rte_hash_add_key_data(f->h, mac, (void *)(uintptr_t)port);
		if (r < 0)
			return r == -ENOSPC ? -ENOSPC : r;
		r = rte_hash_lookup(f->h, mac);
		if (r < 0)
			return r;
		bump(f);
	}
	fdb_touch_slot(f->seen, (uint32_t)r, now);
	if (pos)
		*pos = (uint32_t)r;
	return 0;
}

void fdb_touch(struct fdb *f, uint32_t pos, uint32_t now)
{
	fdb_touch_slot(f->seen, pos, now);
}

uint32_t fdb_generation(const struct fdb *f)
{
	return __atomic_load_n(&f->gen, __ATOMIC_ACQUIRE);
}

int fdb_add_static(struct fdb *f, const uint8_t mac[6], uint16_t port)
{
	int r = rte_hash_add_key_data(f->h, mac, (void *)(uintptr_t)(port | FDB_STATIC));
	if (r < 0)
		return r;
	bump(f);
	return 0;
}

int fdb_del(struct fdb *f, const uint8_t mac[6])
{
	int r = rte_hash_del_key(f->h, mac);
	if (r < 0)
		return r;
	bump(f);
	return 0;
}

struct fdb_iter_item {
	uint8_t mac[6];
	uintptr_t data;
	uint32_t pos;
};

/* Snapshot the keys first: deleting while rte_hash_iterate walks is not safe. */
static size_t collect(const struct fdb *f, struct fdb_iter_item **out)
{
	size_t cap = 64, n = 0;
	struct fdb_iter_item *v = malloc(cap * sizeof(*v));
	const void *key;
	void *data;
	uint32_t it = 0;
	int32_t pos;

	while (v && (pos = rte_hash_iterate(f->h, &key, &data, &it)) >= 0) {
		if (n == cap) {
			struct fdb_iter_item *nv = realloc(v, 2 * cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
			cap *= 2;
		}
		memcpy(v[n].mac, key, 6);
		v[n].data = (uintptr_t)data;
		v[n].pos = (uint32_t)pos;
		n++;
	}
	*out = v;
	return v ? n : 0;
}

/* Slots are visited in order; only one not seen for max_age is looked at
 * (rte_hash_get_key_with_position verifies the slot holds a key).  A slot
 * that is checked and kept (static, empty, lost race) is stamped now, so it
 * costs one lookup per max_age, not one per walk. */
unsigned fdb_age(struct fdb *f, uint32_t now, uint32_t max_age, uint32_t budget)
{
	unsigned aged = 0;

	while (budget--) {
		uint32_t pos = f->cursor;
		f->cursor = pos + 1 < f->n_slots ? pos + 1 : 0;
		uint32_t seen = __atomic_load_n(&f->seen[pos], __ATOMIC_RELAXED);
		if (now - seen <= max_age)
			continue;
		void *key, *d;
		uint8_t mac[6];
		if (rte_hash_get_key_with_position(f->h, (int32_t)pos, &key) == 0) {
			memcpy(mac, key, 6);
			if (rte_hash_lookup_data(f->h, mac, &d) == (int32_t)pos &&
			    !((uintptr_t)d & FDB_STATIC) && rte_hash_del_key(f->h, mac) >= 0)
				aged++;
		}
		/* a worker that touched the slot meanwhile wins */
		__atomic_compare_exchange_n(&f->seen[pos], &seen, now, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	if (aged)
		bump(f);
	return aged;
}

uint32_t fdb_slots(const struct fdb *f)
{
	return f->n_slots;
}

unsigned fdb_flush_port(struct fdb *f, uint16_t port)
{
	struct fdb_iter_item *v;
	size_t n = collect(f, &v);
	unsigned gone = 0;

	for (size_t i = 0; i < n; i++)
		if (data_port(v[i].data) == port && rte_hash_del_key(f->h, v[i].mac) >= 0)
			gone++;
	free(v);
	if (gone)
		bump(f);
	return gone;
}

unsigned fdb_count(const struct fdb *f)
{
	int32_t c = rte_hash_count(f->h);
	return c < 0 ? 0 : (unsigned)c;
}

void fdb_foreach(const struct fdb *f, uint32_t now,
		 int (*cb)(const struct fdb_entry_info *e, void *opaque), void *opaque)
{
	struct fdb_iter_item *v;
	size_t n = collect(f, &v);

	for (size_t i = 0; i < n; i++) {
		struct fdb_entry_info e = {
			.port = data_port(v[i].data),
			.is_static = (v[i].data & FDB_STATIC) != 0,
		};
		memcpy(e.mac, v[i].mac, 6);
		e.age = e.is_static ? 0 : now - __atomic_load_n(&f->seen[v[i].pos], __ATOMIC_RELAXED);
		if (cb(&e, opaque))
			break;
	}
	free(v);
}
