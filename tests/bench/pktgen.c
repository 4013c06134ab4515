/* SPDX-License-Identifier: BSD-3-Clause
 *
 * pktgen: vnetd benchmark packet generator.
 *
 *   pktgen EAL-ARGS -- [options]
 *
 * Typical EAL args (no hugepages, private runtime dir, one CPU):
 *   --no-huge -m 1024 --no-shconf --file-prefix pg$$ --lcores 0@0
 *   --vdev net_virtio_user0,path=/tmp/x/vhost0.sock,queues=1
 *   --vdev net_virtio_user1,path=/tmp/x/vhost1.sock,queues=1
 * (add ",server=1" when the DUT is the vhost-user client, e.g. OVS
 *  dpdkvhostuserclient ports.)
 *
 * Transmits on --tx-port (default 0) and receives on every port; with
 * --bidir it also transmits the reply direction on --rx-port.  Each packet
 * carries a struct pg_payload (magic+epoch, flow key, tx TSC) so loss is
 * exact per measurement window and latency is measured per packet.
 *
 * Lcores: with one lcore everything runs on it.  With two (main + worker)
 * the worker does tx+rx and main only reports.  With three, worker 1 does
 * tx and worker 2 does rx.
 *
 * Output: human progress/summary on stderr, and one line on stdout:
 *   RESULT key=value ...
 * SIGUSR1 prints the cumulative counters at that instant on stdout:
 *   COUNT t=SECONDS tx=PACKETS rx=PACKETS
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/resource.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "pg_flow.h"

#define PG_MAX_PORTS 2
#define PG_MAX_BURST 256
#define PG_NB_EPOCH 4

enum pg_mode { PG_MODE_TPUT, PG_MODE_CPS };

struct pg_cfg {
	struct pg_flow_tmpl tmpl;
	uint64_t flows;
	double duration;      /* seconds of measurement */
	double warmup;        /* seconds */
	uint64_t rate;        /* pps per tx port, 0 = max */
	uint64_t churn;       /* flows replaced per second */
	int latency;
	enum pg_mode mode;
	int bidir;
	uint16_t tx_port, rx_port;
	uint16_t burst;
	uint32_t drain_ms;
	double link_timeout;
	double interval;
	uint32_t nb_mbufs;
	uint16_t nb_rxd, nb_txd;
	const char *label;
};

struct pg_lstats {
	uint64_t tx[PG_MAX_PORTS][PG_NB_EPOCH];
	uint64_t rx[PG_MAX_PORTS][PG_NB_EPOCH];
	uint64_t rx_other[PG_MAX_PORTS];
	uint64_t tx_full;      /* tx_burst short writes (retried) */
	uint64_t alloc_fail;
	uint64_t churned;
	uint64_t cps_sent;
	uint64_t cps_unique;
	uint64_t cps_dup;
	uint64_t cps_last_tx_tsc;
	struct pg_hist *hist;
} __rte_cache_aligned;

struct pg_txq {
	struct rte_mbuf *pend[PG_MAX_BURST];
	uint16_t pend_n, pend_off;
	uint16_t pend_epoch;
	uint64_t due_base;     /* packets accounted for by the rate limiter */
	uint64_t cursor;       /* next flow slot */
	int reverse;
};

static struct pg_cfg cfg;
static volatile int pg_quit;
static volatile sig_atomic_t pg_count_req; /* SIGUSR1: print counters */
static volatile int pg_tx_done;
static volatile uint64_t pg_t_stop; /* may be moved earlier (cps mode) */

static uint64_t hz, t_start, t_warm_end, t_meas_end, max_debt;
static struct pg_tuple *slots[2];   /* [0] forward, [1] reverse */
static uint64_t next_key;           /* next never-used key (churn) */
static uint8_t *cps_bitmap;
static struct rte_mempool *tx_pool, *rx_pool;
static uint16_t nb_ports;
static struct pg_lstats tx_stats, rx_stats;

/* CPU share the polling thread(s) got during the measurement window: a
 * low value means the machine was busy (shared CPU) and the run is suspect */
struct pg_cpu {
	int started, done;
	double cpu0, wall0, cpu_s, wall_s;
	long nivcsw0, nivcsw;
};
static struct pg_cpu cpu_acct[RTE_MAX_LCORE];

