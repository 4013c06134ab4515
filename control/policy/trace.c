/* trace.c — vnetctl trace: the path a packet sent by a port would take
 * through port security, the switch and the security groups, and the check
 * or rule that decides it (as ovs-appctl ofproto/trace does).
 *
 * The packet is described in a small language: a protocol (tcp, udp, icmp,
 * arp, or ip with proto=N) and key=value fields src, dst (IPv4), sport,
 * dport, type, code, smac, dmac, flags (TCP: S, A, ...).  Unset fields: the
 * port's MAC and first known address as the source, the destination's
 * port's MAC (found by the destination address among the other ports'
 * addresses) or broadcast.  The frame is built, port security's own check
 * (portsec_check) runs on it with the port's current set, and the security
 * groups are evaluated rule by rule on the groups themselves, so the answer
 * names the rule.  It shows what a new connection would meet (existing
 * sessions are not consulted).  Control thread; no side effects.
 */
#include "control/policy/trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/policy/api_sg.h"
#include "control/port.h"
#include "control/policy/sg_compile.h"
#include "dataplane/dp.h"
#include "dataplane/pkt.h"
#include "dataplane/portsec.h"

struct tpkt {
	int proto;            /* IP protocol, or -1 for ARP */
	uint32_t src, dst;    /* network order */
	int sport, dport, type, code;
	uint8_t flags;
	bool has_smac, has_dmac, has_src;
	uint8_t smac[6], dmac[6];
};

static int bad(struct ctl_err *e, const char *what, const char *v)
{
	return ctl_fail(e, EINVAL, 400, "invalid-arg", "invalid argument: packet: %s '%s'", what, v);
}

