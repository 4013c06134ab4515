/* The route/NAT stage through a running worker: a guest and an uplink are
 * kernel ports on socketpairs (frames with a virtio-net header), the test
 * plays the guest and the internet.  NAT out and back (UDP, TCP, ICMP echo,
 * ICMP errors), endpoint-independent mapping, one session per connection
 * (established packets never create another), port forward and hairpin,
 * the host port, unresolved next hop, isolated mode, per-port limit,
 * conntrack dump/stats/flush. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/acl.h"
#include "dataplane/dp_internal.h"
#include "dataplane/nat.h"
#include "eal_env.h"

#define VH 10 /* virtio_net_hdr */

static struct dp *dp;
static uint16_t net, ga, gb, up, hp;
static int fa, fb, fu, fh; /* the test's ends */

static const uint8_t GW_MAC[6] = { 0x52, 0x54, 0, 0, 0, 0xfe };
static const uint8_t A_MAC[6] = { 0x52, 0x54, 0, 0, 0, 0x0a };
static const uint8_t B_MAC[6] = { 0x52, 0x54, 0, 0, 0, 0x0b };
static const uint8_t UP_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t NH_MAC[6] = { 0x02, 0, 0, 0, 0, 0x99 };

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static int attach(uint16_t port)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(dp_port_attach_kernel(dp, port, sv[0]), 0);
	return sv[1];
}

static uint16_t guest(const uint8_t mac[6], int *fd, uint8_t role)
{
	struct dp_port_params pp = { .net = net, .has_mac = true, .learning = role == 0,
				     .role = role };
	uint16_t id;
	memcpy(pp.mac, mac, 6);
	assert_int_equal(dp_port_create(dp, &pp, &id), 0);
	*fd = attach(id);
	return id;
}

static void set_l3(uint8_t mode, uint16_t uplink)
{
	struct dp_net_l3 c = { .mode = mode, .prefix = ip4("10.0.0.0"), .plen = 24,
			       .uplink = uplink };
	assert_int_equal(dp_net_set_l3(dp, net, &c), 0);
}

static void set_uplink(bool resolved)
{
	struct dp_uplink_conf u = { .ip = ip4("198.51.100.2"), .plen = 24,
				    .gw_ip = ip4("198.51.100.1"), .gw_resolved = resolved,
				    .mtu = 1500 };
	memcpy(u.mac, UP_MAC, 6);
	memcpy(u.gw_mac, NH_MAC, 6);
	assert_int_equal(dp_uplink_set(dp, up, &u), 0);
}

static int setup(void **s)
{
	struct dp_params p = { .n_workers = 1, .worker_lcores = { 1 }, .mbufs = 2048,
			       .flow_entries = 1024, .fdb_entries = 256, .ageing_secs = 300,
			       .flow_idle_secs = 10, .idle_us = 200, .ct_sessions = 4096,
			       .ct_port_limit = 100 };
	dp = dp_create(&p);
	if (!dp || dp_start(dp) < 0)
		return -1;
	assert_int_equal(dp_net_create(dp, &net), 0);
	struct dp_gw g = { .ip = ip4("10.0.0.1") };
	memcpy(g.mac, GW_MAC, 6);
	assert_int_equal(dp_net_set_gateway(dp, net, &g), 0);
	assert_int_equal(dp_net_set_active(dp, net, true), 0);
	ga = guest(A_MAC, &fa, DP_ROLE_GUEST);
	gb = guest(B_MAC, &fb, DP_ROLE_GUEST);
	hp = guest(GW_MAC, &fh, DP_ROLE_HOST);
	struct dp_port_params pu = { .role = DP_ROLE_UPLINK, .net = 12345 };
	assert_int_equal(dp_port_create(dp, &pu, &up), 0);
	fu = attach(up);
	set_uplink(true);
	set_l3(DP_FWD_NAT, up);
	assert_int_equal(dp_net_l3_host_port(dp, net, hp), 0);
	dp_sync(dp);
	return 0;
}

static int teardown(void **s)
{
	dp_free(dp);
	close(fa);
	close(fb);
	close(fu);
	close(fh);
	return 0;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An Ethernet + IPv4 + L4 frame with valid checksums; returns its length. */
static size_t mk(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint8_t proto,
		 const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t tcpf)
{
	memset(f, 0, 128);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	wr16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *l4 = ip + 20;
	size_t l4len = proto == 6 ? 20 : 8 + 8;
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + l4len));
	ip[8] = 64;
	ip[9] = proto;
	uint32_t s = ip4(src), d = ip4(dst);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	wr16(ip + 10, pkt_csum(ip, 20, 0));
	if (proto == 1) {
		l4[0] = (uint8_t)(dport >> 8); /* type */
		wr16(l4 + 4, sport);           /* id */
		wr16(l4 + 2, pkt_csum(l4, l4len, 0));
	} else {
		wr16(l4, sport);
		wr16(l4 + 2, dport);
		if (proto == 6) {
			l4[12] = 0x50;
			l4[13] = tcpf;
		} else {
			wr16(l4 + 4, (uint16_t)l4len);
		}
		uint32_t ps = rd16(ip + 12) + rd16(ip + 14) + rd16(ip + 16) + rd16(ip + 18) + proto +
			      (uint32_t)l4len;
		wr16(l4 + (proto == 6 ? 16 : 6), pkt_csum(l4, l4len, ps));
	}
	return 14 + 20 + l4len;
}

