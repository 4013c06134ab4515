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

#include "control/ctl.h"

struct port;
struct portreg;

struct port_params {
	const char *name;
	const char *network;
	bool client;        /* vnetd connects to the VMM's socket */
	const char *ifname; /* non-NULL: a kernel-interface port (AF_PACKET) */
	const char *path;   /* NULL: <run-dir>/<network>/<name>.sock (server only) */
	bool has_mac;
	uint8_t mac[6];
	bool learning;
};

struct port_info {
	const char *name, *network, *path;
	const char *ifname; /* kernel ports; NULL for vhost-user */
	bool client, has_mac, learning, bound, connected;
	uint8_t mac[6];
	unsigned queues;
	int dp_id; /* -1 when unbound */
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
/* Name of the port bound to dataplane port id, or NULL. */
const char *portreg_name_of(struct portreg *r, uint16_t dp_id);

/* Called by the network registry. */
void portreg_network_up(struct portreg *r, const char *network, uint16_t dp_net);
void portreg_network_down(struct portreg *r, const char *network);
/* Once a second (control thread): logs each port's VMM connection and
 * disconnection by port and network name. */
void portreg_tick(struct portreg *r);

#endif
