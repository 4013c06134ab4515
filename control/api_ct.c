/* api_ct.c — port forwarding and conntrack routes (see api_ct.h). */
#include "control/api_ct.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "control/net.h"
#include "control/nat/portfwd.h"
#include "dataplane/dp.h"

static void ip_str(uint32_t host_order, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host_order) };
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static json_t *pf_json(struct ctl *c, const struct portfwd_rule *r)
{
	char ip[INET_ADDRSTRLEN], ext[INET_ADDRSTRLEN];
	ip_str(r->int_ip, ip);
	json_t *o = json_pack("{s:I, s:s, s:s, s:i, s:s, s:i, s:s, s:b}", "id", (json_int_t)r->id,
			      "network", r->network, "protocol", portfwd_proto_name(r->proto),
			      "external_port", (int)r->ext_port, "internal_ip", ip,
			      "internal_port", (int)r->int_port, "description", r->desc, "active",
			      portfwd_active(c->pf, r));
	if (o && r->ext_ip) {
		ip_str(r->ext_ip, ext);
		json_object_set_new(o, "external_address", json_string(ext));
	}
	return o;
}

static int no_network(const char *id, struct ctl_err *e)
{
	return ctl_fail(e, ENOENT, 404, "no-network",
			"Network not found: no network with matching name '%s'", id);
}

static int do_portfwd(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e)
{
	/* a network is named by its name or its UUID, as everywhere */
	const struct net *named = r->network[0] ? netreg_find(c->nets, r->network) : NULL;
	if (r->route == API_PF_LIST) {
		if (r->network[0] && !named)
			return no_network(r->network, e);
		json_t *a = json_array();
		for (size_t i = 0; i < portfwd_count(c->pf); i++) {
			const struct portfwd_rule *x = portfwd_at(c->pf, i);
			if (!named || !strcmp(x->network, net_name(named)))
				json_array_append_new(a, pf_json(c, x));
		}
		*out = json_pack("{s:o}", "port_forwards", a);
		return 200;
	}
	if (r->route == API_PF_ADD) {
		struct portfwd_rule in = { .proto = r->pf.proto, .ext_ip = r->pf.ext_ip,
					   .ext_port = r->pf.ext_port, .int_ip = r->pf.int_ip,
					   .int_port = r->pf.int_port };
		const struct portfwd_rule *added;
		snprintf(in.network, sizeof(in.network), "%s", named ? net_name(named) : r->network);
		snprintf(in.desc, sizeof(in.desc), "%s", r->pf.desc);
		int rc = portfwd_add(c->pf, &in, &added, e);
		if (rc < 0)
			return rc;
		*out = json_pack("{s:o}", "port_forward", pf_json(c, added));
		return 201;
	}
	/* API_PF_DEL: the id is a decimal number */
	char *end;
	errno = 0;
	unsigned long id = strtoul(r->id, &end, 10);
	if (!r->id[0] || *end || errno || r->id[0] < '0' || r->id[0] > '9' || id > 999999999)
		return ctl_fail(e, ENOENT, 404, "no-port-forward",
				"Port forward not found: no port forward with id '%s'", r->id);
	struct portfwd_rule gone;
	int rc = portfwd_remove(c->pf, (unsigned)id, &gone, e);
	if (rc < 0)
		return rc;
	json_t *o = pf_json(c, &gone);
	json_object_set_new(o, "active", json_false());
	*out = json_pack("{s:o}", "port_forward", o);
	return 200;
}

static const char *proto_name(uint8_t p)
{
	static char buf[8];
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	}
	snprintf(buf, sizeof(buf), "%u", p);
	return buf;
}

