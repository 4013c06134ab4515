/* test_policy — security group model: Neutron's validation rules and
 * messages, the JSON codec, the group set's conflicts (duplicate rule,
 * default group, unknown groups, cascading remote-group rules). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/sg.h"
#include "policy/sg_db.h"

#define G "0b7c2a4e-1111-4a2b-8c3d-000000000001"
#define G2 "0b7c2a4e-1111-4a2b-8c3d-000000000002"

static int rule_of(const char *body, struct sg_rule *r, struct sg_err *e)
{
	json_error_t je;
	json_t *o = json_loads(body, 0, &je);
	assert_non_null(o);
	int rc = sg_rule_from_json(o, false, r, e);
	json_decref(o);
	return rc;
}

/* Each bad rule: its body (members besides security_group_id), the status
 * and the start of Neutron's message. */
static const struct {
	const char *body;
	int status;
	const char *msg;
} bad_rules[] = {
	{ "{\"direction\":\"ingress\"}", 400,
	  "Failed to parse request. Required attribute 'security_group_id' not specified" },
	{ "{\"security_group_id\":\"nope\",\"direction\":\"ingress\"}", 400,
	  "Invalid input for security_group_id. Reason: 'nope' is not a valid UUID." },
	{ "{\"security_group_id\":\"" G "\"}", 400,
	  "Failed to parse request. Required attribute 'direction' not specified" },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"inbound\"}", 400,
	  "Invalid input for direction. Reason: 'inbound' is not in ['ingress', 'egress']." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":1}", 400,
	  "Invalid input for direction. Reason: 'integer' is not a valid string." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"ethertype\":\"IPv5\"}", 400,
	  "Security group rule for ethertype 'IPv5' not supported. Allowed values are ['IPv4', 'IPv6']." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"tcpx\"}", 400,
	  "Security group rule protocol tcpx not supported. Only protocol values [None, 'ah'," },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"256\"}", 400,
	  "Security group rule protocol 256 not supported." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":-1}", 400,
	  "Security group rule protocol -1 not supported." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":true}", 400,
	  "Security group rule protocol (not a string) not supported." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"port_range_min\":22,\"port_range_max\":22}", 400,
	  "Must also specify protocol if port range is given." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"tcp\",\"port_range_min\":80,\"port_range_max\":22}", 400,
	  "For TCP/UDP protocols, port_range_min must be <= port_range_max" },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"udp\",\"port_range_min\":53}", 400,
	  "For TCP/UDP protocols, port_range_min must be <= port_range_max" },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"tcp\",\"port_range_min\":0,\"port_range_max\":22}", 400,
	  "Invalid value for port 0." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"tcp\",\"port_range_min\":1,\"port_range_max\":65536}", 400,
	  "Invalid value for port 65536." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"tcp\",\"port_range_min\":-5,\"port_range_max\":22}", 400,
	  "Invalid value for port -5." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"tcp\",\"port_range_min\":\"2x\",\"port_range_max\":22}", 400,
	  "Invalid value for port 2x." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"icmp\",\"port_range_min\":256}", 400,
	  "Invalid value for ICMP type (port_range_min) 256. It must be 0 to 255." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"icmp\",\"port_range_min\":8,\"port_range_max\":300}", 400,
	  "Invalid value for ICMP code (port_range_max) 300. It must be 0 to 255." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"icmp\",\"port_range_max\":0}", 400,
	  "ICMP code (port-range-max) 0 is provided but ICMP type (port-range-min) is missing." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"gre\",\"port_range_min\":1,\"port_range_max\":2}", 400,
	  "Invalid protocol gre for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"protocol\":\"icmpv6\"}", 400,
	  "Invalid ethertype IPv4 for protocol icmpv6." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"remote_ip_prefix\":\"::/0\"}", 400,
	  "Conflicting value ethertype IPv4 for CIDR ::/0" },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"ethertype\":\"IPv6\",\"remote_ip_prefix\":\"10.0.0.0/8\"}", 400,
	  "Conflicting value ethertype IPv6 for CIDR 10.0.0.0/8" },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"remote_ip_prefix\":\"10.0.0.0/33\"}", 400,
	  "Invalid input for remote_ip_prefix. Reason: '10.0.0.0/33' is not a valid IP subnet." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"remote_ip_prefix\":\"10.0.0/8\"}", 400,
	  "Invalid input for remote_ip_prefix. Reason: '10.0.0/8' is not a valid IP subnet." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"remote_ip_prefix\":\"10.0.0.0/8\",\"remote_group_id\":\"" G "\"}", 400,
	  "Only remote_ip_prefix or remote_group_id may be provided." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"remote_group_id\":\"x\"}", 400,
	  "Invalid input for remote_group_id. Reason: 'x' is not a valid UUID." },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"tenant_id\":\"x\"}", 400,
	  "Unrecognized attribute(s) 'tenant_id'" },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"id\":\"" G "\"}", 400,
	  "Unrecognized attribute(s) 'id'" },
	{ "{\"security_group_id\":\"" G "\",\"direction\":\"ingress\",\"description\":7}", 400,
	  "Invalid input for description. Reason: 'integer' is not a valid string." },
};

