/* acl — a port's security group rules, compiled, and their matcher.
 *
 * Design: the control thread compiles the union of a port's security
 * groups (control/policy/sg_compile.c) into one immutable struct acl_set per port:
 * allow rules per direction (ingress: traffic to the port, egress: from
 * it), IPv4 with the remote side as a prefix (a remote group is expanded
 * into its members' addresses: /32 each), the protocol (or any), the
 * destination port range (TCP, UDP, SCTP, DCCP, UDP-Lite) or the ICMP type
 * and code.  IPv6: whether any IPv6 rule with any protocol and no remote
 * restriction exists per direction (vnetd forwards IPv6 only as L2 traffic;
 * finer IPv6 rules are not matched and leave it dropped).
 * The set is published in the port's snapshot (dp_port_set_acl: RCU, the
 * old set freed after a grace period); the worker checks a new connection
 * against the sender's egress and the receiver's ingress rules and keeps
 * the verdict in a session of the shared table (ct.h), so replies pass.
 * Matching is a linear scan: sets are small and only a connection's first
 * packet (or a flow cache miss) pays for it.
 * Pure: no DPDK, unit-tested (tests/unit/test_acl.c).
 */
#ifndef VNETD_ACL_H
#define VNETD_ACL_H

#include <stdbool.h>
#include <stdint.h>

enum { ACL_IN = 0, ACL_OUT = 1 };
#define ACL_ANY (-1)

struct acl_rule {
	uint32_t net, mask;   /* the remote side, network order; mask 0: any */
	int16_t proto;        /* ACL_ANY or 0..255 */
	int32_t pmin, pmax;   /* destination port range; ACL_ANY: any */
	int16_t icmp_type, icmp_code; /* ICMP/ICMPv6 rules; ACL_ANY: any */
};

struct acl_set {
	uint32_t n[2];        /* rules per direction */
	bool v6_any[2];       /* IPv6 passes in this direction */
	struct acl_rule *r[2];/* into rules[] */
	struct acl_rule rules[];
};

/* A new set with room for n_in + n_out rules (r[] set, n[] zero); free(). */
struct acl_set *acl_set_new(uint32_t n_in, uint32_t n_out);
/* A copy (malloc'd), or NULL. */
struct acl_set *acl_set_dup(const struct acl_set *a);
/* Does the direction allow this IPv4 packet?  remote: the other side's
 * address; dport host order; ICMP: type and code. */
bool acl_allows(const struct acl_set *a, unsigned dir, uint8_t proto, uint32_t remote,
		uint16_t dport, uint8_t icmp_type, uint8_t icmp_code);

#endif
