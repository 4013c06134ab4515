/* dp.c — the control side of the dataplane: staging config, snapshot
 * publication and reclamation, device attach/detach, counters. */
#include "dataplane/dp_internal.h"
#include "dataplane/kport.h"
#include "dataplane/uplink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

static const char *const drop_names[DP_DROP_MAX] = {
	[DP_DROP_RUNT] = "runt",
	[DP_DROP_SRC_MCAST] = "src_mcast",
	[DP_DROP_SAME_PORT] = "same_port",
	[DP_DROP_MAC_CONFLICT] = "mac_conflict",
	[DP_DROP_NET_DOWN] = "net_down",
	[DP_DROP_NO_DEST] = "no_dest",
	[DP_DROP_PORT_DOWN] = "port_down",
	[DP_DROP_TX_FULL] = "tx_full",
	[DP_DROP_NO_ROUTE] = "no_route",
	[DP_DROP_GW_CONFLICT] = "gw_conflict",
	[DP_DROP_GW_IGNORED] = "gw_ignored",
	[DP_DROP_PUNT_FULL] = "punt_full",
	[DP_DROP_PUNT_LIMIT] = "punt_limit",
	[DP_DROP_MAC_LIMIT] = "mac_limit",
	[DP_DROP_RX_OVERSIZE] = "rx_oversize",
	[DP_DROP_TX_OVERSIZE] = "tx_oversize",
	[DP_DROP_CT_FULL] = "ct_full",
	[DP_DROP_CT_PORT_LIMIT] = "ct_port_limit",
	[DP_DROP_NAT_NO_PORT] = "nat_no_port",
	[DP_DROP_NO_NEIGH] = "no_neigh",
	[DP_DROP_CT_INVALID] = "ct_invalid",
	[DP_DROP_FRAG] = "frag",
	[DP_DROP_NO_SESSION] = "no_session",
	[DP_DROP_SPOOF_MAC] = "spoof_mac",
	[DP_DROP_SPOOF_IP] = "spoof_ip",
	[DP_DROP_SPOOF_ARP] = "spoof_arp",
	[DP_DROP_DHCP_SERVER] = "dhcp_server",
	[DP_DROP_DHCP_SPOOF] = "dhcp_spoof",
	[DP_DROP_GUEST_RA] = "guest_ra",
	[DP_DROP_ACL] = "acl",
};

const char *dp_drop_name(enum dp_drop d)
{
	return d < DP_DROP_MAX ? drop_names[d] : "?";
}

uint32_t dp_now(void)
{
	return (uint32_t)(rte_get_tsc_cycles() / rte_get_tsc_hz());
}

struct rte_mempool *dp_mempool(struct dp *dp)
{
	return dp->pool;
}

static void defer_run(struct dp *dp, const struct dp_defer *d);