static void bad_rule_messages(void **s)
{
	for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
		struct sg_rule r;
		struct sg_err e = { 0 };
		int rc = rule_of(bad_rules[i].body, &r, &e);
		if (rc >= 0 || e.status != bad_rules[i].status ||
		    strncmp(e.msg, bad_rules[i].msg, strlen(bad_rules[i].msg)))
			fail_msg("case %zu (%s): rc %d status %d message '%s'", i, bad_rules[i].body,
				 rc, e.status, e.msg);
	}
	assert_true(sizeof(bad_rules) / sizeof(bad_rules[0]) >= 30);
}

static void good_rules(void **s)
{
	struct sg_rule r;
	struct sg_err e;
	/* ssh from anywhere: protocol echoed as given, prefix normalised */
	assert_int_equal(rule_of("{\"security_group_id\":\"" G "\",\"direction\":\"ingress\","
				 "\"protocol\":\"TCP\",\"port_range_min\":22,\"port_range_max\":\"22\","
				 "\"remote_ip_prefix\":\"10.1.2.3/8\"}", &r, &e), 0);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.port_min, 22);
	assert_int_equal(r.port_max, 22);
	assert_int_equal(r.plen, 8);
	r.id[0] = 'x';
	json_t *j = sg_rule_to_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "protocol")), "tcp");
	assert_string_equal(json_string_value(json_object_get(j, "remote_ip_prefix")), "10.0.0.0/8");
	assert_string_equal(json_string_value(json_object_get(j, "ethertype")), "IPv4");
	assert_true(json_is_null(json_object_get(j, "remote_group_id")));
	json_decref(j);
	/* a number, ICMP type alone, ICMPv6 on IPv6, any protocol */
	assert_int_equal(rule_of("{\"security_group_id\":\"" G "\",\"direction\":\"egress\","
				 "\"protocol\":17}", &r, &e), 0);
	assert_int_equal(r.proto, 17);
	assert_string_equal(r.proto_text, "17");
	assert_int_equal(rule_of("{\"security_group_id\":\"" G "\",\"direction\":\"ingress\","
				 "\"protocol\":\"icmp\",\"port_range_min\":8}", &r, &e), 0);
	assert_int_equal(r.port_min, 8);
	assert_int_equal(r.port_max, SG_PORT_NONE);
	assert_int_equal(rule_of("{\"security_group_id\":\"" G "\",\"direction\":\"ingress\","
				 "\"ethertype\":\"ipv6\",\"protocol\":\"ipv6-icmp\",\"port_range_min\":128,"
				 "\"port_range_max\":0,\"remote_ip_prefix\":\"2001:db8::1/32\"}", &r, &e), 0);
	assert_int_equal(r.ethertype, SG_IPV6);
	assert_int_equal(r.proto, 58);
	char pfx[64];
	sg_prefix_format(6, r.prefix, r.plen, pfx, sizeof(pfx));
	assert_string_equal(pfx, "2001:db8::/32");
	assert_int_equal(rule_of("{\"security_group_id\":\"" G "\",\"direction\":\"ingress\","
				 "\"protocol\":\"any\",\"remote_ip_prefix\":null}", &r, &e), 0);
	assert_int_equal(r.proto, SG_PROTO_ANY);
	assert_int_equal(rule_of("{\"security_group_id\":\"" G "\",\"direction\":\"ingress\","
				 "\"protocol\":null}", &r, &e), 0);
	assert_int_equal(r.proto, SG_PROTO_ANY);
}

static void duplicates(void **s)
{
	struct sg_rule a, b;
	struct sg_err e;
	assert_int_equal(rule_of("{\"security_group_id\":\"" G "\",\"direction\":\"ingress\","
				 "\"protocol\":\"tcp\",\"port_range_min\":22,\"port_range_max\":22}", &a, &e), 0);
	assert_int_equal(rule_of("{\"security_group_id\":\"" G "\",\"direction\":\"ingress\","
				 "\"protocol\":\"6\",\"port_range_min\":22,\"port_range_max\":22,"
				 "\"remote_ip_prefix\":\"0.0.0.0/0\",\"description\":\"other\"}", &b, &e), 0);
	assert_true(sg_rule_same(&a, &b)); /* tcp == 6, 0.0.0.0/0 == none */
	b.port_max = 23;
	assert_false(sg_rule_same(&a, &b));
	b.port_max = 22;
	b.direction = SG_EGRESS;
	assert_false(sg_rule_same(&a, &b));
}

