/*
 * test_dhcp_server.c - cmocka tests for control/dhcp/dhcp_server.c: every
 * message / client state (DISCOVER, SELECTING, INIT-REBOOT, RENEWING,
 * REBINDING, DECLINE, RELEASE, INFORM), RFC 2131 4.1 reply addressing,
 * option 55 handling, static hosts, returning clients (also across a
 * restart through the lease file), exhaustion, expiry, rate limiting,
 * reconfiguration and drop counters.  Replies are checked byte by byte
 * (headers, checksums, BOOTP fields, options).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/dhcp/dhcp_server.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define SERVER IP(192, 168, 122, 1)
#define T0 ((time_t)1700000000)

static const uint8_t SMAC[6] = { 0x52, 0x54, 0x00, 0xfe, 0x00, 0x01 };
static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0c };
static const uint8_t MAC_H[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x77 };
static const uint8_t RELAY_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- request builder ---------------------------------------------------- */

struct req {
	uint8_t type;
	const uint8_t *mac;
	uint32_t xid;
	uint32_t ciaddr, giaddr;
	uint16_t flags;
	uint32_t req_ip, server_id;
	uint32_t ip_dst; /* 0 = 255.255.255.255 */
	const uint8_t *clid;
	size_t clid_len;
	const char *hostname;
	const uint8_t *prl;
	size_t prl_len;
	uint16_t maxmsg;
	uint32_t lease_time; /* 0 = absent */
};

static int mkreq(const struct req *r, uint8_t *buf, size_t cap)
{
	uint8_t *bp = buf + DHCP_FRAME_HDR_LEN;
	struct dhcp_opt_writer w;
	struct dhcp_frame_addr a;
	size_t plen;

	memset(bp, 0, 300);
	bp[0] = 1;
	bp[1] = 1;
	bp[2] = 6;
	dhcp_put_be32(bp + 4, r->xid ? r->xid : 0x11223344);
	dhcp_put_be16(bp + 10, r->flags);
	dhcp_put_be32(bp + 12, r->ciaddr);
	dhcp_put_be32(bp + 24, r->giaddr);
	memcpy(bp + 28, r->mac, 6);
	dhcp_put_be32(bp + 236, DHCP_MAGIC_COOKIE);
	dhcp_opt_writer_init(&w, bp + 240, 300);
	dhcp_opt_put_u8(&w, 53, r->type);
	if (r->req_ip)
		dhcp_opt_put_u32(&w, 50, r->req_ip);
	if (r->server_id)
		dhcp_opt_put_u32(&w, 54, r->server_id);
	if (r->clid)
		dhcp_opt_put(&w, 61, r->clid, r->clid_len);
	if (r->hostname)
		dhcp_opt_put(&w, 12, r->hostname, strlen(r->hostname));
	if (r->prl)
		dhcp_opt_put(&w, 55, r->prl, r->prl_len);
	if (r->maxmsg)
		dhcp_opt_put_u16(&w, 57, r->maxmsg);
	if (r->lease_time)
		dhcp_opt_put_u32(&w, 51, r->lease_time);
	plen = 240 + dhcp_opt_end(&w);
	if (plen < 300)
		plen = 300;
	memset(&a, 0, sizeof(a));
	memcpy(a.src_mac, r->giaddr ? RELAY_MAC : r->mac, 6);
	memset(a.dst_mac, 0xff, 6);
	a.src_ip = r->giaddr ? r->giaddr : r->ciaddr;
	a.dst_ip = r->ip_dst ? r->ip_dst : 0xffffffffu;
	a.src_port = r->giaddr ? 67 : 68;
	a.dst_port = 67;
	return dhcp_frame_finish(buf, cap, &a, plen);
}

/* ---- reply checker ------------------------------------------------------ */

struct rep {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	uint32_t xid, ciaddr, yiaddr, siaddr, giaddr;
	uint16_t flags;
	uint8_t chaddr[16];
	size_t bootp_len;
	struct dhcp_opts o;
	uint8_t type;
};

