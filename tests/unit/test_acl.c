/* test_acl — security groups compiled into a port's dataplane rules
 * (control/policy/sg_compile.c) and matched (dataplane/acl.c): union of groups,
 * directions, ports, ICMP type/code, prefixes, remote groups expanded to
 * their members' addresses, IPv6 any, a group without rules denying all;
 * the tuple-space index (acl_set_build) against the linear scan on thousands
 * of random rule sets and packets (ACL_TEST_SEED=N: another sequence). */
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
	assert_true(acl_set_index_bytes(a) > 0); /* sg_compile builds the index */
	acl_set_free(a);
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
	assert_int_equal(acl_set_index_bytes(c), acl_set_index_bytes(b)); /* the copy has it */
	acl_set_free(a);
	acl_set_free(b);
	acl_set_free(c);
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
	acl_set_free(a);
}

/* ---- the index against the linear scan ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

/* Remote addresses come from a small pool so that rules and packets meet. */
static uint32_t pool_addr(void)
{
	static const uint32_t base[] = { 0x0a000000u, 0x0a000100u, 0xc0a80000u, 0xc6336400u };
	if (below(16) == 0)
		return rnd();
	return htonl(base[below(4)] | below(8) << (below(2) ? 8 : 0) | below(8));
}

static const int16_t protos[] = { 6, 17, 1, 132, 33, 136, 47, 0, 255, 58 };

static int32_t rand_port(void)
{
	static const int32_t v[] = { 0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65534, 65535 };
	switch (below(8)) {
	case 0:
		return (int32_t)below(65536);
	case 1: /* out of range: the scan's comparisons decide */
		return below(2) ? -3 : 70000;
	default:
		return v[below(sizeof(v) / sizeof(v[0]))];
	}
}

static int16_t rand_icmp(void)
{
	static const int16_t v[] = { 0, 3, 8, 11, 13, 255 };
	switch (below(10)) {
	case 0:
	case 1:
	case 2:
		return ACL_ANY;
	case 3:
		return (int16_t)below(256);
	case 4:
		return below(2) ? 300 : -2; /* never matches */
	default:
		return v[below(sizeof(v) / sizeof(v[0]))];
	}
}

static void rand_rule(struct acl_rule *r)
{
	unsigned plen = below(4) ? (const unsigned[]){ 0, 8, 16, 24, 32, 32, 32 }[below(7)] : below(33);
	r->mask = htonl(plen ? ~0u << (32 - plen) : 0);
	if (below(64) == 0) /* not a prefix: the index takes any mask */
		r->mask = rnd();
	r->net = pool_addr() & r->mask;
	if (below(64) == 0) /* bits outside the mask: never matches */
		r->net |= ~r->mask & rnd();
	unsigned k = below(16);
	r->proto = k < 4 ? ACL_ANY : k < 14 ? protos[k - 4] : k == 14 ? (int16_t)below(256) : 300;
	switch (below(6)) {
	case 0:
		r->pmin = r->pmax = ACL_ANY;
		break;
	case 1:
		r->pmin = 0, r->pmax = 65535;
		break;
	case 2:
		r->pmin = rand_port(), r->pmax = ACL_ANY; /* pmax any: the scan's ports never match */
		break;
	case 3:
		r->pmin = r->pmax = rand_port();
		break;
	default:
		r->pmin = rand_port(), r->pmax = rand_port(); /* may be reversed */
		break;
	}
	r->icmp_type = rand_icmp();
	r->icmp_code = rand_icmp();
}

/* A packet near a rule of the set (or anywhere). */
static void rand_packet(const struct acl_set *a, unsigned dir, uint8_t *proto, uint32_t *remote,
			uint16_t *dport, uint8_t *type, uint8_t *code)
{
	const struct acl_rule *r = a->n[dir] && below(4) ? &a->r[dir][below(a->n[dir])] : NULL;
	*proto = (uint8_t)(r && r->proto != ACL_ANY && below(4) ? r->proto
			   : protos[below(sizeof(protos) / sizeof(protos[0]))]);
	if (below(16) == 0)
		*proto = (uint8_t)below(256);
	*remote = r && below(2) ? (r->net & r->mask) | (rnd() & ~r->mask) : pool_addr();
	int32_t p = r && below(2) ? (below(2) ? r->pmin : r->pmax) + (int32_t)below(3) - 1
				  : rand_port();
	*dport = (uint16_t)p;
	*type = (uint8_t)(r && r->icmp_type >= 0 && below(2) ? r->icmp_type : rand_icmp());
	*code = (uint8_t)(r && r->icmp_code >= 0 && below(2) ? r->icmp_code : rand_icmp());
	if (*proto != 1)
		*type = *code = 0; /* as the acl stage passes them */
	else
		*dport = 0;
}

/* Thousands of random sets: the built index (and its copy) answers as the
 * scan does for every packet. */
