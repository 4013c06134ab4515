#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/fdb.h"
#include "eal_env.h"

static const uint8_t A[6] = { 0x52, 0x54, 0, 0, 0, 1 };
static const uint8_t B[6] = { 0x52, 0x54, 0, 0, 0, 2 };
static const uint8_t C[6] = { 0x52, 0x54, 0, 0, 0, 3 };
static int seq;

static struct fdb *mk(unsigned entries)
{
	char name[32];
	snprintf(name, sizeof(name), "tfdb%d", seq++);
	struct fdb_params p = { .name = name, .entries = entries, .socket_id = 0 };
	return fdb_create(&p);
}

static void learn_lookup_move(void **s)
{
	struct fdb *f = mk(64);
	uint32_t pos, g0;
	assert_non_null(f);
	assert_int_equal(fdb_lookup(f, A, NULL), -ENOENT);
	g0 = fdb_generation(f);
	assert_int_equal(fdb_learn(f, A, 3, 100, &pos), 0);
	assert_int_equal(fdb_lookup(f, A, NULL), 3);
	assert_true(fdb_generation(f) != g0);
	/* Re-learning on the same port changes nothing a flow depends on. */
	uint32_t g1 = fdb_generation(f);
	assert_int_equal(fdb_learn(f, A, 3, 101, &pos), 0);
	assert_int_equal(fdb_generation(f), g1);
	/* A move bumps the generation. */
	assert_int_equal(fdb_learn(f, A, 4, 102, &pos), 0);
	assert_int_equal(fdb_lookup(f, A, NULL), 4);
	assert_true(fdb_generation(f) != g1);
	fdb_free(f);
}

static void static_entries_do_not_move(void **s)
{
	struct fdb *f = mk(64);
	assert_int_equal(fdb_add_static(f, B, 1), 0);
	assert_int_equal(fdb_learn(f, B, 2, 10, NULL), -EPERM);
	assert_int_equal(fdb_lookup(f, B, NULL), 1);
	assert_int_equal(fdb_learn(f, B, 1, 10, NULL), 0);
	fdb_free(f);
}

static void ageing(void **s)
{
	struct fdb *f = mk(64);
	uint32_t pos;
	fdb_add_static(f, C, 9);
	fdb_learn(f, A, 1, 100, NULL);
	fdb_learn(f, B, 2, 100, &pos);
	fdb_touch(f, pos, 350);
	assert_int_equal(fdb_age(f, 350, 300, fdb_slots(f)), 0);       /* A is 250 s old */
	assert_int_equal(fdb_age(f, 401, 300, fdb_slots(f)), 1);       /* A is 301 s old */
	assert_int_equal(fdb_lookup(f, A, NULL), -ENOENT);
	assert_int_equal(fdb_lookup(f, B, NULL), 2);
	assert_int_equal(fdb_age(f, 100000, 300, fdb_slots(f)), 1);    /* B goes, static C stays */
	assert_int_equal(fdb_lookup(f, C, NULL), 9);
	assert_int_equal(fdb_count(f), 1);
	fdb_free(f);
}

/* The walk goes a few slots per call and finds every stale MAC once it has
 * been round; static entries and empty slots stay. */
static void ageing_walks_in_steps(void **s)
{
	struct fdb *f = mk(64);
	fdb_add_static(f, C, 9);
	fdb_learn(f, A, 1, 100, NULL);
	fdb_learn(f, B, 2, 450, NULL);
	unsigned aged = 0, calls = 0;
	for (uint32_t v = 0; v < fdb_slots(f); v += 5, calls++)
		aged += fdb_age(f, 500, 300, 5);
	assert_true(calls > 1);
	assert_int_equal(aged, 1);
	assert_int_equal(fdb_lookup(f, A, NULL), -ENOENT);
	assert_int_equal(fdb_lookup(f, B, NULL), 2);
	assert_int_equal(fdb_lookup(f, C, NULL), 9);
	/* B goes on a later walk; C never */
	aged = 0;
	for (uint32_t v = 0; v < 2 * fdb_slots(f); v += 5)
		aged += fdb_age(f, 900, 300, 5);
	assert_int_equal(aged, 1);
	assert_int_equal(fdb_count(f), 1);
	assert_int_equal(fdb_lookup(f, C, NULL), 9);
	fdb_free(f);
}

static void flush_port(void **s)
{
	struct fdb *f = mk(64);
	fdb_add_static(f, A, 1);
	fdb_learn(f, B, 1, 5, NULL);
	fdb_learn(f, C, 2, 5, NULL);
	uint32_t g = fdb_generation(f);
	assert_int_equal(fdb_flush_port(f, 1), 2);
	assert_true(fdb_generation(f) != g);
	assert_int_equal(fdb_count(f), 1);
	assert_int_equal(fdb_lookup(f, C, NULL), 2);
	fdb_free(f);
}

