/* api.c — request execution: networks, ports, statistics. */
#include "control/api.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "control/api_ct.h"
#include "control/policy/api_sg.h"
#include "control/dhcp/dhcp_lease.h"
#include "control/log.h"
#include "control/net.h"
#include "control/netsvc.h"
#include "control/netxml/netxml.h"
#include "control/port.h"
#include "control/policy/trace.h"
#include "dataplane/dp.h"
#include "dataplane/pkt.h"

json_t *api_error_json(const struct ctl_err *e)
{
	const char *code = e->code ? e->code : "internal-error";
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", e->msg);
	if (!j) {
		/* a message that echoes bytes which are not UTF-8: every request
		 * gets an answer, so send it with those bytes replaced */
		char m[sizeof(e->msg)];
		size_t i;
		for (i = 0; i + 1 < sizeof(m) && e->msg[i]; i++)
			m[i] = (unsigned char)e->msg[i] < 0x80 ? e->msg[i] : '?';
		m[i] = 0;
		j = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", m);
	}
	return j;
}

static json_t *net_json(const struct net *n)
{
	char uuid[37], uns[512] = "";
	net_uuid_str(n, uuid);
	net_unsupported(n, uns, sizeof(uns));
	json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:b, s:s}", "name", net_name(n), "uuid", uuid,
			      "active", net_active(n), "persistent", net_persistent(n),
			      "autostart", net_autostart(n), "unsupported", uns);
	if (o && net_bridge(n))
		json_object_set_new(o, "bridge", json_string(net_bridge(n)));
	return o;
}

static json_t *stats_json(const struct dp_port_stats *s)
{
	json_t *d = json_object();
	for (unsigned i = 0; i < DP_DROP_MAX; i++)
		json_object_set_new(d, dp_drop_name(i), json_integer((json_int_t)s->drops[i]));
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "rx_packets",
			 (json_int_t)s->rx_packets, "rx_bytes", (json_int_t)s->rx_bytes,
			 "rx_dropped", (json_int_t)s->rx_dropped, "tx_packets",
			 (json_int_t)s->tx_packets, "tx_bytes", (json_int_t)s->tx_bytes,
			 "tx_dropped", (json_int_t)s->tx_dropped, "forwarded",
			 (json_int_t)s->forwarded, "flooded", (json_int_t)s->flooded,
			 "gw_replies", (json_int_t)s->gw_replies, "punted", (json_int_t)s->punted,
			 "drops", d);
	json_object_set_new(o, "capture_dropped", json_integer((json_int_t)s->capture_dropped));
	return o;
}

static json_t *port_json(struct ctl *c, const struct port *p)
{
	struct port_info i;
	struct dp_port_stats st = { 0 };
	char mac[18];
	port_info(c->ports, p, &i);
	if (i.dp_id >= 0)
		dp_port_stats(c->dp, (uint16_t)i.dp_id, &st);
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:i, s:o}", "name", i.name,
			      "network", i.network, "type", i.ifname ? "kernel" : "vhost-user",
			      "learning", i.learning, "bound", i.bound, "connected", i.connected,
			      "queues", (int)i.queues, "stats", stats_json(&st));
	if (o && i.ifname) {
		json_object_set_new(o, "interface", json_string(i.ifname));
	} else if (o) {
		json_object_set_new(o, "mode", json_string(i.client ? "client" : "server"));
		json_object_set_new(o, "path", json_string(i.path));
	}
	if (o && i.has_mac) {
		pkt_mac_format(i.mac, mac);
		json_object_set_new(o, "mac", json_string(mac));
	}
	if (o)
		port_sec_json(p, o);
	return o;
}