static void check_reply(const uint8_t *f, int len, struct rep *r)
{
	const uint8_t *ip = f + 14, *udp = f + 34, *bp = f + 42;
	uint8_t pseudo[12];
	uint32_t sum;
	size_t ulen;

	assert_true(len >= 42 + 300);
	memset(r, 0, sizeof(*r));
	memcpy(r->dst_mac, f, 6);
	memcpy(r->src_mac, f + 6, 6);
	assert_memory_equal(r->src_mac, SMAC, 6);
	assert_int_equal(dhcp_get_be16(f + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(dhcp_get_be16(ip + 2), len - 14);
	assert_int_equal(ip[9], 17);
	assert_int_equal(dhcp_inet_checksum(ip, 20), 0);
	r->src_ip = dhcp_get_be32(ip + 12);
	r->dst_ip = dhcp_get_be32(ip + 16);
	assert_int_equal(r->src_ip, SERVER);
	r->sport = dhcp_get_be16(udp);
	r->dport = dhcp_get_be16(udp + 2);
	assert_int_equal(r->sport, 67);
	ulen = dhcp_get_be16(udp + 4);
	assert_int_equal(ulen, (size_t)len - 34);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	dhcp_put_be16(pseudo + 10, (uint16_t)ulen);
	sum = (uint16_t)~dhcp_inet_checksum(pseudo, 12);
	sum += (uint16_t)~dhcp_inet_checksum(udp, ulen);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);

	r->bootp_len = ulen - 8;
	assert_true(r->bootp_len >= 300);
	assert_int_equal(bp[0], 2);
	assert_int_equal(bp[1], 1);
	assert_int_equal(bp[2], 6);
	assert_int_equal(bp[3], 0);
	r->xid = dhcp_get_be32(bp + 4);
	r->flags = dhcp_get_be16(bp + 10);
	r->ciaddr = dhcp_get_be32(bp + 12);
	r->yiaddr = dhcp_get_be32(bp + 16);
	r->siaddr = dhcp_get_be32(bp + 20);
	r->giaddr = dhcp_get_be32(bp + 24);
	memcpy(r->chaddr, bp + 28, 16);
	assert_int_equal(dhcp_get_be32(bp + 236), DHCP_MAGIC_COOKIE);
	assert_int_equal(dhcp_opts_decode(bp + 240, r->bootp_len - 240, &r->o), DHCP_DROP_NONE);
	assert_non_null(r->o.ptr[53]);
	r->type = r->o.ptr[53][0];
	/* server id always present and ours */
	assert_non_null(r->o.ptr[54]);
	assert_int_equal(dhcp_get_be32(r->o.ptr[54]), SERVER);
}

static uint32_t opt32(const struct rep *r, int code)
{
	assert_non_null(r->o.ptr[code]);
	assert_int_equal(r->o.len[code], 4);
	return dhcp_get_be32(r->o.ptr[code]);
}

/* ---- fixtures ----------------------------------------------------------- */

static void base_cfg(struct dhcp_config *c)
{
	dhcp_config_init(c);
	c->server_ip = SERVER;
	c->prefix = 24;
	memcpy(c->server_mac, SMAC, 6);
	snprintf(c->domain, sizeof(c->domain), "%s", "example.test");
	c->n_ranges = 1;
	c->ranges[0].start = IP(192, 168, 122, 2);
	c->ranges[0].end = IP(192, 168, 122, 254);
	c->rl_client_rate = DHCP_RL_OFF;
	c->rl_global_rate = DHCP_RL_OFF;
}

static struct dhcp_server *mk(const struct dhcp_config *c)
{
	struct dhcp_server *s = dhcp_server_create(c, NULL);

	assert_non_null(s);
	return s;
}

static struct dhcp_server *mk_default(void)
{
	struct dhcp_config c;

	base_cfg(&c);
	return mk(&c);
}

static uint8_t rbuf[DHCP_REPLY_MAX_CAP];

/* Send a request; returns the reply length (0 = none). */
static int send_req(struct dhcp_server *s, const struct req *r, time_t now, struct rep *out)
{
	uint8_t f[1500];
	int n = mkreq(r, f, sizeof(f)), rl;

	assert_true(n > 0);
	memset(rbuf, 0xee, sizeof(rbuf));
	rl = dhcp_server_handle(s, f, (size_t)n, now, rbuf, sizeof(rbuf));
	assert_true(rl >= 0);
	if (rl > 0 && out)
		check_reply(rbuf, rl, out);
	return rl;
}

static uint32_t expected_hash_ip(const uint8_t *mac, uint32_t start, uint32_t end)
{
	uint32_t j = 0;

	for (int i = 0; i < 6; i++)
		j = mac[i] + (j << 6) + (j << 16) - j;
	if (!j)
		j = 1;
	return start + j % (end - start + 1);
}

/* Full DISCOVER/OFFER/REQUEST/ACK; returns the bound address. */
static uint32_t dora(struct dhcp_server *s, const uint8_t *mac, time_t now)
{
	struct req r = { .type = DHCP_DISCOVER, .mac = mac };
	struct rep p;

	assert_true(send_req(s, &r, now, &p) > 0);
	assert_int_equal(p.type, DHCP_OFFER);
	r.type = DHCP_REQUEST;
	r.server_id = SERVER;
	r.req_ip = p.yiaddr;
	assert_true(send_req(s, &r, now, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(p.yiaddr, r.req_ip);
	return p.yiaddr;
}

static void stats(struct dhcp_server *s, struct dhcp_stats *st)
{
	dhcp_server_get_stats(s, st);
}

/* ---- tests -------------------------------------------------------------- */

static void test_config_validation(void **state)
{
	struct dhcp_config c;
	struct dhcp_host h[2];

	(void)state;
	base_cfg(&c);
	assert_int_equal(dhcp_config_validate(&c), 0);
	c.prefix = 31;
	assert_int_equal(dhcp_config_validate(&c), -EINVAL);
	base_cfg(&c);
	c.server_ip = IP(192, 168, 122, 0);
	assert_int_equal(dhcp_config_validate(&c), -EINVAL);
	base_cfg(&c);
	c.ranges[0].end = IP(192, 168, 123, 10); /* outside subnet */
	assert_int_equal(dhcp_config_validate(&c), -EINVAL);
	base_cfg(&c);
	c.n_ranges = 2;
	c.ranges[1].start = IP(192, 168, 122, 100);
	c.ranges[1].end = IP(192, 168, 122, 110); /* overlap */
	assert_int_equal(dhcp_config_validate(&c), -EINVAL);
	base_cfg(&c);
	memset(h, 0, sizeof(h));
	memcpy(h[0].mac, MAC_H, 6);
	h[0].ip = IP(192, 168, 122, 20);
	memcpy(h[1].mac, MAC_A, 6);
	h[1].ip = IP(192, 168, 122, 20); /* duplicate address */
	c.hosts = h;
	c.n_hosts = 2;
	assert_int_equal(dhcp_config_validate(&c), -EINVAL);
	h[1].ip = IP(192, 168, 122, 21);
	memcpy(h[1].mac, MAC_H, 6); /* duplicate MAC */
	assert_int_equal(dhcp_config_validate(&c), -EINVAL);
	h[1].ip = SERVER;
	memcpy(h[1].mac, MAC_A, 6);
	assert_int_equal(dhcp_config_validate(&c), -EINVAL);
	base_cfg(&c);
	c.mtu = 20;
	assert_int_equal(dhcp_config_validate(&c), -EINVAL);
	errno = 0;
	assert_null(dhcp_server_create(&c, NULL));
	assert_int_equal(errno, EINVAL);
	dhcp_server_free(NULL);
}

/* DISCOVER -> OFFER, checked byte by byte. */
static void test_discover_offer(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A, .xid = 0xcafe0001 };
	struct rep p;
	uint32_t want = expected_hash_ip(MAC_A, IP(192, 168, 122, 2), IP(192, 168, 122, 254));
	int n;

	(void)state;
	n = send_req(s, &r, T0, &p);
	/* 66 bytes of options: 53,54,51,58,59,1,28,3,6,15(12),END */
	assert_int_equal(n, 42 + 240 + 66);
	assert_int_equal(p.type, DHCP_OFFER);
	assert_int_equal(p.xid, 0xcafe0001);
	assert_int_equal(p.yiaddr, want);
	assert_int_equal(p.ciaddr, 0);
	assert_int_equal(p.siaddr, SERVER); /* dnsmasq: the server's address */
	assert_int_equal(p.giaddr, 0);
	assert_memory_equal(p.chaddr, MAC_A, 6);
	/* no broadcast flag: unicast to yiaddr / chaddr, port 68 */
	assert_memory_equal(p.dst_mac, MAC_A, 6);
	assert_int_equal(p.dst_ip, want);
	assert_int_equal(p.dport, 68);
	/* options */
	assert_int_equal(opt32(&p, 51), 3600);
	assert_int_equal(opt32(&p, 58), 1800);
	assert_int_equal(opt32(&p, 59), 3150);
	assert_int_equal(opt32(&p, 1), 0xffffff00);
	assert_int_equal(opt32(&p, 28), IP(192, 168, 122, 255));
	assert_int_equal(opt32(&p, 3), SERVER);
	assert_int_equal(opt32(&p, 6), SERVER);
	assert_int_equal(p.o.len[15], strlen("example.test"));
	assert_memory_equal(p.o.ptr[15], "example.test", 12);
	assert_null(p.o.ptr[26]);  /* MTU not configured */
	assert_null(p.o.ptr[121]); /* no routes */
	assert_null(p.o.ptr[61]);
	/* the options area ends with END then zero padding */
	{
		const uint8_t *o = rbuf + 42 + 240;
		size_t i = 0;

		assert_int_equal(o[0], 53);
		assert_int_equal(o[1], 1);
		assert_int_equal(o[2], DHCP_OFFER);
		assert_int_equal(o[3], 54);
		while (o[i] != 255)
			i += 2 + o[i + 1];
		for (i++; 240 + i < 300; i++)
			assert_int_equal(o[i], 0);
	}
	/* the OFFER reserves nothing in the lease listing */
	assert_int_equal(dhcp_server_leases(s, T0, NULL, NULL, 0), 0);
	dhcp_server_free(s);
}

static void test_broadcast_flag(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A, .flags = 0x8000 };
	struct rep p;

	(void)state;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_memory_equal(p.dst_mac, BCAST, 6);
	assert_int_equal(p.dst_ip, 0xffffffff);
	assert_int_equal(p.flags, 0x8000);
	assert_int_equal(p.dport, 68);
	dhcp_server_free(s);
}

/* SELECTING: REQUEST with server id -> ACK and a listed lease. */
static void test_selecting_ack(void **state)
{
	struct dhcp_server *s = mk_default();
	const uint8_t clid[] = { 1, 0x52, 0x54, 0, 0, 0, 0x0a };
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A, .clid = clid,
			 .clid_len = sizeof(clid), .hostname = "vm-a.example.org" };
	struct rep p;
	struct dhcp_lease_info li[2];
	struct dhcp_stats st;

	(void)state;
	assert_true(send_req(s, &r, T0, &p) > 0);
	/* RFC 6842: client id echoed */
	assert_int_equal(p.o.len[61], sizeof(clid));
	assert_memory_equal(p.o.ptr[61], clid, sizeof(clid));
	r.type = DHCP_REQUEST;
	r.server_id = SERVER;
	r.req_ip = p.yiaddr;
	assert_true(send_req(s, &r, T0 + 1, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(p.yiaddr, r.req_ip);
	assert_int_equal(p.ciaddr, 0);
	assert_int_equal(p.siaddr, SERVER);
	assert_int_equal(opt32(&p, 51), 3600);
	assert_int_equal(dhcp_server_leases(s, T0 + 1, NULL, li, 2), 1);
	assert_int_equal(li[0].ip, r.req_ip);
	assert_memory_equal(li[0].mac, MAC_A, 6);
	assert_string_equal(li[0].hostname, "vm-a"); /* domain part dropped */
	assert_int_equal(li[0].expiry, T0 + 1 + 3600);
	assert_int_equal(li[0].clid_len, sizeof(clid));
	assert_int_equal(dhcp_server_leases(s, T0 + 1, MAC_B, li, 2), 0);
	assert_int_equal(dhcp_server_leases(s, T0 + 1, MAC_A, li, 2), 1);
	stats(s, &st);
	assert_int_equal(st.rx_msg[DHCP_DISCOVER], 1);
	assert_int_equal(st.rx_msg[DHCP_REQUEST], 1);
	assert_int_equal(st.tx_offer, 1);
	assert_int_equal(st.tx_ack, 1);
	assert_int_equal(st.tx, 2);
	dhcp_server_free(s);
}

/* SELECTING another server: silence, our offer is released. */
static void test_selecting_other_server(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A };
	struct rep p;
	struct dhcp_stats st;
	uint32_t offered;

	(void)state;
	base_cfg(&c);
	c.ranges[0].start = c.ranges[0].end = IP(192, 168, 122, 10); /* one address */
	s = mk(&c);
	assert_true(send_req(s, &r, T0, &p) > 0);
	offered = p.yiaddr;
	assert_int_equal(offered, IP(192, 168, 122, 10));
	/* the pool has nothing else: B is offered what A has not requested */
	r.mac = MAC_B;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.yiaddr, offered);
	/* A picks another server */
	r.mac = MAC_A;
	r.type = DHCP_REQUEST;
	r.server_id = IP(192, 168, 122, 250);
	r.req_ip = IP(192, 168, 122, 77);
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	stats(s, &st);
	assert_int_equal(st.other_server, 1);
	assert_int_equal(st.no_address, 0);
	/* the address is free for B now */
	r.mac = MAC_B;
	r.type = DHCP_DISCOVER;
	r.server_id = 0;
	r.req_ip = 0;
	assert_true(send_req(s, &r, T0 + 1, &p) > 0);
	assert_int_equal(p.yiaddr, offered);
	dhcp_server_free(s);
}

