/* sg.c — security group model: validation with Neutron's messages and the
 * JSON codec (see sg.h). */
#include "policy/sg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int sg_fail(struct sg_err *e, int err, int status, const char *code, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->status = status;
		e->code = code;
	}
	return -err;
}

#define BAD(e, ...) sg_fail(e, EINVAL, 400, "invalid-arg", __VA_ARGS__)

/* Neutron's IP_PROTOCOL_MAP (neutron_lib/constants.py). */
static const struct { const char *name; int num; } protos[] = {
	{ "ah", 51 }, { "dccp", 33 }, { "egp", 8 }, { "esp", 50 }, { "gre", 47 },
	{ "hopopt", 0 }, { "icmp", 1 }, { "icmpv6", 58 }, { "igmp", 2 }, { "ipip", 4 },
	{ "ipv6-encap", 41 }, { "ipv6-frag", 44 }, { "ipv6-icmp", 58 }, { "ipv6-nonxt", 59 },
	{ "ipv6-opts", 60 }, { "ipv6-route", 43 }, { "ospf", 89 }, { "pgm", 113 },
	{ "rsvp", 46 }, { "sctp", 132 }, { "tcp", 6 }, { "udp", 17 }, { "udplite", 136 },
	{ "vrrp", 112 },
};

int sg_proto_parse(const char *s)
{
	if (!s[0] || !strcasecmp(s, "any"))
		return SG_PROTO_ANY;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcasecmp(s, protos[i].name))
			return protos[i].num;
	size_t n = strlen(s);
	if (n == 0 || n > 3 || strspn(s, "0123456789") != n)
		return -EINVAL;
	int v = atoi(s);
	return v <= 255 ? v : -EINVAL;
}

bool sg_proto_has_ports(int p)
{
	return p == 6 || p == 17 || p == 132 || p == 33 || p == 136;
}

bool sg_proto_is_icmp(int p)
{
	return p == 1 || p == 58;
}

int sg_prefix_parse(const char *s, uint8_t addr[16], uint8_t *plen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	if (al == 0 || al >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, al);
	buf[al] = 0;
	int fam = strchr(buf, ':') ? 6 : 4;
	memset(addr, 0, 16);
	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, buf, addr) != 1)
		return -EINVAL;
	unsigned max = fam == 4 ? 32 : 128, len = max;
	if (slash) {
		const char *d = slash + 1;
		size_t dl = strlen(d);
		if (dl == 0 || dl > 3 || strspn(d, "0123456789") != dl)
			return -EINVAL;
		len = (unsigned)atoi(d);
		if (len > max)
			return -EINVAL;
	}
	for (unsigned b = len; b < max; b++) /* clear the host bits */
		addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	*plen = (uint8_t)len;
	return fam;
}

void sg_prefix_format(int family, const uint8_t addr[16], uint8_t plen, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
	snprintf(out, cap, "%s/%u", a, plen);
}

bool sg_uuid_valid(const char *s)
{
	if (strlen(s) != SG_ID_LEN)
		return false;
	for (int i = 0; i < SG_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

void sg_uuid_new(char out[SG_ID_LEN + 1])
{
	uint8_t b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
		if (r > 0)
			got += (size_t)r;
		else if (errno != EINTR)
			break;
	}
	for (; got < sizeof(b); got++) /* no entropy source at all: still unique-ish */
		b[got] = (uint8_t)rand();
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, SG_ID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

/* ---- JSON helpers (Neutron's attribute validation messages) ---- */

static int only(json_t *o, const char *const *allowed, struct sg_err *e)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		size_t i;
		for (i = 0; allowed[i] && strcmp(k, allowed[i]); i++)
			;
		if (!allowed[i])
			return BAD(e, "Unrecognized attribute(s) '%s'", k);
	}
	return 0;
}

/* A string member (or null when nullable): 0 absent/null, 1 copied. */
static int str(json_t *o, const char *k, char *out, size_t cap, struct sg_err *e)
{
	json_t *v = json_object_get(o, k);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return BAD(e, "Invalid input for %s. Reason: '%s' is not a valid string.", k,
			   json_is_integer(v) ? "integer" : json_is_boolean(v) ? "boolean" : "value");
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return BAD(e, "Invalid input for %s. Reason: it contains a NUL byte.", k);
	if (strlen(s) >= cap)
		return BAD(e, "Invalid input for %s. Reason: '%.40s...' exceeds maximum length of %zu.",
			   k, s, cap - 1);
	snprintf(out, cap, "%s", s);
	return 1;
}

