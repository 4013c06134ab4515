/* nat_dut — vnetd's dataplane as a NAT router between two vhost-user
 * sockets, for the end-to-end NAT benchmark (tests/bench/bench-nat.sh).
 *
 *   nat_dut EAL-ARGS -- GUEST_SOCK UPLINK_SOCK [SESSIONS]
 *
 * Why in process and not the daemon: in vnetd the uplink is a host
 * interface (AF_XDP, or af_packet), whose speed is the kernel's, not
 * vnetd's.  To measure vnetd's NAT path at vhost-user speed the uplink
 * here is a second vhost-user socket standing for the outside.  This
 * program builds exactly what the daemon builds for a <forward mode='nat'>
 * network (dataplane/dp.h: the network, its gateway, a guest port, a
 * DP_ROLE_UPLINK port, dp_uplink_set, dp_net_set_l3) and serves both
 * sockets with vnetd's own vhost module (vhost/vh.c); the worker, the
 * pipeline and the session table are the daemon's code.  A daemon option
 * that makes a vhost-user port an uplink would be an API only benchmarks
 * need.
 *
 * Addresses (the generator's defaults, tests/bench/pg_flow.c): guests
 * 10.0.0.0/16 behind the guest socket (static MAC 02:00:00:00:00:01),
 * gateway 10.0.255.254 with MAC 52:54:00:00:00:fe (the generator's --dmac);
 * uplink 192.0.2.1/24 with MAC 52:54:00:00:01:01, default gateway 192.0.2.254
 * resolved to 02:00:00:00:00:02 (the generator's receiving port); NAT to
 * 192.0.2.1-192.0.2.16 (dp_net_set_l3's maximum), ports 1024-65535: 1M
 * endpoint-independent mappings.
 *
 * One worker on the second lcore of --lcores, busy polling (idle_us 0).
 * Runs until SIGINT/SIGTERM, then prints one line on stdout:
 *   NATDUT packets=... busy_cycles=... cycles_per_pkt=... sessions=... created=... drops=name:n,...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "dataplane/dp.h"
#include "vhost/vh.h"

static const uint8_t GW_MAC[6] = { 0x52, 0x54, 0, 0, 0, 0xfe };
static const uint8_t GUEST_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t UP_MAC[6] = { 0x52, 0x54, 0, 0, 0x01, 0x01 };
static const uint8_t NEXT_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static _Noreturn void die(const char *what, int r)
{
	fprintf(stderr, "nat_dut: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(1);
}

int main(int argc, char **argv)
{
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL); /* every thread inherits it */

	int n = rte_eal_init(argc, argv);
	if (n < 0)
		die("EAL init", EINVAL);
	argc -= n;
	argv += n;
	if (argc < 3) {
		fprintf(stderr, "usage: nat_dut EAL-ARGS -- GUEST_SOCK UPLINK_SOCK [SESSIONS]\n");
		return 2;
	}
	unsigned sessions = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 2100000;
	unsigned wl = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	if (wl >= RTE_MAX_LCORE)
		die("--lcores needs a second lcore for the worker", EINVAL);

	struct dp_params p = { .n_workers = 1, .worker_lcores = { wl }, .mbufs = 32768,
			       .flow_entries = 65536, .fdb_entries = 1024, .ageing_secs = 300,
			       .flow_idle_secs = 10, .idle_us = 0, .punt_rate = 100,
			       .ct_sessions = sessions, .ct_port_limit = sessions,
			       .ct_udp_timeout = 300 };
	struct dp *dp = dp_create(&p);
	if (!dp)
		die("dp_create", ENOMEM);
	int r = vh_init(dp, -1);
	if (r < 0)
		die("vh_init", r);
	uint16_t net, g, u;
	if ((r = dp_net_create(dp, &net)) < 0)
		die("dp_net_create", r);
	struct dp_gw gw = { .ip = inet_addr("10.0.255.254") };
	memcpy(gw.mac, GW_MAC, 6);
	if ((r = dp_net_set_gateway(dp, net, &gw)) < 0 || (r = dp_net_set_active(dp, net, true)) < 0)
		die("gateway", r);
	struct dp_port_params pg = { .net = net, .has_mac = true };
	memcpy(pg.mac, GUEST_MAC, 6);
	struct dp_port_params pu = { .role = DP_ROLE_UPLINK };
	if ((r = dp_port_create(dp, &pg, &g)) < 0 || (r = dp_port_create(dp, &pu, &u)) < 0)
		die("dp_port_create", r);
	struct dp_uplink_conf uc = { .ip = inet_addr("192.0.2.1"), .plen = 24,
				     .gw_ip = inet_addr("192.0.2.254"), .gw_resolved = true,
				     .mtu = 1500 };
	memcpy(uc.mac, UP_MAC, 6);
	memcpy(uc.gw_mac, NEXT_MAC, 6);
	if ((r = dp_uplink_set(dp, u, &uc)) < 0)
		die("dp_uplink_set", r);
	struct dp_net_l3 l3 = { .mode = DP_FWD_NAT, .prefix = inet_addr("10.0.0.0"), .plen = 16,
				.uplink = u, .nat_addr_min = 0xc0000201, .nat_addr_max = 0xc0000210,
				.nat_port_min = 1024, .nat_port_max = 65535 };
	if ((r = dp_net_set_l3(dp, net, &l3)) < 0)
		die("dp_net_set_l3", r);
	if ((r = dp_start(dp)) < 0)
		die("dp_start", r);
	if ((r = vh_port_add(g, argv[1], false)) < 0 || (r = vh_port_add(u, argv[2], false)) < 0)
		die("vh_port_add", r);
	dp_flush(dp);
	printf("nat_dut ready: worker on lcore %u, %u sessions\n", wl, sessions);
	fflush(stdout);

	struct timespec tick = { 1, 0 };
	while (sigtimedwait(&ss, NULL, &tick) < 0) {
		dp_housekeeping(dp);
		dp_flush(dp);
	}

	struct dp_stats st;
	struct dp_port_stats ps;
	struct dp_ct_stats cs;
	dp_stats(dp, &st);
	dp_port_stats(dp, g, &ps);
	dp_ct_stats(dp, -1, &cs);
	uint64_t pk = ps.rx_packets;
	printf("NATDUT packets=%lu tx_uplink=", (unsigned long)pk);
	dp_port_stats(dp, u, &ps);
	printf("%lu busy_cycles=%lu busy_loops=%lu cycles_per_pkt=%.1f pkts_per_loop=%.2f "
	       "sessions=%lu created=%lu drops=",
	       (unsigned long)ps.tx_packets, (unsigned long)st.busy_cycles,
	       (unsigned long)st.busy_loops, pk ? (double)st.busy_cycles / (double)pk : 0,
	       st.busy_loops ? (double)pk / (double)st.busy_loops : 0,
	       (unsigned long)cs.sessions, (unsigned long)cs.created);
	const char *sep = "";
	for (unsigned d = 0; d < DP_DROP_MAX; d++)
		if (st.drops[d]) {
			printf("%s%s:%lu", sep, dp_drop_name(d), (unsigned long)st.drops[d]);
			sep = ",";
		}
	printf("%s\n", *sep ? "" : "none");
	fflush(stdout);
	vh_fini();
	dp_free(dp);
	return 0;
}