static double
ts_sec(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
cpu_mark(struct pg_cpu *c, uint64_t now)
{
	struct rusage ru;

	if (!c->started && now >= t_warm_end) {
		c->started = 1;
		c->cpu0 = ts_sec(CLOCK_THREAD_CPUTIME_ID);
		c->wall0 = ts_sec(CLOCK_MONOTONIC);
		getrusage(RUSAGE_THREAD, &ru);
		c->nivcsw0 = ru.ru_nivcsw;
	} else if (c->started && !c->done && now >= t_meas_end) {
		c->done = 1;
		c->cpu_s = ts_sec(CLOCK_THREAD_CPUTIME_ID) - c->cpu0;
		c->wall_s = ts_sec(CLOCK_MONOTONIC) - c->wall0;
		getrusage(RUSAGE_THREAD, &ru);
		c->nivcsw = ru.ru_nivcsw - c->nivcsw0;
	}
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		pg_count_req = 1;
	else
		pg_quit = 1;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
"usage: %s EAL-ARGS -- [options]\n"
"  -s, --size N          frame size incl. FCS, 64..1518 (default 64)\n"
"  -f, --flows N         distinct flows (default 1; k/M suffix ok)\n"
"  -d, --duration S      measurement seconds (default 10)\n"
"  -w, --warmup S        warm-up seconds before measuring (default 2)\n"
"  -r, --rate PPS        rate per tx port, 0 = max (default 0; k/M ok)\n"
"      --churn R         replace R flows/s with new 5-tuples\n"
"  -l, --latency         report latency percentiles (use with --rate)\n"
"      --cps             new-connection mode: each flow sent once,\n"
"                        count unique flows received (flows = keys)\n"
"      --bidir           also send reply-direction traffic on rx port\n"
"      --tx-port P       (default 0)      --rx-port P (default 1)\n"
"      --smac/--dmac MAC base MACs (default 02:00:00:00:00:01/02)\n"
"      --vary-mac        vary bytes 3-4 of both MACs per flow\n"
"      --mac-range N     distinct MACs with --vary-mac (default 4099)\n"
"      --sip/--dip A     base IPv4 (default 10.0.0.1 / 10.1.0.1)\n"
"      --sport/--dport P base UDP port (default 1024)\n"
"      --sip-range N, --dip-range N, --sport-range N, --dport-range N\n"
"                        values per field (defaults 251/241/16381/4093,\n"
"                        must be pairwise coprime; 1 = fixed)\n"
"      --burst N         (default 32)\n"
"      --drain-ms N      rx time after tx stops (default 200)\n"
"      --link-timeout S  wait for links up (default 15)\n"
"      --interval S      progress period on stderr, 0 = off (default 1)\n"
"      --mbufs N         mbufs per pool (default 16384)\n"
"      --rxd N/--txd N   ring sizes (default: driver)\n"
"      --label STR       copied into the RESULT line\n", prog);
}

enum {
	O_CHURN = 256, O_CPS, O_BIDIR, O_TXP, O_RXP, O_SMAC, O_DMAC, O_VMAC,
	O_MACR, O_SIP, O_DIP, O_SPORT, O_DPORT, O_SIPR, O_DIPR, O_SPR, O_DPR,
	O_BURST, O_DRAIN, O_LINKTO, O_INTV, O_MBUFS, O_RXD, O_TXD, O_LABEL,
};

static const struct option lopts[] = {
	{ "size", 1, NULL, 's' }, { "flows", 1, NULL, 'f' },
	{ "duration", 1, NULL, 'd' }, { "warmup", 1, NULL, 'w' },
	{ "rate", 1, NULL, 'r' }, { "latency", 0, NULL, 'l' },
	{ "help", 0, NULL, 'h' },
	{ "churn", 1, NULL, O_CHURN }, { "cps", 0, NULL, O_CPS },
	{ "bidir", 0, NULL, O_BIDIR }, { "tx-port", 1, NULL, O_TXP },
	{ "rx-port", 1, NULL, O_RXP }, { "smac", 1, NULL, O_SMAC },
	{ "dmac", 1, NULL, O_DMAC }, { "vary-mac", 0, NULL, O_VMAC },
	{ "mac-range", 1, NULL, O_MACR }, { "sip", 1, NULL, O_SIP },
	{ "dip", 1, NULL, O_DIP }, { "sport", 1, NULL, O_SPORT },
	{ "dport", 1, NULL, O_DPORT }, { "sip-range", 1, NULL, O_SIPR },
	{ "dip-range", 1, NULL, O_DIPR }, { "sport-range", 1, NULL, O_SPR },
	{ "dport-range", 1, NULL, O_DPR }, { "burst", 1, NULL, O_BURST },
	{ "drain-ms", 1, NULL, O_DRAIN }, { "link-timeout", 1, NULL, O_LINKTO },
	{ "interval", 1, NULL, O_INTV }, { "mbufs", 1, NULL, O_MBUFS },
	{ "rxd", 1, NULL, O_RXD }, { "txd", 1, NULL, O_TXD },
	{ "label", 1, NULL, O_LABEL },
	{ NULL, 0, NULL, 0 },
};

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "pktgen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static uint64_t
num_arg(const char *name, const char *s, uint64_t lo, uint64_t hi)
{
	uint64_t v;

	if (pg_parse_count(s, &v) < 0 || v < lo || v > hi)
		die("bad --%s '%s' (range %" PRIu64 "..%" PRIu64 ")", name, s,
		    lo, hi);
	return v;
}

