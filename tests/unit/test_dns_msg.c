/*
 * test_dns_msg.c - DNS wire format and local zone (control/dns/).
 * Queries are built by hand (no DNS library on the test machine).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "dns/dns_msg.h"

#include "dns_test_query.h"

static size_t mkquery(uint8_t *buf, uint16_t id, const char *name, uint16_t type,
		uint16_t edns_size, bool do_bit)
{
	return mkquery_edns(buf, id, name, type, edns_size, do_bit);
}

static void test_parse_basic(void **state)
{
	uint8_t b[512];
	struct dns_query q;
	size_t n = mkquery(b, 0x1234, "Host1.Example.COM", DNS_T_A, 0, false);

	(void)state;
	assert_int_equal(dns_parse_query(b, n, &q), 0);
	assert_int_equal(q.id, 0x1234);
	assert_string_equal(q.name, "host1.example.com");
	assert_int_equal(q.qtype, DNS_T_A);
	assert_int_equal(q.qclass, DNS_C_IN);
	assert_false(q.edns);
	assert_int_equal(q.udp_size, 512);
	assert_int_equal(q.rr_off, n);

	n = mkquery(b, 1, "a.b", DNS_T_AAAA, 1400, true);
	assert_int_equal(dns_parse_query(b, n, &q), 0);
	assert_true(q.edns);
	assert_true(q.edns_do);
	assert_int_equal(q.udp_size, 1400);
	n = mkquery(b, 1, "a.b", DNS_T_AAAA, 100, false);
	assert_int_equal(dns_parse_query(b, n, &q), 0);
	assert_int_equal(q.udp_size, 512); /* below 512 counts as 512 */

	/* the root name */
	n = mkquery(b, 1, "", DNS_T_SOA, 0, false);
	assert_int_equal(dns_parse_query(b, n, &q), 0);
	assert_string_equal(q.name, "");
}

static void test_parse_rejects(void **state)
{
	uint8_t b[600];
	struct dns_query q;
	size_t n = mkquery(b, 7, "x.example", DNS_T_A, 0, false);

	(void)state;
	b[2] |= 0x80; /* QR */
	assert_int_equal(dns_parse_query(b, n, &q), -EINVAL);
	b[2] = 0x01 | (2 << 3); /* opcode STATUS */
	assert_int_equal(dns_parse_query(b, n, &q), -EOPNOTSUPP);
	assert_int_equal(q.id, 7);
	b[2] = 0x01;
	b[5] = 2; /* QDCOUNT 2 */
	assert_int_equal(dns_parse_query(b, n, &q), -EBADMSG);
	b[5] = 0;
	assert_int_equal(dns_parse_query(b, n, &q), -EBADMSG);
	b[5] = 1;
	assert_int_equal(dns_parse_query(b, n, &q), 0);

	/* label of 64 bytes, a name over 255 bytes, label type 0x40 */
	char big[300];
	memset(big, 'a', 64);
	big[64] = 0;
	n = mkquery(b, 1, big, DNS_T_A, 0, false);
	assert_int_equal(dns_parse_query(b, n, &q), -EBADMSG);
	for (int i = 0; i < 64; i++)
		memcpy(big + i * 4, "abc.", 4);
	big[255] = 0; /* 64 labels of 3: 256 bytes on the wire */
	n = mkquery(b, 1, big, DNS_T_A, 0, false);
	assert_int_equal(dns_parse_query(b, n, &q), -EBADMSG);
	big[251] = 0; /* 63 labels: 253 bytes */
	n = mkquery(b, 1, big, DNS_T_A, 0, false);
	assert_int_equal(dns_parse_query(b, n, &q), 0);
	assert_int_equal(strlen(q.name), 251);
	n = mkquery(b, 1, "ab", DNS_T_A, 0, false);
	b[12] = 0x42;
	assert_int_equal(dns_parse_query(b, n, &q), -EBADMSG);
	/* a dot inside a label */
	n = mkquery(b, 1, "ab", DNS_T_A, 0, false);
	b[13] = '.';
	assert_int_equal(dns_parse_query(b, n, &q), -EBADMSG);

	/* two OPT records: FORMERR */
	n = mkquery(b, 1, "ab", DNS_T_A, 1232, false);
	memcpy(b + n, b + n - 11, 11);
	n += 11;
	b[11] = 2;
	assert_int_equal(dns_parse_query(b, n, &q), -EBADMSG);
	/* trailing garbage and a truncated extra record: lenient */
	n = mkquery(b, 1, "ab", DNS_T_A, 0, false);
	b[n] = 0xff;
	assert_int_equal(dns_parse_query(b, n + 1, &q), 0);
	b[11] = 1;
	assert_int_equal(dns_parse_query(b, n + 1, &q), 0);
	assert_false(q.edns);
}

