/* vh — vhost-user sockets on top of rte_vhost.
 *
 * Design: one registered rte_vhost driver per port socket, in server mode
 * (vnetd creates the socket, the VMM connects) or client mode (the VMM owns
 * the socket; rte_vhost reconnects for ever, so either side may restart).
 * rte_vhost's callbacks run on its own event thread and carry only a device
 * id, so this module keeps a mutex-protected table socket path -> dataplane
 * port and forwards new_device / destroy_device / vring_state_changed to
 * dp_port_attach_vhost / dp_port_detach / dp_port_vring_state.
 * dp_port_detach returns only after a grace period, so rte_vhost may free
 * the rings as soon as our destroy_device returns.  vring states may arrive
 * before new_device; they are looked up by socket path and recorded.
 *
 * TSO and checksum offloads are masked off: frames leave through ports that
 * cannot segment (and NAT rewrites headers); everything else (mergeable rx
 * buffers, multiqueue, packed and split rings, dirty logging) is kept.
 *
 * Threads: vh_port_add/remove from the control thread; callbacks from the
 * rte_vhost thread.  Errors: 0 or negative errno.
 */
#ifndef VNETD_VH_H
#define VNETD_VH_H

#include <stdbool.h>
#include <stdint.h>

struct dp;

struct vh_port_info {
	bool connected;
	int vid;
	unsigned queues; /* queue pairs served (both vrings enabled by the guest) */
	unsigned connects; /* devices attached since vh_port_add (for the log) */
	char ifname[64]; /* the guest-visible name rte_vhost reports */
};

int vh_init(struct dp *dp, int socket_gid /* -1: keep */);
void vh_fini(void);
int vh_port_add(uint16_t port, const char *path, bool client);
/* Detaches the device from the dataplane (a grace period), then closes the
 * socket on a reaper thread: the control thread does not wait for rte_vhost
 * (callbacks in flight).  vh_port_add of the same port or socket waits for
 * that (up to 5 s, then -EBUSY); vh_wait_removals() waits for all. */
int vh_port_remove(uint16_t port);
void vh_wait_removals(void);
int vh_port_info(uint16_t port, struct vh_port_info *info);

#endif
