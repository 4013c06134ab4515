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

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

_Static_assert(sizeof(struct flow_key) == 32, "flow_key is hashed as four words");

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

/* pkt_parse() and pkt_key() run once per packet: inline. */
static inline uint16_t pkt_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline __attribute__((always_inline)) int
pkt_parse(const uint8_t *f, size_t len, bool want_l3, struct pkt_meta *m)
{
	size_t off = PKT_ETH_HLEN;

	memset(m, 0, sizeof(*m));
	if (len < PKT_ETH_HLEN)
		return -EINVAL;
	m->dmac = f;
	m->smac = f + 6;
	m->ethertype = pkt_rd16(f + 12);
	if (m->ethertype == PKT_ETH_P_VLAN) {
		if (len < PKT_ETH_HLEN + 4)
			return -EINVAL;
		m->vlan = pkt_rd16(f + 14) & 0x0fff;
		m->ethertype = pkt_rd16(f + 16);
		off += 4;
	}
	m->l2_len = (uint16_t)off;
	if (!want_l3 || m->ethertype != PKT_ETH_P_IP)
		return 0;

	const uint8_t *ip = f + off;
	if (len < off + 20)
		return -EINVAL;
	unsigned ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < off + ihl)
		return -EINVAL;
	m->l3_off = (uint16_t)off;
	m->proto = ip[9];
	memcpy(&m->src_ip, ip + 12, 4);
	memcpy(&m->dst_ip, ip + 16, 4);
	/* Only the first fragment carries ports. */
	if (pkt_rd16(ip + 6) & 0x1fff)
		return 0;
	const uint8_t *l4 = ip + ihl;
	size_t l4len = len - off - ihl;
	switch (m->proto) {
	case 6:  /* TCP */
	case 17: /* UDP */
		if (l4len < 8)
			return -EINVAL;
		memcpy(&m->sport, l4, 2);
		memcpy(&m->dport, l4 + 2, 2);
		break;
	case 1: /* ICMP: echo id stands in for the source port */
		if (l4len < 8)
			return -EINVAL;
		if (l4[0] == 0 || l4[0] == 8)
			memcpy(&m->sport, l4 + 4, 2);
		m->dport = (uint16_t)(l4[0] << 8 | l4[1]);
		break;
	default:
		return 0;
	}
	m->l4_off = (uint16_t)(off + ihl);
	return 0;
}

static inline __attribute__((always_inline)) void
pkt_key(const struct pkt_meta *m, uint16_t in_port, enum pkt_shape shape, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->in_port = in_port;
	k->vlan = m->vlan;
	memcpy(k->dmac, m->dmac, 6);
	memcpy(k->smac, m->smac, 6);
	if (shape == PKT_SHAPE_L3) {
		k->ethertype = m->ethertype;
		k->proto = m->proto;
		k->src_ip = m->src_ip;
		k->dst_ip = m->dst_ip;
		k->sport = m->sport;
		k->dport = m->dport;
	}
}

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

/* The Internet checksum (RFC 1071) over len bytes, big-endian words, starting
 * from the partial sum init (0, or a pseudo-header's sum); returns the
 * complement, ready to store.  Over a region holding a valid checksum it
 * returns 0. */
static inline uint16_t pkt_csum(const void *data, size_t len, uint32_t init)
{
	const uint8_t *p = data;
	uint64_t sum = init;
	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif
