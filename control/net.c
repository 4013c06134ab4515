#include "control/net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "control/ctl.h"
#include "control/log.h"

#include "control/netsvc.h"
#include "control/netxml.h"
#include "control/port.h"
#include "control/store.h"
#include "dataplane/dp.h"

#define NET_LOG(lvl, ...) VNETD_LOG("net", lvl, __VA_ARGS__)
#define NET_MAX DP_MAX_NETS
/* A file name is at most 255 bytes: "<name>.status" must fit. */
#define NET_NAME_MAX 248

struct net {
	struct nx_network *def;     /* live definition (or the only one) */
	struct nx_network *newdef;  /* pending persistent definition */
	bool persistent, active, autostart;
	uint16_t dp_id;
	struct netsvc *svc;         /* while active */
};

struct netreg {
	struct ctl *ctl;
	size_t n;
	struct net *v[NET_MAX]; /* sorted by name */
};

static int errcode(const char *msg, struct ctl_err *e, int err)
{
	/* Map libvirt's message prefix to the API error code. */
	const char *code = "xml-error";
	if (!strncmp(msg, "unsupported configuration:", 26))
		code = "config-unsupported";
	else if (!strncmp(msg, "internal error:", 15))
		code = "xml-error";
	else if (!strncmp(msg, "operation failed:", 17))
		return ctl_fail(e, -err, 409, "operation-failed", "%s", msg);
	return ctl_fail(e, err < 0 ? -err : EINVAL, 400, code, "%s", msg);
}

const char *net_name(const struct net *n) { return nx_name(n->def); }
bool net_active(const struct net *n) { return n->active; }
bool net_persistent(const struct net *n) { return n->persistent; }
bool net_autostart(const struct net *n) { return n->autostart; }
const char *net_bridge(const struct net *n) { return nx_bridge_name(n->def); }
uint16_t net_dp_id(const struct net *n) { return n->dp_id; }
const struct nx_network *net_def(const struct net *n) { return n->def; }
struct netsvc *net_svc(const struct net *n) { return n->svc; }

struct net *netreg_find_dp(struct netreg *r, uint16_t dp_id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i]->dp_id == dp_id)
			return r->v[i];
	return NULL;
}

void netreg_tick(struct netreg *r)
{
	for (size_t i = 0; i < r->n; i++)
		netsvc_tick(r->v[i]->svc);
}

void net_uuid_str(const struct net *n, char out[37])
{
	nx_uuid_str(n->def, out, 37);
}

char *net_xml(const struct net *n, bool inactive)
{
	if (inactive)
		return nx_format(n->newdef ? n->newdef : n->def, NX_FMT_INACTIVE);
	return nx_format(n->def, 0);
}

int net_unsupported(const struct net *n, char *buf, size_t len)
{
	/* What the definition asks for that the XML model keeps but vnetd
	 * does not implement, plus what the dataplane does not do yet. */
	int l = nx_unsupported(n->def, buf, len);
	if (l < 0)
		return l;
	enum nx_forward_mode m = nx_forward_mode(n->def);
	const char *more[3] = { NULL, NULL, NULL };
	int k = 0;
	if ((m == NX_FWD_NAT || m == NX_FWD_ROUTE || m == NX_FWD_OPEN) &&
	    netsvc_uplink(n->svc) == DP_PORT_NONE)
		more[k++] = m == NX_FWD_NAT ? "forward mode='nat' (no uplink yet)"
			  : m == NX_FWD_ROUTE ? "forward mode='route' (no uplink yet)"
					      : "forward mode='open' (no uplink yet)";
	uint32_t a;
	int p;
	if (nx_dns_enabled(n->def) && nx_ipv4(n->def, &a, &p) == 0)
		more[k++] = "dns (no DNS server yet)";
	for (int i = 0; i < k; i++)
		l += snprintf(buf + ((size_t)l < len ? (size_t)l : len),
			      (size_t)l < len ? len - (size_t)l : 0, "%s%s", l ? ", " : "", more[i]);
	return l;
}

struct netreg *netreg_create(struct ctl *ctl)
{
	struct netreg *r = calloc(1, sizeof(*r));
	if (r)
		r->ctl = ctl;
	return r;
}

static void net_obj_free(struct net *n)
{
	if (!n)
		return;
	nx_free(n->def);
	nx_free(n->newdef);
	free(n);
}

