/* nat — address/port translation of IPv4 packets and the NAT port allocator.
 *
 * Rewrites (nat_rewrite, nat_rewrite_icmp_error) are pure functions on a
 * packet in memory (no DPDK): addresses, TCP/UDP ports, the ICMP echo
 * identifier, with RFC 1624 incremental checksum updates (IPv4 header,
 * TCP/UDP including the pseudo header, ICMP).  An ICMP error's quoted
 * header is translated too (its checksums, then the ICMP checksum).
 *
 * The allocator (struct nat_map, one per NAT network): endpoint-independent
 * mapping (RFC 4787 REQ-1) and paired address pooling (REQ-2).  Per
 * protocol, one 64-bit word per (external address, port): internal address,
 * internal port, reference count (sessions using the mapping).  An internal
 * endpoint's candidates are a hash of it, probed in the same order by every
 * worker; words are claimed, shared and released with compare-and-swap, so
 * there is no lock and no worker slice.  Writers: workers (get) and whoever
 * deletes a session (put).  Memory: freed by the control thread after the
 * network is gone (no session refers to it then).
 * Errors: 0 or negative errno; nat_map_create returns NULL.
 */
#ifndef VNETD_NAT_H
#define VNETD_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/pkt.h"

/* Network order. ICMP echo: the identifier in sport (and dport). */
struct nat_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
};

/* RFC 1624 eqn. 3 on a checksum field (host-order values). */
static inline uint16_t nat_csum_adj16(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~hc + (uint32_t)(uint16_t)~old + new;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* ip: the IPv4 header, len: bytes from it to the end of the frame.
 * Rewrites the packet's tuple to t.  The L4 header must be present (first
 * fragment, TCP/UDP/ICMP echo); other protocols get the addresses only.
 * -EINVAL: truncated. */
int nat_rewrite(uint8_t *ip, size_t len, const struct nat_tuple *t);

/* An ICMP error (type 3, 4, 5, 11, 12): the quoted packet's protocol and
 * tuple as it was sent.  -EINVAL: not an error or too short. */
int nat_icmp_error_inner(const uint8_t *ip, size_t len, uint8_t *proto, struct nat_tuple *q);
/* Rewrites an ICMP error: the outer destination to out_dst (the outer
 * source is kept unless it was the quoted destination: then q->dst), the
 * quoted packet to q (its tuple as it was sent, translated). */
int nat_rewrite_icmp_error(uint8_t *ip, size_t len, uint32_t out_dst, const struct nat_tuple *q);

struct nat_map;
/* Addresses host order [addr_min, addr_max] (at most 16), ports host order. */
struct nat_map *nat_map_create(uint32_t addr_min, uint32_t addr_max, uint16_t port_min,
			       uint16_t port_max);
void nat_map_free(struct nat_map *m);
bool nat_map_same(const struct nat_map *m, uint32_t addr_min, uint32_t addr_max,
		  uint16_t port_min, uint16_t port_max);
/* The mapping of (proto, int_ip:int_port): the existing one (reference
 * taken) or a new one.  skip(o, ext_ip, ext_port) may veto a candidate
 * (a port forward owns it).  try: 0 for the preferred mapping, more for the
 * next candidates (the session insert collided).  -ENOSPC: no candidate
 * free.  Network order in and out. */
int nat_map_get(struct nat_map *m, uint8_t proto, uint32_t int_ip, uint16_t int_port,
		unsigned try, bool (*skip)(void *o, uint32_t ip, uint16_t port), void *o,
		uint32_t *ext_ip, uint16_t *ext_port);
void nat_map_put(struct nat_map *m, uint8_t proto, uint32_t ext_ip, uint16_t ext_port);
/* Mappings in use (tests, stats); slow. */
unsigned nat_map_count(const struct nat_map *m);

#endif
