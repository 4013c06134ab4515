/* SPDX-License-Identifier: BSD-3-Clause
 * pg_flow: see pg_flow.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_mempool.h>

#include "pg_flow.h"

#define PG_L2_LEN  (sizeof(struct rte_ether_hdr))
#define PG_L3_OFF  PG_L2_LEN
#define PG_L4_OFF  (PG_L3_OFF + sizeof(struct rte_ipv4_hdr))
#define PG_PL_OFF  (PG_L4_OFF + sizeof(struct rte_udp_hdr))

void
pg_flow_tmpl_default(struct pg_flow_tmpl *t)
{
	static const struct rte_ether_addr smac = {
		.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
	static const struct rte_ether_addr dmac = {
		.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };

	memset(t, 0, sizeof(*t));
	t->smac = smac;
	t->dmac = dmac;
	t->sip = RTE_IPV4(10, 0, 0, 1);
	t->dip = RTE_IPV4(10, 1, 0, 1);
	t->sport = 1024;
	t->dport = 1024;
	/* pairwise coprime primes; product ~4.0e12 > 2^32 keys */
	t->sip_range = 251;
	t->dip_range = 241;
	t->sport_range = 16381;
	t->dport_range = 4093;
	t->vary_mac = 0;
	t->mac_range = 4099;
	t->frame_len = 64;
	t->ttl = 64;
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

uint64_t
pg_flow_tmpl_space(const struct pg_flow_tmpl *t)
{
	long double p = (long double)t->sip_range * t->dip_range *
			t->sport_range * t->dport_range;
	if (t->vary_mac)
		p *= t->mac_range;
	if (p > 1.8e19L)
		return UINT64_MAX;
	return (uint64_t)p;
}

int
pg_flow_tmpl_check(const struct pg_flow_tmpl *t, uint64_t nkeys,
		   char *err, size_t errlen)
{
	uint32_t r[5] = { t->sip_range, t->dip_range, t->sport_range,
			  t->dport_range, t->vary_mac ? t->mac_range : 1 };
	static const char *name[5] = { "sip", "dip", "sport", "dport", "mac" };
	int i, j;

	if (t->frame_len < 64 || t->frame_len > 1518) {
		snprintf(err, errlen, "frame size %u not in 64..1518",
			 t->frame_len);
		return -1;
	}
	for (i = 0; i < 5; i++) {
		if (r[i] == 0) {
			snprintf(err, errlen, "%s range is 0", name[i]);
			return -1;
		}
	}
	if ((uint64_t)t->sport + t->sport_range - 1 > 65535 ||
	    (uint64_t)t->dport + t->dport_range - 1 > 65535) {
		snprintf(err, errlen, "port base + range exceeds 65535");
		return -1;
	}
	if (t->vary_mac && t->mac_range > 65536) {
		snprintf(err, errlen, "mac range > 65536");
		return -1;
	}
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			if (gcd64(r[i], r[j]) != 1) {
				snprintf(err, errlen,
					 "%s range %u and %s range %u are not "
					 "coprime: tuples would repeat early",
					 name[i], r[i], name[j], r[j]);
				return -1;
			}
	if (pg_flow_tmpl_space(t) < nkeys) {
		snprintf(err, errlen,
			 "ranges give only %llu distinct flows, %llu needed",
			 (unsigned long long)pg_flow_tmpl_space(t),
			 (unsigned long long)nkeys);
		return -1;
	}
	return 0;
}

static uint16_t
ip_len(const struct pg_flow_tmpl *t)
{
	return (uint16_t)(t->frame_len - RTE_ETHER_CRC_LEN - PG_L2_LEN);
}

static void
fill_ip(const struct pg_flow_tmpl *t, struct rte_ipv4_hdr *ip,
	uint32_t sip_n, uint32_t dip_n)
{
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(ip_len(t));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = t->ttl;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	ip->src_addr = sip_n;
	ip->dst_addr = dip_n;
}

void
pg_flow_tuple(const struct pg_flow_tmpl *t, uint32_t key, int reverse,
	      struct pg_tuple *out)
{
	struct rte_ipv4_hdr ip;
	uint32_t sip = t->sip + key % t->sip_range;
	uint32_t dip = t->dip + key % t->dip_range;
	uint16_t sp = (uint16_t)(t->sport + key % t->sport_range);
	uint16_t dp = (uint16_t)(t->dport + key % t->dport_range);

