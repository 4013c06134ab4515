#include "control/port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>

#include "control/ctl.h"
#include "control/log.h"

#include "control/policy/api_sg.h"
#include "control/dhcp/dhcp_lease.h"
#include "control/net.h"
#include "control/netsvc.h"
#include "control/policy/sg_compile.h"
#include "control/store.h"
#include "dataplane/dp.h"
#include "dataplane/kport.h"
#include "dataplane/pkt.h"
#include "dataplane/portsec.h"
#include "vhost/vh.h"

#define PORT_LOG(lvl, ...) VNETD_LOG("port", lvl, __VA_ARGS__)
#define PORT_MAX DP_MAX_PORTS

struct port {
	char name[65];
	char network[256];
	char path[108];
	char ifname[16];    /* kernel port when non-empty */
	bool client, has_mac, learning;
	uint8_t mac[6];
	int dp_id; /* -1 unbound */
	bool connected;    /* as last logged by portreg_tick */
	unsigned connects; /* vhost attaches seen by portreg_tick */
	/* security groups and port security (see port.h) */
	bool sec_on;
	unsigned n_sgs, n_pairs;
	char sgs[PORT_MAX_SGS][SG_ID_LEN + 1];
	struct port_pair pairs[PORT_MAX_PAIRS];
	struct portsec_conf pushed; /* what the dataplane has */
	struct acl_set *acl;        /* a copy of the rules the dataplane has (NULL: none) */
};

struct portreg {
	struct ctl *ctl;
	uint64_t dhcp_acks; /* the DHCP servers' acks at the last refresh */
	size_t n;
	struct port *v[PORT_MAX];
};

struct portreg *portreg_create(struct ctl *ctl)
{
	struct portreg *r = calloc(1, sizeof(*r));
	if (r)
		r->ctl = ctl;
	return r;
}

static void unbind(struct portreg *r, struct port *p)
{
	if (p->dp_id < 0)
		return;
	if (p->connected)
		PORT_LOG(NOTICE, "port '%s' on network '%s': %s disconnected (port unbound)\n",
			 p->name, p->network, p->ifname[0] ? "interface" : "VMM");
	p->connected = false;
	p->connects = 0;
	/* Stop forwarding first, then close the socket (which detaches the
	 * device after a grace period). */
	dp_port_destroy(r->ctl->dp, (uint16_t)p->dp_id);
	if (p->ifname[0])
		dp_port_detach(r->ctl->dp, (uint16_t)p->dp_id);
	else
		vh_port_remove((uint16_t)p->dp_id);
	p->dp_id = -1;
	acl_set_free(p->acl); /* the dataplane freed its copy with the port */
	p->acl = NULL;
}

void portreg_free(struct portreg *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		unbind(r, r->v[i]);
		free(r->v[i]->acl);
		free(r->v[i]);
	}
	free(r);
}

size_t portreg_count(const struct portreg *r) { return r->n; }
struct port *portreg_at(struct portreg *r, size_t i) { return i < r->n ? r->v[i] : NULL; }

struct port *portreg_find(struct portreg *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i]->name, name))
			return r->v[i];
	return NULL;
}

const char *portreg_name_of(struct portreg *r, uint16_t dp_id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i]->dp_id == dp_id)
			return r->v[i]->name;
	return NULL;
}

void port_info(const struct portreg *r, const struct port *p, struct port_info *i)
{
	memset(i, 0, sizeof(*i));
	i->name = p->name;
	i->network = p->network;
	i->path = p->path;
	i->ifname = p->ifname[0] ? p->ifname : NULL;
	i->client = p->client;
	i->has_mac = p->has_mac;
	i->learning = p->learning;
	memcpy(i->mac, p->mac, 6);
	i->bound = p->dp_id >= 0;
	i->dp_id = p->dp_id;
	i->port_security = p->sec_on;
	i->n_sgs = p->n_sgs;
	i->sgs = p->sgs;
	i->n_pairs = p->n_pairs;
	i->pairs = p->pairs;
	struct vh_port_info vi;
	if (p->ifname[0]) {
		i->connected = p->dp_id >= 0 && dp_port_attached(r->ctl->dp, (uint16_t)p->dp_id);
		i->queues = i->connected ? 1 : 0;
	} else if (p->dp_id >= 0 && vh_port_info((uint16_t)p->dp_id, &vi) == 0) {
		i->connected = vi.connected;
		i->queues = vi.queues;
	}
}

