#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/store.h"

static char dir[64];

static int setup(void **s)
{
	snprintf(dir, sizeof(dir), "/tmp/vnetd-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **s)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void write_read_replace(void **s)
{
	struct store *st = store_open(dir);
	char *d;
	size_t n;
	assert_non_null(st);
	assert_int_equal(store_mkdir(st, "networks"), 0);
	assert_int_equal(store_write(st, "networks/a.xml", "one", 3), 0);
	assert_int_equal(store_read(st, "networks/a.xml", &d, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(d, "one");
	free(d);
	assert_int_equal(store_write(st, "networks/a.xml", "second", 6), 0);
	assert_int_equal(store_read(st, "networks/a.xml", &d, &n), 0);
	assert_string_equal(d, "second");
	free(d);
	assert_true(store_exists(st, "networks/a.xml"));
	assert_int_equal(store_remove(st, "networks/a.xml"), 0);
	assert_false(store_exists(st, "networks/a.xml"));
	assert_int_equal(store_remove(st, "networks/a.xml"), 0); /* absent is fine */
	assert_int_equal(store_read(st, "networks/a.xml", &d, &n), -ENOENT);
	store_close(st);
}

static void list_sorted_and_filtered(void **s)
{
	struct store *st = store_open(dir);
	char **names;
	size_t n;
	store_mkdir(st, "p");
	store_write(st, "p/b.json", "{}", 2);
	store_write(st, "p/a.json", "{}", 2);
	store_write(st, "p/c.txt", "x", 1);
	store_write(st, "p/.hidden.json", "x", 1);
	assert_int_equal(store_list(st, "p", ".json", &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a.json");
	assert_string_equal(names[1], "b.json");
	store_list_free(names, n);
	assert_int_equal(store_list(st, "missing", ".json", &names, &n), 0);
	assert_int_equal(n, 0);
	store_close(st);
}

static void crash_leftovers_are_swept(void **s)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sub/.tmp-x.xml.123", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("half", f);
	fclose(f);
	struct store *st = store_open(dir);
	assert_int_equal(access(p, F_OK), -1);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(write_read_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(list_sorted_and_filtered, setup, teardown),
		cmocka_unit_test_setup_teardown(crash_leftovers_are_swept, setup, teardown),
	};
	return cmocka_run_group_tests_name("store", t, NULL, NULL);
}
