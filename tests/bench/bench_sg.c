/* bench_sg — security groups on the route stage (north-south), in process,
 * one core: the cost a port's stateful rules add to new connections and to
 * established packets, with R rules on the port, the time to build the
 * rules' index (acl_set_build) and its memory, and the time to publish a
 * new rule set (dp_port_set_acl: snapshot, dp_flush's publication) after
 * which a worker's next burst is judged by the new rules.
 *
 *   bench_sg [RULES...]            (default: 0 10 100 1000 10000)
 *   BENCH_SG_CONNS=N               new connections per size (default 20000)
 *   BENCH_SG_SCAN=1                leave the sets unbuilt: the linear scan
 *   BENCH_SG_RTE_ACL=0             skip the rte_acl comparison
 *
 * The rules are a realistic egress mix (see rules()): /32 members of
 * remote groups, /24s, /16s, any (/0), TCP/UDP ports and ranges, ICMP; the
 * only rule that admits the traffic (UDP 53 to 100.64.0.0/10) is the last
 * and the only one of its prefix length (the linear scan's worst case, the
 * index's last tuple).  0 rules: the port has no security group (the NAT
 * path alone, as bench_nat).  Frames are 64 bytes, UDP from a guest through
 * NAT; new connections: unique 5-tuples (the slow path: rule match,
 * session, NAT mapping); established: round robin over them (the session
 * lookup: the rules are not consulted); new connections also per second
 * of the thread's CPU time (other processes' slices left out).  A second table: one lookup alone
 * (acl_allows with and without the index; rte_acl_classify, one packet,
 * on the same rules as rte_acl fields) and the builds (acl_set_build,
 * rte_acl_build).  Prints figures; not a pass/fail test.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_acl.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dataplane/acl.h"
#include "dataplane/dp_internal.h"
#include "dataplane/nat.h"

#include "bench_route_lib.h"

/* R egress rules, a mix by i % 20: 12 of 20 /32 members of remote groups
 * (TCP 5432, TCP 22, TCP 8000-8099, ICMP echo request), 5 /24s (TCP 443, UDP
 * 1000-2000), 1 /16 of any protocol, 2 to anywhere (a TCP port, a UDP port
 * in 6000-6999); none of them admits the traffic.  The last: UDP 53 to
 * 100.64.0.0/10, which does. */
static void rule_at(unsigned i, unsigned n, struct acl_rule *r)
{
	unsigned k = i % 20, plen;
	*r = (struct acl_rule){ .proto = 6, .pmin = ACL_ANY, .pmax = ACL_ANY, .icmp_type = ACL_ANY,
				.icmp_code = ACL_ANY };
	uint32_t net;
	if (i == n - 1) {
		net = 0x64400000u, plen = 10, r->proto = 17, r->pmin = r->pmax = 53;
	} else if (k < 12) {
		net = 0x0a140000u + i, plen = 32;
		switch (k % 4) {
		case 0: r->pmin = r->pmax = 5432; break;
		case 1: r->pmin = r->pmax = 22; break;
		case 2: r->pmin = 8000, r->pmax = 8099; break;
		default: r->proto = 1, r->icmp_type = 8; break;
		}
	} else if (k < 17) {
		net = 0xac100000u + (i << 8), plen = 24;
		if (k % 2)
			r->pmin = r->pmax = 443;
		else
			r->proto = 17, r->pmin = 1000, r->pmax = 2000;
	} else if (k == 17) {
		net = 0x0a000000u + ((i & 0xff) << 16), plen = 16, r->proto = ACL_ANY;
	} else {
		net = 0, plen = 0;
		if (k == 18)
			r->pmin = r->pmax = (int32_t)(1 + i % 60000);
		else
			r->proto = 17, r->pmin = r->pmax = (int32_t)(6000 + i % 1000);
	}
	r->mask = htonl(plen ? ~0u << (32 - plen) : 0);
	r->net = htonl(net) & r->mask;
}

static struct acl_set *rules(unsigned n, bool build)
{
	struct acl_set *a = acl_set_new(0, n);
	if (!a)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		rule_at(i, n, &a->r[ACL_OUT][i]);
	a->n[ACL_OUT] = n;
	if (build && acl_set_build(a) < 0) {
		acl_set_free(a);
		return NULL;
	}
	return a;
}

/* The thread's CPU time: on a shared machine, wall time counts the other
 * processes' time slices too. */