/* A server-mode socket is <socket-dir>/<dir>/<file>.sock, <dir> and <file>
 * not starting with '.', never the API socket.  vnetd binds there as root
 * and replaces a stale socket it finds, so the path must not reach files of
 * anyone else: not vnetd's own API socket, not another service's socket,
 * nothing outside the socket directory. */
static int server_path_ok(const struct portreg *r, const char *path, struct ctl_err *e)
{
	const char *sd = r->ctl->socket_dir ? r->ctl->socket_dir : r->ctl->run_dir;
	size_t l = strlen(sd);
	if (l == 1 && sd[0] == '/')
		l = 0;
	const char *rest = path + l + 1, *slash = NULL, *file = NULL;
	bool ok = !strncmp(path, sd, l) && path[l] == '/';
	if (ok) {
		slash = strchr(rest, '/');
		file = slash ? slash + 1 : NULL;
	}
	size_t fl = file ? strlen(file) : 0;
	ok = ok && slash && slash > rest && rest[0] != '.' && file[0] && file[0] != '.' &&
	     !strchr(file, '/') && fl > 5 && !strcmp(file + fl - 5, ".sock") &&
	     !(r->ctl->api_socket && !strcmp(path, r->ctl->api_socket)) &&
	     !(r->ctl->api_socket_ro && !strcmp(path, r->ctl->api_socket_ro));
	if (!ok)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: a server-mode socket path must be %s/<dir>/<file>.sock "
				"(<dir> and <file> not starting with '.')",
				l ? sd : "");
	return 0;
}

/* The socket's directory is vnetd's: created here (0755), or found owned by
 * vnetd's user and writable by no one else, so every socket in it was bound
 * by vnetd (now, or before a restart: a stale one is replaced).  A file
 * that is not a socket is never replaced. */
static int server_dir_ready(const char *path, struct ctl_err *e)
{
	char dir[PATH_MAX];
	struct stat st;
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = 0;
	if (lstat(dir, &st) != 0 && errno == ENOENT && mkdir(dir, 0755) != 0 && errno != EEXIST)
		return ctl_fail(e, errno, 500, "internal-error",
				"internal error: cannot create socket directory '%s': %s", dir,
				strerror(errno));
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return ctl_fail(e, EPERM, 409, "operation-failed",
				"operation failed: '%s' is not a directory of vnetd's own (owned by its user, writable by no one else)",
				dir);
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return ctl_fail(e, EEXIST, 409, "operation-failed",
				"operation failed: '%s' exists and is not a socket", path);
	return 0;
}

/* ---- port security ---- */

static int mac_slot(struct portsec_conf *c, const uint8_t *mac)
{
	for (unsigned i = 0; i < c->n_macs; i++)
		if (!memcmp(c->macs[i], mac, 6))
			return (int)i;
	if (c->n_macs == PORTSEC_MAX_MACS)
		return -1;
	memcpy(c->macs[c->n_macs], mac, 6);
	return c->n_macs++;
}

static void add_ip(struct portsec_conf *c, int mi, uint32_t net, uint32_t mask)
{
	for (unsigned i = 0; i < c->n_ips; i++)
		if (c->ips[i].mac == mi && c->ips[i].net == net && c->ips[i].mask == mask)
			return;
	if (mi < 0 || c->n_ips == PORTSEC_MAX_IPS)
		return;
	c->ips[c->n_ips++] = (struct portsec_ip){ .mac = (uint8_t)mi, .net = net, .mask = mask };
}

/* The port's allowed set: its MAC, its pairs, the DHCP leases and static
 * hosts of those MACs. */
