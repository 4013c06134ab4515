/* gw — a network's gateway, answered inline by the workers.
 *
 * Design: pure functions on a frame in memory (no DPDK, no allocation) that
 * decide what the gateway does with a frame of its network and, for ARP and
 * ICMP echo, turn the request into its reply in place, so the worker sends
 * the same buffer back out of the ingress port.  DHCP is punted to the
 * control thread (the DHCP server), and so is DNS to the gateway's
 * address when the network serves it (UDP and TCP port 53).  The gateway answers only for its own
 * address: ARP for other addresses (guests' requests, gratuitous ARP and
 * duplicate-address probes) passes on to the switch untouched.  Frames from
 * a multicast or all-zero source MAC are never answered or punted: they pass
 * to the switch, which drops and counts them (src_mcast) like any other.
 * Threads: stateless, called by workers.
 */
#ifndef VNETD_GW_H
#define VNETD_GW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/pkt.h"

enum gw_verdict {
	GW_PASS = 0,  /* not for the gateway: switch it */
	GW_REPLY,     /* frame rewritten into the reply: send back to the ingress port */
	GW_PUNT,      /* for the control thread (DHCP) */
	GW_DROP,      /* for the gateway, nothing to answer (reason in *why) */
};

enum gw_drop {
	GW_DROP_NONE = 0,
	GW_DROP_CONFLICT,  /* a guest claims the gateway's address */
	GW_DROP_NO_ROUTE,  /* IP to the gateway MAC that the gateway does not serve */
	GW_DROP_MALFORMED, /* truncated ARP/ICMP */
};

struct gw_conf {
	uint32_t ip;       /* network order; 0 = no gateway */
	uint8_t mac[6];
	bool dhcp;         /* the network serves DHCP: punt it; otherwise DHCP
	                    * is ordinary traffic, switched to the other ports
	                    * (a DHCP server a guest runs), as a Linux bridge does */
	bool dns;          /* the network serves DNS: punt UDP and TCP port 53 to
	                    * the gateway's address (and MAC) */
};

/* m: the frame parsed with want_l3 = true.  len: bytes available at f. */
enum gw_verdict gw_process(uint8_t *f, size_t len, const struct pkt_meta *m,
			   const struct gw_conf *g, enum gw_drop *why);

#endif