static double
sec_arg(const char *name, const char *s)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end || d < 0 || d > 86400)
		die("bad --%s '%s'", name, s);
	return d;
}

static void
parse_args(int argc, char **argv)
{
	struct pg_flow_tmpl *t = &cfg.tmpl;
	char err[256];
	int c;

	pg_flow_tmpl_default(t);
	cfg.flows = 1;
	cfg.duration = 10;
	cfg.warmup = 2;
	cfg.tx_port = 0;
	cfg.rx_port = 1;
	cfg.burst = 32;
	cfg.drain_ms = 200;
	cfg.link_timeout = 15;
	cfg.interval = 1;
	cfg.nb_mbufs = 16384;
	cfg.label = NULL;

	while ((c = getopt_long(argc, argv, "s:f:d:w:r:lh", lopts, NULL)) != -1) {
		switch (c) {
		case 's': t->frame_len = (uint16_t)num_arg("size", optarg, 64, 1518); break;
		case 'f': cfg.flows = num_arg("flows", optarg, 1, 1ull << 31); break;
		case 'd': cfg.duration = sec_arg("duration", optarg); break;
		case 'w': cfg.warmup = sec_arg("warmup", optarg); break;
		case 'r': cfg.rate = num_arg("rate", optarg, 0, 1ull << 40); break;
		case 'l': cfg.latency = 1; break;
		case O_CHURN: cfg.churn = num_arg("churn", optarg, 0, 1ull << 32); break;
		case O_CPS: cfg.mode = PG_MODE_CPS; break;
		case O_BIDIR: cfg.bidir = 1; break;
		case O_TXP: cfg.tx_port = (uint16_t)num_arg("tx-port", optarg, 0, PG_MAX_PORTS - 1); break;
		case O_RXP: cfg.rx_port = (uint16_t)num_arg("rx-port", optarg, 0, PG_MAX_PORTS - 1); break;
		case O_SMAC: if (pg_parse_mac(optarg, &t->smac)) die("bad --smac"); break;
		case O_DMAC: if (pg_parse_mac(optarg, &t->dmac)) die("bad --dmac"); break;
		case O_VMAC: t->vary_mac = 1; break;
		case O_MACR: t->mac_range = (uint32_t)num_arg("mac-range", optarg, 1, 65536); break;
		case O_SIP: if (pg_parse_ipv4(optarg, &t->sip)) die("bad --sip"); break;
		case O_DIP: if (pg_parse_ipv4(optarg, &t->dip)) die("bad --dip"); break;
		case O_SPORT: t->sport = (uint16_t)num_arg("sport", optarg, 0, 65535); break;
		case O_DPORT: t->dport = (uint16_t)num_arg("dport", optarg, 0, 65535); break;
		case O_SIPR: t->sip_range = (uint32_t)num_arg("sip-range", optarg, 1, 1u << 31); break;
		case O_DIPR: t->dip_range = (uint32_t)num_arg("dip-range", optarg, 1, 1u << 31); break;
		case O_SPR: t->sport_range = (uint32_t)num_arg("sport-range", optarg, 1, 65536); break;
		case O_DPR: t->dport_range = (uint32_t)num_arg("dport-range", optarg, 1, 65536); break;
		case O_BURST: cfg.burst = (uint16_t)num_arg("burst", optarg, 1, PG_MAX_BURST); break;
		case O_DRAIN: cfg.drain_ms = (uint32_t)num_arg("drain-ms", optarg, 0, 60000); break;
		case O_LINKTO: cfg.link_timeout = sec_arg("link-timeout", optarg); break;
		case O_INTV: cfg.interval = sec_arg("interval", optarg); break;
		case O_MBUFS: cfg.nb_mbufs = (uint32_t)num_arg("mbufs", optarg, 1024, 1u << 24); break;
		case O_RXD: cfg.nb_rxd = (uint16_t)num_arg("rxd", optarg, 0, 32768); break;
		case O_TXD: cfg.nb_txd = (uint16_t)num_arg("txd", optarg, 0, 32768); break;
		case O_LABEL: cfg.label = optarg; break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (cfg.mode == PG_MODE_CPS) {
		if (cfg.bidir)
			die("--cps and --bidir are exclusive");
		if (cfg.churn)
			die("--cps and --churn are exclusive");
	}
	/* keys used: flows + churn budget (+ cps warm-up keys above 2^31) */
	{
		uint64_t nkeys = cfg.flows;

		if (cfg.churn)
			nkeys += (uint64_t)(cfg.churn *
					    (cfg.warmup + cfg.duration + 1));
		if (cfg.mode == PG_MODE_CPS)
			nkeys = (1ull << 32);
		if (pg_flow_tmpl_check(t, nkeys, err, sizeof(err)) < 0)
			die("%s", err);
	}
	if (cfg.flows > (1ull << 31) && cfg.mode == PG_MODE_CPS)
		die("--cps supports at most 2^31 flows");
}

/* ---------------- ports ---------------- */

static void
port_init(uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret)
		die("port %u: dev_info: %s", port, rte_strerror(-ret));
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret)
		die("port %u: configure: %s", port, rte_strerror(-ret));
	ret = rte_eth_rx_queue_setup(port, 0, cfg.nb_rxd,
				     rte_eth_dev_socket_id(port), NULL,
				     rx_pool);
	if (ret)
		die("port %u: rxq: %s", port, rte_strerror(-ret));
	ret = rte_eth_tx_queue_setup(port, 0, cfg.nb_txd,
				     rte_eth_dev_socket_id(port), NULL);
	if (ret)
		die("port %u: txq: %s", port, rte_strerror(-ret));
	ret = rte_eth_dev_start(port);
	if (ret)
		die("port %u: start: %s", port, rte_strerror(-ret));
	rte_eth_promiscuous_enable(port);
}