static void full_table(void **s)
{
	struct fdb *f = mk(16);
	int learned = 0, full = 0;
	for (int i = 0; i < 64; i++) {
		uint8_t m[6] = { 0x52, 0x54, 0, 1, 0, (uint8_t)i };
		int r = fdb_learn(f, m, 1, 1, NULL);
		if (r == 0)
			learned++;
		else if (r == -ENOSPC)
			full++;
		else
			fail_msg("unexpected %d", r);
	}
	assert_true(learned >= 16);
	assert_true(full > 0);
	struct fdb_stats st;
	fdb_get_stats(f, &st);
	assert_int_equal(st.full, full);
	fdb_free(f);
}

/* QSBR thread 0 is a reader (a worker): registered, online, and it looked
 * A up.  A deleted slot must not be handed out again until that reader
 * reported a quiescent state; afterwards it is reclaimed and reused. */
static void reclaim_with_rcu(void **s)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *v = rte_zmalloc(NULL, sz, 64);
	assert_int_equal(rte_rcu_qsbr_init(v, 1), 0);
	assert_int_equal(rte_rcu_qsbr_thread_register(v, 0), 0);
	rte_rcu_qsbr_thread_online(v, 0);
	struct fdb_params p = { .name = "tfdbrcu", .entries = 64, .socket_id = 0, .qsbr = v };
	struct fdb *f = fdb_create(&p);
	assert_non_null(f);

	uint32_t pa, held, pb;
	assert_int_equal(fdb_learn(f, A, 1, 1, &pa), 0);
	/* the reader holds A's slot */
	assert_int_equal(fdb_lookup(f, A, &held), 1);
	assert_int_equal(held, pa);
	assert_int_equal(fdb_del(f, A), 0);
	assert_int_equal(fdb_lookup(f, A, NULL), -ENOENT);
	/* while it holds it, no new MAC gets that slot, however many come
	 * and go (every deletion tries to reclaim what is safe to reuse) */
	for (int i = 0; i < 32; i++) {
		uint8_t m[6] = { 0x52, 0x54, 0, 2, 0, (uint8_t)i };
		uint32_t pos;
		assert_int_equal(fdb_learn(f, m, 2, 1, &pos), 0);
		if (pos == held)
			fail_msg("slot %u reused while a reader holds it", held);
		assert_int_equal(fdb_del(f, m), 0);
	}
	/* the reader is done; the next deletion reclaims A's slot, and a new
	 * MAC gets it (the free-slot cache is last in, first out) */
	rte_rcu_qsbr_quiescent(v, 0);
	assert_int_equal(fdb_learn(f, B, 2, 1, &pb), 0);
	assert_int_equal(fdb_del(f, B), 0);
	bool reused = false;
	for (int i = 0; i < 16 && !reused; i++) {
		uint8_t m[6] = { 0x52, 0x54, 0, 3, 0, (uint8_t)i };
		uint32_t pos;
		assert_int_equal(fdb_learn(f, m, 3, 1, &pos), 0);
		reused = pos == held;
	}
	if (!reused)
		fail_msg("slot %u never reclaimed after the quiescent state", held);
	fdb_free(f);
	rte_rcu_qsbr_thread_offline(v, 0);
	rte_free(v);
}

/* Ageing visits static entries (never touched, so always "stale") and reads
 * their key back from the table: under ASan this is where a 6-byte key
 * hashed as 4-byte words overflowed the stack copy. */
static void ageing_with_static_mac(void **s)
{
	struct fdb *f = mk(64);
	for (int i = 0; i < 8; i++) {
		uint8_t m[6] = { 0x52, 0x54, 0, 4, 0, (uint8_t)i };
		assert_int_equal(fdb_add_static(f, m, (uint16_t)i), 0);
	}
	assert_int_equal(fdb_learn(f, A, 9, 10, NULL), 0);
	assert_int_equal(fdb_age(f, 10000, 300, fdb_slots(f)), 1);
	assert_int_equal(fdb_age(f, 20000, 300, fdb_slots(f)), 0);
	assert_int_equal(fdb_count(f), 8);
	/* lookups of MACs at odd addresses (as in a frame) */
	uint8_t frame[16] = { 0xff, 0x52, 0x54, 0, 4, 0, 3, 0x52, 0x54, 0, 4, 0, 5 };
	assert_int_equal(fdb_lookup(f, frame + 1, NULL), 3);
	assert_int_equal(fdb_lookup(f, frame + 7, NULL), 5);
	fdb_free(f);
}

static struct fdb *mk_limited(unsigned entries, uint32_t limit)
{
	char name[32];
	snprintf(name, sizeof(name), "tfdb%d", seq++);
	struct fdb_params p = { .name = name, .entries = entries, .socket_id = 0,
				.port_limit = limit, .n_ports = 8 };
	return fdb_create(&p);
}

/* A port learns at most port_limit MACs; the refusals are counted, other
 * ports still learn, and a port below its limit again learns again. */
