/* host/uplink — the uplinks of the running networks, on the control side.
 *
 * Design: a nat/route/open network needs an uplink: the interface given by
 * --uplink=IFNAME, else the network's <forward dev>, else the interface of
 * the host's default route (--uplink=none: never).  Uplinks are shared and
 * reference counted by interface name: the first network opens it
 * (dataplane/uplink.c: AF_XDP or af_packet, our BPF program attached), makes
 * it a dataplane port with role DP_ROLE_UPLINK and tells the dataplane its
 * address, MAC, MTU and default gateway (dp_uplink_set); the last one to
 * stop detaches and closes it (the BPF program goes).  Each network steers
 * what is its own: NAT mode its external addresses (or the uplink's) with
 * its TCP/UDP port range and ICMP ids in that range; route/open its prefix.
 * Housekeeping (each second): the gateway's and the on-link neighbours' MACs
 * that the workers missed are resolved through the kernel (NTF_USE) and
 * handed to the dataplane (dp_uplink_neigh_set); the interface's address
 * and gateway are re-read.
 * If the NAT port range overlaps the host's ephemeral ports (and they are
 * not reserved, net.ipv4.ip_local_reserved_ports) a warning is logged: the
 * host's own connections using those ports would be steered to vnetd.
 * Threads: control thread.  Memory: an entry per open interface, a use per
 * network, freed at release.
 */
#ifndef VNETD_HOST_UPLINK_H
#define VNETD_HOST_UPLINK_H

#include <stdint.h>

struct ctl;
struct netsvc;
struct nx_network;
struct uplink_use;

/* At network start: acquires and steers the network's uplink and hands it
 * to netsvc (netsvc_set_uplink).  NULL when the network gets none (not
 * nat/route/open, --uplink=none, no interface, failure: logged). */
struct uplink_use *uplink_net_start(struct ctl *c, struct netsvc *s, const struct nx_network *def,
				    uint16_t dp_net);
/* At network stop: withdraws the steering, releases the uplink. */
void uplink_net_stop(struct ctl *c, struct uplink_use *u, uint16_t dp_net);
/* Once a second: neighbours, the interface's address and gateway. */
void uplink_tick(struct ctl *c);

#endif
