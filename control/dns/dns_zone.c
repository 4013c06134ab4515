/*
 * dns_zone.c - the local zone of one network (see dns_msg.h).
 *
 * A flat array of records scanned linearly: a network has at most a few
 * thousand names and queries are answered on the control thread.
 */
#include "dns_msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_MAX_RECORDS 65536

struct zrec {
	char *name;              /* canonical */
	uint16_t type;
	union {
		uint32_t a;
		uint8_t aaaa[16];
		struct { uint16_t prio, weight, port; } srv;
	} u;
	char *data;              /* PTR/SRV target, TXT text */
};

struct dns_zone {
	char domain[DNS_NAME_TEXT_MAX];  /* canonical, "" if none */
	bool local_only;
	uint32_t ttl;
	struct zrec *rec;
	size_t n, cap;
};

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
	for (size_t i = 0; i < z->n; i++) {
		const struct zrec *o = &z->rec[i];
		if (o->type != type || strcmp(o->name, cn) != 0)
			continue;
		if (memcmp(&o->u, &tmpl->u, sizeof(o->u)) != 0)
			continue;
		if (data && strcmp(o->data, data_is_name ? cd : data) != 0)
			continue;
		return 0;
	}
	if (z->n == ZONE_MAX_RECORDS)
		return -ENOSPC;
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
	if (!r.name || (data && !r.data)) {
		free(r.name);
		free(r.data);
		return -ENOMEM;
	}
	z->rec[z->n++] = r;
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
	for (size_t i = 0; i < z->n; i++) {
		if (!strcmp(z->rec[i].name, q->name))
			exists = true;
		else if (q->name[0] && under(z->rec[i].name, q->name))
			below = true; /* an empty non-terminal */
	}
	/* ... but only inside our domain: "org" is not ours to answer */
	if (below && !(z->domain[0] && under(q->name, z->domain)))
		below = false;
	if (!exists && !below && !(z->local_only && under(q->name, z->domain)))
		return -ENOENT;
	rc = dns_answer_begin(&a, buf, cap, q, (exists || below) ? DNS_R_NOERROR : DNS_R_NXDOMAIN,
		flags | DNS_ANS_AA);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < z->n; i++) {
		const struct zrec *r = &z->rec[i];
		if (strcmp(r->name, q->name) != 0)
			continue;
		if (q->qtype != DNS_T_ANY && q->qtype != r->type)
			continue;
		if (add_zrec(&a, r, NULL, z->ttl) == -EMSGSIZE)
			break;
	}
	/* SRV: addresses of local targets as additional records */
	if (q->qtype == DNS_T_SRV && !a.truncated) {
		dns_answer_section(&a, DNS_SEC_ADDITIONAL);
		for (size_t i = 0; i < z->n && !a.truncated; i++) {
			const struct zrec *r = &z->rec[i];
			if (r->type != DNS_T_SRV || strcmp(r->name, q->name) != 0 || !r->data[0])
				continue;
			for (size_t j = 0; j < z->n; j++) {
				const struct zrec *t = &z->rec[j];
				if ((t->type == DNS_T_A || t->type == DNS_T_AAAA) &&
				    !strcmp(t->name, r->data) &&
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
