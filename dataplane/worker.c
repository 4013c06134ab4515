/* worker.c — the per-lcore pipeline.  process() runs the stages on a
 * burst of one (port, queue):
 *
 *   parse -> [port security] -> gateway -> switch (L2)  -> output
 *                                          \-> route (L3/NAT) -> output
 *
 * - gateway: ARP, ICMP echo and DHCP for the network's gateway answered or
 *   punted (gw.c); what the gateway does not serve itself that is addressed
 *   to it goes to the network's host port when it has one.
 * - switch: frames not for the gateway MAC: per-worker flow cache (bulk
 *   lookup), the FDB on a miss (classify), output / flood / drop.
 * - route: IPv4 to the gateway MAC for an address beyond the gateway, and
 *   everything received on an uplink: the shared session table (route.c,
 *   ct.c): one bulk lookup, a hit applies the session's cached actions
 *   (NAT rewrite, MACs, output port); a miss creates the session.
 *
 * then: tx flush -> expire idle flows and sessions -> quiescent state ->
 * sleep when idle.  Everything the worker writes is its own (flow table,
 * counters, tx buffers) except FDB learning and sessions (shared tables
 * with their own rules, fdb.h and ct.h).  Config is read from the snapshot
 * loaded at the top of each iteration; the quiescent state at the bottom
 * tells the control and vhost threads it no longer holds it.
 */
#include "dataplane/dp_internal.h"
#include "dataplane/capture.h"
#include "dataplane/kport.h"
#include "dataplane/tap.h"
#include "dataplane/uplink.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>
#include <rte_vhost.h>

#define VIRTIO_RXQ 0 /* guest rx: we enqueue */
#define VIRTIO_TXQ 1 /* guest tx: we dequeue */
#define SLEEP_TIMEOUT_MS 100
#define EXPIRE_STEPS_PER_SEC 1000
#define EXPIRE_MAX_CATCHUP 100 /* steps, i.e. one sleep timeout */

void dp_worker_wake(struct dp_worker *w)
{
	uint64_t one = 1;
	if (write(w->wakefd, &one, sizeof(one)) < 0) {
		/* EAGAIN: a wakeup is already pending */
	}
}

static inline bool polls(const struct dp_worker *w, uint16_t port, unsigned q)
{
	unsigned n = w->dp->p.n_workers; /* skip the division for one worker */
	return n == 1 || (port + q) % n == w->id;
}

static inline void drop(struct dp_worker *w, uint16_t in_port, enum dp_drop why,
			struct rte_mbuf *m)
{
	w->drops[why]++;
	w->port[in_port].rx_dropped++;
	w->port[in_port].drops[why]++;
	rte_pktmbuf_free(m);
}

static void tx_flush_port(struct dp_worker *w, uint16_t port)
{
	struct dp_txbuf *b = &w->tx[port];
	struct dp_port_rt *rt = &w->dp->rt[port];
	int vid = __atomic_load_n(&rt->vid, __ATOMIC_ACQUIRE);
	uint16_t sent = 0;
	unsigned over = 0; /* kernel port: bigger than its MTU */

	if (b->n == 0)
		return;
	if (vid >= 0 && rt->kind == DP_PORT_KERNEL) {
		sent = kport_tx(vid, b->m, b->n, &over);
	} else if (vid >= 0 && rt->kind == DP_PORT_TAP) {
		sent = tap_tx(vid, b->m, b->n);
	} else if (vid >= 0 && rt->kind == DP_PORT_UPLINK) {
		sent = ul_tx(rt->ul, w->id, b->m, b->n); /* queue: ours (modulo theirs) */
	} else if (vid >= 0) {
		/* Our own queue when the guest has one per worker and enabled
		 * it, else a shared one: with several workers the queue's lock
		 * serialises the enqueue (rte_vhost's own locking is not
		 * relied on). */
		unsigned q = rt->nr_qpairs > 1 ? w->id % rt->nr_qpairs : 0;
		if (q && !dp_vring_enabled(rt, q * 2 + VIRTIO_RXQ))
			q = 0;
		bool shared = w->dp->p.n_workers > 1;
		if (shared)
			rte_spinlock_lock(&rt->txq_lock[q]);
		sent = rte_vhost_enqueue_burst(vid, (uint16_t)(q * 2 + VIRTIO_RXQ), b->m, b->n);
		if (shared)
			rte_spinlock_unlock(&rt->txq_lock[q]);
	}
	if (sent) {
		struct dp_port_stats *ps = &w->port[port];
		struct dp_capture *cap = __atomic_load_n(&rt->cap, __ATOMIC_ACQUIRE);
		if (unlikely(cap != NULL)) /* what the VM was given */
			ps->capture_dropped += dp_capture_burst(cap, DP_CAP_OUT, b->m, sent);
		ps->tx_packets += sent;
		for (unsigned i = 0; i < sent; i++)
			ps->tx_bytes += rte_pktmbuf_pkt_len(b->m[i]);
	}
	if (sent < b->n) {
		enum dp_drop why = vid >= 0 ? DP_DROP_TX_FULL : DP_DROP_PORT_DOWN;
		struct dp_port_stats *ps = &w->port[port];
		w->drops[why] += b->n - sent - over;
		w->drops[DP_DROP_TX_OVERSIZE] += over;
		ps->tx_dropped += b->n - sent;
		ps->drops[why] += b->n - sent - over;
		ps->drops[DP_DROP_TX_OVERSIZE] += over;
	}
	/* vhost and AF_PACKET copied the data: release our references. */
	rte_pktmbuf_free_bulk(b->m, b->n);
	b->n = 0;
}