static void portsec_of(struct portreg *r, const struct port *p, struct portsec_conf *c)
{
	memset(c, 0, sizeof(*c));
	if (!p->sec_on || !p->has_mac)
		return;
	c->enabled = true;
	mac_slot(c, p->mac);
	for (unsigned i = 0; i < p->n_pairs; i++) {
		const struct port_pair *pp = &p->pairs[i];
		int mi = mac_slot(c, pp->has_mac ? pp->mac : p->mac);
		if (pp->family == 4) {
			uint32_t net, mask = pp->plen ? htonl(~0u << (32 - pp->plen)) : 0;
			memcpy(&net, pp->addr, 4);
			add_ip(c, mi, net & mask, mask);
		}
	}
	struct net *n = netreg_find_name(r->ctl->nets, p->network);
	const struct netsvc *s = n ? net_svc(n) : NULL;
	for (unsigned m = 0; s && m < c->n_macs; m++) {
		struct dhcp_lease_info l[4];
		size_t cnt = netsvc_leases(s, c->macs[m], l, 4);
		for (size_t k = 0; k < cnt && k < 4; k++)
			add_ip(c, (int)m, htonl(l[k].ip), 0xffffffffu);
		uint32_t st[4];
		cnt = netsvc_static_ips(s, c->macs[m], st, 4);
		for (size_t k = 0; k < cnt && k < 4; k++)
			add_ip(c, (int)m, htonl(st[k]), 0xffffffffu);
	}
}

/* Remote group members: the addresses of the ports bound to the group. */
static size_t members_of(const char *gid, struct sg_member *out, size_t max, void *ctx)
{
	struct portreg *r = ctx;
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct port *q = r->v[i];
		bool in = false;
		for (unsigned k = 0; k < q->n_sgs && !in; k++)
			in = !strcmp(q->sgs[k], gid);
		if (!in)
			continue;
		struct portsec_conf c;
		portsec_of(r, q, &c);
		for (unsigned k = 0; k < c.n_ips && n < max; k++)
			out[n++] = (struct sg_member){ c.ips[k].net, c.ips[k].mask };
	}
	return n;
}

static void push_portsec(struct portreg *r, struct port *p, bool force)
{
	struct portsec_conf c;
	if (p->dp_id < 0)
		return;
	portsec_of(r, p, &c);
	if (force || !portsec_conf_equal(&c, &p->pushed)) {
		if (dp_port_set_portsec(r->ctl->dp, (uint16_t)p->dp_id, &c) == 0)
			p->pushed = c;
	}
	/* security groups: the compiled rules, when they changed */
	struct acl_set *a = NULL;
	if (p->sec_on && p->n_sgs &&
	    !(a = sg_compile(sgreg_db(r->ctl->sgs), p->sgs, p->n_sgs, members_of, r))) {
		PORT_LOG(ERR, "port '%s': out of memory compiling its security groups\n", p->name);
		return;
	}
	if (acl_set_equal(a, p->acl)) {
		acl_set_free(a);
		return;
	}
	struct acl_set *copy = a ? acl_set_dup(a) : NULL;
	if ((a && !copy) || dp_port_set_acl(r->ctl->dp, (uint16_t)p->dp_id, copy) < 0) {
		acl_set_free(a);
		return; /* tried again at the next refresh */
	}
	acl_set_free(p->acl);
	p->acl = a;
}

/* For vnetctl trace (control/policy/trace.c): what the dataplane has of a port. */
void portreg_sec_state(struct portreg *r, const struct port *p, struct portsec_conf *conf)
{
	portsec_of(r, p, conf);
}

size_t portreg_members(struct portreg *r, const char *gid, struct sg_member *out, size_t max)
{
	return members_of(gid, out, max, r);
}

void portreg_portsec_refresh(struct portreg *r)
{
	for (size_t i = 0; i < r->n; i++)
		push_portsec(r, r->v[i], false);
}

unsigned portreg_sg_refresh(struct portreg *r, const char *gid)
{
	unsigned n = 0;
	for (size_t i = 0; i < r->n; i++)
		for (unsigned k = 0; k < r->v[i]->n_sgs; k++)
			if (!strcmp(r->v[i]->sgs[k], gid)) {
				push_portsec(r, r->v[i], false);
				n++;
				break;
			}
	return n;
}

void portreg_portsec_after_dhcp(struct portreg *r)
{
	uint64_t acks = 0;
	for (size_t i = 0; i < netreg_count(r->ctl->nets); i++) {
		struct netsvc_dhcp_stats st;
		const struct netsvc *s = net_svc(netreg_at(r->ctl->nets, i));
		if (s && netsvc_dhcp_stats(s, &st) == 0)
			acks += st.server.tx_ack;
	}
	if (acks != r->dhcp_acks) {
		r->dhcp_acks = acks;
		portreg_portsec_refresh(r);
	}
}

