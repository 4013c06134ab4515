/* route.c — the route/NAT stage of the worker pipeline (see worker.c and
 * doc/design.md "Routing and NAT").
 *
 * Input: IPv4 frames a guest sent to its gateway's MAC for an address
 * beyond the gateway, and frames received on an uplink.  One bulk lookup
 * of the session table per burst; a hit costs the lookup, a state update
 * and the rewrite the session implies (addresses/ports from the keys, MACs
 * and output port cached in the session).  A miss is the slow path, once
 * per connection: forward mode, port forwards, NAT mapping, next hop,
 * session insert.  Nothing here transmits: the worker does, from out[].
 */
#include "dataplane/dp_internal.h"
#include "dataplane/nat.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_prefetch.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	return x ^ (x >> 16);
}

void dp_arp_learn(struct dp_arp *a, uint32_t ip, const uint8_t mac[6], uint16_t port)
{
	if (!a || ip == 0)
		return;
	uint64_t v = (uint64_t)port << 48;
	for (unsigned i = 0; i < 6; i++)
		v |= (uint64_t)mac[i] << (8 * i);
	typeof(a->e[0]) *e = &a->e[mix32(ip) & (DP_ARP_SLOTS - 1)];
	if (__atomic_load_n(&e->ip, __ATOMIC_RELAXED) == ip &&
	    __atomic_load_n(&e->mac_port, __ATOMIC_RELAXED) == v)
		return;
	__atomic_store_n(&e->ip, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->mac_port, v, __ATOMIC_RELAXED);
	__atomic_store_n(&e->ip, ip, __ATOMIC_RELEASE);
}

int dp_arp_find(const struct dp_arp *a, uint32_t ip, uint8_t mac[6])
{
	if (!a || ip == 0)
		return -ENOENT;
	const typeof(a->e[0]) *e = &a->e[mix32(ip) & (DP_ARP_SLOTS - 1)];
	uint32_t i1 = __atomic_load_n(&e->ip, __ATOMIC_ACQUIRE);
	uint64_t v = __atomic_load_n(&e->mac_port, __ATOMIC_ACQUIRE);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint32_t i2 = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
	if (i1 != ip || i2 != ip)
		return -ENOENT;
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)(v >> (8 * i));
	return (int)(v >> 48);
}

static inline bool in_prefix(uint32_t ip, uint32_t prefix, uint8_t plen)
{
	if (plen == 0)
		return true;
	uint32_t mask = rte_cpu_to_be_32(plen >= 32 ? ~0u : ~0u << (32 - plen));
	return (ip & mask) == (prefix & mask);
}

static void neigh_miss(struct dp *dp, uint16_t u, uint32_t ip)
{
	if (ip)
		__atomic_store_n(&dp->neigh_miss[u][mix32(ip) & 7], ip, __ATOMIC_RELAXED);
}

/* A guest-side address without ARP entry: the control thread ARPs for it
 * (dp_neigh_resolve), woken once until it has taken the misses. */
static void guest_miss(struct dp *dp, const struct dp_net_snap *ns, uint16_t n, uint32_t ip)
{
	if (!ip || ip == ns->gw.ip || !in_prefix(ip, ns->l3.prefix, ns->l3.plen))
		return;
	uint32_t *slot = &dp->guest_miss[n][mix32(ip) & 7];
	if (__atomic_load_n(slot, __ATOMIC_RELAXED) != ip)
		__atomic_store_n(slot, ip, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&dp->guest_miss_wake, __ATOMIC_RELAXED) &&
	    !__atomic_exchange_n(&dp->guest_miss_wake, 1, __ATOMIC_SEQ_CST)) {
		uint64_t one = 1;
		if (write(dp->punt_fd, &one, sizeof(one)) < 0) {
			/* saturated: the control thread is awake anyway */
		}
	}
}

