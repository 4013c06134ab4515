#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/api_req.h"

struct bad_case {
	const char *method, *path, *query, *body;
	int status;
	const char *code;
	const char *msg_part;
};

static const struct bad_case bad[] = {
	{ "GET", "/v2/networks", NULL, NULL, 404, "not-found", "no such API path" },
	{ "GET", "/", NULL, NULL, 404, "not-found", NULL },
	{ "PATCH", "/v1/networks", NULL, NULL, 405, "method-not-allowed", NULL },
	{ "PUT", "/v1/networks/default/start", NULL, NULL, 405, "method-not-allowed", NULL },
	{ "POST", "/v1/networks", NULL, "", 400, "invalid-arg", "malformed JSON" },
	{ "POST", "/v1/networks", NULL, "{", 400, "invalid-arg", "malformed JSON" },
	{ "POST", "/v1/networks", NULL, "[1,2]", 400, "invalid-arg", "JSON object" },
	{ "POST", "/v1/networks", NULL, "{}", 400, "invalid-arg", "'xml'" },
	{ "POST", "/v1/networks", NULL, "{\"xml\":5}", 400, "invalid-arg", "'xml'" },
	{ "POST", "/v1/networks", NULL, "{\"xml\":\"<network/>\",\"create\":\"yes\"}", 400, "invalid-arg", "true or false" },
	{ "POST", "/v1/networks", NULL, "{\"xml\":\"x\",\"xml\":\"y\"}", 400, "invalid-arg", "duplicate" },
	{ "POST", "/v1/networks", NULL, "{\"xml\":\"x\",\"bogus\":1}", 400, "invalid-arg", "unknown member 'bogus'" },
	{ "POST", "/v1/networks", NULL, "{\"xml\":\"a\\u0000b\"}", 400, "invalid-arg", "NUL" },
	{ "GET", "/v1/networks/default%00x", NULL, NULL, 400, "invalid-arg", "malformed request path" },
	{ "GET", "/v1/networks/default%00x/leases", NULL, NULL, 400, "invalid-arg", "malformed request path" },
	{ "GET", "/v1/networks/\xff\xfe", NULL, NULL, 400, "invalid-arg", "UTF-8" },
	{ "GET", "/v1/networks/%C3%28", NULL, NULL, 400, "invalid-arg", "UTF-8" },
	{ "GET", "/v1/networks/%C0%AF", NULL, NULL, 400, "invalid-arg", "UTF-8" },
	{ "GET", "/v1/networks/%ED%A0%80", NULL, NULL, 400, "invalid-arg", "UTF-8" },
	{ "GET", "/v1/networks/\xe2\x82", NULL, NULL, 400, "invalid-arg", "UTF-8" },
	{ "GET", "/v1/networks/%4", NULL, NULL, 400, "invalid-arg", "malformed request path" },
	{ "GET", "/v1/networks/a\x01", NULL, NULL, 400, "invalid-arg", "control character" },
	{ "GET", "/v1/networks/a%0Ab", NULL, NULL, 400, "invalid-arg", "control character" },
	{ "GET", "/v1/networks/a%7F", NULL, NULL, 400, "invalid-arg", "control character" },
	{ "GET", "/v1/ports", "network=a%09", NULL, 400, "invalid-arg", "malformed query" },
	{ "GET", "/v1/ports", "network=%ff", NULL, 400, "invalid-arg", "malformed query" },
	{ "GET", "/v1/ports", "network=a%00b", NULL, 400, "invalid-arg", "malformed query" },
	{ "GET", "/v1/networks", "filter=running", NULL, 400, "invalid-arg", "unknown filter 'running'" },
	{ "GET", "/v1/networks", "sort=name", NULL, 400, "invalid-arg", "unknown query parameter" },
	{ "GET", "/v1/networks", "filter=%zz", NULL, 400, "invalid-arg", "malformed query" },
	{ "GET", "/v1/networks/default/xml", "inactive=maybe", NULL, 400, "invalid-arg", "inactive" },
	{ "GET", "/v1/networks/default/leases", "mac=52:54:00", NULL, 400, "invalid-arg", "invalid MAC" },
	{ "PUT", "/v1/networks/default/autostart", NULL, "{}", 400, "invalid-arg", "missing member 'autostart'" },
	{ "PUT", "/v1/networks/default/autostart", NULL, "{\"autostart\":1}", 400, "invalid-arg", "true or false" },
	{ "POST", "/v1/networks/default/start", NULL, "{\"force\":true}", 400, "invalid-arg", "no body" },
	{ "POST", "/v1/ports", NULL, "{\"network\":\"default\"}", 400, "invalid-arg", "missing member 'name'" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\"vm1\"}", 400, "invalid-arg", "missing member 'network'" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\"../x\",\"network\":\"default\"}", 400, "invalid-arg", "invalid port name" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\".x\",\"network\":\"default\"}", 400, "invalid-arg", "invalid port name" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\"vm1\",\"network\":\"default\",\"mode\":\"peer\"}", 400, "invalid-arg", "mode must be" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\"vm1\",\"network\":\"default\",\"type\":\"tap\"}", 400, "invalid-arg", "unsupported port type" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\"vm1\",\"network\":\"default\",\"mac\":\"zz:54:00:00:00:01\"}", 400, "invalid-arg", "invalid MAC" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\"vm1\",\"network\":\"default\",\"learning\":\"no\"}", 400, "invalid-arg", "true or false" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\"vm1\",\"network\":7}", 400, "invalid-arg", "must be a string" },
	{ "POST", "/v1/ports", NULL, "{\"name\":\"vm1\",\"network\":\"default\",\"queues\":4}", 400, "invalid-arg", "unknown member 'queues'" },
	/* net-update */
	{ "POST", "/v1/networks/default/update", NULL, "{\"section\":\"dns-txt\",\"xml\":\"<txt/>\"}", 400, "invalid-arg", "missing member 'command'" },
	{ "POST", "/v1/networks/default/update", NULL, "{\"command\":\"add\",\"xml\":\"<txt/>\"}", 400, "invalid-arg", "missing member 'section'" },
	{ "POST", "/v1/networks/default/update", NULL, "{\"command\":\"add\",\"section\":\"dns-txt\"}", 400, "invalid-arg", "'xml'" },
	{ "POST", "/v1/networks/default/update", NULL, "{\"command\":\"add\",\"section\":\"dns-txt\",\"xml\":\"<txt/>\",\"parent_index\":-2}", 400, "invalid-arg", "parent_index" },
	{ "POST", "/v1/networks/default/update", NULL, "{\"command\":\"add\",\"section\":\"dns-txt\",\"xml\":\"<txt/>\",\"parent_index\":1.5}", 400, "invalid-arg", "parent_index" },
	{ "POST", "/v1/networks/default/update", NULL, "{\"command\":\"add\",\"section\":\"dns-txt\",\"xml\":\"<txt/>\",\"flags\":\"live\"}", 400, "invalid-arg", "array" },
	{ "POST", "/v1/networks/default/update", NULL, "{\"command\":\"add\",\"section\":\"dns-txt\",\"xml\":\"<txt/>\",\"flags\":[\"persistent\"]}", 400, "invalid-arg", "'live', 'config' or 'current'" },
	{ "POST", "/v1/networks/default/update", NULL, "{\"command\":\"add\",\"section\":\"dns-txt\",\"xml\":\"<txt/>\",\"flags\":[\"current\",\"config\"]}", 400, "invalid-arg", "exclusive with 'config'" },
	{ "POST", "/v1/networks/default/update", NULL, "{\"command\":\"add\",\"section\":\"dns-txt\",\"xml\":\"<txt/>\",\"live\":true}", 400, "invalid-arg", "unknown member 'live'" },
	{ "GET", "/v1/networks/default/update", NULL, NULL, 405, "method-not-allowed", NULL },
	{ "GET", "/v1/ports/vm1/capture", "direction=sideways", NULL, 400, "invalid-arg", "in, out or both" },
	{ "GET", "/v1/ports/vm1/capture", "count=-1", NULL, 400, "invalid-arg", "invalid count" },
	{ "GET", "/v1/ports/vm1/capture", "count=10x", NULL, 400, "invalid-arg", "invalid count" },
	{ "GET", "/v1/ports/vm1/capture", "snaplen=0", NULL, 400, "invalid-arg", "snaplen" },
	{ "GET", "/v1/ports/vm1/capture", "snaplen=9217", NULL, 400, "invalid-arg", "snaplen" },
	{ "GET", "/v1/ports/vm1/capture", "promisc=1", NULL, 400, "invalid-arg", "unknown query parameter" },
	{ "POST", "/v1/ports/vm1/capture", NULL, NULL, 405, "method-not-allowed", NULL },
};