static inline void tx_push(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &w->tx[port];
	if (!b->dirty) {
		b->dirty = true;
		w->dirty[w->n_dirty++] = port;
	} else if (b->n == DP_BURST) {
		tx_flush_port(w, port);
	}
	b->m[b->n++] = m;
}

static void tx_flush(struct dp_worker *w)
{
	for (unsigned d = 0; d < w->n_dirty; d++) {
		tx_flush_port(w, w->dirty[d]);
		w->tx[w->dirty[d]].dirty = false;
	}
	w->n_dirty = 0;
}

/* The slow path: decide what to do with a flow and cache it. */
static struct flow_entry *classify(struct dp_worker *w, const struct dp_snapshot *s,
				   const struct flow_key *k, uint32_t now,
				   struct flow_entry *scratch, const struct rte_mbuf *m)
{
	const struct dp_port_snap *ps = &s->port[k->in_port];
	const struct dp_net_snap *net = &s->net[ps->net];
	struct flow_entry e = {
		.epoch = ps->epoch,
		.net = ps->net,
		.src_fdb_pos = FDB_POS_NONE,
		.last_used = now,
	};

	w->flow_misses++;
	/* Read the generation before the FDB so a concurrent change makes
	 * this entry stale rather than wrong. */
	e.fdb_gen = fdb_generation(net->fdb);

	if (pkt_mac_is_multicast(k->smac) || pkt_mac_is_zero(k->smac)) {
		e.action = FLOW_ACT_DROP;
		e.drop_reason = DP_DROP_SRC_MCAST;
		goto install;
	}
	uint32_t pos;
	if (ps->learning) {
		int r = fdb_learn(net->fdb, k->smac, k->in_port, now, &pos);
		if (r == -EPERM || r == -EDQUOT) {
			e.action = FLOW_ACT_DROP;
			e.drop_reason = r == -EPERM ? DP_DROP_MAC_CONFLICT : DP_DROP_MAC_LIMIT;
			goto install;
		}
		if (r == 0) {
			e.src_fdb_pos = pos;
			e.fdb_gen = fdb_generation(net->fdb);
		}
	}
	if (pkt_mac_is_multicast(k->dmac)) {
		e.action = FLOW_ACT_FLOOD;
	} else {
		int out = fdb_lookup(net->fdb, k->dmac, NULL);
		if (out < 0 || !s->port[out].used || s->port[out].net != ps->net) {
			e.action = FLOW_ACT_FLOOD;
		} else if (out == k->in_port) {
			e.action = FLOW_ACT_DROP;
			e.drop_reason = DP_DROP_SAME_PORT;
		} else {
			e.action = FLOW_ACT_OUTPUT;
			e.out_port = (uint16_t)out;
		}
	}
	/* stage: acl: security groups, stateful (acl_stage.c) */
	if (ps->acl || (e.action == FLOW_ACT_OUTPUT && s->port[e.out_port].acl)) {
		uint8_t why = dp_acl_check(w, s, k, e.action == FLOW_ACT_OUTPUT ? e.out_port : -1,
					   rte_pktmbuf_mtod(m, const uint8_t *),
					   rte_pktmbuf_data_len(m), now, &e.acl_sess);
		if (why) {
			/* Not cached: the verdict depends on the session table,
			 * which the other direction can change at any time (B's
			 * packet refused, then A opens the connection B's next
			 * packet belongs to: a cached drop would keep refusing
			 * it).  A refused packet takes this path each time, as
			 * OVS's ct_state=+new drop does not hold an +est packet. */
			e.action = FLOW_ACT_DROP;
			e.drop_reason = why;
			e.acl_sess = NULL;
			*scratch = e;
			return scratch;
		}
	}
install:;
	struct flow_entry *fe = flow_insert(w->flows, k, &e);
	if (fe) {
		w->flow_installs++;
		return fe;
	}
	w->flow_table_full++;
	*scratch = e;
	return scratch;
}

