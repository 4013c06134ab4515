#include "dataplane/fdb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#define FDB_STATIC 0x10000u
#define FDB_DEFAULT_PORTS 256
#define MISS_WORDS 64 /* 4096-bit filter of looked-up, unknown MACs */

/* The hash key: the MAC in the first six bytes, two zero bytes, aligned, so
 * hashing and comparing read eight bytes that are all ours. */
union fdb_key {
	uint64_t u;
	uint8_t mac[8];
};

struct fdb {
	struct rte_hash *h;
	uint32_t *seen;   /* indexed by slot */
	uint32_t *learned; /* learned entries per port; changed under lock */
	uint32_t gen;
	uint32_t entries;
	uint32_t n_slots; /* key positions rte_hash may hand out */
	uint32_t cursor;  /* next slot fdb_age visits */
	uint32_t port_limit;
	uint16_t n_ports;
	rte_spinlock_t lock; /* writers: new MACs, moves, deletions */
	uint64_t moves, full, limit_drops;
	uint64_t missed[MISS_WORDS];
};

static inline union fdb_key key_of(const uint8_t mac[6])
{
	union fdb_key k = { .u = 0 };
	memcpy(k.mac, mac, 6);
	return k;
}

static inline uint32_t key_hash(const union fdb_key *k)
{
	return rte_hash_crc_8byte(k->u, 0);
}

static uint32_t hash_fn(const void *key, uint32_t len, uint32_t init)
{
	uint64_t v;
	(void)len;
	(void)init;
	memcpy(&v, key, sizeof(v)); /* rte_hash's key store is aligned; callers' too */
	return rte_hash_crc_8byte(v, 0);
}

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
		.key_len = sizeof(union fdb_key),
		.hash_func = hash_fn,
		.socket_id = p->socket_id,
		/* Lock-free readers need deferred slot reuse: without a QSBR
		 * variable the table is for single-threaded use (tests). */
		.extra_flag = p->qsbr ? RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
					RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD
				      : 0,
	};
	f->entries = hp.entries;
	f->port_limit = p->port_limit;
	f->n_ports = p->n_ports ? p->n_ports : FDB_DEFAULT_PORTS;
	rte_spinlock_init(&f->lock);
	f->h = rte_hash_create(&hp);
	/* Slots run from 0 to entries plus what the per-lcore free-slot caches
	 * of a multi-writer table can hold back (63 per lcore but one). */
	f->n_slots = hp.entries + (p->qsbr ? (RTE_MAX_LCORE - 1) * 63u : 0);
	f->seen = calloc(f->n_slots, sizeof(uint32_t));
	f->learned = calloc(f->n_ports, sizeof(uint32_t));
	if (!f->h || !f->seen || !f->learned)
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
	free(f->learned);
	free(f);
}

static void bump(struct fdb *f)
{
	__atomic_fetch_add(&f->gen, 1, __ATOMIC_RELEASE);
}

static inline void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static inline void learned_add(struct fdb *f, uint16_t port, int d)
{
	if (port < f->n_ports)
		__atomic_store_n(&f->learned[port], f->learned[port] + (uint32_t)d,
				 __ATOMIC_RELAXED);
}

static inline uint64_t *miss_word(struct fdb *f, uint32_t h, uint64_t *bit)
{
	*bit = 1ull << (h & 63);
	return &f->missed[(h >> 6) & (MISS_WORDS - 1)];
}

