/* sg_compile.c — security groups to a port's dataplane rules (see sg_compile.h). */
#include "control/policy/sg_compile.h"

#include <stdlib.h>
#include <string.h>

static void base(const struct sg_rule *r, struct acl_rule *a)
{
	*a = (struct acl_rule){ .proto = r->proto == SG_PROTO_ANY ? ACL_ANY : r->proto,
				.pmin = ACL_ANY, .pmax = ACL_ANY,
				.icmp_type = ACL_ANY, .icmp_code = ACL_ANY };
	if (sg_proto_has_ports(r->proto) && r->port_min != SG_PORT_NONE) {
		a->pmin = r->port_min;
		a->pmax = r->port_max;
	} else if (sg_proto_is_icmp(r->proto)) {
		if (r->port_min != SG_PORT_NONE)
			a->icmp_type = (int16_t)r->port_min;
		if (r->port_max != SG_PORT_NONE)
			a->icmp_code = (int16_t)r->port_max;
	}
	if (r->has_prefix && r->plen) {
		uint32_t net;
		memcpy(&net, r->prefix, 4);
		a->mask = __builtin_bswap32(~0u << (32 - r->plen)); /* network order */
		a->net = net & a->mask;
	}
}

/* Emits (or counts, when out is NULL) the IPv4 rules of one direction. */
static uint32_t emit(const struct sg_db *db, const char (*sgs)[SG_ID_LEN + 1], unsigned n_sgs,
		     unsigned dir, sg_members_fn members, void *ctx, struct sg_member *mb,
		     struct acl_rule *out, bool *v6_any)
{
	uint32_t n = 0;
	for (unsigned g = 0; g < n_sgs; g++) {
		const struct sg_group *grp = sg_db_find_id(db, sgs[g]);
		for (size_t i = 0; grp && i < grp->n_rules; i++) {
			const struct sg_rule *r = &grp->rules[i];
			if ((r->direction == SG_INGRESS) != (dir == ACL_IN))
				continue;
			if (r->ethertype == SG_IPV6) {
				if (r->proto == SG_PROTO_ANY && !r->remote_group[0] &&
				    (!r->has_prefix || r->plen == 0))
					*v6_any = true;
				continue;
			}
			struct acl_rule a;
			base(r, &a);
			if (!r->remote_group[0]) {
				if (out)
					out[n] = a;
				n++;
				continue;
			}
			size_t k = members(r->remote_group, mb, SG_MEMBERS_MAX, ctx);
			for (size_t m = 0; m < k && m < SG_MEMBERS_MAX; m++) {
				if (out) {
					out[n] = a;
					out[n].net = mb[m].net & mb[m].mask;
					out[n].mask = mb[m].mask;
				}
				n++;
			}
		}
	}
	return n;
}

struct acl_set *sg_compile(const struct sg_db *db, const char (*sgs)[SG_ID_LEN + 1],
			   unsigned n_sgs, sg_members_fn members, void *ctx)
{
	struct sg_member *mb = malloc(SG_MEMBERS_MAX * sizeof(*mb));
	bool v6[2] = { false, false };
	if (!mb)
		return NULL;
	uint32_t ni = emit(db, sgs, n_sgs, ACL_IN, members, ctx, mb, NULL, &v6[0]);
	uint32_t no = emit(db, sgs, n_sgs, ACL_OUT, members, ctx, mb, NULL, &v6[1]);
	struct acl_set *a = acl_set_new(ni, no);
	if (a) {
		a->n[ACL_IN] = emit(db, sgs, n_sgs, ACL_IN, members, ctx, mb, a->r[ACL_IN], &v6[0]);
		a->n[ACL_OUT] = emit(db, sgs, n_sgs, ACL_OUT, members, ctx, mb, a->r[ACL_OUT], &v6[1]);
		a->v6_any[ACL_IN] = v6[0];
		a->v6_any[ACL_OUT] = v6[1];
		if (acl_set_build(a) < 0) { /* the index the workers match with */
			acl_set_free(a);
			a = NULL;
		}
	}
	free(mb);
	return a;
}

bool acl_set_equal(const struct acl_set *a, const struct acl_set *b)
{
	if (!a || !b)
		return a == b;
	if (a->n[0] != b->n[0] || a->n[1] != b->n[1] || a->v6_any[0] != b->v6_any[0] ||
	    a->v6_any[1] != b->v6_any[1])
		return false;
	for (unsigned d = 0; d < 2; d++)
		for (uint32_t i = 0; i < a->n[d]; i++) {
			const struct acl_rule *x = &a->r[d][i], *y = &b->r[d][i];
			if (x->net != y->net || x->mask != y->mask || x->proto != y->proto ||
			    x->pmin != y->pmin || x->pmax != y->pmax ||
			    x->icmp_type != y->icmp_type || x->icmp_code != y->icmp_code)
				return false;
		}
	return true;
}
