#include "dataplane/gw.h"

#include <stdbool.h>
#include <string.h>

#define ARP_HLEN 28
#define IP_UDP 17
#define IP_ICMP 1
#define IP_TCP 6

static bool is_bcast(const uint8_t *mac)
{
	static const uint8_t b[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	return !memcmp(mac, b, 6);
}

static enum gw_verdict arp(uint8_t *f, size_t len, const struct pkt_meta *m,
			   const struct gw_conf *g, enum gw_drop *why)
{
	uint8_t *a = f + m->l2_len;
	bool to_gw_mac = !memcmp(m->dmac, g->mac, 6);
	if (len < (size_t)m->l2_len + ARP_HLEN) {
		*why = GW_DROP_MALFORMED;
		return to_gw_mac ? GW_DROP : GW_PASS;
	}
	/* Ethernet/IPv4 only */
	if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 || a[4] != 6 || a[5] != 4)
		return to_gw_mac ? (*why = GW_DROP_MALFORMED, GW_DROP) : GW_PASS;
	uint16_t op = (uint16_t)(a[6] << 8 | a[7]);
	uint8_t *sha = a + 8, *spa = a + 14, *tha = a + 18, *tpa = a + 24;
	if (!memcmp(spa, &g->ip, 4)) {
		/* Someone announces or answers for the gateway's address. */
		*why = GW_DROP_CONFLICT;
		return GW_DROP;
	}
	if (memcmp(tpa, &g->ip, 4))
		return to_gw_mac ? (*why = GW_DROP_NO_ROUTE, GW_DROP) : GW_PASS;
	if (op != 1) {
		/* A reply addressed to the gateway: nothing to do with it. */
		*why = GW_DROP_NONE;
		return GW_DROP;
	}
	/* Request for the gateway (also a probe with spa 0): answer. */
	memcpy(tha, sha, 6);
	memcpy(tpa, spa, 4);
	memcpy(sha, g->mac, 6);
	memcpy(spa, &g->ip, 4);
	a[7] = 2;
	memcpy(f, tha, 6);
	memcpy(f + 6, g->mac, 6);
	return GW_REPLY;
}

static enum gw_verdict icmp_echo(uint8_t *f, size_t len, const struct pkt_meta *m,
				 const struct gw_conf *g, enum gw_drop *why)
{
	uint8_t *ip = f + m->l3_off;
	uint8_t *ic = f + m->l4_off;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = (size_t)(ip[2] << 8 | ip[3]);
	if (m->l4_off == 0 || tot < ihl + 8 || m->l3_off + tot > len) {
		*why = GW_DROP_MALFORMED;
		return GW_DROP;
	}
	if (ic[0] != 8 || ic[1] != 0) {
		*why = GW_DROP_NONE;
		return GW_DROP;
	}
	/* type 8 -> 0: incremental checksum update (RFC 1624). */
	uint32_t sum = (uint16_t)~(ic[2] << 8 | ic[3]);
	sum += (uint16_t)~0x0800u;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	uint16_t c = (uint16_t)~sum;
	ic[0] = 0;
	ic[2] = (uint8_t)(c >> 8);
	ic[3] = (uint8_t)c;
	memcpy(ip + 16, ip + 12, 4);
	memcpy(ip + 12, &g->ip, 4);
	ip[8] = 64;
	ip[10] = ip[11] = 0;
	c = pkt_csum(ip, ihl, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memcpy(f, f + 6, 6);
	memcpy(f + 6, g->mac, 6);
	return GW_REPLY;
}

enum gw_verdict gw_process(uint8_t *f, size_t len, const struct pkt_meta *m,
			   const struct gw_conf *g, enum gw_drop *why)
{
	*why = GW_DROP_NONE;
	if (g->ip == 0)
		return GW_PASS;
	/* Not a valid sender: the switch drops it as src_mcast. */
	if ((m->smac[0] & 1) || !(m->smac[0] | m->smac[1] | m->smac[2] | m->smac[3] |
				   m->smac[4] | m->smac[5]))
		return GW_PASS;
	if (m->ethertype == PKT_ETH_P_ARP)
		return arp(f, len, m, g, why);
	bool to_gw_mac = !memcmp(m->dmac, g->mac, 6);
	if (m->ethertype != PKT_ETH_P_IP || m->l3_off == 0) {
		if (to_gw_mac) {
			*why = GW_DROP_NO_ROUTE;
			return GW_DROP;
		}
		return GW_PASS;
	}
	/* DHCP to the server, broadcast or unicast, when the network serves
	 * DHCP; otherwise broadcast DHCP is switched like any broadcast. */
	if (g->dhcp && m->proto == IP_UDP && m->l4_off && m->dport == __builtin_bswap16(67) &&
	    (to_gw_mac || is_bcast(m->dmac)))
		return GW_PUNT;
	if (!to_gw_mac)
		return GW_PASS;
	if (m->dst_ip == g->ip && m->proto == IP_ICMP)
		return icmp_echo(f, len, m, g, why);
	/* DNS to the gateway's address, when the network serves it. */
	if (g->dns && m->dst_ip == g->ip && m->l4_off && (m->proto == IP_UDP || m->proto == IP_TCP) &&
	    m->dport == __builtin_bswap16(53))
		return GW_PUNT;
	*why = GW_DROP_NO_ROUTE;
	return GW_DROP;
}