static void bad_requests(void **s)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct api_req r;
		struct ctl_err e = { 0 };
		const struct bad_case *c = &bad[i];
		int rc = api_req_parse(c->method, c->path, c->query, c->body,
				       c->body ? strlen(c->body) + (strstr(c->body, "\\u0000") ? 0 : 0) : 0,
				       &r, &e);
		if (rc >= 0)
			fail_msg("case %zu (%s %s) was accepted", i, c->method, c->path);
		if (e.status != c->status || strcmp(e.code, c->code))
			fail_msg("case %zu (%s %s %s): got %d %s (%s)", i, c->method, c->path,
				 c->body ? c->body : "", e.status, e.code, e.msg);
		if (c->msg_part && !strstr(e.msg, c->msg_part))
			fail_msg("case %zu: message '%s' lacks '%s'", i, e.msg, c->msg_part);
	}
}

static void oversize_body(void **s)
{
	struct api_req r;
	struct ctl_err e = { 0 };
	size_t n = API_MAX_BODY + 1;
	char *big = malloc(n);
	memset(big, ' ', n);
	assert_int_equal(api_req_parse("POST", "/v1/networks", NULL, big, n, &r, &e), -E2BIG);
	assert_int_equal(e.status, 413);
	free(big);
}

static void good_requests(void **s)
{
	struct api_req r;
	struct ctl_err e = { 0 };
	const char *body = "{\"xml\":\"<network><name>x</name></network>\",\"create\":true}";
	assert_int_equal(api_req_parse("POST", "/v1/networks", NULL, body, strlen(body), &r, &e), 0);
	assert_int_equal(r.route, API_NET_DEFINE);
	assert_true(r.create);
	assert_string_equal(r.xml, "<network><name>x</name></network>");
	api_req_clear(&r);

	assert_int_equal(api_req_parse("GET", "/v1/networks", "filter=active,persistent&filter=autostart",
				       NULL, 0, &r, &e), 0);
	assert_int_equal(r.filter, API_F_ACTIVE | API_F_PERSISTENT | API_F_AUTOSTART);
	api_req_clear(&r);

	assert_int_equal(api_req_parse("GET", "/v1/networks/my%20net/xml/", "inactive=1", NULL, 0,
				       &r, &e), 0);
	assert_int_equal(r.route, API_NET_XML);
	assert_string_equal(r.id, "my net"); /* paths arrive as sent and are decoded here */
	assert_true(r.inactive);
	api_req_clear(&r);

	body = "{\"name\":\"vm-1.a_b\",\"network\":\"default\",\"mode\":\"client\","
	       "\"path\":\"/tmp/x.sock\",\"mac\":\"52:54:00:AA:bb:01\",\"learning\":false}";
	assert_int_equal(api_req_parse("POST", "/v1/ports", NULL, body, strlen(body), &r, &e), 0);
	assert_int_equal(r.route, API_PORT_ADD);
	assert_true(r.client);
	assert_false(r.learning);
	assert_true(r.has_mac);
	assert_memory_equal(r.mac, "\x52\x54\x00\xaa\xbb\x01", 6);
	assert_string_equal(r.path, "/tmp/x.sock");
	api_req_clear(&r);

	assert_int_equal(api_req_parse("GET", "/v1/ports/vm1/stats", NULL, NULL, 0, &r, &e), 0);
	assert_int_equal(r.route, API_PORT_STATS);
	assert_string_equal(r.id, "vm1");
	api_req_clear(&r);

	/* UTF-8 names pass, decoded or not; '+' is a plus sign in a path */
	assert_int_equal(api_req_parse("GET", "/v1/networks/r%C3%A9seau+1", NULL, NULL, 0, &r, &e), 0);
	assert_string_equal(r.id, "r\xc3\xa9seau+1");
	api_req_clear(&r);
	assert_int_equal(api_req_parse("GET", "/v1/networks/\xf0\x9f\x90\xa7", NULL, NULL, 0, &r, &e), 0);
	assert_string_equal(r.id, "\xf0\x9f\x90\xa7");
	api_req_clear(&r);

	assert_int_equal(api_req_parse("POST", "/v1/networks/default/start", NULL, "{}", 2, &r, &e), 0);
	assert_int_equal(r.route, API_NET_START);
	api_req_clear(&r);

	body = "{\"command\":\"add-first\",\"section\":\"ip-dhcp-host\","
	       "\"xml\":\"<host mac='52:54:00:00:00:01' ip='10.0.0.5'/>\",\"parent_index\":0,"
	       "\"flags\":[\"live\",\"config\"]}";
	assert_int_equal(api_req_parse("POST", "/v1/networks/default/update", NULL, body, strlen(body),
				       &r, &e), 0);
	assert_int_equal(r.route, API_NET_UPDATE);
	assert_string_equal(r.id, "default");
	assert_string_equal(r.upd_command, "add-first");
	assert_string_equal(r.upd_section, "ip-dhcp-host");
	assert_string_equal(r.xml, "<host mac='52:54:00:00:00:01' ip='10.0.0.5'/>");
	assert_int_equal(r.parent_index, 0);
	assert_int_equal(r.upd_flags, API_UPD_LIVE | API_UPD_CONFIG);
	api_req_clear(&r);
	body = "{\"command\":\"delete\",\"section\":\"dns-txt\",\"xml\":\"<txt name='a'/>\",\"flags\":[\"current\"]}";
	assert_int_equal(api_req_parse("POST", "/v1/networks/default/update", NULL, body, strlen(body),
				       &r, &e), 0);
	assert_int_equal(r.parent_index, -1);
	assert_int_equal(r.upd_flags, 0);
	api_req_clear(&r);
	assert_int_equal(api_req_parse("GET", "/v1/ports/vm1/capture",
				       "direction=in&count=5&snaplen=128&filter=udp%20port%2067", NULL, 0,
				       &r, &e), 0);
	assert_int_equal(r.route, API_PORT_CAPTURE);
	assert_string_equal(r.id, "vm1");
	assert_int_equal(r.cap_dir, 1);
	assert_int_equal(r.cap_count, 5);
	assert_int_equal(r.cap_snaplen, 128);
	assert_string_equal(r.cap_filter, "udp port 67");
	api_req_clear(&r);
	assert_null(r.cap_filter);
}