/* SELECTING for an address we cannot give -> NAK (broadcast). */
static void test_selecting_nak(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_REQUEST, .mac = MAC_B, .server_id = SERVER };
	struct rep p;
	uint32_t a = dora(s, MAC_A, T0);

	(void)state;
	r.req_ip = a; /* A's address */
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	assert_int_equal(p.yiaddr, 0);
	assert_int_equal(p.ciaddr, 0);
	assert_int_equal(p.siaddr, 0); /* RFC 2131 table 3: 0 in a NAK */
	assert_memory_equal(p.dst_mac, BCAST, 6);
	assert_int_equal(p.dst_ip, 0xffffffff);
	assert_null(p.o.ptr[51]);
	assert_null(p.o.ptr[1]);
	assert_non_null(p.o.ptr[56]);
	r.req_ip = SERVER; /* the server's own address */
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	r.req_ip = IP(192, 168, 122, 255); /* broadcast */
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	/* SELECTING without requested ip and ciaddr: malformed */
	r.req_ip = 0;
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	{
		struct dhcp_stats st;

		stats(s, &st);
		assert_int_equal(st.drops[DHCP_DROP_BAD_REQUEST], 1);
		assert_int_equal(st.tx_nak, 3);
	}
	dhcp_server_free(s);
}

/* INIT-REBOOT: requested ip, no server id, ciaddr 0. */
static void test_init_reboot(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_REQUEST, .mac = MAC_A };
	struct rep p;
	uint32_t a = dora(s, MAC_A, T0);

	(void)state;
	/* same address: ACK */
	r.req_ip = a;
	assert_true(send_req(s, &r, T0 + 10, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(p.yiaddr, a);
	/* other network: NAK */
	r.req_ip = IP(10, 0, 0, 5);
	assert_true(send_req(s, &r, T0 + 10, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	assert_int_equal(p.dst_ip, 0xffffffff);
	/* address held by someone else: NAK */
	r.mac = MAC_B;
	r.req_ip = a;
	assert_true(send_req(s, &r, T0 + 10, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	/* authoritative: a free in-range address with no lease record is ACKed
	 * (smooth recovery from a lost lease database, like dnsmasq) */
	r.req_ip = IP(192, 168, 122, 200) == a ? IP(192, 168, 122, 201) : IP(192, 168, 122, 200);
	assert_true(send_req(s, &r, T0 + 10, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(dhcp_server_leases(s, T0 + 10, MAC_B, NULL, 0), 1);
	dhcp_server_free(s);
}

static void test_init_reboot_not_authoritative(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct req r = { .type = DHCP_REQUEST, .mac = MAC_B, .req_ip = IP(192, 168, 122, 50) };
	struct dhcp_stats st;

	(void)state;
	base_cfg(&c);
	c.authoritative = 0;
	s = mk(&c);
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	r.req_ip = IP(10, 1, 1, 1);
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	stats(s, &st);
	assert_int_equal(st.ignored, 2);
	assert_int_equal(st.tx, 0);
	dhcp_server_free(s);
}

/* RENEWING: unicast to the server with ciaddr; ACK unicast to ciaddr. */
static void test_renewing(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_REQUEST, .mac = MAC_A, .ip_dst = SERVER, .flags = 0x8000 };
	struct rep p;
	struct dhcp_lease_info li;
	uint32_t a = dora(s, MAC_A, T0);

	(void)state;
	r.ciaddr = a;
	assert_true(send_req(s, &r, T0 + 1800, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(p.yiaddr, a);
	assert_int_equal(p.ciaddr, a);
	/* ciaddr set: unicast even with the broadcast flag */
	assert_int_equal(p.dst_ip, a);
	assert_memory_equal(p.dst_mac, MAC_A, 6);
	assert_int_equal(dhcp_server_leases(s, T0 + 1800, NULL, &li, 1), 1);
	assert_int_equal(li.expiry, T0 + 1800 + 3600);
	/* renewing an address that is not the client's lease: NAK, broadcast */
	r.ciaddr = a + 1 > IP(192, 168, 122, 254) ? a - 1 : a + 1;
	assert_true(send_req(s, &r, T0 + 1801, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	assert_int_equal(p.dst_ip, 0xffffffff);
	assert_memory_equal(p.dst_mac, BCAST, 6);
	assert_int_equal(p.ciaddr, 0);
	dhcp_server_free(s);
}

/* REBINDING: broadcast with ciaddr. */
static void test_rebinding(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_REQUEST, .mac = MAC_A };
	struct rep p;
	uint32_t a = dora(s, MAC_A, T0);

	(void)state;
	r.ciaddr = a;
	assert_true(send_req(s, &r, T0 + 3200, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(p.dst_ip, a);
	assert_int_equal(p.ciaddr, a);
	/* after expiry and with the address taken by another client: NAK */
	r.mac = MAC_B;
	assert_true(send_req(s, &r, T0 + 3300, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	/* a client whose lease record was lost, address free: ACK
	 * (authoritative recovery) */
	r.ciaddr = a == IP(192, 168, 122, 99) ? IP(192, 168, 122, 98) : IP(192, 168, 122, 99);
	assert_true(send_req(s, &r, T0 + 3300, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(p.yiaddr, r.ciaddr);
	/* REQUEST with nothing to identify the address: dropped */
	r.ciaddr = 0;
	assert_int_equal(send_req(s, &r, T0 + 3300, NULL), 0);
	dhcp_server_free(s);
}

/* DECLINE: the address is quarantined and never offered meanwhile. */
static void test_decline(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_DECLINE, .mac = MAC_A, .server_id = SERVER };
	struct rep p;
	uint32_t a = dora(s, MAC_A, T0), b;
	struct dhcp_stats st;
	const struct dhcp_lease *l;

	(void)state;
	/* someone else cannot decline A's address */
	r.mac = MAC_B;
	r.req_ip = a;
	assert_int_equal(send_req(s, &r, T0 + 1, NULL), 0);
	stats(s, &st);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(dhcp_server_leases(s, T0 + 1, NULL, NULL, 0), 1);
	/* the holder declines it */
	r.mac = MAC_A;
	assert_int_equal(send_req(s, &r, T0 + 1, NULL), 0);
	assert_int_equal(dhcp_server_leases(s, T0 + 1, NULL, NULL, 0), 0);
	l = dhcp_lease_find_ip(dhcp_server_lease_table(s), a);
	assert_non_null(l);
	assert_int_equal(l->state, DHCP_LEASE_DECLINED);
	/* the same MAC hashes to the same address: it must get another one */
	r.type = DHCP_DISCOVER;
	r.server_id = 0;
	r.req_ip = a; /* even when asking for it */
	assert_true(send_req(s, &r, T0 + 2, &p) > 0);
	b = p.yiaddr;
	assert_int_not_equal(b, a);
	/* INIT-REBOOT / SELECTING for it: NAK */
	r.type = DHCP_REQUEST;
	r.server_id = SERVER;
	assert_true(send_req(s, &r, T0 + 2, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	/* after the quarantine (600 s) the address is usable again */
	dhcp_server_tick(s, T0 + 700);
	assert_null(dhcp_lease_find_ip(dhcp_server_lease_table(s), a));
	r.type = DHCP_DISCOVER;
	r.server_id = 0;
	r.mac = MAC_C;
	assert_true(send_req(s, &r, T0 + 700, &p) > 0);
	assert_int_equal(p.yiaddr, a);
	/* DECLINE without server id / with another server id: ignored */
	r.type = DHCP_DECLINE;
	r.server_id = 0;
	assert_int_equal(send_req(s, &r, T0 + 701, NULL), 0);
	r.server_id = IP(1, 2, 3, 4);
	assert_int_equal(send_req(s, &r, T0 + 701, NULL), 0);
	stats(s, &st);
	assert_int_equal(st.other_server, 2);
	dhcp_server_free(s);
}

/* RELEASE frees; the same client later gets the same address back. */
static void test_release(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct req r = { .type = DHCP_RELEASE, .mac = MAC_A, .server_id = SERVER };
	uint32_t a;
	struct dhcp_stats st;

	(void)state;
	base_cfg(&c);
	c.ranges[0].start = IP(192, 168, 122, 10);
	c.ranges[0].end = IP(192, 168, 122, 11);
	s = mk(&c);
	a = dora(s, MAC_A, T0);
	dora(s, MAC_B, T0);
	/* wrong ciaddr: ignored */
	r.ciaddr = a ^ 1;
	assert_int_equal(send_req(s, &r, T0 + 5, NULL), 0);
	assert_int_equal(dhcp_server_leases(s, T0 + 5, MAC_A, NULL, 0), 1);
	/* missing server id: bad request */
	r.ciaddr = a;
	r.server_id = 0;
	assert_int_equal(send_req(s, &r, T0 + 5, NULL), 0);
	stats(s, &st);
	assert_int_equal(st.drops[DHCP_DROP_BAD_REQUEST], 1);
	r.server_id = SERVER;
	assert_int_equal(send_req(s, &r, T0 + 5, NULL), 0);
	assert_int_equal(dhcp_server_leases(s, T0 + 5, MAC_A, NULL, 0), 0);
	stats(s, &st);
	assert_int_equal(st.rx_msg[DHCP_RELEASE], 3);
	assert_int_equal(st.ignored, 1);
	/* same client returns: same address */
	assert_int_equal(dora(s, MAC_A, T0 + 10), a);
	/* released again; pool full otherwise -> C reclaims it */
	assert_int_equal(send_req(s, &r, T0 + 11, NULL), 0);
	assert_int_equal(dora(s, MAC_C, T0 + 12), a);
	dhcp_server_free(s);
}

/* INFORM: ACK with configuration only, unicast to ciaddr. */
static void test_inform(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_INFORM, .mac = MAC_A, .ciaddr = IP(192, 168, 122, 99),
			 .ip_dst = SERVER };
	struct rep p;

	(void)state;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(p.yiaddr, 0);
	assert_int_equal(p.ciaddr, IP(192, 168, 122, 99));
	assert_int_equal(p.dst_ip, IP(192, 168, 122, 99));
	assert_memory_equal(p.dst_mac, MAC_A, 6);
	assert_null(p.o.ptr[51]);
	assert_null(p.o.ptr[58]);
	assert_null(p.o.ptr[59]);
	assert_int_equal(opt32(&p, 1), 0xffffff00);
	assert_int_equal(opt32(&p, 3), SERVER);
	/* no lease created */
	assert_int_equal(dhcp_lease_count(dhcp_server_lease_table(s), 0), 0);
	/* INFORM without ciaddr: dropped */
	r.ciaddr = 0;
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	dhcp_server_free(s);
}

/* giaddr != 0: reply to the relay on port 67; NAK gets the broadcast bit. */
static void test_relay_addressing(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A, .giaddr = IP(192, 168, 122, 253) };
	struct rep p;
	struct dhcp_stats st;

	(void)state;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_OFFER);
	assert_int_equal(p.dst_ip, IP(192, 168, 122, 253));
	assert_int_equal(p.dport, 67);
	assert_int_equal(p.giaddr, IP(192, 168, 122, 253));
	assert_memory_equal(p.dst_mac, RELAY_MAC, 6);
	assert_int_equal(p.flags, 0);
	r.type = DHCP_REQUEST;
	r.req_ip = IP(10, 9, 9, 9);
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	assert_int_equal(p.dst_ip, IP(192, 168, 122, 253));
	assert_int_equal(p.flags, 0x8000);
	/* relay from a foreign subnet */
	r.giaddr = IP(10, 0, 0, 1);
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	stats(s, &st);
	assert_int_equal(st.drops[DHCP_DROP_FOREIGN_RELAY], 1);
	dhcp_server_free(s);
}

/* Option 55 handling like dnsmasq. */
static void test_param_request_list(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	const uint8_t prl[] = { 1, 3 };
	const uint8_t prl_all[] = { 1, 3, 6, 15, 26, 121, 12 };
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A, .prl = prl, .prl_len = sizeof(prl) };
	struct rep p;
	const uint8_t routes[] = { 16, 10, 20, 192, 168, 122, 254, 0, 192, 168, 122, 1 };

	(void)state;
	base_cfg(&c);
	c.mtu = 1400;
	c.n_routes = 1;
	c.routes[0].dst = IP(10, 20, 0, 0);
	c.routes[0].prefix = 16;
	c.routes[0].gw = IP(192, 168, 122, 254);
	s = mk(&c);
	/* 45 bytes of options + END: padded to a 300-byte BOOTP message */
	assert_int_equal(send_req(s, &r, T0, &p), 42 + 300);
	assert_int_equal(p.bootp_len, 300);
	assert_non_null(p.o.ptr[1]);
	assert_non_null(p.o.ptr[3]);
	assert_non_null(p.o.ptr[28]); /* always */
	assert_non_null(p.o.ptr[51]); /* always */
	assert_non_null(p.o.ptr[54]);
	assert_null(p.o.ptr[6]);
	assert_null(p.o.ptr[15]);
	assert_null(p.o.ptr[26]);
	assert_null(p.o.ptr[121]);
	r.prl = prl_all;
	r.prl_len = sizeof(prl_all);
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_non_null(p.o.ptr[6]);
	assert_non_null(p.o.ptr[15]);
	assert_int_equal(p.o.len[26], 2);
	assert_int_equal(dhcp_get_be16(p.o.ptr[26]), 1400);
	/* the configured route + an automatic default route via the gateway */
	assert_int_equal(p.o.len[121], sizeof(routes));
	assert_memory_equal(p.o.ptr[121], routes, sizeof(routes));
	assert_null(p.o.ptr[12]); /* no static name for this client */
	dhcp_server_free(s);
}

static void test_dns_disabled_and_infinite_lease(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct rep p;
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A };
	struct dhcp_lease_info li;

	(void)state;
	base_cfg(&c);
	c.dns_enabled = 0;
	c.domain[0] = '\0';
	c.default_lease_secs = DHCP_LEASE_INFINITE;
	s = mk(&c);
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_null(p.o.ptr[6]);
	assert_null(p.o.ptr[15]);
	assert_int_equal(opt32(&p, 51), 0xffffffff);
	assert_null(p.o.ptr[58]);
	assert_null(p.o.ptr[59]);
	dora(s, MAC_A, T0);
	assert_int_equal(dhcp_server_leases(s, T0 + 100000000, NULL, &li, 1), 1);
	assert_int_equal(li.expiry, 0);
	dhcp_server_free(s);
}

static void test_lease_times(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct rep p;
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A, .lease_time = 600 };

	(void)state;
	base_cfg(&c);
	c.ranges[0].lease_secs = 7200;
	s = mk(&c);
	/* shorter lease requested: granted */
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(opt32(&p, 51), 600);
	assert_int_equal(opt32(&p, 58), 300);
	assert_int_equal(opt32(&p, 59), 525);
	/* below dnsmasq's minimum: 120 */
	r.lease_time = 10;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(opt32(&p, 51), 120);
	/* longer than configured: range time */
	r.lease_time = 100000;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(opt32(&p, 51), 7200);
	dhcp_server_free(s);
}

/* Static hosts: always their address, nobody else ever gets it. */
static void test_static_hosts(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct dhcp_host h[2];
	const uint8_t prl[] = { 1, 3, 12 };
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_H, .prl = prl, .prl_len = sizeof(prl) };
	struct rep p;
	struct dhcp_lease_info li;

	(void)state;
	base_cfg(&c);
	/* tiny range that contains the static address */
	c.ranges[0].start = IP(192, 168, 122, 10);
	c.ranges[0].end = IP(192, 168, 122, 11);
	memset(h, 0, sizeof(h));
	memcpy(h[0].mac, MAC_H, 6);
	h[0].ip = IP(192, 168, 122, 10);
	snprintf(h[0].name, sizeof(h[0].name), "fixed");
	h[0].lease_secs = 86400;
	/* a host matched by name only, outside the range */
	h[1].ip = IP(192, 168, 122, 100);
	snprintf(h[1].name, sizeof(h[1].name), "byname");
	c.hosts = h;
	c.n_hosts = 2;
	s = mk(&c);
	memset(h, 0, sizeof(h)); /* the server copied the hosts */

	/* others never get .10, even when asking */
	r.mac = MAC_A;
	r.req_ip = IP(192, 168, 122, 10);
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.yiaddr, IP(192, 168, 122, 11));
	r.type = DHCP_REQUEST;
	r.server_id = SERVER;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK);
	r.req_ip = IP(192, 168, 122, 11);
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	/* pool exhausted for dynamic clients although .10 is unused */
	r.mac = MAC_B;
	r.type = DHCP_DISCOVER;
	r.server_id = 0;
	r.req_ip = 0;
	assert_int_equal(send_req(s, &r, T0, NULL), 0);

	/* the host gets its address, its name and its lease time */
	r.mac = MAC_H;
	r.req_ip = IP(192, 168, 122, 11); /* asking for another one does not matter */
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.yiaddr, IP(192, 168, 122, 10));
	assert_int_equal(opt32(&p, 51), 86400);
	assert_int_equal(p.o.len[12], 5);
	assert_memory_equal(p.o.ptr[12], "fixed", 5);
	r.type = DHCP_REQUEST;
	r.server_id = SERVER;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_NAK); /* not its address */
	r.req_ip = IP(192, 168, 122, 10);
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	assert_int_equal(dhcp_server_leases(s, T0, MAC_H, &li, 1), 1);
	assert_string_equal(li.hostname, "fixed");

	/* host matched by client hostname */
	r.mac = MAC_C;
	r.type = DHCP_DISCOVER;
	r.server_id = 0;
	r.req_ip = 0;
	r.hostname = "ByName";
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.yiaddr, IP(192, 168, 122, 100));
	dhcp_server_free(s);
}

/* A static host declining its address gets a dynamic one meanwhile. */
static void test_static_host_decline(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct dhcp_host h;
	struct req r = { .type = DHCP_DECLINE, .mac = MAC_H, .server_id = SERVER,
			 .req_ip = IP(192, 168, 122, 5) };
	struct rep p;

	(void)state;
	base_cfg(&c);
	memset(&h, 0, sizeof(h));
	memcpy(h.mac, MAC_H, 6);
	h.ip = IP(192, 168, 122, 5);
	c.hosts = &h;
	c.n_hosts = 1;
	s = mk(&c);
	assert_int_equal(dora(s, MAC_H, T0), IP(192, 168, 122, 5));
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	r.type = DHCP_DISCOVER;
	r.server_id = 0;
	assert_true(send_req(s, &r, T0 + 1, &p) > 0);
	assert_int_not_equal(p.yiaddr, IP(192, 168, 122, 5));
	assert_true(send_req(s, &r, T0 + 601, &p) > 0);
	assert_int_equal(p.yiaddr, IP(192, 168, 122, 5));
	dhcp_server_free(s);
}

/* Returning client: same address; keyed by client-id when present. */
static void test_returning_client(void **state)
{
	struct dhcp_server *s = mk_default();
	const uint8_t clid[] = { 0xff, 1, 2, 3, 4, 5, 6, 7 };
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A, .clid = clid,
			 .clid_len = sizeof(clid) };
	struct rep p;
	uint32_t a;

	(void)state;
	assert_true(send_req(s, &r, T0, &p) > 0);
	a = p.yiaddr;
	r.type = DHCP_REQUEST;
	r.server_id = SERVER;
	r.req_ip = a;
	assert_true(send_req(s, &r, T0, &p) > 0);
	assert_int_equal(p.type, DHCP_ACK);
	/* same client id on another NIC: same address */
	r.type = DHCP_DISCOVER;
	r.server_id = 0;
	r.req_ip = 0;
	r.mac = MAC_B;
	assert_true(send_req(s, &r, T0 + 5, &p) > 0);
	assert_int_equal(p.yiaddr, a);
	/* same MAC, different client id: another client */
	{
		const uint8_t other[] = { 0xff, 9, 9, 9 };

		r.mac = MAC_A;
		r.clid = other;
		r.clid_len = sizeof(other);
		assert_true(send_req(s, &r, T0 + 5, &p) > 0);
		assert_int_not_equal(p.yiaddr, a);
	}
	/* expired lease: still remembered for the client */
	r.clid = clid;
	r.clid_len = sizeof(clid);
	dhcp_server_tick(s, T0 + 100000);
	assert_int_equal(dhcp_server_leases(s, T0 + 100000, NULL, NULL, 0), 0);
	assert_true(send_req(s, &r, T0 + 100000, &p) > 0);
	assert_int_equal(p.yiaddr, a);
	dhcp_server_free(s);
}

static void test_deferred_saves(void **state)
{
	char dir[] = "/tmp/dhcp_srv_deferXXXXXX", path[64];
	struct dhcp_config c;
	struct dhcp_server *s;
	struct dhcp_stats st;
	time_t now = time(NULL);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/net.status", dir);
	base_cfg(&c);
	c.deferred_saves = 1;
	s = dhcp_server_create(&c, path);
	assert_non_null(s);
	uint32_t a = dora(s, MAC_A, now);
	dora(s, MAC_B, now);
	stats(s, &st);
	assert_int_equal(st.saves, 0);          /* nothing written while answering */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(dhcp_server_tick(s, now), 0);
	stats(s, &st);
	assert_int_equal(st.saves, 1);          /* both bindings in one write */
	assert_int_equal(dhcp_server_tick(s, now + 1), 0);
	stats(s, &st);
	assert_int_equal(st.saves, 1);          /* clean: no rewrite */
	dhcp_server_free(s);
	/* what the tick wrote is what a restarted server knows */
	s = dhcp_server_create(&c, path);
	assert_non_null(s);
	assert_int_equal(dhcp_server_load_status(s), 0);
	assert_int_equal(dora(s, MAC_A, now + 2), a);
	dhcp_server_free(s);
	unlink(path);
	rmdir(dir);
}

static void test_persistence_restart(void **state)
{
	char dir[] = "/tmp/dhcp_srv_testXXXXXX", path[64], tmp[80];
	struct dhcp_config c;
	struct dhcp_server *s;
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A, .hostname = "vm1" };
	struct rep p;
	struct dhcp_lease_info li[4];
	struct dhcp_stats st;
	uint32_t a, b;
	time_t now = time(NULL);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/default.status", dir);
	base_cfg(&c);
	s = dhcp_server_create(&c, path);
	assert_non_null(s);
	assert_int_equal(dhcp_server_load_status(s), -ENOENT);
	a = dora(s, MAC_A, now);
	b = dora(s, MAC_B, now);
	stats(s, &st);
	assert_int_equal(st.saves, 2); /* each new binding written through */
	/* a renewal is only marked dirty, written by tick */
	r.type = DHCP_REQUEST;
	r.ciaddr = a;
	assert_true(send_req(s, &r, now + 100, &p) > 0);
	stats(s, &st);
	assert_int_equal(st.saves, 2);
	assert_int_equal(dhcp_server_tick(s, now + 101), 0);
	stats(s, &st);
	assert_int_equal(st.saves, 3);
	assert_int_equal(dhcp_server_tick(s, now + 102), 0);
	stats(s, &st);
	assert_int_equal(st.saves, 3);
	dhcp_server_free(s);

	/* restart: leases are back; returning clients keep their address */
	s = dhcp_server_create(&c, path);
	assert_non_null(s);
	assert_int_equal(dhcp_server_load_status(s), 0);
	assert_int_equal(dhcp_server_leases(s, now + 200, NULL, li, 4), 2);
	assert_int_equal(dhcp_server_leases(s, now + 200, MAC_A, li, 4), 1);
	assert_int_equal(li[0].ip, a);
	assert_string_equal(li[0].hostname, "vm1");
	assert_int_equal(li[0].expiry, now + 100 + 3600);
	r.type = DHCP_DISCOVER;
	r.ciaddr = 0;
	r.mac = MAC_B;
	assert_true(send_req(s, &r, now + 200, &p) > 0);
	assert_int_equal(p.yiaddr, b);
	/* another client asking for A's address does not get it */
	r.mac = MAC_C;
	r.req_ip = a;
	assert_true(send_req(s, &r, now + 200, &p) > 0);
	assert_int_not_equal(p.yiaddr, a);
	dhcp_server_free(s);

	/* a config change drops leases that are no longer valid */
	c.ranges[0].start = IP(192, 168, 122, 2);
	c.ranges[0].end = IP(192, 168, 122, 2) == a ? IP(192, 168, 122, 3) : IP(192, 168, 122, 2);
	s = dhcp_server_create(&c, path);
	assert_non_null(s);
	assert_int_equal(dhcp_server_leases(s, now + 200, NULL, li, 4), 0);
	dhcp_server_free(s);

	/* garbage file: error code, empty table, still serving */
	{
		FILE *f = fopen(path, "w");

		fputs("\x01garbage", f);
		fclose(f);
	}
	base_cfg(&c);
	s = dhcp_server_create(&c, path);
	assert_non_null(s);
	assert_int_equal(dhcp_server_load_status(s), -EBADMSG);
	assert_int_equal(dora(s, MAC_A, now), expected_hash_ip(MAC_A, IP(192, 168, 122, 2),
								 IP(192, 168, 122, 254)));
	dhcp_server_free(s);
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s", dir);
	assert_int_equal(rmdir(tmp), 0); /* no temp files left */
}

/* Pool exhaustion: no OFFER when full; dhcp-lease-max. */
static void test_exhaustion(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_C };
	struct dhcp_stats st;
	uint8_t mac[6] = { 0x52, 0x54, 0, 1, 0, 0 };
	uint32_t seen = 0;

	(void)state;
	base_cfg(&c);
	c.n_ranges = 2;
	c.ranges[0].start = IP(192, 168, 122, 1); /* contains the server: skipped */
	c.ranges[0].end = IP(192, 168, 122, 2);
	c.ranges[1].start = IP(192, 168, 122, 254);
	c.ranges[1].end = IP(192, 168, 122, 254);
	s = mk(&c);
	for (int i = 0; i < 2; i++) {
		uint32_t ip;

		mac[5] = (uint8_t)i;
		ip = dora(s, mac, T0);
		assert_true(ip == IP(192, 168, 122, 2) || ip == IP(192, 168, 122, 254));
		seen |= ip == IP(192, 168, 122, 2) ? 1u : 2u;
	}
	assert_int_equal(seen, 3);
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	r.type = DHCP_REQUEST;
	r.req_ip = IP(192, 168, 122, 3); /* outside ranges */
	assert_int_equal(send_req(s, &r, T0, NULL) > 0, 1);
	stats(s, &st);
	assert_int_equal(st.no_address, 1);
	assert_int_equal(st.tx_nak, 1);
	/* existing clients still renew */
	mac[5] = 0;
	dora(s, mac, T0 + 10);
	dhcp_server_free(s);

	/* explicit max_leases lower than the pool */
	base_cfg(&c);
	c.max_leases = 1;
	s = mk(&c);
	dora(s, MAC_A, T0);
	r.type = DHCP_DISCOVER;
	r.req_ip = 0;
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	r.type = DHCP_REQUEST;
	r.req_ip = IP(192, 168, 122, 100);
	{
		struct rep p;

		assert_true(send_req(s, &r, T0, &p) > 0);
		assert_int_equal(p.type, DHCP_NAK);
	}
	/* after expiry the slot is available again */
	r.type = DHCP_DISCOVER;
	r.req_ip = 0;
	assert_true(send_req(s, &r, T0 + 4000, NULL) > 0);
	dhcp_server_free(s);
}

/* Offers do not hold the pool: a burst of DISCOVERs that are never
 * followed up (random chaddr) leaves room for a real client, while two
 * clients in DORA at once still get distinct offers when the pool allows. */
static void test_offer_burst(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct req r = { .type = DHCP_DISCOVER };
	struct rep p, q;
	struct dhcp_stats st;
	uint8_t mac[6] = { 0x02, 0x66, 0, 0, 0, 0 };
	uint32_t ip;

	(void)state;
	base_cfg(&c);
	c.ranges[0].start = IP(192, 168, 122, 10);
	c.ranges[0].end = IP(192, 168, 122, 19); /* 10 addresses */
	s = mk(&c);
	/* one client bound: the flood must not take its address */
	ip = dora(s, MAC_H, T0);
	for (int i = 0; i < 300; i++) {
		mac[3] = (uint8_t)(i >> 8);
		mac[4] = (uint8_t)i;
		mac[5] = (uint8_t)(i * 7);
		r.mac = mac;
		assert_true(send_req(s, &r, T0 + i / 100, &p) > 0);
		assert_int_equal(p.type, DHCP_OFFER);
		assert_int_not_equal(p.yiaddr, ip);
	}
	/* a new client still gets a lease, seconds later */
	assert_true(dora(s, MAC_A, T0 + 3) != ip);
	/* its offer taken by the next flood frame, a client's REQUEST still wins */
	r.mac = MAC_B;
	assert_true(send_req(s, &r, T0 + 4, &p) > 0);
	for (int i = 0; i < 20; i++) {
		mac[5] = (uint8_t)(0xa0 + i);
		r.mac = mac;
		assert_true(send_req(s, &r, T0 + 4, NULL) > 0);
	}
	r.mac = MAC_B;
	r.type = DHCP_REQUEST;
	r.server_id = SERVER;
	r.req_ip = p.yiaddr;
	assert_true(send_req(s, &r, T0 + 4, &q) > 0);
	assert_int_equal(q.type, DHCP_ACK);
	assert_int_equal(q.yiaddr, p.yiaddr);
	stats(s, &st);
	assert_int_equal(st.no_address, 0);
	assert_int_equal(st.tx_nak, 0);
	/* bound leases do count: with every address bound, nothing is offered */
	for (int i = 0; i < 7; i++) {
		mac[5] = (uint8_t)(0xd0 + i);
		dora(s, mac, T0 + 5);
	}
	r.mac = MAC_C;
	r.type = DHCP_DISCOVER;
	r.server_id = 0;
	r.req_ip = 0;
	assert_int_equal(send_req(s, &r, T0 + 5, NULL), 0);
	dhcp_server_free(s);

	/* while free addresses remain, concurrent offers are distinct */
	s = mk(&c);
	r.mac = MAC_A;
	assert_true(send_req(s, &r, T0, &p) > 0);
	r.mac = MAC_B;
	assert_true(send_req(s, &r, T0, &q) > 0);
	assert_int_not_equal(p.yiaddr, q.yiaddr);
	dhcp_server_free(s);
}

/* Leases expire: address goes to another client. */
static void test_expiry(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	uint32_t a;

	(void)state;
	base_cfg(&c);
	c.ranges[0].start = c.ranges[0].end = IP(192, 168, 122, 50);
	c.default_lease_secs = 300;
	s = mk(&c);
	a = dora(s, MAC_A, T0);
	assert_int_equal(dhcp_server_leases(s, T0 + 299, NULL, NULL, 0), 1);
	assert_int_equal(dhcp_server_leases(s, T0 + 300, NULL, NULL, 0), 0);
	/* even without tick, an expired lease does not block others */
	assert_int_equal(dora(s, MAC_B, T0 + 301), a);
	/* A comes back: nothing left */
	{
		struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A };

		assert_int_equal(send_req(s, &r, T0 + 302, NULL), 0);
	}
	dhcp_server_free(s);
}