/* The DHCP server's counters, for GET /v1/networks/NAME (NULL: no DHCP). */
static json_t *dhcp_json(const struct net *n)
{
	struct netsvc_dhcp_stats st;
	const struct netsvc *s = net_svc(n);
	if (!s || netsvc_dhcp_stats(s, &st) < 0)
		return NULL;
	const struct dhcp_stats *d = &st.server;
	json_t *drops = json_object();
	uint64_t malformed = 0;
	for (unsigned i = 1; i < DHCP_DROP_MAX; i++) {
		json_object_set_new(drops, dhcp_drop_name(i), json_integer((json_int_t)d->drops[i]));
		if (i <= DHCP_DROP_BAD_MSG_TYPE)
			malformed += d->drops[i];
	}
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "received",
			      (json_int_t)d->rx, "replies", (json_int_t)d->tx, "offers",
			      (json_int_t)d->tx_offer, "acks", (json_int_t)d->tx_ack, "naks",
			      (json_int_t)d->tx_nak, "no_address", (json_int_t)d->no_address,
			      "ignored", (json_int_t)d->ignored, "other_server",
			      (json_int_t)d->other_server, "malformed", (json_int_t)malformed,
			      "rate_limited", (json_int_t)d->drops[DHCP_DROP_RATE_LIMITED]);
	json_object_set_new(o, "drops", drops);
	json_object_set_new(o, "replies_lost",
			    json_pack("{s:I, s:I, s:I}", "no_mbuf", (json_int_t)st.reply_no_mbuf,
				      "queue_full", (json_int_t)st.reply_queue_full, "no_room",
				      (json_int_t)d->reply_no_room));
	return o;
}

/* The DNS server's counters, for GET /v1/networks/NAME (NULL: no DNS). */
static json_t *dns_json(const struct net *n)
{
	struct netsvc_dns_stats st;
	const struct netsvc *s = net_svc(n);
	if (!s || netsvc_dns_stats(s, &st) < 0)
		return NULL;
	const struct dns_server_stats *d = &st.server;
#define I(x) (json_int_t)(x)
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "queries", I(d->queries), "queries_tcp", I(d->queries_tcp),
			      "local", I(d->local), "local_nxdomain", I(d->local_nxdomain),
			      "cached", I(d->cached), "forwarded", I(d->forwarded),
			      "upstream_answers", I(d->upstream_answers), "servfail", I(d->servfail),
			      "refused", I(d->refused), "truncated", I(d->truncated));
	json_object_set_new(o, "drops", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
			    "malformed", I(d->malformed), "rate_limited", I(d->rate_limited),
			    "pending_full", I(d->pending_full), "stale_replies", I(d->stale_replies),
			    "no_mbuf", I(st.reply_no_mbuf), "queue_full", I(st.reply_queue_full)));
	json_object_set_new(o, "errors", json_pack("{s:I, s:I}", "formerr", I(d->formerr),
			    "notimp", I(d->notimp)));
	json_object_set_new(o, "tcp", json_pack("{s:I, s:I, s:I, s:I}", "connections",
			    I(d->tcp_conns), "refused", I(d->tcp_refused), "resets", I(d->tcp_resets),
			    "drops", I(d->tcp_drops)));
	json_object_set_new(o, "cache", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			    "entries", I(d->cache.entries), "hits", I(d->cache.hits), "misses",
			    I(d->cache.misses), "inserts", I(d->cache.inserts), "evictions",
			    I(d->cache.evictions), "expired", I(d->cache.expired), "uncacheable",
			    I(d->cache.uncacheable)));
	json_object_set_new(o, "upstream", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			    "servers", I(d->fwd.servers), "pending", I(d->fwd.pending), "sent",
			    I(d->fwd.sent), "retries", I(d->fwd.retries), "timeouts",
			    I(d->fwd.timeouts), "replies", I(d->fwd.replies), "bad_replies",
			    I(d->fwd.bad_replies), "tcp_retries", I(d->fwd.tcp_retries),
			    "tcp_failed", I(d->fwd.tcp_failed), "socket_errors",
			    I(d->fwd.socket_errors)));
#undef I
	return o;
}

#define API_LOG(lvl, ...) VNETD_LOG("api", lvl, __VA_ARGS__)

static int no_network(const char *id, struct ctl_err *e)
{
	return ctl_fail(e, ENOENT, 404, "no-network",
			"Network not found: no network with matching name '%s'", id);
}

static bool keep(const struct net *n, unsigned f)
{
	if ((f & (API_F_ACTIVE | API_F_INACTIVE)) &&
	    !((f & API_F_ACTIVE && net_active(n)) || (f & API_F_INACTIVE && !net_active(n))))
		return false;
	if ((f & (API_F_PERSISTENT | API_F_TRANSIENT)) &&
	    !((f & API_F_PERSISTENT && net_persistent(n)) ||
	      (f & API_F_TRANSIENT && !net_persistent(n))))
		return false;
	if ((f & (API_F_AUTOSTART | API_F_NO_AUTOSTART)) &&
	    !((f & API_F_AUTOSTART && net_autostart(n)) ||
	      (f & API_F_NO_AUTOSTART && !net_autostart(n))))
		return false;
	return true;
}

