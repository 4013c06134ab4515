/*
 * dns_cache.c - the forwarder's answer cache (see dns_cache.h).
 *
 * A chained hash table (power-of-two buckets, FNV-1a of the key) and an
 * intrusive doubly-linked LRU list: lookups and inserts are O(1).
 */
#include "dns_cache.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *hnext;              /* bucket chain */
	struct entry *prev, *next;        /* LRU: head most recent */
	uint32_t hash;
	uint16_t qtype, qclass;
	uint8_t edns;                     /* 0 none, 1 EDNS0, 2 EDNS0 + DO */
	uint64_t stored, expires;
	uint16_t len;
	char name[DNS_NAME_TEXT_MAX];
	uint8_t msg[];
};

struct dns_cache {
	struct entry **bucket;
	size_t nbuckets, n, max;
	struct entry *head, *tail;
	struct dns_cache_stats st;
};

struct dns_cache *dns_cache_new(size_t max)
{
	struct dns_cache *c = calloc(1, sizeof(*c));
	if (!c || !max)
		return free(c), NULL;
	c->max = max;
	c->nbuckets = 64;
	while (c->nbuckets < max && c->nbuckets < (1u << 20))
		c->nbuckets <<= 1;
	c->bucket = calloc(c->nbuckets, sizeof(*c->bucket));
	if (!c->bucket)
		return free(c), NULL;
	return c;
}

static uint8_t edns_of(const struct dns_query *q)
{
	return q->edns ? (q->edns_do ? 2 : 1) : 0;
}

static uint32_t key_hash(const struct dns_query *q)
{
	uint32_t h = 2166136261u;
	for (const char *s = q->name; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ q->qtype) * 16777619u;
	h = (h ^ q->qclass) * 16777619u;
	return (h ^ edns_of(q)) * 16777619u;
}

