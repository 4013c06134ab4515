/* dp_l3.c — the control side of routing, NAT and connection tracking:
 * forward modes, uplinks, neighbors, port forwards (staged and published
 * with the snapshot, like the rest of dp.c), session dumps, flushes and
 * statistics.  Control thread only. */
#include "dataplane/dp_internal.h"

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

static const char *const state_names[DP_CT_STATE_MAX] = {
	[DP_CT_SYN_SENT] = "SYN_SENT",   [DP_CT_SYN_RECV] = "SYN_RECV",
	[DP_CT_ESTABLISHED] = "ESTABLISHED", [DP_CT_FIN_WAIT] = "FIN_WAIT",
	[DP_CT_CLOSE_WAIT] = "CLOSE_WAIT", [DP_CT_TIME_WAIT] = "TIME_WAIT",
	[DP_CT_CLOSE] = "CLOSE",         [DP_CT_UDP_UNREPLIED] = "UNREPLIED",
	[DP_CT_UDP_ASSURED] = "ASSURED", [DP_CT_ICMP] = "ICMP",
};

const char *dp_ct_state_name(unsigned s)
{
	return s < DP_CT_STATE_MAX ? state_names[s] : "?";
}

void dp_ct_release(struct ct_sess *s, void *o)
{
	(void)o;
	if (s->nat)
		nat_map_put(s->nat, s->key[0].proto, s->key[1].dst, s->key[1].dport);
}

/* The allocator for a range: shared by the networks with that range and
 * kept until dp_free, so no session's reference dangles. */
static struct nat_map *nat_for(struct dp *dp, uint32_t amin, uint32_t amax, uint16_t pmin,
			       uint16_t pmax, int *err)
{
	for (unsigned i = 0; i < RTE_DIM(dp->nat); i++)
		if (dp->nat[i].m && nat_map_same(dp->nat[i].m, amin, amax, pmin, pmax))
			return dp->nat[i].m;
	for (unsigned i = 0; i < RTE_DIM(dp->nat); i++) {
		if (dp->nat[i].m)
			continue;
		dp->nat[i].m = nat_map_create(amin, amax, pmin, pmax);
		if (!dp->nat[i].m)
			*err = -ENOMEM;
		return dp->nat[i].m;
	}
	*err = -ENOSPC;
	return NULL;
}

/* A network's allocator from its configuration and its uplink's address. */
static int update_nat(struct dp *dp, uint16_t net)
{
	struct dp_net_snap *n = &dp->staging.net[net];
	const struct dp_net_l3 *c = &n->l3;
	uint32_t amin = c->nat_addr_min, amax = c->nat_addr_max;
	int err = 0;
	n->nat = NULL;
	if (c->mode != DP_FWD_NAT)
		return 0;
	if (amin == 0) {
		if (c->uplink >= DP_MAX_PORTS || !dp->staging.uplink[c->uplink].set ||
		    !dp->staging.uplink[c->uplink].c.ip)
			return 0; /* no address yet: new connections are refused */
		amin = amax = rte_be_to_cpu_32(dp->staging.uplink[c->uplink].c.ip);
	}
	uint16_t pmin = c->nat_port_min ? c->nat_port_min : 1024;
	uint16_t pmax = c->nat_port_max ? c->nat_port_max : 65535;
	n->nat = nat_for(dp, amin, amax, pmin, pmax, &err);
	return n->nat ? 0 : err;
}

static bool is_uplink(const struct dp *dp, uint16_t port)
{
	return port < DP_MAX_PORTS && dp->staging.port[port].used &&
	       dp->staging.port[port].role == DP_ROLE_UPLINK;
}

int dp_net_set_l3(struct dp *dp, uint16_t net, const struct dp_net_l3 *c)
{
	if (net >= DP_MAX_NETS || !dp->staging.net[net].used)
		return -ENOENT;
	if (c->mode > DP_FWD_OPEN || c->plen > 32 ||
	    (c->uplink != DP_PORT_NONE && !is_uplink(dp, c->uplink)) ||
	    c->nat_addr_max < c->nat_addr_min || c->nat_addr_max - c->nat_addr_min >= 16 ||
	    (c->nat_addr_min == 0) != (c->nat_addr_max == 0) ||
	    c->nat_port_max < c->nat_port_min ||
	    (c->nat_port_min == 0) != (c->nat_port_max == 0))
		return -EINVAL;
	int r = dp_reserve(dp);
	if (r < 0)
		return r;
	struct dp_net_snap *n = &dp->staging.net[net];
	struct dp_net_l3 old = n->l3;
	n->l3 = *c;
	if ((r = update_nat(dp, net)) < 0) {
		n->l3 = old;
		update_nat(dp, net);
		return r;
	}
	return dp_commit_l3(dp);
}

