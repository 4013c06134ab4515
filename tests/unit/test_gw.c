#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/gw.h"
#include "dataplane/pkt.h"

static const uint8_t GWMAC[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };
static const uint8_t VM[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x07 };
static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct gw_conf conf(void)
{
	struct gw_conf g = { .dhcp = true };
	inet_pton(AF_INET, "192.168.122.1", &g.ip);
	memcpy(g.mac, GWMAC, 6);
	return g;
}

static size_t arp(uint8_t *f, const uint8_t *dst, uint16_t op, const char *spa, const char *tpa)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, VM, 6);
	f[12] = 0x08; f[13] = 0x06;
	uint8_t *a = f + 14;
	a[1] = 1; a[2] = 8; a[4] = 6; a[5] = 4; a[7] = (uint8_t)op;
	memcpy(a + 8, VM, 6);
	inet_pton(AF_INET, spa, a + 14);
	inet_pton(AF_INET, tpa, a + 24);
	return 60;
}

static enum gw_verdict run(uint8_t *f, size_t len, enum gw_drop *why)
{
	struct pkt_meta m;
	struct gw_conf g = conf();
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	return gw_process(f, len, &m, &g, why);
}

static void arp_request_for_gateway_is_answered(void **s)
{
	uint8_t f[64];
	enum gw_drop why;
	size_t len = arp(f, BC, 1, "192.168.122.7", "192.168.122.1");
	assert_int_equal(run(f, len, &why), GW_REPLY);
	assert_memory_equal(f, VM, 6);           /* to the asker */
	assert_memory_equal(f + 6, GWMAC, 6);
	assert_int_equal(f[14 + 7], 2);          /* reply */
	assert_memory_equal(f + 14 + 8, GWMAC, 6); /* sha */
	uint8_t ip[4];
	inet_pton(AF_INET, "192.168.122.1", ip);
	assert_memory_equal(f + 14 + 14, ip, 4); /* spa */
	assert_memory_equal(f + 14 + 18, VM, 6); /* tha */
	inet_pton(AF_INET, "192.168.122.7", ip);
	assert_memory_equal(f + 14 + 24, ip, 4); /* tpa */
}

static void probe_for_gateway_is_defended(void **s)
{
	uint8_t f[64];
	enum gw_drop why;
	size_t len = arp(f, BC, 1, "0.0.0.0", "192.168.122.1");
	assert_int_equal(run(f, len, &why), GW_REPLY);
}

static void guests_arp_passes(void **s)
{
	uint8_t f[64], orig[64];
	enum gw_drop why;
	/* request for another guest, gratuitous ARP and a probe for a guest address */
	const char *cases[][2] = { { "192.168.122.7", "192.168.122.9" },
				   { "192.168.122.7", "192.168.122.7" },
				   { "0.0.0.0", "192.168.122.7" } };
	for (int i = 0; i < 3; i++) {
		size_t len = arp(f, BC, 1, cases[i][0], cases[i][1]);
		memcpy(orig, f, len);
		assert_int_equal(run(f, len, &why), GW_PASS);
		assert_memory_equal(f, orig, len); /* untouched */
	}
	size_t len = arp(f, BC, 2, "192.168.122.7", "192.168.122.7"); /* gratuitous reply */
	assert_int_equal(run(f, len, &why), GW_PASS);
}

static void claiming_gateway_address_is_dropped(void **s)
{
	uint8_t f[64];
	enum gw_drop why;
	size_t len = arp(f, BC, 1, "192.168.122.1", "192.168.122.1");
	assert_int_equal(run(f, len, &why), GW_DROP);
	assert_int_equal(why, GW_DROP_CONFLICT);
	len = arp(f, BC, 2, "192.168.122.1", "192.168.122.7");
	assert_int_equal(run(f, len, &why), GW_DROP);
	assert_int_equal(why, GW_DROP_CONFLICT);
}