const char *portreg_sg_user(struct portreg *r, const char *sg_id)
{
	for (size_t i = 0; i < r->n; i++)
		for (unsigned k = 0; k < r->v[i]->n_sgs; k++)
			if (!strcmp(r->v[i]->sgs[k], sg_id))
				return r->v[i]->name;
	return NULL;
}

/* Neutron's rules for a port's security attributes: the request q applied
 * to the port's current state (cur: NULL for a new port) into out. */
static int resolve_sec(struct portreg *r, bool has_mac, const struct port *cur,
		       const struct port_sec_req *q, struct port *out, struct ctl_err *e)
{
	const struct sg_db *db = sgreg_db(r->ctl->sgs);
	bool given_on = q && q->enabled >= 0, given_sgs = q && q->n_sgs >= 0,
	     given_pairs = q && q->n_pairs >= 0;
	out->sec_on = given_on ? q->enabled : cur ? cur->sec_on : has_mac;
	if (out->sec_on && !has_mac)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: port security needs the port's MAC address (member 'mac')");
	/* groups: given, or kept */
	out->n_sgs = 0;
	if (given_sgs) {
		for (int i = 0; i < q->n_sgs; i++) {
			struct sg_err se;
			const struct sg_group *g = sg_db_lookup(db, q->sgs[i], &se);
			if (!g)
				return ctl_fail(e, se.status == 404 ? ENOENT : EEXIST, se.status,
						se.code, "%s", se.msg);
			bool dup = false;
			for (unsigned k = 0; k < out->n_sgs; k++)
				dup |= !strcmp(out->sgs[k], g->id);
			if (!dup)
				memcpy(out->sgs[out->n_sgs++], g->id, sizeof(g->id));
		}
	} else if (cur) {
		out->n_sgs = out->sec_on ? cur->n_sgs : 0;
		memcpy(out->sgs, cur->sgs, sizeof(out->sgs));
		if (cur->n_sgs && !out->sec_on)
			return ctl_fail(e, EBUSY, 409, "conflict",
					"Port has security group associated. Cannot disable port security or ip address until security group is removed");
	}
	/* Not Neutron's default group when none is asked for: a port without
	 * groups is not filtered, as libvirt's networks do not filter (and the
	 * default group admits only its members' known addresses, which would
	 * cut statically addressed guests off each other). */
	if (out->n_sgs && !out->sec_on)
		return ctl_fail(e, EINVAL, 409, "conflict",
				"Port security must be enabled and port must have an IP address in order to use security groups.");
	/* allowed address pairs: the port's MAC filled in */
	out->n_pairs = given_pairs ? (unsigned)q->n_pairs : cur ? cur->n_pairs : 0;
	memcpy(out->pairs, given_pairs ? q->pairs : cur ? cur->pairs : out->pairs,
	       sizeof(out->pairs));
	if (out->n_pairs && !out->sec_on)
		return ctl_fail(e, EINVAL, 409, "conflict",
				"Port Security must be enabled in order to have allowed address pairs on a port.");
	for (unsigned i = 0; i < out->n_pairs; i++)
		if (!out->pairs[i].has_mac && has_mac) {
			out->pairs[i].has_mac = true;
			memcpy(out->pairs[i].mac, out->mac, 6);
		}
	return 0;
}

