/*
 * test_dhcp_lease.c - cmocka tests for control/dhcp/dhcp_lease.c: table
 * operations, dnsmasq client matching, expiry, listing, JSON persistence
 * (round trip, libvirt shape, atomic save, tolerant load).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>

#include "control/dhcp/dhcp_lease.h"

static const uint8_t MAC1[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01 };
static const uint8_t MAC2[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0x02 };
static const uint8_t CLID1[7] = { 0x01, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01 };
static const uint8_t CLID2[3] = { 0xff, 0x00, 0x01 };

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

struct tmpdir {
	char dir[64];
	char file[128];
};

static int setup_dir(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	strcpy(t->dir, "/tmp/dhcp_lease_testXXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->file, sizeof(t->file), "%s/net.status", t->dir);
	*state = t;
	return 0;
}

static int teardown_dir(void **state)
{
	struct tmpdir *t = *state;
	DIR *d = opendir(t->dir);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(t->dir);
	free(t);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_create_free(void **state)
{
	struct dhcp_lease_table *t;

	(void)state;
	assert_null(dhcp_lease_table_create(0));
	assert_int_equal(errno, EINVAL);
	assert_null(dhcp_lease_table_create((1u << 24) + 1));
	t = dhcp_lease_table_create(10);
	assert_non_null(t);
	assert_int_equal(dhcp_lease_table_capacity(t), 10);
	assert_int_equal(dhcp_lease_count(t, 0), 0);
	dhcp_lease_table_free(t);
	dhcp_lease_table_free(NULL);
}

static void test_add_find_remove(void **state)
{
	struct dhcp_lease_table *t = dhcp_lease_table_create(3);
	struct dhcp_lease *l, *a;
	size_t cur = 0, n = 0;

	(void)state;
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 2), MAC1, NULL, 0, "vm1",
					DHCP_LEASE_BOUND, 1000, &a), 0);
	assert_int_equal(a->ip, IP(10, 0, 0, 2));
	assert_string_equal(a->hostname, "vm1");
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 2), MAC2, NULL, 0, NULL,
					DHCP_LEASE_BOUND, 1000, NULL), -EEXIST);
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 3), MAC2, CLID2, sizeof(CLID2), NULL,
					DHCP_LEASE_OFFERED, 1000, NULL), 0);
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 4), NULL, NULL, 0, NULL,
					DHCP_LEASE_DECLINED, 1000, NULL), 0);
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 5), MAC1, NULL, 0, NULL,
					DHCP_LEASE_BOUND, 1000, NULL), -ENOSPC);
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 5), MAC1, NULL, 0, NULL, 99, 1000, NULL),
			 -EINVAL);
	assert_int_equal(dhcp_lease_count(t, 0), 3);
	assert_int_equal(dhcp_lease_count(t, DHCP_LEASE_BOUND), 1);
	assert_int_equal(dhcp_lease_count(t, DHCP_LEASE_OFFERED), 1);
	assert_int_equal(dhcp_lease_count(t, DHCP_LEASE_DECLINED), 1);

	assert_ptr_equal(dhcp_lease_find_ip(t, IP(10, 0, 0, 2)), a);
	assert_null(dhcp_lease_find_ip(t, IP(10, 0, 0, 9)));
	/* the DECLINED record has no owner */
	l = dhcp_lease_find_ip(t, IP(10, 0, 0, 4));
	assert_non_null(l);
	assert_int_equal(l->state, DHCP_LEASE_DECLINED);

	while ((l = dhcp_lease_iter(t, &cur)))
		n++;
	assert_int_equal(n, 3);

	dhcp_lease_remove(t, a);
	assert_null(dhcp_lease_find_ip(t, IP(10, 0, 0, 2)));
	assert_null(dhcp_lease_find_client(t, MAC1, NULL, 0));
	assert_int_equal(dhcp_lease_count(t, 0), 2);
	/* the slot is reused */
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 5), MAC1, NULL, 0, NULL,
					DHCP_LEASE_BOUND, 1000, &l), 0);
	assert_ptr_equal(l, a);
	dhcp_lease_table_free(t);
}

