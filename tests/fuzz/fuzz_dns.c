/*
 * fuzz_dns.c - libFuzzer target: parses the input as a DNS query; if it
 * parses, answers it from a small zone (over UDP and TCP limits) and
 * re-parses the answer's header, question and records, which must agree
 * with the query.  The error answers (FORMERR/NOTIMP) are built too, and
 * the query's name is fed to a second zone (host, SRV target, TXT), which
 * answers it and must forget it again on dns_zone_remove().
 * The same bytes are also taken as an upstream server's reply (stored in
 * the cache and served back with another ID, which must re-parse), and as
 * the payload of a UDP frame and of TCP segments to a network's DNS server
 * (dns_server_frame: the frame path, the TCP responder; no upstream, so
 * nothing leaves the process).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_cache.h"
#include "dns/dns_msg.h"
#include "dns/dns_server.h"

static struct dns_zone *zone;

static struct dns_zone *make_zone(void)
{
	static const uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
	struct dns_zone *z = dns_zone_new("fuzz.test", true, 60);
	uint32_t ip = 0xc0a87a05u;

	if (!z)
		abort();
	dns_zone_add_host(z, "fixed", 4, &ip);
	dns_zone_add_host(z, "fixed", 6, v6);
	dns_zone_add_srv(z, "_ldap._tcp.fuzz.test", 10, 5, 389, "fixed.fuzz.test");
	dns_zone_add_txt(z, "fuzz.test", "v=fuzz");
	return z;
}

static void check(const uint8_t *buf, int n, const struct dns_query *q)
{
	struct dns_query r;
	struct dns_rr rr;

	if (n < 0)
		return;
	if (dns_parse_response(buf, (size_t)n, &r) != 0)
		abort();
	if (r.id != q->id || strcmp(r.name, q->name) != 0 || r.qtype != q->qtype)
		abort();
	size_t off = r.rr_off;
	for (unsigned i = 0; i < (unsigned)r.ancount + r.nscount + r.arcount; i++)
		if (dns_rr_next(buf, (size_t)n, &off, &rr) != 0)
			abort();
	if (off != (size_t)n)
		abort();
}

static void on_send(void *ctx, uint16_t port, const uint8_t *f, size_t len)
{
	(void)ctx;
	(void)port;
	if (len < 14 + 20 + 8 || len > 1536)
		abort();
	(void)f;
}

/* Ethernet + IPv4 + UDP or TCP (flags) to 10.0.0.1:53 around payload. */
static size_t frame(uint8_t *f, uint8_t proto, uint8_t fl, uint32_t seq, const uint8_t *p,
		size_t n)
{
	static const uint8_t hdr[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0 };
	size_t l4h = proto == 17 ? 8 : 20, tot = 20 + l4h + n;
	memset(f, 0, 14 + 20 + l4h);
	memcpy(f, hdr, 14);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[9] = proto;
	ip[12] = 10; ip[15] = 2;
	ip[16] = 10; ip[19] = 1;
	uint8_t *l4 = ip + 20;
	l4[0] = 0x9c;
	l4[3] = 53;
	if (proto == 17) {
		l4[4] = (uint8_t)((8 + n) >> 8);
		l4[5] = (uint8_t)(8 + n);
	} else {
		l4[4] = (uint8_t)(seq >> 24); l4[5] = (uint8_t)(seq >> 16);
		l4[6] = (uint8_t)(seq >> 8); l4[7] = (uint8_t)seq;
		l4[12] = 0x50;
		l4[13] = fl;
	}
	if (n)
		memcpy(l4 + l4h, p, n);
	return 14 + tot;
}

