/*
 * test_dns_server.c - the DNS cache, the server's answers on frames, the
 * forwarder against a local UDP "upstream" socket, the per-port forwarding
 * rate limit and the TCP responder (control/dns/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <cmocka.h>

#include "dataplane/pkt.h"
#include "dns/dns_cache.h"
#include "dns/dns_priv.h"
#include "dns/dns_server.h"

#include "dns_test_query.h"

static size_t mkquery(uint8_t *buf, uint16_t id, const char *name, uint16_t type, uint16_t edns)
{
	return mkquery_edns(buf, id, name, type, edns, false);
}

/* An upstream-style reply to the query in q (rcode; one A with ttl, or an
 * SOA in the authority section with soa_ttl/minimum when ip is 0). */
static size_t mkreply(uint8_t *buf, const uint8_t *q, size_t qlen, unsigned rcode, uint32_t ip,
		uint32_t ttl, uint32_t soa_ttl, uint32_t minimum)
{
	struct dns_query pq;
	struct dns_answer a;
	assert_int_equal(dns_parse_query(q, qlen, &pq), 0);
	assert_int_equal(dns_answer_begin(&a, buf, 4096, &pq, rcode, DNS_ANS_RA | DNS_ANS_TCP), 0);
	if (ip) {
		assert_int_equal(dns_add_a(&a, NULL, ttl, ip), 0);
		return dns_answer_end(&a);
	}
	size_t n = dns_answer_end(&a);
	if (!soa_ttl)
		return n;
	/* append an SOA by hand: owner = root, mname/rname root, 5 numbers */
	uint8_t soa[] = { 0, 0, 6, 0, 1, (uint8_t)(soa_ttl >> 24), (uint8_t)(soa_ttl >> 16),
		(uint8_t)(soa_ttl >> 8), (uint8_t)soa_ttl, 0, 22, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0,
		0, 3, 0, 0, 0, 4, (uint8_t)(minimum >> 24), (uint8_t)(minimum >> 16),
		(uint8_t)(minimum >> 8), (uint8_t)minimum };
	/* the OPT (if any) is last: keep it simple, tests use no EDNS here */
	memcpy(buf + n, soa, sizeof(soa));
	buf[9] = 1; /* nscount */
	return n + sizeof(soa);
}

static uint32_t first_ttl(const uint8_t *p, size_t len)
{
	struct dns_query r;
	struct dns_rr rr;
	assert_int_equal(dns_parse_response(p, len, &r), 0);
	size_t off = r.rr_off;
	assert_int_equal(dns_rr_next(p, len, &off, &rr), 0);
	return rr.ttl;
}

static void cache_positive_aging_expiry(void **st)
{
	uint8_t q[512], r[4096], out[4096];
	struct dns_query pq;
	struct dns_cache *c = dns_cache_new(8);
	size_t ql = mkquery(q, 0x1234, "www.example.com", DNS_T_A, 0);
	size_t rl = mkreply(r, q, ql, DNS_R_NOERROR, 0x01020304, 300, 0, 0);
	assert_int_equal(dns_parse_query(q, ql, &pq), 0);
	assert_int_equal(dns_cache_get(c, &pq, out, sizeof(out), 100), -ENOENT);
	assert_int_equal(dns_cache_put(c, &pq, r, rl, 100), 0);
	/* another client, another ID: its ID, the TTL aged by 100 s */
	ql = mkquery(q, 0xbeef, "WWW.Example.com", DNS_T_A, 0);
	assert_int_equal(dns_parse_query(q, ql, &pq), 0);
	int n = dns_cache_get(c, &pq, out, sizeof(out), 200);
	assert_int_equal(n, (int)rl);
	assert_int_equal(out[0], 0xbe);
	assert_int_equal(out[1], 0xef);
	assert_int_equal(first_ttl(out, (size_t)n), 200);
	/* the type and EDNS0 are part of the key */
	ql = mkquery(q, 1, "www.example.com", DNS_T_AAAA, 0);
	assert_int_equal(dns_parse_query(q, ql, &pq), 0);
	assert_int_equal(dns_cache_get(c, &pq, out, sizeof(out), 200), -ENOENT);
	ql = mkquery(q, 1, "www.example.com", DNS_T_A, 1232);
	assert_int_equal(dns_parse_query(q, ql, &pq), 0);
	assert_int_equal(dns_cache_get(c, &pq, out, sizeof(out), 200), -ENOENT);
	/* expired at stored + ttl */
	ql = mkquery(q, 1, "www.example.com", DNS_T_A, 0);
	assert_int_equal(dns_parse_query(q, ql, &pq), 0);
	assert_int_equal(dns_cache_get(c, &pq, out, sizeof(out), 400), -ENOENT);
	struct dns_cache_stats s;
	dns_cache_get_stats(c, &s);
	assert_int_equal(s.hits, 1);
	assert_int_equal(s.expired, 1);
	assert_int_equal(s.entries, 0);
	dns_cache_free(c);
}