static double cpu_secs(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sort_d(double *t, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && t[j - 1] > t[j]; j--) {
			double x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
}

/* rte_acl on the same rules: protocol (bitmask), remote (prefix), and the
 * destination port (range; ICMP rules: type << 8 | code, as the index) with
 * an any source port beside it (the library reads fields 4 bytes at a time). */
struct acl4_in {
	uint8_t proto, pad[3];
	uint32_t remote;   /* network order */
	uint16_t sport, dport; /* network order (the rules: host order) */
};
RTE_ACL_RULE_DEF(acl4_rule, 4);

static const struct rte_acl_field_def acl4_defs[4] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = 0, .input_index = 0,
	  .offset = offsetof(struct acl4_in, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = 1, .input_index = 1,
	  .offset = offsetof(struct acl4_in, remote) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = 2, .input_index = 2,
	  .offset = offsetof(struct acl4_in, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = 3, .input_index = 2,
	  .offset = offsetof(struct acl4_in, dport) },
};

/* Builds an rte_acl context of the n rules; returns it (NULL: failed), the
 * build's time in *us. */
static struct rte_acl_ctx *rte_acl_of(unsigned n, double *us)
{
	static unsigned seq;
	char name[32];
	snprintf(name, sizeof(name), "bsg%u", seq++);
	struct rte_acl_param prm = { .name = name, .socket_id = SOCKET_ID_ANY,
				     .rule_size = RTE_ACL_RULE_SZ(4), .max_rule_num = n };
	struct rte_acl_ctx *ctx = rte_acl_create(&prm);
	if (!ctx)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		struct acl_rule r;
		rule_at(i, n, &r);
		struct acl4_rule x = { .data = { .category_mask = 1, .priority = 1, .userdata = i + 1 } };
		x.field[0].value.u8 = r.proto == ACL_ANY ? 0 : (uint8_t)r.proto;
		x.field[0].mask_range.u8 = r.proto == ACL_ANY ? 0 : 0xff;
		x.field[1].value.u32 = ntohl(r.net);
		x.field[1].mask_range.u32 = (uint32_t)__builtin_popcount(r.mask);
		x.field[2].value.u16 = 0;
		x.field[2].mask_range.u16 = 0xffff;
		uint16_t lo = 0, hi = 0xffff;
		if (r.proto == 1 && r.icmp_type != ACL_ANY)
			lo = (uint16_t)(r.icmp_type << 8), hi = (uint16_t)(lo | 0xff);
		else if (r.pmin != ACL_ANY)
			lo = (uint16_t)r.pmin, hi = (uint16_t)r.pmax;
		x.field[3].value.u16 = lo;
		x.field[3].mask_range.u16 = hi;
		if (rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&x, 1) != 0) {
			rte_acl_free(ctx);
			return NULL;
		}
	}
	struct rte_acl_config cfg = { .num_categories = 1, .num_fields = 4 };
	memcpy(cfg.defs, acl4_defs, sizeof(acl4_defs));
	uint64_t t0 = rte_get_tsc_cycles();
	int rc = rte_acl_build(ctx, &cfg);
	*us = (double)(rte_get_tsc_cycles() - t0) * 1e6 / (double)rte_get_tsc_hz();
	if (rc != 0) {
		rte_acl_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The second table: one lookup alone and the builds, for n rules. */
static void lookups(unsigned n, bool with_rte)
{
	const double hz = (double)rte_get_tsc_hz();
	const unsigned reps = 2000000;
	double build[21];
	size_t bytes = 0;
	for (unsigned k = 0; k < 21; k++) {
		struct acl_set *a = rules(n, false);
		uint64_t t0 = rte_get_tsc_cycles();
		if (!a || acl_set_build(a) < 0)
			return;
		build[k] = (double)(rte_get_tsc_cycles() - t0) * 1e6 / hz;
		bytes = acl_set_index_bytes(a);
		acl_set_free(a);
	}
	sort_d(build, 21);
	struct acl_set *scan = rules(n, false), *ix = rules(n, true);
	if (!scan || !ix)
		return;
	/* the bench's traffic (admitted by the last rule) and a refused packet */
	uint32_t dst = htonl(0x64400000u), other = htonl(0x08080808u);
	unsigned scan_reps = n >= 1000 ? reps / 100 : reps / 10;
	uint64_t ok = 0, t0 = rte_get_tsc_cycles();
	for (unsigned i = 0; i < scan_reps; i++)
		ok += acl_allows(scan, ACL_OUT, 17, dst ^ htonl(i & 0xff), 53, 0, 0);
	double ns_scan = (double)(rte_get_tsc_cycles() - t0) * 1e9 / hz / scan_reps;
	t0 = rte_get_tsc_cycles();
	for (unsigned i = 0; i < reps; i++)
		ok += acl_allows(ix, ACL_OUT, 17, dst ^ htonl(i & 0xff), 53, 0, 0);
	double ns_ix = (double)(rte_get_tsc_cycles() - t0) * 1e9 / hz / reps;
	t0 = rte_get_tsc_cycles();
	for (unsigned i = 0; i < reps; i++)
		ok += acl_allows(ix, ACL_OUT, 6, other ^ htonl(i & 0xff), 80, 0, 0);
	double ns_miss = (double)(rte_get_tsc_cycles() - t0) * 1e9 / hz / reps;
	printf("%5u rules: build %8.1f us (median of 21), index %8zu bytes | lookup: scan %8.1f ns, "
	       "index %5.1f ns (refused: %5.1f ns) [%lu]",
	       n, build[10], bytes, ns_scan, ns_ix, ns_miss, (unsigned long)ok);
	acl_set_free(scan);
	acl_set_free(ix);
	if (!with_rte) {
		printf("\n");
		return;
	}
	double rb[3] = { 0 };
	struct rte_acl_ctx *ctx = NULL;
	for (unsigned k = 0; k < 3; k++) {
		rte_acl_free(ctx);
		if (!(ctx = rte_acl_of(n, &rb[k]))) {
			printf(" | rte_acl: failed\n");
			return;
		}
	}
	sort_d(rb, 3);
	struct acl4_in in = { .proto = 17, .remote = dst, .dport = htons(53) }; /* as in a packet */
	const uint8_t *data[1] = { (const uint8_t *)&in };
	uint32_t res = 0;
	uint64_t hit = 0;
	t0 = rte_get_tsc_cycles();
	for (unsigned i = 0; i < reps; i++) {
		in.remote = dst ^ htonl(i & 0xff);
		rte_acl_classify(ctx, data, &res, 1, 1);
		hit += res != 0;
	}
	double ns_rte = (double)(rte_get_tsc_cycles() - t0) * 1e9 / hz / reps;
	printf(" | rte_acl: build %8.1f us (median of 3), lookup %5.1f ns [%lu]\n", rb[1], ns_rte,
	       (unsigned long)hit);
	rte_acl_free(ctx);
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
	env = getenv("BENCH_SG_SCAN");
	bool build = !env || strcmp(env, "1");
	env = getenv("BENCH_SG_RTE_ACL");
	bool with_rte = !env || strcmp(env, "0");
	printf("rule sets %s\n", build ? "built (the index)" : "not built (the linear scan)");
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
				struct acl_set *set = rules(nr, build);
				if (!set)
					return 1;
				uint64_t t0 = rte_get_tsc_cycles();
				dp_port_set_acl(dp, a, set);
				dp_flush(dp); /* the control loop's publication */
				t[k] = (double)(rte_get_tsc_cycles() - t0) * 1e6 / (double)hz;
				dp_sync(dp); /* reclaim (not timed) */
			}
			sort_d(t, 21);
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
		double c0 = cpu_secs();
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
		double secs = (double)(t1 - t0) / (double)hz, cpu = cpu_secs() - c0;
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
		printf("%5u rules: new %9.0f/s (per CPU second %9.0f; %lu of %u admitted, %7.0f "
		       "instructions each) | established %.2f Mpps (%4.0f instructions/packet, %lu of %lu) | "
		       "publish %.1f us\n",
		       nr, (double)ok / secs, (double)ok / cpu, (unsigned long)ok, conns,
		       (double)ins / (double)(ok ? ok : 1),
		       (double)pkts / ((double)cyc / (double)hz) / 1e6,
		       (double)eins / (double)pkts, (unsigned long)fwd, (unsigned long)pkts, pub_us);
		rte_pktmbuf_free_bulk(m, DP_BURST);
		dp_free(dp);
	}
	for (unsigned ci = 0; ci < nc; ci++)
		if (counts[ci])
			lookups(counts[ci], with_rte);
	return 0;
}