static void server_paths(const uint8_t *data, size_t size)
{
	static struct dns_server *srv;
	static uint8_t f[70000], reply[2048];
	if (!srv) {
		struct dns_server_conf c = { .gw_ip = 0x0a000001, .forward_plain_names = false,
					     .resolv = "/nonexistent/resolv.conf", .send = on_send };
		srv = dns_server_new(&c);
		if (!srv)
			abort();
		dns_server_set_zone(srv, make_zone());
		dns_server_add_forwarder(srv, "local.test", NULL);
	}
	if (size > 65000)
		return;
	int n = dns_server_frame(srv, 1, f, frame(f, 17, 0, 0, data, size), reply, sizeof(reply));
	if (n < 0 || n > (int)sizeof(reply))
		abort();
	/* TCP: SYN, then the bytes as one data segment (any ACK), then FIN */
	dns_server_frame(srv, 1, f, frame(f, 6, 0x02, 100, NULL, 0), reply, sizeof(reply));
	dns_server_frame(srv, 1, f, frame(f, 6, 0x18, 101, data, size), reply, sizeof(reply));
	dns_server_frame(srv, 1, f, frame(f, 6, 0x11, 101 + (uint32_t)size, NULL, 0), reply,
			 sizeof(reply));
	/* the raw bytes as a whole frame */
	dns_server_frame(srv, 1, data, size, reply, sizeof(reply));
}

static void cache_paths(const uint8_t *data, size_t size)
{
	static struct dns_cache *c;
	static uint8_t out[65536];
	struct dns_query q;
	if (!c && !(c = dns_cache_new(16)))
		abort();
	if (dns_parse_response(data, size, &q) < 0)
		return;
	q.id ^= 0x5a5a;
	if (dns_cache_put(c, &q, data, size, 10) < 0)
		return;
	int n = dns_cache_get(c, &q, out, sizeof(out), 10); /* TTL >= 1: still there */
	if (n != (int)size)
		abort();
	struct dns_query r;
	if (dns_parse_response(out, (size_t)n, &r) < 0 || r.id != q.id)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65535];
	struct dns_query q;
	struct dns_answer a;
	int rc;

	if (!zone)
		zone = make_zone();
	cache_paths(data, size);
	server_paths(data, size);
	rc = dns_parse_query(data, size, &q);
	if (rc == -EBADMSG || rc == -EOPNOTSUPP) {
		if (dns_answer_begin(&a, buf, 512, &q, DNS_R_FORMERR, 0) == 0)
			(void)dns_answer_end(&a);
		return 0;
	}
	if (rc != 0)
		return 0;
	check(buf, dns_zone_answer(zone, &q, buf, sizeof(buf), 0), &q);
	check(buf, dns_zone_answer(zone, &q, buf, sizeof(buf), DNS_ANS_TCP), &q);
	if (q.name[0]) {
		struct dns_zone *z = dns_zone_new(q.qtype & 1 ? "fuzz.test" : NULL, q.qtype & 2, 1);
		uint32_t ip = q.id;
		if (!z)
			abort();
		if (dns_zone_add_host(z, q.name, 4, &ip) == 0) {
			dns_zone_add_host(z, q.name, 6, q.wire);
			dns_zone_add_srv(z, "_s._tcp.fuzz.test", 1, 2, 3, q.name);
			dns_zone_add_txt(z, q.name, q.name);
			check(buf, dns_zone_answer(z, &q, buf, sizeof(buf), 0), &q);
			if (dns_zone_remove(z, q.name) <= 0)
				abort();
			if (dns_zone_answer(z, &q, buf, sizeof(buf), 0) > 0 &&
			    (buf[7] != 0 || buf[6] != 0))
				abort(); /* nothing may be left of it */
		}
		dns_zone_free(z);
	}
	if (dns_answer_begin(&a, buf, sizeof(buf), &q, DNS_R_NOERROR, DNS_ANS_RA) == 0) {
		dns_add_cname(&a, NULL, 1, "fixed.fuzz.test");
		dns_add_a(&a, "fixed.fuzz.test", 1, 1);
		check(buf, (int)dns_answer_end(&a), &q);
	}
	return 0;
}