static inline void act(struct dp_worker *w, const struct dp_snapshot *s,
		       const struct flow_entry *e, const struct flow_key *k, uint16_t in_port,
		       struct rte_mbuf *m)
{
	switch (e->action) {
	case FLOW_ACT_OUTPUT:
		w->port[in_port].forwarded++;
		tx_push(w, e->out_port, m);
		return;
	case FLOW_ACT_FLOOD: {
		/* Every other port of the network that has a device attached:
		 * a port whose VM is down is not a destination, not a drop.
		 * stage: acl (ingress of each receiver with rules, acl_stage.c):
		 * a receiver whose rules refuse the frame gets no copy; the
		 * copy counts as that port's acl drop (tx side, like tx_full),
		 * the frame as the sender's flooded. */
		const struct dp_net_snap *net = &s->net[e->net];
		uint16_t to[DP_MAX_PORTS];
		unsigned n = 0, cand = 0;
		for (unsigned i = 0; i < net->n_ports; i++) {
			uint16_t p = net->ports[i];
			if (p == in_port || __atomic_load_n(&w->dp->rt[p].vid, __ATOMIC_RELAXED) < 0)
				continue;
			cand++;
			const struct acl_set *a = s->port[p].acl;
			if (unlikely(a != NULL) && !dp_acl_flood_admits(a, k)) {
				w->drops[DP_DROP_ACL]++;
				w->port[p].tx_dropped++;
				w->port[p].drops[DP_DROP_ACL]++;
				continue;
			}
			to[n++] = p;
		}
		if (cand == 0) {
			drop(w, in_port, DP_DROP_NO_DEST, m);
			return;
		}
		w->port[in_port].flooded++;
		if (n == 0) {
			rte_pktmbuf_free(m);
			return;
		}
		/* One reference per destination on every segment: freeing a
		 * chain drops one reference of each segment, so raising only
		 * the head's would free a multi-segment frame's tail at the
		 * first transmit while other ports still hold it. */
		if (n > 1)
			for (struct rte_mbuf *seg = m; seg; seg = seg->next)
				rte_mbuf_refcnt_update(seg, (int16_t)(n - 1));
		for (unsigned i = 0; i < n; i++)
			tx_push(w, to[i], m);
		return;
	}
	case FLOW_ACT_DROP:
	default:
		drop(w, in_port, (enum dp_drop)e->drop_reason, m);
		return;
	}
}

/* Frames for the network's gateway: answered in place, punted or dropped.
 * Returns true when the frame was consumed. */
