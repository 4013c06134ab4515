/* SPDX-License-Identifier: BSD-3-Clause
 *
 * pg_flow: flow templates, packet building/parsing and latency histograms
 * for the vnetd benchmark packet generator (tests/bench/pktgen.c).
 *
 * Kept free of any pktgen main-loop state so that other benchmarks (NAT,
 * security groups, conntrack) can reuse it:
 *
 *   struct pg_flow_tmpl t;
 *   pg_flow_tmpl_default(&t);              // fill defaults
 *   ... adjust t.sip / t.sport_range / t.frame_len ...
 *   pg_flow_tmpl_check(&t, nkeys, err, sizeof(err));
 *   struct pg_tuple tu;
 *   pg_flow_tuple(&t, key, 0, &tu);        // key -> unique 5-tuple
 *   pg_pkt_write(&t, &tu, mbuf, epoch, rte_rdtsc());
 *
 * Uniqueness: every varied field is (base + key % range) and the ranges are
 * required to be pairwise coprime (Chinese remainder theorem), so keys
 * 0 .. prod(ranges)-1 map to distinct 5-tuples and *every* field changes on
 * every key increment (good spread for hash tables / RSS).
 */
#ifndef PG_FLOW_H
#define PG_FLOW_H

#include <stdint.h>
#include <stddef.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define PG_MAGIC      0x50470000u /* "PG" in the two high bytes */
#define PG_MAGIC_MASK 0xffff0000u

/* Timestamp/flow trailer placed at the start of the UDP payload.
 * 16 bytes: fits in a 64-byte frame (60 bytes w/o FCS: 42 hdr + 18). */
struct pg_payload {
	uint32_t magic;    /* PG_MAGIC | epoch (low 16 bits) */
	uint32_t key;      /* flow key (unique id of the 5-tuple) */
	uint64_t tsc;      /* rte_rdtsc() at tx */
} __attribute__((packed));

enum pg_epoch {
	PG_EPOCH_WARMUP = 1,
	PG_EPOCH_MEASURE = 2,
	PG_EPOCH_TAIL = 3,  /* sent after the measurement window */
};

struct pg_flow_tmpl {
	struct rte_ether_addr smac, dmac;
	uint32_t sip, dip;        /* base addresses, host byte order */
	uint16_t sport, dport;    /* base ports, host byte order */
	/* number of distinct values per field (1 = fixed); pairwise coprime */
	uint32_t sip_range, dip_range, sport_range, dport_range;
	int vary_mac;             /* also vary bytes 3-4 of src/dst MAC */
	uint32_t mac_range;       /* distinct MACs when vary_mac (coprime too) */
	uint16_t frame_len;       /* Ethernet frame incl. 4-byte FCS: 64..1518 */
	uint8_t ttl;
};

/* One concrete flow, precomputed so the hot path only copies fields. */
struct pg_tuple {
	uint32_t sip, dip;        /* network byte order */
	uint16_t sport, dport;    /* network byte order */
	uint16_t ip_cksum;        /* IPv4 header checksum, ready to store */
	uint16_t mac_lo;          /* added to MAC bytes 3-4 (vary_mac) */
	uint32_t key;
};

void pg_flow_tmpl_default(struct pg_flow_tmpl *t);
/* Validate ranges: pairwise coprime and product >= nkeys.  0 on success,
 * -1 with a message in err otherwise. */
int pg_flow_tmpl_check(const struct pg_flow_tmpl *t, uint64_t nkeys,
		       char *err, size_t errlen);
/* Number of distinct tuples the template can produce. */
uint64_t pg_flow_tmpl_space(const struct pg_flow_tmpl *t);

/* key -> tuple.  reverse != 0 gives the reply direction (src/dst swapped). */
void pg_flow_tuple(const struct pg_flow_tmpl *t, uint32_t key, int reverse,
		   struct pg_tuple *out);

/* Pre-fill a whole mbuf data area with the constant part of a packet built
 * from template t (headers, zero UDP checksum, payload pattern).  Meant as a
 * rte_mempool_obj_iter() callback: opaque = const struct pg_flow_tmpl *. */
void pg_mbuf_prefill(struct rte_mempool *mp, void *opaque, void *obj,
		     unsigned int idx);

/* Write the variable part (MACs if varied, IPs, ports, cksum, payload) into
 * an mbuf previously pre-filled with pg_mbuf_prefill() for the same
 * template, and set its lengths.  reverse swaps the MACs. */
void pg_pkt_write(const struct pg_flow_tmpl *t, const struct pg_tuple *tu,
		  int reverse, struct rte_mbuf *m, uint16_t epoch,
		  uint64_t tsc);

/* Full build (headers + payload) into any mbuf; slower, no prefill needed. */
int pg_pkt_build(const struct pg_flow_tmpl *t, const struct pg_tuple *tu,
		 int reverse, struct rte_mbuf *m, uint16_t epoch, uint64_t tsc);

/* Find the pg payload in a received Ethernet/IPv4/UDP (optionally one VLAN
 * tag) packet and copy it to *pl (it may be unaligned in the packet).
 * Returns 0 for a pg packet, -1 otherwise. */
int pg_pkt_parse(const struct rte_mbuf *m, struct pg_payload *pl);

/* ---- latency histogram (nanoseconds) ---- */
/* 10 ns buckets below 100 us, 1 us below 10 ms, 100 us below 1 s. */
#define PG_HIST_B0 10000u
#define PG_HIST_B1 9900u
#define PG_HIST_B2 9900u
#define PG_HIST_N (PG_HIST_B0 + PG_HIST_B1 + PG_HIST_B2 + 1)

struct pg_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns, max_ns;
	uint64_t b[PG_HIST_N];
};

void pg_hist_init(struct pg_hist *h);
void pg_hist_add(struct pg_hist *h, uint64_t ns);
void pg_hist_merge(struct pg_hist *dst, const struct pg_hist *src);
/* q in [0,1]; returns the upper bound of the bucket holding quantile q. */
double pg_hist_quantile_us(const struct pg_hist *h, double q);

/* ---- misc parsing helpers (for getopt front-ends) ---- */
int pg_parse_ipv4(const char *s, uint32_t *host_order);
int pg_parse_mac(const char *s, struct rte_ether_addr *mac);
/* "10", "10k", "2.5M", "1G" -> value. -1 on error. */
int pg_parse_count(const char *s, uint64_t *v);

#endif
