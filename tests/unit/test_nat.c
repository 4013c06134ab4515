/* NAT: incremental checksums equal a full recomputation for random
 * headers (TCP, UDP, ICMP echo, ICMP errors quoting them), UDP's zero
 * checksum, the allocator's endpoint-independent mapping, release,
 * exhaustion and vetoed ports. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/nat.h"

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Full checksum of the L4 segment with its pseudo header. */
static uint16_t l4_sum(const uint8_t *ip, size_t l4len)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	uint32_t s = rd16(ip + 12) + rd16(ip + 14) + rd16(ip + 16) + rd16(ip + 18) + ip[9] +
		     (uint32_t)l4len;
	return pkt_csum(ip + ihl, l4len, s);
}

static size_t build(uint8_t *ip, uint8_t proto, size_t payload)
{
	size_t ihl = 20 + 4 * (rnd() % 3);
	size_t l4h = proto == 6 ? 20 : 8;
	size_t tot = ihl + l4h + payload;
	for (size_t i = 0; i < tot; i++)
		ip[i] = (uint8_t)rnd();
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] &= 0x40; /* DF or nothing: not a fragment */
	ip[7] = 0;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	uint16_t c = pkt_csum(ip, ihl, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *l4 = ip + ihl;
	if (proto == 1) {
		l4[0] = rnd() & 1 ? 8 : 0;
		l4[1] = 0;
		l4[2] = l4[3] = 0;
		c = pkt_csum(l4, tot - ihl, 0);
		l4[2] = (uint8_t)(c >> 8);
		l4[3] = (uint8_t)c;
	} else {
		uint8_t *cf = l4 + (proto == 6 ? 16 : 6);
		if (proto == 17) {
			l4[4] = (uint8_t)((tot - ihl) >> 8);
			l4[5] = (uint8_t)(tot - ihl);
		}
		cf[0] = cf[1] = 0;
		c = l4_sum(ip, tot - ihl);
		if (proto == 17 && c == 0)
			c = 0xffff;
		cf[0] = (uint8_t)(c >> 8);
		cf[1] = (uint8_t)c;
	}
	return tot;
}

static void check_sums(const uint8_t *ip, size_t tot)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	assert_int_equal(pkt_csum(ip, ihl, 0), 0);
	if (ip[9] == 1) {
		assert_int_equal(pkt_csum(ip + ihl, tot - ihl, 0), 0);
	} else {
		assert_int_equal(l4_sum(ip, tot - ihl), 0);
	}
}

static void random_headers(void **st)
{
	static const uint8_t protos[3] = { 6, 17, 1 };
	uint8_t ip[1600];
	for (unsigned n = 0; n < 20000; n++) {
		uint8_t proto = protos[n % 3];
		size_t tot = build(ip, proto, rnd() % 1400 + (n & 1));
		check_sums(ip, tot);
		struct nat_tuple t = { rnd(), rnd(), (uint16_t)rnd(), (uint16_t)rnd() };
		if (proto == 1)
			t.dport = t.sport;
		assert_int_equal(nat_rewrite(ip, tot, &t), 0);
		check_sums(ip, tot);
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;
		assert_memory_equal(ip + 12, &t.src, 4);
		assert_memory_equal(ip + 16, &t.dst, 4);
		if (proto == 1)
			assert_memory_equal(ip + ihl + 4, &t.sport, 2);
		else
			assert_memory_equal(ip + ihl, &t.sport, 4);
	}
}

/* Found by fuzz_nat: an echo reply whose identifier becomes 0 and whose
 * message is then all zeros needs checksum 0xffff; RFC 1624's update gives 0. */
static void icmp_all_zero(void **st)
{
	uint8_t ip[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1 };
	ip[24] = 0x12;
	ip[25] = 0x34; /* id */
	uint16_t c = pkt_csum(ip + 20, 8, 0);
	ip[22] = (uint8_t)(c >> 8);
	ip[23] = (uint8_t)c;
	c = pkt_csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	struct nat_tuple t = { 0x0100000a, 0x0200000a, 0, 0 };
	assert_int_equal(nat_rewrite(ip, sizeof(ip), &t), 0);
	assert_int_equal(rd16(ip + 22), 0xffff);
	assert_int_equal(pkt_csum(ip + 20, 8, 0), 0);
	assert_int_equal(pkt_csum(ip, 20, 0), 0);
}