static int do_networks(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e)
{
	struct net *n = NULL;
	bool gone = false;
	int rc = 0;

	if (r->route == API_NET_LIST) {
		json_t *a = json_array();
		for (size_t i = 0; i < netreg_count(c->nets); i++) {
			struct net *x = netreg_at(c->nets, i);
			if (keep(x, r->filter))
				json_array_append_new(a, net_json(x));
		}
		*out = json_pack("{s:o}", "networks", a);
		return 200;
	}
	if (r->route == API_NET_DEFINE) {
		size_t len = strlen(r->xml);
		rc = r->create ? netreg_create_transient(c->nets, r->xml, len, &n, e)
			       : netreg_define(c->nets, r->xml, len, &n, e);
		if (rc < 0)
			return rc;
		API_LOG(NOTICE, "network '%s' %s\n", net_name(n),
			r->create ? "created (transient) and started" : "defined");
		*out = json_pack("{s:o}", "network", net_json(n));
		return 201;
	}
	n = netreg_find(c->nets, r->id);
	if (!n)
		return no_network(r->id, e);
	json_t *info = net_json(n); /* before a destroy/undefine may free n */
	switch (r->route) {
	case API_NET_GET: {
		json_t *d = dhcp_json(n);
		if (d)
			json_object_set_new(info, "dhcp", d);
		json_t *dn = dns_json(n);
		if (dn)
			json_object_set_new(info, "dns", dn);
		*out = json_pack("{s:o}", "network", info);
		return 200;
	}
	case API_NET_XML: {
		char *x = net_xml(n, r->inactive);
		if (!x) {
			json_decref(info);
			return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
		}
		json_decref(info);
		*out = json_pack("{s:s}", "xml", x);
		free(x);
		return 200;
	}
	case API_NET_START:
		rc = net_start(c->nets, n, e);
		break;
	case API_NET_DESTROY:
		rc = net_destroy(c->nets, n, &gone, e);
		break;
	case API_NET_UNDEFINE:
		rc = net_undefine(c->nets, n, &gone, e);
		break;
	case API_NET_AUTOSTART:
		rc = net_set_autostart(c->nets, n, r->autostart, e);
		break;
	case API_NET_UPDATE: {
		/* virsh's checks of the names, before anything changes */
		int cmd = nx_update_command_from(r->upd_command);
		int sec = nx_update_section_from(r->upd_section);
		unsigned applied = 0;
		if (cmd < 0 || sec < 0) {
			json_decref(info);
			return cmd < 0 ? ctl_fail(e, EINVAL, 400, "invalid-arg",
						  "unrecognized command name '%s'", r->upd_command)
				       : ctl_fail(e, EINVAL, 400, "invalid-arg",
						  "unrecognized section name '%s'", r->upd_section);
		}
		rc = net_update(c->nets, n, cmd, sec, r->parent_index, r->xml, strlen(r->xml),
				(r->upd_flags & API_UPD_LIVE ? NET_UPD_LIVE : 0) |
				(r->upd_flags & API_UPD_CONFIG ? NET_UPD_CONFIG : 0), &applied, e);
		if (rc < 0)
			break;
		json_decref(info);
		info = net_json(n);
		json_t *fa = json_array();
		if (applied & NET_UPD_LIVE)
			json_array_append_new(fa, json_string("live"));
		if (applied & NET_UPD_CONFIG)
			json_array_append_new(fa, json_string("config"));
		*out = json_pack("{s:o,s:o}", "network", info, "applied", fa);
		return 200;
	}
	case API_NET_FDB: {
		/* The whole table: grow the copy until it holds every row. */
		struct dp_fdb_row *rows = NULL;
		unsigned cap = 1024;
		int cnt;
		for (;;) {
			struct dp_fdb_row *nr = realloc(rows, (size_t)cap * sizeof(*rows));
			if (!nr) {
				free(rows);
				json_decref(info);
				return ctl_fail(e, ENOMEM, 500, "internal-error",
						"internal error: out of memory");
			}
			rows = nr;
			cnt = dp_fdb_dump(c->dp, net_dp_id(n), rows, cap);
			if (cnt < (int)cap || cap >= (1u << 24))
				break;
			cap *= 2;
		}
		json_t *a = json_array();
		for (int i = 0; i < cnt; i++) {
			char mac[18];
			const char *pn = portreg_name_of(c->ports, rows[i].port);
			pkt_mac_format(rows[i].mac, mac);
			json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:i}", "mac", mac, "port",
							   pn ? pn : "?", "static", rows[i].is_static,
							   "age", (int)rows[i].age));
		}
		free(rows);
		json_decref(info);
		*out = json_pack("{s:o}", "fdb", a);
		return 200;
	}
	default:
		json_decref(info);
		return ctl_fail(e, ENOSYS, 500, "internal-error", "internal error: unhandled route");
	}
	if (rc < 0) {
		json_decref(info);
		return rc;
	}
	{
		const char *nm = json_string_value(json_object_get(info, "name"));
		if (r->route == API_NET_START)
			API_LOG(NOTICE, "network '%s' started\n", nm);
		else if (r->route == API_NET_DESTROY)
			API_LOG(NOTICE, "network '%s' destroyed%s\n", nm, gone ? " (transient: gone)" : "");
		else if (r->route == API_NET_UNDEFINE)
			API_LOG(NOTICE, "network '%s' undefined%s\n", nm, gone ? "" : " (stays active until destroyed)");
		else if (r->route == API_NET_AUTOSTART)
			API_LOG(NOTICE, "network '%s' autostart %s\n", nm, r->autostart ? "on" : "off");
	}
	if (!gone) {
		json_decref(info);
		info = net_json(n);
	} else {
		json_object_set_new(info, "active", json_false());
		json_object_set_new(info, "persistent", json_false());
	}
	*out = json_pack("{s:o}", "network", info);
	return 200;
}

