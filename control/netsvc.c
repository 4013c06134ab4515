#include "control/netsvc.h"
#include "control/nat/l3.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "control/ctl.h"
#include "control/log.h"
#include <rte_mbuf.h>

#include "control/dhcp/dhcp_server.h"
#include "control/dns/dns_net.h"
#include "control/net.h"
#include "control/netxml/netxml.h"
#include "control/store.h"
#include "dataplane/dp.h"
#include "dataplane/pkt.h"
#include "control/host/hostport.h"
#include "control/host/uplink.h"

#define SVC_LOG(lvl, ...) VNETD_LOG("svc", lvl, __VA_ARGS__)

struct netsvc {
	struct dhcp_server *dhcp; /* NULL when the network serves no DHCP */
	struct dns_net *dns;      /* NULL when the network serves no DNS */
	struct ctl *ctl;          /* for dns_inject */
	uint64_t dns_no_mbuf, dns_queue_full; /* DNS answers lost on the way out */
	int prefix;
	uint64_t reply_no_mbuf;   /* DHCP replies lost: mempool empty */
	uint64_t reply_queue_full;/* DHCP replies lost: the worker's inject ring full */
	uint16_t uplink;          /* the uplink's dp port (netsvc_set_uplink), DP_PORT_NONE */
	struct hostport *host;    /* the TAP named by <bridge name>, NULL: none */
	struct uplink_use *ulu;   /* its uplink (nat/route/open), NULL: none */
	uint16_t nat_pmin, nat_pmax; /* NAT ports without <nat><port> (0: 1024-65535) */
};

int netsvc_prefix(const struct netsvc *s)
{
	return s->prefix;
}

static uint32_t lease_of(unsigned secs, int infinite)
{
	if (infinite)
		return DHCP_LEASE_INFINITE;
	return secs;
}

static int dhcp_config(const struct nx_network *def, uint32_t gw, int prefix,
		       const uint8_t mac[6], struct dhcp_config *cfg, struct dhcp_host **hosts,
		       struct ctl_err *e)
{
	dhcp_config_init(cfg);
	cfg->server_ip = gw;
	cfg->prefix = prefix;
	memcpy(cfg->server_mac, mac, 6);
	/* The gateway serves DNS unless <dns enable='no'>: options 6 (the
	 * gateway) and 15 (the domain) only then, as libvirt's dnsmasq. */
	cfg->dns_enabled = nx_dns_enabled(def);
	if (nx_domain(def) && cfg->dns_enabled)
		snprintf(cfg->domain, sizeof(cfg->domain), "%s", nx_domain(def));
	cfg->mtu = (uint16_t)nx_mtu(def);
	/* The lease file is rewritten by the 1 s tick, not fsync'd per binding
	 * (a crash loses at most a second of new leases; clients re-confirm
	 * them with INIT-REBOOT, which the authoritative server ACKs). */
	cfg->deferred_saves = 1;
	/* Floods are bounded per port by the dataplane (--punt-rate) and per
	 * client MAC by the server; no server-wide cap on top. */
	cfg->rl_global_rate = DHCP_RL_OFF;
	cfg->rl_global_burst = DHCP_RL_OFF;
	size_t nr = nx_dhcp_range_count(def);
	if (nr > DHCP_MAX_RANGES)
		return ctl_fail(e, EINVAL, 400, "config-unsupported",
				"unsupported configuration: more than %d DHCP ranges", DHCP_MAX_RANGES);
	for (size_t i = 0; i < nr; i++) {
		unsigned secs;
		int inf;
		struct dhcp_range *r = &cfg->ranges[cfg->n_ranges++];
		nx_dhcp_range(def, i, &r->start, &r->end, &secs, &inf);
		r->lease_secs = lease_of(secs, inf);
	}
	size_t nh = nx_dhcp_host_count(def);
	*hosts = nh ? calloc(nh, sizeof(**hosts)) : NULL;
	if (nh && !*hosts)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	for (size_t i = 0; i < nh; i++) {
		int has_mac, inf;
		const char *name;
		unsigned secs;
		struct dhcp_host *h = &(*hosts)[cfg->n_hosts];
		nx_dhcp_host(def, i, &has_mac, h->mac, &name, &h->ip, &secs, &inf);
		if (!has_mac)
			memset(h->mac, 0, 6);
		if (name)
			snprintf(h->name, sizeof(h->name), "%s", name);
		h->lease_secs = lease_of(secs, inf);
		if (h->ip)
			cfg->n_hosts++;
	}
	cfg->hosts = *hosts;
	for (size_t i = 0; i < nx_route_count(def) && cfg->n_routes < DHCP_MAX_ROUTES; i++) {
		int fam, pfx;
		const char *addr, *gwa;
		unsigned metric;
		struct in_addr a, g;
		nx_route(def, i, &fam, &addr, &pfx, &gwa, &metric);
		if (fam != AF_INET || inet_pton(AF_INET, addr, &a) != 1 ||
		    inet_pton(AF_INET, gwa, &g) != 1)
			continue;
		cfg->routes[cfg->n_routes++] = (struct dhcp_route){
			.dst = ntohl(a.s_addr), .prefix = pfx, .gw = ntohl(g.s_addr) };
	}
	return 0;
}

