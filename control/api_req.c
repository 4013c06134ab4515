#include "control/api_req.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "dataplane/pkt.h"
#include "control/hex.h"
#include "policy/sg.h"

static int bad(struct ctl_err *e, const char *fmt, const char *a)
{
	return ctl_fail(e, EINVAL, 400, "invalid-arg", fmt, a);
}

void api_req_clear(struct api_req *r)
{
	free(r->xml);
	free(r->cap_filter);
	json_decref(r->policy);
	memset(r, 0, sizeof(*r));
}


/* Is [s, s+n) well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF)? */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			k = 1, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3, cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* Percent-decode [s, s+n) into out ('+' is a space in a query, not in a
 * path); -EINVAL on bad escapes, an escaped NUL (it would cut the string
 * short) or other control character, invalid UTF-8 or overflow. */
static int decode_as(const char *s, size_t n, char *out, size_t cap, bool plus)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n || (h = hex_digit(s[i + 1])) < 0 || (l = hex_digit(s[i + 2])) < 0)
				return -EINVAL;
			c = (char)(h << 4 | l);
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		/* no NUL (it would cut the name short), no control characters */
		if ((unsigned char)c < 0x20 || c == 0x7f || o + 1 >= cap)
			return -EINVAL;
		out[o++] = c;
	}
	out[o] = 0;
	return utf8_valid((const unsigned char *)out, o) ? 0 : -EINVAL;
}

static int decode(const char *s, size_t n, char *out, size_t cap)
{
	return decode_as(s, n, out, cap, true);
}

/* Calls cb(key, value) for each query parameter (decoded). */
static int each_query(const char *q, struct api_req *r, struct ctl_err *e,
		      int (*cb)(const char *k, const char *v, struct api_req *r, struct ctl_err *e))
{
	while (q && *q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', len);
		char k[64], v[512];
		size_t kl = eq ? (size_t)(eq - q) : len;
		if (len && (decode(q, kl, k, sizeof(k)) < 0 ||
			    decode(eq ? eq + 1 : q + len, eq ? len - kl - 1 : 0, v, sizeof(v)) < 0))
			return bad(e, "invalid argument: malformed query string%s", "");
		if (len) {
			int rc = cb(k, v, r, e);
			if (rc < 0)
				return rc;
		}
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

static int q_list(const char *k, const char *v, struct api_req *r, struct ctl_err *e)
{
	static const struct { const char *n; unsigned f; } names[] = {
		{ "active", API_F_ACTIVE }, { "inactive", API_F_INACTIVE },
		{ "persistent", API_F_PERSISTENT }, { "transient", API_F_TRANSIENT },
		{ "autostart", API_F_AUTOSTART }, { "no-autostart", API_F_NO_AUTOSTART },
	};
	if (strcmp(k, "filter"))
		return bad(e, "invalid argument: unknown query parameter '%s'", k);
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(t, names[i].n))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return bad(e, "invalid argument: unknown filter '%s'", t);
		r->filter |= names[i].f;
	}
	return 0;
}

static int q_xml(const char *k, const char *v, struct api_req *r, struct ctl_err *e)
{
	if (strcmp(k, "inactive"))
		return bad(e, "invalid argument: unknown query parameter '%s'", k);
	if (strcmp(v, "1") && strcmp(v, "0") && strcmp(v, "true") && strcmp(v, "false"))
		return bad(e, "invalid argument: inactive must be 0 or 1, not '%s'", v);
	r->inactive = !strcmp(v, "1") || !strcmp(v, "true");
	return 0;
}

static int q_leases(const char *k, const char *v, struct api_req *r, struct ctl_err *e)
{
	if (strcmp(k, "mac"))
		return bad(e, "invalid argument: unknown query parameter '%s'", k);
	if (pkt_mac_parse(v, r->mac) < 0)
		return bad(e, "invalid argument: invalid MAC address '%s'", v);
	r->has_mac = true;
	return 0;
}

static int q_ports(const char *k, const char *v, struct api_req *r, struct ctl_err *e)
{
	if (strcmp(k, "network"))
		return bad(e, "invalid argument: unknown query parameter '%s'", k);
	snprintf(r->network, sizeof(r->network), "%s", v);
	return 0;
}

static int q_capture(const char *k, const char *v, struct api_req *r, struct ctl_err *e)
{
	char *end;
	if (!strcmp(k, "direction")) {
		r->cap_dir = !strcmp(v, "in") ? 1 : !strcmp(v, "out") ? 2 : !strcmp(v, "both") ? 3 : 0;
		if (!r->cap_dir)
			return bad(e, "invalid argument: direction must be in, out or both, not '%s'", v);
	} else if (!strcmp(k, "count") || !strcmp(k, "snaplen")) {
		errno = 0;
		unsigned long long n = strtoull(v, &end, 10);
		if (!*v || *end || errno || v[0] == '-' ||
		    (!strcmp(k, "snaplen") && (n < 1 || n > 9216)))
			return bad(e, "invalid argument: invalid %s", !strcmp(k, "count") ? "count" : "snaplen (1-9216)");
		if (!strcmp(k, "count"))
			r->cap_count = n;
		else
			r->cap_snaplen = (unsigned)n;
	} else if (!strcmp(k, "filter")) {
		free(r->cap_filter);
		if (!(r->cap_filter = strdup(v)))
			return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	} else {
		return bad(e, "invalid argument: unknown query parameter '%s'", k);
	}
	return 0;
}

static int q_none(const char *k, const char *v, struct api_req *r, struct ctl_err *e)
{
	return bad(e, "invalid argument: unknown query parameter '%s'", k);
}

static json_t *body_object(const char *body, size_t len, struct ctl_err *e, int *rc)
{
	json_error_t je;
	json_t *o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		*rc = ctl_fail(e, EINVAL, 400, "invalid-arg",
			       "invalid argument: malformed JSON body: %s (line %d, column %d)",
			       je.text, je.line, je.column);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		*rc = bad(e, "invalid argument: the request body must be a JSON object%s", "");
		return NULL;
	}
	return o;
}

/* Every member must be one of allowed (NULL-terminated). */
static int only_members(json_t *o, const char *const *allowed, struct ctl_err *e)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		size_t i;
		for (i = 0; allowed[i]; i++)
			if (!strcmp(k, allowed[i]))
				break;
		if (!allowed[i])
			return bad(e, "invalid argument: unknown member '%s'", k);
	}
	return 0;
}

static int get_str(json_t *o, const char *k, bool required, char *out, size_t cap,
		   struct ctl_err *e)
{
	json_t *v = json_object_get(o, k);
	if (!v) {
		if (required)
			return bad(e, "invalid argument: missing member '%s'", k);
		return 0;
	}
	if (!json_is_string(v))
		return bad(e, "invalid argument: member '%s' must be a string", k);
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return bad(e, "invalid argument: member '%s' contains a NUL byte", k);
	if (strlen(s) >= cap)
		return bad(e, "invalid argument: member '%s' is too long", k);
	snprintf(out, cap, "%s", s);
	return 1;
}

static int get_bool(json_t *o, const char *k, bool *out, struct ctl_err *e)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(e, "invalid argument: member '%s' must be true or false", k);
	*out = json_is_true(v);
	return 1;
}

/* The member "xml": a string without NUL bytes (the XML parser would stop
 * at one). keep_xml() copies it into the request. */
static int get_xml(json_t *o, const char **xml, struct ctl_err *e)
{
	json_t *x = json_object_get(o, "xml");
	if (!x || !json_is_string(x))
		return bad(e, "invalid argument: member 'xml' (a string) is required%s", "");
	if (strlen(json_string_value(x)) != json_string_length(x))
		return bad(e, "invalid argument: member '%s' contains a NUL byte", "xml");
	*xml = json_string_value(x);
	return 0;
}

static int keep_xml(struct api_req *r, const char *xml, struct ctl_err *e)
{
	r->xml = strdup(xml);
	return r->xml ? 0 : ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
}

static int parse_define(json_t *o, struct api_req *r, struct ctl_err *e)
{
	static const char *const allowed[] = { "xml", "create", NULL };
	int rc = only_members(o, allowed, e);
	if (rc < 0)
		return rc;
	const char *xml;
	if ((rc = get_xml(o, &xml, e)) < 0)
		return rc;
	if ((rc = get_bool(o, "create", &r->create, e)) < 0)
		return rc;
	return keep_xml(r, xml, e);
}

static int parse_autostart(json_t *o, struct api_req *r, struct ctl_err *e)
{
	static const char *const allowed[] = { "autostart", NULL };
	int rc = only_members(o, allowed, e);
	if (rc < 0)
		return rc;
	if ((rc = get_bool(o, "autostart", &r->autostart, e)) < 0)
		return rc;
	return rc == 0 ? bad(e, "invalid argument: missing member '%s'", "autostart") : 0;
}