static void test_iter_remove_all(void **state)
{
	struct dhcp_lease_table *t = dhcp_lease_table_create(100);
	struct dhcp_lease *l;
	size_t cur = 0;
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 0 };

	(void)state;
	for (int i = 0; i < 100; i++) {
		mac[5] = (uint8_t)i;
		assert_int_equal(dhcp_lease_add(t, IP(10, 0, 1, i), mac, NULL, 0, NULL,
						DHCP_LEASE_BOUND, 5, NULL), 0);
	}
	for (int i = 0; i < 100; i++) {
		mac[5] = (uint8_t)i;
		l = dhcp_lease_find_client(t, mac, NULL, 0);
		assert_non_null(l);
		assert_int_equal(l->ip, IP(10, 0, 1, i));
	}
	while ((l = dhcp_lease_iter(t, &cur)))
		dhcp_lease_remove(t, l);
	assert_int_equal(dhcp_lease_count(t, 0), 0);
	for (int i = 0; i < 100; i++)
		assert_null(dhcp_lease_find_ip(t, IP(10, 0, 1, i)));
	dhcp_lease_table_free(t);
}

/* dnsmasq lease_find_by_client(): client-id first, then MAC where either
 * side lacks a client-id. */
static void test_find_client_rules(void **state)
{
	struct dhcp_lease_table *t = dhcp_lease_table_create(8);
	struct dhcp_lease *a, *b;

	(void)state;
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 2), MAC1, CLID1, sizeof(CLID1), NULL,
					DHCP_LEASE_BOUND, 100, &a), 0);
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 3), MAC2, NULL, 0, NULL,
					DHCP_LEASE_BOUND, 100, &b), 0);
	/* same client-id, different MAC -> found */
	assert_ptr_equal(dhcp_lease_find_client(t, MAC2, CLID1, sizeof(CLID1)), a);
	/* MAC1 with no client-id in the request -> found by MAC */
	assert_ptr_equal(dhcp_lease_find_client(t, MAC1, NULL, 0), a);
	/* MAC1 with a different client-id: record has a clid -> no MAC match */
	assert_null(dhcp_lease_find_client(t, MAC1, CLID2, sizeof(CLID2)));
	/* MAC2 record has no clid: a request with a clid matches by MAC */
	assert_ptr_equal(dhcp_lease_find_client(t, MAC2, CLID2, sizeof(CLID2)), b);
	/* DECLINED records are never a client's */
	dhcp_lease_remove(t, b);
	assert_int_equal(dhcp_lease_add(t, IP(10, 0, 0, 3), MAC2, NULL, 0, NULL,
					DHCP_LEASE_DECLINED, 100, NULL), 0);
	assert_null(dhcp_lease_find_client(t, MAC2, NULL, 0));
	dhcp_lease_table_free(t);
}