static void index_matches_scan(void **s)
{
	const char *seed = getenv("ACL_TEST_SEED");
	if (seed)
		rng = strtoull(seed, NULL, 0) | 1;
	unsigned long allowed = 0, denied = 0;
	for (unsigned set = 0; set < 4000; set++) {
		uint32_t n_in = below(set % 10 == 0 ? 400 : 40), n_out = below(40);
		struct acl_set *ref = acl_set_new(n_in, n_out);
		assert_non_null(ref);
		ref->n[ACL_IN] = n_in;
		ref->n[ACL_OUT] = n_out;
		for (uint32_t i = 0; i < n_in + n_out; i++)
			rand_rule(&ref->rules[i]);
		struct acl_set *ix = acl_set_dup(ref);
		assert_non_null(ix);
		assert_int_equal(acl_set_build(ix), 0);
		if (set % 2) /* a rebuild replaces the index */
			assert_int_equal(acl_set_build(ix), 0);
		assert_true(acl_set_index_bytes(ix) > 0);
		struct acl_set *copy = acl_set_dup(ix);
		assert_non_null(copy);
		for (unsigned k = 0; k < 300; k++) {
			unsigned dir = k & 1;
			uint8_t proto, type, code;
			uint32_t remote;
			uint16_t dport;
			rand_packet(ref, dir, &proto, &remote, &dport, &type, &code);
			bool want = acl_allows(ref, dir, proto, remote, dport, type, code);
			bool got = acl_allows(ix, dir, proto, remote, dport, type, code);
			if (want != got || got != acl_allows(copy, dir, proto, remote, dport, type, code)) {
				print_message("set %u (%u in, %u out) dir %u proto %u remote %08x "
					      "dport %u icmp %u/%u: scan %d, index %d\n",
					      set, n_in, n_out, dir, proto, ntohl(remote), dport,
					      type, code, want, got);
				fail();
			}
			want ? allowed++ : denied++;
		}
		acl_set_free(copy);
		acl_set_free(ix);
		acl_set_free(ref);
	}
	print_message("%lu allowed, %lu denied\n", allowed, denied);
	/* both answers are common, or the comparison proves little */
	assert_true(allowed > 100000 && denied > 100000);
}

/* More distinct masks than the index takes: no index, the scan answers. */
static void many_masks_scan(void **s)
{
	struct acl_set *a = acl_set_new(0, 300);
	assert_non_null(a);
	a->n[ACL_OUT] = 300;
	for (unsigned i = 0; i < 300; i++)
		a->r[ACL_OUT][i] = (struct acl_rule){ .mask = htonl(0xffff0000u | i),
						      .net = htonl(0x0b000000u),
						      .proto = ACL_ANY, .pmin = ACL_ANY,
						      .pmax = ACL_ANY, .icmp_type = ACL_ANY,
						      .icmp_code = ACL_ANY };
	a->r[ACL_OUT][299].mask = 0xffffffffu;
	a->r[ACL_OUT][299].net = htonl(0x0a00012bu);
	assert_int_equal(acl_set_build(a), 0);
	assert_int_equal(acl_set_index_bytes(a), 0);
	assert_true(acl_allows(a, ACL_OUT, 6, htonl(0x0a00012bu), 80, 0, 0));
	assert_false(acl_allows(a, ACL_OUT, 6, htonl(0x0a00ff00u), 80, 0, 0));
	assert_true(acl_allows(a, ACL_OUT, 6, htonl(0x0b00ffffu), 80, 0, 0));
	acl_set_free(a);
}

/* 10,000 rules of a realistic shape (remote group members, /24s, any):
 * the index agrees with the scan on packets aimed at them. */
static void large_set(void **s)
{
	struct acl_set *a = acl_set_new(10000, 0);
	assert_non_null(a);
	a->n[ACL_IN] = 10000;
	for (unsigned i = 0; i < 10000; i++) {
		struct acl_rule *r = &a->r[ACL_IN][i];
		unsigned plen = i % 10 < 7 ? 32 : i % 10 < 9 ? 24 : 0;
		r->mask = htonl(plen ? ~0u << (32 - plen) : 0);
		r->net = htonl(0x0a000000u + i * 37) & r->mask;
		r->proto = (const int16_t[]){ 6, 6, 17, 1, ACL_ANY }[i % 5];
		r->pmin = (int32_t)(i % 1000);
		r->pmax = r->pmin + (int32_t)(i % 3) * 100;
		r->icmp_type = i % 7 ? 8 : ACL_ANY;
		r->icmp_code = ACL_ANY;
	}
	struct acl_set *b = acl_set_dup(a);
	assert_int_equal(acl_set_build(b), 0);
	unsigned hits = 0;
	for (unsigned k = 0; k < 200000; k++) {
		const struct acl_rule *r = &a->r[ACL_IN][below(10000)];
		uint8_t proto = (uint8_t)(const int[]){ 6, 17, 1, 47 }[below(4)];
		uint32_t remote = (r->net & r->mask) | (rnd() & ~r->mask & htonl(0xff));
		uint16_t dport = proto == 1 ? 0 : (uint16_t)(r->pmin + (int32_t)below(400) - 100);
		uint8_t type = proto == 1 ? (uint8_t)(below(2) ? 8 : 0) : 0;
		bool want = acl_allows(a, ACL_IN, proto, remote, dport, type, 0);
		assert_int_equal(acl_allows(b, ACL_IN, proto, remote, dport, type, 0), want);
		hits += want;
	}
	assert_true(hits > 1000 && hits < 199000);
	acl_set_free(b);
	acl_set_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_group),
		cmocka_unit_test(union_and_remote_group),
		cmocka_unit_test(empty_group_denies),
		cmocka_unit_test(index_matches_scan),
		cmocka_unit_test(many_masks_scan),
		cmocka_unit_test(large_set),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