/* A port value: integer or digits, 0..65535 (convert_validate_port_value). */
static int port_val(json_t *o, const char *k, int32_t *out, struct sg_err *e)
{
	json_t *v = json_object_get(o, k);
	*out = SG_PORT_NONE;
	if (!v || json_is_null(v))
		return 0;
	long long n = -1;
	char txt[32] = "";
	if (json_is_integer(v)) {
		n = json_integer_value(v);
		snprintf(txt, sizeof(txt), "%lld", n);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t l = strlen(s);
		snprintf(txt, sizeof(txt), "%s", s);
		if (l && l <= 5 && strspn(s, "0123456789") == l && l == json_string_length(v))
			n = atoll(s);
	}
	if (n < 0 || n > 65535)
		return BAD(e, "Invalid value for port %s.", txt[0] ? txt : "(not a number)");
	*out = (int32_t)n;
	return 1;
}

static const char *proto_list(void)
{
	static char buf[512];
	if (!buf[0]) {
		size_t k = (size_t)snprintf(buf, sizeof(buf), "[None");
		for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			k += (size_t)snprintf(buf + k, sizeof(buf) - k, ", '%s'", protos[i].name);
		snprintf(buf + k, sizeof(buf) - k, "]");
	}
	return buf;
}

/* ---- rules ---- */