/* The network's DHCP server, created from its definition; its leases are
 * reloaded from the lease file. */
static struct dhcp_server *dhcp_create(struct ctl *c, const struct nx_network *def, uint32_t gw,
				       int prefix, const uint8_t mac[6], struct ctl_err *e)
{
	struct dhcp_config cfg;
	struct dhcp_host *hosts = NULL;
	char path[512];
	if (dhcp_config(def, gw, prefix, mac, &cfg, &hosts, e) < 0) {
		free(hosts);
		return NULL;
	}
	store_mkdir(c->state, "dhcp");
	snprintf(path, sizeof(path), "%s/dhcp/%s.status", store_dir(c->state), nx_name(def));
	struct dhcp_server *d = dhcp_server_create(&cfg, path);
	free(hosts);
	if (!d) {
		ctl_fail(e, EINVAL, 400, "config-unsupported",
			 "unsupported configuration: the DHCP settings of network '%s' cannot be served",
			 nx_name(def));
		return NULL;
	}
	int lr = dhcp_server_load_status(d);
	if (lr < 0 && lr != -ENOENT)
		SVC_LOG(WARNING, "network '%s': lease file %s unreadable (%s); starting empty\n",
			nx_name(def), path, strerror(-lr));
	return d;
}

/* ---- DNS (control/dns/): the network's server, its lifecycle and frames ---- */

/* Answers that come later (upstream replies, TCP) leave like DHCP replies. */
static void dns_inject(void *ctx, uint16_t port, const uint8_t *frame, size_t len)
{
	struct netsvc *s = ctx;
	struct rte_mbuf *r = rte_pktmbuf_alloc(dp_mempool(s->ctl->dp));
	char *d = r ? rte_pktmbuf_append(r, (uint16_t)len) : NULL;
	if (!d) {
		rte_pktmbuf_free(r);
		s->dns_no_mbuf++;
		return;
	}
	memcpy(d, frame, len);
	if (dp_inject(s->ctl->dp, port, r) < 0)
		s->dns_queue_full++;
}

static void dns_sync_leases(struct netsvc *s);

/* Served on every network with an IPv4 <ip> unless <dns enable='no'>. */
static int dns_start(struct netsvc *s, const struct nx_network *def, uint32_t gw,
		     const uint8_t mac[6], struct ctl_err *e)
{
	if (!nx_dns_enabled(def))
		return 0;
	s->dns = dns_net_new(def, gw, mac, "/etc/resolv.conf", dns_inject, s);
	if (!s->dns)
		return ctl_fail(e, ENOMEM, 500, "internal-error",
				"internal error: cannot start the DNS server of network '%s'",
				nx_name(def));
	dns_sync_leases(s);
	return 0;
}

