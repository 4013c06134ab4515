/* The dataplane's control side: network/port lifecycle, snapshot
 * publication to a live worker, grace periods, counters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_rcu_qsbr.h>

#include "dataplane/dp_internal.h"
#include "eal_env.h"

static struct dp *dp;

static int setup(void **s)
{
	struct dp_params p = { .n_workers = 1, .worker_lcores = { 1 }, .mbufs = 2048,
			       .flow_entries = 1024, .fdb_entries = 256, .ageing_secs = 300,
			       .flow_idle_secs = 10, .idle_us = 200 };
	dp = dp_create(&p);
	if (!dp || dp_start(dp) < 0)
		return -1;
	return 0;
}

static int teardown(void **s)
{
	dp_free(dp);
	dp = NULL;
	return 0;
}

static const struct dp_snapshot *published(void)
{
	return __atomic_load_n(&dp->snap, __ATOMIC_ACQUIRE);
}

static void lifecycle(void **s)
{
	uint16_t n1, n2, p1, p2, p3;
	struct dp_port_params pp = { .learning = true, .has_mac = true,
				     .mac = { 0x52, 0x54, 0, 0, 0, 1 } };
	assert_int_equal(dp_net_create(dp, &n1), 0);
	assert_int_equal(dp_net_create(dp, &n2), 0);
	assert_int_not_equal(n1, n2);
	assert_false(published()->net[n1].active);
	assert_int_equal(dp_net_set_active(dp, n1, true), 0);
	assert_true(published()->net[n1].active);

	pp.net = n1;
	assert_int_equal(dp_port_create(dp, &pp, &p1), 0);
	assert_int_equal(dp_port_create(dp, &pp, &p2), -EADDRINUSE); /* same MAC, same net */
	pp.mac[5] = 2;
	assert_int_equal(dp_port_create(dp, &pp, &p2), 0);
	pp.net = n2; /* the same MAC in another network is fine */
	assert_int_equal(dp_port_create(dp, &pp, &p3), 0);
	pp.net = 63;
	assert_int_equal(dp_port_create(dp, &pp, &p3), -ENOENT);
	pp.net = n1;
	pp.mac[0] = 0x01;
	assert_int_equal(dp_port_create(dp, &pp, &p3), -EINVAL); /* multicast MAC */

	const struct dp_snapshot *sn = published();
	assert_int_equal(sn->net[n1].n_ports, 2);
	assert_int_equal(sn->n_active, 3);
	assert_int_equal(fdb_lookup(sn->net[n1].fdb, (const uint8_t *)"\x52\x54\x00\x00\x00\x02", NULL), p2);

	assert_int_equal(dp_net_destroy(dp, n1), -EBUSY);
	uint32_t epoch = published()->port[p1].epoch;
	assert_int_equal(dp_net_set_active(dp, n1, false), 0);
	assert_true(published()->port[p1].epoch != epoch); /* flows of p1 reclassify */
	assert_int_equal(dp_port_destroy(dp, p1), 0);
	assert_int_equal(dp_port_destroy(dp, p1), -ENOENT);
	assert_int_equal(dp_port_destroy(dp, p2), 0);
	assert_int_equal(dp_net_destroy(dp, n1), 0);
	assert_int_equal(dp_net_destroy(dp, n1), -ENOENT);
	assert_int_equal(published()->n_active, 1);
}

static void publication_reaches_worker(void **s)
{
	/* Hundreds of snapshots published while the worker runs and sleeps:
	 * each commit waits for a grace period, so the worker keeps reading
	 * valid snapshots (a use-after-free here crashes the test). */
	uint16_t n, p;
	struct dp_port_params pp = { .learning = true };
	assert_int_equal(dp_net_create(dp, &n), 0);
	pp.net = n;
	uint64_t gen0 = published()->gen;
	for (int i = 0; i < 300; i++) {
		assert_int_equal(dp_port_create(dp, &pp, &p), 0);
		assert_int_equal(dp_net_set_active(dp, n, i & 1), 0);
		assert_int_equal(dp_port_destroy(dp, p), 0);
	}
	assert_int_equal(published()->gen, gen0 + 900);
	struct dp_stats st;
	dp_stats(dp, &st);
	assert_true(st.loops > 0);
	assert_true(st.sleeps > 0);  /* idle: the worker sleeps ... */
	assert_true(st.wakeups > 0); /* ... and each publication wakes it */
	assert_int_equal(dp_net_destroy(dp, n), 0);
}

static void detach_waits_for_grace_period(void **s)
{
	/* dp_port_detach must not return while a worker may hold the device:
	 * check that the worker's quiescent counter moved past the detach. */
	uint16_t n, p;
	struct dp_port_params pp = { .learning = true };
	dp_net_create(dp, &n);
	pp.net = n;
	dp_port_create(dp, &pp, &p);
	uint64_t t = rte_rcu_qsbr_start(dp->qsbr);
	dp_port_detach(dp, p);
	assert_int_equal(rte_rcu_qsbr_check(dp->qsbr, t, false), 1);
	assert_false(dp_port_attached(dp, p));
	dp_port_destroy(dp, p);
	dp_net_destroy(dp, n);
}

static void counters_reset_on_slot_reuse(void **s)
{
	uint16_t n, p, q;
	struct dp_port_params pp = { .learning = true };
	struct dp_port_stats st;
	dp_net_create(dp, &n);
	pp.net = n;
	dp_port_create(dp, &pp, &p);
	dp->w[0]->port[p].rx_packets = 42; /* as if traffic had passed */
	dp_port_stats(dp, p, &st);
	assert_int_equal(st.rx_packets, 42);
	dp_port_destroy(dp, p);
	dp_port_create(dp, &pp, &q);
	assert_int_equal(q, p);
	dp_port_stats(dp, q, &st);
	assert_int_equal(st.rx_packets, 0);
	dp_port_destroy(dp, q);
	dp_net_destroy(dp, n);
}

int main(void)
{
	if (test_eal_init() < 0)
		return 1;
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(publication_reaches_worker, setup, teardown),
		cmocka_unit_test_setup_teardown(detach_waits_for_grace_period, setup, teardown),
		cmocka_unit_test_setup_teardown(counters_reset_on_slot_reuse, setup, teardown),
	};
	return cmocka_run_group_tests_name("dp", t, NULL, NULL);
}