static size_t icmp(uint8_t *f, const char *dst, uint8_t type, size_t payload)
{
	size_t tot = 20 + 8 + payload;
	memset(f, 0, 14 + tot);
	memcpy(f, GWMAC, 6);
	memcpy(f + 6, VM, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45; ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot; ip[8] = 63; ip[9] = 1;
	inet_pton(AF_INET, "192.168.122.7", ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	uint16_t c = pkt_csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
	uint8_t *ic = ip + 20;
	ic[0] = type; ic[4] = 0x12; ic[5] = 0x34; ic[7] = 1;
	for (size_t i = 0; i < payload; i++)
		ic[8 + i] = (uint8_t)(i * 7);
	c = pkt_csum(ic, 8 + payload, 0);
	ic[2] = (uint8_t)(c >> 8); ic[3] = (uint8_t)c;
	return 14 + tot;
}

static void echo_is_answered_with_valid_checksums(void **s)
{
	uint8_t f[1600];
	enum gw_drop why;
	size_t sizes[] = { 0, 1, 56, 1472 };
	for (int i = 0; i < 4; i++) {
		size_t len = icmp(f, "192.168.122.1", 8, sizes[i]);
		assert_int_equal(run(f, len, &why), GW_REPLY);
		uint8_t *ip = f + 14;
		assert_memory_equal(f, VM, 6);
		assert_memory_equal(f + 6, GWMAC, 6);
		assert_int_equal(ip[20], 0); /* echo reply */
		assert_int_equal(pkt_csum(ip, 20, 0), 0); /* IP checksum verifies */
		assert_int_equal(pkt_csum(ip + 20, 8 + sizes[i], 0), 0); /* ICMP checksum verifies */
		uint8_t a[4];
		inet_pton(AF_INET, "192.168.122.7", a);
		assert_memory_equal(ip + 16, a, 4);
		assert_int_equal(ip[25], 0x34); /* id kept */
	}
}

static void other_ip_to_gateway_mac(void **s)
{
	uint8_t f[200];
	enum gw_drop why;
	size_t len = icmp(f, "8.8.8.8", 8, 8); /* needs routing: not yet */
	assert_int_equal(run(f, len, &why), GW_DROP);
	assert_int_equal(why, GW_DROP_NO_ROUTE);
	len = icmp(f, "192.168.122.1", 0, 8); /* an echo reply to the gateway */
	assert_int_equal(run(f, len, &why), GW_DROP);
	assert_int_equal(why, GW_DROP_NONE);
}

static void dhcp_is_punted(void **s)
{
	uint8_t f[300];
	enum gw_drop why;
	memset(f, 0, sizeof(f));
	memcpy(f, BC, 6);
	memcpy(f + 6, VM, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45; ip[2] = 1; ip[3] = 0x10; ip[9] = 17;
	memset(ip + 16, 0xff, 4);
	ip[20] = 0; ip[21] = 68; ip[22] = 0; ip[23] = 67;
	assert_int_equal(run(f, 14 + 272, &why), GW_PUNT);
	ip[23] = 53; /* broadcast UDP that is not DHCP: switched */
	assert_int_equal(run(f, 14 + 272, &why), GW_PASS);
}

static size_t dhcp_frame(uint8_t *f)
{
	memset(f, 0, 300);
	memcpy(f, BC, 6);
	memcpy(f + 6, VM, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45; ip[2] = 1; ip[3] = 0x10; ip[9] = 17;
	memset(ip + 16, 0xff, 4);
	ip[20] = 0; ip[21] = 68; ip[22] = 0; ip[23] = 67;
	return 14 + 272;
}

/* <ip> without <dhcp>: a guest's DHCP is switched, to a server a guest runs */
static void dhcp_passes_when_not_served(void **s)
{
	uint8_t f[300];
	enum gw_drop why;
	struct pkt_meta m;
	struct gw_conf g = conf();
	size_t len = dhcp_frame(f);
	g.dhcp = false;
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_PASS);
	memcpy(f, GWMAC, 6); /* unicast to the gateway that serves no DHCP */
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_DROP);
	assert_int_equal(why, GW_DROP_NO_ROUTE);
}

/* A multicast or zero source is never answered or punted: the switch
 * drops it as src_mcast. */
static void bad_source_is_left_to_the_switch(void **s)
{
	static const uint8_t srcs[][6] = {
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
		{ 0, 0, 0, 0, 0, 0 },
	};
	uint8_t f[300];
	enum gw_drop why;
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		size_t len = dhcp_frame(f);
		memcpy(f + 6, srcs[i], 6);
		assert_int_equal(run(f, len, &why), GW_PASS);
		len = arp(f, BC, 1, "192.168.122.7", "192.168.122.1");
		memcpy(f + 6, srcs[i], 6);
		assert_int_equal(run(f, len, &why), GW_PASS);
		len = arp(f, GWMAC, 1, "192.168.122.7", "192.168.122.1");
		memcpy(f + 6, srcs[i], 6);
		assert_int_equal(run(f, len, &why), GW_PASS);
		assert_memory_equal(f + 6, srcs[i], 6); /* untouched */
	}
}

static void no_gateway_passes_everything(void **s)
{
	uint8_t f[64];
	enum gw_drop why;
	struct pkt_meta m;
	struct gw_conf g = { 0 };
	size_t len = arp(f, BC, 1, "192.168.122.7", "192.168.122.1");
	pkt_parse(f, len, true, &m);
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_PASS);
}