static void test_compression(void **state)
{
	uint8_t b[64];
	struct dns_query q;
	size_t off;
	char out[DNS_NAME_TEXT_MAX];

	(void)state;
	/* a pointer to itself, and to a later offset: both rejected */
	memset(b, 0, sizeof(b));
	b[5] = 1;
	b[12] = 0xc0;
	b[13] = 12;
	assert_int_equal(dns_parse_query(b, 18, &q), -EBADMSG);
	b[13] = 20;
	assert_int_equal(dns_parse_query(b, 24, &q), -EBADMSG);
	/* two names pointing at each other (a loop through the RDATA area) */
	b[20] = 0xc0;
	b[21] = 12;
	off = 20;
	assert_int_equal(dns_name_decode(b, sizeof(b), &off, out), -EBADMSG);
	/* a valid backward pointer: "x" then "a" + ptr to "x" */
	b[30] = 1;
	b[31] = 'X';
	b[32] = 0;
	b[40] = 1;
	b[41] = 'a';
	b[42] = 0xc0;
	b[43] = 30;
	off = 40;
	assert_int_equal(dns_name_decode(b, sizeof(b), &off, out), 0);
	assert_string_equal(out, "a.x");
	assert_int_equal(off, 44);
	/* a pointer cut in half */
	off = 40;
	assert_int_equal(dns_name_decode(b, 43, &off, out), -EBADMSG);
	/* a pointer into its own name's earlier labels ("a" -> ptr to "a") */
	b[50] = 1;
	b[51] = 'a';
	b[52] = 0xc0;
	b[53] = 50;
	off = 50;
	assert_int_equal(dns_name_decode(b, sizeof(b), &off, out), -EBADMSG);
	/*
	 * a pointer into the header (fuzz_dns found it: the name read from a
	 * zero ID was the root; the cache's copy with another ID no longer
	 * parsed)
	 */
	memset(b, 0, sizeof(b));
	b[5] = 1;
	b[12] = 0xc0;
	b[13] = 0;
	b[15] = 1;
	b[17] = 1;
	assert_int_equal(dns_parse_query(b, 18, &q), -EBADMSG);
	b[13] = 11;
	assert_int_equal(dns_parse_query(b, 18, &q), -EBADMSG);
}

/* Every prefix of valid messages must be rejected (or parse as a prefix). */
static void test_truncated_everywhere(void **state)
{
	uint8_t b[512];
	struct dns_query q;
	size_t n = mkquery(b, 9, "www.example.org", DNS_T_AAAA, 4096, true);

	(void)state;
	for (size_t l = 0; l < n; l++) {
		uint8_t *c = malloc(l ? l : 1); /* exact size: ASan sees overreads */
		assert_non_null(c);
		memcpy(c, b, l);
		int rc = dns_parse_query(c, l, &q);
		if (l < 12)
			assert_int_equal(rc, -EINVAL);
		else if (l < n - 11)
			assert_int_equal(rc, -EBADMSG);
		else
			assert_true(rc == 0 && !q.edns); /* cut OPT: ignored */
		free(c);
	}
	assert_int_equal(dns_parse_query(b, n, &q), 0);
	assert_true(q.edns);
}

static const struct dns_rr *find_rr(const uint8_t *b, size_t n, const struct dns_query *r,
		int idx, struct dns_rr *rr)
{
	size_t off = r->rr_off;

	for (int i = 0; i <= idx; i++)
		if (dns_rr_next(b, n, &off, rr) != 0)
			return NULL;
	return rr;
}

