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
	fdb_free(f);
}

static void reclaim_with_rcu(void **s)
{
	/* With a QSBR variable, a deleted slot is reused only after every
	 * registered reader reported a quiescent state. */
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *v = rte_zmalloc(NULL, sz, 64);
	assert_int_equal(rte_rcu_qsbr_init(v, 1), 0);
	rte_rcu_qsbr_thread_register(v, 0);
	rte_rcu_qsbr_thread_online(v, 0);
	struct fdb_params p = { .name = "tfdbrcu", .entries = 16, .socket_id = 0, .qsbr = v };
	struct fdb *f = fdb_create(&p);
	assert_non_null(f);
	assert_int_equal(fdb_learn(f, A, 1, 1, NULL), 0);
	assert_int_equal(fdb_age(f, 1000, 10, fdb_slots(f)), 1);
	assert_int_equal(fdb_lookup(f, A, NULL), -ENOENT);
	rte_rcu_qsbr_quiescent(v, 0);
	assert_int_equal(fdb_learn(f, B, 2, 1, NULL), 0);
	assert_int_equal(fdb_lookup(f, B, NULL), 2);
	fdb_free(f);
	rte_rcu_qsbr_thread_offline(v, 0);
	rte_free(v);
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
	};
	return cmocka_run_group_tests_name("fdb", t, NULL, NULL);
}