static void udp_zero_checksum(void **st)
{
	uint8_t ip[100];
	size_t tot = build(ip, 17, 20);
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	ip[ihl + 6] = ip[ihl + 7] = 0; /* no checksum */
	struct nat_tuple t = { 0x01020304, 0x05060708, 0x1111, 0x2222 };
	assert_int_equal(nat_rewrite(ip, tot, &t), 0);
	assert_int_equal(rd16(ip + ihl + 6), 0);
	assert_int_equal(pkt_csum(ip, ihl, 0), 0);
	/* truncated */
	assert_int_equal(nat_rewrite(ip, ihl + 4, &t), -EINVAL);
}

/* A port unreachable from a router about a UDP datagram we sent out as
 * 5.5.5.5:2000 -> 9.9.9.9:53 is rewritten for the guest 10.0.0.2:1000. */
static void icmp_error(void **st)
{
	for (unsigned n = 0; n < 2000; n++) {
		uint8_t ip[200], q[100];
		uint8_t proto = n % 3 == 0 ? 6 : n % 3 == 1 ? 17 : 1;
		size_t qtot = build(q, proto, 12);
		struct nat_tuple sent = { 0x05050505, 0x09090909, 0xd007, 0x3500 };
		if (proto == 1) {
			size_t qihl = (size_t)(q[0] & 0xf) * 4;
			q[qihl] = 8;
			sent.dport = sent.sport;
		}
		assert_int_equal(nat_rewrite(q, qtot, &sent), 0);
		size_t quoted = n % 2 ? qtot : ((size_t)(q[0] & 0xf) * 4 + 8); /* all or 8 bytes */
		memset(ip, 0, sizeof(ip));
		ip[0] = 0x45;
		size_t tot = 20 + 8 + quoted;
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[8] = 64;
		ip[9] = 1;
		uint32_t router = n % 4 ? 0x0a0b0c0d : 0x09090909; /* a router, or the peer */
		memcpy(ip + 12, &router, 4);
		memcpy(ip + 16, &sent.src, 4);
		ip[20] = 3;
		ip[21] = 3;
		memcpy(ip + 28, q, quoted);
		uint16_t c = pkt_csum(ip + 20, tot - 20, 0);
		ip[22] = (uint8_t)(c >> 8);
		ip[23] = (uint8_t)c;
		c = pkt_csum(ip, 20, 0);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;

		uint8_t p;
		struct nat_tuple in;
		assert_int_equal(nat_icmp_error_inner(ip, tot, &p, &in), 0);
		assert_int_equal(p, proto);
		assert_memory_equal(&in, &sent, sizeof(in));
		struct nat_tuple orig = { 0x0200000a, 0x09090909, 0xe803, 0x3500 };
		if (proto == 1)
			orig.dport = orig.sport;
		assert_int_equal(nat_rewrite_icmp_error(ip, tot, orig.src, &orig), 0);
		assert_int_equal(pkt_csum(ip, 20, 0), 0);
		assert_int_equal(pkt_csum(ip + 20, tot - 20, 0), 0);
		assert_memory_equal(ip + 16, &orig.src, 4);
		assert_memory_equal(ip + 12, &router, 4);
		assert_int_equal(nat_icmp_error_inner(ip, tot, &p, &in), 0);
		assert_memory_equal(&in, &orig, sizeof(in));
		/* the quoted header's checksum, and the quoted L4 checksum when whole */
		assert_int_equal(pkt_csum(ip + 28, (size_t)(q[0] & 0xf) * 4, 0), 0);
		if (quoted == qtot && proto != 1)
			assert_int_equal(l4_sum(ip + 28, qtot - (size_t)(q[0] & 0xf) * 4), 0);
	}
	uint8_t echo[64] = { 0x45 };
	echo[9] = 1;
	echo[20] = 8;
	uint8_t p;
	struct nat_tuple in;
	assert_int_equal(nat_icmp_error_inner(echo, sizeof(echo), &p, &in), -EINVAL);
}

