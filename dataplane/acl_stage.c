/* acl_stage.c — the workers' security group stage: stateful
 * enforcement of the ports' compiled rules (acl.h) between the ports of a
 * network, on the shared session table (ct.h).
 *
 * Called from the switch stage's slow path (a flow cache miss or a stale
 * entry) once the output port is known; the flow entry then caches the
 * verdict for the connection (the network's ports key flows by connection
 * while any of them has rules).  A new IPv4 connection must be allowed by
 * the sender's egress rules and the receiver's ingress rules; the verdict
 * is kept in a session (zone ACL_ZONE | network, both directions' keys), so
 * its replies pass whatever the rules say about them.  When rules change,
 * the network's acl_gen moves and every cached flow of the network
 * reclassifies (the ports' epochs): a session created under older rules is
 * checked again against the current ones on its next packet and deleted
 * when they no longer allow it (Neutron/OVN cut such connections; AWS keeps
 * them).  Broadcast/multicast and unknown unicast IPv4 (flooded) are checked
 * against the sender's egress rules here, once per flow, and against each
 * receiving port's ingress rules by the switch stage's flood
 * (dp_acl_flood_admits, per frame and receiver: a port whose groups do not
 * admit the frame gets no copy, counted as an acl drop of that receiving
 * port; a flooded frame opens no session); DHCP (UDP to port 67 or 68)
 * is not filtered on ingress when flooded, so leases work as before.  ARP
 * and other non-IP frames are not filtered here (port security checks
 * their source); IPv6 passes only where an any-protocol, any-remote IPv6
 * rule exists in both directions (flooded IPv6: the sender's side only).
 * Sessions are charged to the sending port (--ct-port-limit: the per-port
 * connection quota) and expire with the route stage's (ct_expire).
 */
#include "dataplane/dp_internal.h"
#include "dataplane/ct.h"

#include <arpa/inet.h>

#define ACL_ZONE 0x4000 /* | network: VM-to-VM sessions of the acl stage */

/* The session's ICMP type and code live in smac[0][0..1] (the acl zone's
 * sessions cache no rewrite). */
static bool allowed(const struct dp_snapshot *s, uint16_t from, int to, uint8_t proto,
		    uint32_t src, uint32_t dst, uint16_t dport, uint8_t type, uint8_t code)
{
	const struct acl_set *a = s->port[from].acl;
	if (a && !acl_allows(a, ACL_OUT, proto, dst, dport, type, code))
		return false;
	a = to >= 0 ? s->port[to].acl : NULL;
	return !a || acl_allows(a, ACL_IN, proto, src, dport, type, code);
}

/* Sessions are never freed (a pool), only reused after a grace period:
 * reading one a flow points to is safe, and its keys say whether it is
 * still the flow's connection. */
void dp_acl_touch(void *sess, const struct flow_key *k, uint32_t now)
{
	struct ct_sess *ss = sess;
	if (!(__atomic_load_n(&ss->flags, __ATOMIC_ACQUIRE) & CT_F_LIVE))
		return;
	for (unsigned d = 0; d < 2; d++)
		if (ss->key[d].proto == k->proto && ss->key[d].src == k->src_ip &&
		    ss->key[d].dst == k->dst_ip && (ss->key[d].zone & ACL_ZONE)) {
			__atomic_store_n(&ss->last, now, __ATOMIC_RELAXED);
			return;
		}
}