static void tx(int fd, const uint8_t *f, size_t len)
{
	uint8_t b[VH + 1600] = { 0 };
	memcpy(b + VH, f, len);
	assert_int_equal(send(fd, b, VH + len, 0), (ssize_t)(VH + len));
}

/* A frame the dataplane sent to fd, or 0 after 1 s. */
static size_t rx(int fd, uint8_t *f)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t b[VH + 1600];
	if (poll(&p, 1, 1000) != 1)
		return 0;
	ssize_t n = recv(fd, b, sizeof(b), 0);
	if (n <= VH)
		return 0;
	memcpy(f, b + VH, (size_t)n - VH);
	return (size_t)n - VH;
}

static bool nothing(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 200) == 0;
}

/* Checksums of a received IPv4 frame are right (full recomputation). */
static void valid(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	assert_int_equal(pkt_csum(ip, 20, 0), 0);
	size_t l4len = rd16(ip + 2) - 20u;
	assert_true(14 + 20 + l4len <= len);
	if (ip[9] == 1) {
		assert_int_equal(pkt_csum(ip + 20, l4len, 0), 0);
	} else {
		uint32_t ps = rd16(ip + 12) + rd16(ip + 14) + rd16(ip + 16) + rd16(ip + 18) + ip[9] +
			      (uint32_t)l4len;
		assert_int_equal(pkt_csum(ip + 20, l4len, ps), 0);
	}
}

static uint64_t drops(enum dp_drop d)
{
	struct dp_stats st;
	dp_stats(dp, &st);
	return st.drops[d];
}