int dp_net_l3_host_port(struct dp *dp, uint16_t net, uint16_t port)
{
	if (net >= DP_MAX_NETS || !dp->staging.net[net].used)
		return -ENOENT;
	if (port != DP_PORT_NONE &&
	    (port >= DP_MAX_PORTS || !dp->staging.port[port].used ||
	     dp->staging.port[port].net != net || dp->staging.port[port].role != DP_ROLE_HOST))
		return -EINVAL;
	int r = dp_reserve(dp);
	if (r < 0)
		return r;
	dp->staging.net[net].host_port = port;
	return dp_commit_l3(dp);
}

int dp_uplink_set(struct dp *dp, uint16_t port, const struct dp_uplink_conf *c)
{
	if (!is_uplink(dp, port))
		return -ENOENT;
	if (c->plen > 32)
		return -EINVAL;
	int r = dp_reserve(dp);
	if (r < 0)
		return r;
	struct dp_uplink_snap old = dp->staging.uplink[port];
	dp->staging.uplink[port].set = true;
	dp->staging.uplink[port].c = *c;
	for (uint16_t n = 0; n < DP_MAX_NETS; n++) {
		if (!dp->staging.net[n].used || dp->staging.net[n].l3.uplink != port)
			continue;
		if ((r = update_nat(dp, n)) < 0) {
			dp->staging.uplink[port] = old;
			for (uint16_t m = 0; m <= n; m++)
				if (dp->staging.net[m].used && dp->staging.net[m].l3.uplink == port)
					update_nat(dp, m);
			return r;
		}
	}
	return dp_commit_l3(dp);
}

int dp_uplink_neigh_set(struct dp *dp, uint16_t port, uint32_t ip, const uint8_t mac[6])
{
	if (!is_uplink(dp, port))
		return -ENOENT;
	struct dp_snapshot *s = &dp->staging;
	int r = dp_reserve(dp);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < s->n_neigh; i++) {
		if (s->neigh[i].port != port || s->neigh[i].ip != ip)
			continue;
		if (mac && !memcmp(s->neigh[i].mac, mac, 6))
			return 0;
		if (mac)
			memcpy(s->neigh[i].mac, mac, 6);
		else
			s->neigh[i] = s->neigh[--s->n_neigh];
		return dp_commit_l3(dp);
	}
	if (!mac)
		return -ENOENT;
	if (s->n_neigh == DP_NEIGH_MAX)
		return -ENOSPC;
	s->neigh[s->n_neigh].port = port;
	s->neigh[s->n_neigh].ip = ip;
	memcpy(s->neigh[s->n_neigh++].mac, mac, 6);
	return dp_commit_l3(dp);
}

unsigned dp_uplink_neigh_misses(struct dp *dp, uint16_t port, uint32_t *ips, unsigned max)
{
	unsigned n = 0;
	if (port >= DP_MAX_PORTS)
		return 0;
	for (unsigned i = 0; i < RTE_DIM(dp->neigh_miss[port]); i++) {
		uint32_t ip = __atomic_exchange_n(&dp->neigh_miss[port][i], 0, __ATOMIC_RELAXED);
		bool dup = false;
		for (unsigned j = 0; j < n && !dup; j++)
			dup = ips[j] == ip;
		if (ip && !dup && n < max)
			ips[n++] = ip;
	}
	return n;
}

int dp_portfwd_replace(struct dp *dp, const struct dp_portfwd *v, unsigned n)
{
	if (n > DP_PORTFWD_MAX)
		return -ENOSPC;
	for (unsigned i = 0; i < n; i++)
		if ((v[i].proto != 6 && v[i].proto != 17) || v[i].net >= DP_MAX_NETS ||
		    !v[i].int_ip || !v[i].int_port || !v[i].ext_port)
			return -EINVAL;
	int r = dp_reserve(dp);
	if (r < 0)
		return r;
	memcpy(dp->staging.portfwd, v, n * sizeof(*v));
	dp->staging.n_portfwd = (uint16_t)n;
	return dp_commit_l3(dp);
}