static void test_expire_and_list(void **state)
{
	struct dhcp_lease_table *t = dhcp_lease_table_create(8);
	struct dhcp_lease_info info[4];
	struct dhcp_lease *l;

	(void)state;
	dhcp_lease_add(t, IP(10, 0, 0, 2), MAC1, CLID1, sizeof(CLID1), "one", DHCP_LEASE_BOUND,
		       100, NULL);
	dhcp_lease_add(t, IP(10, 0, 0, 3), MAC2, NULL, 0, "two", DHCP_LEASE_BOUND, 200, NULL);
	dhcp_lease_add(t, IP(10, 0, 0, 4), MAC2, NULL, 0, NULL, DHCP_LEASE_OFFERED, 50, NULL);
	dhcp_lease_add(t, IP(10, 0, 0, 5), NULL, NULL, 0, NULL, DHCP_LEASE_DECLINED, 50, NULL);
	dhcp_lease_add(t, IP(10, 0, 0, 6), MAC1, NULL, 0, NULL, DHCP_LEASE_BOUND,
		       DHCP_EXPIRY_NEVER, NULL);

	assert_int_equal(dhcp_lease_list(t, 10, NULL, info, 4), 3);
	assert_int_equal(dhcp_lease_list(t, 10, NULL, info, 1), 3); /* truncated copy */
	assert_int_equal(dhcp_lease_list(t, 10, MAC2, info, 4), 1);
	assert_int_equal(info[0].ip, IP(10, 0, 0, 3));
	assert_string_equal(info[0].hostname, "two");
	assert_int_equal(info[0].expiry, 200);
	assert_int_equal(dhcp_lease_list(t, 10, MAC1, info, 4), 2);

	assert_true(dhcp_lease_active(dhcp_lease_find_ip(t, IP(10, 0, 0, 2)), 99));
	assert_false(dhcp_lease_active(dhcp_lease_find_ip(t, IP(10, 0, 0, 2)), 100));

	assert_int_equal(dhcp_lease_expire(t, 150), 1);
	l = dhcp_lease_find_ip(t, IP(10, 0, 0, 2));
	assert_int_equal(l->state, DHCP_LEASE_EXPIRED);
	assert_int_equal(dhcp_lease_find_ip(t, IP(10, 0, 0, 4))->state, DHCP_LEASE_EXPIRED);
	assert_null(dhcp_lease_find_ip(t, IP(10, 0, 0, 5)));   /* quarantine over */
	assert_int_equal(dhcp_lease_find_ip(t, IP(10, 0, 0, 3))->state, DHCP_LEASE_BOUND);
	/* expired records still identify their client (returning client) */
	assert_ptr_equal(dhcp_lease_find_client(t, MAC1, CLID1, sizeof(CLID1)), l);
	assert_int_equal(dhcp_lease_list(t, 150, NULL, info, 4), 2);
	/* infinite lease listed with expiry 0 */
	assert_int_equal(dhcp_lease_list(t, 1000000, MAC1, info, 4), 1);
	assert_int_equal(info[0].ip, IP(10, 0, 0, 6));
	assert_int_equal(info[0].expiry, 0);
	dhcp_lease_table_free(t);
}

static void test_hex_helpers(void **state)
{
	uint8_t b[8];
	char s[32];

	(void)state;
	assert_int_equal(dhcp_parse_mac("52:54:00:AA:bb:0c", b), 6);
	assert_int_equal(b[3], 0xaa);
	assert_int_equal(b[5], 0x0c);
	assert_int_equal(dhcp_parse_mac("52:54:00:aa:bb", b), -EINVAL);
	assert_int_equal(dhcp_parse_mac("52:54:00:aa:bb:cc:dd", b), -EINVAL);
	assert_int_equal(dhcp_parse_mac("52-54-00-aa-bb-cc", b), -EINVAL);
	assert_int_equal(dhcp_parse_mac("", b), -EINVAL);
	assert_int_equal(dhcp_parse_mac("zz:54:00:aa:bb:cc", b), -EINVAL);
	assert_int_equal(dhcp_parse_hex_colon("ff:0:1", b, sizeof(b)), 3);
	assert_int_equal(b[1], 0);
	assert_int_equal(dhcp_parse_hex_colon("01:02:", b, sizeof(b)), -EINVAL);
	dhcp_format_hex_colon(CLID1, sizeof(CLID1), s);
	assert_string_equal(s, "01:52:54:00:aa:bb:01");
}