static int num(const char *v, long max, int *out)
{
	char *end;
	long n = strtol(v, &end, 0);
	if (!*v || *end || n < 0 || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

static int parse(const char *desc, struct tpkt *t, struct ctl_err *e)
{
	char buf[512], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", desc);
	memset(t, 0, sizeof(*t));
	t->sport = 40000;
	t->dport = 0;
	t->type = 8;
	char *tok = strtok_r(buf, " \t", &save);
	if (!tok)
		return bad(e, "empty description", "");
	if (!strcmp(tok, "tcp"))
		t->proto = 6, t->flags = 0x02;
	else if (!strcmp(tok, "udp"))
		t->proto = 17;
	else if (!strcmp(tok, "icmp"))
		t->proto = 1;
	else if (!strcmp(tok, "arp"))
		t->proto = -1;
	else if (!strcmp(tok, "ip"))
		t->proto = 0;
	else
		return bad(e, "the first word must be tcp, udp, icmp, arp or ip, not", tok);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return bad(e, "expected key=value, got", tok);
		*eq = 0;
		const char *k = tok, *v = eq + 1;
		struct in_addr a;
		if (!strcmp(k, "src") || !strcmp(k, "dst")) {
			if (inet_pton(AF_INET, v, &a) != 1)
				return bad(e, "invalid IPv4 address", v);
			if (!strcmp(k, "src"))
				t->src = a.s_addr, t->has_src = true;
			else
				t->dst = a.s_addr;
		} else if (!strcmp(k, "smac") || !strcmp(k, "dmac")) {
			if (pkt_mac_parse(v, !strcmp(k, "smac") ? t->smac : t->dmac) < 0)
				return bad(e, "invalid MAC address", v);
			*(!strcmp(k, "smac") ? &t->has_smac : &t->has_dmac) = true;
		} else if (!strcmp(k, "sport") || !strcmp(k, "dport")) {
			if (num(v, 65535, !strcmp(k, "sport") ? &t->sport : &t->dport) < 0)
				return bad(e, "invalid port", v);
		} else if (!strcmp(k, "type") || !strcmp(k, "code") || !strcmp(k, "proto")) {
			int n;
			if (num(v, 255, &n) < 0)
				return bad(e, "invalid number", v);
			if (!strcmp(k, "type"))
				t->type = n;
			else if (!strcmp(k, "code"))
				t->code = n;
			else if (t->proto == 0)
				t->proto = n;
			else
				return bad(e, "proto= is for 'ip', not", desc);
		} else if (!strcmp(k, "flags")) {
			t->flags = 0;
			for (const char *c = v; *c; c++) {
				const char *all = "FSRPAU", *f = strchr(all, *c);
				if (!f)
					return bad(e, "TCP flags are letters of FSRPAU, not", v);
				t->flags |= (uint8_t)(1u << (f - all));
			}
		} else {
			return bad(e, "unknown field", k);
		}
	}
	return 0;
}

/* Ethernet + IPv4 + L4 (or ARP) into f; returns the length. */
static size_t build(const struct tpkt *t, uint8_t *f)
{
	memset(f, 0, 128);
	memcpy(f, t->dmac, 6);
	memcpy(f + 6, t->smac, 6);
	if (t->proto < 0) {
		f[12] = 0x08, f[13] = 0x06;
		uint8_t *a = f + 14;
		a[1] = 1, a[2] = 0x08, a[4] = 6, a[5] = 4, a[7] = 1;
		memcpy(a + 8, t->smac, 6);
		memcpy(a + 14, &t->src, 4);
		memcpy(a + 24, &t->dst, 4);
		return 60;
	}
	f[12] = 0x08;
	uint8_t *ip = f + 14, *l4 = ip + 20;
	ip[0] = 0x45, ip[8] = 64, ip[9] = (uint8_t)t->proto;
	memcpy(ip + 12, &t->src, 4);
	memcpy(ip + 16, &t->dst, 4);
	if (t->proto == 6 || t->proto == 17) {
		l4[0] = (uint8_t)(t->sport >> 8), l4[1] = (uint8_t)t->sport;
		l4[2] = (uint8_t)(t->dport >> 8), l4[3] = (uint8_t)t->dport;
		if (t->proto == 6)
			l4[13] = t->flags;
	} else if (t->proto == 1) {
		l4[0] = (uint8_t)t->type, l4[1] = (uint8_t)t->code;
	}
	return 14 + 20 + 20 + 8 + 240; /* room for a BOOTP header, all zero */
}

static bool in_members(struct ctl *c, const char *gid, uint32_t ip)
{
	struct sg_member *m = malloc(SG_MEMBERS_MAX * sizeof(*m));
	size_t n = m ? portreg_members(c->ports, gid, m, SG_MEMBERS_MAX) : 0;
	bool in = false;
	for (size_t i = 0; i < n && i < SG_MEMBERS_MAX && !in; i++)
		in = (ip & m[i].mask) == (m[i].net & m[i].mask);
	free(m);
	return in;
}

/* The first rule of the port's groups admitting the packet in dir, or NULL. */
static const struct sg_rule *admitting(struct ctl *c, const struct port_info *pi, bool ingress,
				       const struct tpkt *t, uint32_t remote,
				       const struct sg_group **gp)
{
	const struct sg_db *db = sgreg_db(c->sgs);
	for (unsigned g = 0; g < pi->n_sgs; g++) {
		const struct sg_group *grp = sg_db_find_id(db, pi->sgs[g]);
		for (size_t i = 0; grp && i < grp->n_rules; i++) {
			const struct sg_rule *r = &grp->rules[i];
			if ((r->direction == SG_INGRESS) != ingress || r->ethertype != SG_IPV4)
				continue;
			if (r->proto != SG_PROTO_ANY && r->proto != t->proto)
				continue;
			if (sg_proto_has_ports(t->proto) && r->port_min != SG_PORT_NONE &&
			    (t->dport < r->port_min || t->dport > r->port_max))
				continue;
			if (t->proto == 1 && r->proto == 1 &&
			    ((r->port_min != SG_PORT_NONE && r->port_min != t->type) ||
			     (r->port_max != SG_PORT_NONE && r->port_max != t->code)))
				continue;
			if (r->has_prefix && r->plen) {
				uint32_t net, mask = htonl(~0u << (32 - r->plen));
				memcpy(&net, r->prefix, 4);
				if ((remote & mask) != (net & mask))
					continue;
			}
			if (r->remote_group[0] && !in_members(c, r->remote_group, remote))
				continue;
			*gp = grp;
			return r;
		}
	}
	return NULL;
}

static void step(json_t *steps, const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void step(json_t *steps, const char *stage, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(steps, json_pack("{s:s, s:s}", "stage", stage, "result", msg));
}

static const char *verdict_name[] = {
	[PORTSEC_SPOOF_MAC] = "spoof_mac", [PORTSEC_SPOOF_IP] = "spoof_ip",
	[PORTSEC_SPOOF_ARP] = "spoof_arp", [PORTSEC_DHCP_SERVER] = "dhcp_server",
	[PORTSEC_DHCP_SPOOF] = "dhcp_spoof", [PORTSEC_GUEST_RA] = "guest_ra",
};

/* ACL for one side; returns false when it drops. */
static bool acl_side(struct ctl *c, json_t *steps, const struct port_info *pi, bool ingress,
		     const struct tpkt *t, uint32_t remote)
{
	const char *stage = ingress ? "acl ingress" : "acl egress";
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &remote, ip, sizeof(ip));
	if (!pi->n_sgs) {
		step(steps, stage, "port %s has no security group: not filtered", pi->name);
		return true;
	}
	if (t->proto < 0) {
		step(steps, stage, "ARP is not filtered by security groups");
		return true;
	}
	const struct sg_group *g = NULL;
	const struct sg_rule *r = admitting(c, pi, ingress, t, remote, &g);
	if (r) {
		step(steps, stage, "port %s: allowed by rule %s of group %s (%s)", pi->name, r->id,
		     g->name, g->id);
		return true;
	}
	step(steps, stage, "port %s: no %s rule of its %u group(s) admits it (%s %s): dropped (acl)",
	     pi->name, ingress ? "ingress" : "egress", pi->n_sgs, ingress ? "from" : "to", ip);
	return false;
}

int port_trace(struct ctl *c, struct port *p, const char *desc, json_t **out, struct ctl_err *e)
{
	struct tpkt t;
	struct port_info pi, qi;
	struct portsec_conf conf;
	uint8_t frame[512];
	int rc = parse(desc, &t, e);
	if (rc < 0)
		return rc;
	port_info(c->ports, p, &pi);
	portreg_sec_state(c->ports, p, &conf);
	if (!t.has_smac)
		memcpy(t.smac, pi.has_mac ? pi.mac : (const uint8_t[6]){ 2, 0, 0, 0, 0, 1 }, 6);
	if (!t.has_src && conf.n_ips)
		t.src = conf.ips[0].net;
	/* the destination: a port of the network by MAC, or by address */
	struct port *q = NULL;
	for (size_t i = 0; i < portreg_count(c->ports) && !q; i++) {
		struct port *x = portreg_at(c->ports, i);
		struct portsec_conf xc;
		if (x == p)
			continue;
		port_info(c->ports, x, &qi);
		if (strcmp(qi.network, pi.network))
			continue;
		if (t.has_dmac) {
			if (qi.has_mac && !memcmp(qi.mac, t.dmac, 6))
				q = x;
			continue;
		}
		portreg_sec_state(c->ports, x, &xc);
		for (unsigned k = 0; k < xc.n_ips && !q; k++)
			if (xc.ips[k].mask == 0xffffffffu && xc.ips[k].net == t.dst && t.dst)
				q = x;
	}
	if (q)
		port_info(c->ports, q, &qi);
	if (!t.has_dmac)
		memcpy(t.dmac, q && qi.has_mac ? qi.mac : (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 6);

	json_t *steps = json_array();
	const char *verdict = "forward", *reason = NULL;
	size_t len = build(&t, frame);
	struct pkt_meta m;
	pkt_parse(frame, len, true, &m);
	if (!conf.enabled) {
		step(steps, "port security", "off for port %s", pi.name);
	} else {
		enum portsec_verdict v = portsec_check(&conf, frame, len, &m);
		if (v != PORTSEC_PASS) {
			step(steps, "port security", "dropped (%s)", verdict_name[v]);
			verdict = "drop", reason = verdict_name[v];
			goto done;
		}
		step(steps, "port security", "passed (source MAC%s of port %s)",
		     conf.n_ips ? " and address" : "; no address known yet, MAC only", pi.name);
	}
	if (q)
		step(steps, "switch", "to port %s", qi.name);
	else
		step(steps, "switch", "no port of network %s has this destination: flooded", pi.network);
	if (t.proto >= 0 || pi.n_sgs) {
		if (!acl_side(c, steps, &pi, false, &t, t.dst)) {
			verdict = "drop", reason = "acl";
			goto done;
		}
		if (q && !acl_side(c, steps, &qi, true, &t, t.src)) {
			verdict = "drop", reason = "acl";
			goto done;
		}
	}
	verdict = q ? "forward" : "flood";
done:;
	char smac[18], dmac[18], src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	pkt_mac_format(t.smac, smac);
	pkt_mac_format(t.dmac, dmac);
	inet_ntop(AF_INET, &t.src, src, sizeof(src));
	inet_ntop(AF_INET, &t.dst, dst, sizeof(dst));
	json_t *o = json_pack("{s:s, s:o, s:s, s:{s:s, s:s, s:s, s:s}}", "port", pi.name, "steps",
			      steps, "verdict", verdict, "packet", "smac", smac, "dmac", dmac, "src",
			      src, "dst", dst);
	if (reason)
		json_object_set_new(o, "drop_reason", json_string(reason));
	if (q && !strcmp(verdict, "forward"))
		json_object_set_new(o, "output_port", json_string(qi.name));
	*out = json_pack("{s:o}", "trace", o);
	return 200;
}