static int
wait_links(void)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    (uint64_t)(cfg.link_timeout * rte_get_timer_hz());
	uint16_t p;

	for (;;) {
		int all_up = 1;

		for (p = 0; p < nb_ports; p++) {
			struct rte_eth_link l;

			memset(&l, 0, sizeof(l));
			rte_eth_link_get_nowait(p, &l);
			if (l.link_status != RTE_ETH_LINK_UP)
				all_up = 0;
		}
		if (all_up)
			return 0;
		if (pg_quit || rte_get_timer_cycles() > deadline)
			return -1;
		rte_delay_ms(50);
	}
}

/* ---------------- flows ---------------- */

static void
flows_init(void)
{
	uint64_t i;
	int d, ndir = cfg.bidir ? 2 : 1;

	if (cfg.mode == PG_MODE_CPS) {
		cps_bitmap = calloc((cfg.flows + 7) / 8, 1);
		if (!cps_bitmap)
			die("no memory for cps bitmap");
		return;
	}
	for (d = 0; d < ndir; d++) {
		slots[d] = malloc(cfg.flows * sizeof(struct pg_tuple));
		if (!slots[d])
			die("no memory for %" PRIu64 " flows", cfg.flows);
		for (i = 0; i < cfg.flows; i++)
			pg_flow_tuple(&cfg.tmpl, (uint32_t)i, d, &slots[d][i]);
	}
	next_key = cfg.flows;
}

static inline void
churn_one(uint64_t n)
{
	uint64_t slot = n % cfg.flows;
	uint32_t key = (uint32_t)next_key++;

	pg_flow_tuple(&cfg.tmpl, key, 0, &slots[0][slot]);
	if (cfg.bidir)
		pg_flow_tuple(&cfg.tmpl, key, 1, &slots[1][slot]);
}

/* ---------------- worker ---------------- */

struct pg_role {
	int do_tx, do_rx, do_report;
};

static struct pg_role roles[RTE_MAX_LCORE];

static void report_tick(uint64_t now, uint64_t *last_tsc,
			uint64_t *last_tx, uint64_t *last_rx);

static inline uint16_t
cur_epoch(uint64_t now)
{
	if (now < t_warm_end)
		return PG_EPOCH_WARMUP;
	if (now < t_meas_end)
		return PG_EPOCH_MEASURE;
	return PG_EPOCH_TAIL;
}