void netreg_free(struct netreg *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		netsvc_stop(r->ctl, r->v[i]->svc, r->v[i]->dp_id);
		net_obj_free(r->v[i]);
	}
	free(r);
}

size_t netreg_count(const struct netreg *r) { return r->n; }
struct net *netreg_at(struct netreg *r, size_t i) { return i < r->n ? r->v[i] : NULL; }

struct net *netreg_find_name(struct netreg *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(nx_name(r->v[i]->def), name))
			return r->v[i];
	return NULL;
}

static struct net *find_uuid(struct netreg *r, const unsigned char u[16])
{
	for (size_t i = 0; i < r->n; i++) {
		unsigned char v[16];
		nx_uuid(r->v[i]->def, v);
		if (!memcmp(u, v, 16))
			return r->v[i];
	}
	return NULL;
}

struct net *netreg_find(struct netreg *r, const char *key)
{
	struct net *n = netreg_find_name(r, key);
	unsigned char u[16];
	if (!n && nx_uuid_parse(key, u) == 0)
		n = find_uuid(r, u);
	return n;
}

static void path_of(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s.xml", dir, name);
}

/* Insert keeping the array sorted by name; creates the bridge domain and
 * binds the network's ports. */
static int insert(struct netreg *r, struct net *n, struct ctl_err *e)
{
	if (r->n == NET_MAX)
		return ctl_fail(e, ENOSPC, 507, "limit-exceeded",
				"operation failed: too many networks: vnetd holds at most %d", NET_MAX);
	int rc = dp_net_create(r->ctl->dp, &n->dp_id);
	if (rc == -ENOMEM)
		return ctl_fail(e, ENOMEM, 507, "limit-exceeded",
				"operation failed: not enough memory for the bridge domain of another network (see --memory and --fdb-entries)");
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot create bridge domain: %s", strerror(-rc));
	size_t i = 0;
	while (i < r->n && strcmp(nx_name(r->v[i]->def), nx_name(n->def)) < 0)
		i++;
	memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(r->v[0]));
	r->v[i] = n;
	r->n++;
	portreg_network_up(r->ctl->ports, nx_name(n->def), n->dp_id);
	return 0;
}

static void remove_obj(struct netreg *r, struct net *n)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i] != n)
			continue;
		portreg_network_down(r->ctl->ports, nx_name(n->def));
		dp_net_destroy(r->ctl->dp, n->dp_id);
		/* As libvirt's networkRemoveInactive: the network's leases go
		 * with it, so a later network of that name starts clean. */
		char rel[320];
		snprintf(rel, sizeof(rel), "dhcp/%s.status", nx_name(n->def));
		store_remove(r->ctl->state, rel);
		memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
		r->n--;
		net_obj_free(n);
		return;
	}
}

struct bridge_ctx {
	struct netreg *r;
	const char *self;
};

static int bridge_in_use(const char *name, void *opaque)
{
	struct bridge_ctx *c = opaque;
	for (size_t i = 0; i < c->r->n; i++) {
		const struct net *n = c->r->v[i];
		if (!strcmp(nx_name(n->def), c->self))
			continue;
		const char *b = nx_bridge_name(n->def);
		const char *pb = n->newdef ? nx_bridge_name(n->newdef) : NULL;
		if ((b && !strcmp(b, name)) || (pb && !strcmp(pb, name)))
			return 1;
	}
	return 0;
}

/* Parse, apply the bridge driver's defaults and check for duplicates the
 * way virNetworkObjAssignDef does. */