static int do_ports(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e)
{
	struct port *p;
	if (r->route == API_PORT_LIST) {
		if (r->network[0] && !netreg_find_name(c->nets, r->network))
			return no_network(r->network, e);
		json_t *a = json_array();
		for (size_t i = 0; i < portreg_count(c->ports); i++) {
			struct port_info pi;
			p = portreg_at(c->ports, i);
			port_info(c->ports, p, &pi);
			if (!r->network[0] || !strcmp(pi.network, r->network))
				json_array_append_new(a, port_json(c, p));
		}
		*out = json_pack("{s:o}", "ports", a);
		return 200;
	}
	if (r->route == API_PORT_ADD) {
		struct port_params pp = {
			.name = r->name,
			.network = r->network,
			.client = r->client,
			.ifname = r->kernel ? r->ifname : NULL,
			.path = r->path[0] ? r->path : NULL,
			.has_mac = r->has_mac,
			.learning = r->learning,
			.sec = &r->sec,
		};
		memcpy(pp.mac, r->mac, 6);
		int rc = portreg_add(c->ports, &pp, &p, e);
		if (rc < 0)
			return rc;
		*out = json_pack("{s:o}", "port", port_json(c, p));
		return 201;
	}
	p = portreg_find(c->ports, r->id);
	if (!p)
		return ctl_fail(e, ENOENT, 404, "no-port", "Port not found: no port with matching name '%s'",
				r->id);
	json_t *pj = port_json(c, p);
	if (r->route == API_PORT_STATS) {
		*out = json_pack("{s:O}", "stats", json_object_get(pj, "stats"));
		json_decref(pj);
		return 200;
	}
	if (r->route == API_PORT_TRACE) {
		json_decref(pj);
		return port_trace(c, p, r->trace, out, e);
	}
	if (r->route == API_PORT_UPDATE) {
		json_decref(pj);
		int rc = portreg_update_sec(c->ports, p, &r->sec, e);
		if (rc < 0)
			return rc;
		pj = port_json(c, p);
	}
	if (r->route == API_PORT_DEL) {
		int rc = portreg_remove(c->ports, p, e);
		if (rc < 0) {
			json_decref(pj);
			return rc;
		}
		json_object_set_new(pj, "bound", json_false());
		json_object_set_new(pj, "connected", json_false());
	}
	*out = json_pack("{s:o}", "port", pj);
	return 200;
}