static void test_save_load_roundtrip(void **state)
{
	struct tmpdir *td = *state;
	struct dhcp_lease_table *t = dhcp_lease_table_create(8), *u;
	struct dhcp_lease *l;
	size_t loaded, skipped;

	dhcp_lease_add(t, IP(192, 168, 122, 45), MAC1, CLID1, sizeof(CLID1), "vm1",
		       DHCP_LEASE_BOUND, 1700000000, NULL);
	dhcp_lease_add(t, IP(192, 168, 122, 46), MAC2, NULL, 0, NULL, DHCP_LEASE_BOUND,
		       DHCP_EXPIRY_NEVER, NULL);
	dhcp_lease_add(t, IP(192, 168, 122, 47), MAC2, CLID2, sizeof(CLID2), NULL,
		       DHCP_LEASE_EXPIRED, 1600000000, NULL);
	/* not persisted: offers and quarantine */
	dhcp_lease_add(t, IP(192, 168, 122, 48), NULL, NULL, 0, NULL, DHCP_LEASE_DECLINED,
		       1700000000, NULL);
	assert_int_equal(dhcp_lease_save(t, td->file), 0);

	u = dhcp_lease_table_create(8);
	assert_int_equal(dhcp_lease_load(u, td->file, 1650000000, NULL, NULL, &loaded, &skipped), 0);
	assert_int_equal(loaded, 3);
	assert_int_equal(skipped, 0);
	l = dhcp_lease_find_ip(u, IP(192, 168, 122, 45));
	assert_non_null(l);
	assert_int_equal(l->state, DHCP_LEASE_BOUND);
	assert_memory_equal(l->mac, MAC1, 6);
	assert_int_equal(l->clid_len, sizeof(CLID1));
	assert_memory_equal(l->clid, CLID1, sizeof(CLID1));
	assert_string_equal(l->hostname, "vm1");
	assert_int_equal(l->expiry, 1700000000);
	l = dhcp_lease_find_ip(u, IP(192, 168, 122, 46));
	assert_int_equal(l->expiry, DHCP_EXPIRY_NEVER);
	assert_int_equal(l->clid_len, 0);
	assert_string_equal(l->hostname, "");
	l = dhcp_lease_find_ip(u, IP(192, 168, 122, 47));
	assert_int_equal(l->state, DHCP_LEASE_EXPIRED); /* past expiry at load time */
	assert_null(dhcp_lease_find_ip(u, IP(192, 168, 122, 48)));
	dhcp_lease_table_free(t);
	dhcp_lease_table_free(u);
}

