/* test_portsec — port security verdicts on hand-built frames: source MAC
 * and IPv4 spoofing, allowed address pairs (MAC, prefix), ARP sender
 * fields, DHCP from 0.0.0.0, DHCP server replies and spoofed chaddr, IPv6
 * router advertisements (also behind an extension header), and a port with
 * no known address (MAC checked only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/portsec.h"

static const uint8_t PMAC[6] = { 0x52, 0x54, 0, 0, 0, 1 };
static const uint8_t PAIRMAC[6] = { 0x52, 0x54, 0, 0, 0, 9 };
static const uint8_t OTHER[6] = { 0x52, 0x54, 0, 0, 0, 2 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct portsec_conf conf(bool with_ips)
{
	struct portsec_conf c = { .enabled = true, .n_macs = 2 };
	memcpy(c.macs[0], PMAC, 6);
	memcpy(c.macs[1], PAIRMAC, 6);
	if (with_ips) {
		c.n_ips = 2;
		c.ips[0] = (struct portsec_ip){ 0, inet_addr("10.0.0.5"), 0xffffffffu };
		/* a pair: 10.1.0.0/16 behind PAIRMAC */
		c.ips[1] = (struct portsec_ip){ 1, inet_addr("10.1.0.0"), htonl(0xffff0000u) };
	}
	return c;
}

static size_t eth(uint8_t *f, const uint8_t *src, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

/* Ethernet + IPv4 + UDP (+ a BOOTP body with chaddr when dport 67/68). */
static size_t udp4(uint8_t *f, const uint8_t *smac, const char *src, uint16_t sport,
		   uint16_t dport, const uint8_t *chaddr)
{
	size_t o = eth(f, smac, BCAST, 0x0800);
	uint8_t *ip = f + o;
	memset(ip, 0, 20 + 8 + 240);
	ip[0] = 0x45;
	ip[9] = 17;
	uint32_t s = inet_addr(src), d = 0xffffffffu;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	uint8_t *u = ip + 20;
	u[0] = (uint8_t)(sport >> 8), u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8), u[3] = (uint8_t)dport;
	if (chaddr)
		memcpy(u + 8 + 28, chaddr, 6);
	return o + 20 + 8 + 240;
}

static size_t arp(uint8_t *f, const uint8_t *smac, const uint8_t *sha, const char *spa)
{
	size_t o = eth(f, smac, BCAST, 0x0806);
	uint8_t *a = f + o;
	memset(a, 0, 28);
	a[1] = 1, a[2] = 0x08, a[4] = 6, a[5] = 4, a[7] = 2; /* reply */
	memcpy(a + 8, sha, 6);
	uint32_t ip = inet_addr(spa);
	memcpy(a + 14, &ip, 4);
	return o + 28;
}

static enum portsec_verdict run(const struct portsec_conf *c, const uint8_t *f, size_t len)
{
	struct pkt_meta m;
	assert_int_equal(pkt_parse(f, len, false, &m), 0);
	return portsec_check(c, f, len, &m);
}

static void source_mac_and_ip(void **s)
{
	struct portsec_conf c = conf(true);
	uint8_t f[600];
	assert_int_equal(run(&c, f, udp4(f, PMAC, "10.0.0.5", 1000, 53, NULL)), PORTSEC_PASS);
	assert_int_equal(run(&c, f, udp4(f, OTHER, "10.0.0.5", 1000, 53, NULL)), PORTSEC_SPOOF_MAC);
	assert_int_equal(run(&c, f, udp4(f, PMAC, "10.0.0.6", 1000, 53, NULL)), PORTSEC_SPOOF_IP);
	/* the pair's prefix, with the pair's MAC only */
	assert_int_equal(run(&c, f, udp4(f, PAIRMAC, "10.1.200.3", 1000, 53, NULL)), PORTSEC_PASS);
	assert_int_equal(run(&c, f, udp4(f, PMAC, "10.1.200.3", 1000, 53, NULL)), PORTSEC_SPOOF_IP);
	assert_int_equal(run(&c, f, udp4(f, PAIRMAC, "10.2.0.1", 1000, 53, NULL)), PORTSEC_SPOOF_IP);
	/* 0.0.0.0 only for DHCP */
	assert_int_equal(run(&c, f, udp4(f, PMAC, "0.0.0.0", 1000, 53, NULL)), PORTSEC_SPOOF_IP);
	/* non-IP frames: the MAC alone */
	size_t n = eth(f, PMAC, BCAST, 0x88cc);
	memset(f + n, 0, 46);
	assert_int_equal(run(&c, f, n + 46), PORTSEC_PASS);
	n = eth(f, OTHER, BCAST, 0x88cc);
	assert_int_equal(run(&c, f, n + 46), PORTSEC_SPOOF_MAC);
}