/* ---- security groups and port security ---- */

/* port_security_enabled, security_groups, allowed_address_pairs (Neutron's
 * port attributes and validation messages); absent: -1. */
static int parse_sec(json_t *o, struct port_sec_req *q, struct ctl_err *e)
{
	json_t *v;
	size_t i;
	q->enabled = q->n_sgs = q->n_pairs = -1;
	if ((v = json_object_get(o, "port_security_enabled"))) {
		if (!json_is_boolean(v))
			return bad(e, "invalid argument: member '%s' must be true or false",
				   "port_security_enabled");
		q->enabled = json_is_true(v);
	}
	if ((v = json_object_get(o, "security_groups"))) {
		json_t *g;
		if (!json_is_array(v))
			return bad(e, "Invalid input for security_groups. Reason: %s is not a list.",
				   "security_groups");
		if (json_array_size(v) > PORT_MAX_SGS)
			return ctl_fail(e, EINVAL, 400, "invalid-arg",
					"invalid argument: at most %d security groups on a port", PORT_MAX_SGS);
		q->n_sgs = 0;
		json_array_foreach(v, i, g) {
			const char *s = json_string_value(g);
			if (!s || strlen(s) != json_string_length(g) || !s[0] ||
			    strlen(s) >= PORT_SG_REF_MAX)
				return bad(e, "Invalid input for security_groups. Reason: %s.",
					   "every member must be a security group's id or name");
			snprintf(q->sgs[q->n_sgs++], PORT_SG_REF_MAX, "%s", s);
		}
	}
	if ((v = json_object_get(o, "allowed_address_pairs"))) {
		json_t *a;
		if (!json_is_array(v))
			return bad(e, "Allowed address pairs must be a list.%s", "");
		if (json_array_size(v) > PORT_MAX_PAIRS)
			return ctl_fail(e, EINVAL, 400, "invalid-arg",
					"The number of allowed address pair exceeds the maximum %d.",
					PORT_MAX_PAIRS);
		q->n_pairs = 0;
		json_array_foreach(v, i, a) {
			struct port_pair *pp = &q->pairs[q->n_pairs];
			const char *k, *ip, *mac;
			json_t *m;
			if (!json_is_object(a))
				return bad(e, "Invalid input for allowed_address_pairs. Reason: %s.",
					   "every pair must be a dictionary");
			json_object_foreach(a, k, m)
				if (strcmp(k, "ip_address") && strcmp(k, "mac_address"))
					return bad(e, "Unrecognized attribute(s) '%s'", k);
			ip = json_string_value(json_object_get(a, "ip_address"));
			m = json_object_get(a, "mac_address");
			mac = json_string_value(m);
			if (!ip)
				return bad(e, "AllowedAddressPair must contain ip_address%s", "");
			int fam = sg_prefix_parse(ip, pp->addr, &pp->plen);
			if (fam < 0)
				return bad(e, "Invalid input for allowed_address_pairs. Reason: '%s' is neither a valid IP address, nor is it a valid IP subnet.",
					   ip);
			pp->family = (uint8_t)fam;
			if (m && !json_is_null(m)) {
				if (!mac || pkt_mac_parse(mac, pp->mac) < 0 ||
				    pkt_mac_is_multicast(pp->mac) || pkt_mac_is_zero(pp->mac))
					return bad(e, "Invalid input for allowed_address_pairs. Reason: '%s' is not a valid MAC address.",
						   mac ? mac : "(not a string)");
				pp->has_mac = true;
			}
			for (int d = 0; d < q->n_pairs; d++) {
				const struct port_pair *o2 = &q->pairs[d];
				if (o2->has_mac == pp->has_mac && !memcmp(o2->mac, pp->mac, 6) &&
				    o2->family == pp->family && o2->plen == pp->plen &&
				    !memcmp(o2->addr, pp->addr, 16))
					return ctl_fail(e, EINVAL, 400, "invalid-arg",
							"Request contains duplicate address pair: mac_address %s ip_address %s.",
							mac ? mac : "None", ip);
			}
			q->n_pairs++;
		}
	}
	return 0;
}

