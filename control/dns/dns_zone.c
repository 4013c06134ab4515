/*
 * dns_zone.c - the local zone of one network (see dns_msg.h).
 *
 * An array of records in insertion order (answers list them in that order),
 * indexed by a hash on the canonical owner name: bucket heads and a `next`
 * index per record, chains appended at the tail so the records of one name
 * keep their order. A second hash set holds every proper ancestor of every
 * owner name ("example.com" and "com" for "vm1.example.com"), so an empty
 * non-terminal is one lookup. Adding, answering and the duplicate check are
 * O(1) per record (a network with 10,000 leases has 30,000 records);
 * dns_zone_remove compacts the array and rebuilds both indexes (rare).
 */
#include "dns_msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_MAX_RECORDS 65536
#define ZONE_NIL UINT32_MAX

struct zrec {
	char *name;              /* canonical */
	uint16_t type;
	union {
		uint32_t a;
		uint8_t aaaa[16];
		struct { uint16_t prio, weight, port; } srv;
	} u;
	char *data;              /* PTR/SRV target, TXT text */
	uint32_t next;           /* next record in the same hash bucket, ZONE_NIL */
};

struct dns_zone {
	char domain[DNS_NAME_TEXT_MAX];  /* canonical, "" if none */
	bool local_only;
	uint32_t ttl;
	struct zrec *rec;
	size_t n, cap;
	uint32_t *head;          /* nbucket bucket heads (record index), ZONE_NIL */
	size_t nbucket;          /* power of two, >= n */
	char **ent;              /* open-addressed set of ancestor names, NULL = free */
	size_t nent, entcap;     /* entcap power of two, nent <= entcap / 2 */
};

/* FNV-1a */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* First record owned by name (canonical), ZONE_NIL if none. */
static uint32_t zone_first(const struct dns_zone *z, const char *name)
{
	if (!z->nbucket)
		return ZONE_NIL;
	for (uint32_t i = z->head[name_hash(name) & (z->nbucket - 1)]; i != ZONE_NIL;
	     i = z->rec[i].next)
		if (!strcmp(z->rec[i].name, name))
			return i;
	return ZONE_NIL;
}

/* Next record owned by the same name as record i, ZONE_NIL if none. */
static uint32_t zone_next(const struct dns_zone *z, uint32_t i)
{
	const char *name = z->rec[i].name;

	for (i = z->rec[i].next; i != ZONE_NIL; i = z->rec[i].next)
		if (!strcmp(z->rec[i].name, name))
			return i;
	return ZONE_NIL;
}

/* Append record i at the tail of its bucket chain. */
static void index_link(struct dns_zone *z, uint32_t i)
{
	uint32_t *p = &z->head[name_hash(z->rec[i].name) & (z->nbucket - 1)];

	while (*p != ZONE_NIL)
		p = &z->rec[*p].next;
	z->rec[i].next = ZONE_NIL;
	*p = i;
}

/* (Re)build the record index with at least `want` buckets. */
static int index_rebuild(struct dns_zone *z, size_t want)
{
	size_t nb = z->nbucket ? z->nbucket : 64;
	uint32_t *h;

	while (nb < want)
		nb *= 2;
	if (nb != z->nbucket) {
		h = malloc(nb * sizeof(*h));
		if (!h)
			return -ENOMEM;
		free(z->head);
		z->head = h;
		z->nbucket = nb;
	}
	for (size_t b = 0; b < z->nbucket; b++)
		z->head[b] = ZONE_NIL;
	for (size_t i = 0; i < z->n; i++)
		index_link(z, (uint32_t)i);
	return 0;
}

static char **ent_slot(const struct dns_zone *z, const char *name)
{
	size_t m = z->entcap - 1, k = name_hash(name) & m;

	while (z->ent[k] && strcmp(z->ent[k], name) != 0)
		k = (k + 1) & m;
	return &z->ent[k];
}

