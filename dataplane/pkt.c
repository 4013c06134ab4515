#include "dataplane/pkt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int pkt_parse(const uint8_t *f, size_t len, bool want_l3, struct pkt_meta *m)
{
	size_t off = PKT_ETH_HLEN;

	memset(m, 0, sizeof(*m));
	if (len < PKT_ETH_HLEN)
		return -EINVAL;
	m->dmac = f;
	m->smac = f + 6;
	m->ethertype = rd16(f + 12);
	if (m->ethertype == PKT_ETH_P_VLAN) {
		if (len < PKT_ETH_HLEN + 4)
			return -EINVAL;
		m->vlan = rd16(f + 14) & 0x0fff;
		m->ethertype = rd16(f + 16);
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
	if (rd16(ip + 6) & 0x1fff)
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

void pkt_key(const struct pkt_meta *m, uint16_t in_port, enum pkt_shape shape,
	     struct flow_key *k)
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

int pkt_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
			 &v[4], &v[5], &tail) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

void pkt_mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}
