/* nl — what vnetd asks the host kernel over rtnetlink (libmnl), and the
 * host port's TAP.
 *
 * Design: each call opens a NETLINK_ROUTE socket, sends one request, reads
 * the answer and closes it: the calls are rare (network start/stop, a
 * neighbour check per second per uplink) and no state is kept between
 * them.  Everything works in the network namespace vnetd runs in.
 * The parsers (nl_route_pick, nl_neigh_parse) take a message in memory so
 * unit tests feed them built messages.
 * Threads: control thread.  Errors: 0 or a negative errno (-ENOENT: no such
 * route/interface/address/neighbour).
 */
#ifndef VNETD_NL_H
#define VNETD_NL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct nlmsghdr;

struct nl_ifinfo {
	int ifindex;
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t ip;   /* first IPv4 address (network order), 0: none */
	uint8_t plen;
};

/* The main table's IPv4 default route with the lowest metric: its output
 * interface and gateway (network order, 0: on-link). */
int nl_default_route(char ifname[IF_NAMESIZE], uint32_t *gw);
int nl_if_info(const char *ifname, struct nl_ifinfo *info);
/* The kernel's neighbour entry for ip on ifindex: 0 and mac when it is
 * usable (reachable, stale, delay, probe, permanent), -EAGAIN while
 * unresolved (incomplete, failed), -ENOENT when there is none. */
int nl_neigh_lookup(int ifindex, uint32_t ip, uint8_t mac[6]);
/* Asks the kernel to resolve ip on ifindex (NTF_USE: an ARP request goes
 * out, the answer lands in the neighbour table). */
int nl_neigh_resolve(int ifindex, uint32_t ip);

/* A TAP named name (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, non-blocking, no
 * offloads): returns its fd.  Not persistent: it disappears with the fd
 * (also when vnetd is killed).  -EEXIST when another kind of interface
 * has the name. */
int nl_tap_create(const char *name);
/* Link settings: mac (NULL: unchanged), mtu (0: unchanged), up. */
int nl_link_set(int ifindex, const uint8_t *mac, unsigned mtu, bool up);
int nl_addr_add(int ifindex, uint32_t ip, uint8_t plen);
int nl_link_del(const char *name);

/* Parsers (tests).  nl_route_pick: if nlh is an IPv4 default route of the
 * main table with a metric below *metric, stores its oif and gateway and
 * the metric; returns 1 when it did, else 0. */
int nl_route_pick(const struct nlmsghdr *nlh, int *oif, uint32_t *gw, uint32_t *metric);
/* nl_neigh_parse: an RTM_NEWNEIGH answer as nl_neigh_lookup returns it. */
int nl_neigh_parse(const struct nlmsghdr *nlh, uint8_t mac[6]);

#endif