static void mapping(void **st)
{
	/* 2 addresses, 64 ports */
	struct nat_map *m = nat_map_create(0xc6336401, 0xc6336402, 1024, 1087);
	assert_non_null(m);
	assert_null(nat_map_create(1, 100, 1024, 2000)); /* too many addresses */
	uint32_t ip1, ip2;
	uint16_t p1, p2;
	uint32_t g = __builtin_bswap32(0x0a000002);
	uint16_t gp = __builtin_bswap16(40000);
	assert_int_equal(nat_map_get(m, 6, g, gp, 0, NULL, NULL, &ip1, &p1), 0);
	/* endpoint independent: the same again (any destination) */
	assert_int_equal(nat_map_get(m, 6, g, gp, 0, NULL, NULL, &ip2, &p2), 0);
	assert_int_equal(ip1, ip2);
	assert_int_equal(p1, p2);
	assert_in_range(__builtin_bswap16(p1), 1024, 1087);
	assert_in_range(__builtin_bswap32(ip1), 0xc6336401, 0xc6336402);
	/* another port of the same guest: the same address (paired), another port */
	assert_int_equal(nat_map_get(m, 6, g, (uint16_t)(gp + 1), 0, NULL, NULL, &ip2, &p2), 0);
	assert_int_equal(ip1, ip2);
	assert_int_not_equal(p1, p2);
	/* UDP has its own space */
	assert_int_equal(nat_map_get(m, 17, g, gp, 0, NULL, NULL, &ip2, &p2), 0);
	assert_int_equal(nat_map_count(m), 3);
	/* try 1: the next free candidate, not the mapping */
	uint16_t p3;
	assert_int_equal(nat_map_get(m, 6, g, gp, 1, NULL, NULL, &ip2, &p3), 0);
	assert_int_not_equal(p3, p1);
	nat_map_put(m, 6, ip2, p3);
	/* released after as many puts as gets */
	nat_map_put(m, 6, ip1, p1);
	assert_int_equal(nat_map_count(m), 3);
	nat_map_put(m, 6, ip1, p1);
	assert_int_equal(nat_map_count(m), 2);
	nat_map_put(m, 6, ip1, p1); /* once too often: nothing */
	assert_int_equal(nat_map_count(m), 2);
	nat_map_free(m);
}

/* A mapping reached through released ones is still found (tombstones keep
 * the probe chains): endpoint independence after churn. */
static void mapping_after_release(void **st)
{
	for (unsigned round = 0; round < 50; round++) {
		struct nat_map *m = nat_map_create(0xc6336401, 0xc6336401, 3000, 3007); /* 8 ports */
		uint32_t ip[6], g = 0x0200000a + (round << 24);
		uint16_t p[6], q;
		for (uint16_t i = 0; i < 6; i++)
			assert_int_equal(nat_map_get(m, 17, g, (uint16_t)(i + 7 * round), 0, NULL, NULL,
						     &ip[i], &p[i]), 0);
		for (uint16_t i = 0; i < 6; i += 2)
			nat_map_put(m, 17, ip[i], p[i]);
		assert_int_equal(nat_map_count(m), 3);
		for (uint16_t i = 1; i < 6; i += 2) {
			uint32_t x;
			assert_int_equal(nat_map_get(m, 17, g, (uint16_t)(i + 7 * round), 0, NULL, NULL,
						     &x, &q), 0);
			assert_int_equal(q, p[i]);
		}
		assert_int_equal(nat_map_count(m), 3);
		nat_map_free(m);
	}
}

static bool veto_all(void *o, uint32_t ip, uint16_t port)
{
	(*(unsigned *)o)++;
	return true;
}

static void exhaustion(void **st)
{
	struct nat_map *m = nat_map_create(0xc6336401, 0xc6336401, 2000, 2003); /* 4 ports */
	uint32_t ip;
	uint16_t p;
	unsigned got = 0;
	for (uint16_t i = 0; i < 10; i++)
		got += nat_map_get(m, 17, 0x0200000a, i, 0, NULL, NULL, &ip, &p) == 0;
	assert_int_equal(got, 4);
	assert_int_equal(nat_map_get(m, 17, 0x0200000a, 99, 0, NULL, NULL, &ip, &p), -ENOSPC);
	unsigned asked = 0;
	assert_int_equal(nat_map_get(m, 6, 0x0200000a, 99, 0, veto_all, &asked, &ip, &p), -ENOSPC);
	assert_int_equal(asked, 4);
	assert_int_equal(nat_map_get(m, 99, 0x0200000a, 99, 0, NULL, NULL, &ip, &p), -EPROTONOSUPPORT);
	nat_map_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_headers),
		cmocka_unit_test(icmp_all_zero),
		cmocka_unit_test(udp_zero_checksum),
		cmocka_unit_test(icmp_error),
		cmocka_unit_test(mapping),
		cmocka_unit_test(mapping_after_release),
		cmocka_unit_test(exhaustion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
