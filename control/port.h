/* port — the port registry: VM interfaces attached to networks.
 *
 * Design: a port is a named vhost-user socket (server or client mode) with an
 * optional MAC, bound to a network by name.  The registry persists ports in
 * <state-dir>/ports/<name>.json and re-attaches them at start.  A port is
 * "bound" (has a dataplane port and an open socket) while its network exists
 * (defined or transient); when the network goes away the port stays in the
 * registry, unbound, and binds again when a network of that name appears.
 * A kernel port attaches an existing interface (veth end, tap) instead of a
 * socket; it is "connected" while the interface exists.
 * While the network is inactive the port stays bound (the VMM keeps its
 * connection) but the dataplane forwards nothing for it.
 * Threads: control thread only.  Errors: 0 / negative errno + struct ctl_err.
 */
#ifndef VNETD_PORT_H
#define VNETD_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "control/ctl.h"

struct port;
struct portreg;

/* Security groups and port security (hf, issue 10), Neutron's port
 * attributes: port_security_enabled (default: on when the port has a MAC),
 * security_groups (default: none: not filtered, as libvirt's networks; the
 * "default" group is bound when asked for), allowed_address_pairs (ip_address: an IPv4/IPv6 address
 * or prefix; mac_address: default the port's). */
#define PORT_MAX_SGS 16
#define PORT_MAX_PAIRS 10 /* Neutron's max_allowed_address_pair */
#define PORT_SG_REF_MAX 256 /* a group's id or name as a request gives it */
struct port_pair {
	bool has_mac;
	uint8_t mac[6];
	uint8_t family;   /* 4 or 6 */
	uint8_t addr[16]; /* network order, host bits clear */
	uint8_t plen;
};
struct port_sec_req {
	int enabled;  /* -1: not given */
	int n_sgs;    /* -1: not given */
	char sgs[PORT_MAX_SGS][PORT_SG_REF_MAX];
	int n_pairs;  /* -1: not given */
	struct port_pair pairs[PORT_MAX_PAIRS];
};

struct port_params {
	const char *name;
	const char *network;
	bool client;        /* vnetd connects to the VMM's socket */
	const char *ifname; /* non-NULL: a kernel-interface port (AF_PACKET) */
	const char *path;   /* NULL: <run-dir>/<network>/<name>.sock (server only) */
	bool has_mac;
	uint8_t mac[6];
	bool learning;
	const struct port_sec_req *sec; /* NULL: the defaults */
};

struct port_info {
	const char *name, *network, *path;
	const char *ifname; /* kernel ports; NULL for vhost-user */
	bool client, has_mac, learning, bound, connected;
	uint8_t mac[6];
	unsigned queues;
	int dp_id; /* -1 when unbound */
	bool port_security;
	unsigned n_sgs, n_pairs;
	const char (*sgs)[37];            /* group ids */
	const struct port_pair *pairs;    /* mac filled in */
};

struct portreg *portreg_create(struct ctl *ctl);
void portreg_free(struct portreg *r);
/* Reads the store (bad files reported and skipped); binds nothing yet:
 * networks bind their ports when they appear. */
int portreg_load(struct portreg *r);

int portreg_add(struct portreg *r, const struct port_params *p, struct port **out,
		struct ctl_err *e);
int portreg_remove(struct portreg *r, struct port *p, struct ctl_err *e);
struct port *portreg_find(struct portreg *r, const char *name);
size_t portreg_count(const struct portreg *r);
struct port *portreg_at(struct portreg *r, size_t i); /* sorted by name */
void port_info(const struct portreg *r, const struct port *p, struct port_info *info);
/* Adds the port's port_security_enabled, security_groups and
 * allowed_address_pairs to o (the API's port object). */
void port_sec_json(const struct port *p, json_t *o);
/* PUT /v1/ports/NAME: security groups, port security, allowed address
 * pairs (Neutron's rules and messages); stored, then applied. */
int portreg_update_sec(struct portreg *r, struct port *p, const struct port_sec_req *sec,
		       struct ctl_err *e);
/* Recomputes every bound port's port-security set (its MAC, pairs, DHCP
 * leases and static hosts) and hands what changed to the dataplane: once a
 * second and after the DHCP server ran (a lease just bound). */
void portreg_portsec_refresh(struct portreg *r);
/* Recompiles (and republishes when changed) only the ports bound to group
 * gid (a change of its rules); returns how many ports it looked at. */
unsigned portreg_sg_refresh(struct portreg *r, const char *gid);
/* The same, only when a DHCP server acknowledged something since the last
 * call (cheap enough to run after every batch of punted frames). */
void portreg_portsec_after_dhcp(struct portreg *r);
/* vnetctl trace: the port's port-security set as the dataplane has it, and
 * a security group's member addresses (control/policy/sg_compile.h's sg_member). */
struct portsec_conf;
struct sg_member;
void portreg_sec_state(struct portreg *r, const struct port *p, struct portsec_conf *conf);
size_t portreg_members(struct portreg *r, const char *gid, struct sg_member *out, size_t max);
/* Is the group bound to a port?  Its name, else NULL. */
const char *portreg_sg_user(struct portreg *r, const char *sg_id);
/* Name of the port bound to dataplane port id, or NULL. */
const char *portreg_name_of(struct portreg *r, uint16_t dp_id);

/* Called by the network registry. */
void portreg_network_up(struct portreg *r, const char *network, uint16_t dp_net);
void portreg_network_down(struct portreg *r, const char *network);
/* Once a second (control thread): logs each port's VMM connection and
 * disconnection by port and network name. */
void portreg_tick(struct portreg *r);

#endif
