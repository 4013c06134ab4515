#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <stdbool.h>
#include <cmocka.h>

#include "dataplane/pkt.h"

static size_t udp_frame(uint8_t *f, bool vlan)
{
	static const uint8_t hdr[] = {
		0x52, 0x54, 0x00, 0x00, 0x00, 0x02, 0x52, 0x54, 0x00, 0x00, 0x00, 0x01,
	};
	size_t o = 0;
	memcpy(f, hdr, 12);
	o = 12;
	if (vlan) {
		f[o++] = 0x81; f[o++] = 0x00; f[o++] = 0x20; f[o++] = 0x0a; /* prio 1, vid 10 */
	}
	f[o++] = 0x08; f[o++] = 0x00;
	uint8_t ip[20] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	memcpy(f + o, ip, 20);
	o += 20;
	uint8_t udp[8] = { 0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0 }; /* 12345 -> 53 */
	memcpy(f + o, udp, 8);
	return o + 8;
}

static void parses_udp(void **s)
{
	uint8_t f[128];
	struct pkt_meta m;
	size_t len = udp_frame(f, false);
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(m.ethertype, PKT_ETH_P_IP);
	assert_int_equal(m.proto, 17);
	assert_int_equal(m.l3_off, 14);
	assert_int_equal(m.l4_off, 34);
	assert_memory_equal(&m.src_ip, "\x0a\x00\x00\x01", 4);
	assert_memory_equal(&m.dport, "\x00\x35", 2);
	assert_memory_equal(m.smac, "\x52\x54\x00\x00\x00\x01", 6);
}

static void parses_vlan(void **s)
{
	uint8_t f[128];
	struct pkt_meta m;
	size_t len = udp_frame(f, true);
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(m.vlan, 10);
	assert_int_equal(m.ethertype, PKT_ETH_P_IP);
	assert_int_equal(m.l3_off, 18);
}

static void rejects_truncated(void **s)
{
	uint8_t f[128];
	struct pkt_meta m;
	size_t len = udp_frame(f, false);
	assert_int_equal(pkt_parse(f, 13, false, &m), -EINVAL);
	assert_int_equal(pkt_parse(f, 14, false, &m), 0);       /* L2 only: fine */
	assert_int_equal(pkt_parse(f, 14 + 19, true, &m), -EINVAL);
	assert_int_equal(pkt_parse(f, len - 1, true, &m), -EINVAL); /* UDP header cut */
	f[14] = 0x44; /* IHL 16 bytes */
	assert_int_equal(pkt_parse(f, len, true, &m), -EINVAL);
	f[14] = 0x4f; /* IHL 60 > frame */
	assert_int_equal(pkt_parse(f, len, true, &m), -EINVAL);
}

static void later_fragment_has_no_ports(void **s)
{
	uint8_t f[128];
	struct pkt_meta m;
	size_t len = udp_frame(f, false);
	f[14 + 6] = 0x00;
	f[14 + 7] = 0x10; /* fragment offset 16 */
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	assert_int_equal(m.l4_off, 0);
	assert_int_equal(m.sport, 0);
}

static void key_shapes(void **s)
{
	uint8_t f[128];
	struct pkt_meta m;
	struct flow_key a, b;
	size_t len = udp_frame(f, false);
	assert_int_equal(sizeof(struct flow_key), 32);
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	pkt_key(&m, 7, PKT_SHAPE_L2, &a);
	f[34] = 0x99; /* other source port */
	assert_int_equal(pkt_parse(f, len, true, &m), 0);
	pkt_key(&m, 7, PKT_SHAPE_L2, &b);
	assert_memory_equal(&a, &b, sizeof(a)); /* L2 shape ignores L4 */
	pkt_key(&m, 7, PKT_SHAPE_L3, &b);
	assert_memory_not_equal(&a, &b, sizeof(a));
	assert_int_equal(a.in_port, 7);
	assert_int_equal(a.src_ip, 0);
}

static void mac_text(void **s)
{
	uint8_t mac[6];
	char out[18];
	assert_int_equal(pkt_mac_parse("52:54:00:AB:cd:0f", mac), 0);
	pkt_mac_format(mac, out);
	assert_string_equal(out, "52:54:00:ab:cd:0f");
	assert_int_equal(pkt_mac_parse("52:54:00:ab:cd", mac), -EINVAL);
	assert_int_equal(pkt_mac_parse("52:54:00:ab:cd:0f:11", mac), -EINVAL);
	assert_int_equal(pkt_mac_parse("52-54-00-ab-cd-0f", mac), -EINVAL);
	assert_int_equal(pkt_mac_parse("", mac), -EINVAL);
	assert_true(pkt_mac_is_multicast((const uint8_t *)"\x01\x00\x5e\x00\x00\x01"));
	assert_false(pkt_mac_is_multicast((const uint8_t *)"\x52\x54\x00\x00\x00\x01"));
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(parses_udp), cmocka_unit_test(parses_vlan),
		cmocka_unit_test(rejects_truncated), cmocka_unit_test(later_fragment_has_no_ports),
		cmocka_unit_test(key_shapes), cmocka_unit_test(mac_text),
	};
	return cmocka_run_group_tests_name("pkt", t, NULL, NULL);
}
