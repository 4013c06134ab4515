/* vnet-peer — a scriptable set of "VMs" for integration tests.
 *
 * Each --port is a net_virtio_user device (a VM's NIC) connected to a vnetd
 * vhost-user socket (or serving one, for vnetd's client mode).  After the
 * optional --go-file appears, every --send is transmitted exactly, then all
 * ports are polled for --settle-ms and what each port received is printed,
 * grouped by source and destination MAC:
 *
 *   tx PORT COUNT
 *   rx PORT SRC DST COUNT
 *
 * With --queues N every port has N queue pairs (virtio-user queues=N): the
 * frames of a --send go out round-robin over the tx queues, all rx queues
 * are polled, and what each rx queue received is printed too:
 *
 *   rxq PORT QUEUE COUNT
 *
 * --dhcp-flood PORT,SECONDS sends DHCPDISCOVERs (broadcast, a new client
 * MAC and xid each) from PORT as fast as it can for SECONDS, after the
 * --sends, and prints "dhcp-flood PORT COUNT".
 *
 * --dns-load PORT,SECONDS,WINDOW,GWMAC with --dns-query SRCIP,GWIP,NAME
 * sends DNS queries (A NAME, UDP from SRCIP to GWIP port 53, to GWMAC, a
 * new source port and ID each) from PORT for SECONDS, keeping at most
 * WINDOW unanswered (like dnsperf's -q; a query unanswered for 100 ms is
 * given up), and prints "dns-load PORT SENT ANSWERS NOERROR SECONDS"
 * (answers: UDP from port 53; noerror: RCODE 0 with an answer record).
 *
 * Frames carry ethertype 0x88b5 (IEEE local experimental).  With --echo,
 * the program instead answers every received test frame back to its sender
 * until --settle-ms of silence (used to measure round trips).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define MAX_PORTS 8
#define MAX_SENDS 64
#define MAX_FLOWS 256
#define ETHERTYPE 0x88b5
#define MAX_QUEUES 4

struct peer_port {
	char name[32];
	char path[256];
	uint8_t mac[6];
	bool server;
	uint16_t id;
	uint64_t tx;
	uint64_t rxq[MAX_QUEUES];
};

struct peer_send {
	int port;
	uint8_t dst[6];
	unsigned count;
	unsigned size;
};

struct peer_flow {
	int port;
	uint8_t src[6], dst[6];
	uint64_t count;
};

static struct peer_port ports[MAX_PORTS];
static struct peer_send sends[MAX_SENDS];
static struct peer_flow flows[MAX_FLOWS];
static unsigned n_ports, n_sends, n_flows;
static unsigned n_queues = 1;
static uint64_t dns_answers, dns_noerror;

/* A DNS query for A NAME from SRC (UDP port 1024 + n % 60000, ID n) to
 * GW port 53 (addresses in network order). */
static uint16_t dns_query(uint8_t *d, const uint8_t src_mac[6], const uint8_t gw_mac[6],
			  uint32_t src, uint32_t gw, const char *name, uint32_t n)
{
	uint8_t *ip = d + 14, *udp = ip + 20, *q = udp + 8;
	uint16_t qlen = 12;
	memset(d, 0, 14 + 20 + 8 + 12);
	memcpy(d, gw_mac, 6);
	memcpy(d + 6, src_mac, 6);
	d[12] = 0x08;
	q[0] = (uint8_t)(n >> 8), q[1] = (uint8_t)n;
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* QDCOUNT */
	for (const char *l = name; *l;) { /* labels */
		const char *e = strchr(l, '.');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		q[qlen++] = (uint8_t)len;
		memcpy(q + qlen, l, len);
		qlen = (uint16_t)(qlen + len);
		l += len + (e ? 1 : 0);
	}
	q[qlen++] = 0;
	q[qlen++] = 0, q[qlen++] = 1; /* A */
	q[qlen++] = 0, q[qlen++] = 1; /* IN */
	uint16_t udp_len = (uint16_t)(8 + qlen), ip_len = (uint16_t)(20 + udp_len);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &gw, 4);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	uint16_t sport = (uint16_t)(1024 + n % 60000);
	udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport;
	udp[3] = 53;
	udp[4] = (uint8_t)(udp_len >> 8);
	udp[5] = (uint8_t)udp_len; /* checksum 0: none */
	return (uint16_t)(14 + ip_len);
}