static void db_semantics(void **s)
{
	struct sg_db *db = sg_db_new();
	struct sg_group def, web, tmp;
	struct sg_err e;
	assert_int_equal(sg_group_make(&def, "default", "Default security group", true), 0);
	assert_int_equal(def.n_rules, 4);
	assert_string_equal(def.rules[2].remote_group, def.id); /* ingress from itself */
	assert_int_equal(def.rules[0].direction, SG_EGRESS);
	assert_int_equal(sg_db_put(db, &def), 0);
	assert_int_equal(sg_db_check_create(db, "default", &e), -EEXIST);
	assert_int_equal(e.status, 409);
	assert_string_equal(e.msg, "Default security group already exists.");
	assert_int_equal(sg_db_check_delete(db, sg_db_default(db), &e), -EPERM);
	assert_string_equal(e.msg, "Insufficient rights for removing default security group.");
	assert_int_equal(sg_db_check_update(db, sg_db_default(db), true, "x", &e), -EPERM);
	assert_string_equal(e.msg, "Updating default security group not allowed.");

	assert_int_equal(sg_group_make(&web, "web", "", false), 0);
	assert_int_equal(web.n_rules, 2); /* the egress rules */
	assert_int_equal(sg_db_put(db, &web), 0);
	/* a rule into web from default's members */
	struct sg_rule r = { .direction = SG_INGRESS, .ethertype = SG_IPV4, .proto = 6,
			     .port_min = 80, .port_max = 80 };
	memcpy(r.group_id, web.id, sizeof(web.id));
	memcpy(r.remote_group, def.id, sizeof(def.id));
	assert_int_equal(sg_db_check_rule(db, &r, &e), 0);
	assert_int_equal(sg_group_copy(&tmp, sg_db_find_id(db, web.id)), 0);
	assert_int_equal(sg_group_add_rule(&tmp, &r), 0);
	assert_int_equal(sg_db_put(db, &tmp), 0);
	char rid[SG_ID_LEN + 1];
	memcpy(rid, tmp.rules[2].id, sizeof(rid));
	sg_group_free(&tmp);
	assert_int_equal(sg_db_check_rule(db, &r, &e), -EEXIST);
	assert_int_equal(e.status, 409);
	char want[128];
	snprintf(want, sizeof(want), "Security group rule already exists. Rule id is %s.", rid);
	assert_string_equal(e.msg, want);
	const struct sg_group *owner;
	assert_non_null(sg_db_find_rule(db, rid, &owner));
	assert_string_equal(owner->id, web.id);
	/* unknown group and remote group: 404 */
	memcpy(r.remote_group, G2, sizeof(r.remote_group));
	assert_int_equal(sg_db_check_rule(db, &r, &e), -ENOENT);
	assert_string_equal(e.msg, "Security group " G2 " does not exist");
	memcpy(r.group_id, G, sizeof(r.group_id));
	assert_int_equal(sg_db_check_rule(db, &r, &e), -ENOENT);
	assert_int_equal(e.status, 404);
	/* lookups by id or name; an ambiguous name is 409 */
	assert_ptr_equal(sg_db_lookup(db, "web", &e), sg_db_find_id(db, web.id));
	assert_null(sg_db_lookup(db, "nope", &e));
	assert_int_equal(e.status, 404);
	struct sg_group web2;
	assert_int_equal(sg_group_make(&web2, "web", "", false), 0);
	assert_int_equal(sg_db_put(db, &web2), 0);
	assert_null(sg_db_lookup(db, "web", &e));
	assert_int_equal(e.status, 409);
	/* deleting default's referrer list: web refers to default */
	const struct sg_group *ref[4];
	assert_int_equal(sg_db_referrers(db, def.id, ref, 4), 1);
	assert_string_equal(ref[0]->id, web.id);
	assert_int_equal(sg_group_copy(&tmp, ref[0]), 0);
	assert_int_equal(sg_group_drop_rules(&tmp, NULL, def.id), 1);
	assert_int_equal(tmp.n_rules, 2);
	sg_group_free(&tmp);
	sg_db_remove(db, web2.id);
	assert_int_equal(sg_db_count(db), 2);
	sg_group_free(&def);
	sg_group_free(&web);
	sg_group_free(&web2);
	sg_db_free(db);
}

/* sg_db_swap: the db takes the changed group without a copy, the caller
 * gets the old one back (api_sg.c's rollback swaps again); a rename keeps
 * the order by name; an unknown id is -ENOENT. */