static int do_leases(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e)
{
	struct net *n = netreg_find(c->nets, r->id);
	if (!n)
		return no_network(r->id, e);
	struct netsvc *s = net_svc(n);
	const uint8_t *mac = r->has_mac ? r->mac : NULL;
	/* Every lease: count, copy into a buffer of that size, and walk only
	 * what was copied (the list is read on this thread, so it cannot grow
	 * in between, but never trust the count beyond the copy). */
	size_t total = s ? netsvc_leases(s, mac, NULL, 0) : 0;
	struct dhcp_lease_info *l = total ? calloc(total, sizeof(*l)) : NULL;
	if (total && !l)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	size_t cnt = total ? netsvc_leases(s, mac, l, total) : 0;
	if (cnt > total)
		cnt = total;
	json_t *a = json_array();
	for (size_t i = 0; i < cnt; i++) {
		char mac[18], ip[INET_ADDRSTRLEN];
		struct in_addr in = { .s_addr = htonl(l[i].ip) };
		pkt_mac_format(l[i].mac, mac);
		inet_ntop(AF_INET, &in, ip, sizeof(ip));
		json_t *o = json_pack("{s:I, s:s, s:s, s:i, s:s}", "expiry-time",
				      (json_int_t)l[i].expiry, "mac-address", mac, "ip-address", ip,
				      "prefix", netsvc_prefix(s), "type", "ipv4");
		if (l[i].hostname[0])
			json_object_set_new(o, "hostname", json_string(l[i].hostname));
		if (l[i].clid_len) {
			char cid[3 * DHCP_CLID_MAX + 1];
			size_t k = 0;
			for (unsigned b = 0; b < l[i].clid_len; b++)
				k += (size_t)snprintf(cid + k, sizeof(cid) - k, "%s%02x", b ? ":" : "",
						      l[i].clid[b]);
			json_object_set_new(o, "client-id", json_string(cid));
		}
		json_array_append_new(a, o);
	}
	free(l);
	*out = json_pack("{s:o}", "leases", a);
	return 200;
}

static int do_stats(struct ctl *c, json_t **out)
{
	struct dp_stats s;
	dp_stats(c->dp, &s);
	json_t *d = json_object();
	for (unsigned i = 0; i < DP_DROP_MAX; i++)
		json_object_set_new(d, dp_drop_name(i), json_integer((json_int_t)s.drops[i]));
	*out = json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "workers",
			 (int)s.workers, "flows", (int)s.flows, "flow_hits", (json_int_t)s.flow_hits,
			 "flow_misses", (json_int_t)s.flow_misses, "flow_installs",
			 (json_int_t)s.flow_installs, "flow_table_full",
			 (json_int_t)s.flow_table_full, "loops", (json_int_t)s.loops, "sleeps",
			 (json_int_t)s.sleeps, "wakeups", (json_int_t)s.wakeups, "drops", d);
	json_object_set_new(*out, "busy_cycles", json_integer((json_int_t)s.busy_cycles));
	json_object_set_new(*out, "busy_loops", json_integer((json_int_t)s.busy_loops));
	json_object_set_new(*out, "tsc_hz", json_integer((json_int_t)s.tsc_hz));
	json_object_set_new(*out, "gw_replies", json_integer((json_int_t)s.gw_replies));
	json_object_set_new(*out, "punted", json_integer((json_int_t)s.punted));
	json_object_set_new(*out, "injected", json_integer((json_int_t)s.injected));
	json_object_set_new(*out, "mac_moves", json_integer((json_int_t)s.mac_moves));
	json_object_set_new(*out, "fdb_full", json_integer((json_int_t)s.fdb_full));
	return 200;
}

int api_execute(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e)
{
	*out = NULL;
	switch (r->route) {
	case API_NET_LIST: case API_NET_DEFINE: case API_NET_GET: case API_NET_XML:
	case API_NET_START: case API_NET_DESTROY: case API_NET_UNDEFINE:
	case API_NET_AUTOSTART: case API_NET_FDB: case API_NET_UPDATE:
		return do_networks(c, r, out, e);
	case API_NET_LEASES:
		return do_leases(c, r, out, e);
	case API_PORT_LIST: case API_PORT_ADD: case API_PORT_GET: case API_PORT_STATS:
	case API_PORT_DEL:
		return do_ports(c, r, out, e);
	case API_STATS:
		return do_stats(c, out);
	case API_VERSION:
		*out = json_pack("{s:s}", "version", VNETD_VERSION);
		return 200;
	case API_PORT_CAPTURE: /* a stream: api_http.c's capture_respond */
		break;
	/* port forwarding, connection tracking */
	case API_PF_LIST: case API_PF_ADD: case API_PF_DEL: case API_CT_LIST: case API_CT_FLUSH:
		return api_ct_execute(c, r, out, e);
	/* security groups */
	case API_SG_LIST: case API_SG_CREATE: case API_SG_GET: case API_SG_UPDATE:
	case API_SG_DEL: case API_SGR_LIST: case API_SGR_CREATE: case API_SGR_GET:
	case API_SGR_DEL:
		return api_sg_execute(c, r, out, e);
	case API_PORT_UPDATE: case API_PORT_TRACE:
		return do_ports(c, r, out, e);
	}
	return ctl_fail(e, ENOSYS, 500, "internal-error", "internal error: unhandled route");
}