static void arp_gw(int fd, const uint8_t *mac, const char *ip)
{
	uint8_t f[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memcpy(f + 6, mac, 6);
	wr16(f + 12, 0x0806);
	uint8_t a[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	memcpy(f + 14, a, 8);
	memcpy(f + 22, mac, 6);
	uint32_t s = ip4(ip), t = ip4("10.0.0.1");
	memcpy(f + 28, &s, 4);
	memcpy(f + 38, &t, 4);
	tx(fd, f, 60);
	uint8_t r[1600];
	assert_true(rx(fd, r) > 0); /* the gateway's answer */
	assert_int_equal(r[21], 2);
}

static void nat_udp_tcp_icmp(void **st)
{
	uint8_t f[1600], r[1600];
	size_t n;
	uint32_t ext = ip4("198.51.100.2");
	arp_gw(fa, A_MAC, "10.0.0.2");

	/* UDP out: translated to the uplink address, next hop MACs, TTL - 1 */
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 5000, "203.0.113.5", 53, 0);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	valid(r, n);
	assert_memory_equal(r, NH_MAC, 6);
	assert_memory_equal(r + 6, UP_MAC, 6);
	assert_memory_equal(r + 14 + 12, &ext, 4);
	assert_int_equal(r[14 + 8], 63);
	uint16_t eport = rd16(r + 34);
	assert_in_range(eport, 1024, 65535);
	/* the reply comes back to the guest */
	n = mk(f, UP_MAC, NH_MAC, 17, "203.0.113.5", 53, "198.51.100.2", eport, 0);
	tx(fu, f, n);
	assert_int_equal(rx(fa, r), n);
	valid(r, n);
	assert_memory_equal(r, A_MAC, 6);
	assert_memory_equal(r + 6, GW_MAC, 6);
	uint32_t a = ip4("10.0.0.2");
	assert_memory_equal(r + 14 + 16, &a, 4);
	assert_int_equal(rd16(r + 36), 5000);
	/* endpoint independent: the same source to elsewhere, the same port */
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 5000, "192.0.2.77", 123, 0);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	assert_int_equal(rd16(r + 34), eport);
	/* an ICMP port unreachable about it reaches the guest, translated */
	uint8_t e[200] = { 0 };
	memcpy(e, UP_MAC, 6);
	memcpy(e + 6, NH_MAC, 6);
	wr16(e + 12, 0x0800);
	e[14] = 0x45;
	wr16(e + 16, 20 + 8 + 28);
	e[22] = 64;
	e[23] = 1;
	uint32_t rt = ip4("192.0.2.77");
	memcpy(e + 26, &rt, 4);
	memcpy(e + 30, &ext, 4);
	wr16(e + 24, pkt_csum(e + 14, 20, 0));
	e[34] = 3;
	e[35] = 3;
	memcpy(e + 42, r + 14, 28); /* the datagram as it left */
	wr16(e + 36, pkt_csum(e + 34, 36, 0));
	tx(fu, e, 14 + 56);
	assert_int_equal(rx(fa, r), 14 + 56);
	valid(r, 14 + 56);
	assert_memory_equal(r + 30, &a, 4);          /* to the guest */
	assert_memory_equal(r + 42 + 12, &a, 4);     /* quoting its own datagram */
	assert_int_equal(rd16(r + 42 + 20), 5000);
	assert_int_equal(pkt_csum(r + 42, 20, 0), 0);

	/* TCP: one session, established packets never create another */
	struct dp_ct_stats cs0, cs1;
	dp_ct_stats(dp, -1, &cs0);
	uint64_t slow0 = __atomic_load_n(&dp->w[0]->route_misses, __ATOMIC_RELAXED);
	n = mk(f, GW_MAC, A_MAC, 6, "10.0.0.2", 40000, "203.0.113.5", 80, 0x02);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	valid(r, n);
	uint16_t tport = rd16(r + 34);
	n = mk(f, UP_MAC, NH_MAC, 6, "203.0.113.5", 80, "198.51.100.2", tport, 0x12);
	tx(fu, f, n);
	assert_int_equal(rx(fa, r), n);
	valid(r, n);
	for (int i = 0; i < 50; i++) {
		n = mk(f, GW_MAC, A_MAC, 6, "10.0.0.2", 40000, "203.0.113.5", 80, 0x10);
		tx(fa, f, n);
		assert_int_equal(rx(fu, r), n);
		assert_int_equal(rd16(r + 34), tport);
	}
	dp_ct_stats(dp, -1, &cs1);
	assert_int_equal(cs1.created, cs0.created + 1);
	/* one slow path for the SYN; the SYN-ACK and 50 ACKs: one lookup each */
	assert_int_equal(__atomic_load_n(&dp->w[0]->route_misses, __ATOMIC_RELAXED), slow0 + 1);
	assert_int_equal(cs1.by_state[DP_CT_ESTABLISHED], 1);

	/* ICMP echo: the identifier translated, the reply back */
	n = mk(f, GW_MAC, A_MAC, 1, "10.0.0.2", 0x4242, "203.0.113.5", 0x0800, 0);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	valid(r, n);
	uint16_t id = rd16(r + 38);
	n = mk(f, UP_MAC, NH_MAC, 1, "203.0.113.5", id, "198.51.100.2", 0x0000, 0);
	tx(fu, f, n);
	assert_int_equal(rx(fa, r), n);
	valid(r, n);
	assert_int_equal(rd16(r + 38), 0x4242);
	assert_int_equal(r[34], 0);

	/* a fragmented datagram: the first fragment finds (here: makes) the
	 * session, the second follows it; the reassembled checksum holds */
	uint8_t fr1[64] = { 0 }, fr2[64] = { 0 }, udp[24];
	uint32_t a2 = ip4("10.0.0.2"), srv = ip4("203.0.113.7");
	for (int i = 0; i < 24; i++)
		udp[i] = (uint8_t)(i * 7 + 1);
	wr16(udp, 5555);
	wr16(udp + 2, 4444);
	wr16(udp + 4, 24);
	udp[6] = udp[7] = 0;
	{
		uint32_t ps = rd16((uint8_t *)&a2) + rd16((uint8_t *)&a2 + 2) + rd16((uint8_t *)&srv) +
			      rd16((uint8_t *)&srv + 2) + 17 + 24;
		wr16(udp + 6, pkt_csum(udp, 24, ps));
	}
	uint8_t *frs[2] = { fr1, fr2 };
	for (int k = 0; k < 2; k++) {
		uint8_t *x = frs[k], *ip = x + 14;
		memcpy(x, GW_MAC, 6);
		memcpy(x + 6, A_MAC, 6);
		wr16(x + 12, 0x0800);
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(20 + (k ? 8 : 16)));
		wr16(ip + 4, 0x7777);
		wr16(ip + 6, k ? 2 : 0x2000); /* offset 16 bytes / MF */
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, &a2, 4);
		memcpy(ip + 16, &srv, 4);
		wr16(ip + 10, pkt_csum(ip, 20, 0));
		memcpy(ip + 20, udp + (k ? 16 : 0), k ? 8 : 16);
	}
	uint64_t fd0 = drops(DP_DROP_FRAG);
	tx(fa, fr2, 14 + 28); /* ahead of its first: dropped */
	assert_true(nothing(fu));
	assert_int_equal(drops(DP_DROP_FRAG), fd0 + 1);
	tx(fa, fr1, 14 + 36);
	tx(fa, fr2, 14 + 28);
	uint8_t o1[1600], o2[1600];
	assert_int_equal(rx(fu, o1), 14 + 36);
	assert_int_equal(rx(fu, o2), 14 + 28);
	assert_int_equal(pkt_csum(o1 + 14, 20, 0), 0);
	assert_int_equal(pkt_csum(o2 + 14, 20, 0), 0);
	assert_memory_equal(o1 + 26, &ext, 4);
	assert_memory_equal(o2 + 26, &ext, 4);
	assert_memory_equal(o2, NH_MAC, 6);
	assert_int_equal(rd16(o2 + 14 + 6), 2); /* still a fragment, offset kept */
	uint8_t re[24];
	memcpy(re, o1 + 34, 16);
	memcpy(re + 16, o2 + 34, 8);
	assert_int_not_equal(rd16(re), 5555); /* translated port */
	{
		uint32_t ps = rd16((uint8_t *)&ext) + rd16((uint8_t *)&ext + 2) + rd16((uint8_t *)&srv) +
			      rd16((uint8_t *)&srv + 2) + 17 + 24;
		assert_int_equal(pkt_csum(re, 24, ps), 0);
	}

	/* visible */
	struct dp_ct_row rows[16];
	int cnt = dp_ct_dump(dp, net, rows, 16);
	assert_int_equal(cnt, 5); /* 3 UDP, TCP, ICMP */
	bool seen = false;
	for (int i = 0; i < cnt; i++)
		if (rows[i].proto == 6) {
			seen = true;
			assert_int_equal(rows[i].state, DP_CT_ESTABLISHED);
			assert_int_equal(ntohs(rows[i].nat_port), tport);
			assert_int_equal(rows[i].nat_ip, ext);
			assert_int_equal(rows[i].packets[0], 51);
			assert_int_equal(rows[i].packets[1], 1);
		}
	assert_true(seen);
	assert_string_equal(dp_ct_state_name(DP_CT_UDP_ASSURED), "ASSURED");

	/* unsolicited from outside: nothing */
	n = mk(f, UP_MAC, NH_MAC, 17, "203.0.113.5", 53, "198.51.100.2", 9999, 0);
	uint64_t d0 = drops(DP_DROP_NO_SESSION);
	tx(fu, f, n);
	assert_true(nothing(fa));
	assert_int_equal(drops(DP_DROP_NO_SESSION), d0 + 1);

	/* flush */
	assert_int_equal(dp_ct_flush(dp, net), 5);
	assert_int_equal(dp_ct_dump(dp, -1, rows, 16), 0);
}

