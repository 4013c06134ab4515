/* portsec.c — anti-spoofing checks of a guest's frames (see portsec.h). */
#include "dataplane/portsec.h"

#include <string.h>

#define ARP_OP_OFF 6
#define DHCP_CHADDR_OFF 28 /* in the BOOTP message */

/* Index of mac in the port's MACs, or -1. */
static inline int mac_index(const struct portsec_conf *c, const uint8_t *mac)
{
	for (unsigned i = 0; i < c->n_macs; i++)
		if (!memcmp(c->macs[i], mac, 6))
			return (int)i;
	return -1;
}

/* Is (MAC index, IPv4 address) one of the port's addresses?  No address
 * known at all: yes (only the MAC is checked then). */
static inline bool ip_ok(const struct portsec_conf *c, int mi, uint32_t ip)
{
	if (c->n_ips == 0)
		return true;
	for (unsigned i = 0; i < c->n_ips; i++)
		if (c->ips[i].mac == mi && (ip & c->ips[i].mask) == c->ips[i].net)
			return true;
	return false;
}

static enum portsec_verdict check_ipv4(const struct portsec_conf *c, const uint8_t *f,
				       size_t len, size_t off, int mi)
{
	const uint8_t *ip = f + off;
	if (len < off + 20)
		return PORTSEC_PASS; /* too short to forward anyway: the switch drops it */
	unsigned ihl = (ip[0] & 0x0f) * 4u;
	uint32_t src;
	memcpy(&src, ip + 12, 4);
	bool first = (pkt_rd16(ip + 6) & 0x1fff) == 0;
	const uint8_t *l4 = ip + ihl;
	bool udp = ip[9] == 17 && first && ihl >= 20 && len >= off + ihl + 8;
	uint16_t sport = udp ? pkt_rd16(l4) : 0, dport = udp ? pkt_rd16(l4 + 2) : 0;

	if (udp && sport == 67)
		return PORTSEC_DHCP_SERVER;
	if (udp && dport == 67) {
		/* a client's DISCOVER/REQUEST: its chaddr must be the port's */
		size_t ch = off + ihl + 8 + DHCP_CHADDR_OFF;
		if (len < ch + 6 || mac_index(c, f + ch) < 0)
			return PORTSEC_DHCP_SPOOF;
		if (src == 0)
			return PORTSEC_PASS;
	}
	return ip_ok(c, mi, src) ? PORTSEC_PASS : PORTSEC_SPOOF_IP;
}

static enum portsec_verdict check_arp(const struct portsec_conf *c, const uint8_t *f,
				      size_t len, size_t off)
{
	const uint8_t *a = f + off;
	if (len < off + 28)
		return PORTSEC_PASS;
	/* Ethernet/IPv4 ARP only: sender MAC at 8, sender IP at 14 */
	if (pkt_rd16(a) != 1 || pkt_rd16(a + 2) != PKT_ETH_P_IP || a[4] != 6 || a[5] != 4)
		return PORTSEC_SPOOF_ARP;
	int mi = mac_index(c, a + 8);
	uint32_t spa;
	memcpy(&spa, a + 14, 4);
	if (mi < 0 || (spa != 0 && !ip_ok(c, mi, spa)))
		return PORTSEC_SPOOF_ARP;
	return PORTSEC_PASS;
}

static enum portsec_verdict check_ipv6(const uint8_t *f, size_t len, size_t off)
{
	if (len < off + 40)
		return PORTSEC_PASS;
	uint8_t nh = f[off + 6];
	size_t p = off + 40;
	/* walk a few extension headers: hop-by-hop, routing, destination */
	for (int i = 0; i < 4 && (nh == 0 || nh == 43 || nh == 60); i++) {
		if (len < p + 8)
			return PORTSEC_PASS;
		nh = f[p];
		p += (size_t)(f[p + 1] + 1) * 8;
	}
	if (nh == 58 && len > p && f[p] == 134)
		return PORTSEC_GUEST_RA;
	if (nh == 17 && len >= p + 4 && pkt_rd16(f + p) == 547)
		return PORTSEC_DHCP_SERVER;
	return PORTSEC_PASS;
}

enum portsec_verdict portsec_check(const struct portsec_conf *c, const uint8_t *f, size_t len,
				   const struct pkt_meta *m)
{
	int mi = mac_index(c, m->smac);
	if (mi < 0)
		return PORTSEC_SPOOF_MAC;
	switch (m->ethertype) {
	case PKT_ETH_P_IP:
		return check_ipv4(c, f, len, m->l2_len, mi);
	case PKT_ETH_P_ARP:
		return check_arp(c, f, len, m->l2_len);
	case PKT_ETH_P_IPV6:
		return check_ipv6(f, len, m->l2_len);
	default:
		return PORTSEC_PASS;
	}
}

bool portsec_conf_equal(const struct portsec_conf *a, const struct portsec_conf *b)
{
	if (a->enabled != b->enabled || a->n_macs != b->n_macs || a->n_ips != b->n_ips)
		return false;
	if (memcmp(a->macs, b->macs, (size_t)a->n_macs * 6))
		return false;
	for (unsigned i = 0; i < a->n_ips; i++)
		if (a->ips[i].mac != b->ips[i].mac || a->ips[i].net != b->ips[i].net ||
		    a->ips[i].mask != b->ips[i].mask)
			return false;
	return true;
}