static bool gateway(struct dp_worker *w, const struct dp_snapshot *s, uint16_t net,
		    uint16_t in_port, struct rte_mbuf *m, struct pkt_meta *meta, uint32_t now)
{
	const struct gw_conf *gw = &s->net[net].gw;
	uint16_t host_port = s->net[net].host_port;
	if (host_port != DP_PORT_NONE && (host_port >= DP_MAX_PORTS || !s->port[host_port].used))
		host_port = DP_PORT_NONE;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	size_t len = rte_pktmbuf_data_len(m);
	enum gw_drop why;

	if (meta->ethertype == PKT_ETH_P_IP && meta->l3_off == 0 &&
	    pkt_parse(d, len, true, meta) < 0) {
		drop(w, in_port, DP_DROP_RUNT, m);
		return true;
	}
	switch (gw_process(d, len, meta, gw, &why)) {
	case GW_PASS:
		return false;
	case GW_REPLY:
		if (meta->ethertype == PKT_ETH_P_ARP) { /* the asker, now the target */
			uint32_t ip;
			memcpy(&ip, d + meta->l2_len + 24, 4);
			dp_arp_learn(w->dp->arp[net], ip, d + meta->l2_len + 18, in_port);
		}
		w->gw_replies++;
		w->port[in_port].gw_replies++;
		tx_push(w, in_port, m);
		return true;
	case GW_PUNT: {
		/* A port gets punt_rate frames per second (per worker): a flood
		 * from one port cannot monopolise the control thread. */
		typeof(w->punt_budget[0]) *b = &w->punt_budget[in_port];
		if (b->sec != now) {
			b->sec = now;
			b->left = w->dp->p.punt_rate;
		}
		if (b->left == 0) {
			drop(w, in_port, DP_DROP_PUNT_LIMIT, m);
			return true;
		}
		b->left--;
		m->port = in_port;
		if (rte_ring_enqueue(w->dp->punt, m) != 0) {
			drop(w, in_port, DP_DROP_PUNT_FULL, m);
			return true;
		}
		w->punted++;
		w->port[in_port].punted++;
		if (rte_ring_count(w->dp->punt) <= w->dp->p.n_workers) {
			uint64_t one = 1;
			if (write(w->dp->punt_fd, &one, sizeof(one)) < 0) {
				/* counter saturated: the control thread is awake anyway */
			}
		}
		return true;
	}
	case GW_DROP:
	default:
		/* For the gateway's address but not served by the dataplane
		 * (TCP/UDP to it, replies to the host's ARP and pings): the
		 * host port is the gateway's other half. */
		if (why == GW_DROP_NONE && meta->ethertype == PKT_ETH_P_ARP &&
		    d[meta->l2_len + 6] == 0 && d[meta->l2_len + 7] == 2) {
			/* a reply to the gateway (its requests: dp_neigh_resolve) */
			uint32_t ip;
			memcpy(&ip, d + meta->l2_len + 14, 4);
			dp_arp_learn(w->dp->arp[net], ip, d + meta->l2_len + 8, in_port);
		}
		if ((why == GW_DROP_NONE || why == GW_DROP_NO_ROUTE) && host_port != DP_PORT_NONE) {
			w->port[in_port].forwarded++;
			tx_push(w, host_port, m);
			return true;
		}
		drop(w, in_port,
		     why == GW_DROP_CONFLICT   ? DP_DROP_GW_CONFLICT
		     : why == GW_DROP_NO_ROUTE ? DP_DROP_NO_ROUTE
		     : why == GW_DROP_MALFORMED ? DP_DROP_RUNT
						: DP_DROP_GW_IGNORED,
		     m);
		return true;
	}
}

/* Port security (dataplane/portsec.h): true when the frame was dropped. */
static bool portsec_stage(struct dp_worker *w, const struct dp_port_snap *ps, uint16_t in_port,
			  struct rte_mbuf *m, const struct pkt_meta *meta)
{
	static const uint8_t why[] = {
		[PORTSEC_SPOOF_MAC] = DP_DROP_SPOOF_MAC, [PORTSEC_SPOOF_IP] = DP_DROP_SPOOF_IP,
		[PORTSEC_SPOOF_ARP] = DP_DROP_SPOOF_ARP, [PORTSEC_DHCP_SERVER] = DP_DROP_DHCP_SERVER,
		[PORTSEC_DHCP_SPOOF] = DP_DROP_DHCP_SPOOF, [PORTSEC_GUEST_RA] = DP_DROP_GUEST_RA,
	};
	enum portsec_verdict v = portsec_check(&ps->sec, rte_pktmbuf_mtod(m, const uint8_t *),
					       rte_pktmbuf_data_len(m), meta);
	if (v == PORTSEC_PASS)
		return false;
	drop(w, in_port, (enum dp_drop)why[v], m);
	return true;
}

static inline bool for_gateway(const struct gw_conf *gw, const struct pkt_meta *m)
{
	if (gw->ip == 0)
		return false;
	if (m->ethertype == PKT_ETH_P_ARP)
		return true;
	if (!memcmp(m->dmac, gw->mac, 6))
		return true;
	/* broadcast IPv4 may be DHCP */
	return m->ethertype == PKT_ETH_P_IP && pkt_mac_is_multicast(m->dmac);
}