static void
tx_port_step(uint16_t port, struct pg_txq *q, uint64_t now)
{
	struct pg_lstats *st = &tx_stats;
	uint16_t n, k, i, epoch;

	if (q->pend_n == 0) {
		struct rte_mbuf **pk = q->pend;

		n = cfg.burst;
		if (cfg.rate) {
			uint64_t due = (uint64_t)((double)(now - t_start) *
						  (double)cfg.rate / (double)hz);
			if (due <= q->due_base)
				return;
			/* after a stall, catch up at most ~2 ms worth of
			 * packets (but at least 4 bursts), then drop the debt
			 * rather than bursting at line rate for long */
			if (due - q->due_base > max_debt)
				q->due_base = due - max_debt;
			if (due - q->due_base < n)
				n = (uint16_t)(due - q->due_base);
		}
		if (cfg.mode == PG_MODE_CPS && now >= t_warm_end) {
			uint64_t left = cfg.flows - st->cps_sent;

			if (left == 0) {
				if (!pg_tx_done) {
					pg_tx_done = 1;
					pg_t_stop = now + hz * cfg.drain_ms / 1000;
				}
				return;
			}
			if (left < n)
				n = (uint16_t)left;
		}
		if (rte_pktmbuf_alloc_bulk(tx_pool, pk, n) != 0) {
			st->alloc_fail++;
			return;
		}
		epoch = cur_epoch(now);
		for (i = 0; i < n; i++) {
			const struct pg_tuple *tu;
			struct pg_tuple tmp;

			if (cfg.mode == PG_MODE_CPS) {
				uint32_t key;

				if (epoch == PG_EPOCH_WARMUP)
					key = (uint32_t)(0x80000000u +
					      (st->tx[port][PG_EPOCH_WARMUP] + i));
				else
					key = (uint32_t)st->cps_sent++;
				pg_flow_tuple(&cfg.tmpl, key, 0, &tmp);
				tu = &tmp;
			} else {
				tu = &slots[q->reverse][q->cursor];
				if (++q->cursor == cfg.flows)
					q->cursor = 0;
			}
			pg_pkt_write(&cfg.tmpl, tu, q->reverse, pk[i], epoch,
				     now);
		}
		q->pend_n = n;
		q->pend_off = 0;
		q->pend_epoch = epoch;
		q->due_base += n;
		if (cfg.mode == PG_MODE_CPS && epoch == PG_EPOCH_MEASURE)
			st->cps_last_tx_tsc = now;
	}
	k = rte_eth_tx_burst(port, 0, q->pend + q->pend_off, q->pend_n);
	st->tx[port][q->pend_epoch] += k;
	q->pend_off += k;
	q->pend_n -= k;
	if (q->pend_n)
		st->tx_full++;
}

static void
rx_port_step(uint16_t port, uint64_t *now_out)
{
	struct pg_lstats *st = &rx_stats;
	struct rte_mbuf *pk[PG_MAX_BURST];
	struct pg_payload pl;
	uint16_t n, i;
	uint64_t now;

	n = rte_eth_rx_burst(port, 0, pk, cfg.burst);
	if (n == 0)
		return;
	now = rte_rdtsc();
	*now_out = now;
	for (i = 0; i < n; i++) {
		uint16_t ep;

		if (pg_pkt_parse(pk[i], &pl) < 0) {
			st->rx_other[port]++;
			continue;
		}
		ep = pl.magic & 0xffff;
		if (ep >= PG_NB_EPOCH)
			ep = 0;
		st->rx[port][ep]++;
		if (ep != PG_EPOCH_MEASURE)
			continue;
		if (cfg.latency && now >= pl.tsc)
			pg_hist_add(st->hist, (now - pl.tsc) * 1000000000ull / hz);
		if (cfg.mode == PG_MODE_CPS && pl.key < cfg.flows) {
			uint8_t bit = (uint8_t)(1u << (pl.key & 7));

			if (cps_bitmap[pl.key >> 3] & bit) {
				st->cps_dup++;
			} else {
				cps_bitmap[pl.key >> 3] |= bit;
				st->cps_unique++;
			}
		}
	}
	rte_pktmbuf_free_bulk(pk, n);
}

