/* acl.c — a port's compiled security group rules and their tuple-space
 * index (see acl.h). */
#include "dataplane/acl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_ANY 256      /* the key protocol of a tuple of any-protocol rules */
#define SLOT_FREE 0xffffu  /* an empty slot's protocol */
#define MAX_TUPLES 128     /* per direction (prefix masks give at most 66) */

struct acl_tuple {
	uint32_t mask;        /* the remote mask, network order */
	uint32_t any;         /* rules of any protocol (key protocol PROTO_ANY) */
	uint32_t slot0;       /* its table: slots[slot0 .. slot0 + cap_mask] */
	uint32_t cap_mask;    /* capacity - 1, a power of two */
	uint32_t protos[8];   /* the protocols of its keys (any == 0) */
};

struct acl_slot {
	uint32_t net;         /* remote & mask */
	uint32_t iv;          /* its intervals: ivs[iv .. iv + n) */
	uint16_t proto;       /* 0..255, PROTO_ANY; SLOT_FREE: empty */
	uint16_t n;
};

/* Sorted, disjoint, not adjacent: the values the key's rules admit. */
struct acl_iv {
	uint16_t lo, hi;
};

struct acl_ix {
	size_t bytes;         /* the whole allocation */
	uint32_t nt[2];       /* tuples per direction */
	uint32_t t0[2];       /* a direction's first tuple in tuples[] */
	uint32_t slot_off, iv_off; /* byte offsets of slots[] and ivs[] */
	struct acl_tuple tuples[];
};

struct acl_set *acl_set_new(uint32_t n_in, uint32_t n_out)
{
	struct acl_set *a = calloc(1, sizeof(*a) + ((size_t)n_in + n_out) * sizeof(struct acl_rule));
	if (!a)
		return NULL;
	a->r[ACL_IN] = a->rules;
	a->r[ACL_OUT] = a->rules + n_in;
	return a;
}

void acl_set_free(struct acl_set *a)
{
	if (!a)
		return;
	free(a->ix);
	free(a);
}

size_t acl_set_index_bytes(const struct acl_set *a)
{
	return a && a->ix ? a->ix->bytes : 0;
}

struct acl_set *acl_set_dup(const struct acl_set *a)
{
	struct acl_set *c = acl_set_new(a->n[ACL_IN], a->n[ACL_OUT]);
	if (!c)
		return NULL;
	c->n[ACL_IN] = a->n[ACL_IN];
	c->n[ACL_OUT] = a->n[ACL_OUT];
	c->v6_any[ACL_IN] = a->v6_any[ACL_IN];
	c->v6_any[ACL_OUT] = a->v6_any[ACL_OUT];
	memcpy(c->rules, a->rules, ((size_t)a->n[ACL_IN] + a->n[ACL_OUT]) * sizeof(a->rules[0]));
	if (a->ix) { /* offsets, no pointers: a plain copy */
		if (!(c->ix = malloc(a->ix->bytes))) {
			free(c);
			return NULL;
		}
		memcpy(c->ix, a->ix, a->ix->bytes);
	}
	return c;
}

static inline bool has_ports(uint8_t p)
{
	return p == 6 || p == 17 || p == 132 || p == 33 || p == 136;
}

/* The reference: every rule in order. */
static bool scan(const struct acl_set *a, unsigned dir, uint8_t proto, uint32_t remote,
		 uint16_t dport, uint8_t icmp_type, uint8_t icmp_code)
{
	const struct acl_rule *r = a->r[dir];
	for (uint32_t i = 0; i < a->n[dir]; i++, r++) {
		if ((remote & r->mask) != r->net)
			continue;
		if (r->proto != ACL_ANY && r->proto != proto)
			continue;
		if (r->pmin != ACL_ANY && has_ports(proto) && (dport < r->pmin || dport > r->pmax))
			continue;
		if (proto == 1 && r->proto == 1) {
			if (r->icmp_type != ACL_ANY && r->icmp_type != icmp_type)
				continue;
			if (r->icmp_code != ACL_ANY && r->icmp_code != icmp_code)
				continue;
		}
		return true;
	}
	return false;
}

static inline uint32_t hash(uint32_t net, uint32_t proto)
{
	uint32_t x = net ^ proto * 0x9e3779b9u; /* murmur3's finalizer */
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	return x ^ x >> 16;
}

static inline const struct acl_slot *slots_of(const struct acl_ix *ix)
{
	return (const struct acl_slot *)((const char *)ix + ix->slot_off);
}

static inline const struct acl_iv *ivs_of(const struct acl_ix *ix)
{
	return (const struct acl_iv *)((const char *)ix + ix->iv_off);
}

