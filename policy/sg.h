/* sg — security groups and their rules: model, validation, JSON codec.
 *
 * Design: Neutron's resources, names and shapes (neutron/extensions/
 * securitygroup.py), so people and tools that know OpenStack know them:
 *   group: id (uuid), name, description, rules
 *   rule:  id, security_group_id, direction (ingress|egress), ethertype
 *          (IPv4|IPv6), protocol (a name, a number 0-255 as a string or a
 *          number, or null/"any": every protocol), port_range_min/max (TCP,
 *          UDP, SCTP, DCCP, UDP-Lite ports; for ICMP/ICMPv6 the type and the
 *          code, as Neutron does), remote_ip_prefix, remote_group_id,
 *          description.
 * sg_rule_from_json() checks a rule on its own with Neutron's rules and
 * messages (ports without a protocol, min > max, ports on a protocol without
 * ports, ICMP type/code limits and code without type, unknown protocol or
 * ethertype, prefix of the other family, prefix with remote group, ICMP of
 * the other family); struct sg_db (sg_db.c) holds the set of groups and
 * checks what needs the others (duplicate rule 409, unknown group 404,
 * the default group cannot be deleted or renamed).
 *
 * No DPDK, no I/O: the control thread (control/policy/api_sg.c) stores and serves
 * it; tests/unit/test_policy.c and tests/fuzz/fuzz_policy.c drive it alone.
 * Memory: a group owns its rule array (sg_group_free); the codec returns
 * new json_t references.  Errors: 0 or negative errno, with struct sg_err
 * filled (HTTP status, API code, Neutron's message).
 */
#ifndef VNETD_SG_H
#define VNETD_SG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SG_ID_LEN 36       /* canonical uuid text */
#define SG_NAME_MAX 255    /* Neutron's NAME_MAX_LEN */
#define SG_DESC_MAX 255    /* Neutron's DESCRIPTION_MAX_LEN */
#define SG_RULES_MAX 10000 /* rules per group */

enum sg_dir { SG_INGRESS = 0, SG_EGRESS = 1 };
enum sg_ethertype { SG_IPV4 = 4, SG_IPV6 = 6 };
#define SG_PROTO_ANY (-1)
#define SG_PORT_NONE (-1)

struct sg_err {
	int status;       /* HTTP status */
	const char *code; /* API error code: "invalid-arg", "conflict", ... */
	char msg[512];
};

struct sg_rule {
	char id[SG_ID_LEN + 1];
	char group_id[SG_ID_LEN + 1];
	uint8_t direction;      /* enum sg_dir */
	uint8_t ethertype;      /* enum sg_ethertype */
	int16_t proto;          /* SG_PROTO_ANY or 0..255 */
	char proto_text[16];    /* as given ("tcp", "6"), "" when any: echoed back */
	int32_t port_min, port_max; /* SG_PORT_NONE when not given */
	bool has_prefix;
	uint8_t prefix[16];     /* network order; IPv4 in the first 4 bytes */
	uint8_t plen;
	char remote_group[SG_ID_LEN + 1]; /* "" when none */
	char description[SG_DESC_MAX + 1];
	uint64_t seq; /* the store's order key (control/policy/api_sg.c), not JSON */
};

struct sg_group {
	char id[SG_ID_LEN + 1];
	char name[SG_NAME_MAX + 1];
	char description[SG_DESC_MAX + 1];
	size_t n_rules;
	struct sg_rule *rules;
};

/* Protocol name or number text -> number (0..255), SG_PROTO_ANY for
 * "any"/"", or -EINVAL.  Names are Neutron's IP_PROTOCOL_MAP. */
int sg_proto_parse(const char *s);
/* Does this protocol have ports (tcp, udp, sctp, dccp, udplite)? */
bool sg_proto_has_ports(int proto);
/* ICMP (1) for IPv4 rules, ICMPv6 (58) for IPv6 rules: type/code */
bool sg_proto_is_icmp(int proto);

/* "a.b.c.d/n" or an IPv6 prefix (a bare address is /32 or /128) ->
 * family 4 or 6, bytes (host bits cleared, as Neutron normalises), plen;
 * -EINVAL when malformed. */
int sg_prefix_parse(const char *s, uint8_t addr[16], uint8_t *plen);
void sg_prefix_format(int family, const uint8_t addr[16], uint8_t plen, char *out, size_t cap);

/* A rule from the members of Neutron's "security_group_rule" object.
 * store: the stored form (id and security_group_id taken from o; else an
 * id member is refused and security_group_id is required). */
int sg_rule_from_json(json_t *o, bool store, struct sg_rule *r, struct sg_err *e);
json_t *sg_rule_to_json(const struct sg_rule *r);
/* Same rule for Neutron's duplicate check: every field but id and
 * description, the protocol by number, 0.0.0.0/0 and ::/0 as no prefix. */
bool sg_rule_same(const struct sg_rule *a, const struct sg_rule *b);

/* A group's "security_group" members: name, description (create: name
 * optional, default ""; update: only those given change, *has_* say
 * which).  The stored form (store) also has id and rules. */
int sg_group_from_json(json_t *o, bool store, struct sg_group *g, bool *has_name,
		       bool *has_desc, struct sg_err *e);
json_t *sg_group_to_json(const struct sg_group *g);
void sg_group_free(struct sg_group *g); /* the rules; g itself is the caller's */
int sg_group_copy(struct sg_group *dst, const struct sg_group *src);

/* A fresh random (version 4) uuid, canonical lower-case text. */
void sg_uuid_new(char out[SG_ID_LEN + 1]);
bool sg_uuid_valid(const char *s);

int sg_fail(struct sg_err *e, int err, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