int sg_rule_from_json(json_t *o, bool store, struct sg_rule *r, struct sg_err *e)
{
	static const char *const api[] = { "security_group_id", "direction", "ethertype",
					   "protocol", "port_range_min", "port_range_max",
					   "remote_ip_prefix", "remote_group_id", "description",
					   NULL };
	static const char *const stored[] = { "id", "security_group_id", "direction",
					      "ethertype", "protocol", "port_range_min",
					      "port_range_max", "remote_ip_prefix",
					      "remote_group_id", "description", NULL };
	char dir[16] = "", eth[16] = "IPv4", prefix[64] = "";
	int rc;

	memset(r, 0, sizeof(*r));
	r->proto = SG_PROTO_ANY;
	if (!json_is_object(o))
		return BAD(e, "Invalid input: security_group_rule must be an object");
	if ((rc = only(o, store ? stored : api, e)) < 0)
		return rc;
	if (store && (rc = str(o, "id", r->id, sizeof(r->id), e)) <= 0)
		return rc < 0 ? rc : BAD(e, "Invalid input: a stored rule needs its id");
	if (store && !sg_uuid_valid(r->id))
		return BAD(e, "Invalid input for id. Reason: '%s' is not a valid UUID.", r->id);
	if ((rc = str(o, "security_group_id", r->group_id, sizeof(r->group_id), e)) < 0)
		return rc;
	if (rc == 0)
		return BAD(e, "Failed to parse request. Required attribute 'security_group_id' not specified");
	if (!sg_uuid_valid(r->group_id))
		return BAD(e, "Invalid input for security_group_id. Reason: '%s' is not a valid UUID.",
			   r->group_id);
	if ((rc = str(o, "direction", dir, sizeof(dir), e)) < 0)
		return rc;
	if (rc == 0)
		return BAD(e, "Failed to parse request. Required attribute 'direction' not specified");
	if (!strcmp(dir, "ingress"))
		r->direction = SG_INGRESS;
	else if (!strcmp(dir, "egress"))
		r->direction = SG_EGRESS;
	else
		return BAD(e, "Invalid input for direction. Reason: '%s' is not in ['ingress', 'egress'].",
			   dir);
	if ((rc = str(o, "ethertype", eth, sizeof(eth), e)) < 0)
		return rc;
	if (!strcasecmp(eth, "IPv4"))
		r->ethertype = SG_IPV4;
	else if (!strcasecmp(eth, "IPv6"))
		r->ethertype = SG_IPV6;
	else
		return BAD(e, "Security group rule for ethertype '%s' not supported. Allowed values are ['IPv4', 'IPv6'].",
			   eth);

	json_t *pv = json_object_get(o, "protocol");
	if (pv && json_is_integer(pv)) {
		json_int_t n = json_integer_value(pv);
		if (n < 0 || n > 255)
			return BAD(e, "Security group rule protocol %lld not supported. Only protocol values %s and integer representations [0 to 255] are supported.",
				   (long long)n, proto_list());
		snprintf(r->proto_text, sizeof(r->proto_text), "%d", (int)n);
	} else if ((rc = str(o, "protocol", r->proto_text, sizeof(r->proto_text), e)) < 0) {
		return BAD(e, "Security group rule protocol %s not supported. Only protocol values %s and integer representations [0 to 255] are supported.",
			   "(not a string)", proto_list());
	}
	for (char *c = r->proto_text; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	int p = sg_proto_parse(r->proto_text);
	if (p == -EINVAL)
		return BAD(e, "Security group rule protocol %s not supported. Only protocol values %s and integer representations [0 to 255] are supported.",
			   r->proto_text, proto_list());
	r->proto = (int16_t)p;
	if (p == SG_PROTO_ANY)
		r->proto_text[0] = 0;
	if (r->ethertype == SG_IPV4 && p == 58)
		return sg_fail(e, EINVAL, 400, "invalid-arg",
			       "Invalid ethertype IPv4 for protocol %s.", r->proto_text);

	if ((rc = port_val(o, "port_range_min", &r->port_min, e)) < 0 ||
	    (rc = port_val(o, "port_range_max", &r->port_max, e)) < 0)
		return rc;
	/* Neutron's _validate_port_range */
	if (r->port_min != SG_PORT_NONE || r->port_max != SG_PORT_NONE) {
		if (p == SG_PROTO_ANY)
			return BAD(e, "Must also specify protocol if port range is given.");
		if (sg_proto_has_ports(p)) {
			if (r->port_min == 0 || r->port_max == 0)
				return BAD(e, "Invalid value for port 0.");
			if (r->port_min == SG_PORT_NONE || r->port_max == SG_PORT_NONE ||
			    r->port_min > r->port_max)
				return BAD(e, "For TCP/UDP protocols, port_range_min must be <= port_range_max");
		} else if (sg_proto_is_icmp(p)) {
			if (r->port_min > 255)
				return BAD(e, "Invalid value for ICMP type (port_range_min) %d. It must be 0 to 255.",
					   r->port_min);
			if (r->port_max > 255)
				return BAD(e, "Invalid value for ICMP code (port_range_max) %d. It must be 0 to 255.",
					   r->port_max);
			if (r->port_min == SG_PORT_NONE)
				return BAD(e, "ICMP code (port-range-max) %d is provided but ICMP type (port-range-min) is missing.",
					   r->port_max);
		} else {
			return BAD(e, "Invalid protocol %s for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.",
				   r->proto_text);
		}
	}

	if ((rc = str(o, "remote_ip_prefix", prefix, sizeof(prefix), e)) < 0 ||
	    (rc = str(o, "remote_group_id", r->remote_group, sizeof(r->remote_group), e)) < 0)
		return rc;
	if (prefix[0] && r->remote_group[0])
		return sg_fail(e, EINVAL, 400, "invalid-arg",
			       "Only remote_ip_prefix or remote_group_id may be provided.");
	if (r->remote_group[0] && !sg_uuid_valid(r->remote_group))
		return BAD(e, "Invalid input for remote_group_id. Reason: '%s' is not a valid UUID.",
			   r->remote_group);
	if (prefix[0]) {
		int fam = sg_prefix_parse(prefix, r->prefix, &r->plen);
		if (fam < 0)
			return BAD(e, "Invalid input for remote_ip_prefix. Reason: '%s' is not a valid IP subnet.",
				   prefix);
		if (fam != r->ethertype)
			return BAD(e, "Conflicting value ethertype %s for CIDR %s",
				   r->ethertype == SG_IPV4 ? "IPv4" : "IPv6", prefix);
		r->has_prefix = true;
	}
	if ((rc = str(o, "description", r->description, sizeof(r->description), e)) < 0)
		return rc;
	return 0;
}

json_t *sg_rule_to_json(const struct sg_rule *r)
{
	char pfx[64];
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", r->id, "security_group_id",
			      r->group_id, "direction",
			      r->direction == SG_INGRESS ? "ingress" : "egress", "ethertype",
			      r->ethertype == SG_IPV4 ? "IPv4" : "IPv6", "description",
			      r->description);
	if (!o)
		return NULL;
	json_object_set_new(o, "protocol", r->proto == SG_PROTO_ANY ? json_null()
								      : json_string(r->proto_text));
	json_object_set_new(o, "port_range_min", r->port_min == SG_PORT_NONE
							 ? json_null() : json_integer(r->port_min));
	json_object_set_new(o, "port_range_max", r->port_max == SG_PORT_NONE
							 ? json_null() : json_integer(r->port_max));
	if (r->has_prefix)
		sg_prefix_format(r->ethertype, r->prefix, r->plen, pfx, sizeof(pfx));
	json_object_set_new(o, "remote_ip_prefix", r->has_prefix ? json_string(pfx) : json_null());
	json_object_set_new(o, "remote_group_id",
			    r->remote_group[0] ? json_string(r->remote_group) : json_null());
	return o;
}