/* The last interval starting at or below x (branch-free: the halving
 * compiles to conditional moves), then whether it reaches x. */
static inline bool iv_has(const struct acl_iv *v, uint32_t n, uint16_t x)
{
	if (!n)
		return false;
	while (n > 1) {
		uint32_t half = n / 2;
		v = v[half].lo <= x ? v + half : v;
		n -= half;
	}
	return v->lo <= x && x <= v->hi;
}

static bool ix_allows(const struct acl_ix *ix, unsigned dir, uint8_t proto, uint32_t remote,
		      uint16_t dport, uint8_t icmp_type, uint8_t icmp_code)
{
	bool ports = has_ports(proto);
	uint16_t x = ports ? dport : proto == 1 ? (uint16_t)(icmp_type << 8 | icmp_code) : 0;
	const struct acl_tuple *t = ix->tuples + ix->t0[dir];
	const struct acl_slot *slots = slots_of(ix);
	const struct acl_iv *ivs = ivs_of(ix);
	for (uint32_t i = 0; i < ix->nt[dir]; i++, t++) {
		if (!t->any && !(t->protos[proto >> 5] >> (proto & 31) & 1))
			continue;
		uint32_t kp = t->any ? PROTO_ANY : proto, net = remote & t->mask;
		for (uint32_t h = hash(net, kp);; h++) {
			const struct acl_slot *s = &slots[t->slot0 + (h & t->cap_mask)];
			if (s->proto == SLOT_FREE)
				break;
			if (s->net == net && s->proto == kp) {
				/* any-protocol rules: the ports matter only to protocols with ports */
				if ((t->any && !ports) || iv_has(ivs + s->iv, s->n, x))
					return true;
				break;
			}
		}
	}
	return false;
}

bool acl_allows(const struct acl_set *a, unsigned dir, uint8_t proto, uint32_t remote,
		uint16_t dport, uint8_t icmp_type, uint8_t icmp_code)
{
	if (a->ix)
		return ix_allows(a->ix, dir, proto, remote, dport, icmp_type, icmp_code);
	return scan(a, dir, proto, remote, dport, icmp_type, icmp_code);
}

/* ---- build ---- */

enum { REC_RANGE, REC_KEY_ONLY, REC_ICMP_CODE };

/* A rule that can match, reduced to its key and its values. */
struct rec {
	uint32_t net;
	uint32_t slot;        /* its key's slot, once inserted */
	uint16_t proto;       /* 0..255 or PROTO_ANY */
	uint16_t lo, hi;      /* REC_RANGE: [lo, hi]; REC_ICMP_CODE: lo = the code */
	uint8_t kind, tup;    /* tup: the tuple, in the direction's order */
};

struct tup_tmp {
	uint32_t mask, any, count, order;
	uint32_t protos[8];
};

static uint32_t rec_ivs(const struct rec *r)
{
	return r->kind == REC_RANGE ? 1 : r->kind == REC_ICMP_CODE ? 256 : 0;
}

/* rule -> record; false: the rule can never match (the scan skips it
 * for every packet), so the index leaves it out. */
static bool reduce(const struct acl_rule *r, struct rec *o)
{
	if (r->net & ~r->mask)
		return false;
	if (r->proto != ACL_ANY && (r->proto < 0 || r->proto > 255))
		return false;
	*o = (struct rec){ .net = r->net, .kind = REC_RANGE, .lo = 0, .hi = 0xffff };
	bool any = r->proto == ACL_ANY;
	o->proto = any ? PROTO_ANY : (uint16_t)r->proto;
	if (any || has_ports((uint8_t)r->proto)) {
		if (r->pmin == ACL_ANY)
			return true;
		int32_t lo = r->pmin < 0 ? 0 : r->pmin, hi = r->pmax > 0xffff ? 0xffff : r->pmax;
		if (lo > hi) /* no port matches: any-protocol still admits portless protocols */
			return any ? (o->kind = REC_KEY_ONLY, true) : false;
		o->lo = (uint16_t)lo;
		o->hi = (uint16_t)hi;
		return true;
	}
	if (r->proto != 1)
		return true; /* other protocols: the key alone */
	bool ta = r->icmp_type == ACL_ANY, ca = r->icmp_code == ACL_ANY;
	if ((!ta && (r->icmp_type < 0 || r->icmp_type > 255)) ||
	    (!ca && (r->icmp_code < 0 || r->icmp_code > 255)))
		return false;
	if (ta && !ca) { /* any type, one code (the API refuses it; handled anyway) */
		o->kind = REC_ICMP_CODE;
		o->lo = (uint16_t)r->icmp_code;
	} else if (!ta) {
		o->lo = (uint16_t)(r->icmp_type << 8 | (ca ? 0 : r->icmp_code));
		o->hi = (uint16_t)(r->icmp_type << 8 | (ca ? 0xff : r->icmp_code));
	}
	return true;
}