static void cache_negative_and_uncacheable(void **st)
{
	uint8_t q[512], r[4096], out[4096];
	struct dns_query pq;
	struct dns_cache *c = dns_cache_new(8);
	size_t ql = mkquery(q, 7, "nx.example.com", DNS_T_A, 0);
	assert_int_equal(dns_parse_query(q, ql, &pq), 0);
	/* NXDOMAIN with an SOA: min(SOA TTL 900, minimum 60) */
	size_t rl = mkreply(r, q, ql, DNS_R_NXDOMAIN, 0, 0, 900, 60);
	assert_int_equal(dns_cache_put(c, &pq, r, rl, 1000), 0);
	int n = dns_cache_get(c, &pq, out, sizeof(out), 1059);
	assert_true(n > 0);
	assert_int_equal(out[3] & 0xf, DNS_R_NXDOMAIN);
	assert_int_equal(dns_cache_get(c, &pq, out, sizeof(out), 1060), -ENOENT);
	/* without an SOA, SERVFAIL, TTL 0, TC: not cached */
	rl = mkreply(r, q, ql, DNS_R_NXDOMAIN, 0, 0, 0, 0);
	assert_int_equal(dns_cache_put(c, &pq, r, rl, 0), -EINVAL);
	rl = mkreply(r, q, ql, DNS_R_SERVFAIL, 0, 0, 900, 60);
	assert_int_equal(dns_cache_put(c, &pq, r, rl, 0), -EINVAL);
	rl = mkreply(r, q, ql, DNS_R_NOERROR, 0x01010101, 0, 0, 0);
	assert_int_equal(dns_cache_put(c, &pq, r, rl, 0), -EINVAL);
	rl = mkreply(r, q, ql, DNS_R_NOERROR, 0x01010101, 30, 0, 0);
	r[2] |= 0x02;
	assert_int_equal(dns_cache_put(c, &pq, r, rl, 0), -EINVAL);
	/* a reply for another question */
	uint8_t q2[512];
	size_t q2l = mkquery(q2, 7, "other.example.com", DNS_T_A, 0);
	rl = mkreply(r, q2, q2l, DNS_R_NOERROR, 0x01010101, 30, 0, 0);
	assert_int_equal(dns_cache_put(c, &pq, r, rl, 0), -EINVAL);
	/* garbage */
	assert_int_equal(dns_cache_put(c, &pq, (const uint8_t *)"xx", 2, 0), -EINVAL);
	dns_cache_free(c);
}

static void cache_bounded_lru(void **st)
{
	uint8_t q[512], r[4096], out[4096];
	struct dns_query pq;
	char name[64];
	struct dns_cache *c = dns_cache_new(4);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "h%d.example.com", i);
		size_t ql = mkquery(q, 1, name, DNS_T_A, 0);
		assert_int_equal(dns_parse_query(q, ql, &pq), 0);
		size_t rl = mkreply(r, q, ql, DNS_R_NOERROR, 0x0a000001u + (uint32_t)i, 60, 0, 0);
		assert_int_equal(dns_cache_put(c, &pq, r, rl, 0), 0);
		if (i == 3) { /* touch h0: it survives the next insert, h1 goes */
			ql = mkquery(q, 1, "h0.example.com", DNS_T_A, 0);
			assert_int_equal(dns_parse_query(q, ql, &pq), 0);
			assert_true(dns_cache_get(c, &pq, out, sizeof(out), 0) > 0);
		}
		if (i == 4) {
			ql = mkquery(q, 1, "h0.example.com", DNS_T_A, 0);
			assert_int_equal(dns_parse_query(q, ql, &pq), 0);
			assert_true(dns_cache_get(c, &pq, out, sizeof(out), 0) > 0);
			ql = mkquery(q, 1, "h1.example.com", DNS_T_A, 0);
			assert_int_equal(dns_parse_query(q, ql, &pq), 0);
			assert_int_equal(dns_cache_get(c, &pq, out, sizeof(out), 0), -ENOENT);
		}
	}
	struct dns_cache_stats s;
	dns_cache_get_stats(c, &s);
	assert_int_equal(s.entries, 4);
	assert_int_equal(s.evictions, 6);
	dns_cache_free(c);
}