/* The leases' hostnames into the zone (rebuilt only when they changed). */
static void dns_sync_leases(struct netsvc *s)
{
	if (!s->dns)
		return;
	if (!s->dhcp) { /* DHCP withdrawn by net-update: its names go */
		dns_net_leases(s->dns, NULL, 0);
		return;
	}
	size_t n = netsvc_leases(s, NULL, NULL, 0);
	struct dhcp_lease_info *l = n ? calloc(n, sizeof(*l)) : NULL;
	if (n && !l)
		return;
	n = l ? netsvc_leases(s, NULL, l, n) : 0;
	dns_net_leases(s->dns, l, n);
	free(l);
}

/* Is this DHCP reply frame an ACK?  (Only bindings change the names; the
 * rest, releases and expiries, are picked up by the tick.) */
static bool dns_reply_is_ack(const uint8_t *reply, size_t len)
{
	const size_t b = DHCP_FRAME_HDR_LEN + DHCP_OPTIONS_OFFSET;
	struct dhcp_opts o;
	if (len <= b)
		return false;
	memset(&o, 0, sizeof(o));
	dhcp_opts_decode(reply + b, len - b, &o);
	return o.ptr[DHCP_OPT_MSG_TYPE] && o.len[DHCP_OPT_MSG_TYPE] == 1 &&
	       o.ptr[DHCP_OPT_MSG_TYPE][0] == DHCP_ACK;
}

static void dns_tick(struct netsvc *s)
{
	if (!s || !s->dns)
		return;
	dns_server_tick(dns_net_server(s->dns));
	dns_sync_leases(s);
}

/* UDP or TCP port 53 (the workers punt DNS only to the gateway's address). */
static bool dns_is_query(const struct netsvc *s, const uint8_t *f, size_t len)
{
	struct pkt_meta m;
	return s->dns && pkt_parse(f, len, true, &m) == 0 && m.l4_off &&
	       (m.proto == 17 || m.proto == 6) && m.dport == htons(53);
}

static int dns_frame(struct netsvc *s, uint16_t port, const uint8_t *f, size_t len,
		     uint8_t *reply, size_t cap)
{
	return dns_server_frame(dns_net_server(s->dns), port, f, len, reply, cap);
}

int netsvc_dns_stats(const struct netsvc *s, struct netsvc_dns_stats *out)
{
	if (!s || !s->dns)
		return -ENOENT;
	dns_server_get_stats(dns_net_server(s->dns), &out->server);
	out->reply_no_mbuf = s->dns_no_mbuf;
	out->reply_queue_full = s->dns_queue_full;
	return 0;
}

static bool serves_dhcp(const struct nx_network *def)
{
	return nx_dhcp_range_count(def) || nx_dhcp_host_count(def);
}

/* The network's <forward> (mode, NAT range) to the dataplane. */
static int l3_apply(struct dp *dp, uint16_t dp_net, const struct nx_network *def, uint16_t uplink,
		    const struct netsvc *s)
{
	struct dp_net_l3 c;
	int r = l3_config(def, uplink, &c);
	if (r == 0 && c.mode == DP_FWD_NAT && !c.nat_port_min && s->nat_pmin) {
		c.nat_port_min = s->nat_pmin;
		c.nat_port_max = s->nat_pmax;
	}
	return r < 0 ? r : dp_net_set_l3(dp, dp_net, &c);
}

struct netsvc *netsvc_start(struct ctl *c, const struct nx_network *def, uint16_t dp_net,
			    struct ctl_err *e)
{
	struct netsvc *s = calloc(1, sizeof(*s));
	uint32_t gw;
	int prefix;
	uint8_t mac[6];