struct dp *dp_create(const struct dp_params *p)
{
	if (p->n_workers == 0 || p->n_workers > DP_MAX_WORKERS)
		return NULL;
	struct dp *dp = rte_zmalloc("vnetd_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (!dp)
		return NULL;
	dp->p = *p;
	for (unsigned i = 0; i < DP_MAX_PORTS; i++) {
		dp->rt[i].vid = -1;
		for (unsigned q = 0; q < DP_MAX_QPAIRS; q++)
			rte_spinlock_init(&dp->rt[i].txq_lock[q]);
	}
	dp->punt_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dp->punt = rte_ring_create("vnetd_punt", 1024, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (dp->punt_fd < 0 || !dp->punt)
		goto fail;
	dp->pool = rte_pktmbuf_pool_create("vnetd_mbufs", p->mbufs, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	size_t qsz = rte_rcu_qsbr_get_memsize(p->n_workers);
	dp->qsbr = rte_zmalloc("vnetd_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (!dp->pool || !dp->qsbr || rte_rcu_qsbr_init(dp->qsbr, p->n_workers) != 0)
		goto fail;
	dp->snap = calloc(1, sizeof(*dp->snap));
	if (!dp->snap)
		goto fail;
	struct ct_params cp = {
		.name = "vnetd_ct",
		.sessions = p->ct_sessions ? p->ct_sessions : 65536,
		.n_workers = p->n_workers,
		.port_limit = p->ct_port_limit ? p->ct_port_limit : 65536,
		.n_ports = DP_MAX_PORTS,
		.qsbr = dp->qsbr,
		.socket_id = (int)rte_socket_id(),
		.timeout = {
			[DP_CT_ESTABLISHED] = p->ct_tcp_established,
			[DP_CT_UDP_UNREPLIED] = p->ct_udp_timeout,
			[DP_CT_UDP_ASSURED] = p->ct_udp_timeout * 6,
		},
	};
	dp->ct = ct_create(&cp);
	if (!dp->ct)
		goto fail;
	ct_set_release_hook(dp->ct, dp_ct_release, dp);
	for (unsigned i = 0; i < DP_MAX_NETS; i++)
		if (!(dp->arp[i] = calloc(1, sizeof(*dp->arp[i]))))
			goto fail;
	for (unsigned i = 0; i < p->n_workers; i++) {
		char name[32];
		struct dp_worker *w = rte_zmalloc("vnetd_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
		if (!w)
			goto fail;
		dp->w[i] = w;
		w->dp = dp;
		w->id = i;
		w->lcore = p->worker_lcores[i];
		w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		w->sleep_fds = calloc(DP_SLEEP_FDS + 1, sizeof(*w->sleep_fds));
		snprintf(name, sizeof(name), "vnetd_flows%u", i);
		w->flows = flow_create(name, p->flow_entries, rte_socket_id());
		snprintf(name, sizeof(name), "vnetd_inject%u", i);
		w->inject = rte_ring_create(name, 256, (int)rte_socket_id(),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->wakefd < 0 || !w->flows || !w->inject || !w->sleep_fds)
			goto fail;
	}
	return dp;
fail:
	dp_free(dp);
	return NULL;
}

int dp_start(struct dp *dp)
{
	for (unsigned i = 0; i < dp->p.n_workers; i++) {
		int r = rte_eal_remote_launch(dp_worker_main, dp->w[i], dp->w[i]->lcore);
		if (r != 0)
			return r;
	}
	dp->running = true;
	return 0;
}

void dp_stop(struct dp *dp)
{
	if (!dp || !dp->running)
		return;
	__atomic_store_n(&dp->stop, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < dp->p.n_workers; i++) {
		dp_worker_wake(dp->w[i]);
		rte_eal_wait_lcore(dp->w[i]->lcore);
	}
	dp->running = false;
}

void dp_free(struct dp *dp)
{
	if (!dp)
		return;
	dp_stop(dp);
	/* No worker runs: every deferred item can go (the workers' port
	 * counters it resets are still there). */
	for (; dp->defer_n > 0; dp->defer_n--) {
		defer_run(dp, &dp->defer[dp->defer_head]);
		dp->defer_head = (dp->defer_head + 1) % DP_DEFER_MAX;
	}
	free(dp->spare);
	for (unsigned i = 0; i < DP_MAX_PORTS; i++) /* ports never destroyed */
		acl_set_free((struct acl_set *)dp->staging.port[i].acl);
	for (unsigned i = 0; i < DP_MAX_WORKERS; i++) {
		struct dp_worker *w = dp->w[i];
		if (!w)
			continue;
		flow_free(w->flows);
		if (w->wakefd >= 0)
			close(w->wakefd);
		if (w->inject) {
			struct rte_mbuf *m;
			while (rte_ring_dequeue(w->inject, (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(w->inject);
		}
		free(w->sleep_fds);
		rte_free(w);
	}
	if (dp->punt) {
		struct rte_mbuf *m;
		while (rte_ring_dequeue(dp->punt, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp->punt);
	}
	for (unsigned i = 0; i < DP_MAX_PORTS; i++)
		if ((dp->rt[i].kind == DP_PORT_KERNEL || dp->rt[i].kind == DP_PORT_TAP) &&
		    dp->rt[i].vid >= 0)
			kport_close(dp->rt[i].vid);
	if (dp->punt_fd > 0)
		close(dp->punt_fd);
	for (unsigned i = 0; i < DP_MAX_NETS; i++)
		fdb_free(dp->staging.net[i].fdb);
	free(dp->snap);
	ct_free(dp->ct);
	for (unsigned i = 0; i < DP_MAX_NETS; i++)
		free(dp->arp[i]);
	for (unsigned i = 0; i < RTE_DIM(dp->nat); i++)
		nat_map_free(dp->nat[i].m);
	rte_free(dp->qsbr);
	rte_mempool_free(dp->pool);
	rte_free(dp);
}

/* Wait until no worker can still hold a pointer read before this call. */
static void dp_synchronize(struct dp *dp)
{
	if (dp->running)
		rte_rcu_qsbr_synchronize(dp->qsbr, RTE_QSBR_THRID_INVALID);
}

/* Deferred work, run once every worker has passed a quiescent state after
 * it was queued (control thread). */
static void defer_run(struct dp *dp, const struct dp_defer *d)
{
	switch (d->kind) {
	case DP_DEFER_SNAP:
		if (!dp->snap_free_hook || !dp->snap_free_hook(d->ptr))
			free(d->ptr);
		break;
	case DP_DEFER_FDB:
		fdb_free(d->ptr);
		break;
	case DP_DEFER_ACL:
		acl_set_free(d->ptr);
		break;
	case DP_DEFER_PORT:
		/* No worker uses the port now: drop its MACs, reset its
		 * counters, and let dp_port_create hand the id out again. */
		if (d->ptr) /* an uplink has no FDB */
			fdb_flush_port(d->ptr, d->id);
		for (unsigned i = 0; i < dp->p.n_workers; i++) {
			memset(&dp->w[i]->port[d->id], 0, sizeof(dp->w[i]->port[d->id]));
			dp->w[i]->punt_budget[d->id].sec = 0;
		}
		dp->port_busy[d->id] = false;
		break;
	}
}

/* Runs the deferred work whose grace period is over; with wait, all of it
 * that is published (blocking).  Returns what is left. */
static unsigned defer_reclaim(struct dp *dp, bool wait)
{
	while (dp->defer_n > 0) {
		struct dp_defer *d = &dp->defer[dp->defer_head];
		if (d->token == 0) /* its change is not published yet */
			break;
		if (dp->running && rte_rcu_qsbr_check(dp->qsbr, d->token, wait) != 1)
			break;
		defer_run(dp, d);
		dp->defer_head = (dp->defer_head + 1) % DP_DEFER_MAX;
		dp->defer_n--;
	}
	return dp->defer_n;
}

/* Queues work for after the next publication (token 0: assigned then). */
static void defer(struct dp *dp, enum dp_defer_kind kind, uint16_t id, void *ptr)
{
	struct dp_defer *d = &dp->defer[(dp->defer_head + dp->defer_n++) % DP_DEFER_MAX];
	*d = (struct dp_defer){ .kind = (uint8_t)kind, .id = id, .ptr = ptr };
}

/* Every change of staging first makes sure the snapshot that will publish
 * it exists, so no change is left half made (in staging, not reported). */
static int reserve(struct dp *dp)
{
	if (dp->spare)
		return 0;
	if (dp->fail_alloc) {
		dp->fail_alloc--;
		return -ENOMEM;
	}
	dp->spare = malloc(sizeof(*dp->spare));
	return dp->spare ? 0 : -ENOMEM;
}

/* Marks staging changed; dp_flush() publishes it. */
static int dp_commit(struct dp *dp)
{
	dp->dirty = true;
	return 0;
}

/* Build the derived parts of staging (poll list, flood lists) and publish
 * it in the spare snapshot; the old one is freed after a grace period. */
static void publish(struct dp *dp)
{
	struct dp_snapshot *s = &dp->staging, *ns = dp->spare, *old;

	s->n_active = 0;
	for (unsigned n = 0; n < DP_MAX_NETS; n++)
		s->net[n].n_ports = 0;
	for (uint16_t i = 0; i < DP_MAX_PORTS; i++) {
		if (!s->port[i].used)
			continue;
		s->active[s->n_active++] = i;
		if (s->port[i].role == DP_ROLE_UPLINK)
			continue; /* in no network's flood list */
		struct dp_net_snap *n = &s->net[s->port[i].net];
		n->ports[n->n_ports++] = i;
	}
	s->gen = ++dp->gen;
	s->l3_gen = (uint32_t)s->gen; /* ports, networks, routes: sessions recompute */
	memcpy(ns, s, sizeof(*ns));
	dp->spare = NULL;
	dp->dirty = false;
	old = __atomic_exchange_n(&dp->snap, ns, __ATOMIC_ACQ_REL);
	for (unsigned i = 0; i < dp->p.n_workers; i++)
		dp_worker_wake(dp->w[i]);
	/* What this publication retired waits for readers from now on. */
	uint64_t t = rte_rcu_qsbr_start(dp->qsbr);
	for (unsigned i = 0; i < dp->defer_n; i++) {
		struct dp_defer *d = &dp->defer[(dp->defer_head + i) % DP_DEFER_MAX];
		if (d->token == 0)
			d->token = t;
	}
	if (dp->defer_n == DP_DEFER_MAX)
		defer_reclaim(dp, true);
	defer(dp, DP_DEFER_SNAP, 0, old);
	dp->defer[(dp->defer_head + dp->defer_n - 1) % DP_DEFER_MAX].token = t;
}

/* Mutators that queue deferred work call this after reserve(): one entry
 * for their work and one for the snapshot that publishes it.  When full
 * (thousands of changes in one loop iteration), publish and wait. */
static int make_room(struct dp *dp)
{
	if (dp->defer_n + 2 <= DP_DEFER_MAX)
		return 0;
	if (dp->dirty)
		publish(dp);
	defer_reclaim(dp, true);
	return reserve(dp);
}

int dp_reserve(struct dp *dp)
{
	return reserve(dp);
}

int dp_commit_l3(struct dp *dp)
{
	return dp_commit(dp);
}

void dp_flush(struct dp *dp)
{
	if (dp->dirty)
		publish(dp);
	defer_reclaim(dp, false);
}

void dp_sync(struct dp *dp)
{
	if (dp->dirty)
		publish(dp);
	defer_reclaim(dp, true);
}

int dp_net_create(struct dp *dp, uint16_t *id)
{
	for (uint16_t i = 0; i < DP_MAX_NETS; i++) {
		struct dp_net_snap *n = &dp->staging.net[i];
		if (n->used)
			continue;
		int r = reserve(dp);
		if (r < 0)
			return r;
		char name[32];
		snprintf(name, sizeof(name), "vnetd_fdb%u", dp->fdb_seq++);
		struct fdb_params fp = {
			.name = name,
			.entries = dp->p.fdb_entries,
			.socket_id = (int)rte_socket_id(),
			.qsbr = dp->qsbr,
			.port_limit = dp->p.mac_limit,
			.n_ports = DP_MAX_PORTS,
		};
		n->fdb = fdb_create(&fp);
		if (!n->fdb)
			return -ENOMEM;
		n->used = true;
		n->active = false;
		n->host_port = DP_PORT_NONE;
		n->l3 = (struct dp_net_l3){ .mode = DP_FWD_ISOLATED, .uplink = DP_PORT_NONE };
		n->arp = dp->arp[i];
		memset(dp->arp[i], 0, sizeof(*dp->arp[i]));
		*id = i;
		return dp_commit(dp);
	}
	return -ENOSPC;
}

static void bump_net_epochs(struct dp *dp, uint16_t net)
{
	for (unsigned i = 0; i < DP_MAX_PORTS; i++)
		if (dp->staging.port[i].used && dp->staging.port[i].net == net)
			dp->staging.port[i].epoch = (uint32_t)dp->gen + 1;
}

int dp_net_set_active(struct dp *dp, uint16_t id, bool active)
{
	if (id >= DP_MAX_NETS || !dp->staging.net[id].used)
		return -ENOENT;
	int r = reserve(dp);
	if (r < 0)
		return r;
	dp->staging.net[id].active = active;
	bump_net_epochs(dp, id);
	return dp_commit(dp);
}

int dp_net_set_gateway(struct dp *dp, uint16_t id, const struct dp_gw *gw)
{
	if (id >= DP_MAX_NETS || !dp->staging.net[id].used)
		return -ENOENT;
	int r = reserve(dp);
	if (r < 0)
		return r;
	struct gw_conf *g = &dp->staging.net[id].gw;
	g->ip = gw ? gw->ip : 0;
	memcpy(g->mac, gw ? gw->mac : (const uint8_t[6]){ 0 }, 6);
	g->dhcp = gw ? gw->dhcp : false;
	g->dns = gw ? gw->dns : false;
	bump_net_epochs(dp, id);
	return dp_commit(dp);
}

int dp_net_destroy(struct dp *dp, uint16_t id)
{
	if (id >= DP_MAX_NETS || !dp->staging.net[id].used)
		return -ENOENT;
	for (unsigned i = 0; i < DP_MAX_PORTS; i++)
		if (dp->staging.port[i].used && dp->staging.port[i].net == id)
			return -EBUSY;
	int r = reserve(dp);
	if (r < 0 || (r = make_room(dp)) < 0)
		return r;
	struct fdb *f = dp->staging.net[id].fdb;
	dp_ct_flush(dp, id);
	memset(&dp->staging.net[id], 0, sizeof(dp->staging.net[id]));
	/* freed once no worker can hold it (after the publication) */
	defer(dp, DP_DEFER_FDB, 0, f);
	return dp_commit(dp);
}

/* A free port id.  Destroyed ports' ids come back after their cleanup (a
 * grace period): with none free but some pending, wait for those. */
static int free_port_id(struct dp *dp)
{
	for (int pass = 0; pass < 2; pass++) {
		bool busy = false;
		for (uint16_t i = 0; i < DP_MAX_PORTS; i++) {
			if (!dp->staging.port[i].used && !dp->port_busy[i])
				return i;
			busy |= dp->port_busy[i];
		}
		if (!busy)
			break;
		dp_sync(dp);
	}
	return -ENOSPC;
}

/* A free port id with the room to stage it reserved, or a negative errno. */
static int claim_port(struct dp *dp)
{
	int i = free_port_id(dp), r;
	if (i < 0)
		return i;
	if ((r = reserve(dp)) < 0)
		return r;
	return i;
}

/* An uplink: in no network (net 0 for the arrays, never flooded to). */
static int uplink_create(struct dp *dp, const struct dp_port_params *p, uint16_t *id)
{
	int i = claim_port(dp);
	if (i < 0)
		return i;
	struct dp_port_snap *ps = &dp->staging.port[i];
	memset(ps, 0, sizeof(*ps));
	ps->used = true;
	ps->role = DP_ROLE_UPLINK;
	ps->shape = PKT_SHAPE_L3;
	ps->epoch = (uint32_t)dp->gen + 1;
	memset(&dp->staging.uplink[i], 0, sizeof(dp->staging.uplink[i]));
	*id = (uint16_t)i;
	return dp_commit(dp);
}

int dp_port_create(struct dp *dp, const struct dp_port_params *p, uint16_t *id)
{
	if (p->role > DP_ROLE_UPLINK)
		return -EINVAL;
	if (p->role == DP_ROLE_UPLINK)
		return uplink_create(dp, p, id);
	if (p->net >= DP_MAX_NETS || !dp->staging.net[p->net].used)
		return -ENOENT;
	if (p->has_mac && (pkt_mac_is_multicast(p->mac) || pkt_mac_is_zero(p->mac)))
		return -EINVAL;
	int i = claim_port(dp);
	if (i < 0)
		return i;
	struct dp_port_snap *ps = &dp->staging.port[i];
	struct fdb *f = dp->staging.net[p->net].fdb;
	if (p->has_mac) {
		int owner = fdb_lookup(f, p->mac, NULL);
		if (owner >= 0 && owner != i && dp->staging.port[owner].used &&
		    dp->staging.port[owner].has_mac &&
		    !memcmp(dp->staging.port[owner].mac, p->mac, 6))
			return -EADDRINUSE;
		int r = fdb_add_static(f, p->mac, (uint16_t)i);
		if (r < 0)
			return r;
	}
	memset(ps, 0, sizeof(*ps));
	ps->used = true;
	ps->role = p->role;
	ps->learning = p->learning && p->role == DP_ROLE_GUEST;
	ps->has_mac = p->has_mac;
	memcpy(ps->mac, p->mac, 6);
	ps->net = p->net;
	/* a network whose ports have rules keys its flows by connection
	 * (net_acl_changed): a port added later too, or its frames would
	 * reach the acl stage without the IPv4 fields and pass */
	ps->shape = PKT_SHAPE_L2;
	for (unsigned j = 0; j < DP_MAX_PORTS; j++) {
		const struct dp_port_snap *o = &dp->staging.port[j];
		if (o->used && o->role != DP_ROLE_UPLINK && o->net == p->net && o->acl)
			ps->shape = PKT_SHAPE_L3;
	}
	ps->epoch = (uint32_t)dp->gen + 1;
	*id = (uint16_t)i;
	return dp_commit(dp);
}

int dp_port_set_portsec(struct dp *dp, uint16_t id, const struct portsec_conf *c)
{
	if (id >= DP_MAX_PORTS || !dp->staging.port[id].used)
		return -ENOENT;
	if (c->n_macs > PORTSEC_MAX_MACS || c->n_ips > PORTSEC_MAX_IPS)
		return -EINVAL;
	for (unsigned i = 0; i < c->n_ips; i++)
		if (c->ips[i].mac >= c->n_macs)
			return -EINVAL;
	if (portsec_conf_equal(&dp->staging.port[id].sec, c))
		return 0;
	int r = reserve(dp);
	if (r < 0)
		return r;
	dp->staging.port[id].sec = *c;
	return dp_commit(dp);
}

/* A port's rules changed: while any port of the network has rules, its
 * ports key flows by connection (L3 shape) so that each connection gets
 * its own decision; sessions and cached flows re-check. */
static void net_acl_changed(struct dp *dp, uint16_t net)
{
	bool any = false;
	for (unsigned i = 0; i < DP_MAX_PORTS; i++) {
		const struct dp_port_snap *p = &dp->staging.port[i];
		any |= p->used && p->role != DP_ROLE_UPLINK && p->net == net && p->acl;
	}
	for (unsigned i = 0; i < DP_MAX_PORTS; i++) {
		struct dp_port_snap *p = &dp->staging.port[i];
		if (p->used && p->role != DP_ROLE_UPLINK && p->net == net)
			p->shape = any ? PKT_SHAPE_L3 : PKT_SHAPE_L2;
	}
	dp->staging.net[net].acl_gen++;
	bump_net_epochs(dp, net);
}

int dp_port_set_acl(struct dp *dp, uint16_t id, struct acl_set *a)
{
	if (id >= DP_MAX_PORTS || !dp->staging.port[id].used ||
	    dp->staging.port[id].role == DP_ROLE_UPLINK) {
		acl_set_free(a);
		return -ENOENT;
	}
	int r = reserve(dp);
	if (r < 0 || (r = make_room(dp)) < 0) {
		acl_set_free(a);
		return r;
	}
	struct dp_port_snap *ps = &dp->staging.port[id];
	if (ps->acl)
		defer(dp, DP_DEFER_ACL, id, (void *)ps->acl);
	ps->acl = a;
	net_acl_changed(dp, ps->net);
	return dp_commit(dp);
}

int dp_port_destroy(struct dp *dp, uint16_t id)
{
	if (id >= DP_MAX_PORTS || !dp->staging.port[id].used)
		return -ENOENT;
	int r = reserve(dp);
	if (r < 0 || (r = make_room(dp)) < 0)
		return r;
	struct fdb *f = dp->staging.port[id].role == DP_ROLE_UPLINK
				? NULL
				: dp->staging.net[dp->staging.port[id].net].fdb;
	const struct acl_set *acl = dp->staging.port[id].acl;
	if (acl && dp->defer_n + 3 > DP_DEFER_MAX)
		return -ENOSPC; /* thousands of changes in one iteration: try again */
	uint16_t net = dp->staging.port[id].net;
	dp_capture_port_gone(dp, id);
	dp_l3_port_gone(dp, id);
	memset(&dp->staging.port[id], 0, sizeof(dp->staging.port[id]));
	dp->port_busy[id] = true;
	defer(dp, DP_DEFER_PORT, id, f);
	if (acl) {
		defer(dp, DP_DEFER_ACL, id, (void *)acl);
		net_acl_changed(dp, net);
	}
	return dp_commit(dp);
}

int dp_port_attach_vhost(struct dp *dp, uint16_t id, int vid, unsigned nr_vrings)
{
	if (id >= DP_MAX_PORTS)
		return -EINVAL;
	struct dp_port_rt *rt = &dp->rt[id];
	unsigned q = nr_vrings / 2;
	rt->nr_qpairs = (uint16_t)(q == 0 ? 1 : q > DP_MAX_QPAIRS ? DP_MAX_QPAIRS : q);
	rt->kind = DP_PORT_VHOST;
	__atomic_store_n(&rt->vid, vid, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < dp->p.n_workers; i++)
		dp_worker_wake(dp->w[i]);
	return 0;
}

/* A port served through a file descriptor (kernel socket, TAP): one queue pair. */
static int attach_fd(struct dp *dp, uint16_t id, int fd, uint8_t kind)
{
	if (id >= DP_MAX_PORTS || fd < 0)
		return -EINVAL;
	struct dp_port_rt *rt = &dp->rt[id];
	rt->nr_qpairs = 1;
	rt->kind = kind;
	__atomic_store_n(&rt->vid, fd, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < dp->p.n_workers; i++)
		dp_worker_wake(dp->w[i]);
	return 0;
}

int dp_port_attach_kernel(struct dp *dp, uint16_t id, int fd)
{
	return attach_fd(dp, id, fd, DP_PORT_KERNEL);
}

int dp_port_attach_tap(struct dp *dp, uint16_t id, int fd)
{
	return attach_fd(dp, id, fd, DP_PORT_TAP);
}

int dp_port_attach_uplink(struct dp *dp, uint16_t id, struct ul *u)
{
	if (id >= DP_MAX_PORTS || !u || ul_fd(u, 0) < 0)
		return -EINVAL;
	struct dp_port_rt *rt = &dp->rt[id];
	rt->ul = u;
	rt->nr_qpairs = (uint16_t)ul_queues(u);
	rt->kind = DP_PORT_UPLINK;
	__atomic_store_n(&rt->vid, ul_fd(u, 0), __ATOMIC_RELEASE);
	for (unsigned i = 0; i < dp->p.n_workers; i++)
		dp_worker_wake(dp->w[i]);
	return 0;
}

void dp_port_detach(struct dp *dp, uint16_t id)
{
	if (id >= DP_MAX_PORTS)
		return;
	int old = __atomic_exchange_n(&dp->rt[id].vid, -1, __ATOMIC_ACQ_REL);
	/* Workers that read the old vid finish their iteration first. */
	dp_synchronize(dp);
	/* vring states of the next connection may arrive before its
	 * new_device: they are recorded from here on, not cleared by attach. */
	for (unsigned i = 0; i < RTE_DIM(dp->rt[id].vring_enabled); i++)
		__atomic_store_n(&dp->rt[id].vring_enabled[i], 0, __ATOMIC_RELEASE);
	if ((dp->rt[id].kind == DP_PORT_KERNEL || dp->rt[id].kind == DP_PORT_TAP) && old >= 0)
		kport_close(old);
}

int dp_punt_fd(const struct dp *dp)
{
	return dp->punt_fd;
}

unsigned dp_punt_dequeue(struct dp *dp, struct rte_mbuf **pkts, unsigned n)
{
	uint64_t v, now = rte_get_tsc_cycles();
	if (!dp->punt_round) {
		if (read(dp->punt_fd, &v, sizeof(v)) < 0) {
			/* nothing signalled: the ring may still hold frames */
		}
		if (now < dp->punt_resume)
			return 0; /* resting: dp_punt_timeout_ms() says until when */
		/* a wakeup: up to DP_PUNT_BUDGET frames or DP_PUNT_BUDGET_MS */
		dp->punt_round = true;
		dp->punt_left = DP_PUNT_BUDGET;
		dp->punt_start = now;
		dp->punt_until = now + rte_get_tsc_hz() / 1000 * DP_PUNT_BUDGET_MS;
	} else if (now > dp->punt_until) {
		dp->punt_left = 0; /* slow frames: the time budget is spent */
	}
	unsigned got = rte_ring_dequeue_burst(dp->punt, (void **)pkts,
					      RTE_MIN(n, dp->punt_left), NULL);
	dp->punt_left -= got;
	if (got == 0) {
		/* End of this wakeup's work.  Budget spent (a flood): rest three
		 * times as long as we worked, so a flood takes at most a quarter
		 * of the control thread, which stays responsive (a thread that
		 * never sleeps waits for its turn on a busy CPU).  The frames
		 * left wait in the ring (or are dropped as punt_full). */
		dp->punt_round = false;
		dp->punt_resume = dp->punt_left == 0 ? now + 3 * (now - dp->punt_start) : 0;
	}
	return got;
}

int dp_punt_timeout_ms(const struct dp *dp)
{
	if (dp->punt_round || rte_ring_empty(dp->punt))
		return -1;
	uint64_t now = rte_get_tsc_cycles(), ms = rte_get_tsc_hz() / 1000;
	if (now >= dp->punt_resume)
		return 0;
	return (int)((dp->punt_resume - now + ms - 1) / ms);
}

int dp_inject(struct dp *dp, uint16_t port, struct rte_mbuf *m)
{
	const struct dp_snapshot *s = &dp->staging; /* control thread */
	if (port >= DP_MAX_PORTS || !s->port[port].used) {
		rte_pktmbuf_free(m);
		return -ENOENT;
	}
	/* The worker that polls the port's first queue sends it. */
	unsigned wi = port % dp->p.n_workers;
	struct dp_worker *w = dp->w[wi];
	m->port = port;
	if (rte_ring_enqueue(w->inject, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	if (dp->inject_batch)
		dp->inject_wake |= 1u << wi;
	else
		dp_worker_wake(w);
	return 0;
}

void dp_inject_batch(struct dp *dp, bool on)
{
	dp->inject_batch = on;
	if (on)
		return;
	for (unsigned i = 0; i < dp->p.n_workers; i++)
		if (dp->inject_wake & (1u << i))
			dp_worker_wake(dp->w[i]);
	dp->inject_wake = 0;
}

void dp_port_vring_state(struct dp *dp, uint16_t id, unsigned vring, bool enabled)
{
	if (id >= DP_MAX_PORTS || vring >= DP_MAX_QPAIRS * 2)
		return;
	uint64_t *w = &dp->rt[id].vring_enabled[vring / 64], bit = 1ull << (vring % 64);
	if (enabled)
		__atomic_fetch_or(w, bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(w, ~bit, __ATOMIC_RELEASE);
}

unsigned dp_port_queues(const struct dp *dp, uint16_t id)
{
	if (id >= DP_MAX_PORTS || __atomic_load_n(&dp->rt[id].vid, __ATOMIC_ACQUIRE) < 0)
		return 0;
	const struct dp_port_rt *rt = &dp->rt[id];
	if (rt->kind != DP_PORT_VHOST)
		return 1;
	unsigned n = 0;
	for (unsigned q = 0; q < rt->nr_qpairs; q++)
		n += dp_vring_enabled(rt, q * 2) && dp_vring_enabled(rt, q * 2 + 1);
	return n;
}

bool dp_port_attached(const struct dp *dp, uint16_t id)
{
	return id < DP_MAX_PORTS && __atomic_load_n(&dp->rt[id].vid, __ATOMIC_ACQUIRE) >= 0;
}

int dp_port_net(const struct dp *dp, uint16_t id)
{
	if (id >= DP_MAX_PORTS || !dp->staging.port[id].used)
		return -ENOENT;
	return dp->staging.port[id].net;
}

int dp_port_stats(const struct dp *dp, uint16_t id, struct dp_port_stats *s)
{
	if (id >= DP_MAX_PORTS)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < dp->p.n_workers; i++) {
		const struct dp_port_stats *w = &dp->w[i]->port[id];
		s->rx_packets += __atomic_load_n(&w->rx_packets, __ATOMIC_RELAXED);
		s->rx_bytes += __atomic_load_n(&w->rx_bytes, __ATOMIC_RELAXED);
		s->rx_dropped += __atomic_load_n(&w->rx_dropped, __ATOMIC_RELAXED);
		s->tx_packets += __atomic_load_n(&w->tx_packets, __ATOMIC_RELAXED);
		s->tx_bytes += __atomic_load_n(&w->tx_bytes, __ATOMIC_RELAXED);
		s->tx_dropped += __atomic_load_n(&w->tx_dropped, __ATOMIC_RELAXED);
		s->forwarded += __atomic_load_n(&w->forwarded, __ATOMIC_RELAXED);
		s->flooded += __atomic_load_n(&w->flooded, __ATOMIC_RELAXED);
		s->gw_replies += __atomic_load_n(&w->gw_replies, __ATOMIC_RELAXED);
		s->punted += __atomic_load_n(&w->punted, __ATOMIC_RELAXED);
		s->capture_dropped += __atomic_load_n(&w->capture_dropped, __ATOMIC_RELAXED);
		for (unsigned d = 0; d < DP_DROP_MAX; d++)
			s->drops[d] += __atomic_load_n(&w->drops[d], __ATOMIC_RELAXED);
	}
	return 0;
}

void dp_stats(const struct dp *dp, struct dp_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->workers = dp->p.n_workers;
	s->tsc_hz = rte_get_tsc_hz();
	for (unsigned i = 0; i < dp->p.n_workers; i++) {
		const struct dp_worker *w = dp->w[i];
		for (unsigned d = 0; d < DP_DROP_MAX; d++)
			s->drops[d] += __atomic_load_n(&w->drops[d], __ATOMIC_RELAXED);
		s->flow_hits += __atomic_load_n(&w->flow_hits, __ATOMIC_RELAXED);
		s->flow_misses += __atomic_load_n(&w->flow_misses, __ATOMIC_RELAXED);
		s->flow_installs += __atomic_load_n(&w->flow_installs, __ATOMIC_RELAXED);
		s->flow_table_full += __atomic_load_n(&w->flow_table_full, __ATOMIC_RELAXED);
		s->loops += __atomic_load_n(&w->loops, __ATOMIC_RELAXED);
		s->sleeps += __atomic_load_n(&w->sleeps, __ATOMIC_RELAXED);
		s->wakeups += __atomic_load_n(&w->wakeups, __ATOMIC_RELAXED);
		s->busy_cycles += __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED);
		s->busy_loops += __atomic_load_n(&w->busy_loops, __ATOMIC_RELAXED);
		s->gw_replies += __atomic_load_n(&w->gw_replies, __ATOMIC_RELAXED);
		s->punted += __atomic_load_n(&w->punted, __ATOMIC_RELAXED);
		s->injected += __atomic_load_n(&w->injected, __ATOMIC_RELAXED);
		s->flows += flow_count(w->flows);
	}
	for (unsigned i = 0; i < DP_MAX_NETS; i++) {
		struct fdb_stats fs;
		if (!dp->staging.net[i].used)
			continue;
		fdb_get_stats(dp->staging.net[i].fdb, &fs);
		s->mac_moves += fs.moves;
		s->fdb_full += fs.full;
	}
}

struct dump_ctx {
	struct dp_fdb_row *rows;
	unsigned max, n;
};

static int dump_cb(const struct fdb_entry_info *e, void *o)
{
	struct dump_ctx *c = o;
	if (c->n == c->max)
		return 1;
	struct dp_fdb_row *r = &c->rows[c->n++];
	memcpy(r->mac, e->mac, 6);
	r->port = e->port;
	r->is_static = e->is_static;
	r->age = e->age;
	return 0;
}

int dp_fdb_dump(struct dp *dp, uint16_t net, struct dp_fdb_row *rows, unsigned max)
{
	if (net >= DP_MAX_NETS || !dp->staging.net[net].used)
		return -ENOENT;
	struct dump_ctx c = { rows, max, 0 };
	fdb_foreach(dp->staging.net[net].fdb, dp_now(), dump_cb, &c);
	return (int)c.n;
}

void dp_housekeeping(struct dp *dp)
{
	uint32_t now = dp_now();
	if (now == dp->last_housekeeping)
		return;
	dp->last_housekeeping = now;
	/* Each FDB is walked once per half ageing time: a MAC leaves between
	 * one and one and a half ageing times after it was last seen. */
	unsigned half = dp->p.ageing_secs / 2 ? dp->p.ageing_secs / 2 : 1;
	for (unsigned i = 0; i < DP_MAX_NETS; i++) {
		struct fdb *f = dp->staging.net[i].fdb;
		if (dp->staging.net[i].used)
			fdb_age(f, now, dp->p.ageing_secs, fdb_slots(f) / half + 1);
	}
}