static int bind_port(struct portreg *r, struct port *p, uint16_t dp_net, struct ctl_err *e)
{
	int rc;
	if (!p->ifname[0] && !p->client &&
	    ((rc = server_path_ok(r, p->path, e)) < 0 || (rc = server_dir_ready(p->path, e)) < 0))
		return rc;
	struct dp_port_params pp = {
		.net = dp_net,
		.has_mac = p->has_mac,
		.learning = p->learning,
	};
	uint16_t id;
	memcpy(pp.mac, p->mac, 6);
	rc = dp_port_create(r->ctl->dp, &pp, &id);
	if (rc == -EADDRINUSE)
		return ctl_fail(e, EADDRINUSE, 409, "operation-failed",
				"operation failed: MAC address is already used by another port of network '%s'",
				p->network);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot create port: %s", strerror(-rc));
	if (p->ifname[0]) {
		int fd = kport_open(p->ifname);
		if (fd < 0) {
			dp_port_destroy(r->ctl->dp, id);
			return ctl_fail(e, -fd, 404, "no-interface",
					"Interface not found: cannot attach interface '%s': %s",
					p->ifname, strerror(-fd));
		}
		dp_port_attach_kernel(r->ctl->dp, id, fd);
		p->dp_id = id;
		push_portsec(r, p, true);
		return 0;
	}
	rc = vh_port_add(id, p->path, p->client);
	if (rc < 0) {
		dp_port_destroy(r->ctl->dp, id);
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot open vhost-user socket '%s': %s", p->path,
				strerror(-rc));
	}
	p->dp_id = id;
	push_portsec(r, p, true);
	return 0;
}

/* port_security_enabled, security_groups, allowed_address_pairs: in the
 * store and in the API's port object (Neutron's shapes). */
void port_sec_json(const struct port *p, json_t *o)
{
	json_t *sgs = json_array(), *pairs = json_array();
	for (unsigned i = 0; i < p->n_sgs; i++)
		json_array_append_new(sgs, json_string(p->sgs[i]));
	for (unsigned i = 0; i < p->n_pairs; i++) {
		const struct port_pair *pp = &p->pairs[i];
		char ip[64], mac[18];
		sg_prefix_format(pp->family, pp->addr, pp->plen, ip, sizeof(ip));
		if (pp->plen == (pp->family == 4 ? 32 : 128))
			*strrchr(ip, '/') = 0;
		json_t *a = json_pack("{s:s}", "ip_address", ip);
		if (pp->has_mac) {
			pkt_mac_format(pp->mac, mac);
			json_object_set_new(a, "mac_address", json_string(mac));
		}
		json_array_append_new(pairs, a);
	}
	json_object_set_new(o, "port_security_enabled", json_boolean(p->sec_on));
	json_object_set_new(o, "security_groups", sgs);
	json_object_set_new(o, "allowed_address_pairs", pairs);
}

/* Reads them back from a stored port (absent: the defaults, as for a port
 * stored before security groups existed). */
static int port_sec_from_json(struct portreg *r, struct port *p, json_t *o, const char *file)
{
	json_t *on = json_object_get(o, "port_security_enabled");
	json_t *sgs = json_object_get(o, "security_groups");
	json_t *pairs = json_object_get(o, "allowed_address_pairs");
	struct port_sec_req q = { .enabled = -1, .n_sgs = -1, .n_pairs = -1 };
	size_t i;
	json_t *v;
	if ((on && !json_is_boolean(on)) || (sgs && !json_is_array(sgs)) ||
	    (pairs && !json_is_array(pairs)) || json_array_size(sgs) > PORT_MAX_SGS ||
	    json_array_size(pairs) > PORT_MAX_PAIRS)
		return -EINVAL;
	if (on)
		q.enabled = json_is_true(on);
	if (sgs) {
		q.n_sgs = 0;
		json_array_foreach(sgs, i, v) {
			const char *id = json_string_value(v);
			if (!id || !sg_uuid_valid(id))
				return -EINVAL;
			if (!sg_db_find_id(sgreg_db(r->ctl->sgs), id)) {
				PORT_LOG(ERR, "%s: security group %s does not exist; unbound from the port\n",
					 file, id);
				continue;
			}
			snprintf(q.sgs[q.n_sgs++], PORT_SG_REF_MAX, "%s", id);
		}
	}
	if (pairs) {
		q.n_pairs = 0;
		json_array_foreach(pairs, i, v) {
			struct port_pair *pp = &q.pairs[q.n_pairs];
			const char *ip = json_string_value(json_object_get(v, "ip_address"));
			const char *mac = json_string_value(json_object_get(v, "mac_address"));
			int fam = ip ? sg_prefix_parse(ip, pp->addr, &pp->plen) : -EINVAL;
			if (fam < 0 || (mac && pkt_mac_parse(mac, pp->mac) < 0))
				return -EINVAL;
			pp->family = (uint8_t)fam;
			pp->has_mac = mac != NULL;
			q.n_pairs++;
		}
	}
	struct ctl_err e;
	if (resolve_sec(r, p->has_mac, NULL, &q, p, &e) < 0) {
		PORT_LOG(ERR, "%s: %s\n", file, e.msg);
		return -EINVAL;
	}
	return 0;
}