	if (!s) {
		ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
		return NULL;
	}
	s->uplink = DP_PORT_NONE;
	if (nx_ipv4(def, &gw, &prefix) < 0 || nx_mac(def, mac) < 0)
		return s; /* no IPv4 subnet here: nothing to serve */
	s->prefix = prefix;
	s->ctl = c;
	if (serves_dhcp(def) && !(s->dhcp = dhcp_create(c, def, gw, prefix, mac, e))) {
		free(s);
		return NULL;
	}
	if (dns_start(s, def, gw, mac, e) < 0) {
		dhcp_server_free(s->dhcp);
		free(s);
		return NULL;
	}
	struct dp_gw g = { .ip = htonl(gw), .dhcp = s->dhcp != NULL, .dns = s->dns != NULL };
	memcpy(g.mac, mac, 6);
	int r = dp_net_set_gateway(c->dp, dp_net, &g);
	if (r < 0) {
		dhcp_server_free(s->dhcp);
		dns_net_free(s->dns);
		free(s);
		ctl_fail(e, -r, 500, "internal-error", "internal error: cannot set the gateway: %s",
			 strerror(-r));
		return NULL;
	}
	if ((r = l3_apply(c->dp, dp_net, def, s->uplink, s)) < 0) /* <forward>: mode, NAT range */
		SVC_LOG(WARNING, "network '%s': forward settings not applied (%s)\n", nx_name(def),
			strerror(-r));
	s->host = hostport_start(c, def, dp_net); /* hd */
	s->ulu = uplink_net_start(c, s, def, dp_net); /* calls netsvc_set_uplink */
	return s;
}

int netsvc_reconfigure(struct ctl *c, struct netsvc *s, const struct nx_network *def,
		       uint16_t dp_net, struct ctl_err *e)
{
	uint32_t gw;
	int prefix;
	uint8_t mac[6];

	if (!s || nx_ipv4(def, &gw, &prefix) < 0 || nx_mac(def, mac) < 0)
		return 0; /* no IPv4 subnet (net-update cannot add one) */
	if (s->dns && dns_net_reconfigure(s->dns, def) < 0)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	bool want = serves_dhcp(def);
	if (want && s->dhcp) {
		/* Same server, new ranges and hosts: the leases that are still
		 * valid stay, the clients keep their addresses. */
		struct dhcp_config cfg;
		struct dhcp_host *hosts = NULL;
		int rc = dhcp_config(def, gw, prefix, mac, &cfg, &hosts, e);
		if (rc == 0 && (rc = dhcp_server_reconfigure(s->dhcp, &cfg)) < 0)
			ctl_fail(e, -rc, 400, "config-unsupported",
				 "unsupported configuration: the DHCP settings of network '%s' cannot be served",
				 nx_name(def));
		free(hosts);
		return rc < 0 ? -EINVAL : 0;
	}
	if (want == (s->dhcp != NULL))
		return 0;
	/* DHCP starts or stops: the workers punt DHCP only while it is served. */
	struct dhcp_server *d = NULL;
	if (want && !(d = dhcp_create(c, def, gw, prefix, mac, e)))
		return -EINVAL;
	struct dp_gw g = { .ip = htonl(gw), .dhcp = want, .dns = s->dns != NULL };
	memcpy(g.mac, mac, 6);
	int r = dp_net_set_gateway(c->dp, dp_net, &g);
	if (r < 0) {
		dhcp_server_free(d);
		return ctl_fail(e, -r, 500, "internal-error",
				"internal error: cannot set the gateway: %s", strerror(-r));
	}
	if (s->dhcp) {
		dhcp_server_flush(s->dhcp);
		dhcp_server_free(s->dhcp);
	}
	s->dhcp = d;
	dns_sync_leases(s);
	return 0;
}

void netsvc_stop(struct ctl *c, struct netsvc *s, uint16_t dp_net)
{
	if (!s)
		return;
	uplink_net_stop(c, s->ulu, dp_net); /* hd */
	hostport_stop(c, s->host, dp_net); /* hd */
	dp_ct_flush(c->dp, dp_net); /* its sessions and NAT ports */
	dp_net_set_gateway(c->dp, dp_net, NULL);
	if (s->dhcp) {
		dhcp_server_flush(s->dhcp);
		dhcp_server_free(s->dhcp);
	}
	dns_net_free(s->dns);
	free(s);
}

int netsvc_frame(struct netsvc *s, uint16_t port, const uint8_t *frame, size_t len,
		 uint8_t *reply, size_t cap)
{
	if (dns_is_query(s, frame, len))
		return dns_frame(s, port, frame, len, reply, cap);
	if (!s->dhcp)
		return 0;
	int r = dhcp_server_handle(s->dhcp, frame, len, time(NULL), reply, cap);
	if (r > 0 && dns_reply_is_ack(reply, (size_t)r))
		dns_sync_leases(s); /* a binding: its hostname resolves at once */
	return r > 0 ? r : 0;
}