static json_t *row_json(struct ctl *c, const struct dp_ct_row *w)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	const struct net *n = netreg_find_dp(c->nets, w->net);
	ip_str(ntohl(w->src), src);
	ip_str(ntohl(w->dst), dst);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I}", "network",
			      n ? net_name(n) : "?", "protocol", proto_name(w->proto), "state",
			      dp_ct_state_name(w->state), "src", src, "dst", dst, "sport",
			      (int)ntohs(w->sport), "dport", (int)ntohs(w->dport), "age",
			      (json_int_t)w->age, "expires", (json_int_t)w->expires);
	if (!o)
		return NULL;
	if (w->nat_ip) {
		char nip[INET_ADDRSTRLEN];
		ip_str(ntohl(w->nat_ip), nip);
		json_object_set_new(o, "nat_src", json_string(nip));
		json_object_set_new(o, "nat_sport", json_integer(ntohs(w->nat_port)));
	}
	json_object_set_new(o, "orig_packets", json_integer((json_int_t)w->packets[0]));
	json_object_set_new(o, "orig_bytes", json_integer((json_int_t)w->bytes[0]));
	json_object_set_new(o, "reply_packets", json_integer((json_int_t)w->packets[1]));
	json_object_set_new(o, "reply_bytes", json_integer((json_int_t)w->bytes[1]));
	return o;
}

static json_t *stats_json(const struct dp_ct_stats *s)
{
	json_t *st = json_object();
	for (unsigned i = 0; i < DP_CT_STATE_MAX; i++)
		json_object_set_new(st, dp_ct_state_name(i), json_integer((json_int_t)s->by_state[i]));
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "sessions",
			      (json_int_t)s->sessions, "max", (json_int_t)s->max, "created",
			      (json_int_t)s->created, "expired", (json_int_t)s->expired,
			      "refused_full", (json_int_t)s->refused_full, "refused_port_limit",
			      (json_int_t)s->refused_port_limit, "nat_ports_exhausted",
			      (json_int_t)s->nat_ports_exhausted);
	json_object_set_new(o, "by_state", st);
	return o;
}

static int do_conntrack(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e)
{
	int net = -1;
	if (r->network[0]) {
		struct net *n = netreg_find(c->nets, r->network);
		if (!n)
			return no_network(r->network, e);
		net = net_dp_id(n);
	}
	if (r->route == API_CT_FLUSH) {
		int n = dp_ct_flush(c->dp, net);
		if (n < 0)
			return ctl_fail(e, -n, 500, "internal-error",
					"internal error: cannot flush the connection table: %s",
					strerror(-n));
		*out = json_pack("{s:i}", "flushed", n);
		return 200;
	}
	/* The whole table: grow the copy until it holds every row (sessions
	 * come and go meanwhile: a count larger than the room asks again). */
	struct dp_ct_row *rows = NULL;
	unsigned cap = 4096;
	int cnt;
	for (;;) {
		struct dp_ct_row *nr = realloc(rows, (size_t)cap * sizeof(*rows));
		if (!nr) {
			free(rows);
			return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
		}
		rows = nr;
		cnt = dp_ct_dump(c->dp, net, rows, cap);
		if (cnt < 0) {
			free(rows);
			return ctl_fail(e, -cnt, 500, "internal-error",
					"internal error: cannot read the connection table: %s",
					strerror(-cnt));
		}
		if ((unsigned)cnt <= cap || cap >= (1u << 24))
			break;
		while (cap < (unsigned)cnt + cnt / 8 && cap < (1u << 24))
			cap *= 2;
	}
	if ((unsigned)cnt > cap)
		cnt = (int)cap;
	struct dp_ct_stats st;
	dp_ct_stats(c->dp, net, &st);
	json_t *a = json_array(), *counts = json_object();
	uint64_t by[DP_CT_STATE_MAX] = { 0 };
	for (int i = 0; i < cnt; i++) {
		json_array_append_new(a, row_json(c, &rows[i]));
		if (rows[i].state < DP_CT_STATE_MAX)
			by[rows[i].state]++;
	}
	free(rows);
	for (unsigned i = 0; i < DP_CT_STATE_MAX; i++)
		json_object_set_new(counts, dp_ct_state_name(i), json_integer((json_int_t)by[i]));
	*out = json_pack("{s:o, s:i, s:o, s:o}", "conntrack", a, "total", cnt, "counts", counts,
			 "stats", stats_json(&st));
	return 200;
}

int api_ct_execute(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e)
{
	*out = NULL;
	switch (r->route) {
	case API_PF_LIST: case API_PF_ADD: case API_PF_DEL:
		return do_portfwd(c, r, out, e);
	case API_CT_LIST: case API_CT_FLUSH:
		return do_conntrack(c, r, out, e);
	default:
		return ctl_fail(e, ENOSYS, 500, "internal-error", "internal error: unhandled route");
	}
}