/* ---- the server on frames ---- */

static const uint8_t GWMAC[6] = { 0x52, 0x54, 0x00, 0x79, 0x00, 0x01 };
static const uint8_t VMMAC[6] = { 0x52, 0x54, 0x00, 0x79, 0x00, 0x0a };
#define GWIP 0x0a4f0001u  /* 10.79.0.1 */
#define VMIP 0x0a4f0064u  /* 10.79.0.100 */

struct sent {
	int n;
	uint16_t port;
	uint8_t f[8][2048];
	size_t len[8];
};
static struct sent sent;

static void on_send(void *ctx, uint16_t port, const uint8_t *f, size_t len)
{
	(void)ctx;
	if (sent.n < 8) {
		memcpy(sent.f[sent.n], f, len);
		sent.len[sent.n] = len;
	}
	sent.port = port;
	sent.n++;
}

/* Ethernet + IPv4 + UDP/TCP to the gateway's port 53 from VMIP:40000. */
static size_t mkframe(uint8_t *f, uint8_t proto, const uint8_t *l4payload, size_t plen,
		uint8_t tcp_flags, uint32_t seq, uint32_t ack)
{
	size_t l4h = proto == 17 ? 8 : 20;
	memset(f, 0, 14 + 20 + l4h);
	memcpy(f, GWMAC, 6);
	memcpy(f + 6, VMMAC, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	size_t tot = 20 + l4h + plen;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = proto;
	uint32_t s = htonl(VMIP), d = htonl(GWIP);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	uint8_t *l4 = ip + 20;
	l4[0] = 0x9c;
	l4[1] = 0x40;
	l4[3] = 53;
	if (proto == 17) {
		l4[4] = (uint8_t)((8 + plen) >> 8);
		l4[5] = (uint8_t)(8 + plen);
	} else {
		l4[4] = (uint8_t)(seq >> 24); l4[5] = (uint8_t)(seq >> 16);
		l4[6] = (uint8_t)(seq >> 8); l4[7] = (uint8_t)seq;
		l4[8] = (uint8_t)(ack >> 24); l4[9] = (uint8_t)(ack >> 16);
		l4[10] = (uint8_t)(ack >> 8); l4[11] = (uint8_t)ack;
		l4[12] = 0x50;
		l4[13] = tcp_flags;
		l4[14] = 0xff;
	}
	if (plen)
		memcpy(l4 + l4h, l4payload, plen);
	return 14 + tot;
}

/* Checks a reply frame's addressing and checksums; returns its DNS payload. */
static const uint8_t *check_reply(const uint8_t *f, size_t len, uint8_t proto, size_t *plen)
{
	assert_true(len >= 14 + 20 + 8);
	assert_memory_equal(f, VMMAC, 6);
	assert_memory_equal(f + 6, GWMAC, 6);
	const uint8_t *ip = f + 14;
	assert_int_equal(ip[9], proto);
	assert_int_equal(pkt_csum(ip, 20, 0), 0);
	uint32_t s, d;
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	assert_int_equal(ntohl(s), GWIP);
	assert_int_equal(ntohl(d), VMIP);
	size_t tot = (size_t)(ip[2] << 8 | ip[3]);
	assert_int_equal(14 + tot, len);
	const uint8_t *l4 = ip + 20;
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)((tot - 20) >> 8);
	ph[11] = (uint8_t)(tot - 20);
	assert_int_equal(pkt_csum(l4, tot - 20, (uint16_t)~pkt_csum(ph, 12, 0)), 0);
	assert_int_equal(l4[1], 53);
	assert_int_equal(l4[2], 0x9c);
	size_t h = proto == 17 ? 8 : (size_t)(l4[12] >> 4) * 4;
	*plen = tot - 20 - h;
	return l4 + h;
}

