/* The session table: both directions find one session, the TCP/UDP state
 * machine, expiry by the incremental walk, the pool and per-port bounds,
 * reuse only after a grace period, concurrent inserts from two lcores. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/ct.h"
#include "eal_env.h"

static unsigned seq;

static struct ct *mk(uint32_t sessions, unsigned workers, uint32_t port_limit,
		     struct rte_rcu_qsbr *q)
{
	char name[32];
	snprintf(name, sizeof(name), "tct%u_", seq++);
	struct ct_params p = { .name = name, .sessions = sessions, .n_workers = workers,
			       .port_limit = port_limit, .n_ports = 16, .qsbr = q };
	return ct_create(&p);
}

static struct ct_key key(uint16_t zone, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
	struct ct_key k = { .zone = zone, .proto = 6, .src = src, .dst = dst,
			    .sport = sp, .dport = dp };
	return k;
}

/* A NATed connection: guest 10.0.0.2:1000 -> 1.1.1.1:80 out as 5.5.5.5:2000. */
static struct ct_sess *conn(struct ct *ct, unsigned w, uint16_t port, uint32_t i, int *err)
{
	struct ct_sess *s = ct_alloc(ct, w, port, err);
	if (!s)
		return NULL;
	s->key[0] = key(1, 0x0a000002, 0x01010101, (uint16_t)i, 80);
	s->key[1] = key(CT_ZONE_OUTSIDE | 9, 0x01010101, 0x05050505, 80, (uint16_t)(i + 1));
	s->state = DP_CT_SYN_SENT;
	return s;
}

static void both_directions(void **st)
{
	struct ct *ct = mk(64, 1, 0, NULL);
	assert_non_null(ct);
	int err;
	struct ct_sess *s = conn(ct, 0, 3, 1000, &err), *o;
	assert_non_null(s);
	assert_int_equal(ct_insert(ct, s, &o), 0);
	uint8_t d = 9;
	struct ct_key k = key(1, 0x0a000002, 0x01010101, 1000, 80);
	assert_ptr_equal(ct_lookup(ct, &k, &d), s);
	assert_int_equal(d, 0);
	k = key(CT_ZONE_OUTSIDE | 9, 0x01010101, 0x05050505, 80, 1001);
	assert_ptr_equal(ct_lookup(ct, &k, &d), s);
	assert_int_equal(d, 1);
	/* another zone, another port: misses */
	k.zone = 2;
	assert_null(ct_lookup(ct, &k, &d));
	k = key(1, 0x0a000002, 0x01010101, 1000, 81);
	assert_null(ct_lookup(ct, &k, &d));
	/* bulk */
	struct ct_key ks[3] = { key(1, 0x0a000002, 0x01010101, 1000, 80), k,
				key(CT_ZONE_OUTSIDE | 9, 0x01010101, 0x05050505, 80, 1001) };
	struct ct_sess *r[3];
	uint8_t dir[3];
	ct_lookup_bulk(ct, ks, 3, r, dir);
	assert_ptr_equal(r[0], s);
	assert_null(r[1]);
	assert_ptr_equal(r[2], s);
	assert_int_equal(dir[2], 1);
	/* the same connection again: EEXIST with the first */
	struct ct_sess *s2 = conn(ct, 0, 3, 1000, &err);
	assert_int_equal(ct_insert(ct, s2, &o), -EEXIST);
	assert_ptr_equal(o, s);
	ct_abort(ct, 0, s2);
	/* a new connection whose reply key is taken: EEXIST, no session */
	s2 = conn(ct, 0, 3, 1000, &err);
	s2->key[0].sport = 999;
	assert_int_equal(ct_insert(ct, s2, &o), -EEXIST);
	assert_null(o);
	k = s2->key[0];
	assert_null(ct_lookup(ct, &k, &d)); /* the half inserted key is gone */
	ct_abort(ct, 0, s2);
	assert_int_equal(ct_count(ct), 1);
	/* delete: both keys gone, once */
	assert_true(ct_delete(ct, s, 0));
	assert_false(ct_delete(ct, s, 0));
	k = key(1, 0x0a000002, 0x01010101, 1000, 80);
	assert_null(ct_lookup(ct, &k, &d));
	assert_int_equal(ct_count(ct), 0);
	ct_free(ct);
}

