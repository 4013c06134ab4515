/* acl.c — a port's compiled security group rules (see acl.h). */
#include "dataplane/acl.h"

#include <stdlib.h>
#include <string.h>

struct acl_set *acl_set_new(uint32_t n_in, uint32_t n_out)
{
	struct acl_set *a = calloc(1, sizeof(*a) + ((size_t)n_in + n_out) * sizeof(struct acl_rule));
	if (!a)
		return NULL;
	a->r[ACL_IN] = a->rules;
	a->r[ACL_OUT] = a->rules + n_in;
	return a;
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
	return c;
}

static inline bool has_ports(uint8_t p)
{
	return p == 6 || p == 17 || p == 132 || p == 33 || p == 136;
}

bool acl_allows(const struct acl_set *a, unsigned dir, uint8_t proto, uint32_t remote,
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