/* DNS to the gateway's address and MAC (UDP and TCP 53) is punted when the
 * network serves DNS; otherwise, or to another address, it is not. */
static void dns_to_gateway_is_punted(void **s)
{
	uint8_t f[128];
	enum gw_drop why;
	struct pkt_meta m;
	struct gw_conf g = conf();
	memset(f, 0, sizeof(f));
	memcpy(f, GWMAC, 6);
	memcpy(f + 6, VM, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45; ip[3] = 60; ip[8] = 64; ip[9] = 17;
	ip[12] = 192; ip[13] = 168; ip[14] = 122; ip[15] = 7;
	memcpy(ip + 16, &g.ip, 4);
	ip[20] = 0x9c; ip[21] = 0x40; ip[22] = 0; ip[23] = 53;
	size_t len = 14 + 60;
	g.dns = true;
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_PUNT);
	ip[9] = 6; /* TCP */
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_PUNT);
	g.dns = false; /* <dns enable='no'>: dropped as any IP to the gateway */
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_DROP);
	assert_int_equal(why, GW_DROP_NO_ROUTE);
	g.dns = true;
	ip[23] = 54; /* another port */
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_DROP);
	ip[23] = 53;
	ip[19] = 99; /* another address behind the gateway MAC: not for our DNS */
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_DROP);
	memcpy(ip + 16, &g.ip, 4);
	memset(f, 0xff, 6); /* broadcast MAC: not punted */
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(gw_process(f, len, &m, &g, &why), GW_PASS);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(arp_request_for_gateway_is_answered),
		cmocka_unit_test(probe_for_gateway_is_defended),
		cmocka_unit_test(guests_arp_passes),
		cmocka_unit_test(claiming_gateway_address_is_dropped),
		cmocka_unit_test(echo_is_answered_with_valid_checksums),
		cmocka_unit_test(other_ip_to_gateway_mac),
		cmocka_unit_test(dhcp_is_punted),
		cmocka_unit_test(no_gateway_passes_everything),
		cmocka_unit_test(dhcp_passes_when_not_served),
		cmocka_unit_test(bad_source_is_left_to_the_switch),
		cmocka_unit_test(dns_to_gateway_is_punted),
	};
	return cmocka_run_group_tests_name("gw", t, NULL, NULL);
}
