/* The dataplane's control side: network/port lifecycle, batched snapshot
 * publication to a live worker, deferred reclamation after grace periods
 * (checked with poisoned frees and a worker that never goes offline),
 * the punt budget, counters. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
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

/* A dataplane whose workers do not run: their eventfds and inject rings
 * are only touched by the test. */
static int setup_stopped(void **s)
{
	struct dp_params p = { .n_workers = 1, .worker_lcores = { 1 }, .mbufs = 2048,
			       .flow_entries = 1024, .fdb_entries = 256, .ageing_secs = 300,
			       .flow_idle_secs = 10, .idle_us = 200 };
	dp = dp_create(&p);
	return dp ? 0 : -1;
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
	dp_flush(dp);
	assert_true(published()->net[n1].used);
	assert_false(published()->net[n1].active);
	assert_int_equal(dp_net_set_active(dp, n1, true), 0);
	dp_flush(dp);
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

	dp_flush(dp);
	const struct dp_snapshot *sn = published();
	assert_int_equal(sn->net[n1].n_ports, 2);
	assert_int_equal(sn->n_active, 3);
	/* 8 bytes: rte_jhash reads the 6-byte key in 4-byte words */
	const uint8_t mac2[8] = { 0x52, 0x54, 0, 0, 0, 2 };
	assert_int_equal(fdb_lookup(sn->net[n1].fdb, mac2, NULL), p2);

	assert_int_equal(dp_net_destroy(dp, n1), -EBUSY);
	uint32_t epoch = published()->port[p1].epoch;
	assert_int_equal(dp_net_set_active(dp, n1, false), 0);
	dp_flush(dp);
	assert_true(published()->port[p1].epoch != epoch); /* flows of p1 reclassify */
	assert_int_equal(dp_port_destroy(dp, p1), 0);
	assert_int_equal(dp_port_destroy(dp, p1), -ENOENT);
	assert_int_equal(dp_port_destroy(dp, p2), 0);
	assert_int_equal(dp_net_destroy(dp, n1), 0);
	assert_int_equal(dp_net_destroy(dp, n1), -ENOENT);
	dp_flush(dp);
	assert_int_equal(published()->n_active, 1);
}

/* The worker never sleeps (idle_us 0): it is online and reads the
 * published snapshot in every iteration, so a snapshot freed too early is
 * read after its free. */
static int setup_busy(void **s)
{
	struct dp_params p = { .n_workers = 1, .worker_lcores = { 1 }, .mbufs = 2048,
			       .flow_entries = 1024, .fdb_entries = 256, .ageing_secs = 300,
			       .flow_idle_secs = 10, .idle_us = 0 };
	dp = dp_create(&p);
	if (!dp || dp_start(dp) < 0)
		return -1;
	return 0;
}

static unsigned poisoned;
static struct dp_snapshot *kept[1024]; /* poisoned, kept mapped until the test ends */

#define NEVER_PORT (DP_MAX_PORTS - 1) /* never created: in no valid snapshot */

/* Freed snapshots are poisoned before free(): 0xdb everywhere, and every
 * poll-list entry is NEVER_PORT (in an inactive network, so a frame from it
 * is dropped without reading further): a worker that reads a freed
 * snapshot polls NEVER_PORT, whose device (a socket with frames waiting)
 * no valid snapshot ever lists. */
static bool poison(struct dp_snapshot *sn)
{
	if (poisoned == RTE_DIM(kept))
		return false;
	memset(sn, 0xdb, sizeof(*sn));
	sn->n_active = DP_MAX_PORTS;
	for (unsigned i = 0; i < DP_MAX_PORTS; i++)
		sn->active[i] = NEVER_PORT;
	sn->port[NEVER_PORT].net = 0;
	sn->port[NEVER_PORT].shape = PKT_SHAPE_L2;
	sn->net[0].active = false;
	kept[poisoned++] = sn;
	return true;
}

static int teardown_kept(void **s)
{
	teardown(s);
	for (unsigned i = 0; i < poisoned; i++)
		free(kept[i]);
	poisoned = 0;
	return 0;
}