void netsvc_tick(struct netsvc *s)
{
	if (s && s->dhcp)
		dhcp_server_tick(s->dhcp, time(NULL));
	dns_tick(s);
}

int netsvc_dhcp_stats(const struct netsvc *s, struct netsvc_dhcp_stats *out)
{
	if (!s || !s->dhcp)
		return -ENOENT;
	dhcp_server_get_stats(s->dhcp, &out->server);
	out->reply_no_mbuf = s->reply_no_mbuf;
	out->reply_queue_full = s->reply_queue_full;
	return 0;
}

size_t netsvc_leases(const struct netsvc *s, const uint8_t *mac, struct dhcp_lease_info *out,
		     size_t max)
{
	if (!s || !s->dhcp)
		return 0;
	return dhcp_server_leases(s->dhcp, time(NULL), mac, out, max);
}

size_t netsvc_static_ips(const struct netsvc *s, const uint8_t *mac, uint32_t *out, size_t max)
{
	return s && s->dhcp ? dhcp_server_static_ips(s->dhcp, mac, out, max) : 0;
}

/* A DHCP option as printable text (hostnames come from guests). */
static void opt_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; p && i < len && k + 1 < cap; i++)
		out[k++] = p[i] > 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[k] = 0;
}

static void ip_text(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr in = { .s_addr = htonl(ip) };
	inet_ntop(AF_INET, &in, out, INET_ADDRSTRLEN);
}

/* dnsmasq's log lines, one per message the server took and one per reply:
 * "DHCPDISCOVER(vnet-NET) MAC", "DHCPOFFER(vnet-NET) IP MAC",
 * "DHCPREQUEST(vnet-NET) IP MAC", "DHCPACK(vnet-NET) IP MAC HOSTNAME", ...
 * Requests the server dropped without an answer (malformed, rate limited,
 * for another server) are counted, not logged, except the answerless
 * DHCPRELEASE and DHCPDECLINE; past DHCP_LOG_PER_SEC exchanges a second
 * the rest are only counted (dhcp_log_allowed). */
#define DHCP_LOG_PER_SEC 100 /* a flood must not turn into a flood of log writes */

/* At most DHCP_LOG_PER_SEC exchanges logged per second (all networks); the
 * rest are counted and the count is logged when the next second starts. */
static bool dhcp_log_allowed(void)
{
	static time_t sec;
	static unsigned used;
	static unsigned long skipped;
	time_t now = time(NULL);
	if (now != sec) {
		if (skipped)
			SVC_LOG(WARNING, "%lu DHCP exchanges not logged (more than %d a second)\n",
				skipped, DHCP_LOG_PER_SEC);
		sec = now;
		used = 0;
		skipped = 0;
	}
	if (used < DHCP_LOG_PER_SEC) {
		used++;
		return true;
	}
	skipped++;
	return false;
}