static char *to_json(const struct port *p)
{
	char mac[18];
	json_t *o = p->ifname[0]
			    ? json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", p->name, "network",
					p->network, "type", "kernel", "interface", p->ifname,
					"learning", p->learning)
			    : json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "name", p->name,
					"network", p->network, "type", "vhost-user", "mode",
					p->client ? "client" : "server", "path", p->path,
					"learning", p->learning);
	if (!o)
		return NULL;
	if (p->has_mac) {
		pkt_mac_format(p->mac, mac);
		json_object_set_new(o, "mac", json_string(mac));
	}
	port_sec_json(p, o);
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static void insert_sorted(struct portreg *r, struct port *p)
{
	size_t i = 0;
	while (i < r->n && strcmp(r->v[i]->name, p->name) < 0)
		i++;
	memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(r->v[0]));
	r->v[i] = p;
	r->n++;
}

static bool path_in_use(struct portreg *r, const struct port *p)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct port *o = r->v[i];
		if (p->ifname[0] ? !strcmp(o->ifname, p->ifname)
				 : (!o->ifname[0] && !strcmp(o->path, p->path)))
			return true;
	}
	return false;
}

int portreg_add(struct portreg *r, const struct port_params *pp, struct port **out,
		struct ctl_err *e)
{
	if (!ctl_valid_port_name(pp->name))
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: port name must be 1-64 characters of [A-Za-z0-9_.-] not starting with '.'");
	struct net *n = netreg_find_name(r->ctl->nets, pp->network);
	if (!n)
		return ctl_fail(e, ENOENT, 404, "no-network",
				"Network not found: no network with matching name '%s'", pp->network);
	if (portreg_find(r, pp->name))
		return ctl_fail(e, EEXIST, 409, "operation-failed",
				"operation failed: port '%s' already exists", pp->name);
	if (r->n == PORT_MAX)
		return ctl_fail(e, ENOSPC, 409, "operation-failed",
				"operation failed: too many ports (%d)", PORT_MAX);
	/* libvirt's networkAllocatePort: a domain interface cannot be plugged
	 * into an inactive network (VIR_ERR_OPERATION_INVALID). */
	if (!net_active(n))
		return ctl_fail(e, EINVAL, 409, "operation-invalid",
				"Requested operation is not valid: network '%s' is not active",
				pp->network);
	if (pp->has_mac && (pkt_mac_is_multicast(pp->mac) || pkt_mac_is_zero(pp->mac)))
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: port MAC must be a unicast address");
	if (pp->client && (!pp->path || !pp->path[0]))
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: a client-mode port needs the VMM's socket path");

	struct port *p = calloc(1, sizeof(*p));
	if (!p)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	snprintf(p->name, sizeof(p->name), "%s", pp->name);
	snprintf(p->network, sizeof(p->network), "%s", pp->network);
	int l = 0;
	if (pp->ifname)
		snprintf(p->ifname, sizeof(p->ifname), "%s", pp->ifname);
	else if (pp->path && pp->path[0])
		l = snprintf(p->path, sizeof(p->path), "%s", pp->path);
	else
		l = snprintf(p->path, sizeof(p->path), "%s/%s/%s.sock",
			     r->ctl->socket_dir ? r->ctl->socket_dir : r->ctl->run_dir,
			     pp->network, pp->name);
	p->client = pp->client;
	p->has_mac = pp->has_mac;
	memcpy(p->mac, pp->mac, 6);
	p->learning = pp->learning;
	p->dp_id = -1;
	int rc = resolve_sec(r, p->has_mac, NULL, pp->sec, p, e);
	if (rc < 0) {
		free(p);
		return rc;
	} else if (!p->ifname[0] && (l < 0 || (size_t)l >= sizeof(p->path) || p->path[0] != '/'))
		rc = ctl_fail(e, EINVAL, 400, "invalid-arg",
			      "invalid argument: socket path must be absolute and shorter than %zu bytes",
			      sizeof(p->path));
	else if (!p->ifname[0] && !p->client && server_path_ok(r, p->path, e) < 0)
		rc = -EINVAL;
	else if (path_in_use(r, p))
		rc = ctl_fail(e, EEXIST, 409, "operation-failed",
			      "operation failed: %s '%s' is used by another port",
			      p->ifname[0] ? "interface" : "socket", p->ifname[0] ? p->ifname : p->path);
	if (rc < 0) {
		free(p);
		return rc;
	}
	if ((rc = bind_port(r, p, net_dp_id(n), e)) < 0) {
		free(p);
		return rc;
	}
	char rel[128], *js = to_json(p);
	snprintf(rel, sizeof(rel), "ports/%s.json", p->name);
	rc = js ? store_write(r->ctl->state, rel, js, strlen(js)) : -ENOMEM;
	free(js);
	if (rc < 0) {
		unbind(r, p);
		free(p);
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot save port: %s", strerror(-rc));
	}
	insert_sorted(r, p);
	portreg_portsec_refresh(r); /* remote groups it joined */
	if (p->ifname[0])
		PORT_LOG(NOTICE, "port '%s' added to network '%s' (kernel interface %s)\n", p->name,
			 p->network, p->ifname);
	else
		PORT_LOG(NOTICE, "port '%s' added to network '%s' (%s-mode socket %s)\n", p->name,
			 p->network, p->client ? "client" : "server", p->path);
	*out = p;
	return 0;
}