static struct dns_server *mkserver(const char *resolv)
{
	struct dns_server_conf c = { .gw_ip = GWIP, .forward_plain_names = true,
				     .resolv = resolv, .send = on_send };
	memcpy(c.gw_mac, GWMAC, 6);
	struct dns_server *s = dns_server_new(&c);
	assert_non_null(s);
	struct dns_zone *z = dns_zone_new("lab.test", true, 0);
	uint32_t ip = 0x0a4f001e;
	dns_zone_add_host(z, "fixed", 4, &ip);
	dns_server_set_zone(s, z);
	return s;
}

static int ask(struct dns_server *s, const char *name, uint16_t type, uint8_t *reply,
		size_t *plen, const uint8_t **payload)
{
	uint8_t q[512], f[1024];
	size_t ql = mkquery(q, 0x4242, name, type, 0);
	size_t fl = mkframe(f, 17, q, ql, 0, 0, 0);
	int n = dns_server_frame(s, 3, f, fl, reply, 2048);
	if (n > 0)
		*payload = check_reply(reply, (size_t)n, 17, plen);
	return n;
}

static void server_local_answers(void **st)
{
	uint8_t reply[2048];
	const uint8_t *p;
	size_t pl;
	struct dns_server_stats ss;
	struct dns_server *s = mkserver("/nonexistent/resolv.conf");
	assert_true(ask(s, "fixed.lab.test", DNS_T_A, reply, &pl, &p) > 0);
	assert_int_equal(p[0], 0x42);
	assert_int_equal(p[3] & 0xf, DNS_R_NOERROR);
	assert_true(p[2] & 0x04); /* AA */
	assert_int_equal(p[7], 1); /* one answer */
	/* localOnly domain: NXDOMAIN */
	assert_true(ask(s, "ghost.lab.test", DNS_T_A, reply, &pl, &p) > 0);
	assert_int_equal(p[3] & 0xf, DNS_R_NXDOMAIN);
	/* <forwarder domain/> without address: local too */
	assert_int_equal(dns_server_add_forwarder(s, "corp.test", NULL), 0);
	assert_true(ask(s, "a.b.corp.test", DNS_T_A, reply, &pl, &p) > 0);
	assert_int_equal(p[3] & 0xf, DNS_R_NXDOMAIN);
	/* nothing to forward to (no resolv.conf, no forwarder): REFUSED */
	assert_true(ask(s, "www.example.com", DNS_T_A, reply, &pl, &p) > 0);
	assert_int_equal(p[3] & 0xf, DNS_R_REFUSED);
	/* forwardPlainNames='no': a dotless name is NXDOMAIN, not forwarded */
	dns_server_set_plain_names(s, false);
	assert_true(ask(s, "printer", DNS_T_A, reply, &pl, &p) > 0);
	assert_int_equal(p[3] & 0xf, DNS_R_NXDOMAIN);
	/* not a query: counted, no answer */
	uint8_t f[256];
	size_t fl = mkframe(f, 17, (const uint8_t *)"\x00\x01\x80\x00", 4, 0, 0, 0);
	assert_int_equal(dns_server_frame(s, 3, f, fl, reply, sizeof(reply)), 0);
	fl = mkframe(f, 17, (const uint8_t *)"hello, world", 12, 0, 0, 0);
	f[14 + 20 + 8 + 2] = 0x80; /* QR set: a response, never answered */
	assert_int_equal(dns_server_frame(s, 3, f, fl, reply, sizeof(reply)), 0);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.local, 2);          /* fixed, ghost (the zone's localOnly) */
	assert_int_equal(ss.local_nxdomain, 2); /* corp.test, printer */
	assert_int_equal(ss.refused, 1);
	assert_int_equal(ss.malformed, 2);
	dns_server_free(s);
}

/* A UDP socket on 127.0.0.1 standing in for the upstream server. */
static int upstream(char *addr, size_t cap)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &al);
	snprintf(addr, cap, "127.0.0.1#%u", ntohs(a.sin_port));
	return fd;
}

static void run_loop(int ms)
{
	struct pollfd p = { .fd = dns_loop_fd(), .events = POLLIN };
	if (poll(&p, 1, ms) > 0)
		dns_loop_run();
}