uint8_t dp_acl_check(struct dp_worker *w, const struct dp_snapshot *s, const struct flow_key *k,
		     int out, const uint8_t *f, size_t len, uint32_t now, void **sessp)
{
	*sessp = NULL;
	const struct dp_port_snap *ps = &s->port[k->in_port];
	const struct acl_set *src = ps->acl, *dst = out >= 0 ? s->port[out].acl : NULL;
	if (!src && !dst)
		return 0;
	if (k->ethertype == PKT_ETH_P_IPV6)
		return (src && !src->v6_any[ACL_OUT]) || (dst && !dst->v6_any[ACL_IN]) ? DP_DROP_ACL : 0;
	if (k->ethertype != PKT_ETH_P_IP)
		return 0;

	uint8_t proto = k->proto, type = 0, code = 0, flags = 0;
	uint16_t dport = ntohs(k->dport);
	struct ct_key ck = { .zone = (uint16_t)(ACL_ZONE | ps->net), .proto = proto,
			     .src = k->src_ip, .dst = k->dst_ip, .sport = k->sport, .dport = k->dport };
	if (proto == 1) { /* pkt_parse: type << 8 | code in dport, echo id in sport */
		type = (uint8_t)(k->dport >> 8);
		code = (uint8_t)k->dport;
		dport = 0;
		ck.dport = ck.sport;
	} else if (proto == 6) {
		struct pkt_meta m;
		if (pkt_parse(f, len, true, &m) == 0 && m.l4_off && len >= (size_t)m.l4_off + 14)
			flags = f[m.l4_off + 13];
	}
	struct ct *ct = w->dp->ct;
	uint32_t gen = s->net[ps->net].acl_gen;
	uint8_t dir;
	struct ct_sess *ss = ct_lookup(ct, &ck, &dir);
	if (ss) {
		if (ss->gen != gen) {
			/* the rules changed since: does the connection still pass? */
			const struct ct_key *o = &ss->key[0];
			if (!allowed(s, ss->out_port[1], ss->out_port[0], o->proto, o->src, o->dst,
				     ntohs(o->dport), ss->smac[0][0], ss->smac[0][1])) {
				ct_delete(ct, ss, w->id);
				return DP_DROP_ACL;
			}
			ss->gen = gen;
		}
		ct_track(ss, dir, flags, now);
		*sessp = ss;
		return 0;
	}
	if (!allowed(s, k->in_port, out, proto, k->src_ip, k->dst_ip, dport, type, code))
		return DP_DROP_ACL;
	/* allowed: remember it so replies pass (unicast to a known port only;
	 * a TCP packet that cannot open a connection passes on its own rule) */
	int st = ct_state_new(proto, flags);
	if (out < 0 || st < 0 || (proto != 6 && proto != 17 && proto != 1) || (proto == 1 && type != 8))
		return 0;
	int err;
	ss = ct_alloc(ct, w->id, k->in_port, &err);
	if (!ss)
		return err == -EDQUOT ? DP_DROP_CT_PORT_LIMIT : DP_DROP_CT_FULL;
	ss->key[0] = ck;
	ss->key[1] = (struct ct_key){ .zone = ck.zone, .proto = proto, .src = ck.dst, .dst = ck.src,
				      .sport = ck.dport, .dport = ck.sport };
	ss->net = ps->net;
	ss->state = (uint8_t)st;
	ss->created = ss->last = now;
	ss->gen = gen;
	ss->out_port[0] = (uint16_t)out;
	ss->out_port[1] = k->in_port;
	ss->smac[0][0] = type;
	ss->smac[0][1] = code;
	struct ct_sess *other;
	if (ct_insert(ct, ss, &other) != 0) {
		ct_abort(ct, w->id, ss); /* inserted meanwhile, or no room: this packet passes */
		ss = other;
	}
	*sessp = ss;
	return 0;
}

/* A flooded IPv4 frame (key k, L3 shape: the network has rules) at a
 * receiving port with rules a: does a's ingress admit it?  Evaluated for
 * each frame (no session, no per-frame state: the sender's flow entry
 * caches only the sender's side); the cost is a scan of the receiver's
 * ingress rules, paid only by receivers that have rules. */
bool dp_acl_flood_admits(const struct acl_set *a, const struct flow_key *k)
{
	if (k->ethertype != PKT_ETH_P_IP)
		return true; /* ARP, IPv6 (and an L2-shaped key): not filtered here */
	uint8_t type = 0, code = 0;
	uint16_t dport = ntohs(k->dport);
	if (k->proto == 1) { /* pkt_parse: type << 8 | code in dport */
		type = (uint8_t)(k->dport >> 8);
		code = (uint8_t)k->dport;
		dport = 0;
	} else if (k->proto == 17 && (dport == 67 || dport == 68)) {
		return true; /* DHCP: a client's broadcasts and its server's answers */
	}
	return acl_allows(a, ACL_IN, k->proto, k->src_ip, dport, type, code);
}

/* North-south (route stage, route.c): a routed session's original direction
 * went from out_port[1] to out_port[0] (one of them a guest port, the other
 * the uplink, or both guests when routed back in).  The sender's egress
 * rules see the destination as the sender addressed it (key[0]); the
 * receiver's ingress rules see the original source (the outside address of
 * an inbound connection) and the destination port it receives on (after a
 * port forward's translation: key[1]'s source port).  Called when the
 * session is created and whenever the configuration (rules included)
 * changed since; the verdict holds for the session's replies.  A session
 * between ports without rules: 0 at once. */
uint8_t dp_acl_route(const struct dp_snapshot *s, const struct ct_sess *ss)
{
	uint16_t from = ss->out_port[1], to = ss->out_port[0];
	const struct acl_set *src = from < DP_MAX_PORTS && s->port[from].used ? s->port[from].acl : NULL;
	const struct acl_set *dst = to < DP_MAX_PORTS && s->port[to].used ? s->port[to].acl : NULL;
	if (!src && !dst)
		return 0;
	const struct ct_key *o = &ss->key[0], *r = &ss->key[1];
	uint8_t proto = o->proto, type = 0, code = 0;
	uint16_t dport = 0, lport = 0;
	if (proto == 1) {
		type = 8; /* route sessions of ICMP are echo requests' */
	} else if (proto == 6 || proto == 17) {
		dport = ntohs(o->dport);
		lport = ntohs(r->sport);
	}
	if (src && !acl_allows(src, ACL_OUT, proto, o->dst, dport, type, code))
		return DP_DROP_ACL;
	if (dst && !acl_allows(dst, ACL_IN, proto, o->src, lport, type, code))
		return DP_DROP_ACL;
	return 0;
}