int portreg_update_sec(struct portreg *r, struct port *p, const struct port_sec_req *sec,
		       struct ctl_err *e)
{
	struct port *n = malloc(sizeof(*n));
	if (!n)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	*n = *p;
	int rc = resolve_sec(r, p->has_mac, p, sec, n, e);
	char rel[128], *js = rc < 0 ? NULL : to_json(n);
	if (rc == 0 && !js)
		rc = ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	snprintf(rel, sizeof(rel), "ports/%s.json", p->name);
	if (rc == 0 && (rc = store_write(r->ctl->state, rel, js, strlen(js))) < 0)
		ctl_fail(e, -rc, 500, "internal-error", "internal error: cannot save port: %s",
			 strerror(-rc));
	free(js);
	if (rc == 0) {
		p->sec_on = n->sec_on;
		p->n_sgs = n->n_sgs;
		memcpy(p->sgs, n->sgs, sizeof(p->sgs));
		p->n_pairs = n->n_pairs;
		memcpy(p->pairs, n->pairs, sizeof(p->pairs));
		portreg_portsec_refresh(r); /* this port, and those whose remote groups it is in */
		PORT_LOG(NOTICE, "port '%s': port security %s, %u security group(s), %u allowed address pair(s)\n",
			 p->name, p->sec_on ? "on" : "off", p->n_sgs, p->n_pairs);
	}
	free(n);
	return rc;
}

int portreg_remove(struct portreg *r, struct port *p, struct ctl_err *e)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "ports/%s.json", p->name);
	int rc = store_remove(r->ctl->state, rel);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot delete port: %s", strerror(-rc));
	PORT_LOG(NOTICE, "port '%s' removed from network '%s'\n", p->name, p->network);
	unbind(r, p);
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i] == p) {
			memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
			r->n--;
			break;
		}
	}
	acl_set_free(p->acl);
	free(p);
	portreg_portsec_refresh(r); /* remote groups it left */
	return 0;
}

void portreg_network_up(struct portreg *r, const char *network, uint16_t dp_net)
{
	struct ctl_err e;
	for (size_t i = 0; i < r->n; i++) {
		struct port *p = r->v[i];
		if (p->dp_id < 0 && !strcmp(p->network, network) && bind_port(r, p, dp_net, &e) < 0)
			PORT_LOG(ERR, "port '%s': %s\n", p->name, e.msg);
	}
}

static void log_conn(const struct port *p, bool up, unsigned queues)
{
	const char *who = p->ifname[0] ? "interface" : "VMM";
	if (up)
		PORT_LOG(NOTICE, "port '%s' on network '%s': %s connected, %u queue pair(s)\n",
			 p->name, p->network, who, queues);
	else
		PORT_LOG(NOTICE, "port '%s' on network '%s': %s disconnected\n", p->name,
			 p->network, who);
}