static void lru_unlink(struct dns_cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_front(struct dns_cache *c, struct entry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void remove_entry(struct dns_cache *c, struct entry *e)
{
	struct entry **pp = &c->bucket[e->hash & (c->nbuckets - 1)];
	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(c, e);
	free(e);
	c->n--;
}

static struct entry *find(struct dns_cache *c, const struct dns_query *q, uint32_t h)
{
	uint8_t ed = edns_of(q);
	for (struct entry *e = c->bucket[h & (c->nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->qtype == q->qtype && e->qclass == q->qclass &&
		    e->edns == ed && !strcmp(e->name, q->name))
			return e;
	return NULL;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The TTL the reply may be cached for (0: not cacheable). */
static uint32_t reply_ttl(const uint8_t *p, size_t len, const struct dns_query *r)
{
	unsigned rcode = DNS_RCODE(r->flags);
	size_t off = r->rr_off;
	struct dns_rr rr;
	uint32_t ttl = UINT32_MAX;
	bool any = false;

	if (r->flags & DNS_FLAG_TC || (rcode != DNS_R_NOERROR && rcode != DNS_R_NXDOMAIN))
		return 0;
	for (unsigned i = 0; i < r->ancount; i++) {
		if (dns_rr_next(p, len, &off, &rr) < 0)
			return 0;
		if (rr.ttl < ttl)
			ttl = rr.ttl;
		any = true;
	}
	if (rcode == DNS_R_NOERROR && any)
		return ttl > DNS_CACHE_TTL_MAX ? DNS_CACHE_TTL_MAX : ttl;
	/* NXDOMAIN or NODATA: the SOA's negative TTL */
	for (unsigned i = 0; i < r->nscount; i++) {
		if (dns_rr_next(p, len, &off, &rr) < 0)
			return 0;
		if (rr.type != DNS_T_SOA)
			continue;
		size_t o = rr.rdata_off;
		char tmp[DNS_NAME_TEXT_MAX];
		if (dns_name_decode(p, len, &o, tmp) < 0 || dns_name_decode(p, len, &o, tmp) < 0 ||
		    o + 20 > rr.rdata_off + rr.rdlen || o + 20 > len)
			return 0;
		uint32_t min = rd32(p + o + 16);
		ttl = rr.ttl < min ? rr.ttl : min;
		return ttl > DNS_CACHE_TTL_MAX ? DNS_CACHE_TTL_MAX : ttl;
	}
	return 0;
}

int dns_cache_put(struct dns_cache *c, const struct dns_query *q, const uint8_t *resp,
		size_t len, uint64_t now)
{
	struct dns_query r;

	if (!c || len > DNS_CACHE_MSG_MAX || dns_parse_response(resp, len, &r) < 0 ||
	    r.qtype != q->qtype || r.qclass != q->qclass || strcmp(r.name, q->name) != 0) {
		if (c)
			c->st.uncacheable++;
		return -EINVAL;
	}
	uint32_t ttl = reply_ttl(resp, len, &r);
	if (!ttl) {
		c->st.uncacheable++;
		return -EINVAL;
	}
	uint32_t h = key_hash(q);
	struct entry *e = find(c, q, h);
	if (e)
		remove_entry(c, e);
	while (c->n >= c->max && c->tail) {
		remove_entry(c, c->tail);
		c->st.evictions++;
	}
	e = malloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->qtype = q->qtype;
	e->qclass = q->qclass;
	e->edns = edns_of(q);
	e->stored = now;
	e->expires = now + ttl;
	e->len = (uint16_t)len;
	strcpy(e->name, q->name);
	memcpy(e->msg, resp, len);
	size_t b = h & (c->nbuckets - 1);
	e->hnext = c->bucket[b];
	c->bucket[b] = e;
	lru_front(c, e);
	c->n++;
	c->st.inserts++;
	return 0;
}

/* Lowers every record's TTL (not the OPT's: its TTL field is flags). */
static void age_ttls(uint8_t *p, size_t len, uint32_t by)
{
	struct dns_query r;
	struct dns_rr rr;
	if (dns_parse_response(p, len, &r) < 0)
		return;
	size_t off = r.rr_off;
	for (unsigned i = 0; i < (unsigned)r.ancount + r.nscount + r.arcount; i++) {
		if (dns_rr_next(p, len, &off, &rr) < 0)
			return;
		if (rr.type == DNS_T_OPT)
			continue;
		uint32_t t = rr.ttl > by ? rr.ttl - by : 0;
		uint8_t *tp = p + rr.rdata_off - 6;
		tp[0] = (uint8_t)(t >> 24);
		tp[1] = (uint8_t)(t >> 16);
		tp[2] = (uint8_t)(t >> 8);
		tp[3] = (uint8_t)t;
	}
}

int dns_cache_get(struct dns_cache *c, const struct dns_query *q, uint8_t *buf,
		size_t cap, uint64_t now)
{
	struct entry *e = c ? find(c, q, key_hash(q)) : NULL;
	if (e && e->expires <= now) {
		remove_entry(c, e);
		c->st.expired++;
		e = NULL;
	}
	if (!e) {
		if (c)
			c->st.misses++;
		return -ENOENT;
	}
	if (e->len > cap)
		return -EMSGSIZE;
	memcpy(buf, e->msg, e->len);
	buf[0] = (uint8_t)(q->id >> 8);
	buf[1] = (uint8_t)q->id;
	/* the client's RD bit, as asked */
	buf[2] = (uint8_t)((buf[2] & ~0x01) | ((q->flags & DNS_FLAG_RD) ? 1 : 0));
	if (now > e->stored)
		age_ttls(buf, e->len, (uint32_t)(now - e->stored));
	lru_unlink(c, e);
	lru_front(c, e);
	c->st.hits++;
	return e->len;
}

void dns_cache_flush(struct dns_cache *c)
{
	while (c && c->head)
		remove_entry(c, c->head);
}

void dns_cache_get_stats(const struct dns_cache *c, struct dns_cache_stats *s)
{
	*s = c->st;
	s->entries = c->n;
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	dns_cache_flush(c);
	free(c->bucket);
	free(c);
}