static void test_rate_limit(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A };
	struct dhcp_stats st;

	(void)state;
	base_cfg(&c);
	c.rl_client_rate = 1;
	c.rl_client_burst = 3;
	c.rl_global_rate = 10;
	c.rl_global_burst = 5;
	s = mk(&c);
	for (int i = 0; i < 3; i++)
		assert_true(send_req(s, &r, T0, NULL) > 0);
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	/* another client is not starved */
	r.mac = MAC_B;
	assert_true(send_req(s, &r, T0, NULL) > 0);
	assert_true(send_req(s, &r, T0, NULL) > 0);
	/* ... but the global bucket (5) is now empty */
	r.mac = MAC_C;
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	stats(s, &st);
	assert_int_equal(st.drops[DHCP_DROP_RATE_LIMITED], 3);
	/* one second later A has one token again */
	r.mac = MAC_A;
	assert_true(send_req(s, &r, T0 + 1, NULL) > 0);
	assert_int_equal(send_req(s, &r, T0 + 1, NULL), 0);
	dhcp_server_free(s);
}

/* Malformed / misaddressed frames are counted drops, never replies. */
static void test_drop_counters(void **state)
{
	struct dhcp_server *s = mk_default();
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A };
	uint8_t f[1500];
	int n;
	struct dhcp_stats st;

	(void)state;
	n = mkreq(&r, f, sizeof(f));
	f[42 + 236] = 0; /* cookie */
	assert_int_equal(dhcp_server_handle(s, f, (size_t)n, T0, rbuf, sizeof(rbuf)), 0);
	n = mkreq(&r, f, sizeof(f));
	assert_int_equal(dhcp_server_handle(s, f, 10, T0, rbuf, sizeof(rbuf)), 0);
	f[42] = 2; /* BOOTREPLY */
	assert_int_equal(dhcp_server_handle(s, f, (size_t)n, T0, rbuf, sizeof(rbuf)), 0);
	n = mkreq(&r, f, sizeof(f));
	f[42 + 2] = 20; /* hlen */
	assert_int_equal(dhcp_server_handle(s, f, (size_t)n, T0, rbuf, sizeof(rbuf)), 0);
	assert_int_equal(dhcp_server_handle(s, NULL, 0, T0, rbuf, sizeof(rbuf)), 0);
	/* unicast to some other host */
	r.ip_dst = IP(192, 168, 122, 77);
	assert_int_equal(send_req(s, &r, T0, NULL), 0);
	/* subnet broadcast is fine */
	r.ip_dst = IP(192, 168, 122, 255);
	assert_true(send_req(s, &r, T0, NULL) > 0);
	stats(s, &st);
	assert_int_equal(st.drops[DHCP_DROP_BAD_COOKIE], 1);
	assert_int_equal(st.drops[DHCP_DROP_TRUNCATED], 2);
	assert_int_equal(st.drops[DHCP_DROP_NOT_BOOTREQUEST], 1);
	assert_int_equal(st.drops[DHCP_DROP_BAD_HLEN], 1);
	assert_int_equal(st.drops[DHCP_DROP_BAD_DST], 1);
	assert_int_equal(st.rx, 7);
	assert_int_equal(st.tx, 1);
	/* caller errors */
	n = mkreq(&r, f, sizeof(f));
	assert_int_equal(dhcp_server_handle(NULL, f, (size_t)n, T0, rbuf, sizeof(rbuf)), -EINVAL);
	assert_int_equal(dhcp_server_handle(s, f, (size_t)n, T0, NULL, 0), -EINVAL);
	assert_int_equal(dhcp_server_handle(s, f, (size_t)n, T0, rbuf, 100), -ENOSPC);
	stats(s, &st);
	assert_int_equal(st.reply_no_room, 1);
	dhcp_server_free(s);
}