int fdb_lookup(struct fdb *f, const uint8_t mac[6], uint32_t *pos)
{
	union fdb_key k = key_of(mac);
	uint32_t h = key_hash(&k);
	void *d;
	int r = rte_hash_lookup_with_hash_data(f->h, &k, h, &d);
	if (r == -ENOENT) {
		/* Mark it missed, then look again: a learner adds, then tests
		 * the mark; one of us sees the other. */
		uint64_t bit, *w = miss_word(f, h, &bit);
		if (!(__atomic_load_n(w, __ATOMIC_RELAXED) & bit))
			__atomic_fetch_or(w, bit, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		r = rte_hash_lookup_with_hash_data(f->h, &k, h, &d);
	}
	if (r < 0)
		return r;
	if (pos)
		*pos = (uint32_t)r;
	return data_port((uintptr_t)d);
}

static inline bool at_limit(const struct fdb *f, uint16_t port)
{
	return f->port_limit &&
	       __atomic_load_n(&f->learned[port], __ATOMIC_RELAXED) >= f->port_limit;
}

/* A new MAC or a move; under the lock.  Returns the slot. */
static int learn_locked(struct fdb *f, const union fdb_key *k, uint32_t h, uint16_t port)
{
	void *d;
	int r = rte_hash_lookup_with_hash_data(f->h, k, h, &d);
	if (r >= 0) {
		uintptr_t v = (uintptr_t)d;
		uint16_t old = data_port(v);
		if (old == port)
			return r; /* another worker learned it meanwhile */
		if (v & FDB_STATIC)
			return -EPERM;
		if (at_limit(f, port)) {
			count(&f->limit_drops);
			return -EDQUOT;
		}
		/* A data update keeps the key in its slot. */
		int a = rte_hash_add_key_with_hash_data(f->h, k, h, (void *)(uintptr_t)port);
		if (a < 0)
			return a;
		learned_add(f, old, -1);
		learned_add(f, port, 1);
		count(&f->moves);
		bump(f);
		return r;
	}
	if (at_limit(f, port)) {
		count(&f->limit_drops);
		return -EDQUOT;
	}
	r = rte_hash_add_key_with_hash_data(f->h, k, h, (void *)(uintptr_t)port);
	if (r < 0) {
		if (r == -ENOSPC)
			count(&f->full);
		return r;
	}
	learned_add(f, port, 1);
	/* Only flows that missed this MAC (flooded unknown unicast) depend on
	 * its arrival. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t bit, *w = miss_word(f, h, &bit);
	if (__atomic_load_n(w, __ATOMIC_RELAXED) & bit) {
		__atomic_fetch_and(w, ~bit, __ATOMIC_RELAXED);
		bump(f);
	}
	return rte_hash_lookup_with_hash(f->h, k, h);
}

int fdb_learn(struct fdb *f, const uint8_t mac[6], uint16_t port, uint32_t now,
	      uint32_t *pos)
{
	if (port >= f->n_ports)
		return -EINVAL;
	union fdb_key k = key_of(mac);
	uint32_t h = key_hash(&k);
	void *d;
	int r = rte_hash_lookup_with_hash_data(f->h, &k, h, &d);
	if (r < 0 || data_port((uintptr_t)d) != port) {
		/* Over its limit a port's new MACs are refused without the
		 * lock (a sprayer does not contend with other learners). */
		if (r < 0 && at_limit(f, port)) {
			count(&f->limit_drops);
			return -EDQUOT;
		}
		rte_spinlock_lock(&f->lock);
		r = learn_locked(f, &k, h, port);
		rte_spinlock_unlock(&f->lock);
		if (r < 0)
			return r;
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
	union fdb_key k = key_of(mac);
	uint32_t h = key_hash(&k);
	void *d;
	rte_spinlock_lock(&f->lock);
	int old = rte_hash_lookup_with_hash_data(f->h, &k, h, &d);
	int r = rte_hash_add_key_with_hash_data(f->h, &k, h,
						(void *)(uintptr_t)(port | FDB_STATIC));
	if (r >= 0 && old >= 0 && !((uintptr_t)d & FDB_STATIC))
		learned_add(f, data_port((uintptr_t)d), -1);
	rte_spinlock_unlock(&f->lock);
	if (r < 0)
		return r;
	bump(f);
	return 0;
}

/* Under the lock: delete k if it is in slot pos (any slot when pos < 0)
 * and, with only_learned, not static.  Returns true when deleted. */
static bool del_locked(struct fdb *f, const union fdb_key *k, int32_t pos, bool only_learned)
{
	uint32_t h = key_hash(k);
	void *d;
	int r = rte_hash_lookup_with_hash_data(f->h, k, h, &d);
	if (r < 0 || (pos >= 0 && r != pos))
		return false;
	bool learned = !((uintptr_t)d & FDB_STATIC);
	if ((only_learned && !learned) || rte_hash_del_key_with_hash(f->h, k, h) < 0)
		return false;
	if (learned)
		learned_add(f, data_port((uintptr_t)d), -1);
	return true;
}

int fdb_del(struct fdb *f, const uint8_t mac[6])
{
	union fdb_key k = key_of(mac);
	rte_spinlock_lock(&f->lock);
	bool gone = del_locked(f, &k, -1, false);
	rte_spinlock_unlock(&f->lock);
	if (!gone)
		return -ENOENT;
	bump(f);
	return 0;
}

struct fdb_iter_item {
	union fdb_key key;
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
		memcpy(&v[n].key, key, sizeof(v[n].key));
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
		void *key;
		if (rte_hash_get_key_with_position(f->h, (int32_t)pos, &key) == 0) {
			union fdb_key k;
			memcpy(&k, key, sizeof(k));
			rte_spinlock_lock(&f->lock);
			if (del_locked(f, &k, (int32_t)pos, true))
				aged++;
			rte_spinlock_unlock(&f->lock);
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

	for (size_t i = 0; i < n; i++) {
		if (data_port(v[i].data) != port)
			continue;
		rte_spinlock_lock(&f->lock);
		if (del_locked(f, &v[i].key, (int32_t)v[i].pos, false))
			gone++;
		rte_spinlock_unlock(&f->lock);
	}
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

unsigned fdb_port_learned(const struct fdb *f, uint16_t port)
{
	return port < f->n_ports ? __atomic_load_n(&f->learned[port], __ATOMIC_RELAXED) : 0;
}

void fdb_get_stats(const struct fdb *f, struct fdb_stats *s)
{
	s->moves = __atomic_load_n(&f->moves, __ATOMIC_RELAXED);
	s->full = __atomic_load_n(&f->full, __ATOMIC_RELAXED);
	s->limit_drops = __atomic_load_n(&f->limit_drops, __ATOMIC_RELAXED);
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
		memcpy(e.mac, v[i].key.mac, 6);
		e.age = e.is_static ? 0 : now - __atomic_load_n(&f->seen[v[i].pos], __ATOMIC_RELAXED);
		if (cb(&e, opaque))
			break;
	}
	free(v);
}