static void portfwd_hairpin_host(void **st)
{
	uint8_t f[1600], r[1600];
	size_t n;
	uint32_t ext = ip4("198.51.100.2");
	arp_gw(fa, A_MAC, "10.0.0.2");
	arp_gw(fb, B_MAC, "10.0.0.3");
	struct dp_portfwd pf[2] = {
		{ .proto = 6, .ext_ip = 0, .ext_port = htons(8080), .net = net,
		  .int_ip = ip4("10.0.0.3"), .int_port = htons(80) },
		{ .proto = 17, .ext_ip = 0, .ext_port = htons(5353), .net = net,
		  .int_ip = ip4("10.0.0.3"), .int_port = htons(53) },
	};
	assert_int_equal(dp_portfwd_replace(dp, pf, 2), 0);
	dp_sync(dp);
	/* from the internet to the forwarded port: to B */
	n = mk(f, UP_MAC, NH_MAC, 6, "203.0.113.9", 33333, "198.51.100.2", 8080, 0x02);
	tx(fu, f, n);
	assert_int_equal(rx(fb, r), n);
	valid(r, n);
	assert_memory_equal(r, B_MAC, 6);
	assert_int_equal(rd16(r + 36), 80);
	n = mk(f, GW_MAC, B_MAC, 6, "10.0.0.3", 80, "203.0.113.9", 33333, 0x12);
	tx(fb, f, n);
	assert_int_equal(rx(fu, r), n);
	valid(r, n);
	assert_memory_equal(r + 26, &ext, 4);
	assert_int_equal(rd16(r + 34), 8080);
	/* hairpin: A to the public address reaches B, from the public address */
	n = mk(f, GW_MAC, A_MAC, 6, "10.0.0.2", 41000, "198.51.100.2", 8080, 0x02);
	tx(fa, f, n);
	assert_int_equal(rx(fb, r), n);
	valid(r, n);
	assert_memory_equal(r + 26, &ext, 4);
	assert_int_equal(rd16(r + 36), 80);
	uint16_t hport = rd16(r + 34);
	n = mk(f, GW_MAC, B_MAC, 6, "10.0.0.3", 80, "198.51.100.2", hport, 0x12);
	tx(fb, f, n);
	assert_int_equal(rx(fa, r), n);
	valid(r, n);
	assert_memory_equal(r + 26, &ext, 4);
	assert_int_equal(rd16(r + 34), 8080);
	assert_int_equal(rd16(r + 36), 41000);
	/* a forwarded UDP port, closed on the guest: its port unreachable goes
	 * out translated (outer source and the quoted packet) */
	n = mk(f, UP_MAC, NH_MAC, 17, "203.0.113.9", 40000, "198.51.100.2", 5353, 0);
	tx(fu, f, n);
	assert_int_equal(rx(fb, r), n);
	uint8_t e[200] = { 0 };
	memcpy(e, GW_MAC, 6);
	memcpy(e + 6, B_MAC, 6);
	wr16(e + 12, 0x0800);
	e[14] = 0x45;
	wr16(e + 16, 20 + 8 + 28);
	e[22] = 64;
	e[23] = 1;
	uint32_t b = ip4("10.0.0.3"), rem = ip4("203.0.113.9");
	memcpy(e + 26, &b, 4);
	memcpy(e + 30, &rem, 4);
	wr16(e + 24, pkt_csum(e + 14, 20, 0));
	e[34] = 3;
	e[35] = 3;
	memcpy(e + 42, r + 14, 28); /* the datagram B got */
	wr16(e + 36, pkt_csum(e + 34, 36, 0));
	tx(fb, e, 14 + 56);
	assert_int_equal(rx(fu, r), 14 + 56);
	valid(r, 14 + 56);
	assert_memory_equal(r + 26, &ext, 4);      /* from the public address */
	assert_memory_equal(r + 30, &rem, 4);
	assert_memory_equal(r + 42 + 16, &ext, 4); /* quoting what the remote sent */
	assert_int_equal(rd16(r + 42 + 22), 5353);
	assert_int_equal(pkt_csum(r + 42, 20, 0), 0);
	/* a neighbor through the gateway's MAC: routed back in, untranslated */
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 7777, "10.0.0.3", 53, 0);
	tx(fa, f, n);
	assert_int_equal(rx(fb, r), n);
	valid(r, n);
	assert_memory_equal(r, B_MAC, 6);
	assert_memory_equal(r + 6, GW_MAC, 6);
	assert_memory_equal(r + 26, f + 26, 8);
	assert_int_equal(rd16(r + 34), 7777);
	/* to the host's uplink address (no forward there): the host port */
	n = mk(f, GW_MAC, A_MAC, 6, "10.0.0.2", 42001, "198.51.100.2", 22, 0x02);
	tx(fa, f, n);
	assert_int_equal(rx(fh, r), n);
	assert_memory_equal(r, f, n); /* untouched */
	/* the host port: TCP to the gateway address goes to the host */
	n = mk(f, GW_MAC, A_MAC, 6, "10.0.0.2", 42000, "10.0.0.1", 22, 0x02);
	tx(fa, f, n);
	assert_int_equal(rx(fh, r), n);
	assert_memory_equal(r, f, n); /* untouched */
}