/* Connections and disconnections happen on rte_vhost's thread, which knows
 * port ids only: the control thread's once-a-second tick compares each
 * port's state and vhost attach count with what it logged last and logs the
 * changes by name (a VMM that came and went within the second included). */
void portreg_tick(struct portreg *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct port *p = r->v[i];
		struct port_info pi;
		struct vh_port_info vi;
		if (p->dp_id < 0)
			continue;
		port_info(r, p, &pi);
		unsigned c = p->connects;
		if (!p->ifname[0] && vh_port_info((uint16_t)p->dp_id, &vi) == 0)
			c = vi.connects;
		unsigned fresh = c - p->connects;
		if (p->ifname[0])
			fresh = pi.connected && !p->connected;
		if (p->connected && (fresh || !pi.connected))
			log_conn(p, false, 0);
		for (unsigned k = 0; k < fresh && k < 16; k++) {
			log_conn(p, true, pi.queues);
			if (k + 1 < fresh || !pi.connected)
				log_conn(p, false, 0);
		}
		if (!fresh && !p->connected && pi.connected) /* connected, attach not counted */
			log_conn(p, true, pi.queues);
		p->connected = pi.connected;
		p->connects = c;
	}
}

void portreg_network_down(struct portreg *r, const char *network)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i]->network, network))
			unbind(r, r->v[i]);
}

static struct port *from_json(struct portreg *r, const char *file, const char *text)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	const char *name = NULL, *net = NULL, *mode = "server", *path = "", *mac = NULL;
	const char *type = "vhost-user", *ifname = "";
	int learning = 1;
	struct port *p = NULL;

	if (!o || json_unpack_ex(o, &je, 0, "{s:s, s:s, s?s, s?s, s?s, s?s, s?b, s?s}", "name",
				 &name, "network", &net, "type", &type, "interface", &ifname,
				 "mode", &mode, "path", &path, "learning", &learning, "mac",
				 &mac) != 0) {
		PORT_LOG(ERR, "%s: %s; skipped\n", file, je.text);
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out;
	bool kernel = !strcmp(type, "kernel");
	if (!ctl_valid_port_name(name) || strlen(net) >= sizeof(p->network) ||
	    strlen(path) >= sizeof(p->path) || strlen(ifname) >= sizeof(p->ifname) ||
	    (kernel ? !ifname[0] : (path[0] != '/' || strcmp(type, "vhost-user"))) ||
	    (strcmp(mode, "server") && strcmp(mode, "client")) ||
	    (mac && pkt_mac_parse(mac, p->mac) < 0)) {
		PORT_LOG(ERR, "%s: invalid port; skipped\n", file);
		free(p);
		p = NULL;
		goto out;
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->network, sizeof(p->network), "%s", net);
	snprintf(p->path, sizeof(p->path), "%s", path);
	if (kernel)
		snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	p->client = !strcmp(mode, "client");
	p->has_mac = mac != NULL;
	p->learning = learning;
	p->dp_id = -1;
	if (port_sec_from_json(r, p, o, file) < 0) {
		PORT_LOG(ERR, "%s: invalid security groups, port security or allowed address pairs; skipped\n",
			 file);
		free(p);
		p = NULL;
	}
out:
	json_decref(o);
	return p;
}

int portreg_load(struct portreg *r)
{
	char **names;
	size_t cnt;
	store_mkdir(r->ctl->state, "ports");
	int rc = store_list(r->ctl->state, "ports", ".json", &names, &cnt);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cnt && r->n < PORT_MAX; i++) {
		char rel[300], *text;
		snprintf(rel, sizeof(rel), "ports/%s", names[i]);
		if (store_read(r->ctl->state, rel, &text, NULL) < 0)
			continue;
		struct port *p = from_json(r, rel, text);
		free(text);
		if (!p)
			continue;
		if (strlen(names[i]) != strlen(p->name) + 5 || strncmp(names[i], p->name, strlen(p->name)) ||
		    portreg_find(r, p->name) || path_in_use(r, p)) {
			PORT_LOG(ERR, "%s: name does not match the file or is a duplicate; skipped\n", rel);
			free(p);
			continue;
		}
		insert_sorted(r, p);
	}
	store_list_free(names, cnt);
	return (int)r->n;
}