static int
worker(void *arg)
{
	const struct pg_role *r = &roles[rte_lcore_id()];
	struct pg_cpu *ca = &cpu_acct[rte_lcore_id()];
	struct pg_txq txq[PG_MAX_PORTS];
	uint16_t txp[PG_MAX_PORTS], ntx = 0, p;
	uint64_t churn_done = 0, now;
	uint64_t last_tsc = 0, last_tx = 0, last_rx = 0;

	(void)arg;
	memset(txq, 0, sizeof(txq));
	if (r->do_tx) {
		txp[ntx++] = cfg.tx_port;
		txq[cfg.tx_port].reverse = 0;
		if (cfg.bidir && cfg.rx_port != cfg.tx_port) {
			txp[ntx++] = cfg.rx_port;
			txq[cfg.rx_port].reverse = 1;
		}
	}
	last_tsc = rte_rdtsc();
	for (;;) {
		now = rte_rdtsc();
		if (pg_quit || now >= pg_t_stop)
			break;
		if (!ca->done)
			cpu_mark(ca, now);
		if (r->do_tx && now < t_meas_end && !pg_tx_done) {
			if (cfg.churn) {
				uint64_t want = (uint64_t)((double)(now - t_start)
					* (double)cfg.churn / (double)hz);
				while (churn_done < want)
					churn_one(churn_done++);
				tx_stats.churned = churn_done;
			}
			for (p = 0; p < ntx; p++)
				tx_port_step(txp[p], &txq[txp[p]], now);
		} else if (r->do_tx && !pg_tx_done) {
			pg_tx_done = 1;
		}
		if (r->do_rx)
			for (p = 0; p < nb_ports; p++)
				rx_port_step(p, &now);
		if (r->do_report)
			report_tick(now, &last_tsc, &last_tx, &last_rx);
	}
	/* free anything still pending */
	for (p = 0; p < PG_MAX_PORTS; p++)
		if (txq[p].pend_n)
			rte_pktmbuf_free_bulk(txq[p].pend + txq[p].pend_off,
					      txq[p].pend_n);
	return 0;
}

/* ---------------- reporting ---------------- */

static uint64_t
sum_tx(void)
{
	uint64_t s = 0;
	int p, e;

	for (p = 0; p < PG_MAX_PORTS; p++)
		for (e = 0; e < PG_NB_EPOCH; e++)
			s += tx_stats.tx[p][e];
	return s;
}

static uint64_t
sum_rx(void)
{
	uint64_t s = 0;
	int p, e;

	for (p = 0; p < PG_MAX_PORTS; p++) {
		for (e = 0; e < PG_NB_EPOCH; e++)
			s += rx_stats.rx[p][e];
		s += rx_stats.rx_other[p];
	}
	return s;
}

static void
report_tick(uint64_t now, uint64_t *last_tsc, uint64_t *last_tx,
	    uint64_t *last_rx)
{
	uint64_t tx, rx;
	double dt;
	const char *ph;

	if (pg_count_req) {
		/* cumulative counters on demand, for tools that sample the
		 * run at instants of their choosing (tests/bench/profile.sh) */
		pg_count_req = 0;
		printf("COUNT t=%.6f tx=%" PRIu64 " rx=%" PRIu64 "\n",
		       (double)(now - t_start) / (double)hz, sum_tx(), sum_rx());
		fflush(stdout);
	}
	if (cfg.interval <= 0 ||
	    now - *last_tsc < (uint64_t)(cfg.interval * (double)hz))
		return;
	dt = (double)(now - *last_tsc) / (double)hz;
	tx = sum_tx();
	rx = sum_rx();
	{	/* label the interval by its middle */
		uint64_t mid = now - (now - *last_tsc) / 2;

		ph = mid < t_warm_end ? "warmup" : mid < t_meas_end ?
		     "measure" : "drain";
	}
	fprintf(stderr, "[%6.1fs] %-7s tx %8.3f Mpps  rx %8.3f Mpps\n",
		(double)(now - t_start) / (double)hz, ph,
		(double)(tx - *last_tx) / dt / 1e6,
		(double)(rx - *last_rx) / dt / 1e6);
	*last_tsc = now;
	*last_tx = tx;
	*last_rx = rx;
}

static void
fmt_us(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "na");
	else
		snprintf(buf, len, "%.2f", v);
}

