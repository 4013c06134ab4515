/* bench_nat — the route/NAT stage alone, on one core, in process: no ports,
 * no I/O, the cost the session table and the translation add per packet.
 *
 *   bench_nat [CONNECTIONS...]     (default: 1 10000 1000000)
 *
 * Instructions per packet (stable on a busy machine, unlike cycles), as
 * tests/bench/profile.sh does it:
 *   BENCH_NAT_PACKETS=0 valgrind --tool=callgrind --toggle-collect=dp_route_burst \
 *       bench_nat 10000          (the new connections alone)
 *   BENCH_NAT_PACKETS=100000 ... (plus 100000 established packets: the difference)
 *
 * For each count: new connections per second (unique UDP 5-tuples from a
 * guest through NAT: the slow path once each, session insert, port
 * allocation), then packets per second of the established connections
 * (guest -> outside, round robin over all of them: one session lookup,
 * state update, NAT rewrite with incremental checksums, MAC rewrite), and
 * the memory per session.  Frames are 64 bytes; the rewrite does not read
 * the payload, so the size does not change these figures (the copy into
 * the egress port does, and is measured by bench-l2.sh's end-to-end runs).
 * Prints figures; not a pass/fail test.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dataplane/dp_internal.h"
#include "dataplane/nat.h"

#include "bench_route_lib.h"

int main(int argc, char **argv)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "bnat%d", (int)getpid());
	char *eal[] = { "bench_nat", "--lcores", "0@0", "--no-huge", "-m", "2048", "--no-shconf",
			"--no-pci", "--log-level", "3", "--file-prefix", prefix, NULL };
	if (rte_eal_init(12, eal) < 0)
		return 1;
	unsigned counts[8] = { 1, 10000, 1000000 }, nc = 3;
	if (argc > 1) {
		nc = 0;
		for (int i = 1; i < argc && nc < 8; i++)
			counts[nc++] = (unsigned)strtoul(argv[i], NULL, 10);
	}
	uint64_t hz = rte_get_tsc_hz();
	bench_insn_open();
	printf("session: %zu bytes\n", sizeof(struct ct_sess));
	for (unsigned ci = 0; ci < nc; ci++) {
		unsigned conns = counts[ci];
		uint16_t net, a, u;
		struct dp *dp = bench_nat_router(conns + 64, &net, &a, &u);
		if (!dp) {
			fprintf(stderr, "dp_create failed for %u sessions\n", conns);
			return 1;
		}
		const struct dp_snapshot *s = dp->snap;
		struct dp_worker *w = dp->w[0];
		struct rte_mbuf *m[DP_BURST];
		struct pkt_meta meta[DP_BURST];
		uint16_t out[DP_BURST];
		uint8_t why[DP_BURST];
		if (rte_pktmbuf_alloc_bulk(dp->pool, m, DP_BURST) != 0)
			return 1;
		for (unsigned i = 0; i < DP_BURST; i++)
			m[i]->data_len = m[i]->pkt_len = 64;
		/* 65536 guest endpoints (256 guests x 256 ports), each talking to
		 * up to 16 servers: connection c is endpoint c % 65536 to server
		 * c / 65536 (endpoint-independent mappings shared by those) */
		for (uint32_t g = 0; g < 256; g++)
			dp_arp_learn(dp->arp[net], htonl(0x0a010002u | g << 8), BENCH_A_MAC, a);
		/* new connections */
		uint64_t ok = 0, ins = 0, t0 = rte_get_tsc_cycles();
		for (uint32_t i = 0; i < conns; i += DP_BURST) {
			unsigned n = RTE_MIN((unsigned)DP_BURST, conns - i);
			for (unsigned j = 0; j < n; j++) {
				uint32_t c = i + j;
				uint8_t *f = rte_pktmbuf_mtod(m[j], uint8_t *);
				bench_conn_frame(f, c);
				pkt_parse(f, 64, true, &meta[j]);
			}
			uint64_t i0 = bench_insn();
			dp_route_burst(w, s, a, m, meta, n, 1, out, why);
			ins += bench_insn() - i0;
			for (unsigned j = 0; j < n; j++)
				ok += out[j] == u;
		}
		uint64_t t1 = rte_get_tsc_cycles();
		double secs = (double)(t1 - t0) / (double)hz;
		printf("%u connections: new %.0f/s (%lu made, %.0f cycles, %.0f instructions each)\n",
		       conns, (double)ok / secs, (unsigned long)ok,
		       (double)(t1 - t0) / (double)(ok ? ok : 1), (double)ins / (double)(ok ? ok : 1));
		/* established: round robin, several passes, at least 4M packets */
		uint64_t pkts = 0, fwd = 0, cyc = 0;
		ins = 0;
		/* BENCH_NAT_PACKETS: at least that many established packets
		 * (default 4M; 0: none, e.g. under callgrind to count the new
		 * connections' instructions alone) */
		const char *env = getenv("BENCH_NAT_PACKETS");
		unsigned want = env ? (unsigned)strtoul(env, NULL, 10) : 4000000;
		/* full bursts, round robin over the connections (with one
		 * connection, 32 packets of it per burst) */
		uint64_t total = want == 0 ? 0 : RTE_MAX((uint64_t)want, (uint64_t)conns);
		for (uint64_t k0 = 0; k0 < total; k0 += DP_BURST) {
			{
				unsigned n = DP_BURST;
				for (unsigned j = 0; j < n; j++) {
					uint32_t c = (uint32_t)((k0 + j) % conns);
					uint8_t *f = rte_pktmbuf_mtod(m[j], uint8_t *);
					bench_conn_frame(f, c);
					pkt_parse(f, 64, true, &meta[j]);
				}
				uint64_t i0 = bench_insn(), a0 = rte_get_tsc_cycles();
				dp_route_burst(w, s, a, m, meta, n, 1, out, why);
				cyc += rte_get_tsc_cycles() - a0;
				ins += bench_insn() - i0;
				pkts += n;
				for (unsigned j = 0; j < n; j++)
					fwd += out[j] == u;
			}
		}
		printf("%u connections: established %.2f Mpps in the route stage (%.0f cycles, %.0f "
		       "instructions per packet, %lu of %lu translated)\n",
		       conns, pkts ? (double)pkts / ((double)cyc / (double)hz) / 1e6 : 0,
		       pkts ? (double)cyc / (double)pkts : 0, pkts ? (double)ins / (double)pkts : 0,
		       (unsigned long)fwd, (unsigned long)pkts);
		struct dp_ct_stats cs;
		dp_ct_stats(dp, -1, &cs);
		size_t buckets = 2;
		while (buckets * 8 < (size_t)cs.max * 4)
			buckets <<= 1;
		printf("%u connections: %lu sessions, table %lu; memory per session slot: %zu "
		       "(session) + %.1f (index) bytes\n",
		       conns, (unsigned long)cs.sessions, (unsigned long)cs.max,
		       sizeof(struct ct_sess), (double)(buckets * 64) / (double)cs.max);
		rte_pktmbuf_free_bulk(m, DP_BURST);
		dp_free(dp);
	}
	return 0;
}
