/* ct.c — the shared session table; see ct.h and doc/design.md. */
#include "dataplane/ct.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SLOTS 8

_Static_assert(sizeof(struct ct_sess) == 128, "a session is two cache lines");

struct ct_bucket {
	rte_spinlock_t lock;
	uint16_t sig[SLOTS];
	uint32_t ent[SLOTS]; /* session index << 1 | direction; 0: empty */
} __rte_cache_aligned;

struct ct_defer {
	uint32_t idx;
	uint64_t token;
};

struct ct_worker {
	uint32_t *free;         /* stack of free indexes of the slice */
	uint32_t n_free;
	struct ct_defer *fifo;  /* deleted, waiting for a grace period */
	uint32_t fifo_head, fifo_n;
	struct rte_ring *ret;   /* deleted by another thread, to queue */
	uint32_t cursor;        /* expiry walk, offset in the slice */
	struct ct_stats st;
} __rte_cache_aligned;

struct ct {
	struct ct_bucket *b;
	uint32_t mask;
	struct ct_sess *pool;   /* [1 .. n_workers * per] */
	uint32_t per;
	unsigned nw;
	struct ct_worker *w;
	uint32_t *port_count;
	uint32_t port_limit;
	unsigned n_ports;
	struct rte_rcu_qsbr *qsbr;
	uint32_t timeout[DP_CT_STATE_MAX];
	void (*hook)(struct ct_sess *s, void *o);
	void *hook_o;
};

static const uint32_t default_timeout[DP_CT_STATE_MAX] = {
	[DP_CT_SYN_SENT] = 120, [DP_CT_SYN_RECV] = 60, [DP_CT_ESTABLISHED] = 432000,
	[DP_CT_FIN_WAIT] = 120, [DP_CT_CLOSE_WAIT] = 60, [DP_CT_TIME_WAIT] = 120,
	[DP_CT_CLOSE] = 10, [DP_CT_UDP_UNREPLIED] = 30, [DP_CT_UDP_ASSURED] = 180,
	[DP_CT_ICMP] = 30,
};

uint32_t ct_hash(const struct ct_key *k)
{
	uint64_t w[2];
	memcpy(w, k, sizeof(w));
	return rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], 0x12345678));
}