	if (reverse) {
		uint32_t x = sip;
		uint16_t y = sp;
		sip = dip; dip = x;
		sp = dp; dp = y;
	}
	out->sip = rte_cpu_to_be_32(sip);
	out->dip = rte_cpu_to_be_32(dip);
	out->sport = rte_cpu_to_be_16(sp);
	out->dport = rte_cpu_to_be_16(dp);
	out->mac_lo = t->vary_mac ? (uint16_t)(key % t->mac_range) : 0;
	out->key = key;
	fill_ip(t, &ip, out->sip, out->dip);
	out->ip_cksum = rte_ipv4_cksum(&ip);
}

static void
write_macs(const struct pg_flow_tmpl *t, const struct pg_tuple *tu,
	   int reverse, struct rte_ether_hdr *eth)
{
	struct rte_ether_addr s = reverse ? t->dmac : t->smac;
	struct rte_ether_addr d = reverse ? t->smac : t->dmac;

	if (tu->mac_lo) {
		/* bytes 3-4 carry the flow's MAC index and byte 5 stays the
		 * station's: the two directions' MAC sets never overlap, so a
		 * learning switch sees no MAC move between its ports */
		uint16_t lo;
		lo = (uint16_t)((s.addr_bytes[3] << 8 | s.addr_bytes[4]) +
				tu->mac_lo);
		s.addr_bytes[3] = lo >> 8;
		s.addr_bytes[4] = lo & 0xff;
		lo = (uint16_t)((d.addr_bytes[3] << 8 | d.addr_bytes[4]) +
				tu->mac_lo);
		d.addr_bytes[3] = lo >> 8;
		d.addr_bytes[4] = lo & 0xff;
	}
	rte_ether_addr_copy(&s, &eth->src_addr);
	rte_ether_addr_copy(&d, &eth->dst_addr);
}

static void
write_full(const struct pg_flow_tmpl *t, uint8_t *p, uint32_t sip_n,
	   uint32_t dip_n, uint16_t sp_n, uint16_t dp_n)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + PG_L3_OFF);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + PG_L4_OFF);
	uint16_t len = (uint16_t)(t->frame_len - RTE_ETHER_CRC_LEN);
	uint16_t i;

	rte_ether_addr_copy(&t->smac, &eth->src_addr);
	rte_ether_addr_copy(&t->dmac, &eth->dst_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	fill_ip(t, ip, sip_n, dip_n);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = sp_n;
	udp->dst_port = dp_n;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(ip_len(t) -
					  sizeof(struct rte_ipv4_hdr)));
	udp->dgram_cksum = 0; /* no UDP checksum (legal for IPv4) */
	for (i = PG_PL_OFF; i < len; i++)
		p[i] = (uint8_t)i;
}

void
pg_mbuf_prefill(struct rte_mempool *mp, void *opaque, void *obj,
		unsigned int idx)
{
	const struct pg_flow_tmpl *t = opaque;
	struct rte_mbuf *m = obj;
	uint8_t *p = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;

	(void)mp;
	(void)idx;
	if (m->buf_len < RTE_PKTMBUF_HEADROOM + t->frame_len)
		return;
	write_full(t, p, rte_cpu_to_be_32(t->sip), rte_cpu_to_be_32(t->dip),
		   rte_cpu_to_be_16(t->sport), rte_cpu_to_be_16(t->dport));
}

void
pg_pkt_write(const struct pg_flow_tmpl *t, const struct pg_tuple *tu,
	     int reverse, struct rte_mbuf *m, uint16_t epoch, uint64_t tsc)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + PG_L3_OFF);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + PG_L4_OFF);
	struct pg_payload pl;

	write_macs(t, tu, reverse, (struct rte_ether_hdr *)p);
	ip->src_addr = tu->sip;
	ip->dst_addr = tu->dip;
	ip->hdr_checksum = tu->ip_cksum;
	udp->src_port = tu->sport;
	udp->dst_port = tu->dport;
	pl.magic = PG_MAGIC | epoch;
	pl.key = tu->key;
	pl.tsc = tsc;
	memcpy(p + PG_PL_OFF, &pl, sizeof(pl));
	m->data_len = (uint16_t)(t->frame_len - RTE_ETHER_CRC_LEN);
	m->pkt_len = m->data_len;
}