static int prepare(struct netreg *r, const char *xml, size_t len, bool live,
		   struct nx_network **out, struct net **existing, struct ctl_err *e)
{
	char err[1024] = "";
	struct nx_network *d = NULL;
	int rc = nx_parse(xml, len, &d, err, sizeof(err));
	if (rc < 0)
		return errcode(err[0] ? err : "XML error: cannot parse network", e, rc);
	/* The name names files and a directory: <state>/networks/<name>.xml,
	 * autostart/<name>, dhcp/<name>.status, <socket-dir>/<name>/.  libvirt
	 * refuses only '/'; '.' and '..' would leave those directories, and
	 * hidden names ('.x') are not listed at the next start. */
	const char *nm = nx_name(d);
	if (nm[0] == '.' || strlen(nm) > NET_NAME_MAX) {
		rc = ctl_fail(e, EINVAL, 400, "xml-error",
			      nm[0] == '.' ? "XML error: network name '%s' must not start with '.'"
					   : "XML error: network name '%.32s...' is longer than %d bytes",
			      nm, NET_NAME_MAX);
		nx_free(d);
		return rc;
	}
	struct bridge_ctx bc = { r, nx_name(d) };
	rc = nx_apply_driver_defaults(d, bridge_in_use, &bc, err, sizeof(err));
	if (rc < 0) {
		nx_free(d);
		return errcode(err, e, rc);
	}
	unsigned char u[16];
	char us[37];
	nx_uuid(d, u);
	struct net *byuuid = find_uuid(r, u);
	struct net *byname = netreg_find_name(r, nx_name(d));
	if (byuuid && strcmp(nx_name(byuuid->def), nx_name(d))) {
		net_uuid_str(byuuid, us);
		rc = ctl_fail(e, EEXIST, 409, "operation-failed",
			      "operation failed: network '%s' is already defined with uuid %s",
			      nx_name(byuuid->def), us);
	} else if (!byuuid && byname) {
		net_uuid_str(byname, us);
		rc = ctl_fail(e, EEXIST, 409, "operation-failed",
			      "operation failed: network '%s' already exists with uuid %s",
			      nx_name(d), us);
	} else if (live && byname && byname->active) {
		rc = ctl_fail(e, EBUSY, 409, "operation-invalid",
			      "Requested operation is not valid: network is already active as '%s'",
			      nx_name(d));
	}
	if (rc < 0) {
		nx_free(d);
		return rc;
	}
	*out = d;
	*existing = byname;
	return 0;
}

static int save_def(struct netreg *r, const struct nx_network *d, struct ctl_err *e)
{
	char rel[320];
	char *x = nx_format(d, NX_FMT_INACTIVE);
	if (!x)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	path_of(rel, sizeof(rel), "networks", nx_name(d));
	int rc = store_write(r->ctl->state, rel, x, strlen(x));
	free(x);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot write network config: %s", strerror(-rc));
	return 0;
}

static int save_live_def(struct netreg *r, const struct nx_network *d, struct ctl_err *e)
{
	char rel[320];
	char *x = nx_format(d, 0);
	if (!x)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	path_of(rel, sizeof(rel), "networks", nx_name(d));
	int rc = store_write(r->ctl->run, rel, x, strlen(x));
	free(x);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot write network status: %s", strerror(-rc));
	return 0;
}

static int save_live(struct netreg *r, const struct net *n, struct ctl_err *e)
{
	return save_live_def(r, n->def, e);
}

int netreg_define(struct netreg *r, const char *xml, size_t len, struct net **out,
		  struct ctl_err *e)
{
	struct nx_network *d;
	struct net *n;
	int rc = prepare(r, xml, len, false, &d, &n, e);
	if (rc < 0)
		return rc;
	if ((rc = save_def(r, d, e)) < 0) {
		nx_free(d);
		return rc;
	}
	if (n && n->active) {
		/* Applied when the network next starts. */
		nx_free(n->newdef);
		n->newdef = d;
		n->persistent = true;
	} else if (n) {
		nx_free(n->def);
		n->def = d;
		n->persistent = true;
	} else {
		n = calloc(1, sizeof(*n));
		if (!n) {
			nx_free(d);
			return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
		}
		n->def = d;
		n->persistent = true;
		if ((rc = insert(r, n, e)) < 0) {
			char rel[320];
			path_of(rel, sizeof(rel), "networks", nx_name(d));
			store_remove(r->ctl->state, rel);
			net_obj_free(n);
			return rc;
		}
	}
	*out = n;
	return 0;
}

static int activate(struct netreg *r, struct net *n, struct ctl_err *e)
{
	char rel[320];
	struct netsvc *svc = netsvc_start(r->ctl, n->def, n->dp_id, e);
	if (!svc)
		return -EINVAL;
	int rc = save_live(r, n, e);
	if (rc < 0) {
		netsvc_stop(r->ctl, svc, n->dp_id);
		return rc;
	}
	rc = dp_net_set_active(r->ctl->dp, n->dp_id, true);
	if (rc < 0) {
		netsvc_stop(r->ctl, svc, n->dp_id);
		path_of(rel, sizeof(rel), "networks", nx_name(n->def));
		store_remove(r->ctl->run, rel);
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot start bridge domain: %s", strerror(-rc));
	}
	n->svc = svc;
	n->active = true;
	char uns[256];
	if (nx_unsupported(n->def, uns, sizeof(uns)) > 0)
		NET_LOG(WARNING, "network '%s' started; not implemented by vnetd yet: %s\n",
			nx_name(n->def), uns);
	return 0;
}