/* IPv4 to the gateway's MAC for somebody beyond it: the route stage's. */
static inline bool to_router(const struct gw_conf *gw, const uint8_t *d, size_t len,
			     struct pkt_meta *meta)
{
	if (gw->ip == 0 || meta->ethertype != PKT_ETH_P_IP || memcmp(meta->dmac, gw->mac, 6))
		return false;
	if (meta->l3_off == 0 && pkt_parse(d, len, true, meta) < 0)
		return false; /* the gateway stage counts it */
	return meta->l3_off && meta->dst_ip != gw->ip;
}

/* stage: output of the route stage */
static void route(struct dp_worker *w, const struct dp_snapshot *s, uint16_t in_port,
		  struct rte_mbuf **pkts, const struct pkt_meta *meta, unsigned n, uint32_t now)
{
	uint16_t out[DP_BURST];
	uint8_t why[DP_BURST];
	dp_route_burst(w, s, in_port, pkts, meta, n, now, out, why);
	for (unsigned i = 0; i < n; i++) {
		if (out[i] == DP_PORT_NONE) {
			drop(w, in_port, (enum dp_drop)why[i], pkts[i]);
			continue;
		}
		w->port[in_port].forwarded++;
		tx_push(w, out[i], pkts[i]);
	}
}

/* An uplink's burst: everything it delivers is for the route stage. */
static void uplink_in(struct dp_worker *w, const struct dp_snapshot *s, uint16_t in_port,
		      struct rte_mbuf **pkts, unsigned n, uint32_t now)
{
	struct pkt_meta meta[DP_BURST];
	struct rte_mbuf *ok[DP_BURST];
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		if (pkt_parse(d, rte_pktmbuf_data_len(pkts[i]), true, &meta[m]) < 0) {
			drop(w, in_port, DP_DROP_RUNT, pkts[i]);
			continue;
		}
		ok[m++] = pkts[i];
	}
	if (m)
		route(w, s, in_port, ok, meta, m, now);
}

static void process(struct dp_worker *w, const struct dp_snapshot *s, uint16_t in_port,
		    struct rte_mbuf **pkts, unsigned n, uint32_t now)
{
	const struct dp_port_snap *ps = &s->port[in_port];
	struct dp_port_stats *st = &w->port[in_port];
	struct flow_key keys[DP_BURST];
	const struct flow_key *kp[DP_BURST];
	struct flow_entry *fe[DP_BURST];
	struct rte_mbuf *ok[DP_BURST];
	struct pkt_meta rmeta[DP_BURST]; /* for the route stage */
	struct rte_mbuf *rt[DP_BURST];
	struct pkt_meta meta;
	unsigned m = 0, nr = 0;

	st->rx_packets += n;
	for (unsigned i = 0; i < n; i++)
		st->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	if (ps->used && ps->role == DP_ROLE_UPLINK) {
		uplink_in(w, s, in_port, pkts, n, now);
		return;
	}
	if (!ps->used || !s->net[ps->net].active) {
		for (unsigned i = 0; i < n; i++)
			drop(w, in_port, DP_DROP_NET_DOWN, pkts[i]);
		return;
	}