/* Option 57: large replies only when the client accepts them. */
static void test_max_message_size(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct req r = { .type = DHCP_DISCOVER, .mac = MAC_A };
	struct rep p;
	int n;

	(void)state;
	base_cfg(&c);
	memset(c.domain, 'd', 250);
	c.domain[250] = '\0';
	c.n_routes = 8;
	for (int i = 0; i < 8; i++) {
		c.routes[i].dst = IP(10, i, 0, 0);
		c.routes[i].prefix = 32;
		c.routes[i].gw = SERVER;
	}
	s = mk(&c);
	/* 576-byte limit (308 bytes of options): the domain fits, the routes
	 * (77 bytes) do not */
	n = send_req(s, &r, T0, &p);
	assert_true(n > 0 && n <= 14 + 576);
	assert_non_null(p.o.ptr[15]);
	assert_null(p.o.ptr[121]);
	assert_non_null(p.o.ptr[51]);
	r.maxmsg = 1500;
	n = send_req(s, &r, T0, &p);
	assert_true(n > 14 + 576);
	assert_non_null(p.o.ptr[121]);
	assert_int_equal(p.o.len[121], 8 * 9 + 5);
	dhcp_server_free(s);
}

static void test_reconfigure(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	struct dhcp_host h;
	uint32_t a, b;

	(void)state;
	base_cfg(&c);
	s = mk(&c);
	a = dora(s, MAC_A, T0);
	b = dora(s, MAC_B, T0);
	/* B's address becomes a static address of another host; A stays */
	memset(&h, 0, sizeof(h));
	memcpy(h.mac, MAC_H, 6);
	h.ip = b;
	c.hosts = &h;
	c.n_hosts = 1;
	assert_int_equal(dhcp_server_reconfigure(s, &c), 0);
	assert_int_equal(dhcp_server_leases(s, T0, MAC_A, NULL, 0), 1);
	assert_int_equal(dhcp_server_leases(s, T0, MAC_B, NULL, 0), 0);
	assert_int_equal(dora(s, MAC_H, T0), b);
	assert_int_equal(dora(s, MAC_A, T0), a);
	/* invalid config: rejected, old one stays */
	c.prefix = 0;
	assert_int_equal(dhcp_server_reconfigure(s, &c), -EINVAL);
	assert_int_equal(dora(s, MAC_A, T0), a);
	dhcp_server_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_validation),
		cmocka_unit_test(test_discover_offer),
		cmocka_unit_test(test_broadcast_flag),
		cmocka_unit_test(test_selecting_ack),
		cmocka_unit_test(test_selecting_other_server),
		cmocka_unit_test(test_selecting_nak),
		cmocka_unit_test(test_init_reboot),
		cmocka_unit_test(test_init_reboot_not_authoritative),
		cmocka_unit_test(test_renewing),
		cmocka_unit_test(test_rebinding),
		cmocka_unit_test(test_decline),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_inform),
		cmocka_unit_test(test_relay_addressing),
		cmocka_unit_test(test_param_request_list),
		cmocka_unit_test(test_dns_disabled_and_infinite_lease),
		cmocka_unit_test(test_lease_times),
		cmocka_unit_test(test_static_hosts),
		cmocka_unit_test(test_static_host_decline),
		cmocka_unit_test(test_returning_client),
		cmocka_unit_test(test_persistence_restart),
		cmocka_unit_test(test_deferred_saves),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_offer_burst),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_drop_counters),
		cmocka_unit_test(test_max_message_size),
		cmocka_unit_test(test_reconfigure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
