/* portsec — port security (anti-spoofing) for a guest port's frames.
 *
 * Design: a pure function over a parsed frame head (no DPDK, no
 * allocation), called by the worker right after parse for every frame a
 * guest port sends, before the gateway and the switch see it.  With port
 * security on (Neutron's port_security_enabled):
 *   - the source MAC must be one of the port's (its own, its allowed
 *     address pairs'): else spoof_mac;
 *   - IPv4: the (source MAC, source IP) must be one of the port's addresses
 *     (its DHCP lease or static host, an allowed pair's prefix); 0.0.0.0 only
 *     for DHCP (UDP 68 -> 67): else spoof_ip.  A port with no known IPv4
 *     address yet (no lease, no static host, no pair) has its MAC checked
 *     only: vnetd cannot know a statically configured guest's address;
 *   - ARP: sender MAC must be the port's, sender IP (unless 0.0.0.0, a
 *     probe) the port's as above: else spoof_arp (no poisoning of the
 *     other guests' neighbour tables);
 *   - DHCP server replies (UDP source port 67, DHCPv6 547) never come from
 *     a guest: dhcp_server; a DHCP request whose client hardware address is
 *     not one of the port's MACs (a starvation attack) is dhcp_spoof;
 *   - IPv6 router advertisements (ICMPv6 134) from a guest: guest_ra.
 * The configuration is part of the port's snapshot (RCU: the control
 * thread publishes a new one, the workers read it; nothing is freed while
 * a worker may read it).  The control thread fills it from the port's MAC,
 * its allowed address pairs and the network's DHCP leases/hosts
 * (control/port.c), again whenever a lease binds.
 * Errors: none; portsec_check() returns a verdict.
 */
#ifndef VNETD_PORTSEC_H
#define VNETD_PORTSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/pkt.h"

#define PORTSEC_MAX_MACS 11 /* the port's own + one per allowed address pair */
#define PORTSEC_MAX_IPS 16  /* leases/static hosts + pairs */

struct portsec_ip {
	uint8_t mac;        /* index into macs[] */
	uint32_t net, mask; /* network order */
};

struct portsec_conf {
	bool enabled;
	uint8_t n_macs, n_ips;
	uint8_t macs[PORTSEC_MAX_MACS][6];
	struct portsec_ip ips[PORTSEC_MAX_IPS];
};

enum portsec_verdict {
	PORTSEC_PASS = 0,
	PORTSEC_SPOOF_MAC,
	PORTSEC_SPOOF_IP,
	PORTSEC_SPOOF_ARP,
	PORTSEC_DHCP_SERVER,
	PORTSEC_DHCP_SPOOF,
	PORTSEC_GUEST_RA,
};

/* f/len: the frame head; m: pkt_parse()'s result (any want_l3). */
enum portsec_verdict portsec_check(const struct portsec_conf *c, const uint8_t *f, size_t len,
				   const struct pkt_meta *m);
bool portsec_conf_equal(const struct portsec_conf *a, const struct portsec_conf *b);

#endif