/* PUT /v1/ports/NAME: only the security attributes change. */
static int parse_port_update(json_t *o, struct api_req *r, struct ctl_err *e)
{
	static const char *const allowed[] = { "security_groups", "port_security_enabled",
					       "allowed_address_pairs", NULL };
	int rc = only_members(o, allowed, e);
	return rc < 0 ? rc : parse_sec(o, &r->sec, e);
}

static int sg_fail_ctl(const struct sg_err *se, int rc, struct ctl_err *e)
{
	return ctl_fail(e, -rc, se->status, se->code, "%s", se->msg);
}

/* Neutron's envelope {"KEY": {...}}: *g gets the inner object. */
static int envelope(json_t *o, const char *key, json_t **g, struct ctl_err *e)
{
	*g = json_object_get(o, key);
	if (!*g)
		return bad(e, "Unable to find '%s' in request body", key);
	if (json_object_size(o) != 1)
		return bad(e, "invalid argument: the body must hold only '%s'", key);
	return 0;
}

/* {"security_group": {"name": .., "description": ..}} */
static int parse_sg(json_t *o, struct api_req *r, struct ctl_err *e)
{
	json_t *g;
	struct sg_group tmp;
	struct sg_err se;
	int rc = envelope(o, "security_group", &g, e);
	if (rc < 0)
		return rc;
	memset(&tmp, 0, sizeof(tmp));
	rc = sg_group_from_json(g, false, &tmp, NULL, NULL, &se);
	if (rc < 0)
		return sg_fail_ctl(&se, rc, e);
	r->policy = json_incref(g);
	return 0;
}

/* {"security_group_rule": {...}} */
static int parse_sgr(json_t *o, struct api_req *r, struct ctl_err *e)
{
	json_t *g;
	struct sg_rule tmp;
	struct sg_err se;
	int rc = envelope(o, "security_group_rule", &g, e);
	if (rc < 0)
		return rc;
	rc = sg_rule_from_json(g, false, &tmp, &se);
	if (rc < 0)
		return sg_fail_ctl(&se, rc, e);
	r->policy = json_incref(g);
	return 0;
}

/* {"packet": "tcp dst=10.0.0.6 dport=22"} */
static int parse_trace(json_t *o, struct api_req *r, struct ctl_err *e)
{
	static const char *const allowed[] = { "packet", NULL };
	int rc = only_members(o, allowed, e);
	if (rc < 0 || (rc = get_str(o, "packet", true, r->trace, sizeof(r->trace), e)) < 0)
		return rc;
	return 0;
}

static int q_sgr(const char *k, const char *v, struct api_req *r, struct ctl_err *e)
{
	if (strcmp(k, "security_group_id"))
		return bad(e, "invalid argument: unknown query parameter '%s'", k);
	snprintf(r->sg_filter, sizeof(r->sg_filter), "%s", v);
	return 0;
}

static int parse_port(json_t *o, struct api_req *r, struct ctl_err *e)
{
	static const char *const allowed[] = { "name", "network", "type", "mode", "path",
					       "mac", "learning", "interface",
					       "security_groups", "port_security_enabled",
					       "allowed_address_pairs", NULL };
	char type[32] = "vhost-user", mode[32] = "", mac[32];
	int rc;
	if ((rc = only_members(o, allowed, e)) < 0 ||
	    (rc = get_str(o, "name", true, r->name, sizeof(r->name), e)) < 0 ||
	    (rc = get_str(o, "network", true, r->network, sizeof(r->network), e)) < 0 ||
	    (rc = get_str(o, "type", false, type, sizeof(type), e)) < 0 ||
	    (rc = get_str(o, "mode", false, mode, sizeof(mode), e)) < 0 ||
	    (rc = get_str(o, "path", false, r->path, sizeof(r->path), e)) < 0)
		return rc;
	if ((rc = get_str(o, "interface", false, r->ifname, sizeof(r->ifname), e)) < 0)
		return rc;
	if (!strcmp(type, "kernel")) {
		r->kernel = true;
		if (!r->ifname[0])
			return bad(e, "invalid argument: a kernel port needs member '%s'", "interface");
		if (mode[0] || r->path[0])
			return bad(e, "invalid argument: 'mode' and 'path' are for vhost-user ports%s", "");
		if (strchr(r->ifname, '/') || strchr(r->ifname, ' '))
			return bad(e, "invalid argument: invalid interface name '%s'", r->ifname);
	} else if (!strcmp(type, "vhost-user")) {
		if (r->ifname[0])
			return bad(e, "invalid argument: 'interface' is for kernel ports%s", "");
		if (mode[0] && strcmp(mode, "server") && strcmp(mode, "client"))
			return bad(e, "invalid argument: mode must be 'server' or 'client', not '%s'", mode);
		r->client = !strcmp(mode, "client");
	} else {
		return bad(e, "invalid argument: unsupported port type '%s'", type);
	}
	if ((rc = get_str(o, "mac", false, mac, sizeof(mac), e)) < 0)
		return rc;
	if (rc == 1) {
		if (pkt_mac_parse(mac, r->mac) < 0)
			return bad(e, "invalid argument: invalid MAC address '%s'", mac);
		r->has_mac = true;
	}
	r->learning = true;
	if ((rc = get_bool(o, "learning", &r->learning, e)) < 0)
		return rc;
	if ((rc = parse_sec(o, &r->sec, e)) < 0)
		return rc;
	if (!ctl_valid_port_name(r->name))
		return bad(e, "invalid argument: invalid port name '%s': use 1-64 characters of [A-Za-z0-9_.-], not starting with '.'",
			   r->name);
	return 0;
}

