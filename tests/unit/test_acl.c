/* test_acl — security groups compiled into a port's dataplane rules
 * (control/policy/sg_compile.c) and matched (dataplane/acl.c): union of groups,
 * directions, ports, ICMP type/code, prefixes, remote groups expanded to
 * their members' addresses, IPv6 any, a group without rules denying all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "control/policy/sg_compile.h"

static struct sg_db *db;
static struct sg_group web, dflt, empty;

static void add(struct sg_group *g, const char *json)
{
	struct sg_rule r;
	struct sg_err e;
	char buf[512];
	snprintf(buf, sizeof(buf), "{\"security_group_id\":\"%s\",%s}", g->id, json);
	json_t *o = json_loads(buf, 0, NULL);
	assert_non_null(o);
	assert_int_equal(sg_rule_from_json(o, false, &r, &e), 0);
	json_decref(o);
	assert_int_equal(sg_group_add_rule(g, &r), 0);
}

/* default's members: 10.0.0.5 and the prefix 10.9.0.0/16 */
static size_t members(const char *gid, struct sg_member *out, size_t max, void *ctx)
{
	if (strcmp(gid, dflt.id))
		return 0;
	out[0] = (struct sg_member){ inet_addr("10.0.0.5"), 0xffffffffu };
	out[1] = (struct sg_member){ inet_addr("10.9.0.0"), htonl(0xffff0000u) };
	return 2;
}

static int setup(void **s)
{
	db = sg_db_new();
	assert_int_equal(sg_group_make(&dflt, "default", "", true), 0);
	assert_int_equal(sg_group_make(&web, "web", "", false), 0);
	memset(&empty, 0, sizeof(empty));
	sg_uuid_new(empty.id);
	strcpy(empty.name, "empty");
	add(&web, "\"direction\":\"ingress\",\"protocol\":\"tcp\",\"port_range_min\":22,\"port_range_max\":22");
	add(&web, "\"direction\":\"ingress\",\"protocol\":\"udp\",\"port_range_min\":1000,\"port_range_max\":2000,\"remote_ip_prefix\":\"192.0.2.0/24\"");
	add(&web, "\"direction\":\"ingress\",\"protocol\":\"icmp\",\"port_range_min\":8,\"port_range_max\":0");
	add(&web, "\"direction\":\"ingress\",\"protocol\":\"icmp\",\"port_range_min\":3");
	assert_int_equal(sg_db_put(db, &dflt), 0);
	assert_int_equal(sg_db_put(db, &web), 0);
	assert_int_equal(sg_db_put(db, &empty), 0);
	return 0;
}

static int teardown(void **s)
{
	sg_group_free(&dflt);
	sg_group_free(&web);
	sg_db_free(db);
	return 0;
}

#define IP(x) inet_addr(x)

static void one_group(void **s)
{
	char ids[1][SG_ID_LEN + 1];
	memcpy(ids[0], web.id, sizeof(ids[0]));
	struct acl_set *a = sg_compile(db, ids, 1, members, NULL);
	assert_non_null(a);
	assert_int_equal(a->n[ACL_IN], 4);
	assert_int_equal(a->n[ACL_OUT], 1); /* egress IPv4 any; IPv6 any sets the flag */
	assert_true(a->v6_any[ACL_OUT]);
	assert_false(a->v6_any[ACL_IN]);
	/* ingress */
	assert_true(acl_allows(a, ACL_IN, 6, IP("198.51.100.1"), 22, 0, 0));
	assert_false(acl_allows(a, ACL_IN, 6, IP("198.51.100.1"), 23, 0, 0));
	assert_false(acl_allows(a, ACL_IN, 17, IP("198.51.100.1"), 22, 0, 0));
	assert_true(acl_allows(a, ACL_IN, 17, IP("192.0.2.9"), 1500, 0, 0));
	assert_false(acl_allows(a, ACL_IN, 17, IP("192.0.2.9"), 2001, 0, 0));
	assert_false(acl_allows(a, ACL_IN, 17, IP("192.0.3.9"), 1500, 0, 0));
	assert_true(acl_allows(a, ACL_IN, 1, IP("198.51.100.1"), 0, 8, 0));   /* echo */
	assert_false(acl_allows(a, ACL_IN, 1, IP("198.51.100.1"), 0, 8, 1));  /* code */
	assert_true(acl_allows(a, ACL_IN, 1, IP("198.51.100.1"), 0, 3, 13)); /* any code */
	assert_false(acl_allows(a, ACL_IN, 1, IP("198.51.100.1"), 0, 0, 0));  /* echo reply */
	assert_false(acl_allows(a, ACL_IN, 47, IP("198.51.100.1"), 0, 0, 0));
	/* egress: anything */
	assert_true(acl_allows(a, ACL_OUT, 47, IP("198.51.100.1"), 0, 0, 0));
	free(a);
}

static void union_and_remote_group(void **s)
{
	char ids[2][SG_ID_LEN + 1];
	memcpy(ids[0], web.id, sizeof(ids[0]));
	memcpy(ids[1], dflt.id, sizeof(ids[1]));
	struct acl_set *a = sg_compile(db, ids, 2, members, NULL);
	assert_non_null(a);
	/* web's 4 + default's ingress IPv4 from its 2 members */
	assert_int_equal(a->n[ACL_IN], 6);
	assert_true(a->v6_any[ACL_OUT]);
	assert_false(a->v6_any[ACL_IN]); /* default's IPv6 ingress is from members only */
	assert_true(acl_allows(a, ACL_IN, 17, IP("10.0.0.5"), 53, 0, 0));
	assert_true(acl_allows(a, ACL_IN, 47, IP("10.9.200.1"), 0, 0, 0));
	assert_false(acl_allows(a, ACL_IN, 17, IP("10.0.0.6"), 53, 0, 0));
	/* the same compile twice: equal; a change: not */
	struct acl_set *b = sg_compile(db, ids, 2, members, NULL);
	assert_true(acl_set_equal(a, b));
	struct acl_set *c = acl_set_dup(b);
	assert_true(acl_set_equal(c, b));
	c->r[ACL_IN][0].pmax = 23;
	assert_false(acl_set_equal(c, b));
	assert_false(acl_set_equal(c, NULL));
	free(a);
	free(b);
	free(c);
}

static void empty_group_denies(void **s)
{
	char ids[1][SG_ID_LEN + 1];
	memcpy(ids[0], empty.id, sizeof(ids[0]));
	struct acl_set *a = sg_compile(db, ids, 1, members, NULL);
	assert_non_null(a);
	assert_int_equal(a->n[ACL_IN] + a->n[ACL_OUT], 0);
	assert_false(acl_allows(a, ACL_OUT, 6, IP("10.0.0.5"), 80, 0, 0));
	assert_false(a->v6_any[ACL_OUT]);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_group),
		cmocka_unit_test(union_and_remote_group),
		cmocka_unit_test(empty_group_denies),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