static void no_neigh_isolated_limit(void **st)
{
	uint8_t f[1600], r[1600];
	size_t n;
	arp_gw(fa, A_MAC, "10.0.0.2");
	/* the next hop unresolved: dropped, counted, reported */
	set_uplink(false);
	dp_sync(dp);
	uint64_t d0 = drops(DP_DROP_NO_NEIGH);
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 6000, "203.0.113.5", 53, 0);
	tx(fa, f, n);
	assert_true(nothing(fu));
	assert_int_equal(drops(DP_DROP_NO_NEIGH), d0 + 1);
	uint32_t miss[4];
	assert_int_equal(dp_uplink_neigh_misses(dp, up, miss, 4), 1);
	assert_int_equal(miss[0], ip4("198.51.100.1"));
	assert_int_equal(dp_uplink_neigh_misses(dp, up, miss, 4), 0);
	/* an on-link destination through the neighbor table */
	uint8_t nm[6] = { 0x02, 0, 0, 0, 0, 0x33 };
	assert_int_equal(dp_uplink_neigh_set(dp, up, ip4("198.51.100.33"), nm), 0);
	dp_sync(dp);
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 6001, "198.51.100.33", 53, 0);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	assert_memory_equal(r, nm, 6);
	set_uplink(true);
	/* isolated: nothing beyond the network */
	set_l3(DP_FWD_ISOLATED, up);
	dp_sync(dp);
	d0 = drops(DP_DROP_NO_ROUTE);
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 6002, "203.0.113.5", 53, 0);
	tx(fa, f, n);
	assert_true(nothing(fu));
	assert_int_equal(drops(DP_DROP_NO_ROUTE), d0 + 1);
	/* route: no translation */
	set_l3(DP_FWD_ROUTE, up);
	dp_sync(dp);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	assert_memory_equal(r + 26, f + 26, 8);
	assert_int_equal(rd16(r + 34), 6002);
	/* route mode inbound: a new connection to a guest */
	n = mk(f, UP_MAC, NH_MAC, 6, "203.0.113.5", 999, "10.0.0.2", 22, 0x02);
	tx(fu, f, n);
	assert_int_equal(rx(fa, r), n);
	/* the per-port limit (100): the rest refused and counted */
	set_l3(DP_FWD_NAT, up);
	dp_ct_flush(dp, -1);
	dp_sync(dp);
	d0 = drops(DP_DROP_CT_PORT_LIMIT);
	for (unsigned i = 0; i < 120; i++) {
		n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", (uint16_t)(7000 + i), "203.0.113.5", 53, 0);
		tx(fa, f, n);
	}
	unsigned out = 0;
	while (rx(fu, r) > 0)
		out++;
	assert_int_equal(out, 100);
	struct dp_ct_stats cs;
	dp_ct_stats(dp, -1, &cs);
	assert_int_equal(cs.sessions, 100);
	assert_int_equal(cs.by_state[DP_CT_UDP_UNREPLIED], 100);
	assert_int_equal(drops(DP_DROP_CT_PORT_LIMIT) - d0, 20);
	assert_int_equal(cs.refused_port_limit, 20);
}

