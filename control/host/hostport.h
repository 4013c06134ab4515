/* hostport — a network's host port: the TAP named by its <bridge name>
 * holding the network's <ip> and <mac>, as virbr0 does on a libvirt host,
 * so the host reaches its guests and the guests the host's services at the
 * gateway address.
 *
 * Design: at network start (IPv4 <ip>, a bridge name, --host-port=yes) a
 * non-persistent TAP is created (control/host/nl.c), given the network's
 * MAC, address/prefix and MTU, brought up, and attached to the network as
 * a dataplane port with role DP_ROLE_HOST (static MAC = the gateway's,
 * learning off).  The dataplane owns the TAP's fd: detaching the port
 * closes it, which deletes the TAP (so does any death of vnetd).
 * A TAP that cannot be created (the name taken by another interface) is
 * logged and the network runs without one.
 * Threads: control thread.  Memory: one small struct per network, freed by
 * hostport_stop.
 */
#ifndef VNETD_HOSTPORT_H
#define VNETD_HOSTPORT_H

#include <stdint.h>

struct ctl;
struct nx_network;
struct hostport;

/* NULL when the network gets no host port (not asked for, or it failed:
 * logged). */
struct hostport *hostport_start(struct ctl *c, const struct nx_network *def, uint16_t dp_net);
void hostport_stop(struct ctl *c, struct hostport *h, uint16_t dp_net);
/* The port's dataplane id. */
uint16_t hostport_id(const struct hostport *h);

#endif