static void test_build_all_types(void **state)
{
	uint8_t qb[512], b[1024];
	struct dns_query q, r;
	struct dns_answer a;
	struct dns_rr rr;
	static const uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42 };
	size_t qn = mkquery(qb, 0xbeef, "Svc.Example.Net", DNS_T_ANY, 0, false);

	(void)state;
	assert_int_equal(dns_parse_query(qb, qn, &q), 0);
	assert_int_equal(dns_answer_begin(&a, b, sizeof(b), &q, 0, DNS_ANS_AA | DNS_ANS_RA), 0);
	assert_int_equal(dns_add_a(&a, NULL, 300, 0xc0a87a05u), 0);
	assert_int_equal(dns_add_aaaa(&a, "svc.example.net", 300, v6), 0);
	assert_int_equal(dns_add_ptr(&a, NULL, 300, "host.example.net"), 0);
	assert_int_equal(dns_add_cname(&a, NULL, 300, "other.example.net."), 0);
	assert_int_equal(dns_add_srv(&a, NULL, 300, 10, 20, 389, "ldap.example.net"), 0);
	assert_int_equal(dns_add_txt(&a, NULL, 300, "hello world"), 0);
	assert_int_equal(dns_add_a(&a, "bad..name", 300, 1), -EINVAL);
	size_t n = dns_answer_end(&a);
	assert_int_equal(dns_parse_response(b, n, &r), 0);
	assert_int_equal(r.id, 0xbeef);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_true(r.flags & DNS_FLAG_RA);
	assert_true(r.flags & DNS_FLAG_RD);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.ancount, 6);
	/* the question is echoed with the client's case */
	assert_memory_equal(b + 12, qb + 12, q.wire_len);
	assert_string_equal(r.name, "svc.example.net");

	assert_non_null(find_rr(b, n, &r, 0, &rr));
	assert_string_equal(rr.name, "svc.example.net");
	assert_int_equal(rr.type, DNS_T_A);
	assert_int_equal(rr.ttl, 300);
	assert_int_equal(rr.rdlen, 4);
	assert_memory_equal(b + rr.rdata_off, "\xc0\xa8\x7a\x05", 4);
	assert_non_null(find_rr(b, n, &r, 1, &rr));
	assert_int_equal(rr.type, DNS_T_AAAA);
	assert_memory_equal(b + rr.rdata_off, v6, 16);
	char t[DNS_NAME_TEXT_MAX];
	size_t o;
	assert_non_null(find_rr(b, n, &r, 2, &rr));
	assert_int_equal(rr.type, DNS_T_PTR);
	o = rr.rdata_off;
	assert_int_equal(dns_name_decode(b, n, &o, t), 0);
	assert_string_equal(t, "host.example.net");
	assert_true(rr.rdlen < 17); /* compressed against "example.net" */
	assert_non_null(find_rr(b, n, &r, 3, &rr));
	assert_int_equal(rr.type, DNS_T_CNAME);
	o = rr.rdata_off;
	assert_int_equal(dns_name_decode(b, n, &o, t), 0);
	assert_string_equal(t, "other.example.net");
	assert_non_null(find_rr(b, n, &r, 4, &rr));
	assert_int_equal(rr.type, DNS_T_SRV);
	assert_memory_equal(b + rr.rdata_off, "\x00\x0a\x00\x14\x01\x85", 6);
	assert_int_equal(rr.rdlen, 6 + 18); /* target uncompressed (RFC 2782) */
	o = rr.rdata_off + 6;
	assert_int_equal(dns_name_decode(b, n, &o, t), 0);
	assert_string_equal(t, "ldap.example.net");
	assert_non_null(find_rr(b, n, &r, 5, &rr));
	assert_int_equal(rr.type, DNS_T_TXT);
	assert_int_equal(rr.rdlen, 12);
	assert_memory_equal(b + rr.rdata_off, "\x0bhello world", 12);
	o = r.rr_off;
	for (int i = 0; i < 6; i++)
		assert_int_equal(dns_rr_next(b, n, &o, &rr), 0);
	assert_int_equal(o, n);
}