static void server_forwards_and_caches(void **st)
{
	uint8_t reply[2048], buf[4096], r[4096];
	const uint8_t *p;
	size_t pl;
	char addr[64];
	struct dns_server_stats ss;
	int up = upstream(addr, sizeof(addr));
	struct dns_server *s = mkserver("/nonexistent/resolv.conf");
	assert_int_equal(dns_server_add_forwarder(s, NULL, addr), 0);
	memset(&sent, 0, sizeof(sent));
	assert_int_equal(ask(s, "www.example.com", DNS_T_A, reply, &pl, &p), 0);
	/* the upstream sees the query with another (random) ID */
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(up, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	assert_true(n > 12);
	struct dns_query uq;
	assert_int_equal(dns_parse_query(buf, (size_t)n, &uq), 0);
	assert_string_equal(uq.name, "www.example.com");
	/* a reply with a wrong ID is ignored; then the right one */
	size_t rl = mkreply(r, buf, (size_t)n, DNS_R_NOERROR, 0x5db8d822, 120, 0, 0);
	r[0] ^= 0xff;
	sendto(up, r, rl, 0, (struct sockaddr *)&from, fl);
	r[0] ^= 0xff;
	sendto(up, r, rl, 0, (struct sockaddr *)&from, fl);
	for (int i = 0; i < 20 && !sent.n; i++)
		run_loop(100);
	assert_int_equal(sent.n, 1);
	assert_int_equal(sent.port, 3);
	p = check_reply(sent.f[0], sent.len[0], 17, &pl);
	assert_int_equal(p[0], 0x42); /* the client's ID again */
	assert_int_equal(p[1], 0x42);
	assert_int_equal(p[7], 1);
	/* again: from the cache, at once */
	assert_true(ask(s, "www.example.com", DNS_T_A, reply, &pl, &p) > 0);
	assert_int_equal(p[7], 1);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.forwarded, 1);
	assert_int_equal(ss.upstream_answers, 1);
	assert_int_equal(ss.cached, 1);
	assert_int_equal(ss.fwd.bad_replies, 1);
	assert_int_equal(ss.fwd.servers, 1);
	close(up);
	dns_server_free(s);
}

/* A truncated upstream answer (TC) is asked again over TCP to the same
 * server; the query goes upstream as the guest sent it (EDNS0 kept). */
static void server_upstream_tc_retries_over_tcp(void **st)
{
	uint8_t reply[2048], q[512], f[1024], buf[4096], r[4096];
	char addr[64];
	struct dns_server_stats ss;
	int up = upstream(addr, sizeof(addr));
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	getsockname(up, (struct sockaddr *)&a, &al);
	int lst = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(lst, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lst, 4), 0);
	struct dns_server *s = mkserver("/nonexistent/resolv.conf");
	assert_int_equal(dns_server_add_forwarder(s, NULL, addr), 0);
	memset(&sent, 0, sizeof(sent));
	size_t ql = mkquery(q, 0x3131, "big.example.com", DNS_T_A, 1232);
	size_t fl = mkframe(f, 17, q, ql, 0, 0, 0);
	assert_int_equal(dns_server_frame(s, 3, f, fl, reply, sizeof(reply)), 0);
	struct sockaddr_in from;
	socklen_t froml = sizeof(from);
	ssize_t n = recvfrom(up, buf, sizeof(buf), 0, (struct sockaddr *)&from, &froml);
	struct dns_query uq;
	assert_int_equal(dns_parse_query(buf, (size_t)n, &uq), 0);
	assert_true(uq.edns);
	assert_int_equal(uq.udp_size, 1232);
	/* TC over UDP */
	size_t rl = mkreply(r, buf, (size_t)n, DNS_R_NOERROR, 0, 0, 0, 0);
	r[2] |= 0x02;
	sendto(up, r, rl, 0, (struct sockaddr *)&from, froml);
	run_loop(500);
	/* the TCP connection: connect completes, the query is written */
	int c = -1;
	for (int i = 0; i < 20 && c < 0; i++) {
		struct pollfd pf = { .fd = lst, .events = POLLIN };
		run_loop(50);
		if (poll(&pf, 1, 50) > 0)
			c = accept(lst, NULL, NULL);
	}
	assert_true(c >= 0);
	size_t got = 0;
	for (int i = 0; i < 40; i++) {
		run_loop(50);
		struct pollfd pf = { .fd = c, .events = POLLIN };
		if (poll(&pf, 1, 50) > 0) {
			ssize_t k = recv(c, buf + got, sizeof(buf) - got, 0);
			if (k > 0)
				got += (size_t)k;
		}
		if (got >= 2 && got >= 2 + (size_t)(buf[0] << 8 | buf[1]))
			break;
	}
	assert_true(got > 2);
	assert_int_equal(dns_parse_query(buf + 2, got - 2, &uq), 0);
	rl = mkreply(r + 2, buf + 2, got - 2, DNS_R_NOERROR, 0x0a0b0c0d, 60, 0, 0);
	r[0] = (uint8_t)(rl >> 8);
	r[1] = (uint8_t)rl;
	assert_int_equal(send(c, r, rl + 2, 0), (ssize_t)(rl + 2));
	for (int i = 0; i < 20 && !sent.n; i++)
		run_loop(100);
	assert_int_equal(sent.n, 1);
	size_t pl;
	const uint8_t *p = check_reply(sent.f[0], sent.len[0], 17, &pl);
	assert_int_equal(p[0], 0x31);
	assert_int_equal(p[2] & 0x02, 0); /* the full answer, not truncated */
	assert_int_equal(p[7], 1);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.fwd.tcp_retries, 1);
	assert_int_equal(ss.fwd.tcp_failed, 0);
	close(c);
	close(lst);
	close(up);
	dns_server_free(s);
}