/* A guest that never spoke, toward which a port forward arrives: dropped
 * no_neigh, then the gateway ARPs for it on the network's guest ports (not
 * the host port), once a second per address; the guest's reply to the
 * gateway MAC fills the table and the next packet is delivered. */
static void arp_for_silent_guest(void **st)
{
	uint8_t f[1600], r[1600];
	size_t n;
	struct dp_portfwd pf = { .proto = 6, .ext_ip = 0, .ext_port = htons(8080), .net = net,
				 .int_ip = ip4("10.0.0.3"), .int_port = htons(80) };
	assert_int_equal(dp_portfwd_replace(dp, &pf, 1), 0);
	dp_sync(dp);
	assert_int_equal(dp_neigh_resolve(dp), 0); /* nothing pending */
	uint64_t d0 = drops(DP_DROP_NO_NEIGH);
	n = mk(f, UP_MAC, NH_MAC, 6, "203.0.113.9", 33333, "198.51.100.2", 8080, 0x02);
	tx(fu, f, n);
	assert_true(nothing(fb));
	assert_int_equal(drops(DP_DROP_NO_NEIGH), d0 + 1);
	assert_int_equal(dp_neigh_resolve(dp), 2); /* A and B, not the host port */
	uint32_t gw = ip4("10.0.0.1"), b = ip4("10.0.0.3");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rx(i ? fa : fb, r), 42);
		assert_memory_equal(r, "\xff\xff\xff\xff\xff\xff", 6);
		assert_memory_equal(r + 6, GW_MAC, 6);
		assert_int_equal(rd16(r + 12), 0x0806);
		assert_int_equal(rd16(r + 20), 1); /* request */
		assert_memory_equal(r + 22, GW_MAC, 6);
		assert_memory_equal(r + 28, &gw, 4);
		assert_memory_equal(r + 38, &b, 4);
	}
	assert_true(nothing(fh));
	/* the retransmission within the second: dropped, no second request */
	tx(fu, f, n);
	assert_true(nothing(fb));
	assert_int_equal(drops(DP_DROP_NO_NEIGH), d0 + 2);
	assert_int_equal(dp_neigh_resolve(dp), 0);
	assert_true(nothing(fb));
	/* B answers the gateway */
	uint8_t a[60] = { 0 };
	memcpy(a, GW_MAC, 6);
	memcpy(a + 6, B_MAC, 6);
	wr16(a + 12, 0x0806);
	uint8_t h[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };
	memcpy(a + 14, h, 8);
	memcpy(a + 22, B_MAC, 6);
	memcpy(a + 28, &b, 4);
	memcpy(a + 32, GW_MAC, 6);
	memcpy(a + 38, &gw, 4);
	tx(fb, a, 60);
	assert_int_equal(rx(fh, r), 60); /* the host port still sees it */
	tx(fu, f, n);
	assert_int_equal(rx(fb, r), n);
	valid(r, n);
	assert_memory_equal(r, B_MAC, 6);
	assert_int_equal(rd16(r + 36), 80);
	assert_int_equal(drops(DP_DROP_NO_NEIGH), d0 + 2);
}

/* Bad configuration is refused and changes nothing. */
/* TTL 1: an ICMP time exceeded back to the sender, from the gateway's
 * address (guest side) or the uplink's (outside: a session's reply), quoting
 * the IP header and 8 bytes; nothing forwarded.  An ICMP error with TTL 1
 * gets none (dropped as no_route). */
static void ttl1(uint8_t *f)
{
	f[14 + 8] = 1;
	wr16(f + 24, 0);
	wr16(f + 24, pkt_csum(f + 14, 20, 0));
}

static void ttl_time_exceeded(void **st)
{
	uint8_t f[1600], r[1600], orig[28];
	size_t n;
	arp_gw(fa, A_MAC, "10.0.0.2");
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 5000, "203.0.113.5", 53, 0);
	ttl1(f);
	memcpy(orig, f + 14, 28);
	tx(fa, f, n);
	assert_int_equal(rx(fa, r), 14 + 20 + 8 + 28);
	valid(r, 70);
	assert_memory_equal(r, A_MAC, 6);
	assert_memory_equal(r + 6, GW_MAC, 6);
	uint32_t gw = ip4("10.0.0.1"), a = ip4("10.0.0.2"), ext = ip4("198.51.100.2"),
		 srv = ip4("203.0.113.5");
	assert_int_equal(r[14 + 9], 1);
	assert_memory_equal(r + 26, &gw, 4);
	assert_memory_equal(r + 30, &a, 4);
	assert_int_equal(r[34], 11);
	assert_int_equal(r[35], 0);
	assert_memory_equal(r + 42, orig, 28);
	assert_true(nothing(fu));

	/* outside: a session's reply with TTL 1, answered from the uplink's address */
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 5001, "203.0.113.5", 53, 0);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	uint16_t eport = rd16(r + 34);
	n = mk(f, UP_MAC, NH_MAC, 17, "203.0.113.5", 53, "198.51.100.2", eport, 0);
	ttl1(f);
	tx(fu, f, n);
	assert_int_equal(rx(fu, r), 70);
	valid(r, 70);
	assert_memory_equal(r, NH_MAC, 6);
	assert_memory_equal(r + 6, UP_MAC, 6);
	assert_memory_equal(r + 26, &ext, 4);
	assert_memory_equal(r + 30, &srv, 4);
	assert_int_equal(r[34], 11);
	assert_true(nothing(fa));

	/* an ICMP error (port unreachable) with TTL 1: no error about an error */
	uint64_t d0 = drops(DP_DROP_NO_ROUTE);
	n = mk(f, GW_MAC, A_MAC, 1, "10.0.0.2", 0, "203.0.113.5", 3 << 8, 0);
	ttl1(f);
	tx(fa, f, n);
	assert_true(nothing(fa));
	assert_true(nothing(fu));
	assert_int_equal(drops(DP_DROP_NO_ROUTE), d0 + 1);
}