int
pg_pkt_build(const struct pg_flow_tmpl *t, const struct pg_tuple *tu,
	     int reverse, struct rte_mbuf *m, uint16_t epoch, uint64_t tsc)
{
	uint16_t len = (uint16_t)(t->frame_len - RTE_ETHER_CRC_LEN);
	uint8_t *p;

	if (rte_pktmbuf_tailroom(m) + rte_pktmbuf_data_len(m) < len)
		return -1;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	write_full(t, p, tu->sip, tu->dip, tu->sport, tu->dport);
	pg_pkt_write(t, tu, reverse, m, epoch, tsc);
	return 0;
}

int
pg_pkt_parse(const struct rte_mbuf *m, struct pg_payload *pl)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint32_t off = PG_L2_LEN;
	uint16_t et;
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl;

	if (len < PG_PL_OFF + sizeof(*pl))
		return -1;
	et = (uint16_t)(p[12] << 8 | p[13]);
	if (et == RTE_ETHER_TYPE_VLAN) {
		et = (uint16_t)(p[16] << 8 | p[17]);
		off += 4;
	}
	if (et != RTE_ETHER_TYPE_IPV4)
		return -1;
	ip = (const struct rte_ipv4_hdr *)(p + off);
	if ((ip->version_ihl >> 4) != 4 || ip->next_proto_id != IPPROTO_UDP)
		return -1;
	ihl = (ip->version_ihl & 0xf) * 4u;
	off += ihl + sizeof(struct rte_udp_hdr);
	if (len < off + sizeof(*pl))
		return -1;
	memcpy(pl, p + off, sizeof(*pl));
	if ((pl->magic & PG_MAGIC_MASK) != PG_MAGIC)
		return -1;
	return 0;
}

/* ---- histogram ---- */

void
pg_hist_init(struct pg_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

static inline uint32_t
hist_idx(uint64_t ns)
{
	if (ns < 100000)
		return (uint32_t)(ns / 10);
	if (ns < 10000000)
		return PG_HIST_B0 + (uint32_t)((ns - 100000) / 1000);
	if (ns < 1000000000)
		return PG_HIST_B0 + PG_HIST_B1 +
		       (uint32_t)((ns - 10000000) / 100000);
	return PG_HIST_N - 1;
}

static double
hist_upper_ns(uint32_t i)
{
	if (i < PG_HIST_B0)
		return (i + 1) * 10.0;
	i -= PG_HIST_B0;
	if (i < PG_HIST_B1)
		return 100000.0 + (i + 1) * 1000.0;
	i -= PG_HIST_B1;
	if (i < PG_HIST_B2)
		return 10000000.0 + (i + 1) * 100000.0;
	return INFINITY;
}

void
pg_hist_add(struct pg_hist *h, uint64_t ns)
{
	h->b[hist_idx(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void
pg_hist_merge(struct pg_hist *dst, const struct pg_hist *src)
{
	uint32_t i;

	for (i = 0; i < PG_HIST_N; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

double
pg_hist_quantile_us(const struct pg_hist *h, double q)
{
	uint64_t target, cum = 0;
	uint32_t i;
	double v;

	if (h->count == 0)
		return NAN;
	target = (uint64_t)ceil(q * (double)h->count);
	if (target < 1)
		target = 1;
	for (i = 0; i < PG_HIST_N; i++) {
		cum += h->b[i];
		if (cum >= target)
			break;
	}
	v = hist_upper_ns(i);
	/* never report more than the observed max */
	if (v > (double)h->max_ns)
		v = (double)h->max_ns;
	return v / 1000.0;
}

/* ---- parsing ---- */

int
pg_parse_ipv4(const char *s, uint32_t *host_order)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*host_order = ntohl(a.s_addr);
	return 0;
}

int
pg_parse_mac(const char *s, struct rte_ether_addr *mac)
{
	return rte_ether_unformat_addr(s, mac);
}

int
pg_parse_count(const char *s, uint64_t *v)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || d < 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': d *= 1e3; end++; break;
	case 'm': case 'M': d *= 1e6; end++; break;
	case 'g': case 'G': d *= 1e9; end++; break;
	default: return -1;
	}
	if (*end != '\0')
		return -1;
	*v = (uint64_t)(d + 0.5);
	return 0;
}