static inline bool key_eq(const struct ct_key *a, const struct ct_key *b)
{
	uint64_t x[2], y[2];
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static inline void buckets(const struct ct *ct, uint32_t h, uint32_t *b1, uint32_t *b2)
{
	*b1 = h & ct->mask;
	uint32_t x = (h >> 16 | h << 16) * 0x9e3779b1u;
	*b2 = (x >> 7) & ct->mask;
	if (*b2 == *b1)
		*b2 = *b1 ^ 1;
}

void ct_free(struct ct *ct)
{
	if (!ct)
		return;
	for (unsigned i = 0; ct->w && i < ct->nw; i++) {
		rte_free(ct->w[i].free);
		rte_free(ct->w[i].fifo);
		rte_ring_free(ct->w[i].ret);
	}
	rte_free(ct->w);
	rte_free(ct->b);
	rte_free(ct->pool);
	rte_free(ct->port_count);
	rte_free(ct);
}

struct ct *ct_create(const struct ct_params *p)
{
	if (p->n_workers == 0 || p->n_workers > 255 || p->sessions < p->n_workers)
		return NULL;
	struct ct *ct = rte_zmalloc("vnetd_ct", sizeof(*ct), RTE_CACHE_LINE_SIZE);
	if (!ct)
		return NULL;
	ct->nw = p->n_workers;
	ct->per = p->sessions / p->n_workers;
	ct->port_limit = p->port_limit;
	ct->n_ports = p->n_ports;
	ct->qsbr = p->qsbr;
	for (unsigned i = 0; i < DP_CT_STATE_MAX; i++)
		ct->timeout[i] = p->timeout[i] ? p->timeout[i] : default_timeout[i];
	/* two keys per session, buckets at most half full on average */
	uint64_t nb = 2;
	while (nb * SLOTS < (uint64_t)ct->per * ct->nw * 4)
		nb <<= 1;
	ct->mask = (uint32_t)nb - 1;
	ct->b = rte_zmalloc_socket("vnetd_ct_b", nb * sizeof(*ct->b), RTE_CACHE_LINE_SIZE,
				   p->socket_id);
	ct->pool = rte_zmalloc_socket("vnetd_ct_s",
				      ((size_t)ct->per * ct->nw + 1) * sizeof(*ct->pool),
				      RTE_CACHE_LINE_SIZE, p->socket_id);
	ct->port_count = rte_zmalloc("vnetd_ct_p", (p->n_ports + 1) * sizeof(uint32_t), 0);
	ct->w = rte_zmalloc("vnetd_ct_w", ct->nw * sizeof(*ct->w), RTE_CACHE_LINE_SIZE);
	if (!ct->b || !ct->pool || !ct->port_count || !ct->w)
		goto fail;
	for (uint64_t i = 0; i < nb; i++)
		rte_spinlock_init(&ct->b[i].lock);
	for (unsigned w = 0; w < ct->nw; w++) {
		struct ct_worker *cw = &ct->w[w];
		char name[RTE_RING_NAMESIZE];
		cw->free = rte_malloc("vnetd_ct_f", ct->per * sizeof(uint32_t), 0);
		cw->fifo = rte_malloc("vnetd_ct_d", ct->per * sizeof(*cw->fifo), 0);
		snprintf(name, sizeof(name), "%s%u", p->name ? p->name : "ct", w);
		cw->ret = rte_ring_create(name, ct->per, p->socket_id,
					  RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (!cw->free || !cw->fifo || !cw->ret)
			goto fail;
		/* lowest index on top */
		for (uint32_t i = 0; i < ct->per; i++)
			cw->free[i] = 1 + w * ct->per + (ct->per - 1 - i);
		cw->n_free = ct->per;
	}
	return ct;
fail:
	ct_free(ct);
	return NULL;
}

void ct_set_release_hook(struct ct *ct, void (*fn)(struct ct_sess *s, void *o), void *o)
{
	ct->hook = fn;
	ct->hook_o = o;
}

uint32_t ct_slice(const struct ct *ct)
{
	return ct->per;
}

uint32_t ct_capacity(const struct ct *ct)
{
	return ct->per * ct->nw;
}

/* Slots of a bucket whose signature is sig: bit i for slot i.  One vector
 * compare (as rte_hash does); the entry word read after it (acquire)
 * decides, so a signature read while it changes costs a key compare at
 * most. */
static inline unsigned sig_mask(const struct ct_bucket *bk, uint16_t sig)
{
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)bk->sig);
	unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(v, _mm_set1_epi16((short)sig)));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* two bits per 16-bit lane: keep the even ones, then compact */
	m &= 0x5555;
	unsigned r = 0;
	while (m) {
		unsigned b = (unsigned)__builtin_ctz(m);
		r |= 1u << (b / 2);
		m &= m - 1;
	}
	return r;
#else
	unsigned r = 0;
	for (unsigned i = 0; i < SLOTS; i++)
		if (__atomic_load_n(&bk->sig[i], __ATOMIC_ACQUIRE) == sig)
			r |= 1u << i;
	return r;
#endif
}

/* Slots whose entry word is 0 (under the bucket's lock). */
static inline unsigned free_mask(const struct ct_bucket *bk)
{
#ifdef __SSE2__
	__m128i z = _mm_setzero_si128();
	__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)&bk->ent[0]);
	__m128i hi = _mm_loadu_si128((const __m128i *)(const void *)&bk->ent[4]);
	return (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, z))) |
	       (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, z))) << 4;
#else
	unsigned r = 0;
	for (unsigned i = 0; i < SLOTS; i++)
		if (bk->ent[i] == 0)
			r |= 1u << i;
	return r;
#endif
}