int netreg_create_transient(struct netreg *r, const char *xml, size_t len,
			    struct net **out, struct ctl_err *e)
{
	struct nx_network *d;
	struct net *ex;
	int rc = prepare(r, xml, len, true, &d, &ex, e);
	if (rc < 0)
		return rc;
	if (ex) {
		/* Same name and uuid, inactive: the persistent definition
		 * becomes the pending one, this one runs. */
		ex->newdef = ex->def;
		ex->def = d;
		if ((rc = activate(r, ex, e)) < 0) {
			ex->def = ex->newdef;
			ex->newdef = NULL;
			nx_free(d);
			return rc;
		}
		*out = ex;
		return 0;
	}
	struct net *n = calloc(1, sizeof(*n));
	if (!n) {
		nx_free(d);
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	}
	n->def = d;
	if ((rc = insert(r, n, e)) < 0) {
		net_obj_free(n);
		return rc;
	}
	if ((rc = activate(r, n, e)) < 0) {
		remove_obj(r, n);
		return rc;
	}
	*out = n;
	return 0;
}

int net_start(struct netreg *r, struct net *n, struct ctl_err *e)
{
	if (n->active)
		return ctl_fail(e, EBUSY, 409, "operation-invalid",
				"Requested operation is not valid: network is already active");
	return activate(r, n, e);
}

int net_destroy(struct netreg *r, struct net *n, bool *gone, struct ctl_err *e)
{
	char rel[320];
	*gone = false;
	if (!n->active)
		return ctl_fail(e, EINVAL, 409, "operation-invalid",
				"Requested operation is not valid: network '%s' is not active",
				nx_name(n->def));
	path_of(rel, sizeof(rel), "networks", nx_name(n->def));
	int rc = store_remove(r->ctl->run, rel);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot remove network status: %s", strerror(-rc));
	dp_net_set_active(r->ctl->dp, n->dp_id, false);
	netsvc_stop(r->ctl, n->svc, n->dp_id);
	n->svc = NULL;
	n->active = false;
	if (!n->persistent) {
		remove_obj(r, n);
		*gone = true;
		return 0;
	}
	if (n->newdef) {
		nx_free(n->def);
		n->def = n->newdef;
		n->newdef = NULL;
	}
	return 0;
}

int net_undefine(struct netreg *r, struct net *n, bool *gone, struct ctl_err *e)
{
	char rel[320];
	*gone = false;
	if (!n->persistent)
		return ctl_fail(e, EINVAL, 409, "operation-invalid",
				"Requested operation is not valid: can't undefine transient network");
	snprintf(rel, sizeof(rel), "autostart/%s", nx_name(n->def));
	int rc = store_remove(r->ctl->state, rel);
	if (rc == 0) {
		path_of(rel, sizeof(rel), "networks", nx_name(n->def));
		rc = store_remove(r->ctl->state, rel);
	}
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot delete config of network '%s': %s",
				nx_name(n->def), strerror(-rc));
	n->autostart = false;
	n->persistent = false;
	nx_free(n->newdef);
	n->newdef = NULL;
	if (!n->active) {
		remove_obj(r, n);
		*gone = true;
	}
	return 0;
}

int net_set_autostart(struct netreg *r, struct net *n, bool on, struct ctl_err *e)
{
	char rel[320];
	if (!n->persistent)
		return ctl_fail(e, EINVAL, 409, "operation-invalid",
				"Requested operation is not valid: cannot set autostart for transient network");
	snprintf(rel, sizeof(rel), "autostart/%s", nx_name(n->def));
	int rc = on ? store_touch(r->ctl->state, rel) : store_remove(r->ctl->state, rel);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot change autostart of network '%s': %s",
				nx_name(n->def), strerror(-rc));
	n->autostart = on;
	return 0;
}

/* ---- net-update ---- */

/* One side (live or persistent) of an update: a copy of base with the
 * change applied, then libvirt's format/parse cycle, so that what is
 * stored is exactly what loads again. */
