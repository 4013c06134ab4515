#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/fdb.h"
#include "dataplane/flow.h"
#include "eal_env.h"

static struct flow_key key(uint16_t port, uint8_t last)
{
	struct flow_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = port;
	k.dmac[0] = 0x52;
	k.dmac[5] = last;
	return k;
}

static void insert_lookup_bulk(void **s)
{
	struct flow_table *t = flow_create("tflow1", 128, 0);
	assert_non_null(t);
	struct flow_key k[4] = { key(1, 1), key(1, 2), key(2, 1), key(3, 3) };
	struct flow_entry v = { .action = FLOW_ACT_OUTPUT, .out_port = 7, .epoch = 5,
				.src_fdb_pos = FDB_POS_NONE };
	assert_non_null(flow_insert(t, &k[0], &v));
	v.out_port = 8;
	assert_non_null(flow_insert(t, &k[2], &v));
	const struct flow_key *kp[4] = { &k[0], &k[1], &k[2], &k[3] };
	struct flow_entry *e[4];
	flow_lookup_bulk(t, kp, 4, e);
	assert_non_null(e[0]);
	assert_null(e[1]);
	assert_non_null(e[2]);
	assert_null(e[3]);
	assert_int_equal(e[0]->out_port, 7);
	assert_int_equal(e[2]->out_port, 8);
	assert_int_equal(flow_count(t), 2);
	/* replace */
	v.out_port = 9;
	flow_insert(t, &k[0], &v);
	flow_lookup_bulk(t, kp, 1, e);
	assert_int_equal(e[0]->out_port, 9);
	assert_int_equal(flow_count(t), 2);
	flow_free(t);
}

static void expiry_is_incremental(void **s)
{
	struct flow_table *t = flow_create("tflow2", 1024, 0);
	struct flow_entry v = { .action = FLOW_ACT_FLOOD, .last_used = 100 };
	for (int i = 0; i < 100; i++) {
		struct flow_key k = key((uint16_t)i, 1);
		v.last_used = i < 50 ? 100 : 200;
		assert_non_null(flow_insert(t, &k, &v));
	}
	/* A budget of 10 slots per call can expire at most 10. */
	unsigned gone = flow_expire(t, 205, 10, 10);
	assert_true(gone <= 10);
	unsigned total = gone;
	for (int i = 0; i < 50; i++)
		total += flow_expire(t, 205, 10, 10);
	assert_int_equal(total, 50);
	assert_int_equal(flow_count(t), 50);
	flow_flush(t);
	assert_int_equal(flow_count(t), 0);
	flow_free(t);
}

static void full_table_returns_null(void **s)
{
	struct flow_table *t = flow_create("tflow3", 64, 0);
	struct flow_entry v = { 0 };
	int stored = 0;
	for (int i = 0; i < 1000; i++) {
		struct flow_key k = key((uint16_t)i, 2);
		if (flow_insert(t, &k, &v))
			stored++;
	}
	assert_true(stored >= 64 && stored < 1000);
	flow_free(t);
}

int main(void)
{
	if (test_eal_init() < 0)
		return 1;
	const struct CMUnitTest t[] = {
		cmocka_unit_test(insert_lookup_bulk),
		cmocka_unit_test(expiry_is_incremental),
		cmocka_unit_test(full_table_returns_null),
	};
	return cmocka_run_group_tests_name("flow", t, NULL, NULL);
}