/* ---- GET /metrics: Prometheus text exposition format 0.0.4 ---- */

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name, const char *k1, const char *v1, const char *k2,
		   const char *v2, uint64_t val)
{
	fputs(name, f);
	if (k1) {
		fprintf(f, "{%s=\"", k1);
		label(f, v1);
		fputc('"', f);
		if (k2) {
			fprintf(f, ",%s=\"", k2);
			label(f, v2);
			fputc('"', f);
		}
		fputc('}', f);
	}
	fprintf(f, " %llu\n", (unsigned long long)val);
}

static void port_metrics(struct ctl *c, FILE *f)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} pm[] = {
		{ "vnetd_port_rx_packets_total", "Frames received from the port (sent by the VM).",
		  offsetof(struct dp_port_stats, rx_packets) },
		{ "vnetd_port_rx_bytes_total", "Bytes received from the port.",
		  offsetof(struct dp_port_stats, rx_bytes) },
		{ "vnetd_port_rx_dropped_total", "Frames from the port that were dropped.",
		  offsetof(struct dp_port_stats, rx_dropped) },
		{ "vnetd_port_tx_packets_total", "Frames sent to the port (to the VM).",
		  offsetof(struct dp_port_stats, tx_packets) },
		{ "vnetd_port_tx_bytes_total", "Bytes sent to the port.",
		  offsetof(struct dp_port_stats, tx_bytes) },
		{ "vnetd_port_tx_dropped_total", "Frames for the port that could not be sent.",
		  offsetof(struct dp_port_stats, tx_dropped) },
	};
	size_t n = portreg_count(c->ports);
	struct dp_port_stats *st = calloc(n ? n : 1, sizeof(*st));
	if (!st)
		return;
	for (size_t i = 0; i < n; i++) {
		struct port_info pi;
		port_info(c->ports, portreg_at(c->ports, i), &pi);
		if (pi.dp_id >= 0)
			dp_port_stats(c->dp, (uint16_t)pi.dp_id, &st[i]);
	}
	for (size_t m = 0; m < sizeof(pm) / sizeof(pm[0]); m++) {
		head(f, pm[m].name, "counter", pm[m].help);
		for (size_t i = 0; i < n; i++) {
			struct port_info pi;
			port_info(c->ports, portreg_at(c->ports, i), &pi);
			sample(f, pm[m].name, "port", pi.name, "network", pi.network,
			       *(const uint64_t *)((const char *)&st[i] + pm[m].off));
		}
	}
	head(f, "vnetd_port_connected", "gauge",
	     "1 when the port's VMM (or kernel interface) is connected, else 0.");
	for (size_t i = 0; i < n; i++) {
		struct port_info pi;
		port_info(c->ports, portreg_at(c->ports, i), &pi);
		sample(f, "vnetd_port_connected", "port", pi.name, "network", pi.network, pi.connected);
	}
	free(st);
}