/* {"command":"add","section":"ip-dhcp-host","xml":"<host .../>",
 *  "parent_index":-1,"flags":["live","config"]} */
static int parse_update(json_t *o, struct api_req *r, struct ctl_err *e)
{
	static const char *const allowed[] = { "command", "section", "xml", "parent_index",
					       "flags", NULL };
	int rc;
	if ((rc = only_members(o, allowed, e)) < 0 ||
	    (rc = get_str(o, "command", true, r->upd_command, sizeof(r->upd_command), e)) < 0 ||
	    (rc = get_str(o, "section", true, r->upd_section, sizeof(r->upd_section), e)) < 0)
		return rc;
	const char *xml;
	if ((rc = get_xml(o, &xml, e)) < 0)
		return rc;
	r->parent_index = -1;
	json_t *pi = json_object_get(o, "parent_index");
	if (pi) {
		if (!json_is_integer(pi) || json_integer_value(pi) < -1 ||
		    json_integer_value(pi) > 65535)
			return bad(e, "invalid argument: member '%s' must be an integer from -1 to 65535",
				   "parent_index");
		r->parent_index = (int)json_integer_value(pi);
	}
	json_t *fl = json_object_get(o, "flags");
	bool current = false;
	if (fl) {
		size_t i;
		json_t *v;
		if (!json_is_array(fl))
			return bad(e, "invalid argument: member '%s' must be an array of strings", "flags");
		json_array_foreach(fl, i, v) {
			const char *f = json_is_string(v) ? json_string_value(v) : NULL;
			if (f && !strcmp(f, "live"))
				r->upd_flags |= API_UPD_LIVE;
			else if (f && !strcmp(f, "config"))
				r->upd_flags |= API_UPD_CONFIG;
			else if (f && !strcmp(f, "current"))
				current = true;
			else
				return bad(e, "invalid argument: flags are 'live', 'config' or 'current'%s", "");
		}
	}
	if (current && r->upd_flags)
		return bad(e, "invalid argument: flag 'current' is exclusive with %s",
			   r->upd_flags & API_UPD_LIVE ? "'live'" : "'config'");
	return keep_xml(r, xml, e);
}

/* ---- port forwarding, connection tracking ---- */

static int get_port_num(json_t *o, const char *k, bool required, uint16_t *out,
			struct ctl_err *e)
{
	json_t *v = json_object_get(o, k);
	if (!v) {
		if (required)
			return bad(e, "invalid argument: missing member '%s'", k);
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535)
		return bad(e, "invalid argument: member '%s' must be a port number from 1 to 65535", k);
	*out = (uint16_t)json_integer_value(v);
	return 1;
}

static int get_ipv4(json_t *o, const char *k, bool required, uint32_t *out, struct ctl_err *e)
{
	char s[64];
	struct in_addr a;
	int rc = get_str(o, k, required, s, sizeof(s), e);
	if (rc <= 0)
		return rc;
	if (inet_pton(AF_INET, s, &a) != 1)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: member '%s': '%s' is not an IPv4 address", k, s);
	*out = ntohl(a.s_addr);
	return 1;
}

/* {"network":"default","protocol":"tcp","external_port":8080,
 *  "external_address":"203.0.113.5","internal_ip":"192.168.122.10",
 *  "internal_port":80,"description":"web"} */