static void bad_config(void **st)
{
	struct dp_net_l3 c = { .mode = DP_FWD_NAT, .prefix = ip4("10.0.0.0"), .plen = 24,
			       .uplink = up };
	c.mode = 9;
	assert_int_equal(dp_net_set_l3(dp, net, &c), -EINVAL);
	c.mode = DP_FWD_NAT;
	c.plen = 33;
	assert_int_equal(dp_net_set_l3(dp, net, &c), -EINVAL);
	c.plen = 24;
	c.uplink = ga; /* not an uplink */
	assert_int_equal(dp_net_set_l3(dp, net, &c), -EINVAL);
	c.uplink = up;
	c.nat_addr_min = 0xc6336401;
	c.nat_addr_max = 0xc6336401 + 16; /* 17 addresses */
	assert_int_equal(dp_net_set_l3(dp, net, &c), -EINVAL);
	c.nat_addr_max = 0;
	assert_int_equal(dp_net_set_l3(dp, net, &c), -EINVAL);
	c.nat_addr_min = 0;
	c.nat_port_min = 2000;
	c.nat_port_max = 1000;
	assert_int_equal(dp_net_set_l3(dp, net, &c), -EINVAL);
	assert_int_equal(dp_net_set_l3(dp, 63, &c), -ENOENT);
	assert_int_equal(dp_net_l3_host_port(dp, net, ga), -EINVAL); /* not a host port */
	struct dp_uplink_conf u = { .plen = 40 };
	assert_int_equal(dp_uplink_set(dp, up, &u), -EINVAL);
	assert_int_equal(dp_uplink_set(dp, ga, &u), -ENOENT);
	assert_int_equal(dp_uplink_neigh_set(dp, up, ip4("198.51.100.9"), NULL), -ENOENT);
	struct dp_portfwd pf = { .proto = 1, .ext_port = htons(1), .net = net, .int_ip = 1,
				 .int_port = htons(1) };
	assert_int_equal(dp_portfwd_replace(dp, &pf, 1), -EINVAL);
	assert_int_equal(dp_portfwd_replace(dp, &pf, DP_PORTFWD_MAX + 1), -ENOSPC);
	dp_sync(dp);
	/* the configuration is as before: NAT still works */
	uint8_t f[1600], r[1600];
	arp_gw(fa, A_MAC, "10.0.0.2");
	size_t n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 5001, "203.0.113.5", 53, 0);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	uint32_t ext = ip4("198.51.100.2");
	assert_memory_equal(r + 26, &ext, 4);
	/* a port that goes takes its sessions with it */
	struct dp_ct_stats cs;
	dp_ct_stats(dp, -1, &cs);
	assert_int_equal(cs.sessions, 1);
	assert_int_equal(dp_port_destroy(dp, ga), 0);
	dp_ct_stats(dp, -1, &cs);
	assert_int_equal(cs.sessions, 0);
}

/* One allow rule: proto, destination ports, remote prefix. */
static struct acl_rule rule(int proto, int pmin, int pmax, const char *remote, unsigned plen)
{
	struct acl_rule r = { .proto = (int16_t)proto, .pmin = pmin, .pmax = pmax,
			      .icmp_type = ACL_ANY, .icmp_code = ACL_ANY };
	if (remote) {
		r.mask = htonl(plen ? ~0u << (32 - plen) : 0);
		r.net = ip4(remote) & r.mask;
	}
	return r;
}

static void set_acl(uint16_t port, unsigned n_in, const struct acl_rule *in, unsigned n_out,
		    const struct acl_rule *out)
{
	struct acl_set *a = acl_set_new(n_in, n_out);
	assert_non_null(a);
	if (n_in) /* memcpy from NULL is undefined even for 0 bytes (UBSan) */
		memcpy(a->r[ACL_IN], in, n_in * sizeof(*in));
	if (n_out)
		memcpy(a->r[ACL_OUT], out, n_out * sizeof(*out));
	a->n[ACL_IN] = n_in;
	a->n[ACL_OUT] = n_out;
	assert_int_equal(dp_port_set_acl(dp, port, a), 0);
	dp_sync(dp);
}

/* Security groups north-south: a guest's new connection out is checked
 * against its egress rules, an inbound one (port forward) against the
 * receiving guest's ingress rules with the outside source as the remote;
 * replies pass; a rule change cuts a connection the new rules refuse. */