static void net_metrics(struct ctl *c, FILE *f)
{
	size_t n = netreg_count(c->nets), np = portreg_count(c->ports);
	head(f, "vnetd_network_active", "gauge", "1 when the network is active, else 0.");
	for (size_t i = 0; i < n; i++) {
		const struct net *x = netreg_at(c->nets, i);
		sample(f, "vnetd_network_active", "network", net_name(x), NULL, NULL, net_active(x));
	}
	head(f, "vnetd_network_ports", "gauge", "Ports defined on the network.");
	for (size_t i = 0; i < n; i++) {
		const struct net *x = netreg_at(c->nets, i);
		uint64_t cnt = 0;
		for (size_t k = 0; k < np; k++) {
			struct port_info pi;
			port_info(c->ports, portreg_at(c->ports, k), &pi);
			cnt += !strcmp(pi.network, net_name(x));
		}
		sample(f, "vnetd_network_ports", "network", net_name(x), NULL, NULL, cnt);
	}
	/* DHCP: one set per network that serves it */
	struct netsvc_dhcp_stats *ds = calloc(n ? n : 1, sizeof(*ds));
	bool *has = calloc(n ? n : 1, sizeof(*has));
	if (!ds || !has) {
		free(ds);
		free(has);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct netsvc *s = net_svc(netreg_at(c->nets, i));
		has[i] = s && netsvc_dhcp_stats(s, &ds[i]) == 0;
	}
#define EACH_DHCP(stmt)                                                    \
	for (size_t i = 0; i < n; i++) {                                   \
		if (!has[i])                                               \
			continue;                                          \
		const char *nn = net_name(netreg_at(c->nets, i));          \
		const struct dhcp_stats *d = &ds[i].server;                \
		(void)d;                                                   \
		stmt;                                                      \
	}
	head(f, "vnetd_dhcp_received_total", "counter", "DHCP frames given to the network's DHCP server.");
	EACH_DHCP(sample(f, "vnetd_dhcp_received_total", "network", nn, NULL, NULL, d->rx));
	head(f, "vnetd_dhcp_replies_total", "counter", "DHCP replies sent, by message type.");
	EACH_DHCP(sample(f, "vnetd_dhcp_replies_total", "network", nn, "type", "offer", d->tx_offer);
		  sample(f, "vnetd_dhcp_replies_total", "network", nn, "type", "ack", d->tx_ack);
		  sample(f, "vnetd_dhcp_replies_total", "network", nn, "type", "nak", d->tx_nak));
	head(f, "vnetd_dhcp_no_address_total", "counter",
	     "DHCP requests not served: no free address in the ranges.");
	EACH_DHCP(sample(f, "vnetd_dhcp_no_address_total", "network", nn, NULL, NULL, d->no_address));
	head(f, "vnetd_dhcp_drops_total", "counter", "DHCP frames dropped by the server, by reason.");
	EACH_DHCP(for (unsigned r = 1; r < DHCP_DROP_MAX; r++)
			  sample(f, "vnetd_dhcp_drops_total", "network", nn, "reason", dhcp_drop_name(r),
				 d->drops[r]));
	head(f, "vnetd_dhcp_replies_lost_total", "counter", "DHCP replies produced but not sent, by reason.");
	EACH_DHCP(sample(f, "vnetd_dhcp_replies_lost_total", "network", nn, "reason", "no_mbuf",
			 ds[i].reply_no_mbuf);
		  sample(f, "vnetd_dhcp_replies_lost_total", "network", nn, "reason", "queue_full",
			 ds[i].reply_queue_full);
		  sample(f, "vnetd_dhcp_replies_lost_total", "network", nn, "reason", "no_room",
			 d->reply_no_room));
	head(f, "vnetd_dhcp_leases", "gauge", "Active DHCP leases.");
	EACH_DHCP(sample(f, "vnetd_dhcp_leases", "network", nn, NULL, NULL,
			 netsvc_leases(net_svc(netreg_at(c->nets, i)), NULL, NULL, 0)));
#undef EACH_DHCP
	free(ds);
	free(has);
}