static void no_known_address(void **s)
{
	struct portsec_conf c = conf(false);
	uint8_t f[600];
	assert_int_equal(run(&c, f, udp4(f, PMAC, "192.0.2.77", 1000, 53, NULL)), PORTSEC_PASS);
	assert_int_equal(run(&c, f, udp4(f, OTHER, "192.0.2.77", 1000, 53, NULL)), PORTSEC_SPOOF_MAC);
	assert_int_equal(run(&c, f, udp4(f, PMAC, "192.0.2.77", 67, 68, PMAC)), PORTSEC_DHCP_SERVER);
}

static void arp_sender(void **s)
{
	struct portsec_conf c = conf(true);
	uint8_t f[64];
	assert_int_equal(run(&c, f, arp(f, PMAC, PMAC, "10.0.0.5")), PORTSEC_PASS);
	assert_int_equal(run(&c, f, arp(f, PMAC, PMAC, "0.0.0.0")), PORTSEC_PASS); /* probe */
	/* poisoning: another guest's address, or another MAC inside */
	assert_int_equal(run(&c, f, arp(f, PMAC, PMAC, "10.0.0.7")), PORTSEC_SPOOF_ARP);
	assert_int_equal(run(&c, f, arp(f, PMAC, OTHER, "10.0.0.5")), PORTSEC_SPOOF_ARP);
	assert_int_equal(run(&c, f, arp(f, PAIRMAC, PAIRMAC, "10.1.0.9")), PORTSEC_PASS);
	/* not Ethernet/IPv4 ARP */
	size_t n = arp(f, PMAC, PMAC, "10.0.0.5");
	f[14 + 4] = 8;
	assert_int_equal(run(&c, f, n), PORTSEC_SPOOF_ARP);
}

static void dhcp(void **s)
{
	struct portsec_conf c = conf(true);
	uint8_t f[600];
	assert_int_equal(run(&c, f, udp4(f, PMAC, "0.0.0.0", 68, 67, PMAC)), PORTSEC_PASS);
	assert_int_equal(run(&c, f, udp4(f, PMAC, "10.0.0.5", 68, 67, PMAC)), PORTSEC_PASS);
	/* starvation: a DISCOVER for an invented client */
	assert_int_equal(run(&c, f, udp4(f, PMAC, "0.0.0.0", 68, 67, OTHER)), PORTSEC_DHCP_SPOOF);
	/* a rogue server's ACK */
	assert_int_equal(run(&c, f, udp4(f, PMAC, "10.0.0.5", 67, 68, OTHER)), PORTSEC_DHCP_SERVER);
	/* truncated before chaddr */
	size_t n = udp4(f, PMAC, "0.0.0.0", 68, 67, PMAC);
	assert_int_equal(run(&c, f, n - 240 + 20), PORTSEC_DHCP_SPOOF);
}

static size_t ipv6(uint8_t *f, uint8_t nh, const uint8_t *l4, size_t l4len, bool hbh)
{
	size_t o = eth(f, PMAC, BCAST, 0x86dd);
	memset(f + o, 0, 40);
	f[o] = 0x60;
	f[o + 6] = hbh ? 0 : nh;
	o += 40;
	if (hbh) {
		memset(f + o, 0, 8);
		f[o] = nh;
		o += 8;
	}
	memcpy(f + o, l4, l4len);
	return o + l4len;
}

static void ipv6_ra(void **s)
{
	struct portsec_conf c = conf(true);
	uint8_t f[200], ra[16] = { 134 }, rs[16] = { 133 }, dhcp6[8] = { 2, 35, 2, 34 };
	assert_int_equal(run(&c, f, ipv6(f, 58, ra, sizeof(ra), false)), PORTSEC_GUEST_RA);
	assert_int_equal(run(&c, f, ipv6(f, 58, ra, sizeof(ra), true)), PORTSEC_GUEST_RA);
	assert_int_equal(run(&c, f, ipv6(f, 58, rs, sizeof(rs), false)), PORTSEC_PASS);
	assert_int_equal(run(&c, f, ipv6(f, 17, dhcp6, sizeof(dhcp6), false)), PORTSEC_DHCP_SERVER);
	/* truncated extension header: not read past the end */
	size_t n = ipv6(f, 58, ra, sizeof(ra), true);
	assert_int_equal(run(&c, f, n - 16 - 4), PORTSEC_PASS);
}

static void conf_equal(void **s)
{
	struct portsec_conf a = conf(true), b = conf(true);
	assert_true(portsec_conf_equal(&a, &b));
	b.ips[1].mask = 0;
	assert_false(portsec_conf_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(source_mac_and_ip), cmocka_unit_test(no_known_address),
		cmocka_unit_test(arp_sender),        cmocka_unit_test(dhcp),
		cmocka_unit_test(ipv6_ra),           cmocka_unit_test(conf_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