static int update_copy(struct netreg *r, const struct nx_network *base, bool inactive,
		       int command, int section, int parent, const char *xml, size_t len,
		       struct nx_network **out, struct ctl_err *e)
{
	char err[1024] = "";
	struct nx_network *d = nx_copy(base), *chk = NULL;
	if (!d)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	int rc = nx_update(d, command, section, parent, xml, len, err, sizeof(err));
	if (rc < 0) {
		nx_free(d);
		if (rc == -ENOMEM)
			return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
		/* libvirt's codes: an operation refused is a conflict with the
		 * definition, bad XML a bad request */
		if (!strncmp(err, "Requested operation is not valid:", 33))
			return ctl_fail(e, EINVAL, 409, "operation-invalid", "%s", err);
		if (!strncmp(err, "Operation not supported:", 24))
			return ctl_fail(e, ENOTSUP, 400, "operation-unsupported", "%s", err);
		return errcode(err, e, rc);
	}
	char *x = nx_format(d, inactive ? NX_FMT_INACTIVE : 0);
	nx_free(d);
	if (!x)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	rc = nx_parse(x, strlen(x), &chk, err, sizeof(err));
	free(x);
	if (rc == 0) {
		struct bridge_ctx bc = { r, nx_name(chk) };
		rc = nx_apply_driver_defaults(chk, bridge_in_use, &bc, err, sizeof(err));
	}
	if (rc < 0) {
		nx_free(chk);
		return errcode(err, e, rc);
	}
	*out = chk;
	return 0;
}

int net_update(struct netreg *r, struct net *n, int command, int section, int parent,
	       const char *xml, size_t len, unsigned flags, unsigned *applied,
	       struct ctl_err *e)
{
	struct nx_network *live = NULL, *cfg = NULL;
	int rc;

	/* VIR_NETWORK_UPDATE_AFFECT_CURRENT: live if running, else config */
	if (!(flags & (NET_UPD_LIVE | NET_UPD_CONFIG)))
		flags = n->active ? NET_UPD_LIVE : NET_UPD_CONFIG;
	if ((flags & NET_UPD_LIVE) && !n->active)
		return ctl_fail(e, EINVAL, 409, "operation-invalid",
				"Requested operation is not valid: network is not running");
	if ((flags & NET_UPD_CONFIG) && !n->persistent)
		return ctl_fail(e, EINVAL, 409, "operation-invalid",
				"Requested operation is not valid: cannot change persistent config of a transient network");
	if ((flags & NET_UPD_LIVE) &&
	    (rc = update_copy(r, n->def, false, command, section, parent, xml, len, &live, e)) < 0)
		return rc;
	if (flags & NET_UPD_CONFIG) {
		const struct nx_network *base = n->newdef ? n->newdef : n->def;
		rc = update_copy(r, base, true, command, section, parent, xml, len, &cfg, e);
		if (rc < 0) {
			nx_free(live);
			return rc;
		}
	}
	/* The running services first (they refuse what they cannot serve),
	 * then the store, then memory; undone in reverse on failure. */
	if (live && (rc = netsvc_reconfigure(r->ctl, n->svc, live, n->dp_id, e)) < 0)
		goto fail;
	if (cfg && (rc = save_def(r, cfg, e)) < 0)
		goto undo_svc;
	if (live && (rc = save_live_def(r, live, e)) < 0) {
		if (cfg) {
			struct ctl_err e2;
			save_def(r, n->newdef ? n->newdef : n->def, &e2);
		}
		goto undo_svc;
	}
	if (cfg) {
		if (n->active) {
			/* the pending definition, applied at the next start */
			nx_free(n->newdef);
			n->newdef = cfg;
		} else {
			nx_free(n->def);
			n->def = cfg;
		}
	}
	if (live) {
		if (n->persistent && !n->newdef)
			n->newdef = n->def; /* the persistent one stays as it was */
		else
			nx_free(n->def);
		n->def = live;
	}
	if (applied)
		*applied = flags;
	NET_LOG(INFO, "network '%s': %s %s (%s%s%s)\n", nx_name(n->def),
		nx_update_command_str(command), nx_update_section_str(section),
		flags & NET_UPD_LIVE ? "live" : "", flags == (NET_UPD_LIVE | NET_UPD_CONFIG) ? ", " : "",
		flags & NET_UPD_CONFIG ? "config" : "");
	return 0;
undo_svc:
	if (live) {
		struct ctl_err e2;
		netsvc_reconfigure(r->ctl, n->svc, n->def, n->dp_id, &e2);
	}
fail:
	nx_free(live);
	nx_free(cfg);
	return rc;
}