static int iv_cmp(const void *x, const void *y)
{
	const struct acl_iv *a = x, *b = y;
	return a->lo != b->lo ? (a->lo < b->lo ? -1 : 1) : (a->hi < b->hi ? -1 : a->hi > b->hi);
}

static void iv_sort(struct acl_iv *v, uint32_t n)
{
	if (n > 16) {
		qsort(v, n, sizeof(*v), iv_cmp);
		return;
	}
	for (uint32_t i = 1; i < n; i++) {
		struct acl_iv x = v[i];
		uint32_t j = i;
		for (; j > 0 && iv_cmp(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Sorts and merges v[0..n) in place (overlapping or adjacent intervals
 * become one); returns the count left. */
static uint32_t iv_merge(struct acl_iv *v, uint32_t n)
{
	if (!n)
		return 0;
	iv_sort(v, n);
	uint32_t w = 0;
	for (uint32_t i = 1; i < n; i++) {
		if ((uint32_t)v[i].lo <= (uint32_t)v[w].hi + 1) {
			if (v[i].hi > v[w].hi)
				v[w].hi = v[i].hi;
		} else {
			v[++w] = v[i];
		}
	}
	return w + 1;
}

/* The records of one direction; their tuples into t (count, sorted larger
 * first); returns the number of records, or -1: too many tuples. */
static int64_t collect(const struct acl_set *a, unsigned dir, struct rec *recs,
		       struct tup_tmp *t, uint32_t *nt)
{
	uint32_t n = 0, last = 0;
	*nt = 0;
	for (uint32_t i = 0; i < a->n[dir]; i++) {
		struct rec *o = &recs[n];
		if (!reduce(&a->r[dir][i], o))
			continue;
		uint32_t mask = a->r[dir][i].mask, any = o->proto == PROTO_ANY, k = last;
		if (k >= *nt || t[k].mask != mask || t[k].any != any)
			for (k = 0; k < *nt && (t[k].mask != mask || t[k].any != any); k++)
				;
		if (k == *nt) {
			if (*nt == MAX_TUPLES)
				return -1;
			t[(*nt)++] = (struct tup_tmp){ .mask = mask, .any = any };
		}
		last = k;
		t[k].count++;
		if (!any)
			t[k].protos[o->proto >> 5] |= 1u << (o->proto & 31);
		o->tup = (uint8_t)k;
		n++;
	}
	/* larger tuples first: a hit ends the lookup sooner */
	uint32_t ord[MAX_TUPLES];
	for (uint32_t k = 0; k < *nt; k++)
		ord[k] = k;
	for (uint32_t i = 1; i < *nt; i++)
		for (uint32_t j = i; j > 0 && t[ord[j - 1]].count < t[ord[j]].count; j--) {
			uint32_t x = ord[j];
			ord[j] = ord[j - 1];
			ord[j - 1] = x;
		}
	for (uint32_t k = 0; k < *nt; k++)
		t[ord[k]].order = k;
	for (uint32_t i = 0; i < n; i++)
		recs[i].tup = (uint8_t)t[recs[i].tup].order;
	struct tup_tmp sorted[MAX_TUPLES];
	for (uint32_t k = 0; k < *nt; k++)
		sorted[t[k].order] = t[k];
	memcpy(t, sorted, *nt * sizeof(*t));
	return n;
}

int acl_set_build(struct acl_set *a)
{
	free(a->ix);
	a->ix = NULL;
	size_t total = (size_t)a->n[ACL_IN] + a->n[ACL_OUT];
	struct rec *recs = malloc((total ? total : 1) * sizeof(*recs));
	struct tup_tmp *tt = malloc(2 * MAX_TUPLES * sizeof(*tt));
	uint32_t *fill = NULL;
	struct acl_ix *ix = NULL;
	int rc = -ENOMEM;
	if (!recs || !tt)
		goto out;
	uint32_t nr[2], nt[2];
	for (unsigned d = 0; d < 2; d++) {
		int64_t k = collect(a, d, recs + (d ? nr[0] : 0), tt + d * MAX_TUPLES, &nt[d]);
		if (k < 0) { /* that many masks: the scan is as good */
			rc = 0;
			goto out;
		}
		nr[d] = (uint32_t)k;
	}
	/* sizes: tables at load <= 1/2 (keys <= records), intervals before merging */
	size_t n_slots = 0, n_ivs = 0;
	for (unsigned d = 0; d < 2; d++)
		for (uint32_t k = 0; k < nt[d]; k++) {
			uint32_t cap = 2;
			while (cap < 2 * tt[d * MAX_TUPLES + k].count)
				cap <<= 1;
			n_slots += cap;
		}
	for (uint32_t i = 0; i < nr[0] + nr[1]; i++)
		n_ivs += rec_ivs(&recs[i]);
	size_t slot_off = sizeof(*ix) + ((size_t)nt[0] + nt[1]) * sizeof(struct acl_tuple);
	size_t iv_off = slot_off + n_slots * sizeof(struct acl_slot);
	if (iv_off + n_ivs * sizeof(struct acl_iv) > UINT32_MAX)
		goto out;
	ix = malloc(iv_off + n_ivs * sizeof(struct acl_iv));
	fill = calloc(n_slots ? n_slots : 1, sizeof(*fill));
	if (!ix || !fill)
		goto out;
	ix->slot_off = (uint32_t)slot_off;
	ix->iv_off = (uint32_t)iv_off;
	struct acl_slot *slots = (struct acl_slot *)((char *)ix + slot_off);
	struct acl_iv *ivs = (struct acl_iv *)((char *)ix + iv_off);
	for (size_t s = 0; s < n_slots; s++)
		slots[s] = (struct acl_slot){ .proto = SLOT_FREE };
	uint32_t slot0 = 0;
	for (unsigned d = 0; d < 2; d++) {
		ix->nt[d] = nt[d];
		ix->t0[d] = d ? nt[0] : 0;
		for (uint32_t k = 0; k < nt[d]; k++) {
			const struct tup_tmp *s = &tt[d * MAX_TUPLES + k];
			struct acl_tuple *t = &ix->tuples[ix->t0[d] + k];
			uint32_t cap = 2;
			while (cap < 2 * s->count)
				cap <<= 1;
			*t = (struct acl_tuple){ .mask = s->mask, .any = s->any, .slot0 = slot0,
						 .cap_mask = cap - 1 };
			memcpy(t->protos, s->protos, sizeof(t->protos));
			slot0 += cap;
		}
	}
	/* keys: insert, count each key's intervals */
	for (unsigned d = 0; d < 2; d++)
		for (uint32_t i = d ? nr[0] : 0; i < (d ? nr[0] + nr[1] : nr[0]); i++) {
			struct rec *r = &recs[i];
			const struct acl_tuple *t = &ix->tuples[ix->t0[d] + r->tup];
			for (uint32_t h = hash(r->net, r->proto);; h++) {
				uint32_t s = t->slot0 + (h & t->cap_mask);
				if (slots[s].proto == SLOT_FREE) {
					slots[s].net = r->net;
					slots[s].proto = r->proto;
				} else if (slots[s].net != r->net || slots[s].proto != r->proto) {
					continue;
				}
				r->slot = s;
				fill[s] += rec_ivs(r);
				break;
			}
		}
	/* each key's region of ivs[], then its records' intervals */
	uint32_t at = 0;
	for (size_t s = 0; s < n_slots; s++) {
		slots[s].iv = at;
		at += fill[s];
		fill[s] = 0;
	}
	for (uint32_t i = 0; i < nr[0] + nr[1]; i++) {
		const struct rec *r = &recs[i];
		struct acl_iv *v = ivs + slots[r->slot].iv;
		if (r->kind == REC_RANGE)
			v[fill[r->slot]++] = (struct acl_iv){ r->lo, r->hi };
		else if (r->kind == REC_ICMP_CODE)
			for (uint32_t ty = 0; ty < 256; ty++) {
				uint16_t x = (uint16_t)(ty << 8 | r->lo);
				v[fill[r->slot]++] = (struct acl_iv){ x, x };
			}
	}
	/* merge each key's intervals and pack them (regions are in slot order) */
	at = 0;
	for (size_t s = 0; s < n_slots; s++) {
		if (slots[s].proto == SLOT_FREE)
			continue;
		uint32_t m = iv_merge(ivs + slots[s].iv, fill[s]);
		memmove(ivs + at, ivs + slots[s].iv, m * sizeof(*ivs));
		slots[s].iv = at;
		slots[s].n = (uint16_t)m; /* disjoint, not adjacent: <= 32768 */
		at += m;
	}
	ix->bytes = iv_off + (size_t)at * sizeof(struct acl_iv);
	struct acl_ix *shrunk = realloc(ix, ix->bytes);
	a->ix = shrunk ? shrunk : ix;
	ix = NULL;
	rc = 0;
out:
	free(ix);
	free(fill);
	free(tt);
	free(recs);
	return rc;
}