/* Counts a DNS answer (IPv4 UDP from port 53). */
static void count_dns(const uint8_t *d, uint32_t len)
{
	if (len < 14 + 20 + 8 + 12 || d[12] != 0x08 || d[13] != 0 || d[23] != 17)
		return;
	const uint8_t *udp = d + 14 + (d[14] & 0xf) * 4;
	if (udp + 8 + 12 > d + len || udp[0] != 0 || udp[1] != 53)
		return;
	dns_answers++;
	if ((udp[8 + 3] & 0xf) == 0 && (udp[8 + 6] | udp[8 + 7]))
		dns_noerror++;
}

/* A DHCPDISCOVER from client MAC 02:dd:<n>, xid n (RFC 2131). */
static uint16_t dhcp_discover(uint8_t *d, uint32_t n)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t mac[6] = { 0x02, 0xdd, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			   (uint8_t)n };
	const uint16_t udp_len = 8 + 240 + 4, ip_len = 20 + udp_len;
	memset(d, 0, 14 + ip_len);
	memcpy(d, bc, 6);
	memcpy(d + 6, mac, 6);
	d[12] = 0x08;
	uint8_t *ip = d + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[8] = 64;
	ip[9] = 17;
	memset(ip + 16, 0xff, 4); /* 0.0.0.0 -> 255.255.255.255 */
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	uint8_t *udp = ip + 20;
	udp[1] = 68;
	udp[3] = 67;
	udp[4] = (uint8_t)(udp_len >> 8);
	udp[5] = (uint8_t)udp_len; /* checksum 0: none */
	uint8_t *b = udp + 8;
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, &n, 4);
	b[10] = 0x80; /* broadcast flag */
	memcpy(b + 28, mac, 6);
	b[236] = 99, b[237] = 130, b[238] = 83, b[239] = 99; /* magic cookie */
	b[240] = 53, b[241] = 1, b[242] = 1; /* DISCOVER */
	b[243] = 255;
	return (uint16_t)(14 + ip_len);
}