static void
print_results(void)
{
	uint64_t tx_m = 0, rx_m = 0, rx_w = 0, rx_t = 0, rx_o = 0, tx_all;
	double dur = cfg.duration, tx_pps, rx_pps, loss, gbps;
	char p50[32], p99[32], p999[32], pmax[32], pavg[32];
	char cps_s[64] = "na", cpsu[32] = "na", cpss[32] = "na";
	char rate_s[32] = "max";
	struct pg_hist *h = rx_stats.hist;
	double cpu_pct = 100.0;
	long nivcsw = 0;
	unsigned int lc;
	int p;

	/* lowest share among polling threads */
	for (lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const struct pg_cpu *c = &cpu_acct[lc];

		if (!c->done || c->wall_s <= 0)
			continue;
		if (c->cpu_s / c->wall_s * 100.0 < cpu_pct)
			cpu_pct = c->cpu_s / c->wall_s * 100.0;
		nivcsw += c->nivcsw;
	}

	for (p = 0; p < PG_MAX_PORTS; p++) {
		tx_m += tx_stats.tx[p][PG_EPOCH_MEASURE];
		rx_m += rx_stats.rx[p][PG_EPOCH_MEASURE];
		rx_w += rx_stats.rx[p][PG_EPOCH_WARMUP];
		rx_t += rx_stats.rx[p][PG_EPOCH_TAIL] + rx_stats.rx[p][0];
		rx_o += rx_stats.rx_other[p];
	}
	tx_all = sum_tx();
	if (cfg.mode == PG_MODE_CPS && tx_stats.cps_last_tx_tsc > t_warm_end)
		dur = (double)(tx_stats.cps_last_tx_tsc - t_warm_end) /
		      (double)hz;
	if (dur <= 0)
		dur = 1e-9;
	tx_pps = (double)tx_m / dur;
	rx_pps = (double)rx_m / dur;
	loss = tx_m ? ((double)tx_m - (double)rx_m) / (double)tx_m : 0;
	gbps = rx_pps * cfg.tmpl.frame_len * 8 / 1e9;

	if (cfg.latency && h && h->count) {
		fmt_us(p50, sizeof(p50), pg_hist_quantile_us(h, 0.50));
		fmt_us(p99, sizeof(p99), pg_hist_quantile_us(h, 0.99));
		fmt_us(p999, sizeof(p999), pg_hist_quantile_us(h, 0.999));
		fmt_us(pmax, sizeof(pmax), (double)h->max_ns / 1000.0);
		fmt_us(pavg, sizeof(pavg),
		       (double)h->sum_ns / (double)h->count / 1000.0);
	} else {
		strcpy(p50, "na"); strcpy(p99, "na"); strcpy(p999, "na");
		strcpy(pmax, "na"); strcpy(pavg, "na");
	}
	if (cfg.rate)
		snprintf(rate_s, sizeof(rate_s), "%" PRIu64, cfg.rate);
	if (cfg.mode == PG_MODE_CPS) {
		snprintf(cps_s, sizeof(cps_s), "%.0f",
			 (double)rx_stats.cps_unique / dur);
		snprintf(cpsu, sizeof(cpsu), "%" PRIu64, rx_stats.cps_unique);
		snprintf(cpss, sizeof(cpss), "%" PRIu64, tx_stats.cps_sent);
	}

	fprintf(stderr,
		"pktgen: %s frame=%u flows=%" PRIu64 " rate=%s%s dur=%.2fs: "
		"tx %.3f Mpps, rx %.3f Mpps (%.3f Gbit/s), loss %.4f%%",
		cfg.mode == PG_MODE_CPS ? "cps" : "throughput",
		cfg.tmpl.frame_len, cfg.flows,
		rate_s, cfg.bidir ? " bidir" : "", dur,
		tx_pps / 1e6, rx_pps / 1e6, gbps, loss * 100);
	if (cfg.latency)
		fprintf(stderr, "; latency us p50 %s p99 %s p99.9 %s max %s "
			"(%" PRIu64 " samples)", p50, p99, p999, pmax,
			h ? h->count : 0);
	if (cfg.mode == PG_MODE_CPS)
		fprintf(stderr, "; new flows: sent %s, unique rx %s, %s/s",
			cpss, cpsu, cps_s);
	if (cfg.rate)
		fprintf(stderr, " [rate limit %" PRIu64 " pps/port]", cfg.rate);
	fprintf(stderr, "\n");
	if (cpu_pct < 90.0)
		fprintf(stderr, "pktgen: WARNING: polling thread got only "
			"%.0f%% of a CPU (%ld involuntary context switches): "
			"busy machine, result suspect\n", cpu_pct, nivcsw);
	if (tx_stats.alloc_fail)
		fprintf(stderr, "pktgen: %" PRIu64 " mbuf alloc failures\n",
			tx_stats.alloc_fail);

	printf("RESULT mode=%s frame=%u flows=%" PRIu64 " rate=%" PRIu64
	       " churn=%" PRIu64 " bidir=%d duration=%.3f"
	       " tx_pps=%.0f rx_pps=%.0f loss=%.6f rx_gbps=%.3f"
	       " tx_pkts=%" PRIu64 " rx_pkts=%" PRIu64
	       " tx_total=%" PRIu64 " rx_warmup=%" PRIu64 " rx_late=%" PRIu64
	       " rx_other=%" PRIu64
	       " p50_us=%s p99_us=%s p999_us=%s max_us=%s avg_us=%s"
	       " lat_samples=%" PRIu64
	       " cps=%s flows_tx=%s flows_rx=%s flows_dup=%" PRIu64
	       " churned=%" PRIu64 " cpu_pct=%.1f nivcsw=%ld%s%s\n",
	       cfg.mode == PG_MODE_CPS ? "cps" : "tput", cfg.tmpl.frame_len,
	       cfg.flows, cfg.rate, cfg.churn, cfg.bidir, dur,
	       tx_pps, rx_pps, loss, gbps, tx_m, rx_m, tx_all, rx_w, rx_t,
	       rx_o, p50, p99, p999, pmax, pavg, h ? h->count : 0,
	       cps_s, cpss, cpsu, rx_stats.cps_dup, tx_stats.churned,
	       cpu_pct, nivcsw, cfg.label ? " label=" : "", cfg.label ? cfg.label : "");
	fflush(stdout);
}

