/* bench_sg — security groups on the route stage (north-south), in process,
 * one core: the cost a port's stateful rules add to new connections and to
 * established packets, with R rules on the port (worst case: the only rule
 * that admits the traffic is the last, every other one is evaluated), and
 * the time to publish a new rule set (dp_port_set_acl: copy, snapshot,
 * dp_flush's publication) after which a worker's next burst is judged by
 * the new rules.
 *
 *   bench_sg [RULES...]            (default: 0 10 100 1000 10000)
 *
 * 0 rules: the port has no security group (the NAT path alone, as
 * bench_nat).  Frames are 64 bytes, UDP from a guest through NAT; new
 * connections: unique 5-tuples (the slow path: rule scan, session, NAT
 * mapping); established: round robin over them (the session lookup: the
 * rules are not consulted).  Prints figures; not a pass/fail test.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dataplane/acl.h"
#include "dataplane/dp_internal.h"
#include "dataplane/nat.h"

#include "bench_route_lib.h"

/* R egress rules: R-1 TCP rules to /32 remotes that never match, then
 * UDP 53 to anywhere (the traffic's). */
static struct acl_set *rules(unsigned n)
{
	struct acl_set *a = acl_set_new(0, n);
	for (unsigned i = 0; i < n; i++) {
		struct acl_rule *r = &a->r[ACL_OUT][i];
		*r = (struct acl_rule){ .proto = 6, .pmin = (int32_t)(1 + i % 60000),
					.pmax = (int32_t)(1 + i % 60000), .icmp_type = ACL_ANY,
					.icmp_code = ACL_ANY, .mask = 0xffffffffu,
					.net = htonl(0xcb000000u + i) };
		if (i == n - 1)
			*r = (struct acl_rule){ .proto = 17, .pmin = 53, .pmax = 53,
						.icmp_type = ACL_ANY, .icmp_code = ACL_ANY };
	}
	a->n[ACL_OUT] = n;
	return a;
}

int main(int argc, char **argv)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "bsg%d", (int)getpid());
	char *eal[] = { "bench_sg", "--lcores", "0@0", "--no-huge", "-m", "1024", "--no-shconf",
			"--no-pci", "--log-level", "3", "--file-prefix", prefix, NULL };
	if (rte_eal_init(12, eal) < 0)
		return 1;
	unsigned counts[8] = { 0, 10, 100, 1000, 10000 }, nc = 5;
	if (argc > 1) {
		nc = 0;
		for (int i = 1; i < argc && nc < 8; i++)
			counts[nc++] = (unsigned)strtoul(argv[i], NULL, 10);
	}
	const char *env = getenv("BENCH_SG_CONNS");
	unsigned conns = env ? (unsigned)strtoul(env, NULL, 10) : 20000;
	uint64_t hz = rte_get_tsc_hz();
	bench_insn_open();
	for (unsigned ci = 0; ci < nc; ci++) {
		unsigned nr = counts[ci];
		uint16_t net, a, u;
		struct dp *dp = bench_nat_router(conns + 64, &net, &a, &u);
		if (!dp)
			return 1;
		double pub_us = 0;
		if (nr) {
			/* publication: the median of 21 */
			double t[21];
			for (unsigned k = 0; k < 21; k++) {
				struct acl_set *set = rules(nr);
				uint64_t t0 = rte_get_tsc_cycles();
				dp_port_set_acl(dp, a, set);
				dp_flush(dp); /* the control loop's publication */
				t[k] = (double)(rte_get_tsc_cycles() - t0) * 1e6 / (double)hz;
				dp_sync(dp); /* reclaim (not timed) */
			}
			for (unsigned i = 1; i < 21; i++)
				for (unsigned j = i; j > 0 && t[j - 1] > t[j]; j--) {
					double x = t[j];
					t[j] = t[j - 1];
					t[j - 1] = x;
				}
			pub_us = t[10];
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
		for (uint32_t g2 = 0; g2 < 256; g2++)
			dp_arp_learn(dp->arp[net], htonl(0x0a010002u | g2 << 8), BENCH_A_MAC, a);
		uint64_t ok = 0, ins = 0, t0 = rte_get_tsc_cycles();
		for (uint32_t i = 0; i < conns; i += DP_BURST) {
			unsigned n = RTE_MIN((unsigned)DP_BURST, conns - i);
			for (unsigned j = 0; j < n; j++) {
				uint8_t *f = rte_pktmbuf_mtod(m[j], uint8_t *);
				bench_conn_frame(f, i + j);
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
		uint64_t pkts = 0, fwd = 0, cyc = 0, eins = 0;
		for (uint64_t k0 = 0; k0 < 4000000; k0 += DP_BURST) {
			for (unsigned j = 0; j < DP_BURST; j++) {
				uint8_t *f = rte_pktmbuf_mtod(m[j], uint8_t *);
				bench_conn_frame(f, (uint32_t)((k0 + j) % conns));
				pkt_parse(f, 64, true, &meta[j]);
			}
			uint64_t i0 = bench_insn(), a0 = rte_get_tsc_cycles();
			dp_route_burst(w, s, a, m, meta, DP_BURST, 1, out, why);
			cyc += rte_get_tsc_cycles() - a0;
			eins += bench_insn() - i0;
			pkts += DP_BURST;
			for (unsigned j = 0; j < DP_BURST; j++)
				fwd += out[j] == u;
		}
		printf("%5u rules: new %9.0f/s (%lu of %u admitted, %7.0f instructions each) | "
		       "established %.2f Mpps (%4.0f instructions/packet, %lu of %lu) | "
		       "publish %.1f us\n",
		       nr, (double)ok / secs, (unsigned long)ok, conns,
		       (double)ins / (double)(ok ? ok : 1),
		       (double)pkts / ((double)cyc / (double)hz) / 1e6,
		       (double)eins / (double)pkts, (unsigned long)fwd, (unsigned long)pkts, pub_us);
		rte_pktmbuf_free_bulk(m, DP_BURST);
		dp_free(dp);
	}
	return 0;
}