	const struct gw_conf *gw = &s->net[ps->net].gw;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		size_t len = rte_pktmbuf_data_len(pkts[i]);
		/* stage: parse */
		if (pkt_parse(d, len, ps->shape == PKT_SHAPE_L3, &meta) < 0) {
			drop(w, in_port, DP_DROP_RUNT, pkts[i]);
			continue;
		}
		/* stage: port security */
		if (ps->sec.enabled && ps->role == DP_ROLE_GUEST &&
		    unlikely(portsec_stage(w, ps, in_port, pkts[i], &meta)))
			continue;
		/* stage: gateway (the host port is the gateway: it skips it) */
		if (ps->role != DP_ROLE_HOST && for_gateway(gw, &meta)) {
			if (to_router(gw, d, len, &meta)) {
				rmeta[nr] = meta;
				rt[nr++] = pkts[i];
				continue;
			}
			if (gateway(w, s, ps->net, in_port, pkts[i], &meta, now))
				continue;
		}
		pkt_key(&meta, in_port, (enum pkt_shape)ps->shape, &keys[m]);
		kp[m] = &keys[m];
		ok[m++] = pkts[i];
	}

	/* stage: route (L3, NAT) */
	if (nr)
		route(w, s, in_port, rt, rmeta, nr, now);
	if (m == 0)
		return;

	/* stage: switch (L2): flow cache, FDB on a miss, output */
	flow_lookup_bulk(w->flows, kp, m, fe);

	struct fdb *fdb = s->net[ps->net].fdb;
	uint32_t gen = fdb_generation(fdb);
	struct flow_entry scratch;
	for (unsigned i = 0; i < m; i++) {
		struct flow_entry *e = fe[i];
		if (e && e->epoch == ps->epoch && e->fdb_gen == gen) {
			w->flow_hits++;
		} else {
			e = classify(w, s, &keys[i], now, &scratch, ok[i]);
			gen = fdb_generation(fdb);
		}
		e->packets++;
		e->bytes += rte_pktmbuf_pkt_len(ok[i]);
		/* the source MAC was seen when the flow was: refresh its FDB
		 * entry once a second, not once a packet */
		if (e->last_used != now) {
			e->last_used = now;
			if (e->src_fdb_pos != FDB_POS_NONE)
				fdb_touch(fdb, e->src_fdb_pos, now);
			if (e->acl_sess)
				dp_acl_touch(e->acl_sess, &keys[i], now);
		}
		act(w, s, e, &keys[i], in_port, ok[i]);
	}
}

/* Poll every (port, queue) this worker owns once; returns packets received. */
static unsigned poll_ports(struct dp_worker *w, const struct dp_snapshot *s, uint32_t now)
{
	struct rte_mbuf *pkts[KPORT_RX_MAX]; /* a kernel port's GSO frames come cut in segments */
	unsigned total = 0;

	for (unsigned i = 0; i < s->n_active; i++) {
		uint16_t port = s->active[i];
		struct dp_port_rt *rt = &w->dp->rt[port];
		int vid = __atomic_load_n(&rt->vid, __ATOMIC_ACQUIRE);
		if (vid < 0)
			continue;
		for (unsigned q = 0; q < rt->nr_qpairs; q++) {
			if (!polls(w, port, q))
				continue;
			unsigned over = 0; /* kernel port: frames too big, dropped */
			uint16_t n = rt->kind == DP_PORT_KERNEL
					     ? kport_rx(vid, w->dp->pool, pkts, KPORT_RX_MAX, &over)
				     : rt->kind == DP_PORT_TAP
					     ? tap_rx(vid, w->dp->pool, pkts, DP_BURST, &over)
				     : rt->kind == DP_PORT_UPLINK
					     ? ul_rx(rt->ul, q, pkts, KPORT_RX_MAX)
					     : rte_vhost_dequeue_burst(vid, q * 2 + VIRTIO_TXQ,
								       w->dp->pool, pkts, DP_BURST);
			if (over) {
				w->drops[DP_DROP_RX_OVERSIZE] += over;
				w->port[port].rx_packets += over;
				w->port[port].rx_dropped += over;
				w->port[port].drops[DP_DROP_RX_OVERSIZE] += over;
			}
			if (n) {
				struct dp_capture *cap = __atomic_load_n(&rt->cap, __ATOMIC_ACQUIRE);
				if (unlikely(cap != NULL))
					w->port[port].capture_dropped +=
						dp_capture_burst(cap, DP_CAP_IN, pkts, n);
				total += n;
				for (unsigned off = 0; off < n; off += DP_BURST)
					process(w, s, port, pkts + off, RTE_MIN(n - off, (unsigned)DP_BURST), now);
			}
		}
	}
	return total;
}

/* Frames the control thread asked us to send (DHCP replies). */
static unsigned drain_inject(struct dp_worker *w, const struct dp_snapshot *s)
{
	struct rte_mbuf *m[DP_BURST];
	if (rte_ring_empty(w->inject)) /* two loads, not a dequeue attempt */
		return 0;
	unsigned n = rte_ring_dequeue_burst(w->inject, (void **)m, DP_BURST, NULL);
	for (unsigned i = 0; i < n; i++) {
		if (m[i]->port < DP_MAX_PORTS && s->port[m[i]->port].used) {
			w->injected++;
			tx_push(w, m[i]->port, m[i]);
		} else {
			rte_pktmbuf_free(m[i]);
		}
	}
	return n;
}