static int parse_portfwd(json_t *o, struct api_req *r, struct ctl_err *e)
{
	static const char *const allowed[] = { "network", "protocol", "external_port",
					       "external_address", "internal_ip", "internal_port",
					       "description", NULL };
	char proto[16];
	int rc;
	if ((rc = only_members(o, allowed, e)) < 0 ||
	    (rc = get_str(o, "network", true, r->network, sizeof(r->network), e)) < 0 ||
	    (rc = get_str(o, "protocol", true, proto, sizeof(proto), e)) < 0 ||
	    (rc = get_port_num(o, "external_port", true, &r->pf.ext_port, e)) < 0 ||
	    (rc = get_ipv4(o, "external_address", false, &r->pf.ext_ip, e)) < 0)
		return rc;
	if (rc == 1 && r->pf.ext_ip == 0) /* 0 stands for "the uplink's" */
		return bad(e, "invalid argument: external_address must be a unicast IPv4 address, not %s",
			   "0.0.0.0");
	if ((rc = get_ipv4(o, "internal_ip", true, &r->pf.int_ip, e)) < 0 ||
	    (rc = get_port_num(o, "internal_port", false, &r->pf.int_port, e)) < 0 ||
	    (rc = get_str(o, "description", false, r->pf.desc, sizeof(r->pf.desc), e)) < 0)
		return rc;
	if (!strcmp(proto, "tcp"))
		r->pf.proto = IPPROTO_TCP;
	else if (!strcmp(proto, "udp"))
		r->pf.proto = IPPROTO_UDP;
	else
		return bad(e, "invalid argument: protocol must be 'tcp' or 'udp', not '%s'", proto);
	if (!r->pf.int_port)
		r->pf.int_port = r->pf.ext_port;
	return 0;
}

struct route {
	const char *method;
	const char *pattern; /* '*' matches one path segment */
	enum api_route route;
	int (*query)(const char *, const char *, struct api_req *, struct ctl_err *);
	int (*body)(json_t *, struct api_req *, struct ctl_err *);
};

static const struct route routes[] = {
	{ "GET", "/v1/networks", API_NET_LIST, q_list, NULL },
	{ "POST", "/v1/networks", API_NET_DEFINE, q_none, parse_define },
	{ "GET", "/v1/networks/*", API_NET_GET, q_none, NULL },
	{ "DELETE", "/v1/networks/*", API_NET_UNDEFINE, q_none, NULL },
	{ "GET", "/v1/networks/*/xml", API_NET_XML, q_xml, NULL },
	{ "POST", "/v1/networks/*/start", API_NET_START, q_none, NULL },
	{ "POST", "/v1/networks/*/destroy", API_NET_DESTROY, q_none, NULL },
	{ "PUT", "/v1/networks/*/autostart", API_NET_AUTOSTART, q_none, parse_autostart },
	{ "GET", "/v1/networks/*/leases", API_NET_LEASES, q_leases, NULL },
	{ "GET", "/v1/networks/*/fdb", API_NET_FDB, q_none, NULL },
	{ "GET", "/v1/ports", API_PORT_LIST, q_ports, NULL },
	{ "POST", "/v1/ports", API_PORT_ADD, q_none, parse_port },
	{ "GET", "/v1/ports/*", API_PORT_GET, q_none, NULL },
	{ "DELETE", "/v1/ports/*", API_PORT_DEL, q_none, NULL },
	{ "GET", "/v1/ports/*/stats", API_PORT_STATS, q_none, NULL },
	{ "GET", "/v1/ports/*/capture", API_PORT_CAPTURE, q_capture, NULL },
	{ "GET", "/v1/stats", API_STATS, q_none, NULL },
	{ "GET", "/v1/version", API_VERSION, q_none, NULL },
	{ "POST", "/v1/networks/*/update", API_NET_UPDATE, q_none, parse_update },
	/* port forwarding, connection tracking */
	{ "GET", "/v1/port-forwards", API_PF_LIST, q_ports, NULL },
	{ "POST", "/v1/port-forwards", API_PF_ADD, q_none, parse_portfwd },
	{ "DELETE", "/v1/port-forwards/*", API_PF_DEL, q_none, NULL },
	{ "GET", "/v1/conntrack", API_CT_LIST, q_ports, NULL },
	{ "DELETE", "/v1/conntrack", API_CT_FLUSH, q_ports, NULL },
	/* security groups */
	{ "GET", "/v1/security-groups", API_SG_LIST, q_none, NULL },
	{ "POST", "/v1/security-groups", API_SG_CREATE, q_none, parse_sg },
	{ "GET", "/v1/security-groups/*", API_SG_GET, q_none, NULL },
	{ "PUT", "/v1/security-groups/*", API_SG_UPDATE, q_none, parse_sg },
	{ "DELETE", "/v1/security-groups/*", API_SG_DEL, q_none, NULL },
	{ "GET", "/v1/security-group-rules", API_SGR_LIST, q_sgr, NULL },
	{ "POST", "/v1/security-group-rules", API_SGR_CREATE, q_none, parse_sgr },
	{ "GET", "/v1/security-group-rules/*", API_SGR_GET, q_none, NULL },
	{ "DELETE", "/v1/security-group-rules/*", API_SGR_DEL, q_none, NULL },
	{ "PUT", "/v1/ports/*", API_PORT_UPDATE, q_none, parse_port_update },
	{ "POST", "/v1/ports/*/trace", API_PORT_TRACE, q_none, parse_trace },
};

