/*
 * fuzz_dns.c - libFuzzer target: parses the input as a DNS query; if it
 * parses, answers it from a small zone (over UDP and TCP limits) and
 * re-parses the answer's header, question and records, which must agree
 * with the query.  The error answers (FORMERR/NOTIMP) are built too, and
 * the query's name is fed to a second zone (host, SRV target, TXT), which
 * answers it and must forget it again on dns_zone_remove().
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_msg.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65535];
	struct dns_query q;
	struct dns_answer a;
	int rc;

	if (!zone)
		zone = make_zone();
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
