/* control/l3.c: libvirt's <forward> as the dataplane's L3 configuration. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "control/l3.h"

static struct nx_network *parse(const char *xml)
{
	struct nx_network *n = NULL;
	char err[256];
	int rc = nx_parse(xml, strlen(xml), &n, err, sizeof(err));
	if (rc < 0)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	return n;
}

static void nat_default(void **s)
{
	struct nx_network *n = parse("<network><name>default</name><forward mode='nat'/>"
				     "<ip address='192.168.122.1' netmask='255.255.255.0'/></network>");
	struct dp_net_l3 c;
	assert_int_equal(l3_config(n, 7, &c), 0);
	assert_int_equal(c.mode, DP_FWD_NAT);
	assert_int_equal(c.prefix, inet_addr("192.168.122.0"));
	assert_int_equal(c.plen, 24);
	assert_int_equal(c.uplink, 7);
	assert_int_equal(c.nat_addr_min, 0); /* the uplink's address */
	assert_int_equal(c.nat_port_min, 0); /* 1024-65535 */
	nx_free(n);
}

static void nat_range(void **s)
{
	struct nx_network *n = parse(
		"<network><name>n</name><forward mode='nat'><nat>"
		"<address start='198.51.100.10' end='198.51.100.13'/><port start='20000' end='29999'/>"
		"</nat></forward><ip address='10.1.0.1' prefix='16'/></network>");
	struct dp_net_l3 c;
	assert_int_equal(l3_config(n, DP_PORT_NONE, &c), 0);
	assert_int_equal(c.mode, DP_FWD_NAT);
	assert_int_equal(c.prefix, inet_addr("10.1.0.0"));
	assert_int_equal(c.plen, 16);
	assert_int_equal(c.nat_addr_min, 0xc633640a);
	assert_int_equal(c.nat_addr_max, 0xc633640d);
	assert_int_equal(c.nat_port_min, 20000);
	assert_int_equal(c.nat_port_max, 29999);
	nx_free(n);
	/* more than 16 addresses: the dataplane's allocator takes no more */
	n = parse("<network><name>n</name><forward mode='nat'><nat>"
		  "<address start='198.51.100.10' end='198.51.100.200'/>"
		  "</nat></forward><ip address='10.1.0.1' prefix='16'/></network>");
	assert_int_equal(l3_config(n, DP_PORT_NONE, &c), -EINVAL);
	nx_free(n);
}

static void modes(void **s)
{
	static const struct { const char *fwd; int mode; } t[] = {
		{ "", DP_FWD_ISOLATED },
		{ "<forward mode='route'/>", DP_FWD_ROUTE },
		{ "<forward mode='open'/>", DP_FWD_OPEN },
		{ "<forward/>", DP_FWD_NAT },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char xml[512];
		snprintf(xml, sizeof(xml),
			 "<network><name>m</name>%s<ip address='10.2.0.1' prefix='24'/></network>",
			 t[i].fwd);
		struct nx_network *n = parse(xml);
		struct dp_net_l3 c;
		assert_int_equal(l3_config(n, 1, &c), 0);
		assert_int_equal(c.mode, t[i].mode);
		nx_free(n);
	}
	/* NAT on an IPv6-only network: nothing the IPv4 dataplane routes */
	struct nx_network *n = parse("<network><name>m</name><forward mode='nat'/>"
				     "<ip family='ipv6' address='2001:db8::1' prefix='64'/></network>");
	struct dp_net_l3 c;
	assert_int_equal(l3_config(n, 1, &c), 0);
	assert_int_equal(c.mode, DP_FWD_ISOLATED);
	nx_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nat_default),
		cmocka_unit_test(nat_range),
		cmocka_unit_test(modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