static void test_tc_and_edns(void **state)
{
	uint8_t qb[512], b[4096];
	struct dns_query q, r;
	struct dns_answer a;
	struct dns_rr rr;
	size_t qn = mkquery(qb, 5, "many.example", DNS_T_A, 0, false);
	int added = 0;

	(void)state;
	assert_int_equal(dns_parse_query(qb, qn, &q), 0);
	assert_int_equal(dns_answer_begin(&a, b, sizeof(b), &q, 0, 0), 0);
	for (int i = 0; i < 100; i++)
		if (dns_add_a(&a, NULL, 1, (uint32_t)i) == 0)
			added++;
	size_t n = dns_answer_end(&a);
	assert_true(n <= 512);
	assert_int_equal(added, (512 - 12 - (int)q.wire_len - 4) / 16);
	assert_int_equal(dns_parse_response(b, n, &r), 0);
	assert_true(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.ancount, added);
	assert_false(r.edns);

	/* over TCP everything fits */
	assert_int_equal(dns_answer_begin(&a, b, sizeof(b), &q, 0, DNS_ANS_TCP), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(dns_add_a(&a, NULL, 1, (uint32_t)i), 0);
	n = dns_answer_end(&a);
	assert_int_equal(dns_parse_response(b, n, &r), 0);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.ancount, 100);

	/* EDNS0 1232: more fits, the OPT is echoed and counted in the limit */
	qn = mkquery(qb, 5, "many.example", DNS_T_A, 1232, true);
	assert_int_equal(dns_parse_query(qb, qn, &q), 0);
	assert_int_equal(dns_answer_begin(&a, b, sizeof(b), &q, 0, 0), 0);
	added = 0;
	for (int i = 0; i < 100; i++)
		if (dns_add_a(&a, NULL, 1, (uint32_t)i) == 0)
			added++;
	n = dns_answer_end(&a);
	assert_true(n <= 1232);
	assert_int_equal(added, (1232 - 11 - 12 - (int)q.wire_len - 4) / 16);
	assert_int_equal(dns_parse_response(b, n, &r), 0);
	assert_true(r.flags & DNS_FLAG_TC);
	assert_true(r.edns);
	assert_int_equal(r.udp_size, DNS_EDNS_ADVERTISE);
	assert_non_null(find_rr(b, n, &r, added, &rr));
	assert_int_equal(rr.type, DNS_T_OPT);

	/* a buffer smaller than the question */
	assert_int_equal(dns_answer_begin(&a, b, 20, &q, 0, 0), -EMSGSIZE);
}

/* Every prefix of a built answer: the record walk stops cleanly, in bounds. */
static void test_truncated_answer(void **state)
{
	uint8_t qb[512], b[512];
	struct dns_query q, r;
	struct dns_answer a;
	struct dns_rr rr;
	size_t qn = mkquery(qb, 3, "a.example.net", DNS_T_ANY, 1232, false);

	(void)state;
	assert_int_equal(dns_parse_query(qb, qn, &q), 0);
	assert_int_equal(dns_answer_begin(&a, b, sizeof(b), &q, 0, 0), 0);
	assert_int_equal(dns_add_a(&a, NULL, 1, 1), 0);
	assert_int_equal(dns_add_ptr(&a, NULL, 1, "b.example.net"), 0);
	assert_int_equal(dns_add_srv(&a, "_x._udp.example.net", 1, 1, 2, 3, "a.example.net"), 0);
	assert_int_equal(dns_add_txt(&a, "b.example.net", 1, "t"), 0);
	size_t n = dns_answer_end(&a);
	for (size_t l = 0; l <= n; l++) {
		uint8_t *c = malloc(l ? l : 1);
		assert_non_null(c);
		memcpy(c, b, l);
		int rc = dns_parse_response(c, l, &r);
		if (rc == 0) {
			size_t off = r.rr_off;
			unsigned ok = 0;
			while (ok < 5u && dns_rr_next(c, l, &off, &rr) == 0)
				ok++;
			assert_true(off <= l);
			/* 4 records + OPT only in the whole message */
			assert_true(l == n ? ok == 5 : ok < 5);
			if (l == n)
				assert_true(r.edns);
		}
		free(c);
	}
}

static void test_ptr_names(void **state)
{
	char s[DNS_PTR6_MAX];
	uint32_t ip;
	uint8_t v6[16], back[16];

	(void)state;
	dns_ptr_name_v4(0x01020304u, s);
	assert_string_equal(s, "4.3.2.1.in-addr.arpa");
	assert_int_equal(dns_ptr_parse_v4(s, &ip), 0);
	assert_int_equal(ip, 0x01020304u);
	dns_ptr_name_v4(0xffffffffu, s);
	assert_int_equal(strlen(s) + 1, DNS_PTR4_MAX);
	assert_int_equal(dns_ptr_parse_v4("1.2.3.in-addr.arpa", &ip), -EINVAL);
	assert_int_equal(dns_ptr_parse_v4("256.2.3.4.in-addr.arpa", &ip), -EINVAL);
	assert_int_equal(dns_ptr_parse_v4("01.2.3.4.in-addr.arpa", &ip), -EINVAL);
	assert_int_equal(dns_ptr_parse_v4("1.2.3.4.in-addr.arpa.x", &ip), -EINVAL);
	for (int i = 0; i < 16; i++)
		v6[i] = (uint8_t)(0x20 + i * 7);
	dns_ptr_name_v6(v6, s);
	assert_int_equal(strlen(s) + 1, DNS_PTR6_MAX);
	assert_memory_equal(s, "9.8.", 4); /* last byte 0x89: low nibble first */
	assert_int_equal(dns_ptr_parse_v6(s, back), 0);
	assert_memory_equal(back, v6, 16);
	s[0] = 'g';
	assert_int_equal(dns_ptr_parse_v6(s, back), -EINVAL);
	assert_int_equal(dns_ptr_parse_v6("1.ip6.arpa", back), -EINVAL);
}