/* A silent server: after DNS_FWD_TIMEOUT_MS the next one is asked; when
 * every attempt times out the client gets SERVFAIL. */
static void server_upstream_timeout_and_retry(void **st)
{
	uint8_t reply[2048], q[512], f[1024], buf[4096], r[4096];
	char a1[64], a2[64];
	struct dns_server_stats ss;
	int u1 = upstream(a1, sizeof(a1)), u2 = upstream(a2, sizeof(a2));
	struct dns_server *s = mkserver("/nonexistent/resolv.conf");
	assert_int_equal(dns_server_add_forwarder(s, NULL, a1), 0);
	assert_int_equal(dns_server_add_forwarder(s, NULL, a2), 0);
	memset(&sent, 0, sizeof(sent));
	size_t ql = mkquery(q, 0x5151, "slow.example.com", DNS_T_A, 0);
	size_t fl = mkframe(f, 17, q, ql, 0, 0, 0);
	assert_int_equal(dns_server_frame(s, 3, f, fl, reply, sizeof(reply)), 0);
	assert_true(recv(u1, buf, sizeof(buf), 0) > 0); /* u1 stays silent */
	struct sockaddr_in from;
	socklen_t froml = sizeof(from);
	ssize_t n = -1;
	for (int i = 0; i < 30 && n < 0; i++) {
		run_loop(100);
		n = recvfrom(u2, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &froml);
	}
	assert_true(n > 0);
	size_t rl = mkreply(r, buf, (size_t)n, DNS_R_NOERROR, 0x01020304, 60, 0, 0);
	sendto(u2, r, rl, 0, (struct sockaddr *)&from, froml);
	for (int i = 0; i < 20 && !sent.n; i++)
		run_loop(100);
	assert_int_equal(sent.n, 1);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.fwd.timeouts, 1);
	assert_int_equal(ss.upstream_answers, 1);
	/* nobody answers: SERVFAIL after DNS_FWD_TRIES attempts */
	memset(&sent, 0, sizeof(sent));
	ql = mkquery(q, 0x5252, "dead.example.com", DNS_T_A, 0);
	fl = mkframe(f, 17, q, ql, 0, 0, 0);
	assert_int_equal(dns_server_frame(s, 3, f, fl, reply, sizeof(reply)), 0);
	for (int i = 0; i < 50 && !sent.n; i++)
		run_loop(100);
	assert_int_equal(sent.n, 1);
	size_t pl;
	const uint8_t *p = check_reply(sent.f[0], sent.len[0], 17, &pl);
	assert_int_equal(p[0], 0x52);
	assert_int_equal(p[3] & 0xf, DNS_R_SERVFAIL);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.servfail, 1);
	assert_int_equal(ss.fwd.timeouts, 1 + DNS_FWD_TRIES);
	close(u1);
	close(u2);
	dns_server_free(s);
}