static void db_swap(void **s)
{
	struct sg_db *db = sg_db_new();
	struct sg_group a, b, c;
	assert_int_equal(sg_group_make(&a, "a", "", false), 0);
	assert_int_equal(sg_group_make(&b, "b", "", false), 0);
	assert_int_equal(sg_db_put(db, &a), 0);
	assert_int_equal(sg_db_put(db, &b), 0);
	assert_int_equal(sg_group_copy(&c, &a), 0);
	struct sg_rule r = { .direction = SG_INGRESS, .ethertype = SG_IPV4, .proto = 6,
			     .port_min = 22, .port_max = 22 };
	assert_int_equal(sg_group_add_rule(&c, &r), 0);
	assert_int_equal(sg_db_swap(db, &c), 0);
	assert_int_equal(sg_db_find_id(db, a.id)->n_rules, 3);
	assert_int_equal(c.n_rules, 2); /* the old one */
	assert_int_equal(sg_db_swap(db, &c), 0); /* rollback */
	assert_int_equal(sg_db_find_id(db, a.id)->n_rules, 2);
	assert_int_equal(c.n_rules, 3);
	snprintf(c.name, sizeof(c.name), "z");
	assert_int_equal(sg_db_swap(db, &c), 0);
	assert_string_equal(sg_db_at(db, 0)->name, "b");
	assert_string_equal(sg_db_at(db, 1)->name, "z");
	assert_int_equal(sg_db_count(db), 2);
	sg_group_free(&c);
	assert_int_equal(sg_group_make(&c, "c", "", false), 0);
	assert_int_equal(sg_db_swap(db, &c), -ENOENT);
	sg_group_free(&a);
	sg_group_free(&b);
	sg_group_free(&c);
	sg_db_free(db);
}

static void store_roundtrip(void **s)
{
	struct sg_group g, back;
	struct sg_err e;
	assert_int_equal(sg_group_make(&g, "db", "databases", false), 0);
	json_t *j = sg_group_to_json(&g);
	char *txt = json_dumps(j, JSON_SORT_KEYS);
	json_decref(j);
	json_t *o = json_loads(txt, 0, NULL);
	memset(&back, 0, sizeof(back));
	assert_int_equal(sg_group_from_json(o, true, &back, NULL, NULL, &e), 0);
	json_decref(o);
	j = sg_group_to_json(&back);
	char *txt2 = json_dumps(j, JSON_SORT_KEYS);
	json_decref(j);
	assert_string_equal(txt, txt2);
	free(txt);
	free(txt2);
	/* a stored rule naming another group is refused */
	strcpy(back.rules[0].group_id, G);
	j = sg_group_to_json(&back);
	sg_group_free(&g);
	memset(&g, 0, sizeof(g));
	assert_int_equal(sg_group_from_json(j, true, &g, NULL, NULL, &e) < 0, 1);
	assert_null(g.rules);
	json_decref(j);
	sg_group_free(&back);
	/* the API form refuses what only the store has */
	o = json_pack("{s:s, s:[]}", "name", "x", "security_group_rules");
	assert_int_equal(sg_group_from_json(o, false, &back, NULL, NULL, &e), -EINVAL);
	assert_string_equal(e.msg, "Unrecognized attribute(s) 'security_group_rules'");
	json_decref(o);
}

static void protocols_and_uuids(void **s)
{
	assert_int_equal(sg_proto_parse("tcp"), 6);
	assert_int_equal(sg_proto_parse("ICMPv6"), 58);
	assert_int_equal(sg_proto_parse("132"), 132);
	assert_int_equal(sg_proto_parse("any"), SG_PROTO_ANY);
	assert_int_equal(sg_proto_parse("1234"), -EINVAL);
	assert_int_equal(sg_proto_parse("-1"), -EINVAL);
	char id[SG_ID_LEN + 1], id2[SG_ID_LEN + 1];
	sg_uuid_new(id);
	sg_uuid_new(id2);
	assert_true(sg_uuid_valid(id));
	assert_string_not_equal(id, id2);
	assert_int_equal(id[14], '4');
	assert_false(sg_uuid_valid("0b7c2a4e-1111-4a2b-8c3d-00000000000"));
	assert_false(sg_uuid_valid("0b7c2a4e-1111-4a2b-8c3dx000000000001"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_rule_messages),
		cmocka_unit_test(good_rules),
		cmocka_unit_test(duplicates),
		cmocka_unit_test(db_semantics),
		cmocka_unit_test(db_swap),
		cmocka_unit_test(store_roundtrip),
		cmocka_unit_test(protocols_and_uuids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