static void port_limit(void **s)
{
	struct fdb *f = mk_limited(64, 2);
	struct fdb_stats st;
	assert_int_equal(fdb_add_static(f, C, 1), 0); /* configured: not counted */
	assert_int_equal(fdb_learn(f, A, 1, 1, NULL), 0);
	assert_int_equal(fdb_learn(f, B, 1, 1, NULL), 0);
	assert_int_equal(fdb_port_learned(f, 1), 2);
	for (int i = 0; i < 100; i++) {
		uint8_t m[6] = { 0x52, 0x54, 0, 5, 0, (uint8_t)i };
		assert_int_equal(fdb_learn(f, m, 1, 1, NULL), -EDQUOT);
	}
	fdb_get_stats(f, &st);
	assert_int_equal(st.limit_drops, 100);
	assert_int_equal(fdb_count(f), 3);
	/* known MACs keep working, other ports learn */
	assert_int_equal(fdb_learn(f, A, 1, 2, NULL), 0);
	uint8_t d[6] = { 0x52, 0x54, 0, 6, 0, 1 };
	assert_int_equal(fdb_learn(f, d, 2, 2, NULL), 0);
	/* a move onto a port at its limit is refused too */
	assert_int_equal(fdb_learn(f, d, 1, 2, NULL), -EDQUOT);
	assert_int_equal(fdb_lookup(f, d, NULL), 2);
	/* ageing frees room */
	assert_int_equal(fdb_del(f, A), 0);
	assert_int_equal(fdb_port_learned(f, 1), 1);
	assert_int_equal(fdb_learn(f, d, 1, 3, NULL), 0);
	assert_int_equal(fdb_port_learned(f, 1), 2);
	assert_int_equal(fdb_port_learned(f, 2), 0);
	/* a static entry taking over a learned MAC frees its count */
	assert_int_equal(fdb_add_static(f, B, 3), 0);
	assert_int_equal(fdb_port_learned(f, 1), 1);
	assert_int_equal(fdb_flush_port(f, 1), 2); /* d and static C */
	assert_int_equal(fdb_port_learned(f, 1), 0);
	assert_int_equal(fdb_learn(f, A, 9, 1, NULL), -EINVAL); /* port >= n_ports */
	fdb_free(f);
}

static void move_counted(void **s)
{
	struct fdb *f = mk(64);
	struct fdb_stats st;
	assert_int_equal(fdb_learn(f, A, 1, 1, NULL), 0);
	assert_int_equal(fdb_learn(f, A, 1, 2, NULL), 0);
	fdb_get_stats(f, &st);
	assert_int_equal(st.moves, 0);
	assert_int_equal(fdb_learn(f, A, 2, 3, NULL), 0);
	assert_int_equal(fdb_learn(f, A, 1, 4, NULL), 0);
	fdb_get_stats(f, &st);
	assert_int_equal(st.moves, 2);
	assert_int_equal(fdb_port_learned(f, 1), 1);
	assert_int_equal(fdb_port_learned(f, 2), 0);
	fdb_free(f);
}

/* A new MAC invalidates flows only when someone looked it up and missed
 * (a flooded unknown unicast); moves and deletions always do. */
static void new_mac_generation(void **s)
{
	struct fdb *f = mk(64);
	uint32_t g = fdb_generation(f);
	for (int i = 0; i < 50; i++) {
		uint8_t m[6] = { 0x52, 0x54, 0, 7, 0, (uint8_t)i };
		assert_int_equal(fdb_learn(f, m, 1, 1, NULL), 0);
	}
	assert_int_equal(fdb_generation(f), g);
	assert_int_equal(fdb_lookup(f, A, NULL), -ENOENT);
	assert_int_equal(fdb_learn(f, A, 2, 1, NULL), 0);
	assert_true(fdb_generation(f) != g);
	g = fdb_generation(f);
	assert_int_equal(fdb_learn(f, A, 3, 1, NULL), 0); /* move */
	assert_true(fdb_generation(f) != g);
	g = fdb_generation(f);
	assert_int_equal(fdb_del(f, A), 0);
	assert_true(fdb_generation(f) != g);
	fdb_free(f);
}

int main(void)
{
	if (test_eal_init() < 0)
		return 1;
	const struct CMUnitTest t[] = {
		cmocka_unit_test(learn_lookup_move), cmocka_unit_test(static_entries_do_not_move),
		cmocka_unit_test(ageing),
		cmocka_unit_test(ageing_walks_in_steps),
		cmocka_unit_test(flush_port),
		cmocka_unit_test(full_table), cmocka_unit_test(reclaim_with_rcu),
		cmocka_unit_test(ageing_with_static_mac),
		cmocka_unit_test(port_limit),
		cmocka_unit_test(move_counted),
		cmocka_unit_test(new_mac_generation),
	};
	return cmocka_run_group_tests_name("fdb", t, NULL, NULL);
}