/* One port's flood of unique names, answered by the upstream as fast as it
 * comes: DNS_FWD_RATE forwarded a second, the rest dropped; another port
 * still gets through. */
static void server_rate_limit_per_port(void **st)
{
	uint8_t reply[2048], q[512], f[1024], buf[4096], r[4096];
	char addr[64], name[64];
	struct dns_server_stats ss;
	struct timespec t0, t1;
	int up = upstream(addr, sizeof(addr));
	struct dns_server *s = mkserver("/nonexistent/resolv.conf");
	assert_int_equal(dns_server_add_forwarder(s, NULL, addr), 0);
	const int total = 3 * DNS_FWD_RATE;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < total; i++) {
		snprintf(name, sizeof(name), "n%d.example.com", i);
		size_t ql = mkquery(q, (uint16_t)i, name, DNS_T_A, 0);
		size_t fl = mkframe(f, 17, q, ql, 0, 0, 0);
		dns_server_frame(s, 5, f, fl, reply, sizeof(reply));
		struct sockaddr_in from;
		socklen_t froml = sizeof(from);
		ssize_t n;
		while ((n = recvfrom(up, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &froml)) > 0) {
			size_t rl = mkreply(r, buf, (size_t)n, DNS_R_NOERROR, 0x01020304, 60, 0, 0);
			sendto(up, r, rl, 0, (struct sockaddr *)&from, froml);
		}
		run_loop(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dns_server_get_stats(s, &ss);
	uint64_t secs = (uint64_t)(t1.tv_sec - t0.tv_sec) + 1; /* windows the loop touched */
	assert_true(ss.forwarded >= DNS_FWD_RATE);
	assert_true(ss.forwarded <= DNS_FWD_RATE * secs);
	assert_true(ss.forwarded < (uint64_t)total);
	assert_int_equal(ss.rate_limited + ss.pending_full, total - ss.forwarded);
	uint64_t fw = ss.forwarded;
	size_t ql = mkquery(q, 1, "other.example.com", DNS_T_A, 0);
	size_t fl = mkframe(f, 17, q, ql, 0, 0, 0);
	dns_server_frame(s, 6, f, fl, reply, sizeof(reply));
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.forwarded, fw + 1);
	close(up);
	dns_server_free(s);
}

/* A silent upstream: one port has at most DNS_FWD_PORT_PENDING queries in
 * flight; another port still forwards. */