static void tcp_states(void **st)
{
	struct ct_sess s = { .key[0].proto = 6, .state = DP_CT_SYN_SENT };
	assert_int_equal(ct_state_new(6, 0x02), DP_CT_SYN_SENT);
	assert_int_equal(ct_state_new(6, 0x10), DP_CT_ESTABLISHED);
	assert_int_equal(ct_state_new(6, 0x04), -EINVAL);
	assert_int_equal(ct_state_new(6, 0x14), -EINVAL);
	assert_int_equal(ct_state_new(6, 0x00), -EINVAL);
	assert_int_equal(ct_state_new(17, 0), DP_CT_UDP_UNREPLIED);
	assert_int_equal(ct_state_new(1, 0), DP_CT_ICMP);
	ct_track(&s, 0, 0x02, 5); /* SYN again */
	assert_int_equal(s.state, DP_CT_SYN_SENT);
	ct_track(&s, 0, 0x10, 5); /* our ACK before theirs: nothing */
	assert_int_equal(s.state, DP_CT_SYN_SENT);
	ct_track(&s, 1, 0x12, 5);
	assert_int_equal(s.state, DP_CT_SYN_RECV);
	ct_track(&s, 0, 0x10, 6);
	assert_int_equal(s.state, DP_CT_ESTABLISHED);
	assert_int_equal(s.last, 6);
	ct_track(&s, 1, 0x11, 7); /* server closes */
	assert_int_equal(s.state, DP_CT_CLOSE_WAIT);
	ct_track(&s, 0, 0x11, 7);
	assert_int_equal(s.state, DP_CT_TIME_WAIT);
	ct_track(&s, 0, 0x02, 8); /* port reused */
	assert_int_equal(s.state, DP_CT_SYN_SENT);
	ct_track(&s, 1, 0x12, 8);
	ct_track(&s, 0, 0x10, 8);
	ct_track(&s, 0, 0x01, 8);
	assert_int_equal(s.state, DP_CT_FIN_WAIT);
	ct_track(&s, 1, 0x14, 9);
	assert_int_equal(s.state, DP_CT_CLOSE);

	struct ct_sess u = { .key[0].proto = 17, .state = DP_CT_UDP_UNREPLIED };
	ct_track(&u, 0, 0, 1);
	assert_int_equal(u.state, DP_CT_UDP_UNREPLIED);
	ct_track(&u, 1, 0, 2);
	assert_int_equal(u.state, DP_CT_UDP_ASSURED);
	assert_int_equal(sizeof(struct ct_sess), 128);
}

static void expiry(void **st)
{
	struct ct *ct = mk(1000, 1, 0, NULL);
	int err;
	struct ct_sess *o, *a = conn(ct, 0, 1, 1, &err), *b = conn(ct, 0, 1, 3, &err);
	a->state = DP_CT_ESTABLISHED;
	b->state = DP_CT_UDP_UNREPLIED;
	a->last = b->last = 100;
	assert_int_equal(ct_insert(ct, a, &o), 0);
	assert_int_equal(ct_insert(ct, b, &o), 0);
	assert_int_equal(ct_timeout(ct, a), 432000);
	assert_int_equal(ct_timeout(ct, b), 30);
	/* the walk visits budget sessions per call, from where it stopped:
	 * a sits at slice offset 0, b at 1 */
	assert_int_equal(ct_expire(ct, 0, 131, 1), 0); /* a only */
	assert_int_equal(ct_count(ct), 2);
	assert_int_equal(ct_expire(ct, 0, 131, 1), 1); /* b: 31 s unreplied */
	assert_int_equal(ct_count(ct), 1);
	assert_int_equal(ct_expire(ct, 0, 432100, 998), 0); /* the rest; back at 0 */
	assert_int_equal(ct_expire(ct, 0, 432100, 1), 0); /* a: exactly the timeout */
	assert_int_equal(ct_expire(ct, 0, 432101, 1000), 1);
	assert_int_equal(ct_count(ct), 0);
	struct ct_stats s;
	ct_get_stats(ct, &s);
	assert_int_equal(s.expired, 2);
	ct_free(ct);
}

static void bounds(void **st)
{
	struct ct *ct = mk(8, 1, 3, NULL);
	int err;
	struct ct_sess *o, *v[8];
	for (unsigned i = 0; i < 3; i++) {
		v[i] = conn(ct, 0, 2, 10 * i, &err);
		assert_non_null(v[i]);
		assert_int_equal(ct_insert(ct, v[i], &o), 0);
	}
	assert_null(conn(ct, 0, 2, 100, &err)); /* port 2 at its limit */
	assert_int_equal(err, -EDQUOT);
	for (unsigned i = 3; i < 8; i++) { /* other ports fill the pool */
		v[i] = conn(ct, 0, (uint16_t)(i % 2 ? 4 : 5), 10 * i, &err);
		assert_non_null(v[i]);
		assert_int_equal(ct_insert(ct, v[i], &o), 0);
	}
	assert_null(conn(ct, 0, 7, 200, &err));
	assert_int_equal(err, -ENOSPC);
	struct ct_stats s;
	ct_get_stats(ct, &s);
	assert_int_equal(s.refused_port_limit, 1);
	assert_int_equal(s.refused_full, 1);
	/* a deleted session frees its port's share and, after reclaim, its slot */
	assert_true(ct_delete(ct, v[0], CT_CONTROL));
	assert_null(conn(ct, 0, 7, 200, &err)); /* not reclaimed yet */
	ct_expire(ct, 0, 0, 0);
	struct ct_sess *n = conn(ct, 0, 2, 300, &err);
	assert_non_null(n);
	assert_ptr_equal(n, v[0]);
	ct_free(ct);
}

