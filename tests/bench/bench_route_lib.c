/* bench_route_lib.c — see bench_route_lib.h. */
#include "bench_route_lib.h"

#include <arpa/inet.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dataplane/dp_internal.h"
#include "dataplane/pkt.h"

const uint8_t BENCH_GW_MAC[6] = { 0x52, 0x54, 0, 0, 0, 0xfe };
const uint8_t BENCH_A_MAC[6] = { 0x52, 0x54, 0, 0, 0, 0x0a };

void bench_frame(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	memset(f, 0, 64);
	memcpy(f, BENCH_GW_MAC, 6);
	memcpy(f + 6, BENCH_A_MAC, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14, *u = ip + 20;
	ip[0] = 0x45;
	ip[3] = 46;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	uint16_t c = pkt_csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memcpy(u, &sport, 2);
	memcpy(u + 2, &dport, 2);
	u[5] = 26;
}

void bench_conn_frame(uint8_t *f, uint32_t c)
{
	uint32_t e = c % 65536;
	bench_frame(f, htonl(0x0a010002u | (e >> 8) << 8), htons((uint16_t)(20000 + (e & 255))),
		    htonl(0x64400000u + c / 65536), htons(53));
}

struct dp *bench_nat_router(unsigned sessions, uint16_t *net, uint16_t *a, uint16_t *u)
{
	struct dp_params p = { .n_workers = 1, .worker_lcores = { 0 }, .mbufs = 4096,
			       .flow_entries = 1024, .fdb_entries = 256, .ageing_secs = 300,
			       .flow_idle_secs = 10, .ct_sessions = sessions,
			       .ct_port_limit = sessions };
	struct dp *dp = dp_create(&p);
	if (!dp)
		return NULL;
	dp_net_create(dp, net);
	struct dp_gw g = { .ip = inet_addr("10.0.0.1") };
	memcpy(g.mac, BENCH_GW_MAC, 6);
	dp_net_set_gateway(dp, *net, &g);
	dp_net_set_active(dp, *net, true);
	struct dp_port_params pa = { .net = *net, .has_mac = true };
	memcpy(pa.mac, BENCH_A_MAC, 6);
	dp_port_create(dp, &pa, a);
	struct dp_port_params pu = { .role = DP_ROLE_UPLINK };
	dp_port_create(dp, &pu, u);
	struct dp_uplink_conf uc = { .ip = inet_addr("198.51.100.2"), .plen = 24,
				     .gw_ip = inet_addr("198.51.100.1"), .gw_resolved = true };
	dp_uplink_set(dp, *u, &uc);
	/* 16 NAT addresses: 1M connections need more than one address's ports */
	struct dp_net_l3 l3 = { .mode = DP_FWD_NAT, .prefix = inet_addr("10.0.0.0"), .plen = 8,
				.uplink = *u, .nat_addr_min = 0xc6336410, .nat_addr_max = 0xc633641f };
	dp_net_set_l3(dp, *net, &l3);
	dp_sync(dp);
	return dp;
}

static int insn_fd = -1;

void bench_insn_open(void)
{
	struct perf_event_attr a = { .type = PERF_TYPE_HARDWARE, .size = sizeof(a),
				     .config = PERF_COUNT_HW_INSTRUCTIONS, .exclude_kernel = 1,
				     .exclude_hv = 1 };
	insn_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (insn_fd < 0)
		printf("(no hardware instruction counter here: instructions print as 0)\n");
}

uint64_t bench_insn(void)
{
	uint64_t v = 0;
	if (insn_fd < 0 || read(insn_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}