/* Is name a proper ancestor of some owner name? */
static bool ent_has(const struct dns_zone *z, const char *name)
{
	return z->entcap && *ent_slot(z, name);
}

static void ent_clear(struct dns_zone *z)
{
	for (size_t k = 0; k < z->entcap; k++)
		free(z->ent[k]);
	free(z->ent);
	z->ent = NULL;
	z->nent = z->entcap = 0;
}

static int ent_insert(struct dns_zone *z, const char *name)
{
	char **slot;

	if (2 * (z->nent + 1) > z->entcap) {
		size_t oc = z->entcap, nc = oc ? oc * 2 : 64;
		char **old = z->ent, **nw = calloc(nc, sizeof(*nw));
		if (!nw)
			return -ENOMEM;
		z->ent = nw;
		z->entcap = nc;
		for (size_t k = 0; k < oc; k++)
			if (old[k])
				*ent_slot(z, old[k]) = old[k];
		free(old);
	}
	slot = ent_slot(z, name);
	if (*slot)
		return 0;
	*slot = strdup(name);
	if (!*slot)
		return -ENOMEM;
	z->nent++;
	return 0;
}

/* Enter every proper ancestor of owner name into the set. */
static int ent_add_ancestors(struct dns_zone *z, const char *name)
{
	for (const char *p = strchr(name, '.'); p; p = strchr(p + 1, '.')) {
		int rc = ent_insert(z, p + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct dns_zone *dns_zone_new(const char *domain, bool local_only, uint32_t ttl)
{
	struct dns_zone *z = calloc(1, sizeof(*z));

	if (!z)
		return NULL;
	if (domain && dns_name_canon(domain, z->domain) < 0) {
		free(z);
		return NULL;
	}
	z->local_only = local_only && z->domain[0];
	z->ttl = ttl;
	return z;
}

void dns_zone_free(struct dns_zone *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->n; i++) {
		free(z->rec[i].name);
		free(z->rec[i].data);
	}
	free(z->rec);
	free(z->head);
	ent_clear(z);
	free(z);
}

size_t dns_zone_count(const struct dns_zone *z)
{
	return z->n;
}

static int zone_add(struct dns_zone *z, const char *name, uint16_t type,
		const struct zrec *tmpl, const char *data, bool data_is_name)
{
	char cn[DNS_NAME_TEXT_MAX], cd[DNS_NAME_TEXT_MAX];
	struct zrec r = *tmpl;

	if (!z || !name || dns_name_canon(name, cn) < 0 || !cn[0])
		return -EINVAL;
	if (data_is_name && dns_name_canon(data, cd) < 0)
		return -EINVAL;
	/* an identical record is not added twice */
	for (uint32_t i = zone_first(z, cn); i != ZONE_NIL; i = zone_next(z, i)) {
		const struct zrec *o = &z->rec[i];
		if (o->type != type)
			continue;
		if (memcmp(&o->u, &tmpl->u, sizeof(o->u)) != 0)
			continue;
		if (data && strcmp(o->data, data_is_name ? cd : data) != 0)
			continue;
		return 0;
	}
	if (z->n == ZONE_MAX_RECORDS)
		return -ENOSPC;
	if (z->n >= z->nbucket && index_rebuild(z, z->n + 1) < 0)
		return -ENOMEM;
	if (z->n == z->cap) {
		size_t nc = z->cap ? z->cap * 2 : 16;
		struct zrec *nr = realloc(z->rec, nc * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		z->rec = nr;
		z->cap = nc;
	}
	r.type = type;
	r.name = strdup(cn);
	r.data = data ? strdup(data_is_name ? cd : data) : NULL;
	if (!r.name || (data && !r.data) || ent_add_ancestors(z, cn) < 0) {
		free(r.name);
		free(r.data);
		return -ENOMEM;
	}
	z->rec[z->n] = r;
	index_link(z, (uint32_t)z->n++);
	return 0;
}

int dns_zone_add_a(struct dns_zone *z, const char *name, uint32_t ip)
{
	struct zrec t;

	memset(&t, 0, sizeof(t));
	t.u.a = ip;
	return zone_add(z, name, DNS_T_A, &t, NULL, false);
}

int dns_zone_add_aaaa(struct dns_zone *z, const char *name, const uint8_t ip[16])
{
	struct zrec t;

	memset(&t, 0, sizeof(t));
	memcpy(t.u.aaaa, ip, 16);
	return zone_add(z, name, DNS_T_AAAA, &t, NULL, false);
}

int dns_zone_add_ptr(struct dns_zone *z, const char *name, const char *target)
{
	struct zrec t;

	memset(&t, 0, sizeof(t));
	if (!target)
		return -EINVAL;
	return zone_add(z, name, DNS_T_PTR, &t, target, true);
}

int dns_zone_add_srv(struct dns_zone *z, const char *name, uint16_t prio, uint16_t weight,
		uint16_t port, const char *target)
{
	struct zrec t;

	memset(&t, 0, sizeof(t));
	if (!target)
		return -EINVAL;
	t.u.srv.prio = prio;
	t.u.srv.weight = weight;
	t.u.srv.port = port;
	return zone_add(z, name, DNS_T_SRV, &t, target, true);
}

int dns_zone_add_txt(struct dns_zone *z, const char *name, const char *text)
{
	struct zrec t;

	memset(&t, 0, sizeof(t));
	if (!text || strlen(text) > 1024)
		return -EINVAL;
	return zone_add(z, name, DNS_T_TXT, &t, text, false);
}

/* name + "." + domain when name has no dot and the zone has a domain. */
static int qualify(const struct dns_zone *z, const char *name, char *out)
{
	char cn[DNS_NAME_TEXT_MAX];

	if (dns_name_canon(name, cn) < 0 || !cn[0])
		return -EINVAL;
	if (strchr(cn, '.') || !z->domain[0]) {
		strcpy(out, cn);
		return 0;
	}
	if (strlen(cn) + 1 + strlen(z->domain) > DNS_NAME_TEXT_MAX - 1)
		return -EINVAL;
	strcpy(out, cn);
	strcat(out, ".");
	strcat(out, z->domain);
	return 1;
}

int dns_zone_add_host(struct dns_zone *z, const char *name, int family, const void *addr)
{
	char fq[DNS_NAME_TEXT_MAX], rev[DNS_PTR6_MAX];
	int q, rc;

	if (!z || !name || !addr || (family != 4 && family != 6))
		return -EINVAL;
	q = qualify(z, name, fq);
	if (q < 0)
		return q;
	if (family == 4) {
		uint32_t ip;
		memcpy(&ip, addr, 4);
		rc = dns_zone_add_a(z, fq, ip);
		if (!rc && q)
			rc = dns_zone_add_a(z, name, ip);
		dns_ptr_name_v4(ip, rev);
	} else {
		rc = dns_zone_add_aaaa(z, fq, addr);
		if (!rc && q)
			rc = dns_zone_add_aaaa(z, name, addr);
		dns_ptr_name_v6(addr, rev);
	}
	if (!rc)
		rc = dns_zone_add_ptr(z, rev, fq);
	return rc;
}

int dns_zone_remove(struct dns_zone *z, const char *name)
{
	char cn[DNS_NAME_TEXT_MAX], fq[DNS_NAME_TEXT_MAX];
	size_t w = 0;
	int removed = 0;

	if (!z || !name || dns_name_canon(name, cn) < 0 || qualify(z, name, fq) < 0)
		return -EINVAL;
	for (size_t i = 0; i < z->n; i++) {
		struct zrec *r = &z->rec[i];
		bool del = !strcmp(r->name, cn) || !strcmp(r->name, fq) ||
			(r->type == DNS_T_PTR && (!strcmp(r->data, cn) || !strcmp(r->data, fq)));
		if (del) {
			free(r->name);
			free(r->data);
			removed++;
		} else {
			z->rec[w++] = *r;
		}
	}
	z->n = w;
	if (removed) {
		/* compaction moved records: rebuild both indexes */
		if (index_rebuild(z, z->n) < 0)
			return -ENOMEM;
		ent_clear(z);
		for (size_t i = 0; i < z->n; i++)
			if (ent_add_ancestors(z, z->rec[i].name) < 0)
				return -ENOMEM;
	}
	return removed;
}

/* Is name equal to or below suffix? */
static bool under(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (!s)
		return true;
	if (n < s || strcmp(name + n - s, suffix) != 0)
		return false;
	return n == s || name[n - s - 1] == '.';
}

static int add_zrec(struct dns_answer *a, const struct zrec *r, const char *owner,
		uint32_t ttl)
{
	switch (r->type) {
	case DNS_T_A:
		return dns_add_a(a, owner, ttl, r->u.a);
	case DNS_T_AAAA:
		return dns_add_aaaa(a, owner, ttl, r->u.aaaa);
	case DNS_T_PTR:
		return dns_add_ptr(a, owner, ttl, r->data);
	case DNS_T_SRV:
		return dns_add_srv(a, owner, ttl, r->u.srv.prio, r->u.srv.weight,
			r->u.srv.port, r->data);
	case DNS_T_TXT:
		return dns_add_txt(a, owner, ttl, r->data);
	}
	return -EINVAL;
}

int dns_zone_answer(const struct dns_zone *z, const struct dns_query *q,
		uint8_t *buf, size_t cap, unsigned flags)
{
	struct dns_answer a;
	bool exists = false, below = false;
	int rc;

	if (!z || !q || !q->has_question)
		return -EINVAL;
	if (q->qclass != DNS_C_IN && q->qclass != DNS_C_ANY)
		return -ENOENT;
	exists = zone_first(z, q->name) != ZONE_NIL;
	/* some owner name is strictly below: an empty non-terminal (or a parent) */
	below = q->name[0] && ent_has(z, q->name);
	/* ... but only inside our domain: "org" is not ours to answer */
	if (below && !(z->domain[0] && under(q->name, z->domain)))
		below = false;
	if (!exists && !below && !(z->local_only && under(q->name, z->domain)))
		return -ENOENT;
	rc = dns_answer_begin(&a, buf, cap, q, (exists || below) ? DNS_R_NOERROR : DNS_R_NXDOMAIN,
		flags | DNS_ANS_AA);
	if (rc < 0)
		return rc;
	for (uint32_t i = zone_first(z, q->name); i != ZONE_NIL; i = zone_next(z, i)) {
		const struct zrec *r = &z->rec[i];
		if (q->qtype != DNS_T_ANY && q->qtype != r->type)
			continue;
		if (add_zrec(&a, r, NULL, z->ttl) == -EMSGSIZE)
			break;
	}
	/* SRV: addresses of local targets as additional records */
	if (q->qtype == DNS_T_SRV && !a.truncated) {
		dns_answer_section(&a, DNS_SEC_ADDITIONAL);
		for (uint32_t i = zone_first(z, q->name); i != ZONE_NIL && !a.truncated;
		     i = zone_next(z, i)) {
			const struct zrec *r = &z->rec[i];
			if (r->type != DNS_T_SRV || !r->data[0])
				continue;
			for (uint32_t j = zone_first(z, r->data); j != ZONE_NIL; j = zone_next(z, j)) {
				const struct zrec *t = &z->rec[j];
				if ((t->type == DNS_T_A || t->type == DNS_T_AAAA) &&
				    add_zrec(&a, t, t->name, z->ttl) == -EMSGSIZE) {
					/* additional data is optional: no TC for it */
					a.truncated = false;
					goto done;
				}
			}
		}
	}
done:
	return (int)dns_answer_end(&a);
}