static inline struct ct_sess *find(struct ct *ct, uint32_t b, uint16_t sig,
				   const struct ct_key *k, uint8_t *dir)
{
	struct ct_bucket *bk = &ct->b[b];
	for (unsigned m = sig_mask(bk, sig); m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);
		uint32_t e = __atomic_load_n(&bk->ent[i], __ATOMIC_ACQUIRE);
		if (e == 0)
			continue;
		struct ct_sess *s = &ct->pool[e >> 1];
		if (key_eq(&s->key[e & 1], k)) {
			*dir = (uint8_t)(e & 1);
			return s;
		}
	}
	return NULL;
}

static inline struct ct_sess *lookup_h(struct ct *ct, const struct ct_key *k, uint32_t h,
				       uint8_t *dir)
{
	uint32_t b1, b2;
	buckets(ct, h, &b1, &b2);
	struct ct_sess *s = find(ct, b1, (uint16_t)(h >> 16), k, dir);
	return s ? s : find(ct, b2, (uint16_t)(h >> 16), k, dir);
}

struct ct_sess *ct_lookup(struct ct *ct, const struct ct_key *k, uint8_t *dir)
{
	return lookup_h(ct, k, ct_hash(k), dir);
}

/* The first entry word in a bucket with that signature, or 0. */
static inline uint32_t sig_entry(const struct ct_bucket *bk, uint16_t sig)
{
	for (unsigned m = sig_mask(bk, sig); m; m &= m - 1) {
		uint32_t e = __atomic_load_n(&bk->ent[__builtin_ctz(m)], __ATOMIC_ACQUIRE);
		if (e)
			return e;
	}
	return 0;
}

/* Three passes over the burst so that memory loads overlap: hash and
 * prefetch both buckets; find the first signature match and prefetch its
 * session; compare keys (a signature collision takes the full lookup). */
void ct_lookup_bulk(struct ct *ct, const struct ct_key *keys, unsigned n,
		    struct ct_sess **s, uint8_t *dir)
{
	uint32_t h[64], b1[64], b2[64], e[64];
	n = RTE_MIN(n, 64u);
	for (unsigned i = 0; i < n; i++) {
		h[i] = ct_hash(&keys[i]);
		buckets(ct, h[i], &b1[i], &b2[i]);
		rte_prefetch0(&ct->b[b1[i]]);
		rte_prefetch0(&ct->b[b2[i]]);
	}
	for (unsigned i = 0; i < n; i++) {
		uint16_t sig = (uint16_t)(h[i] >> 16);
		e[i] = sig_entry(&ct->b[b1[i]], sig);
		if (!e[i])
			e[i] = sig_entry(&ct->b[b2[i]], sig);
		if (e[i])
			rte_prefetch0(&ct->pool[e[i] >> 1]);
	}
	for (unsigned i = 0; i < n; i++) {
		s[i] = NULL;
		if (!e[i])
			continue;
		struct ct_sess *x = &ct->pool[e[i] >> 1];
		if (key_eq(&x->key[e[i] & 1], &keys[i])) {
			s[i] = x;
			dir[i] = (uint8_t)(e[i] & 1);
		} else {
			s[i] = lookup_h(ct, &keys[i], h[i], &dir[i]);
		}
	}
}

void ct_prefetch(const struct ct *ct, const struct ct_key *k)
{
	uint32_t b1, b2;
	buckets(ct, ct_hash(k), &b1, &b2);
	rte_prefetch0(&ct->b[b1]);
	rte_prefetch0(&ct->b[b2]);
}

static void lock2(struct ct *ct, uint32_t b1, uint32_t b2)
{
	rte_spinlock_lock(&ct->b[RTE_MIN(b1, b2)].lock);
	rte_spinlock_lock(&ct->b[RTE_MAX(b1, b2)].lock);
}

static void unlock2(struct ct *ct, uint32_t b1, uint32_t b2)
{
	rte_spinlock_unlock(&ct->b[RTE_MAX(b1, b2)].lock);
	rte_spinlock_unlock(&ct->b[RTE_MIN(b1, b2)].lock);
}

