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
 * Only a connection's first packet (or a flow cache miss) consults the rules.
 *
 * Matching: the compiler fills rules[] and calls acl_set_build() once
 * before publishing; that builds a tuple-space index (allow-only rules:
 * any match admits, so there is no priority to keep):
 *   - rules are grouped into tuples by (remote mask, protocol given or any);
 *     a direction has few tuples (remote groups expand to /32 members,
 *     "any" is /0, prefixes add their length: typically 2-8);
 *   - each tuple is an open-addressing hash (linear probing, load <= 1/2)
 *     keyed by (remote & mask, protocol) whose entry holds the union of its
 *     rules' values as sorted disjoint intervals: the destination port for
 *     TCP/UDP/SCTP/DCCP/UDP-Lite, type << 8 | code for ICMP rules, the whole
 *     range for other protocols;
 *   - a lookup probes each tuple once (skipping tuples without the packet's
 *     protocol, larger tuples first) and binary-searches the entry's
 *     intervals; the first hit admits.
 * Cost: a lookup is O(tuples x log(intervals)), independent of the rule
 * count; the build is O(rules) (hash inserts, small interval sorts).
 * Measured (tests/bench/bench_sg, a realistic mix, the admitting rule
 * last; doc/benchmarks.md): lookup ~20-125 ns at 10..10,000 rules (the scan:
 * ~2-4 us at 1,000, 28-44 us at 10,000); build ~40-50 us at 1,000 rules,
 * ~0.4-0.7 ms at 10,000; ~40 bytes of index per rule.  rte_acl on the same
 * rules: rte_acl_build 43-92 ms at 1,000 rules, 0.9-1.5 s at 10,000 (a rule
 * change must reach the workers within a few ms), lookup no faster for
 * one packet (~80-210 ns): not used.
 * The index is one allocation addressed by offsets (acl_set_dup copies it
 * with memcpy), owned by the set: free a set with acl_set_free().  A set
 * without an index (not built, or acl_set_build failed) is matched by the
 * linear scan, with the same answers (tests/unit/test_acl.c compares the
 * two on random rule sets).
 * Who: the control thread builds and frees (after an RCU grace period:
 * dp.c's deferred reclamation); workers only read a published set.
 * Pure: no DPDK, unit-tested (tests/unit/test_acl.c).
 */
#ifndef VNETD_ACL_H
#define VNETD_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { ACL_IN = 0, ACL_OUT = 1 };
#define ACL_ANY (-1)

struct acl_rule {
	uint32_t net, mask;   /* the remote side, network order; mask 0: any */
	int16_t proto;        /* ACL_ANY or 0..255 */
	int32_t pmin, pmax;   /* destination port range; ACL_ANY: any */
	int16_t icmp_type, icmp_code; /* ICMP/ICMPv6 rules; ACL_ANY: any */
};

struct acl_ix;

struct acl_set {
	uint32_t n[2];        /* rules per direction */
	bool v6_any[2];       /* IPv6 passes in this direction */
	struct acl_ix *ix;    /* acl_set_build's index; NULL: linear scan */
	struct acl_rule *r[2];/* into rules[] */
	struct acl_rule rules[];
};

/* A new set with room for n_in + n_out rules (r[] set, n[] zero);
 * acl_set_free(). */
struct acl_set *acl_set_new(uint32_t n_in, uint32_t n_out);
/* Builds (or rebuilds) the index of the rules filled in; 0 or -ENOMEM (the
 * set then keeps answering by the linear scan).  Call again after changing
 * rules[] or n[]; never on a published set (workers may be reading it). */
int acl_set_build(struct acl_set *a);
/* A copy with its index, or NULL. */
struct acl_set *acl_set_dup(const struct acl_set *a);
/* Frees the set and its index; NULL is fine. */
void acl_set_free(struct acl_set *a);
/* The index's size in bytes (0: not built). */
size_t acl_set_index_bytes(const struct acl_set *a);
/* Does the direction allow this IPv4 packet?  remote: the other side's
 * address; dport host order; ICMP: type and code. */
bool acl_allows(const struct acl_set *a, unsigned dir, uint8_t proto, uint32_t remote,
		uint16_t dport, uint8_t icmp_type, uint8_t icmp_code);

#endif