/* Ask every polled guest queue to kick us, make sure nothing arrived in
 * between, and sleep on the kick eventfds (and our wake eventfd).
 *
 * The kick eventfds belong to rte_vhost, which closes one when the guest
 * sets a new one or the device goes; the number may then be reused by any
 * file.  So we poll and drain our own dup() of each, taken while online
 * (a device is not destroyed before we pass a quiescent state) and checked
 * against the vring's current kickfd after the dup (a replaced kickfd has a
 * new number: rte_vhost received the new one before closing the old).
 * Returns false when the sleep timed out with nothing to do. */
static bool worker_sleep(struct dp_worker *w, const struct dp_snapshot *s)
{
	bool woken = true;
	struct pollfd *fds = w->sleep_fds;
	struct { int vid; uint16_t q; } armed[DP_SLEEP_FDS];
	unsigned nfd = 0, narmed = 0, nsock;
	bool pending = false;

	fds[nfd++] = (struct pollfd){ .fd = w->wakefd, .events = POLLIN };
	/* kernel ports' sockets first: read by the next poll, not drained */
	for (unsigned i = 0; i < s->n_active && nfd <= DP_SLEEP_FDS; i++) {
		uint16_t port = s->active[i];
		struct dp_port_rt *rt = &w->dp->rt[port];
		int vid = __atomic_load_n(&rt->vid, __ATOMIC_ACQUIRE);
		if (vid >= 0 && (rt->kind == DP_PORT_KERNEL || rt->kind == DP_PORT_TAP) &&
		    polls(w, port, 0))
			fds[nfd++] = (struct pollfd){ .fd = vid, .events = POLLIN };
		/* the uplink: one pollable fd per queue (AF_XDP rx ring, packet socket) */
		for (unsigned q = 0; vid >= 0 && rt->kind == DP_PORT_UPLINK && q < rt->nr_qpairs &&
				     nfd <= DP_SLEEP_FDS; q++)
			if (polls(w, port, q))
				fds[nfd++] = (struct pollfd){ .fd = ul_fd(rt->ul, q), .events = POLLIN };
	}
	nsock = nfd;
	for (unsigned i = 0; i < s->n_active && !pending; i++) {
		uint16_t port = s->active[i];
		struct dp_port_rt *rt = &w->dp->rt[port];
		int vid = __atomic_load_n(&rt->vid, __ATOMIC_ACQUIRE);
		if (vid < 0 || rt->kind != DP_PORT_VHOST)
			continue;
		for (unsigned q = 0; q < rt->nr_qpairs && !pending; q++) {
			struct rte_vhost_vring vr;
			uint16_t qid = (uint16_t)(q * 2 + VIRTIO_TXQ);
			if (!polls(w, port, q) || rte_vhost_get_vhost_vring(vid, qid, &vr) != 0 ||
			    vr.kickfd < 0)
				continue;
			if (nfd > DP_SLEEP_FDS) { /* too many queues to sleep on: poll */
				pending = true;
				break;
			}
			int fd = dup(vr.kickfd);
			struct rte_vhost_vring again;
			if (fd >= 0 && (rte_vhost_get_vhost_vring(vid, qid, &again) != 0 ||
					again.kickfd != vr.kickfd)) {
				close(fd); /* replaced meanwhile: poll instead */
				fd = -1;
			}
			if (fd < 0) {
				pending = true;
				break;
			}
			rte_vhost_enable_guest_notification(vid, qid, 1);
			armed[narmed].vid = vid;
			armed[narmed++].q = qid;
			fds[nfd++] = (struct pollfd){ .fd = fd, .events = POLLIN };
			if (rte_vhost_rx_queue_count(vid, qid) > 0)
				pending = true;
		}
	}
	if (rte_ring_count(w->inject) > 0)
		pending = true;
	if (!pending) {
		w->sleeps++;
		rte_rcu_qsbr_thread_offline(w->dp->qsbr, w->id);
		int r = poll(fds, nfd, SLEEP_TIMEOUT_MS);
		rte_rcu_qsbr_thread_online(w->dp->qsbr, w->id);
		woken = r != 0;
		if (r > 0)
			w->wakeups++;
	}
	/* Drain our eventfd and the kicks (our dups); close the dups. */
	for (unsigned i = 0; i < nfd; i++) {
		uint64_t v;
		if (i > 0 && i < nsock)
			continue;
		if (!pending && (fds[i].revents & POLLIN) && read(fds[i].fd, &v, sizeof(v)) < 0) {
			/* already drained */
		}
		if (i >= nsock)
			close(fds[i].fd);
	}
	/* Back to polling: devices destroyed meanwhile are gone from rt (the
	 * vid check), and we were offline so none was freed under us. */
	const struct dp_snapshot *now = __atomic_load_n(&w->dp->snap, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < narmed; i++) {
		bool live = false;
		for (unsigned p = 0; p < now->n_active && !live; p++)
			live = __atomic_load_n(&w->dp->rt[now->active[p]].vid, __ATOMIC_ACQUIRE) ==
			       armed[i].vid;
		if (live)
			rte_vhost_enable_guest_notification(armed[i].vid, armed[i].q, 0);
	}
	return woken;
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp *dp = w->dp;
	uint64_t hz = rte_get_tsc_hz();
	uint64_t idle_tsc = dp->p.idle_us ? hz / 1000000 * dp->p.idle_us : 0;
	uint64_t last_rx = rte_get_tsc_cycles();
	uint64_t next_sec_tsc = 0; /* when `now` (seconds, as dp_now()) moves on */
	uint32_t now = 0;
	/* Flow expiry walks the whole table once per half idle period, in
	 * small steps: a million slots never stall the pipeline at once. */
	uint64_t expire_period = hz / EXPIRE_STEPS_PER_SEC;
	unsigned half_idle = dp->p.flow_idle_secs / 2 ? dp->p.flow_idle_secs / 2 : 1;
	unsigned expire_slots = flow_capacity(w->flows) / (half_idle * EXPIRE_STEPS_PER_SEC) + 1;
	unsigned ct_expire_slots = ct_slice(dp->ct) / (10 * EXPIRE_STEPS_PER_SEC) + 1;

	rte_rcu_qsbr_thread_register(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
	while (!__atomic_load_n(&dp->stop, __ATOMIC_ACQUIRE)) {
		const struct dp_snapshot *s = __atomic_load_n(&dp->snap, __ATOMIC_ACQUIRE);
		uint64_t tsc = rte_get_tsc_cycles();
		if (tsc >= next_sec_tsc) { /* a division per second, not per loop */
			now = (uint32_t)(tsc / hz);
			next_sec_tsc = ((uint64_t)now + 1) * hz;
		}

		unsigned got = poll_ports(w, s, now);
		got += drain_inject(w, s);
		tx_flush(w);
		/* cycles per packet = busy_cycles / packets (OVS's "processing
		 * cycles", testpmd's --record-core-cycles) */
		if (got) {
			w->busy_cycles += rte_get_tsc_cycles() - tsc;
			w->busy_loops++;
		}
		if (tsc >= w->expire_tsc) {
			/* after a sleep, catch up on the steps missed (bounded) */
			uint64_t steps = (tsc - w->expire_tsc) / expire_period + 1;
			w->expire_tsc = tsc + expire_period;
			flow_expire(w->flows, now, dp->p.flow_idle_secs,
				    expire_slots * (unsigned)RTE_MIN(steps, (uint64_t)EXPIRE_MAX_CATCHUP));
			/* the worker's slice of the session table: once per 10 s */
			dp_route_expire(w, now, ct_expire_slots *
					(unsigned)RTE_MIN(steps, (uint64_t)EXPIRE_MAX_CATCHUP));
		}
		w->loops++;
		rte_rcu_qsbr_quiescent(dp->qsbr, w->id);

		if (got)
			last_rx = tsc;
		else if (idle_tsc && tsc - last_rx > idle_tsc) {
			/* After a timeout with nothing to do, sleep again at once
			 * (one empty poll in between); after a kick, poll a while. */
			if (worker_sleep(w, __atomic_load_n(&dp->snap, __ATOMIC_ACQUIRE)))
				last_rx = rte_get_tsc_cycles();
		}
	}
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, w->id);
	return 0;
}