static int insert_key(struct ct *ct, const struct ct_key *k, uint32_t ent, struct ct_sess **other)
{
	uint32_t h = ct_hash(k), b1, b2;
	uint16_t sig = (uint16_t)(h >> 16);
	uint8_t d;
	buckets(ct, h, &b1, &b2);
	lock2(ct, b1, b2);
	struct ct_sess *o = find(ct, b1, sig, k, &d);
	if (!o)
		o = find(ct, b2, sig, k, &d);
	if (o) {
		unlock2(ct, b1, b2);
		*other = o;
		return -EEXIST;
	}
	/* the emptier of the two buckets */
	uint32_t bb[2] = { b1, b2 };
	unsigned fm[2] = { free_mask(&ct->b[b1]), free_mask(&ct->b[b2]) };
	unsigned j = __builtin_popcount(fm[1]) > __builtin_popcount(fm[0]) ? 1 : 0;
	if (fm[j] == 0) {
		unlock2(ct, b1, b2);
		return -ENOSPC;
	}
	struct ct_bucket *bk = &ct->b[bb[j]];
	unsigned pos = (unsigned)__builtin_ctz(fm[j]);
	__atomic_store_n(&bk->ent[pos], ent, __ATOMIC_RELEASE);
	__atomic_store_n(&bk->sig[pos], sig, __ATOMIC_RELEASE);
	unlock2(ct, b1, b2);
	return 0;
}

static void remove_key(struct ct *ct, const struct ct_key *k, uint32_t ent)
{
	uint32_t h = ct_hash(k), b1, b2;
	buckets(ct, h, &b1, &b2);
	lock2(ct, b1, b2);
	uint32_t bb[2] = { b1, b2 };
	for (unsigned j = 0; j < 2; j++) {
		struct ct_bucket *bk = &ct->b[bb[j]];
		for (unsigned i = 0; i < SLOTS; i++)
			if (bk->ent[i] == ent) {
				__atomic_store_n(&bk->ent[i], 0, __ATOMIC_RELEASE);
				__atomic_store_n(&bk->sig[i], 0, __ATOMIC_RELEASE);
			}
	}
	unlock2(ct, b1, b2);
}

static void uncharge(struct ct *ct, struct ct_sess *s)
{
	if (ct->port_limit && s->charged_port < ct->n_ports)
		__atomic_fetch_sub(&ct->port_count[s->charged_port], 1, __ATOMIC_RELAXED);
	s->charged_port = DP_PORT_NONE;
}

struct ct_sess *ct_alloc(struct ct *ct, unsigned w, uint16_t port, int *err)
{
	struct ct_worker *cw = &ct->w[w];
	if (ct->port_limit && port < ct->n_ports &&
	    __atomic_fetch_add(&ct->port_count[port], 1, __ATOMIC_RELAXED) >= ct->port_limit) {
		__atomic_fetch_sub(&ct->port_count[port], 1, __ATOMIC_RELAXED);
		cw->st.refused_port_limit++;
		*err = -EDQUOT;
		return NULL;
	}
	if (cw->n_free == 0) {
		if (ct->port_limit && port < ct->n_ports)
			__atomic_fetch_sub(&ct->port_count[port], 1, __ATOMIC_RELAXED);
		cw->st.refused_full++;
		*err = -ENOSPC;
		return NULL;
	}
	uint32_t idx = cw->free[--cw->n_free];
	struct ct_sess *s = &ct->pool[idx];
	memset(s, 0, sizeof(*s));
	s->idx = idx;
	s->owner = (uint8_t)w;
	s->charged_port = ct->port_limit ? port : DP_PORT_NONE;
	return s;
}

/* Owner: queue a session for reuse after a grace period. */
static void retire(struct ct *ct, struct ct_worker *cw, uint32_t idx)
{
	struct ct_defer *d = &cw->fifo[(cw->fifo_head + cw->fifo_n++) % ct->per];
	d->idx = idx;
	d->token = ct->qsbr ? rte_rcu_qsbr_start(ct->qsbr) : 0;
}