/* The next hop's MAC for dst leaving through uplink u. */
static int next_hop(struct dp *dp, const struct dp_snapshot *s, uint16_t u, uint32_t dst,
		    uint8_t mac[6])
{
	const struct dp_uplink_snap *up = &s->uplink[u];
	if (u >= DP_MAX_PORTS || !up->set)
		return DP_DROP_NO_ROUTE;
	if (up->c.plen && in_prefix(dst, up->c.ip, up->c.plen)) {
		for (unsigned i = 0; i < s->n_neigh; i++)
			if (s->neigh[i].port == u && s->neigh[i].ip == dst) {
				memcpy(mac, s->neigh[i].mac, 6);
				return 0;
			}
		neigh_miss(dp, u, dst);
		return DP_DROP_NO_NEIGH;
	}
	if (up->c.gw_ip && up->c.gw_resolved) {
		memcpy(mac, up->c.gw_mac, 6);
		return 0;
	}
	neigh_miss(dp, u, up->c.gw_ip);
	return DP_DROP_NO_NEIGH;
}

/* Where packets of direction d go: the zone of the other key, its source
 * being their new destination.  0 or a drop reason. */
static int sess_out(struct dp *dp, const struct dp_snapshot *s, struct ct_sess *ss, unsigned d)
{
	const struct ct_key *r = &ss->key[!d];
	if (r->zone & CT_ZONE_OUTSIDE) {
		uint16_t u = r->zone & 0x7fff;
		int why = next_hop(dp, s, u, r->src, ss->dmac[d]);
		if (why)
			return why;
		memcpy(ss->smac[d], s->uplink[u].c.mac, 6);
		ss->out_port[d] = u;
		return 0;
	}
	uint16_t n = r->zone;
	if (n >= DP_MAX_NETS || !s->net[n].active || !s->net[n].gw.ip)
		return DP_DROP_NO_ROUTE;
	int port = dp_arp_find(dp->arp[n], r->src, ss->dmac[d]);
	if (port < 0 || !s->port[port].used || s->port[port].net != n) {
		guest_miss(dp, &s->net[n], n, r->src);
		return DP_DROP_NO_NEIGH;
	}
	memcpy(ss->smac[d], s->net[n].gw.mac, 6);
	ss->out_port[d] = (uint16_t)port;
	return 0;
}

/* The configuration changed since the session cached its actions. */
static int sess_refresh(struct dp *dp, const struct dp_snapshot *s, struct ct_sess *ss)
{
	const struct dp_net_snap *n = &s->net[ss->net];
	if (!n->used || !n->active || n->l3.mode == DP_FWD_ISOLATED)
		return DP_DROP_NO_ROUTE;
	for (unsigned d = 0; d < 2; d++) {
		struct ct_sess tmp = *ss;
		if (sess_out(dp, s, &tmp, d) == 0) {
			memcpy(ss->dmac[d], tmp.dmac[d], 6);
			memcpy(ss->smac[d], tmp.smac[d], 6);
			ss->out_port[d] = tmp.out_port[d];
		} else if (ss->out_port[d] >= DP_MAX_PORTS || !s->port[ss->out_port[d]].used) {
			ss->out_port[d] = DP_PORT_NONE; /* gone: dropped until it resolves */
		}
	}
	ss->gen = s->l3_gen;
	return 0;
}

static const struct dp_portfwd *portfwd_find(const struct dp_snapshot *s, uint8_t proto,
					     uint32_t dst, uint16_t dport, uint32_t uplink_ip)
{
	for (unsigned i = 0; i < s->n_portfwd; i++) {
		const struct dp_portfwd *f = &s->portfwd[i];
		if (f->proto == proto && f->ext_port == dport &&
		    (f->ext_ip ? f->ext_ip : uplink_ip) == dst)
			return f;
	}
	return NULL;
}

struct skip_ctx {
	const struct dp_snapshot *s;
	uint8_t proto;
	uint32_t uplink_ip;
};

static bool skip_forwarded(void *o, uint32_t ip, uint16_t port)
{
	struct skip_ctx *c = o;
	return portfwd_find(c->s, c->proto, ip, port, c->uplink_ip) != NULL;
}

