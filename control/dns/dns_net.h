/*
 * dns_net.h - a network's DNS service configured from its definition: the
 * glue between netsvc (network lifecycle, punted frames, DHCP leases) and
 * dns_server (no netxml there).
 *
 * Design note
 *  - Who writes / who reads: the control thread (netsvc) only.
 *  - Configuration, as libvirt writes dnsmasq's: the zone holds the
 *    <dhcp><host name ip> entries, <dns><host ip><hostname>s, <srv>s and
 *    <txt>s, and the names DHCP clients gave with their leases, each with
 *    <domain name> appended to a dotless name (expand-hosts) and its PTR;
 *    <domain localOnly='yes'> and <forwarder domain> without an address
 *    are local; <forwarder addr [domain]> are the upstream servers (else
 *    resolv.conf's); forwardPlainNames='no' keeps dotless names local.
 *  - Leases: dns_net_leases() is called after DHCP traffic and every tick;
 *    the zone is rebuilt only when the (name, address) set changed.
 *  - Memory: dns_net owns its server; dns_net_free() frees it.
 */
#ifndef VNETD_DNS_NET_H
#define VNETD_DNS_NET_H

#include <stddef.h>
#include <stdint.h>

#include "control/dns/dns_server.h"

struct nx_network;
struct dhcp_lease_info;
struct dns_net;

/* NULL with errno set (EINVAL: the <dns> section cannot be served). */
struct dns_net *dns_net_new(const struct nx_network *def, uint32_t gw /* host order */,
		const uint8_t mac[6], const char *resolv, dns_send_fn send, void *ctx);
void dns_net_free(struct dns_net *d);
/* net-update of <dns>, <domain>, <ip><dhcp><host>: zone and forwarders anew. */
int dns_net_reconfigure(struct dns_net *d, const struct nx_network *def);
void dns_net_leases(struct dns_net *d, const struct dhcp_lease_info *l, size_t n);
struct dns_server *dns_net_server(struct dns_net *d);

#endif