/* DNS: one set per network that serves it. */
static void dns_metrics(struct ctl *c, FILE *f)
{
	size_t n = netreg_count(c->nets);
	struct netsvc_dns_stats *ds = calloc(n ? n : 1, sizeof(*ds));
	bool *has = calloc(n ? n : 1, sizeof(*has));
	if (!ds || !has) {
		free(ds);
		free(has);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct netsvc *s = net_svc(netreg_at(c->nets, i));
		has[i] = s && netsvc_dns_stats(s, &ds[i]) == 0;
	}
#define EACH_DNS(stmt)                                                     \
	for (size_t i = 0; i < n; i++) {                                   \
		if (!has[i])                                               \
			continue;                                          \
		const char *nn = net_name(netreg_at(c->nets, i));          \
		const struct dns_server_stats *d = &ds[i].server;          \
		stmt;                                                      \
	}
	head(f, "vnetd_dns_queries_total", "counter", "DNS queries answered or forwarded, by how.");
	EACH_DNS(sample(f, "vnetd_dns_queries_total", "network", nn, "answer", "local", d->local);
		 sample(f, "vnetd_dns_queries_total", "network", nn, "answer", "local_nxdomain",
			d->local_nxdomain);
		 sample(f, "vnetd_dns_queries_total", "network", nn, "answer", "cached", d->cached);
		 sample(f, "vnetd_dns_queries_total", "network", nn, "answer", "forwarded",
			d->forwarded));
	head(f, "vnetd_dns_drops_total", "counter", "DNS queries dropped, by reason.");
	EACH_DNS(sample(f, "vnetd_dns_drops_total", "network", nn, "reason", "malformed", d->malformed);
		 sample(f, "vnetd_dns_drops_total", "network", nn, "reason", "rate_limited",
			d->rate_limited);
		 sample(f, "vnetd_dns_drops_total", "network", nn, "reason", "pending_full",
			d->pending_full));
	head(f, "vnetd_dns_upstream_failures_total", "counter", "Forwarded DNS queries answered SERVFAIL.");
	EACH_DNS(sample(f, "vnetd_dns_upstream_failures_total", "network", nn, NULL, NULL, d->servfail));
	head(f, "vnetd_dns_cache_entries", "gauge", "Answers in the DNS cache.");
	EACH_DNS(sample(f, "vnetd_dns_cache_entries", "network", nn, NULL, NULL, d->cache.entries));
#undef EACH_DNS
	free(ds);
	free(has);
}

char *api_metrics(struct ctl *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	port_metrics(c, f);
	net_metrics(c, f);
	dns_metrics(c, f);
	struct dp_stats s;
	dp_stats(c->dp, &s);
	head(f, "vnetd_drops_total", "counter", "Frames the dataplane dropped, by reason.");
	for (unsigned i = 0; i < DP_DROP_MAX; i++)
		sample(f, "vnetd_drops_total", "reason", dp_drop_name(i), NULL, NULL, s.drops[i]);
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} dm[] = {
		{ "vnetd_flow_hits_total", "counter", "Frames forwarded by a flow (session) cache hit.",
		  offsetof(struct dp_stats, flow_hits) },
		{ "vnetd_flow_misses_total", "counter", "Frames that missed the flow cache.",
		  offsetof(struct dp_stats, flow_misses) },
		{ "vnetd_flow_installs_total", "counter", "Flows (sessions) installed.",
		  offsetof(struct dp_stats, flow_installs) },
		{ "vnetd_flow_table_full_total", "counter", "Flows not installed: the table was full.",
		  offsetof(struct dp_stats, flow_table_full) },
		{ "vnetd_gateway_replies_total", "counter", "ARP/ICMP replies sent by the gateway.",
		  offsetof(struct dp_stats, gw_replies) },
		{ "vnetd_punted_total", "counter", "Frames handed to the control thread (DHCP).",
		  offsetof(struct dp_stats, punted) },
		{ "vnetd_injected_total", "counter", "Frames injected by the control thread.",
		  offsetof(struct dp_stats, injected) },
		{ "vnetd_fdb_mac_moves_total", "counter", "Learned MACs that moved to another port.",
		  offsetof(struct dp_stats, mac_moves) },
		{ "vnetd_fdb_full_total", "counter", "New MACs not learned: the network's MAC table was full.",
		  offsetof(struct dp_stats, fdb_full) },
		{ "vnetd_worker_loops_total", "counter", "Worker polling iterations.",
		  offsetof(struct dp_stats, loops) },
		{ "vnetd_worker_busy_loops_total", "counter", "Worker iterations that moved packets.",
		  offsetof(struct dp_stats, busy_loops) },
		{ "vnetd_worker_sleeps_total", "counter", "Times a worker went to sleep when idle.",
		  offsetof(struct dp_stats, sleeps) },
	};
	for (size_t m = 0; m < sizeof(dm) / sizeof(dm[0]); m++) {
		head(f, dm[m].name, dm[m].type, dm[m].help);
		sample(f, dm[m].name, NULL, NULL, NULL, NULL,
		       *(const uint64_t *)((const char *)&s + dm[m].off));
	}
	head(f, "vnetd_flows", "gauge", "Flows (sessions) in the flow tables.");
	sample(f, "vnetd_flows", NULL, NULL, NULL, NULL, s.flows);
	head(f, "vnetd_workers", "gauge", "Dataplane worker threads.");
	sample(f, "vnetd_workers", NULL, NULL, NULL, NULL, s.workers);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