static int zone_ask(struct dns_zone *z, const char *name, uint16_t type, struct dns_query *r,
		uint8_t *b, size_t cap)
{
	uint8_t qb[512];
	struct dns_query q;
	size_t qn = mkquery(qb, 77, name, type, 0, false);

	assert_int_equal(dns_parse_query(qb, qn, &q), 0);
	int n = dns_zone_answer(z, &q, b, cap, 0);
	if (n >= 0)
		assert_int_equal(dns_parse_response(b, (size_t)n, r), 0);
	return n;
}

static void test_zone(void **state)
{
	struct dns_zone *z = dns_zone_new("Example.ORG", true, 3600);
	struct dns_query r;
	struct dns_rr rr;
	uint8_t b[1024];
	uint32_t ip = 0xc0a87a0au;
	static const uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a };
	char rev[DNS_PTR6_MAX], t[DNS_NAME_TEXT_MAX];
	int n;

	(void)state;
	assert_non_null(z);
	assert_int_equal(dns_zone_add_host(z, "vm1", 4, &ip), 0);
	assert_int_equal(dns_zone_add_host(z, "VM1", 6, v6), 0);
	assert_int_equal(dns_zone_add_host(z, "vm1", 4, &ip), 0); /* no duplicates */
	assert_int_equal(dns_zone_count(z), 6);
	assert_int_equal(dns_zone_add_srv(z, "_ldap._tcp.example.org", 10, 10, 389,
		"vm1.example.org"), 0);
	assert_int_equal(dns_zone_add_txt(z, "info.example.org", "some text"), 0);
	assert_int_equal(dns_zone_add_a(z, "bad..name", 1), -EINVAL);

	/* the domain is appended; the bare name answers too; case-insensitive */
	n = zone_ask(z, "VM1.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_true(n > 0);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NOERROR);
	assert_int_equal(r.ancount, 1);
	assert_non_null(find_rr(b, (size_t)n, &r, 0, &rr));
	assert_int_equal(rr.ttl, 3600);
	assert_memory_equal(b + rr.rdata_off, "\xc0\xa8\x7a\x0a", 4);
	n = zone_ask(z, "vm1", DNS_T_AAAA, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);
	assert_non_null(find_rr(b, (size_t)n, &r, 0, &rr));
	assert_memory_equal(b + rr.rdata_off, v6, 16);
	/* ANY: A and AAAA */
	zone_ask(z, "vm1.example.org", DNS_T_ANY, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 2);

	/* PTR, v4 and v6, to the qualified name */
	dns_ptr_name_v4(ip, rev);
	n = zone_ask(z, rev, DNS_T_PTR, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);
	assert_non_null(find_rr(b, (size_t)n, &r, 0, &rr));
	size_t o = rr.rdata_off;
	assert_int_equal(dns_name_decode(b, (size_t)n, &o, t), 0);
	assert_string_equal(t, "vm1.example.org");
	dns_ptr_name_v6(v6, rev);
	zone_ask(z, rev, DNS_T_PTR, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);

	/* SRV with the target's addresses as additional records */
	n = zone_ask(z, "_ldap._tcp.example.org", DNS_T_SRV, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);
	assert_int_equal(r.arcount, 2);
	assert_non_null(find_rr(b, (size_t)n, &r, 1, &rr));
	assert_string_equal(rr.name, "vm1.example.org");
	zone_ask(z, "info.example.org", DNS_T_TXT, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);

	/* NODATA: the name exists (or is an empty non-terminal), not the type */
	zone_ask(z, "info.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NOERROR);
	assert_int_equal(r.ancount, 0);
	assert_true(r.flags & DNS_FLAG_AA);
	zone_ask(z, "_tcp.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NOERROR);
	/* NXDOMAIN under a local-only domain */
	zone_ask(z, "nothere.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NXDOMAIN);
	assert_int_equal(r.ancount, 0);
	assert_true(r.flags & DNS_FLAG_AA);
	/* not local: the caller forwards it */
	assert_int_equal(zone_ask(z, "www.example.com", DNS_T_A, &r, b, sizeof(b)), -ENOENT);
	assert_int_equal(zone_ask(z, "org", DNS_T_A, &r, b, sizeof(b)), -ENOENT);
	/* too small a buffer */
	assert_int_equal(zone_ask(z, "vm1", DNS_T_A, &r, b, 20), -EMSGSIZE);

	/* a lease goes away: its names and its PTRs */
	assert_int_equal(dns_zone_remove(z, "vm1"), 6);
	zone_ask(z, "vm1.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NXDOMAIN);
	dns_ptr_name_v4(ip, rev);
	assert_int_equal(zone_ask(z, rev, DNS_T_PTR, &r, b, sizeof(b)), -ENOENT);
	dns_zone_free(z);

	/* without local_only, unknown names under the domain are forwarded */
	z = dns_zone_new("example.org", false, 60);
	assert_int_equal(zone_ask(z, "x.example.org", DNS_T_A, &r, b, sizeof(b)), -ENOENT);
	dns_zone_free(z);
	assert_null(dns_zone_new("bad..domain", false, 1));
}

/* 20,000 hosts (60,000 records): the hashed index answers like the scan did */
static void test_zone_large(void **state)
{
	struct dns_zone *z = dns_zone_new("example.org", true, 60);
	struct dns_query r;
	struct dns_rr rr;
	uint8_t b[1024];
	char name[32], rev[DNS_PTR6_MAX];
	uint32_t ip;
	int n;

	(void)state;
	assert_non_null(z);
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		ip = 0x0a000000u + i;
		assert_int_equal(dns_zone_add_host(z, name, 4, &ip), 0);
	}
	assert_int_equal(dns_zone_count(z), 60000);
	ip = 0x0a000000u + 12345;
	assert_int_equal(dns_zone_add_host(z, "h12345", 4, &ip), 0); /* duplicate */
	assert_int_equal(dns_zone_count(z), 60000);
	assert_int_equal(dns_zone_add_srv(z, "_ldap._tcp.example.org", 0, 0, 389,
		"h19999.example.org"), 0);

	/* exists, with the right address */
	n = zone_ask(z, "h12345.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NOERROR);
	assert_int_equal(r.ancount, 1);
	assert_non_null(find_rr(b, (size_t)n, &r, 0, &rr));
	assert_memory_equal(b + rr.rdata_off, "\x0a\x00\x30\x39", 4);
	zone_ask(z, "h0", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);
	dns_ptr_name_v4(0x0a000000u + 19999, rev);
	zone_ask(z, rev, DNS_T_PTR, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);
	/* NODATA for an empty non-terminal */
	zone_ask(z, "_tcp.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NOERROR);
	assert_int_equal(r.ancount, 0);
	/* ... but only inside the domain */
	assert_int_equal(zone_ask(z, "in-addr.arpa", DNS_T_A, &r, b, sizeof(b)), -ENOENT);
	/* NXDOMAIN under localOnly */
	zone_ask(z, "h20000.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NXDOMAIN);
	/* SRV: the target's address as an additional record */
	n = zone_ask(z, "_ldap._tcp.example.org", DNS_T_SRV, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);
	assert_int_equal(r.arcount, 1);
	assert_non_null(find_rr(b, (size_t)n, &r, 1, &rr));
	assert_string_equal(rr.name, "h19999.example.org");

	/* removal compacts the array: the index still finds the others */
	assert_int_equal(dns_zone_remove(z, "h5"), 3);
	zone_ask(z, "h5.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NXDOMAIN);
	n = zone_ask(z, "h12345.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(r.ancount, 1);
	assert_non_null(find_rr(b, (size_t)n, &r, 0, &rr));
	assert_memory_equal(b + rr.rdata_off, "\x0a\x00\x30\x39", 4);
	zone_ask(z, "_tcp.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NOERROR);
	assert_int_equal(dns_zone_remove(z, "_ldap._tcp.example.org"), 1);
	zone_ask(z, "_tcp.example.org", DNS_T_A, &r, b, sizeof(b));
	assert_int_equal(DNS_RCODE(r.flags), DNS_R_NXDOMAIN);
	dns_zone_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_build_all_types),
		cmocka_unit_test(test_tc_and_edns),
		cmocka_unit_test(test_truncated_answer),
		cmocka_unit_test(test_ptr_names),
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_zone_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