/* port forwarding and conntrack routes */
static void portfwd_requests(void **s)
{
	struct api_req r;
	struct ctl_err e = { 0 };
	const char *b = "{\"network\":\"default\",\"protocol\":\"udp\",\"external_port\":53,"
			"\"internal_ip\":\"192.168.122.9\",\"description\":\"dns\"}";
	assert_int_equal(api_req_parse("POST", "/v1/port-forwards", NULL, b, strlen(b), &r, &e), 0);
	assert_int_equal(r.route, API_PF_ADD);
	assert_int_equal(r.pf.proto, 17);
	assert_int_equal(r.pf.ext_port, 53);
	assert_int_equal(r.pf.int_port, 53); /* defaults to the external port */
	assert_int_equal(r.pf.int_ip, 0xc0a87a09u);
	assert_int_equal(r.pf.ext_ip, 0);
	assert_string_equal(r.network, "default");
	assert_string_equal(r.pf.desc, "dns");
	api_req_clear(&r);
	static const char *const bad[] = {
		"{\"network\":\"d\",\"protocol\":\"icmp\",\"external_port\":1,\"internal_ip\":\"10.0.0.2\"}",
		"{\"network\":\"d\",\"protocol\":\"tcp\",\"external_port\":0,\"internal_ip\":\"10.0.0.2\"}",
		"{\"network\":\"d\",\"protocol\":\"tcp\",\"external_port\":65536,\"internal_ip\":\"10.0.0.2\"}",
		"{\"network\":\"d\",\"protocol\":\"tcp\",\"external_port\":\"80\",\"internal_ip\":\"10.0.0.2\"}",
		"{\"network\":\"d\",\"protocol\":\"tcp\",\"external_port\":80,\"internal_ip\":\"10.0.0\"}",
		"{\"network\":\"d\",\"protocol\":\"tcp\",\"external_port\":80,\"internal_ip\":\"10.0.0.2\",\"internal_port\":-5}",
		"{\"network\":\"d\",\"protocol\":\"tcp\",\"external_port\":80,\"internal_ip\":\"10.0.0.2\",\"external_address\":\"0.0.0.0\"}",
		"{\"network\":\"d\",\"protocol\":\"tcp\",\"external_port\":80,\"internal_ip\":\"10.0.0.2\",\"id\":3}",
		"{\"protocol\":\"tcp\",\"external_port\":80,\"internal_ip\":\"10.0.0.2\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (api_req_parse("POST", "/v1/port-forwards", NULL, bad[i], strlen(bad[i]), &r, &e) != -EINVAL ||
		    e.status != 400)
			fail_msg("accepted: %s", bad[i]);
	}
	assert_int_equal(api_req_parse("DELETE", "/v1/port-forwards/7", NULL, NULL, 0, &r, &e), 0);
	assert_int_equal(r.route, API_PF_DEL);
	assert_string_equal(r.id, "7");
	assert_int_equal(api_req_parse("GET", "/v1/conntrack", "network=default", NULL, 0, &r, &e), 0);
	assert_int_equal(r.route, API_CT_LIST);
	assert_string_equal(r.network, "default");
	assert_int_equal(api_req_parse("DELETE", "/v1/conntrack", NULL, NULL, 0, &r, &e), 0);
	assert_int_equal(r.route, API_CT_FLUSH);
	assert_int_equal(api_req_parse("GET", "/v1/conntrack", "state=x", NULL, 0, &r, &e), -EINVAL);
	assert_int_equal(api_req_parse("PUT", "/v1/conntrack", NULL, NULL, 0, &r, &e), -EINVAL);
	assert_int_equal(e.status, 405);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(bad_requests),
		cmocka_unit_test(oversize_body),
		cmocka_unit_test(good_requests),
		cmocka_unit_test(portfwd_requests),
	};
	return cmocka_run_group_tests_name("api_req", t, NULL, NULL);
}