static int parse_mac(const char *s, uint8_t m[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

static int find_port(const char *name)
{
	for (unsigned i = 0; i < n_ports; i++)
		if (!strcmp(ports[i].name, name))
			return (int)i;
	return -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: vnet-peer [EAL args] -- --port NAME,SOCK,MAC[,server] ...\n"
			"       [--send PORT,DSTMAC,COUNT[,SIZE]] ... [--go-file F] [--settle-ms N]\n"
			"       [--queues N] [--echo] [--dhcp-flood PORT,SECONDS]\n"
			"       [--dns-load PORT,SECONDS,WINDOW,GWMAC --dns-query SRCIP,GWIP,NAME]\n");
	exit(2);
}

static void count_rx(int port, const uint8_t *src, const uint8_t *dst)
{
	for (unsigned i = 0; i < n_flows; i++) {
		if (flows[i].port == port && !memcmp(flows[i].src, src, 6) &&
		    !memcmp(flows[i].dst, dst, 6)) {
			flows[i].count++;
			return;
		}
	}
	if (n_flows == MAX_FLOWS)
		return;
	flows[n_flows].port = port;
	memcpy(flows[n_flows].src, src, 6);
	memcpy(flows[n_flows].dst, dst, 6);
	flows[n_flows++].count = 1;
}

static unsigned poll_all(struct rte_mempool *mp, bool echo)
{
	struct rte_mbuf *b[32];
	unsigned got = 0;
	(void)mp;
	for (unsigned p = 0; p < n_ports; p++)
	for (uint16_t q = 0; q < n_queues; q++) {
		uint16_t n = rte_eth_rx_burst(ports[p].id, q, b, 32);
		ports[p].rxq[q] += n;
		for (uint16_t i = 0; i < n; i++) {
			uint8_t *d = rte_pktmbuf_mtod(b[i], uint8_t *);
			if (rte_pktmbuf_data_len(b[i]) >= 14)
				count_rx((int)p, d + 6, d);
			count_dns(d, rte_pktmbuf_data_len(b[i]));
			if (echo && rte_pktmbuf_data_len(b[i]) >= 14 && d[12] == (ETHERTYPE >> 8) &&
			    d[13] == (ETHERTYPE & 0xff) && !(d[0] & 1)) {
				uint8_t t[6];
				memcpy(t, d, 6);
				memcpy(d, d + 6, 6);
				memcpy(d + 6, t, 6);
				if (rte_eth_tx_burst(ports[p].id, q, &b[i], 1) == 1) {
					ports[p].tx++;
					continue;
				}
			}
			rte_pktmbuf_free(b[i]);
		}
		got += n;
	}
	return got;
}

int main(int argc, char **argv)
{
	int r = rte_eal_init(argc, argv);
	if (r < 0) {
		fprintf(stderr, "vnet-peer: EAL init failed\n");
		return 1;
	}
	argc -= r;
	argv += r;

	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "send", required_argument, NULL, 's' },
		{ "go-file", required_argument, NULL, 'g' },
		{ "settle-ms", required_argument, NULL, 't' },
		{ "echo", no_argument, NULL, 'e' },
		{ "queues", required_argument, NULL, 'q' },
		{ "dhcp-flood", required_argument, NULL, 'd' },
		{ "dns-load", required_argument, NULL, 'l' },
		{ "dns-query", required_argument, NULL, 'Q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *go = NULL;
	unsigned settle = 300;
	bool echo = false;
	int flood_port = -1;
	unsigned flood_secs = 0;
	uint64_t flooded = 0;
	int dns_port = -1;
	unsigned dns_secs = 0, dns_window = 0;
	uint8_t dns_gwmac[6];
	uint32_t dns_src = 0, dns_gw = 0;
	char dns_name[256] = "";
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		char buf[512], *a = NULL, *b2 = NULL, *c2 = NULL, *d2 = NULL;
		if (c == 'p' || c == 's' || c == 'd' || c == 'l' || c == 'Q') { /* A,B,C[,D] */
			char *save = NULL;
			snprintf(buf, sizeof(buf), "%s", optarg);
			a = strtok_r(buf, ",", &save);
			b2 = strtok_r(NULL, ",", &save);
			c2 = strtok_r(NULL, ",", &save);
			d2 = strtok_r(NULL, ",", &save);
		}
		switch (c) {
		case 'p':
			if (n_ports == MAX_PORTS)
				usage();
			if (!a || !b2 || !c2 || parse_mac(c2, ports[n_ports].mac) < 0)
				usage();
			snprintf(ports[n_ports].name, sizeof(ports[0].name), "%s", a);
			snprintf(ports[n_ports].path, sizeof(ports[0].path), "%s", b2);
			ports[n_ports].server = d2 && !strcmp(d2, "server");
			n_ports++;
			break;
		case 's': {
			struct peer_send *s = &sends[n_sends];
			if (n_sends == MAX_SENDS)
				usage();
			if (!a || !b2 || !c2 || (s->port = find_port(a)) < 0 || parse_mac(b2, s->dst) < 0)
				usage();
			s->count = (unsigned)atoi(c2);
			s->size = d2 ? (unsigned)atoi(d2) : 64;
			if (s->size < 60 || s->size > 1514)
				usage();
			n_sends++;
			break;
		}
		case 'g': go = optarg; break;
		case 't': settle = (unsigned)atoi(optarg); break;
		case 'e': echo = true; break;
		case 'd':
			if (!a || !b2 || (flood_port = find_port(a)) < 0)
				usage();
			flood_secs = (unsigned)atoi(b2);
			break;
		case 'l':
			if (!a || !b2 || !c2 || !d2 || (dns_port = find_port(a)) < 0 ||
			    parse_mac(d2, dns_gwmac) < 0)
				usage();
			dns_secs = (unsigned)atoi(b2);
			dns_window = (unsigned)atoi(c2);
			if (dns_window < 1)
				usage();
			break;
		case 'Q':
			if (!a || !b2 || !c2 || inet_pton(AF_INET, a, &dns_src) != 1 ||
			    inet_pton(AF_INET, b2, &dns_gw) != 1 || strlen(c2) >= sizeof(dns_name) - 2)
				usage();
			snprintf(dns_name, sizeof(dns_name), "%s", c2);
			break;
		case 'q':
			n_queues = (unsigned)atoi(optarg);
			if (n_queues < 1 || n_queues > MAX_QUEUES)
				usage();
			break;
		default: usage();
		}
	}
	if (n_ports == 0 || (dns_port >= 0 && !dns_name[0]))
		usage();

	struct rte_mempool *mp = rte_pktmbuf_pool_create("peer", 8191, 256, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!mp)
		return 1;
	for (unsigned i = 0; i < n_ports; i++) {
		char name[32], args[512];
		snprintf(name, sizeof(name), "net_virtio_user%u", i);
		snprintf(args, sizeof(args), "path=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x,queues=%u%s%s",
			 ports[i].path, ports[i].mac[0], ports[i].mac[1], ports[i].mac[2],
			 ports[i].mac[3], ports[i].mac[4], ports[i].mac[5], n_queues,
			 n_queues > 1 ? ",cq=1" : "", /* multiqueue needs the control queue */
			 ports[i].server ? ",server=1" : "");
		if (rte_eal_hotplug_add("vdev", name, args) < 0 ||
		    rte_eth_dev_get_port_by_name(name, &ports[i].id) != 0) {
			fprintf(stderr, "vnet-peer: cannot create %s (%s)\n", name, args);
			return 1;
		}
		struct rte_eth_conf conf = { 0 };
		bool qok = rte_eth_dev_configure(ports[i].id, (uint16_t)n_queues,
						 (uint16_t)n_queues, &conf) == 0;
		for (uint16_t q = 0; qok && q < n_queues; q++)
			qok = rte_eth_rx_queue_setup(ports[i].id, q, 256, rte_socket_id(), NULL,
						     mp) == 0 &&
			      rte_eth_tx_queue_setup(ports[i].id, q, 256, rte_socket_id(), NULL) == 0;
		if (!qok || rte_eth_dev_start(ports[i].id) < 0) {
			fprintf(stderr, "vnet-peer: cannot start port %s\n", ports[i].name);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	if (go) {
		uint64_t deadline = rte_get_timer_cycles() + 60 * rte_get_timer_hz();
		while (access(go, F_OK) != 0) {
			poll_all(mp, false);
			if (rte_get_timer_cycles() > deadline) {
				fprintf(stderr, "vnet-peer: %s did not appear\n", go);
				return 1;
			}
			usleep(1000);
		}
		n_flows = 0; /* count only what arrives after the start signal */
		for (unsigned i = 0; i < n_ports; i++)
			memset(ports[i].rxq, 0, sizeof(ports[i].rxq));
	}
	for (unsigned s = 0; s < n_sends; s++) {
		struct peer_port *p = &ports[sends[s].port];
		unsigned left = sends[s].count;
		uint64_t deadline = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
		while (left) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
			if (!m)
				return 1;
			uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)sends[s].size);
			if (!d)
				return 1;
			memset(d, 0, sends[s].size);
			memcpy(d, sends[s].dst, 6);
			memcpy(d + 6, p->mac, 6);
			d[12] = ETHERTYPE >> 8;
			d[13] = ETHERTYPE & 0xff;
			memcpy(d + 14, &left, sizeof(left));
			while (rte_eth_tx_burst(p->id, (uint16_t)(left % n_queues), &m, 1) == 0) {
				poll_all(mp, false);
				if (rte_get_timer_cycles() > deadline) {
					fprintf(stderr, "vnet-peer: tx stuck on %s\n", p->name);
					return 1;
				}
			}
			p->tx++;
			left--;
			if ((left & 31) == 0)
				poll_all(mp, false);
		}
	}
	uint64_t hz = rte_get_timer_hz();
	if (flood_port >= 0) {
		struct peer_port *p = &ports[flood_port];
		uint64_t end = rte_get_timer_cycles() + flood_secs * hz;
		struct rte_mbuf *b[32];
		while (rte_get_timer_cycles() < end) {
			unsigned k = 0;
			for (; k < 32; k++) {
				b[k] = rte_pktmbuf_alloc(mp);
				if (!b[k])
					break;
				uint8_t *d = (uint8_t *)rte_pktmbuf_append(b[k], 300);
				uint16_t len = dhcp_discover(d, (uint32_t)(flooded + k));
				rte_pktmbuf_trim(b[k], (uint16_t)(300 - len));
			}
			uint16_t sent = rte_eth_tx_burst(p->id, (uint16_t)(flooded % n_queues), b, (uint16_t)k);
			if (sent < k)
				rte_pktmbuf_free_bulk(b + sent, k - sent);
			flooded += sent;
			p->tx += sent;
			poll_all(mp, false);
		}
		printf("dhcp-flood %s %llu\n", p->name, (unsigned long long)flooded);
	}
	if (dns_port >= 0) {
		/* windowed: at most dns_window queries unanswered; one that
		 * stays unanswered for 100 ms (lost) frees its place */
		struct peer_port *p = &ports[dns_port];
		uint64_t start = rte_get_timer_cycles(), end = start + dns_secs * hz;
		uint64_t sent = 0, last_progress = start;
		uint64_t base_answers = dns_answers, base_noerror = dns_noerror, lost = 0;
		struct rte_mbuf *b[32];
		while (rte_get_timer_cycles() < end) {
			uint64_t answered = dns_answers - base_answers;
			uint64_t out = sent - answered - lost;
			unsigned k = 0;
			while (k < 32 && out + k < dns_window) {
				b[k] = rte_pktmbuf_alloc(mp);
				if (!b[k])
					break;
				uint8_t *d = (uint8_t *)rte_pktmbuf_append(b[k], 300);
				uint16_t len = dns_query(d, p->mac, dns_gwmac, dns_src, dns_gw, dns_name,
							 (uint32_t)(sent + k));
				rte_pktmbuf_trim(b[k], (uint16_t)(300 - len));
				k++;
			}
			uint16_t n = k ? rte_eth_tx_burst(p->id, (uint16_t)(sent % n_queues), b, (uint16_t)k) : 0;
			if (n < k)
				rte_pktmbuf_free_bulk(b + n, k - n);
			sent += n;
			p->tx += n;
			uint64_t before = dns_answers, now = rte_get_timer_cycles();
			poll_all(mp, false);
			if (dns_answers != before || (n == 0 && out == 0))
				last_progress = now;
			else if (now - last_progress > hz / 10) { /* nothing for 100 ms */
				lost = sent - (dns_answers - base_answers);
				last_progress = now;
			}
		}
		double secs = (double)(rte_get_timer_cycles() - start) / (double)hz;
		/* answers still on their way are counted in the settle below */
		uint64_t settle_end = rte_get_timer_cycles() + hz / 10;
		while (rte_get_timer_cycles() < settle_end)
			poll_all(mp, false);
		printf("dns-load %s %llu %llu %llu %.3f\n", p->name, (unsigned long long)sent,
		       (unsigned long long)(dns_answers - base_answers),
		       (unsigned long long)(dns_noerror - base_noerror), secs);
	}
	uint64_t quiet_until = rte_get_timer_cycles() + settle * hz / 1000;
	while (rte_get_timer_cycles() < quiet_until) {
		if (poll_all(mp, echo) && echo)
			quiet_until = rte_get_timer_cycles() + settle * hz / 1000;
		usleep(50);
	}
	for (unsigned i = 0; i < n_ports; i++)
		printf("tx %s %llu\n", ports[i].name, (unsigned long long)ports[i].tx);
	for (unsigned i = 0; i < n_ports; i++)
		for (unsigned q = 0; q < n_queues; q++)
			printf("rxq %s %u %llu\n", ports[i].name, q,
			       (unsigned long long)ports[i].rxq[q]);
	for (unsigned i = 0; i < n_flows; i++) {
		const uint8_t *s = flows[i].src, *d = flows[i].dst;
		printf("rx %s %02x:%02x:%02x:%02x:%02x:%02x %02x:%02x:%02x:%02x:%02x:%02x %llu\n",
		       ports[flows[i].port].name, s[0], s[1], s[2], s[3], s[4], s[5], d[0], d[1],
		       d[2], d[3], d[4], d[5], (unsigned long long)flows[i].count);
	}
	fflush(stdout);
	for (unsigned i = 0; i < n_ports; i++) {
		rte_eth_dev_stop(ports[i].id);
		rte_eth_dev_close(ports[i].id);
	}
	rte_eal_cleanup();
	return 0;
}