/* libvirt's exclusions: no NAT to 224.0.0.0/24 and 255.255.255.255 */
static inline bool nat_excluded(uint32_t dst)
{
	return dst == 0xffffffffu || (rte_be_to_cpu_32(dst) & 0xffffff00u) == 0xe0000000u;
}

static inline bool key_is(const struct ct_key *a, const struct ct_key *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static inline void release_nat(struct ct_sess *ss)
{
	if (ss->flags & CT_F_NAT)
		nat_map_put(ss->nat, ss->key[0].proto, ss->key[1].dst, ss->key[1].dport);
	ss->flags &= (uint8_t)~CT_F_NAT;
}

/* The slow path: a new connection.  Returns its session or NULL with *why. */
static struct ct_sess *sess_new(struct dp_worker *w, const struct dp_snapshot *s,
				uint16_t in_port, const struct ct_key *k, const uint8_t *smac,
				uint8_t tcp_flags, uint32_t now, uint8_t *why)
{
	struct dp *dp = w->dp;
	const struct dp_port_snap *ps = &s->port[in_port];
	bool from_uplink = ps->role == DP_ROLE_UPLINK;
	int st = ct_state_new(k->proto, tcp_flags);
	if (st < 0) {
		*why = DP_DROP_CT_INVALID;
		return NULL;
	}
	struct ct_key k1 = { .proto = k->proto, .src = k->dst, .dst = k->src,
			     .sport = k->dport, .dport = k->sport };
	struct nat_map *nat = NULL;
	uint16_t net;
	if (from_uplink) {
		const struct dp_portfwd *f =
			portfwd_find(s, k->proto, k->dst, k->dport, s->uplink[in_port].c.ip);
		if (f && f->net < DP_MAX_NETS && s->net[f->net].active) {
			net = f->net;
			k1.zone = f->net;
			k1.src = f->int_ip;
			k1.sport = f->int_port;
		} else {
			for (net = 0; net < DP_MAX_NETS; net++) {
				const struct dp_net_snap *n = &s->net[net];
				if (n->used && n->active && n->l3.uplink == in_port &&
				    (n->l3.mode == DP_FWD_ROUTE || n->l3.mode == DP_FWD_OPEN) &&
				    in_prefix(k->dst, n->l3.prefix, n->l3.plen))
					break;
			}
			if (net == DP_MAX_NETS) {
				*why = DP_DROP_NO_SESSION;
				return NULL;
			}
			k1.zone = net;
		}
	} else {
		net = ps->net;
		const struct dp_net_snap *n = &s->net[net];
		uint16_t u = n->l3.uplink;
		if (u >= DP_MAX_PORTS || !s->uplink[u].set) {
			*why = DP_DROP_NO_ROUTE;
			return NULL;
		}
		dp_arp_learn(dp->arp[net], k->src, smac, in_port);
		const struct dp_portfwd *f = portfwd_find(s, k->proto, k->dst, k->dport,
							  s->uplink[u].c.ip);
		if (in_prefix(k->dst, n->l3.prefix, n->l3.plen)) {
			/* a neighbor sent through the gateway (a host route, a
			 * wrong netmask): routed back in, as a router does */
			k1.zone = net;
		} else if (f) { /* hairpin: to the forwarded guest, from our address */
			k1.zone = f->net;
			k1.src = f->int_ip;
			k1.sport = f->int_port;
		} else {
			k1.zone = CT_ZONE_OUTSIDE | u;
		}
		bool translate = n->l3.mode == DP_FWD_NAT && !nat_excluded(k->dst) &&
				 !(k1.zone == net && k1.src == k->dst); /* not back in */
		if (translate)
			nat = n->nat;
		if (translate && !nat) {
			*why = DP_DROP_NAT_NO_PORT; /* no address to translate to yet */
			return NULL;
		}
	}

	int err;
	struct ct_sess *ss = ct_alloc(dp->ct, w->id, in_port, &err);
	if (!ss) {
		*why = err == -EDQUOT ? DP_DROP_CT_PORT_LIMIT : DP_DROP_CT_FULL;
		return NULL;
	}
	ss->key[0] = *k;
	ss->net = net;
	ss->state = (uint8_t)st;
	ss->created = ss->last = now;
	ss->gen = s->l3_gen;
	/* back where the first packet came from */
	ss->out_port[1] = in_port;
	memcpy(ss->dmac[1], smac, 6);
	memcpy(ss->smac[1], from_uplink ? s->uplink[in_port].c.mac : s->net[net].gw.mac, 6);
	struct skip_ctx sk = { s, k->proto, nat ? s->uplink[s->net[net].l3.uplink].c.ip : 0 };
	for (unsigned attempt = 0; attempt < 4; attempt++) {
		ss->key[1] = k1;
		if (nat) {
			uint32_t ext_ip;
			uint16_t ext_port;
			if (nat_map_get(nat, k->proto, k->src, k->sport, attempt, skip_forwarded, &sk,
					&ext_ip, &ext_port) < 0) {
				w->nat_ports_exhausted++;
				*why = DP_DROP_NAT_NO_PORT;
				break;
			}
			ss->key[1].dst = ext_ip;
			ss->key[1].dport = ext_port;
			if (k->proto == 1) /* ICMP echo: the identifier on both sides */
				ss->key[1].sport = ext_port;
			ss->flags |= CT_F_NAT;
			ss->nat = nat;
			ss->nat_dir = 1;
		}
		ct_prefetch(dp->ct, &ss->key[1]);
		int r = sess_out(dp, s, ss, 0);
		if (r) {
			*why = (uint8_t)r;
			break;
		}
		r = dp_acl_route(s, ss); /* stage: security groups */
		if (r) {
			*why = (uint8_t)r;
			break;
		}
		struct ct_sess *other;
		r = ct_insert(dp->ct, ss, &other);
		if (r == 0) {
			w->routed++;
			return ss;
		}
		release_nat(ss);
		if (r == -EEXIST && other) { /* the same connection, inserted meanwhile */
			ct_abort(dp->ct, w->id, ss);
			return other;
		}
		*why = DP_DROP_CT_FULL;
		if (!(r == -EEXIST && nat))
			break; /* only another mapping may help */
	}
	release_nat(ss);
	ct_abort(dp->ct, w->id, ss);
	return NULL;
}

/* Rewrite for direction d: to the reverse of the other key. */
static inline void rewrite(struct ct_sess *ss, unsigned d, uint8_t *f, const struct pkt_meta *m,
			   size_t len)
{
	const struct ct_key *r = &ss->key[!d], *k = &ss->key[d];
	uint8_t *ip = f + m->l3_off;
	if (r->dst != k->src || r->src != k->dst || r->dport != k->sport || r->sport != k->dport) {
		struct nat_tuple t = { r->dst, r->src, r->dport, r->sport };
		nat_rewrite(ip, len - m->l3_off, &t);
	}
	/* TTL */
	uint16_t old = rd16(ip + 8);
	ip[8]--;
	uint16_t c = nat_csum_adj16(rd16(ip + 10), old, rd16(ip + 8));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memcpy(f, ss->dmac[d], 6);
	memcpy(f + 6, ss->smac[d], 6);
}

static inline struct dp_frag *frag_slot(struct dp_worker *w, uint16_t zone, uint32_t src,
					uint32_t dst, uint16_t id, uint8_t proto)
{
	uint32_t h = mix32(src ^ mix32(dst ^ ((uint32_t)id << 16 | (uint32_t)proto << 8 | zone)));
	return &w->frag[h % DP_FRAG_SLOTS];
}

/* A first fragment's session, for the datagram's other fragments (2 s). */
static void frag_record(struct dp_worker *w, const struct ct_key *k, const uint8_t *ip,
			struct ct_sess *x, unsigned d, uint32_t now)
{
	uint16_t id = rd16(ip + 4);
	struct dp_frag *fr = frag_slot(w, k->zone, k->src, k->dst, id, k->proto);
	*fr = (struct dp_frag){ .s = x, .src = k->src, .dst = k->dst, .expires = now + 2,
				.id = id, .zone = k->zone, .proto = k->proto, .dir = (uint8_t)d };
}

/* A later fragment: translated as its first fragment's session says
 * (addresses; the ports and the L4 checksum are in the first). */
static void frag_follow(struct dp_worker *w, const struct dp_snapshot *s, uint16_t zone,
			struct rte_mbuf *mb, const struct pkt_meta *m, uint32_t now, uint16_t *out,
			uint8_t *why)
{
	uint8_t *f = rte_pktmbuf_mtod(mb, uint8_t *);
	const uint8_t *ip = f + m->l3_off;
	uint16_t id = rd16(ip + 4);
	struct dp_frag *fr = frag_slot(w, zone, m->src_ip, m->dst_ip, id, m->proto);
	*why = DP_DROP_FRAG;
	if (fr->s == NULL || fr->src != m->src_ip || fr->dst != m->dst_ip || fr->id != id ||
	    fr->proto != m->proto || fr->zone != zone || (int32_t)(fr->expires - now) < 0)
		return;
	struct ct_sess *x = fr->s;
	unsigned d = fr->dir;
	const struct ct_key *k = &x->key[d];
	/* still that connection (a session is reused only after it was deleted) */
	if (!(__atomic_load_n(&x->flags, __ATOMIC_ACQUIRE) & CT_F_LIVE) || k->src != m->src_ip ||
	    k->dst != m->dst_ip || k->proto != m->proto || k->zone != zone)
		return;
	if (ip[8] <= 1) {
		*why = DP_DROP_NO_ROUTE;
		return;
	}
	if (x->gen != s->l3_gen && sess_refresh(w->dp, s, x) != 0) {
		*why = DP_DROP_NO_ROUTE;
		return;
	}
	x->packets[d]++;
	x->bytes[d] += rte_pktmbuf_pkt_len(mb);
	rewrite(x, d, f, m, rte_pktmbuf_data_len(mb));
	*out = x->out_port[d];
	*why = DP_DROP_NO_ROUTE; /* if that is none */
}

/* A guest to the host's address on the uplink, not a session's reply (as on
 * libvirt, where the host's kernel delivers it): to the host port,
 * untouched, unless a port forward takes that address and port (hairpin). */
static bool to_host(const struct dp_snapshot *s, uint16_t net, const struct pkt_meta *m,
		    uint16_t *out)
{
	const struct dp_net_snap *n = &s->net[net];
	uint16_t u = n->l3.uplink, hp = n->host_port;
	if (u >= DP_MAX_PORTS || !s->uplink[u].set || m->dst_ip != s->uplink[u].c.ip ||
	    hp >= DP_MAX_PORTS || !s->port[hp].used)
		return false;
	if ((m->proto == 6 || m->proto == 17) && m->l4_off &&
	    portfwd_find(s, m->proto, m->dst_ip, m->dport, s->uplink[u].c.ip))
		return false;
	*out = hp;
	return true;
}

/* A packet to be routed with TTL 1 or 0: an ICMP time exceeded (type 11,
 * code 0) back to its sender instead, from the gateway's address (guest side)
 * or the uplink's (outside), as a Linux router answers traceroute.  Built in
 * place: new IPv4 and ICMP headers, then the original IP header and the first
 * 8 bytes of its payload (RFC 792).  None for an ICMP error (RFC 1122 3.2.2),
 * a multicast/broadcast or zero sender, a non-contiguous buffer: those stay
 * dropped (no_route).  true: the frame is the answer, for in_port. */
static bool time_exceeded(const struct dp_snapshot *s, uint16_t in_port, bool from_uplink,
			  struct rte_mbuf *mb, const struct pkt_meta *m)
{
	uint32_t me;
	const uint8_t *my_mac;
	if (from_uplink) {
		if (!s->uplink[in_port].set)
			return false;
		me = s->uplink[in_port].c.ip;
		my_mac = s->uplink[in_port].c.mac;
	} else {
		me = s->net[s->port[in_port].net].gw.ip;
		my_mac = s->net[s->port[in_port].net].gw.mac;
	}
	uint8_t *f = rte_pktmbuf_mtod(mb, uint8_t *);
	size_t len = rte_pktmbuf_data_len(mb);
	const uint8_t *ip = f + m->l3_off;
	size_t q = (size_t)(ip[0] & 15) * 4 + 8;
	uint8_t type = (uint8_t)(m->dport >> 8);
	uint32_t src = m->src_ip;
	if (!me || !rte_pktmbuf_is_contiguous(mb) || (f[6] & 1) || !src ||
	    (rte_be_to_cpu_32(src) >> 28) >= 14 || (m->proto == 1 && type != 0 && type != 8))
		return false;
	if (q > len - m->l3_off)
		q = len - m->l3_off;
	uint8_t quote[68];
	memcpy(quote, ip, q);
	size_t nlen = m->l3_off + 20 + 8 + q;
	if (nlen > len && !rte_pktmbuf_append(mb, (uint16_t)(nlen - len)))
		return false;
	if (nlen < len)
		rte_pktmbuf_trim(mb, (uint16_t)(len - nlen));
	memcpy(f, f + 6, 6); /* to the sender's MAC, from ours */
	memcpy(f + 6, my_mac, 6);
	uint8_t *o = f + m->l3_off, *ic = o + 20;
	memset(o, 0, 28);
	o[0] = 0x45;
	o[2] = (uint8_t)((20 + 8 + q) >> 8);
	o[3] = (uint8_t)(20 + 8 + q);
	o[8] = 64;
	o[9] = 1;
	memcpy(o + 12, &me, 4);
	memcpy(o + 16, &src, 4);
	uint16_t c = pkt_csum(o, 20, 0);
	o[10] = (uint8_t)(c >> 8);
	o[11] = (uint8_t)c;
	ic[0] = 11;
	memcpy(ic + 8, quote, q);
	c = pkt_csum(ic, 8 + q, 0);
	ic[2] = (uint8_t)(c >> 8);
	ic[3] = (uint8_t)c;
	return true;
}

void dp_route_burst(struct dp_worker *w, const struct dp_snapshot *s, uint16_t in_port,
		    struct rte_mbuf **pkts, const struct pkt_meta *meta, unsigned n,
		    uint32_t now, uint16_t *out, uint8_t *why)
{
	struct dp *dp = w->dp;
	const struct dp_port_snap *ps = &s->port[in_port];
	bool from_uplink = ps->role == DP_ROLE_UPLINK;
	uint16_t zone = from_uplink ? (uint16_t)(CT_ZONE_OUTSIDE | in_port) : ps->net;
	struct ct_key keys[DP_BURST];
	struct ct_sess *ss[DP_BURST];
	uint8_t dir[DP_BURST], idx[DP_BURST], tcpf[DP_BURST];
	bool err[DP_BURST], first_frag[DP_BURST];
	uint8_t later[DP_BURST];
	unsigned nk = 0, nl = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct pkt_meta *m = &meta[i];
		const uint8_t *f = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		size_t len = rte_pktmbuf_data_len(pkts[i]);
		out[i] = DP_PORT_NONE;
		why[i] = DP_DROP_NO_ROUTE;
		if (m->ethertype != PKT_ETH_P_IP || m->l3_off == 0) {
			why[i] = from_uplink ? DP_DROP_NO_SESSION : DP_DROP_NO_ROUTE;
			continue;
		}
		if (m->vlan)
			continue;
		if (!from_uplink && s->net[ps->net].l3.mode == DP_FWD_ISOLATED)
			continue;
		const uint8_t *ip = f + m->l3_off;
		uint16_t fo = rd16(ip + 6);
		if (fo & 0x1fff) { /* a later fragment: no ports, follows its first */
			later[nl++] = (uint8_t)i; /* after this burst's first fragments */
			continue;
		}
		if (ip[8] <= 1) { /* TTL: time exceeded, unless it is the host's */
			if (from_uplink || !to_host(s, ps->net, m, &out[i])) {
				if (time_exceeded(s, in_port, from_uplink, pkts[i], m))
					out[i] = in_port;
			}
			continue;
		}
		struct ct_key *k = &keys[nk];
		*k = (struct ct_key){ .zone = zone, .proto = m->proto, .src = m->src_ip,
				      .dst = m->dst_ip };
		err[nk] = false;
		tcpf[nk] = 0;
		first_frag[nk] = (fo & 0x2000) != 0; /* MF, offset 0 */
		switch (m->proto) {
		case 6:
		case 17:
			if (!m->l4_off) {
				why[i] = DP_DROP_CT_INVALID;
				continue;
			}
			k->sport = m->sport;
			k->dport = m->dport;
			if (m->proto == 6 && len >= (size_t)m->l4_off + 14)
				tcpf[nk] = f[m->l4_off + 13];
			break;
		case 1: {
			uint8_t type = (uint8_t)(m->dport >> 8);
			if (type == 8 || type == 0) {
				k->sport = k->dport = m->sport;
				break;
			}
			uint8_t p;
			struct nat_tuple q;
			if (nat_icmp_error_inner(ip, len - m->l3_off, &p, &q) < 0) {
				why[i] = DP_DROP_CT_INVALID;
				continue;
			}
			/* as a reply to the quoted packet would be */
			*k = (struct ct_key){ .zone = zone, .proto = p, .src = q.dst, .dst = q.src,
					      .sport = q.dport, .dport = q.sport };
			err[nk] = true;
			break;
		}
		default:
			break;
		}
		idx[nk++] = (uint8_t)i;
	}
	if (nk)
		ct_lookup_bulk(dp->ct, keys, nk, ss, dir);

	for (unsigned j = 0; j < nk; j++) {
		unsigned i = idx[j];
		struct rte_mbuf *mb = pkts[i];
		uint8_t *f = rte_pktmbuf_mtod(mb, uint8_t *);
		size_t len = rte_pktmbuf_data_len(mb);
		struct ct_sess *x = ss[j];
		unsigned d = dir[j];
		if (!x) {
			if (err[j]) {
				why[i] = DP_DROP_NO_SESSION;
				continue;
			}
			if (!from_uplink && to_host(s, ps->net, &meta[i], &out[i]))
				continue; /* not a connection of ours: the host's */
			uint8_t r;
			w->route_misses++;
			x = sess_new(w, s, in_port, &keys[j], meta[i].smac, tcpf[j], now, &r);
			if (!x) {
				why[i] = r;
				continue;
			}
			d = 0;
			if (!key_is(&x->key[0], &keys[j]))
				d = 1;
		}
		if (x->gen != s->l3_gen) {
			int r = sess_refresh(dp, s, x);
			if (!r && (r = dp_acl_route(s, x)) != 0) { /* rules changed */
				ct_delete(dp->ct, x, w->id);
				x->gen = ~s->l3_gen; /* the burst's other packets of it too */
			}
			if (r) {
				why[i] = (uint8_t)r;
				continue;
			}
		}
		if (err[j]) {
			const struct ct_key *r = &x->key[!d];
			struct nat_tuple q = { r->src, r->dst, r->sport, r->dport };
			nat_rewrite_icmp_error(f + meta[i].l3_off, len - meta[i].l3_off, r->src, &q);
			memcpy(f, x->dmac[d], 6);
			memcpy(f + 6, x->smac[d], 6);
		} else {
			ct_track(x, d, tcpf[j], now);
			x->packets[d]++;
			x->bytes[d] += rte_pktmbuf_pkt_len(mb);
			if (unlikely(first_frag[j]))
				frag_record(w, &keys[j], f + meta[i].l3_off, x, d, now);
			rewrite(x, d, f, &meta[i], len);
		}
		out[i] = x->out_port[d];
		why[i] = DP_DROP_NO_ROUTE; /* if that is none */
	}
	for (unsigned j = 0; j < nl; j++) {
		unsigned i = later[j];
		frag_follow(w, s, zone, pkts[i], &meta[i], now, &out[i], &why[i]);
	}
}

void dp_route_expire(struct dp_worker *w, uint32_t now, unsigned budget)
{
	ct_expire(w->dp->ct, w->id, now, budget);
}