static void security_groups(void **st)
{
	uint8_t f[1600], r[1600];
	size_t n;
	arp_gw(fa, A_MAC, "10.0.0.2");
	arp_gw(fb, B_MAC, "10.0.0.3");
	struct dp_portfwd pf = { .proto = 6, .ext_port = htons(2222), .net = net,
				 .int_ip = ip4("10.0.0.3"), .int_port = htons(22) };
	assert_int_equal(dp_portfwd_replace(dp, &pf, 1), 0);
	struct acl_rule a_out = rule(6, 80, 80, NULL, 0);
	set_acl(ga, 0, NULL, 1, &a_out);
	struct acl_rule b_in = rule(6, 22, 22, "203.0.113.0", 24), b_out = rule(ACL_ANY, ACL_ANY, ACL_ANY, NULL, 0);
	set_acl(gb, 1, &b_in, 1, &b_out);

	/* A: TCP 80 out and its reply pass; UDP 53 does not */
	n = mk(f, GW_MAC, A_MAC, 6, "10.0.0.2", 40000, "203.0.113.5", 80, 0x02);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	uint16_t tport = rd16(r + 34);
	n = mk(f, UP_MAC, NH_MAC, 6, "203.0.113.5", 80, "198.51.100.2", tport, 0x12);
	tx(fu, f, n);
	assert_int_equal(rx(fa, r), n);
	uint64_t d0 = drops(DP_DROP_ACL);
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 5000, "203.0.113.5", 53, 0);
	tx(fa, f, n);
	assert_true(nothing(fu));
	assert_int_equal(drops(DP_DROP_ACL), d0 + 1);
	/* nor does the outside open a connection to A (no ingress rule) */
	struct dp_portfwd pf2[2] = { pf, { .proto = 6, .ext_port = htons(8080), .net = net,
					   .int_ip = ip4("10.0.0.2"), .int_port = htons(80) } };
	assert_int_equal(dp_portfwd_replace(dp, pf2, 2), 0);
	dp_sync(dp);
	n = mk(f, UP_MAC, NH_MAC, 6, "203.0.113.9", 33000, "198.51.100.2", 8080, 0x02);
	tx(fu, f, n);
	assert_true(nothing(fa));
	assert_int_equal(drops(DP_DROP_ACL), d0 + 2);

	/* inbound port forward to B's 22, allowed from 203.0.113.0/24 only:
	 * the rule sees the translated port (22), not the external one */
	n = mk(f, UP_MAC, NH_MAC, 6, "203.0.113.9", 33333, "198.51.100.2", 2222, 0x02);
	tx(fu, f, n);
	assert_int_equal(rx(fb, r), n);
	assert_int_equal(rd16(r + 36), 22);
	n = mk(f, GW_MAC, B_MAC, 6, "10.0.0.3", 22, "203.0.113.9", 33333, 0x12);
	tx(fb, f, n);
	assert_int_equal(rx(fu, r), n);
	n = mk(f, UP_MAC, NH_MAC, 6, "192.0.2.9", 33333, "198.51.100.2", 2222, 0x02);
	tx(fu, f, n);
	assert_true(nothing(fb));
	assert_int_equal(drops(DP_DROP_ACL), d0 + 3);

	/* a rule change: A may now only send UDP 53; its TCP connection is cut */
	struct acl_rule a_dns = rule(17, 53, 53, NULL, 0);
	set_acl(ga, 0, NULL, 1, &a_dns);
	n = mk(f, GW_MAC, A_MAC, 6, "10.0.0.2", 40000, "203.0.113.5", 80, 0x10);
	tx(fa, f, n);
	assert_true(nothing(fu));
	assert_int_equal(drops(DP_DROP_ACL), d0 + 4);
	n = mk(f, GW_MAC, A_MAC, 17, "10.0.0.2", 5000, "203.0.113.5", 53, 0);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
	/* B's inbound connection is untouched by A's change */
	n = mk(f, GW_MAC, B_MAC, 6, "10.0.0.3", 22, "203.0.113.9", 33333, 0x10);
	tx(fb, f, n);
	assert_int_equal(rx(fu, r), n);
	/* no groups: unfiltered again */
	assert_int_equal(dp_port_set_acl(dp, ga, NULL), 0);
	dp_sync(dp);
	n = mk(f, GW_MAC, A_MAC, 6, "10.0.0.2", 40001, "203.0.113.5", 443, 0x02);
	tx(fa, f, n);
	assert_int_equal(rx(fu, r), n);
}

int main(void)
{
	if (test_eal_init() < 0)
		return 1;
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(nat_udp_tcp_icmp, setup, teardown),
		cmocka_unit_test_setup_teardown(portfwd_hairpin_host, setup, teardown),
		cmocka_unit_test_setup_teardown(no_neigh_isolated_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(ttl_time_exceeded, setup, teardown),
		cmocka_unit_test_setup_teardown(arp_for_silent_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(security_groups, setup, teardown),
	};
	return cmocka_run_group_tests_name("route", t, NULL, NULL);
}