static void log_dhcp(const char *net, const uint8_t *frame, size_t len, const uint8_t *reply,
		     int rlen)
{
	struct dhcp_msg m;
	char mac[18], ip[INET_ADDRSTRLEN] = "", host[64] = "";
	if (dhcp_parse_frame(frame, len, &m) != DHCP_DROP_NONE)
		return;
	if (rlen <= 0 && m.msg_type != DHCP_RELEASE && m.msg_type != DHCP_DECLINE)
		return;
	if (!dhcp_log_allowed())
		return;
	pkt_mac_format(m.chaddr, mac);
	opt_text(m.hostname, m.hostname_len, host, sizeof(host));
	if (m.msg_type == DHCP_REQUEST || m.msg_type == DHCP_DECLINE)
		ip_text(m.has_requested_ip ? m.requested_ip : m.ciaddr, ip);
	else if (m.msg_type == DHCP_RELEASE || m.msg_type == DHCP_INFORM)
		ip_text(m.ciaddr, ip);
	SVC_LOG(INFO, "%s(vnet-%s) %s%s%s\n", dhcp_msg_type_name(m.msg_type), net, ip,
		ip[0] ? " " : "", mac);
	/* the reply: BOOTP after the fixed-size headers dhcp_frame_finish writes */
	const size_t b = DHCP_FRAME_HDR_LEN;
	if (rlen <= 0 || (size_t)rlen < b + 240)
		return;
	struct dhcp_opts o;
	memset(&o, 0, sizeof(o));
	dhcp_opts_decode(reply + b + 240, (size_t)rlen - b - 240, &o);
	int type = o.ptr[DHCP_OPT_MSG_TYPE] && o.len[DHCP_OPT_MSG_TYPE] == 1 ?
			   o.ptr[DHCP_OPT_MSG_TYPE][0] : 0;
	uint32_t yi = dhcp_get_be32(reply + b + 16);
	pkt_mac_format(reply + b + 28, mac);
	ip[0] = 0;
	if (type == DHCP_OFFER || type == DHCP_ACK)
		ip_text(type == DHCP_ACK && !yi ? m.ciaddr : yi, ip);
	if (!host[0] && o.ptr[DHCP_OPT_HOSTNAME])
		opt_text(o.ptr[DHCP_OPT_HOSTNAME], o.len[DHCP_OPT_HOSTNAME], host, sizeof(host));
	SVC_LOG(INFO, "%s(vnet-%s) %s%s%s%s%s\n", dhcp_msg_type_name(type), net, ip,
		ip[0] ? " " : "", mac, type == DHCP_ACK && host[0] ? " " : "",
		type == DHCP_ACK ? host : "");
}

void netsvc_process_punted(struct ctl *c)
{
	struct rte_mbuf *m[32];
	uint8_t reply[DHCP_REPLY_MAX_CAP];
	unsigned n;

	while ((n = dp_punt_dequeue(c->dp, m, 32)) > 0) {
		/* the answers to these frames: one wake of the worker at the end */
		dp_inject_batch(c->dp, true);
		for (unsigned i = 0; i < n; i++) {
			uint16_t port = m[i]->port;
			int dpn = dp_port_net(c->dp, port);
			struct net *net = dpn >= 0 ? netreg_find_dp(c->nets, (uint16_t)dpn) : NULL;
			struct netsvc *s = net ? net_svc(net) : NULL;
			int len = 0;
			if (s) {
				const uint8_t *f = rte_pktmbuf_mtod(m[i], const uint8_t *);
				len = netsvc_frame(s, port, f, rte_pktmbuf_data_len(m[i]), reply,
						   sizeof(reply));
				log_dhcp(net_name(net), f, rte_pktmbuf_data_len(m[i]), reply, len);
			}
			rte_pktmbuf_free(m[i]);
			if (len <= 0)
				continue;
			struct rte_mbuf *r = rte_pktmbuf_alloc(dp_mempool(c->dp));
			char *d = r ? rte_pktmbuf_append(r, (uint16_t)len) : NULL;
			if (!d) {
				rte_pktmbuf_free(r);
				s->reply_no_mbuf++;
				continue;
			}
			memcpy(d, reply, (size_t)len);
			if (dp_inject(c->dp, port, r) < 0)
				s->reply_queue_full++; /* or the port went away */
		}
		dp_inject_batch(c->dp, false);
	}
}

int netsvc_set_uplink(struct ctl *c, struct netsvc *s, const struct nx_network *def,
		      uint16_t dp_net, uint16_t uplink)
{
	if (!s)
		return -ENOENT;
	int r = l3_apply(c->dp, dp_net, def, uplink, s);
	if (r == 0)
		s->uplink = uplink;
	return r;
}

void netsvc_set_nat_ports(struct netsvc *s, uint16_t min, uint16_t max)
{
	if (s) {
		s->nat_pmin = min;
		s->nat_pmax = max;
	}
}

uint16_t netsvc_uplink(const struct netsvc *s)
{
	return s ? s->uplink : DP_PORT_NONE;
}