/* The file has exactly libvirt's dnsmasq .status shape. */
static void test_save_json_shape(void **state)
{
	struct tmpdir *td = *state;
	struct dhcp_lease_table *t = dhcp_lease_table_create(4);
	json_error_t err;
	json_t *root, *o;
	struct stat st;
	DIR *d;
	struct dirent *e;
	int files = 0;

	dhcp_lease_add(t, IP(192, 168, 122, 45), MAC1, CLID1, sizeof(CLID1), "vm1",
		       DHCP_LEASE_BOUND, 1700000000, NULL);
	dhcp_lease_add(t, IP(192, 168, 122, 46), MAC2, NULL, 0, NULL, DHCP_LEASE_BOUND,
		       DHCP_EXPIRY_NEVER, NULL);
	assert_int_equal(dhcp_lease_save(t, td->file), 0);
	/* save twice: rename over an existing file */
	assert_int_equal(dhcp_lease_save(t, td->file), 0);

	root = json_load_file(td->file, 0, &err);
	assert_non_null(root);
	assert_true(json_is_array(root));
	assert_int_equal(json_array_size(root), 2);
	o = json_array_get(root, 0);
	assert_string_equal(json_string_value(json_object_get(o, "ip-address")), "192.168.122.45");
	assert_string_equal(json_string_value(json_object_get(o, "mac-address")), "52:54:00:aa:bb:01");
	assert_string_equal(json_string_value(json_object_get(o, "hostname")), "vm1");
	assert_string_equal(json_string_value(json_object_get(o, "client-id")), "01:52:54:00:aa:bb:01");
	assert_int_equal(json_integer_value(json_object_get(o, "expiry-time")), 1700000000);
	assert_int_equal(json_object_size(o), 5);
	o = json_array_get(root, 1);
	assert_null(json_object_get(o, "hostname"));
	assert_null(json_object_get(o, "client-id"));
	assert_int_equal(json_integer_value(json_object_get(o, "expiry-time")), 0);
	json_decref(root);

	assert_int_equal(stat(td->file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* no temp files left behind */
	d = opendir(td->dir);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			files++;
	closedir(d);
	assert_int_equal(files, 1);
	dhcp_lease_table_free(t);
}

static void test_save_errors(void **state)
{
	struct dhcp_lease_table *t = dhcp_lease_table_create(4);

	(void)state;
	assert_int_equal(dhcp_lease_save(t, "/nonexistent-dir/x/leases.status"), -ENOENT);
	assert_int_equal(dhcp_lease_save(t, ""), -EINVAL);
	assert_int_equal(dhcp_lease_save(NULL, "/tmp/x"), -EINVAL);
	dhcp_lease_table_free(t);
}

static void test_load_errors(void **state)
{
	struct tmpdir *td = *state;
	struct dhcp_lease_table *t = dhcp_lease_table_create(4);
	size_t loaded = 99, skipped = 99;

	assert_int_equal(dhcp_lease_load(t, td->file, 0, NULL, NULL, &loaded, &skipped), -ENOENT);
	assert_int_equal(loaded, 0);
	write_file(td->file, "");
	assert_int_equal(dhcp_lease_load(t, td->file, 0, NULL, NULL, NULL, NULL), 0);
	write_file(td->file, "not json at all {");
	assert_int_equal(dhcp_lease_load(t, td->file, 0, NULL, NULL, NULL, NULL), -EBADMSG);
	write_file(td->file, "{\"ip-address\": \"192.168.122.2\"}");
	assert_int_equal(dhcp_lease_load(t, td->file, 0, NULL, NULL, NULL, NULL), -EBADMSG);
	write_file(td->file, "[{\"ip-address\": \"192.168.122.2\", ");
	assert_int_equal(dhcp_lease_load(t, td->file, 0, NULL, NULL, NULL, NULL), -EBADMSG);
	assert_int_equal(dhcp_lease_load(t, td->dir, 0, NULL, NULL, NULL, NULL), -EBADMSG);
	assert_int_equal(dhcp_lease_count(t, 0), 0);
	dhcp_lease_table_free(t);
}

static int accept_not_99(void *ctx, uint32_t ip, const uint8_t mac[6], const uint8_t *clid,
			 size_t clid_len)
{
	(void)mac;
	(void)clid;
	(void)clid_len;
	(*(int *)ctx)++;
	return ip != IP(192, 168, 122, 99);
}

static void test_load_skips_garbage(void **state)
{
	struct tmpdir *td = *state;
	struct dhcp_lease_table *t = dhcp_lease_table_create(16);
	size_t loaded, skipped;
	int calls = 0;
	struct dhcp_lease *l;

	write_file(td->file,
		   "[\n"
		   " {\"ip-address\":\"192.168.122.10\",\"mac-address\":\"52:54:00:00:00:10\",\"expiry-time\":2000},\n"
		   " 42,\n"
		   " \"string\",\n"
		   " {},\n"
		   " {\"ip-address\":\"192.168.122.300\",\"mac-address\":\"52:54:00:00:00:11\",\"expiry-time\":2000},\n"
		   " {\"ip-address\":\"192.168.122\",\"mac-address\":\"52:54:00:00:00:11\",\"expiry-time\":2000},\n"
		   " {\"ip-address\":\"192.168.122.11\",\"mac-address\":\"52:54:00:00:00\",\"expiry-time\":2000},\n"
		   " {\"ip-address\":\"192.168.122.12\",\"mac-address\":\"52:54:00:00:00:12\"},\n"
		   " {\"ip-address\":\"192.168.122.13\",\"mac-address\":\"52:54:00:00:00:13\",\"expiry-time\":\"soon\"},\n"
		   " {\"ip-address\":\"192.168.122.14\",\"mac-address\":\"52:54:00:00:00:14\",\"expiry-time\":-5},\n"
		   " {\"ip-address\":\"192.168.122.15\",\"mac-address\":\"52:54:00:00:00:15\",\"expiry-time\":2000,\"client-id\":\"xx\"},\n"
		   " {\"ip-address\":\"192.168.122.16\",\"mac-address\":\"52:54:00:00:00:16\",\"expiry-time\":2000,\"hostname\":\"bad\\nname\"},\n"
		   " {\"ip-address\":\"192.168.122.10\",\"mac-address\":\"52:54:00:00:00:17\",\"expiry-time\":2000},\n"
		   " {\"ip-address\":\"192.168.122.18\",\"mac-address\":\"52:54:00:00:00:10\",\"expiry-time\":2000},\n"
		   " {\"ip-address\":\"192.168.122.99\",\"mac-address\":\"52:54:00:00:00:99\",\"expiry-time\":2000},\n"
		   " {\"ip-address\":\"192.168.122.20\",\"mac-address\":\"52:54:00:00:00:20\",\"expiry-time\":2000,\n"
		   "  \"client-id\":\"ff:00:00:00:01\",\"hostname\":\"good\",\"extra\":true},\n"
		   " {\"ip-address\":\"0.0.0.0\",\"mac-address\":\"52:54:00:00:00:21\",\"expiry-time\":2000}\n"
		   "]\n");
	assert_int_equal(dhcp_lease_load(t, td->file, 1000, accept_not_99, &calls, &loaded,
					 &skipped), 0);
	assert_int_equal(loaded, 2);
	assert_int_equal(skipped, 15);
	assert_true(calls >= 2);
	assert_non_null(dhcp_lease_find_ip(t, IP(192, 168, 122, 10)));
	l = dhcp_lease_find_ip(t, IP(192, 168, 122, 20));
	assert_non_null(l);
	assert_string_equal(l->hostname, "good");
	assert_int_equal(l->clid_len, 5);
	assert_int_equal(l->state, DHCP_LEASE_BOUND);
	assert_null(dhcp_lease_find_ip(t, IP(192, 168, 122, 99)));
	assert_null(dhcp_lease_find_ip(t, IP(192, 168, 122, 18))); /* duplicate client */
	dhcp_lease_table_free(t);
}

static void test_load_more_than_capacity(void **state)
{
	struct tmpdir *td = *state;
	struct dhcp_lease_table *t = dhcp_lease_table_create(1);
	size_t loaded, skipped;

	write_file(td->file,
		   "[{\"ip-address\":\"10.0.0.2\",\"mac-address\":\"52:54:00:00:00:02\",\"expiry-time\":5},"
		   " {\"ip-address\":\"10.0.0.3\",\"mac-address\":\"52:54:00:00:00:03\",\"expiry-time\":5}]");
	assert_int_equal(dhcp_lease_load(t, td->file, 0, NULL, NULL, &loaded, &skipped), 0);
	assert_int_equal(loaded, 1);
	assert_int_equal(skipped, 1);
	dhcp_lease_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_free),
		cmocka_unit_test(test_add_find_remove),
		cmocka_unit_test(test_iter_remove_all),
		cmocka_unit_test(test_find_client_rules),
		cmocka_unit_test(test_expire_and_list),
		cmocka_unit_test(test_hex_helpers),
		cmocka_unit_test_setup_teardown(test_save_load_roundtrip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_save_json_shape, setup_dir, teardown_dir),
		cmocka_unit_test(test_save_errors),
		cmocka_unit_test_setup_teardown(test_load_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_skips_garbage, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_more_than_capacity, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