/* Match path against pattern; the '*' segment is copied to id. */
static bool match(const char *pat, const char *path, char *id, size_t idcap, bool *too_long)
{
	while (*pat && *path) {
		if (*pat == '*') {
			const char *end = strchr(path, '/');
			size_t n = end ? (size_t)(end - path) : strlen(path);
			if (n == 0)
				return false;
			if (n >= idcap) {
				*too_long = true;
				return false;
			}
			memcpy(id, path, n);
			id[n] = 0;
			path += n;
			pat++;
			continue;
		}
		if (*pat != *path)
			return false;
		pat++;
		path++;
	}
	return !*pat && !*path;
}

int api_req_parse(const char *method, const char *path, const char *query,
		  const char *body, size_t len, struct api_req *r, struct ctl_err *e)
{
	memset(r, 0, sizeof(*r));
	if (len > API_MAX_BODY)
		return ctl_fail(e, E2BIG, 413, "too-large",
				"invalid argument: request body larger than %u bytes", API_MAX_BODY);
	bool path_known = false, too_long = false;
	size_t pl = strlen(path);
	char p[1024];
	if (pl >= sizeof(p))
		return ctl_fail(e, ENOENT, 404, "not-found", "no such API path");
	/* The path arrives as sent: decode it here, and refuse what cannot be
	 * a name (%00 would cut it short, bytes that are not UTF-8 could not
	 * even be echoed in a JSON error). */
	if (decode_as(path, pl, p, sizeof(p), false) < 0)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: malformed request path (bad %%-escape, %%00 or another control character, or invalid UTF-8)");
	pl = strlen(p);
	/* A trailing slash names the same resource. */
	if (pl > 1 && p[pl - 1] == '/')
		p[pl - 1] = 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		char id[256];
		if (!match(rt->pattern, p, id, sizeof(id), &too_long))
			continue;
		path_known = true;
		if (strcmp(rt->method, method))
			continue;
		r->route = rt->route;
		snprintf(r->id, sizeof(r->id), "%s", strchr(rt->pattern, '*') ? id : "");
		int rc = each_query(query, r, e, rt->query);
		if (rc < 0)
			goto fail;
		if (rt->body) {
			json_t *o = body_object(body, len, e, &rc);
			if (!o)
				goto fail;
			rc = rt->body(o, r, e);
			json_decref(o);
			if (rc < 0)
				goto fail;
		} else if (len > 0) {
			/* GET/DELETE/start/destroy take no body; tolerate "{}" from clients. */
			json_t *o = body_object(body, len, e, &rc);
			if (!o)
				goto fail;
			bool empty = json_object_size(o) == 0;
			json_decref(o);
			if (!empty) {
				rc = bad(e, "invalid argument: this request takes no body%s", "");
				goto fail;
			}
		}
		return 0;
fail:
		api_req_clear(r);
		return rc;
	}
	if (too_long)
		return ctl_fail(e, ENAMETOOLONG, 400, "invalid-arg", "invalid argument: name too long");
	if (path_known)
		return ctl_fail(e, EINVAL, 405, "method-not-allowed",
				"invalid argument: method %s not allowed on %s", method, p);
	return ctl_fail(e, ENOENT, 404, "not-found", "no such API path: %s", p);
}
