/* netsvc — what an active network serves itself: its gateway (answered by
 * the workers: ARP, ICMP echo), its DHCP server and its DNS server
 * (control/dns/; both on the control thread, fed by the dataplane's punt
 * ring, replying through dp_inject).
 *
 * Design: netsvc_start() derives the gateway and the DHCP configuration from
 * the network's live definition (first IPv4 <ip>, its <dhcp> ranges and
 * hosts, <mac>, <domain>, <mtu>, <dns enable>, IPv4 <route>s) the way
 * libvirt's bridge driver configures virbr0 and dnsmasq; netsvc_stop()
 * withdraws the gateway and saves the leases.  Leases persist in
 * <state-dir>/dhcp/<network>.status in libvirt's dnsmasq status format and
 * are reloaded at the next start.
 * Threads: control thread only.  Errors: 0 / negative errno + ctl_err.
 */
#ifndef VNETD_NETSVC_H
#define VNETD_NETSVC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "control/ctl.h"
#include "control/dhcp/dhcp_server.h"
#include "control/dns/dns_server.h"

struct netsvc;
struct nx_network;
struct dhcp_lease_info;

struct netsvc *netsvc_start(struct ctl *c, const struct nx_network *def, uint16_t dp_net,
			    struct ctl_err *e);
void netsvc_stop(struct ctl *c, struct netsvc *s, uint16_t dp_net);
/* net-update --live: applies a changed definition (DHCP ranges and static
 * hosts) to the running services without a restart: the DHCP server keeps
 * the leases that are still valid (a removed range's dynamic leases go; a
 * client whose MAC gained a static host is NAKed at its next renewal and
 * then gets the static address), and is created or withdrawn when the
 * network starts or stops serving DHCP.  On error nothing changed. */
int netsvc_reconfigure(struct ctl *c, struct netsvc *s, const struct nx_network *def,
		       uint16_t dp_net, struct ctl_err *e);
/* Handles one punted frame; returns the reply length or 0. */
int netsvc_frame(struct netsvc *s, uint16_t port, const uint8_t *frame, size_t len,
		 uint8_t *reply, size_t cap);
void netsvc_tick(struct netsvc *s);
/* Leases (all, or of one MAC); returns the count written to out. */
size_t netsvc_leases(const struct netsvc *s, const uint8_t *mac, struct dhcp_lease_info *out,
		     size_t max);
int netsvc_prefix(const struct netsvc *s);
/* Static DHCP hosts' addresses of a MAC (host order); returns the count. */
size_t netsvc_static_ips(const struct netsvc *s, const uint8_t *mac, uint32_t *out, size_t max);
/* The network's uplink (control/host/uplink.c calls it once the uplink
 * is acquired, DP_PORT_NONE when released): the forward mode and NAT range
 * go to the dataplane with it (control/nat/l3.c). */
int netsvc_set_uplink(struct ctl *c, struct netsvc *s, const struct nx_network *def,
		      uint16_t dp_net, uint16_t uplink);
uint16_t netsvc_uplink(const struct netsvc *s);
/* the NAT ports of a network without <nat><port> (uplink.c: outside the
 * host's ephemeral and listening ports); applied by netsvc_set_uplink. */
void netsvc_set_nat_ports(struct netsvc *s, uint16_t min, uint16_t max);

/* The DHCP server's counters (drops per reason, including malformed frames
 * and the per-client rate limiter) and the replies lost on the way out.
 * -ENOENT when the network serves no DHCP. */
struct netsvc_dhcp_stats {
	struct dhcp_stats server;
	uint64_t reply_no_mbuf;    /* no packet buffer for the reply */
	uint64_t reply_queue_full; /* the worker's inject ring was full */
};
int netsvc_dhcp_stats(const struct netsvc *s, struct netsvc_dhcp_stats *out);

/* The DNS server's counters (control/dns/dns_server.h) and the answers lost
 * on the way out.  -ENOENT when the network serves no DNS. */
struct netsvc_dns_stats {
	struct dns_server_stats server;
	uint64_t reply_no_mbuf;
	uint64_t reply_queue_full;
};
int netsvc_dns_stats(const struct netsvc *s, struct netsvc_dns_stats *out);

/* Drains the dataplane's punt ring: each frame goes to the service of the
 * network of the port it came from. */
void netsvc_process_punted(struct ctl *c);

#endif
