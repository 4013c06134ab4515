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
	/* A budget of 10 slots per call can expire at most 10, and one walk
	 * over every slot expires exactly the 50 idle entries. */
	unsigned gone = flow_expire(t, 205, 10, 10);
	assert_true(gone <= 10);
	unsigned total = gone;
	for (uint32_t n = 10; n < flow_capacity(t); n += 10)
		total += flow_expire(t, 205, 10, 10);
	assert_int_equal(total, 50);
	/* a sparse table: the walk visits slots, not entries */
	assert_int_equal(flow_expire(t, 205, 10, 7), 0);
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

static struct flow_entry *lookup1(struct flow_table *t, const struct flow_key *k)
{
	const struct flow_key *kp[1] = { k };
	struct flow_entry *e[1];
	flow_lookup_bulk(t, kp, 1, e);
	return e[0];
}

/* Hot keys enter the exact-match cache; deleting a key must clear its cache
 * line, or the cache would map it to the slot that another key reuses. */
static void emc_never_maps_a_deleted_key(void **s)
{
	struct flow_table *t = flow_create("tflow4", 64, 0);
	struct flow_entry v = { .action = FLOW_ACT_OUTPUT, .last_used = 100 };
	struct flow_key a = key(1, 0xaa), b = key(2, 0xbb);
	unsigned n = 0;

	v.out_port = 1;
	assert_non_null(flow_insert(t, &a, &v));
	v.last_used = 200;
	for (int i = 0; flow_count(t) < 64 && i < 1000; i++) {
		struct flow_key k = key((uint16_t)(100 + i), 3);
		if (flow_insert(t, &k, &v))
			n++;
	}
	assert_true(n > 0);
	for (int i = 0; i < 1000; i++) /* 1/16 insertion: surely cached now */
		assert_int_equal(lookup1(t, &a)->out_port, 1);
	/* a idles out; b takes its slot (the only free one if the table is full) */
	unsigned gone = 0;
	for (uint32_t i = 0; i < flow_capacity(t); i++)
		gone += flow_expire(t, 205, 10, 1);
	assert_int_equal(gone, 1);
	assert_null(lookup1(t, &a));
	v.out_port = 2;
	assert_non_null(flow_insert(t, &b, &v));
	for (int i = 0; i < 100; i++) {
		assert_null(lookup1(t, &a));
		assert_int_equal(lookup1(t, &b)->out_port, 2);
	}
	/* flush empties the cache too */
	flow_flush(t);
	assert_null(lookup1(t, &b));
	v.out_port = 3;
	assert_non_null(flow_insert(t, &a, &v));
	assert_int_equal(lookup1(t, &a)->out_port, 3);
	assert_null(lookup1(t, &b));
	flow_free(t);
}

/* A burst mixing cached, uncached and unknown keys gets each its own entry. */
static void bulk_mixes_cache_hits_and_misses(void **s)
{
	struct flow_table *t = flow_create("tflow5", 1024, 0);
	struct flow_key k[40];
	const struct flow_key *kp[40];
	struct flow_entry *e[40];
	struct flow_entry v = { .action = FLOW_ACT_OUTPUT };

	for (int i = 0; i < 40; i++) {
		k[i] = key((uint16_t)i, 9);
		kp[i] = &k[i];
		v.out_port = (uint16_t)i;
		if (i % 3)
			assert_non_null(flow_insert(t, &k[i], &v));
	}
	for (int round = 0; round < 200; round++) {
		flow_lookup_bulk(t, kp, 40, e);
		for (int i = 0; i < 40; i++) {
			if (i % 3) {
				assert_non_null(e[i]);
				assert_int_equal(e[i]->out_port, i);
			} else {
				assert_null(e[i]);
			}
		}
	}
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
		cmocka_unit_test(emc_never_maps_a_deleted_key),
		cmocka_unit_test(bulk_mixes_cache_hits_and_misses),
	};
	return cmocka_run_group_tests_name("flow", t, NULL, NULL);
}
