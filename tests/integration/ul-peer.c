/* ul-peer — drives dataplane/uplink.c alone, for tests/integration/test_uplink.sh.
 *
 *   ul-peer IFNAME auto|packet ADDR TCPMIN-TCPMAX UDPMIN-UDPMAX [PREFIX/LEN]
 *
 * Opens the uplink (af_xdp, or af_packet with "packet"), steers ADDR with
 * the TCP and UDP destination port ranges (and the ICMP echo id range
 * UDPMIN-UDPMAX) and PREFIX, prints "ready MODE", then for every frame it
 * receives a line "rx PROTO DPORT" (IPv4) and answers UDP datagrams with
 * the payload echoed back (addresses and ports swapped): that proves ul_tx.
 * Sleeps in poll() on ul_fd between frames.  SIGTERM: ul_close, exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/uplink.h"

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static int range(const char *s, unsigned *a, unsigned *b)
{
	return sscanf(s, "%u-%u", a, b) == 2 && *a <= *b && *b <= 65535 ? 0 : -1;
}

/* UDP echo: swap MACs, addresses and ports; checksums stay valid (sums of
 * swapped fields are equal). */
static bool echo(struct rte_mbuf *m, unsigned *proto, unsigned *dport)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), t[6];
	*proto = 0;
	*dport = 0;
	if (m->data_len < 14 + 20 + 8 || d[12] != 0x08 || d[13] != 0x00)
		return false;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + 14);
	uint8_t *l4 = d + 14 + (ip->version_ihl & 0xf) * 4;
	*proto = ip->next_proto_id;
	if (*proto == IPPROTO_TCP || *proto == IPPROTO_UDP)
		*dport = ntohs(*(uint16_t *)(l4 + 2));
	else if (*proto == IPPROTO_ICMP)
		*dport = ntohs(*(uint16_t *)(l4 + 4)); /* echo id */
	if (*proto != IPPROTO_UDP)
		return false;
	memcpy(t, d, 6); memcpy(d, d + 6, 6); memcpy(d + 6, t, 6);
	uint32_t a = ip->src_addr; ip->src_addr = ip->dst_addr; ip->dst_addr = a;
	uint16_t p; memcpy(&p, l4, 2); memcpy(l4, l4 + 2, 2); memcpy(l4 + 2, &p, 2);
	return true;
}

int main(int argc, char **argv)
{
	unsigned tmin, tmax, umin, umax;
	struct in_addr addr;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=ulpeer%d", (int)getpid());
	char *eal[] = { argv[0], "--no-huge", "-m", "64", "--no-shconf", "--no-pci",
			"--log-level=lib.*:warning", prefix, "-l", "0" };

	if (argc < 6 || inet_pton(AF_INET, argv[3], &addr) != 1 ||
	    range(argv[4], &tmin, &tmax) < 0 || range(argv[5], &umin, &umax) < 0) {
		fprintf(stderr, "usage: ul-peer IFNAME auto|packet ADDR TCPMIN-TCPMAX "
				"UDPMIN-UDPMAX [PREFIX/LEN]\n");
		return 2;
	}
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "ul-peer: EAL init failed\n");
		return 1;
	}
	struct rte_mempool *mp = rte_pktmbuf_pool_create("ulpeer", 4096, 64, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	struct ul_params p = { .ifname = argv[1], .pool = mp, .queues = 0,
			       .force_packet = !strcmp(argv[2], "packet") };
	struct ul *u = mp ? ul_open(&p) : NULL;
	if (!u) {
		fprintf(stderr, "ul-peer: ul_open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	int r = ul_steer_addr(u, addr.s_addr, true);
	r = r ? r : ul_steer_ports(u, IPPROTO_TCP, (uint16_t)tmin, (uint16_t)tmax, true);
	r = r ? r : ul_steer_ports(u, IPPROTO_UDP, (uint16_t)umin, (uint16_t)umax, true);
	r = r ? r : ul_steer_ports(u, IPPROTO_ICMP, (uint16_t)umin, (uint16_t)umax, true);
	if (!r && argc > 6) {
		char *slash = strchr(argv[6], '/');
		struct in_addr pfx;
		if (!slash || (*slash = 0, inet_pton(AF_INET, argv[6], &pfx) != 1))
			r = -EINVAL;
		else
			r = ul_steer_prefix(u, pfx.s_addr, (uint8_t)atoi(slash + 1), true);
	}
	if (r) {
		fprintf(stderr, "ul-peer: steering: %s\n", strerror(-r));
		ul_close(u);
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	printf("ready %s\n", ul_mode(u));
	fflush(stdout);

	struct pollfd fds[UL_MAX_QUEUES];
	unsigned nq = ul_queues(u);
	for (unsigned q = 0; q < nq; q++)
		fds[q] = (struct pollfd){ .fd = ul_fd(u, q), .events = POLLIN };
	while (!stop) {
		if (poll(fds, nq, 200) <= 0)
			continue;
		for (unsigned q = 0; q < nq; q++) {
			struct rte_mbuf *pkts[64], *out[64];
			uint16_t n = ul_rx(u, q, pkts, 64), no = 0;
			for (unsigned i = 0; i < n; i++) {
				unsigned proto, dport;
				if (echo(pkts[i], &proto, &dport))
					out[no++] = pkts[i];
				else
					rte_pktmbuf_free(pkts[i]);
				printf("rx %u %u\n", proto, dport);
			}
			fflush(stdout);
			if (no) {
				uint16_t sent = ul_tx(u, q, out, no);
				if (sent < no)
					printf("tx short %u of %u\n", sent, no);
				rte_pktmbuf_free_bulk(out, no);
			}
		}
	}
	ul_close(u);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