/* ---- loading ---- */

static struct nx_network *load_file(struct store *s, const char *rel)
{
	char *x = NULL, err[1024] = "";
	size_t len;
	struct nx_network *d = NULL;
	if (store_read(s, rel, &x, &len) < 0) {
		NET_LOG(ERR, "cannot read %s/%s, skipped\n", store_dir(s), rel);
		return NULL;
	}
	if (nx_parse(x, len, &d, err, sizeof(err)) < 0) {
		NET_LOG(ERR, "%s/%s: %s; skipped\n", store_dir(s), rel, err);
		d = NULL;
	} else if (nx_apply_driver_defaults(d, NULL, NULL, err, sizeof(err)) < 0) {
		NET_LOG(ERR, "%s/%s: %s; skipped\n", store_dir(s), rel, err);
		nx_free(d);
		d = NULL;
	}
	free(x);
	return d;
}

static bool file_matches_name(const char *file, const struct nx_network *d)
{
	size_t l = strlen(file);
	return l > 4 && strlen(nx_name(d)) == l - 4 && !strncmp(file, nx_name(d), l - 4);
}

int netreg_load(struct netreg *r)
{
	char **names;
	size_t cnt;
	struct ctl_err e;

	store_mkdir(r->ctl->state, "networks");
	store_mkdir(r->ctl->state, "autostart");
	store_mkdir(r->ctl->run, "networks");
	if (store_list(r->ctl->state, "networks", ".xml", &names, &cnt) == 0) {
		for (size_t i = 0; i < cnt; i++) {
			char rel[320];
			snprintf(rel, sizeof(rel), "networks/%s", names[i]);
			struct nx_network *d = load_file(r->ctl->state, rel);
			if (!d)
				continue;
			if (!file_matches_name(names[i], d) || netreg_find_name(r, nx_name(d))) {
				NET_LOG(ERR, "%s/%s: name '%s' does not match the file or is a duplicate; skipped\n",
					store_dir(r->ctl->state), rel, nx_name(d));
				nx_free(d);
				continue;
			}
			struct net *n = calloc(1, sizeof(*n));
			if (!n) {
				nx_free(d);
				continue;
			}
			n->def = d;
			n->persistent = true;
			snprintf(rel, sizeof(rel), "autostart/%s", nx_name(d));
			n->autostart = store_exists(r->ctl->state, rel);
			if (insert(r, n, &e) < 0) {
				NET_LOG(ERR, "%s\n", e.msg);
				net_obj_free(n);
			}
		}
		store_list_free(names, cnt);
	}
	/* Networks that were active when the daemon stopped. */
	if (store_list(r->ctl->run, "networks", ".xml", &names, &cnt) == 0) {
		for (size_t i = 0; i < cnt; i++) {
			char rel[320];
			snprintf(rel, sizeof(rel), "networks/%s", names[i]);
			struct nx_network *d = load_file(r->ctl->run, rel);
			if (!d || !file_matches_name(names[i], d)) {
				nx_free(d);
				continue;
			}
			struct net *n = netreg_find_name(r, nx_name(d));
			if (n) {
				n->newdef = n->def; /* persistent copy stays pending */
				n->def = d;
				char *a = nx_format(n->def, NX_FMT_INACTIVE);
				char *b = nx_format(n->newdef, NX_FMT_INACTIVE);
				if (a && b && !strcmp(a, b)) {
					nx_free(n->newdef);
					n->newdef = NULL;
				}
				free(a);
				free(b);
			} else {
				n = calloc(1, sizeof(*n));
				if (!n) {
					nx_free(d);
					continue;
				}
				n->def = d;
				if (insert(r, n, &e) < 0) {
					NET_LOG(ERR, "%s\n", e.msg);
					net_obj_free(n);
					continue;
				}
			}
			if (activate(r, n, &e) < 0)
				NET_LOG(ERR, "cannot restart network '%s': %s\n", nx_name(d), e.msg);
		}
		store_list_free(names, cnt);
	}
	for (size_t i = 0; i < r->n; i++) {
		struct net *n = r->v[i];
		if (n->autostart && !n->active && activate(r, n, &e) < 0)
			NET_LOG(ERR, "cannot autostart network '%s': %s\n", nx_name(n->def), e.msg);
	}
	return (int)r->n;
}