/* A session deleted while a reader may hold it is not reused before every
 * registered thread reported a quiescent state. */
static void grace(void **st)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *q = rte_zmalloc("tq", sz, RTE_CACHE_LINE_SIZE);
	assert_int_equal(rte_rcu_qsbr_init(q, 1), 0);
	rte_rcu_qsbr_thread_register(q, 0);
	rte_rcu_qsbr_thread_online(q, 0);
	struct ct *ct = mk(1, 1, 0, q);
	int err;
	struct ct_sess *o, *a = conn(ct, 0, 1, 1, &err);
	assert_int_equal(ct_insert(ct, a, &o), 0);
	assert_true(ct_delete(ct, a, 0));
	ct_expire(ct, 0, 0, 1);
	assert_null(conn(ct, 0, 1, 1, &err)); /* the reader has not quiesced */
	rte_rcu_qsbr_quiescent(q, 0);
	ct_expire(ct, 0, 0, 1);
	assert_non_null(conn(ct, 0, 1, 1, &err));
	ct_free(ct);
	rte_rcu_qsbr_thread_offline(q, 0);
	rte_free(q);
}

#define RACE_N 60000
static struct ct *race_ct;
static volatile int race_go;
static unsigned race_won[2], race_lost[2], race_other_bad[2];

static int racer(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg;
	while (!race_go)
		;
	for (uint32_t j = 0; j < RACE_N; j++) {
		/* opposite orders: the lcores (one CPU, time-sliced) meet */
		uint32_t i = w ? RACE_N - 1 - j : j;
		int err;
		struct ct_sess *o, *s = ct_alloc(race_ct, w, DP_PORT_NONE, &err);
		if (!s)
			continue;
		/* the same connections from both lcores */
		s->key[0] = key(1, 0x0a000000 + i, 0x01010101, (uint16_t)i, 80);
		s->key[1] = key(CT_ZONE_OUTSIDE, 0x01010101, 0x05050505, 80, (uint16_t)i);
		int r = ct_insert(race_ct, s, &o);
		if (r == 0) {
			race_won[w]++;
		} else {
			race_lost[w]++;
			uint8_t d;
			if (r != -EEXIST || !o || ct_lookup(race_ct, &s->key[0], &d) != o)
				race_other_bad[w]++;
			ct_abort(race_ct, w, s);
		}
	}
	return 0;
}

static void concurrent_insert(void **st)
{
	race_ct = mk(2 * RACE_N, 2, 0, NULL);
	assert_non_null(race_ct);
	unsigned lc = rte_get_next_lcore(-1, 1, 0);
	assert_true(lc < RTE_MAX_LCORE);
	race_go = 0;
	assert_int_equal(rte_eal_remote_launch(racer, (void *)(uintptr_t)1, lc), 0);
	race_go = 1;
	racer((void *)(uintptr_t)0);
	rte_eal_wait_lcore(lc);
	assert_int_equal(race_won[0] + race_won[1], RACE_N);
	assert_int_equal(race_lost[0] + race_lost[1], RACE_N);
	assert_int_equal(race_other_bad[0] + race_other_bad[1], 0);
	assert_int_equal(ct_count(race_ct), RACE_N);
	for (uint32_t i = 0; i < RACE_N; i++) {
		struct ct_key k = key(CT_ZONE_OUTSIDE, 0x01010101, 0x05050505, 80, (uint16_t)i);
		uint8_t d;
		struct ct_sess *s = ct_lookup(race_ct, &k, &d);
		assert_non_null(s);
		assert_int_equal(d, 1);
		assert_int_equal(s->key[0].src, 0x0a000000 + i);
	}
	printf("# concurrent: lcore 0 won %u, lcore %u won %u; session %zu bytes\n",
	       race_won[0], lc, race_won[1], sizeof(struct ct_sess));
	ct_free(race_ct);
}

int main(void)
{
	if (test_eal_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_directions),
		cmocka_unit_test(tcp_states),
		cmocka_unit_test(expiry),
		cmocka_unit_test(bounds),
		cmocka_unit_test(grace),
		cmocka_unit_test(concurrent_insert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