static bool any_prefix(const struct sg_rule *r)
{
	return !r->has_prefix || r->plen == 0;
}

bool sg_rule_same(const struct sg_rule *a, const struct sg_rule *b)
{
	if (strcmp(a->group_id, b->group_id) || a->direction != b->direction ||
	    a->ethertype != b->ethertype || a->proto != b->proto ||
	    a->port_min != b->port_min || a->port_max != b->port_max ||
	    strcmp(a->remote_group, b->remote_group))
		return false;
	if (any_prefix(a) || any_prefix(b))
		return any_prefix(a) && any_prefix(b);
	return a->plen == b->plen && !memcmp(a->prefix, b->prefix, 16);
}

/* ---- groups ---- */

void sg_group_free(struct sg_group *g)
{
	free(g->rules);
	g->rules = NULL;
	g->n_rules = 0;
}

int sg_group_copy(struct sg_group *dst, const struct sg_group *src)
{
	*dst = *src;
	dst->rules = NULL;
	if (src->n_rules) {
		dst->rules = malloc(src->n_rules * sizeof(*dst->rules));
		if (!dst->rules) {
			dst->n_rules = 0;
			return -ENOMEM;
		}
		memcpy(dst->rules, src->rules, src->n_rules * sizeof(*dst->rules));
	}
	return 0;
}

int sg_group_from_json(json_t *o, bool store, struct sg_group *g, bool *has_name,
		       bool *has_desc, struct sg_err *e)
{
	static const char *const api[] = { "name", "description", NULL };
	static const char *const stored[] = { "id", "name", "description",
					      "security_group_rules", NULL };
	int rc;
	bool hn, hd;

	if (!has_name)
		has_name = &hn;
	if (!has_desc)
		has_desc = &hd;
	*has_name = *has_desc = false;
	if (!json_is_object(o))
		return BAD(e, "Invalid input: security_group must be an object");
	if ((rc = only(o, store ? stored : api, e)) < 0)
		return rc;
	if (store) {
		if ((rc = str(o, "id", g->id, sizeof(g->id), e)) <= 0)
			return rc < 0 ? rc : BAD(e, "Invalid input: a stored group needs its id");
		if (!sg_uuid_valid(g->id))
			return BAD(e, "Invalid input for id. Reason: '%s' is not a valid UUID.", g->id);
	}
	if ((rc = str(o, "name", g->name, sizeof(g->name), e)) < 0)
		return rc;
	*has_name = rc == 1;
	if ((rc = str(o, "description", g->description, sizeof(g->description), e)) < 0)
		return rc;
	*has_desc = rc == 1;
	if (!store)
		return 0;
	json_t *rules = json_object_get(o, "security_group_rules");
	if (rules && !json_is_array(rules))
		return BAD(e, "Invalid input: rules must be a list");
	size_t n = json_array_size(rules);
	if (n > SG_RULES_MAX)
		return BAD(e, "Invalid input: more than %d rules", SG_RULES_MAX);
	g->rules = n ? calloc(n, sizeof(*g->rules)) : NULL;
	g->n_rules = 0;
	if (n && !g->rules)
		return sg_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	for (size_t i = 0; i < n; i++) {
		struct sg_rule *r = &g->rules[g->n_rules];
		if ((rc = sg_rule_from_json(json_array_get(rules, i), true, r, e)) < 0) {
			sg_group_free(g);
			return rc;
		}
		if (strcmp(r->group_id, g->id)) {
			rc = BAD(e, "Invalid input: rule %s belongs to group %s", r->id, r->group_id);
			sg_group_free(g); /* r points into it: after the message */
			return rc;
		}
		g->n_rules++;
	}
	return 0;
}

json_t *sg_group_to_json(const struct sg_group *g)
{
	json_t *rules = json_array();
	for (size_t i = 0; rules && i < g->n_rules; i++)
		json_array_append_new(rules, sg_rule_to_json(&g->rules[i]));
	return json_pack("{s:s, s:s, s:s, s:o*}", "id", g->id, "name", g->name, "description",
			 g->description, "security_group_rules", rules);
}