void ct_abort(struct ct *ct, unsigned w, struct ct_sess *s)
{
	uncharge(ct, s);
	retire(ct, &ct->w[w], s->idx);
}

int ct_insert(struct ct *ct, struct ct_sess *s, struct ct_sess **other)
{
	struct ct_sess *o = NULL;
	*other = NULL;
	if (key_eq(&s->key[0], &s->key[1]))
		return -EINVAL;
	__atomic_store_n(&s->flags, (uint8_t)(s->flags | CT_F_LIVE), __ATOMIC_RELEASE);
	int r = insert_key(ct, &s->key[0], s->idx << 1, &o);
	if (r == 0) {
		r = insert_key(ct, &s->key[1], s->idx << 1 | 1, &o);
		if (r < 0) {
			remove_key(ct, &s->key[0], s->idx << 1);
			if (r == -EEXIST)
				o = NULL; /* not the same connection: the reply key is taken */
		}
	}
	if (r < 0) {
		__atomic_fetch_and(&s->flags, (uint8_t)~CT_F_LIVE, __ATOMIC_RELEASE);
		*other = o;
		if (r == -ENOSPC)
			ct->w[s->owner].st.insert_busy++;
		return r;
	}
	ct->w[s->owner].st.created++;
	return 0;
}

bool ct_delete(struct ct *ct, struct ct_sess *s, unsigned w)
{
	uint8_t f = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);
	do {
		if (!(f & CT_F_LIVE))
			return false;
	} while (!__atomic_compare_exchange_n(&s->flags, &f, (uint8_t)(f & ~CT_F_LIVE), false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	remove_key(ct, &s->key[0], s->idx << 1);
	remove_key(ct, &s->key[1], s->idx << 1 | 1);
	if ((f & CT_F_NAT) && ct->hook)
		ct->hook(s, ct->hook_o);
	uncharge(ct, s);
	struct ct_worker *owner = &ct->w[s->owner];
	if (w == s->owner) {
		__atomic_fetch_add(&owner->st.deleted, 1, __ATOMIC_RELAXED);
		retire(ct, owner, s->idx);
	} else {
		/* the ring holds a slice: it cannot be full */
		__atomic_fetch_add(&owner->st.deleted, 1, __ATOMIC_RELAXED);
		while (rte_ring_mp_enqueue(owner->ret, (void *)(uintptr_t)s->idx) != 0)
			rte_pause();
	}
	return true;
}

uint32_t ct_timeout(const struct ct *ct, const struct ct_sess *s)
{
	return s->state < DP_CT_STATE_MAX ? ct->timeout[s->state] : 10;
}

unsigned ct_expire(struct ct *ct, unsigned w, uint32_t now, unsigned budget)
{
	struct ct_worker *cw = &ct->w[w];
	void *ret[32];
	unsigned n, gone = 0;

	while ((n = rte_ring_sc_dequeue_burst(cw->ret, ret, RTE_DIM(ret), NULL)) > 0)
		for (unsigned i = 0; i < n; i++)
			retire(ct, cw, (uint32_t)(uintptr_t)ret[i]);
	while (cw->fifo_n > 0) {
		struct ct_defer *d = &cw->fifo[cw->fifo_head];
		if (ct->qsbr && rte_rcu_qsbr_check(ct->qsbr, d->token, false) != 1)
			break;
		cw->free[cw->n_free++] = d->idx;
		cw->fifo_head = (cw->fifo_head + 1) % ct->per;
		cw->fifo_n--;
	}
	budget = RTE_MIN(budget, ct->per);
	while (budget--) {
		struct ct_sess *s = &ct->pool[1 + w * ct->per + cw->cursor];
		cw->cursor = cw->cursor + 1 < ct->per ? cw->cursor + 1 : 0;
		if (!(__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & CT_F_LIVE))
			continue;
		uint32_t last = __atomic_load_n(&s->last, __ATOMIC_RELAXED);
		if ((int32_t)(now - last) > (int32_t)ct_timeout(ct, s) && ct_delete(ct, s, w)) {
			cw->st.expired++;
			gone++;
		}
	}
	return gone;
}

int ct_state_new(uint8_t proto, uint8_t f)
{
	switch (proto) {
	case 6:
		if (f & 0x04)
			return -EINVAL; /* RST */
		if ((f & 0x12) == 0x02)
			return DP_CT_SYN_SENT;
		if (f & 0x10)
			return DP_CT_ESTABLISHED; /* picked up mid-stream */
		return -EINVAL;
	case 1:
		return DP_CT_ICMP;
	default:
		return DP_CT_UDP_UNREPLIED;
	}
}

void ct_track(struct ct_sess *s, unsigned dir, uint8_t f, uint32_t now)
{
	if (s->last != now)
		__atomic_store_n(&s->last, now, __ATOMIC_RELAXED);
	uint8_t st = s->state, nst = st;
	switch (s->key[0].proto) {
	case 6:
		if (f & 0x04) {
			nst = DP_CT_CLOSE;
			break;
		}
		switch (st) {
		case DP_CT_SYN_SENT:
			if (dir == 1 && (f & 0x12) == 0x12)
				nst = DP_CT_SYN_RECV;
			break;
		case DP_CT_SYN_RECV:
			if (dir == 0 && (f & 0x12) == 0x10)
				nst = DP_CT_ESTABLISHED;
			break;
		case DP_CT_ESTABLISHED:
		case DP_CT_FIN_WAIT:
		case DP_CT_CLOSE_WAIT:
			if (f & 0x01) {
				uint8_t fl = __atomic_or_fetch(&s->flags, dir ? CT_F_FIN1 : CT_F_FIN0,
							       __ATOMIC_RELAXED);
				nst = (fl & (CT_F_FIN0 | CT_F_FIN1)) == (CT_F_FIN0 | CT_F_FIN1)
					      ? DP_CT_TIME_WAIT
				      : (fl & CT_F_FIN0) ? DP_CT_FIN_WAIT
							 : DP_CT_CLOSE_WAIT;
			}
			break;
		case DP_CT_TIME_WAIT:
		case DP_CT_CLOSE:
			if (dir == 0 && (f & 0x12) == 0x02) { /* the same ports again */
				__atomic_fetch_and(&s->flags, (uint8_t)~(CT_F_FIN0 | CT_F_FIN1),
						   __ATOMIC_RELAXED);
				nst = DP_CT_SYN_SENT;
			}
			break;
		}
		break;
	case 1:
		break;
	default:
		if (dir == 1 && st == DP_CT_UDP_UNREPLIED)
			nst = DP_CT_UDP_ASSURED;
		break;
	}
	if (nst != st)
		__atomic_store_n(&s->state, nst, __ATOMIC_RELAXED);
}

void ct_foreach(struct ct *ct, int (*cb)(struct ct_sess *s, void *o), void *o)
{
	uint32_t n = ct->per * ct->nw;
	for (uint32_t i = 1; i <= n; i++) {
		struct ct_sess *s = &ct->pool[i];
		if ((__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & CT_F_LIVE) && cb(s, o))
			return;
	}
}

void ct_get_stats(const struct ct *ct, struct ct_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned w = 0; w < ct->nw; w++) {
		const struct ct_stats *c = &ct->w[w].st;
		st->created += __atomic_load_n(&c->created, __ATOMIC_RELAXED);
		st->expired += __atomic_load_n(&c->expired, __ATOMIC_RELAXED);
		st->deleted += __atomic_load_n(&c->deleted, __ATOMIC_RELAXED);
		st->refused_full += __atomic_load_n(&c->refused_full, __ATOMIC_RELAXED);
		st->refused_port_limit += __atomic_load_n(&c->refused_port_limit, __ATOMIC_RELAXED);
		st->insert_busy += __atomic_load_n(&c->insert_busy, __ATOMIC_RELAXED);
	}
}

unsigned ct_count(const struct ct *ct)
{
	struct ct_stats st;
	ct_get_stats(ct, &st);
	return (unsigned)(st.created - st.deleted);
}