/* ---------------- main ---------------- */

int
main(int argc, char **argv)
{
	unsigned int lc, workers[2], nw = 0, main_lc;
	uint16_t p;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		die("EAL init failed: %s", rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"pktgen";
	parse_args(argc, argv);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);

	nb_ports = rte_eth_dev_count_avail();
	if (nb_ports < 1)
		die("no ports (give --vdev net_virtio_user0,path=...)");
	if (nb_ports > PG_MAX_PORTS)
		nb_ports = PG_MAX_PORTS;
	if (cfg.tx_port >= nb_ports || cfg.rx_port >= nb_ports)
		die("need ports %u and %u, have %u", cfg.tx_port, cfg.rx_port,
		    nb_ports);

	tx_pool = rte_pktmbuf_pool_create("pg_tx", cfg.nb_mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	rx_pool = rte_pktmbuf_pool_create("pg_rx", cfg.nb_mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	if (!tx_pool || !rx_pool)
		die("mbuf pool: %s (raise -m?)", rte_strerror(rte_errno));
	rte_mempool_obj_iter(tx_pool, pg_mbuf_prefill, &cfg.tmpl);

	if (cfg.latency) {
		rx_stats.hist = malloc(sizeof(struct pg_hist));
		if (!rx_stats.hist)
			die("no memory");
		pg_hist_init(rx_stats.hist);
	}
	flows_init();

	for (p = 0; p < nb_ports; p++)
		port_init(p);
	if (wait_links() < 0) {
		fprintf(stderr, "pktgen: links not up after %.0fs\n",
			cfg.link_timeout);
		for (p = 0; p < nb_ports; p++) {
			rte_eth_dev_stop(p);
			rte_eth_dev_close(p);
		}
		rte_eal_cleanup();
		return 3;
	}

	hz = rte_get_tsc_hz();
	main_lc = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (nw < 2)
			workers[nw++] = lc;
	}
	memset(roles, 0, sizeof(roles));
	if (nw == 0) {
		roles[main_lc] = (struct pg_role){ 1, 1, 1 };
	} else if (nw == 1) {
		roles[workers[0]] = (struct pg_role){ 1, 1, 0 };
	} else {
		roles[workers[0]] = (struct pg_role){ 1, 0, 0 };
		roles[workers[1]] = (struct pg_role){ 0, 1, 0 };
	}

	fprintf(stderr, "pktgen: %u port(s), %s, frame %u, %" PRIu64
		" flows, warm-up %.1fs, measure %.1fs, lcores: %s\n",
		nb_ports, cfg.bidir ? "bidir" : "unidir", cfg.tmpl.frame_len,
		cfg.flows, cfg.warmup, cfg.duration,
		nw == 0 ? "1 (tx+rx)" : nw == 1 ? "main+1 (tx+rx)" :
		"main+tx+rx");

	t_start = rte_rdtsc();
	t_warm_end = t_start + (uint64_t)(cfg.warmup * (double)hz);
	t_meas_end = t_warm_end + (uint64_t)(cfg.duration * (double)hz);
	pg_t_stop = t_meas_end + hz * cfg.drain_ms / 1000;
	max_debt = RTE_MAX((uint64_t)4 * cfg.burst, cfg.rate / 500);

	if (nw == 0) {
		worker(NULL);
	} else {
		uint64_t last_tsc = rte_rdtsc(), last_tx = 0, last_rx = 0;
		unsigned int i;

		for (i = 0; i < nw; i++)
			rte_eal_remote_launch(worker, NULL, workers[i]);
		while (!pg_quit && rte_rdtsc() < pg_t_stop) {
			usleep(20000);
			report_tick(rte_rdtsc(), &last_tsc, &last_tx, &last_rx);
		}
		rte_eal_mp_wait_lcore();
	}
	if (pg_quit)
		fprintf(stderr, "pktgen: interrupted, partial results\n");

	print_results();

	for (p = 0; p < nb_ports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
