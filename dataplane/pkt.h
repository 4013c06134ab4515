/* pkt — frame parsing and flow keys.
 *
 * Design: pure functions over a contiguous frame head (the first mbuf segment),
 * no allocation, no DPDK dependency, so the parser is unit-tested and fuzzed on
 * plain byte buffers.  pkt_parse() fills a struct pkt_meta with offsets and the
 * fields the classifier needs; pkt_key() turns that into a struct flow_key
 * masked by the port's key shape (PKT_SHAPE_L2: MACs + VLAN only;
 * PKT_SHAPE_L3: plus the IPv4 5-tuple), so that L2 bridging keeps one flow per
 * MAC pair while stateful policy later gets one per connection.
 *
 * Threading: stateless; called by workers on the hot path.
 * Errors: pkt_parse() returns 0 or a negative errno (-EINVAL for a frame that
 * must be dropped: runt, truncated header, bad IHL).
 */
#ifndef VNETD_PKT_H
#define VNETD_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_ETH_HLEN 14
#define PKT_ETH_P_IP 0x0800
#define PKT_ETH_P_ARP 0x0806
#define PKT_ETH_P_VLAN 0x8100
#define PKT_ETH_P_IPV6 0x86dd

enum pkt_shape {
	PKT_SHAPE_L2 = 0, /* in_port, vlan, smac, dmac */
	PKT_SHAPE_L3 = 1, /* + ethertype and the IPv4 5-tuple */
};

/* 32 bytes, no holes: hashed and compared as raw memory. */
struct flow_key {
	uint16_t in_port;
	uint16_t vlan; /* VLAN id, 0 when untagged */
	uint8_t dmac[6];
	uint8_t smac[6];
	uint16_t ethertype;
	uint8_t proto;
	uint8_t pad;
	uint32_t src_ip; /* network order */
	uint32_t dst_ip;
	uint16_t sport; /* network order; ICMP: id in sport */
	uint16_t dport;
};

struct pkt_meta {
	const uint8_t *dmac;
	const uint8_t *smac;
	uint16_t ethertype; /* host order, after any VLAN tag */
	uint16_t vlan;
	uint16_t l2_len;    /* 14, or 18 with a VLAN tag */
	uint16_t l3_off;    /* 0 when there is no parsed IPv4 header */
	uint16_t l4_off;    /* 0 when not parsed or not first fragment */
	uint8_t proto;
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
};

int pkt_parse(const uint8_t *frame, size_t len, bool want_l3, struct pkt_meta *m);
void pkt_key(const struct pkt_meta *m, uint16_t in_port, enum pkt_shape shape,
	     struct flow_key *k);

static inline bool pkt_mac_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

static inline bool pkt_mac_is_zero(const uint8_t *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/* "aa:bb:cc:dd:ee:ff" <-> bytes.  pkt_mac_parse returns 0 or -EINVAL. */
int pkt_mac_parse(const char *s, uint8_t mac[6]);
void pkt_mac_format(const uint8_t mac[6], char out[18]);

#endif