/* Sessions of a port that goes: deleted (their count, their output). */
struct gone_ctx {
	struct dp *dp;
	uint16_t port;
	int net;   /* >= 0: that network's; -2: all; -1: the port's */
	unsigned n;
};

static int gone_cb(struct ct_sess *s, void *o)
{
	struct gone_ctx *c = o;
	bool hit = c->net == -2 ? true
		   : c->net >= 0 ? s->net == c->net
				 : (s->charged_port == c->port || s->out_port[0] == c->port ||
				  s->out_port[1] == c->port);
	if (hit && ct_delete(c->dp->ct, s, CT_CONTROL))
		c->n++;
	return 0;
}

void dp_l3_port_gone(struct dp *dp, uint16_t port)
{
	struct dp_snapshot *s = &dp->staging;
	struct gone_ctx c = { dp, port, -1, 0 };
	ct_foreach(dp->ct, gone_cb, &c);
	for (uint16_t n = 0; n < DP_MAX_NETS; n++) {
		if (!s->net[n].used)
			continue;
		if (s->net[n].host_port == port)
			s->net[n].host_port = DP_PORT_NONE;
		if (s->net[n].l3.uplink == port) {
			s->net[n].l3.uplink = DP_PORT_NONE;
			s->net[n].nat = NULL;
		}
	}
	s->uplink[port].set = false;
	for (unsigned i = 0; i < s->n_neigh;)
		if (s->neigh[i].port == port)
			s->neigh[i] = s->neigh[--s->n_neigh];
		else
			i++;
}

int dp_ct_flush(struct dp *dp, int net)
{
	struct gone_ctx c = { dp, DP_PORT_NONE, net < 0 ? -2 : net, 0 };
	ct_foreach(dp->ct, gone_cb, &c);
	return (int)c.n;
}

struct dump_ctx {
	int net;
	struct dp_ct_row *rows;
	unsigned max, n;
	uint32_t now;
	struct ct *ct;
	struct dp_ct_stats *st;
};

static int dump_cb(struct ct_sess *s, void *o)
{
	struct dump_ctx *c = o;
	if (c->net >= 0 && s->net != c->net)
		return 0;
	if (c->st) {
		if (s->state < DP_CT_STATE_MAX)
			c->st->by_state[s->state]++;
		c->st->sessions++;
		return 0;
	}
	if (c->n < c->max) {
		struct dp_ct_row *r = &c->rows[c->n];
		uint32_t last = __atomic_load_n(&s->last, __ATOMIC_RELAXED);
		uint32_t idle = c->now - last, to = ct_timeout(c->ct, s);
		*r = (struct dp_ct_row){
			.net = s->net, .proto = s->key[0].proto, .state = s->state,
			.src = s->key[0].src, .dst = s->key[0].dst,
			.sport = s->key[0].sport, .dport = s->key[0].dport,
			.age = c->now - s->created, .expires = idle < to ? to - idle : 0,
			.packets = { s->packets[0], s->packets[1] },
			.bytes = { s->bytes[0], s->bytes[1] },
		};
		if (s->flags & CT_F_NAT) {
			r->nat_ip = s->key[1].dst;
			r->nat_port = s->key[1].dport;
		}
	}
	c->n++;
	return 0;
}

int dp_ct_dump(struct dp *dp, int net, struct dp_ct_row *rows, unsigned max)
{
	struct dump_ctx c = { net, rows, max, 0, dp_now(), dp->ct, NULL };
	ct_foreach(dp->ct, dump_cb, &c);
	return (int)c.n;
}

void dp_ct_stats(struct dp *dp, int net, struct dp_ct_stats *s)
{
	memset(s, 0, sizeof(*s));
	struct dump_ctx c = { net, NULL, 0, 0, dp_now(), dp->ct, s };
	ct_foreach(dp->ct, dump_cb, &c);
	struct ct_stats cs;
	ct_get_stats(dp->ct, &cs);
	s->max = ct_capacity(dp->ct);
	s->created = cs.created;
	s->expired = cs.expired;
	s->refused_full = cs.refused_full + cs.insert_busy;
	s->refused_port_limit = cs.refused_port_limit;
	for (unsigned i = 0; i < dp->p.n_workers; i++)
		s->nat_ports_exhausted += __atomic_load_n(&dp->w[i]->nat_ports_exhausted,
							  __ATOMIC_RELAXED);
}