/* Frames for NEVER_PORT in the worker's inject ring: it reads
 * snap->port[NEVER_PORT].used for each; a valid snapshot says unused (freed
 * silently), a poisoned one says used (counted as injected). */
static void feed_inject(void)
{
	struct rte_mbuf *m[DP_BURST];
	struct dp_worker *w = dp->w[0];
	unsigned room = rte_ring_free_count(w->inject);
	unsigned n = room < DP_BURST ? room : DP_BURST;
	if (n == 0 || rte_pktmbuf_alloc_bulk(dp->pool, m, n) != 0)
		return;
	for (unsigned i = 0; i < n; i++)
		m[i]->port = NEVER_PORT;
	unsigned q = rte_ring_enqueue_burst(w->inject, (void **)m, n, NULL);
	if (q < n)
		rte_pktmbuf_free_bulk(m + q, n - q);
}

static void publication_reaches_worker(void **s)
{
	/* Hundreds of snapshots published while the worker runs online and
	 * walks a 200-port poll list: old snapshots are freed (poisoned, and
	 * kept mapped so a late reader reads the poison) only after a grace
	 * period, so the worker never reads a freed one. */
	uint16_t n, p, other;
	struct dp_port_params pp = { .learning = true };
	int sv[2];
	dp->snap_free_hook = poison;
	poisoned = 0;
	assert_int_equal(dp_net_create(dp, &n), 0);
	assert_int_equal(dp_net_create(dp, &other), 0);
	pp.net = n;
	for (int i = 0; i < 200; i++)
		assert_int_equal(dp_port_create(dp, &pp, &p), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	uint8_t frame[64] = { 0x52, 0x54, 0, 0, 0, 1, 0x52, 0x54, 0, 0, 0, 2, 0x08, 0x00 };
	for (int i = 0; i < 16; i++)
		assert_int_equal(send(sv[1], frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	assert_int_equal(dp_port_attach_kernel(dp, NEVER_PORT, sv[0]), 0);
	dp_flush(dp);
	uint64_t gen0 = published()->gen;
	for (int i = 0; i < 300; i++) {
		feed_inject();
		pp.net = other;
		assert_int_equal(dp_port_create(dp, &pp, &p), 0);
		dp_flush(dp);
		assert_int_equal(dp_net_set_active(dp, n, i & 1), 0);
		dp_flush(dp);
		feed_inject();
		assert_int_equal(dp_port_destroy(dp, p), 0);
		dp_flush(dp);
	}
	assert_int_equal(published()->gen, gen0 + 900);
	dp_sync(dp);
	struct dp_stats st;
	struct dp_port_stats ps;
	dp_stats(dp, &st);
	dp_port_stats(dp, NEVER_PORT, &ps);
	assert_true(st.loops > 0);
	assert_int_equal(st.sleeps, 0); /* online all along */
	assert_true(poisoned >= 890);   /* the old snapshots were freed ... */
	assert_int_equal(ps.rx_packets, 0); /* ... and never read after */
	assert_int_equal(st.injected, 0);
	dp_port_detach(dp, NEVER_PORT); /* closes sv[0] */
	close(sv[1]);
}

/* dp_inject() wakes the port's worker at once; inside dp_inject_batch()
 * the wake waits for the end, once for all the frames of the batch, and an
 * empty batch wakes nobody. */
static void inject_batch_wakes_once(void **s)
{
	uint16_t n, p;
	struct dp_port_params pp = { .learning = true };
	struct dp_worker *w = dp->w[0];
	uint64_t v;
	assert_int_equal(dp_net_create(dp, &n), 0);
	pp.net = n;
	assert_int_equal(dp_port_create(dp, &pp, &p), 0);
	while (read(w->wakefd, &v, sizeof(v)) > 0) {
	}
	assert_int_equal(dp_inject(dp, p, rte_pktmbuf_alloc(dp->pool)), 0);
	assert_int_equal(read(w->wakefd, &v, sizeof(v)), (ssize_t)sizeof(v)); /* at once */
	assert_int_equal(v, 1);

	dp_inject_batch(dp, true);
	for (int i = 0; i < 5; i++)
		assert_int_equal(dp_inject(dp, p, rte_pktmbuf_alloc(dp->pool)), 0);
	assert_int_equal(read(w->wakefd, &v, sizeof(v)), -1); /* not yet */
	assert_int_equal(errno, EAGAIN);
	dp_inject_batch(dp, false);
	assert_int_equal(read(w->wakefd, &v, sizeof(v)), (ssize_t)sizeof(v));
	assert_int_equal(v, 1); /* one wake for the five */
	assert_int_equal(rte_ring_count(w->inject), 6);

	dp_inject_batch(dp, true);
	dp_inject_batch(dp, false);
	assert_int_equal(read(w->wakefd, &v, sizeof(v)), -1); /* nothing injected */
	/* after a batch, dp_inject wakes at once again */
	assert_int_equal(dp_inject(dp, p, rte_pktmbuf_alloc(dp->pool)), 0);
	assert_int_equal(read(w->wakefd, &v, sizeof(v)), (ssize_t)sizeof(v));
}

static void several_changes_one_publication(void **s)
{
	uint16_t n, p[10];
	struct dp_port_params pp = { .learning = true };
	assert_int_equal(dp_net_create(dp, &n), 0);
	pp.net = n;
	dp_flush(dp);
	uint64_t gen0 = published()->gen;
	for (int i = 0; i < 10; i++)
		assert_int_equal(dp_port_create(dp, &pp, &p[i]), 0);
	assert_int_equal(dp_net_set_active(dp, n, true), 0);
	assert_int_equal(published()->gen, gen0); /* staged, not published */
	assert_int_equal(published()->n_active, 0);
	dp_flush(dp);
	assert_int_equal(published()->gen, gen0 + 1);
	assert_int_equal(published()->n_active, 10);
	assert_true(published()->net[n].active);
	/* a destroyed port's id is not handed out before its cleanup ran */
	assert_int_equal(dp_port_destroy(dp, p[0]), 0);
	uint16_t q;
	assert_int_equal(dp_port_create(dp, &pp, &q), 0);
	assert_int_not_equal(q, p[0]);
	dp_sync(dp);
	uint16_t r;
	assert_int_equal(dp_port_create(dp, &pp, &r), 0);
	assert_int_equal(r, p[0]);
	dp_sync(dp);
}

static void failed_change_never_published(void **s)
{
	/* A change that reports ENOMEM leaves staging untouched: the next
	 * publication does not carry it. */
	uint16_t n, p;
	struct dp_port_params pp = { .learning = true, .has_mac = true,
				     .mac = { 0x52, 0x54, 0, 0, 0, 9 } };
	const uint8_t mac9[8] = { 0x52, 0x54, 0, 0, 0, 9 }; /* padded for rte_jhash */
	assert_int_equal(dp_net_create(dp, &n), 0);
	pp.net = n;
	dp_sync(dp);
	dp->fail_alloc = 1;
	assert_int_equal(dp_port_create(dp, &pp, &p), -ENOMEM);
	dp->fail_alloc = 1;
	assert_int_equal(dp_net_set_active(dp, n, true), -ENOMEM);
	assert_int_equal(dp_net_set_active(dp, n, false), 0); /* a later change */
	dp_sync(dp);
	assert_int_equal(published()->n_active, 0);
	assert_false(published()->net[n].active);
	assert_int_equal(dp_port_net(dp, 0), -ENOENT);
	assert_int_equal(fdb_lookup(published()->net[n].fdb, mac9, NULL), -ENOENT);
	/* and the MAC is free for a port that does get created */
	assert_int_equal(dp_port_create(dp, &pp, &p), 0);
	dp_sync(dp);
	assert_int_equal(published()->n_active, 1);
}

static void detach_waits_for_grace_period(void **s)
{
	/* dp_port_detach must not return while the (online, busy) worker
	 * may still hold the device: every worker passed a quiescent state
	 * begun before the detach.  Its fd is closed only then. */
	uint16_t n, p;
	struct dp_port_params pp = { .learning = true };
	assert_int_equal(dp_net_create(dp, &n), 0);
	pp.net = n;
	assert_int_equal(dp_port_create(dp, &pp, &p), 0);
	dp_sync(dp);
	unsigned early = 0;
	for (int i = 0; i < 200; i++) {
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
		assert_int_equal(dp_port_attach_kernel(dp, p, sv[0]), 0);
		assert_true(dp_port_attached(dp, p));
		uint64_t t = rte_rcu_qsbr_start(dp->qsbr);
		dp_port_detach(dp, p); /* closes sv[0] */
		if (rte_rcu_qsbr_check(dp->qsbr, t, false) != 1)
			early++;
		assert_false(dp_port_attached(dp, p));
		close(sv[1]);
	}
	assert_int_equal(early, 0);
	struct dp_stats st;
	dp_stats(dp, &st);
	assert_int_equal(st.sleeps, 0); /* the worker was online throughout */
	dp_port_destroy(dp, p);
	dp_net_destroy(dp, n);
	dp_sync(dp);
}

static void punt_budget_per_wakeup(void **s)
{
	/* A flood of punted frames is handed out 256 per wakeup; then the
	 * punt work rests (dp_punt_timeout_ms > 0 or 0 when it may go on),
	 * and when the ring is empty no punt work waits (-1). */
	struct rte_mbuf *m[600], *out[64];
	assert_int_equal(dp_punt_timeout_ms(dp), -1);
	assert_int_equal(rte_pktmbuf_alloc_bulk(dp->pool, m, 600), 0);
	assert_int_equal(rte_ring_enqueue_bulk(dp->punt, (void **)m, 600, NULL), 600);
	uint64_t one = 1;
	assert_int_equal(write(dp_punt_fd(dp), &one, sizeof(one)), sizeof(one));
	unsigned rounds[4] = { 0 };
	for (int r = 0; r < 4; r++) {
		int t;
		while ((t = dp_punt_timeout_ms(dp)) > 0)
			usleep(1000);
		if (r > 0 && t < 0)
			break;
		unsigned k;
		while ((k = dp_punt_dequeue(dp, out, 64)) > 0) {
			rte_pktmbuf_free_bulk(out, k);
			rounds[r] += k;
		}
	}
	assert_int_equal(rounds[0], DP_PUNT_BUDGET);
	assert_int_equal(rounds[1], DP_PUNT_BUDGET);
	assert_int_equal(rounds[2], 600 - 2 * DP_PUNT_BUDGET);
	assert_int_equal(rounds[3], 0);
	assert_int_equal(dp_punt_timeout_ms(dp), -1); /* drained */
	/* the eventfd was read: epoll does not spin on it */
	struct pollfd pfd = { .fd = dp_punt_fd(dp), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 0), 0);
}

static void counters_reset_on_slot_reuse(void **s)
{
	uint16_t n, p, q;
	struct dp_port_params pp = { .learning = true };
	struct dp_port_stats st;
	dp_net_create(dp, &n);
	pp.net = n;
	dp_port_create(dp, &pp, &p);
	dp_sync(dp);
	dp->w[0]->port[p].rx_packets = 42; /* as if traffic had passed */
	dp_port_stats(dp, p, &st);
	assert_int_equal(st.rx_packets, 42);
	dp_port_destroy(dp, p);
	dp_sync(dp); /* the cleanup ran: the id is free again */
	dp_port_create(dp, &pp, &q);
	assert_int_equal(q, p);
	dp_port_stats(dp, q, &st);
	assert_int_equal(st.rx_packets, 0);
	dp_port_destroy(dp, q);
	dp_net_destroy(dp, n);
	dp_sync(dp);
}

/* Security groups: a port added to a network whose ports have rules keys
 * its flows by connection at once (an L2-shaped key would reach the acl
 * stage without the IPv4 fields and pass); the shape follows the rules. */
static void acl_shape_of_new_port(void **s)
{
	uint16_t n, p1, p2, p3;
	struct dp_port_params pp = { .learning = true };
	assert_int_equal(dp_net_create(dp, &n), 0);
	pp.net = n;
	assert_int_equal(dp_port_create(dp, &pp, &p1), 0);
	struct acl_set *a = acl_set_new(1, 0);
	assert_non_null(a);
	a->r[ACL_IN][0] = (struct acl_rule){ .proto = 6, .pmin = 22, .pmax = 22,
					     .icmp_type = ACL_ANY, .icmp_code = ACL_ANY };
	a->n[ACL_IN] = 1;
	assert_int_equal(dp_port_set_acl(dp, p1, a), 0);
	assert_int_equal(dp_port_create(dp, &pp, &p2), 0);
	dp_flush(dp);
	assert_int_equal(published()->port[p1].shape, PKT_SHAPE_L3);
	assert_int_equal(published()->port[p2].shape, PKT_SHAPE_L3);
	assert_int_equal(dp_port_set_acl(dp, p1, NULL), 0);
	assert_int_equal(dp_port_create(dp, &pp, &p3), 0);
	dp_flush(dp);
	assert_int_equal(published()->port[p2].shape, PKT_SHAPE_L2);
	assert_int_equal(published()->port[p3].shape, PKT_SHAPE_L2);
	dp_port_destroy(dp, p1);
	dp_port_destroy(dp, p2);
	dp_port_destroy(dp, p3);
	dp_net_destroy(dp, n);
	dp_sync(dp);
}

/* A flooded frame at a receiver with rules: its ingress decides (IPv4),
 * DHCP and non-IPv4 pass. */
static void acl_flood_admits(void **s)
{
	struct acl_set *a = acl_set_new(2, 0);
	assert_non_null(a);
	a->r[ACL_IN][0] = (struct acl_rule){ .proto = 17, .pmin = 9999, .pmax = 9999,
					     .icmp_type = ACL_ANY, .icmp_code = ACL_ANY };
	a->r[ACL_IN][1] = (struct acl_rule){ .proto = 1, .pmin = ACL_ANY, .pmax = ACL_ANY,
					     .icmp_type = 8, .icmp_code = ACL_ANY };
	a->n[ACL_IN] = 2;
	struct flow_key k = { .ethertype = PKT_ETH_P_IP, .proto = 17, .src_ip = htonl(0x0a000002),
			      .dst_ip = htonl(0x0a0000ff), .sport = htons(40000), .dport = htons(9999) };
	assert_true(dp_acl_flood_admits(a, &k));
	k.dport = htons(9998);
	assert_false(dp_acl_flood_admits(a, &k));
	k.dport = htons(67); /* DHCP: exempt */
	assert_true(dp_acl_flood_admits(a, &k));
	k.dport = htons(68);
	assert_true(dp_acl_flood_admits(a, &k));
	k.proto = 6;
	assert_false(dp_acl_flood_admits(a, &k)); /* TCP 68 is not DHCP */
	k.proto = 1;
	k.dport = 8 << 8; /* pkt_parse: type << 8 | code */
	assert_true(dp_acl_flood_admits(a, &k));
	k.dport = 13 << 8;
	assert_false(dp_acl_flood_admits(a, &k));
	k.ethertype = PKT_ETH_P_ARP;
	assert_true(dp_acl_flood_admits(a, &k));
	free(a);
}

int main(void)
{
	if (test_eal_init() < 0)
		return 1;
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(publication_reaches_worker, setup_busy, teardown_kept),
		cmocka_unit_test_setup_teardown(several_changes_one_publication, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_change_never_published, setup, teardown),
		cmocka_unit_test_setup_teardown(detach_waits_for_grace_period, setup_busy, teardown),
		cmocka_unit_test_setup_teardown(punt_budget_per_wakeup, setup, teardown),
		cmocka_unit_test_setup_teardown(inject_batch_wakes_once, setup_stopped, teardown),
		cmocka_unit_test_setup_teardown(counters_reset_on_slot_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(acl_shape_of_new_port, setup, teardown),
		cmocka_unit_test(acl_flood_admits),
	};
	return cmocka_run_group_tests_name("dp", t, NULL, NULL);
}
