/* test_nl — control/host/nl.c's parsers on built netlink messages: which
 * route is the default one, when a neighbour counts as resolved. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <cmocka.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "control/host/nl.h"

static char buf[4096];

static struct nlmsghdr *route(uint8_t dst_len, uint32_t table, int oif, const char *gw,
			      int metric)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	struct rtmsg *rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
	rm->rtm_family = AF_INET;
	rm->rtm_dst_len = dst_len;
	rm->rtm_type = RTN_UNICAST;
	rm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_COMPAT;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (gw) {
		uint32_t a;
		inet_pton(AF_INET, gw, &a);
		mnl_attr_put(nlh, RTA_GATEWAY, 4, &a);
	}
	if (metric >= 0)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, (uint32_t)metric);
	return nlh;
}

static void default_route_lowest_metric_of_main(void **st)
{
	int oif = 0;
	uint32_t gw = 0, metric = UINT32_MAX, want;
	(void)st;
	assert_int_equal(nl_route_pick(route(0, RT_TABLE_MAIN, 3, "10.0.0.1", 100), &oif, &gw, &metric), 1);
	assert_int_equal(oif, 3);
	assert_int_equal(metric, 100);
	/* a worse metric, another table, a non-default route, no device: not taken */
	assert_int_equal(nl_route_pick(route(0, RT_TABLE_MAIN, 4, "10.0.0.2", 200), &oif, &gw, &metric), 0);
	assert_int_equal(nl_route_pick(route(0, 100, 5, "10.0.0.3", 1), &oif, &gw, &metric), 0);
	assert_int_equal(nl_route_pick(route(24, RT_TABLE_MAIN, 6, NULL, 0), &oif, &gw, &metric), 0);
	assert_int_equal(nl_route_pick(route(0, RT_TABLE_MAIN, 0, "10.0.0.4", 0), &oif, &gw, &metric), 0);
	/* a better one wins; no metric attribute is metric 0 */
	assert_int_equal(nl_route_pick(route(0, RT_TABLE_MAIN, 7, "10.0.0.7", -1), &oif, &gw, &metric), 1);
	inet_pton(AF_INET, "10.0.0.7", &want);
	assert_int_equal(oif, 7);
	assert_int_equal(gw, want);
	/* on-link default route (no gateway) */
	metric = UINT32_MAX;
	assert_int_equal(nl_route_pick(route(0, RT_TABLE_MAIN, 8, NULL, 0), &oif, &gw, &metric), 1);
	assert_int_equal(gw, 0);
}

static struct nlmsghdr *neigh(uint16_t state, const uint8_t *mac)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_INET;
	nd->ndm_state = state;
	if (mac)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nlh;
}

static void neighbour_states(void **st)
{
	static const uint8_t m[6] = { 2, 0, 0, 0, 0, 9 };
	uint8_t got[6] = { 0 };
	(void)st;
	assert_int_equal(nl_neigh_parse(neigh(NUD_REACHABLE, m), got), 0);
	assert_memory_equal(got, m, 6);
	assert_int_equal(nl_neigh_parse(neigh(NUD_STALE, m), got), 0);
	assert_int_equal(nl_neigh_parse(neigh(NUD_PERMANENT, m), got), 0);
	assert_int_equal(nl_neigh_parse(neigh(NUD_INCOMPLETE, NULL), got), -EAGAIN);
	assert_int_equal(nl_neigh_parse(neigh(NUD_FAILED, NULL), got), -EAGAIN);
	assert_int_equal(nl_neigh_parse(neigh(NUD_FAILED, m), got), -EAGAIN);
	assert_int_equal(nl_neigh_parse(neigh(NUD_REACHABLE, NULL), got), -EAGAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_route_lowest_metric_of_main),
		cmocka_unit_test(neighbour_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