static void server_pending_per_port(void **st)
{
	uint8_t reply[2048], q[512], f[1024];
	char addr[64], name[64];
	struct dns_server_stats ss;
	int up = upstream(addr, sizeof(addr));
	struct dns_server *s = mkserver("/nonexistent/resolv.conf");
	assert_int_equal(dns_server_add_forwarder(s, NULL, addr), 0);
	for (int i = 0; i < DNS_FWD_PORT_PENDING + 20; i++) {
		snprintf(name, sizeof(name), "p%d.example.com", i);
		size_t ql = mkquery(q, (uint16_t)i, name, DNS_T_A, 0);
		size_t fl = mkframe(f, 17, q, ql, 0, 0, 0);
		dns_server_frame(s, 7, f, fl, reply, sizeof(reply));
	}
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.forwarded, DNS_FWD_PORT_PENDING);
	assert_int_equal(ss.pending_full, 20);
	assert_int_equal(ss.fwd.pending, DNS_FWD_PORT_PENDING);
	size_t ql = mkquery(q, 1, "other.example.com", DNS_T_A, 0);
	size_t fl = mkframe(f, 17, q, ql, 0, 0, 0);
	dns_server_frame(s, 8, f, fl, reply, sizeof(reply));
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.forwarded, DNS_FWD_PORT_PENDING + 1);
	close(up);
	dns_server_free(s);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void server_tcp(void **st)
{
	uint8_t f[1024], q[512], msg[600], reply[2048];
	size_t pl;
	struct dns_server_stats ss;
	struct dns_server *s = mkserver("/nonexistent/resolv.conf");
	memset(&sent, 0, sizeof(sent));
	/* SYN */
	size_t fl = mkframe(f, 6, NULL, 0, 0x02, 1000, 0);
	assert_int_equal(dns_server_frame(s, 3, f, fl, reply, sizeof(reply)), 0);
	assert_int_equal(sent.n, 1);
	const uint8_t *th = sent.f[0] + 14 + 20;
	check_reply(sent.f[0], sent.len[0], 6, &pl);
	assert_int_equal(th[13], 0x12); /* SYN-ACK */
	assert_int_equal(rd32(th + 8), 1001);
	uint32_t isn = rd32(th + 4);
	/* ACK + a length-prefixed query for a local name, in one segment */
	size_t ql = mkquery(q, 0x7777, "fixed.lab.test", DNS_T_A, 0);
	msg[0] = 0;
	msg[1] = (uint8_t)ql;
	memcpy(msg + 2, q, ql);
	fl = mkframe(f, 6, msg, ql + 2, 0x18, 1001, isn + 1);
	dns_server_frame(s, 3, f, fl, reply, sizeof(reply));
	assert_int_equal(sent.n, 2);
	const uint8_t *p = check_reply(sent.f[1], sent.len[1], 6, &pl);
	th = sent.f[1] + 14 + 20;
	assert_int_equal(rd32(th + 8), 1001 + ql + 2);
	assert_int_equal((size_t)(p[0] << 8 | p[1]), pl - 2);
	assert_int_equal(p[2], 0x77);
	assert_int_equal(p[2 + 7], 1); /* one answer */
	/* FIN: our FIN-ACK; then the last ACK closes */
	fl = mkframe(f, 6, NULL, 0, 0x11, (uint32_t)(1001 + ql + 2), isn + 1 + (uint32_t)pl);
	dns_server_frame(s, 3, f, fl, reply, sizeof(reply));
	assert_int_equal(sent.n, 3);
	th = sent.f[2] + 14 + 20;
	assert_int_equal(th[13] & 0x01, 0x01);
	/* a segment for no connection gets an RST */
	fl = mkframe(f, 6, msg, 4, 0x18, 5, 5);
	f[14 + 20 + 1] = 0x41; /* another source port */
	dns_server_frame(s, 3, f, fl, reply, sizeof(reply));
	th = sent.f[sent.n - 1] + 14 + 20;
	assert_true(th[13] & 0x04);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.queries_tcp, 1);
	assert_int_equal(ss.tcp_conns, 1);
	dns_server_free(s);
}

/* No <forwarder>: the nameservers of resolv.conf, re-read when it changes. */
static void server_resolv_conf(void **st)
{
	char path[] = "/tmp/test_dns_resolv.XXXXXX";
	struct dns_server_stats ss;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("# comment\nsearch lab\nnameserver 192.0.2.1\nnameserver 2001:db8::1\n", f);
	fclose(f);
	struct dns_server *s = mkserver(path);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.fwd.servers, 2);
	usleep(20000); /* a different mtime */
	f = fopen(path, "w");
	fputs("nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\nnameserver bogus\n", f);
	fclose(f);
	dns_server_tick(s);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.fwd.servers, 3);
	/* a general <forwarder> replaces resolv.conf's servers */
	assert_int_equal(dns_server_add_forwarder(s, NULL, "192.0.2.9"), 0);
	dns_server_get_stats(s, &ss);
	assert_int_equal(ss.fwd.servers, 1);
	assert_int_equal(dns_server_add_forwarder(s, NULL, "not-an-address"), -EINVAL);
	unlink(path);
	dns_server_tick(s);
	dns_server_free(s);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(cache_positive_aging_expiry),
		cmocka_unit_test(cache_negative_and_uncacheable),
		cmocka_unit_test(cache_bounded_lru),
		cmocka_unit_test(server_local_answers),
		cmocka_unit_test(server_forwards_and_caches),
		cmocka_unit_test(server_upstream_tc_retries_over_tcp),
		cmocka_unit_test(server_upstream_timeout_and_retry),
		cmocka_unit_test(server_rate_limit_per_port),
		cmocka_unit_test(server_pending_per_port),
		cmocka_unit_test(server_tcp),
		cmocka_unit_test(server_resolv_conf),
	};
	return cmocka_run_group_tests_name("dns_server", t, NULL, NULL);
}
