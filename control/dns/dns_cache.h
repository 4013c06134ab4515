/*
 * dns_cache.h - the forwarder's answer cache (one per network).
 *
 * Design note
 *  - Who writes / who reads: the control thread only (the DNS server puts
 *    upstream replies, looks queries up); no locks, no DPDK.
 *  - Key: the lowercase question name, type and class, whether the query
 *    had EDNS0 and its DO bit (an answer with an OPT record is only served
 *    to a query that had one).  Value: the upstream reply as received.
 *  - TTL: a positive answer lives for the smallest TTL of its answer
 *    records; NXDOMAIN and NODATA for min(SOA TTL, SOA minimum) of the SOA
 *    in the authority section (RFC 2308), not cached without one.  Both are
 *    capped at DNS_CACHE_TTL_MAX.  SERVFAIL, REFUSED, truncated replies and
 *    TTL 0 are not cached.  A hit is copied out with the caller's query ID
 *    and every TTL (but the OPT's) lowered by the time spent in the cache.
 *  - Memory: at most max entries (each one malloc'd: key + reply); when
 *    full the least recently used entry is evicted; expired ones go when
 *    met.  dns_cache_free() frees everything.
 *  - Errors: 0 / length or a negative errno.
 */
#ifndef VNETD_DNS_CACHE_H
#define VNETD_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dns_msg.h"

#define DNS_CACHE_TTL_MAX 86400
#define DNS_CACHE_MSG_MAX 4096

struct dns_cache_stats {
	uint64_t hits, misses, inserts, evictions, expired, uncacheable;
	uint64_t entries;
};

struct dns_cache;
struct dns_cache *dns_cache_new(size_t max);
void dns_cache_free(struct dns_cache *c);
/*
 * Stores the reply resp (for the query q) at time now (seconds, any
 * monotonic clock).  0, or -EINVAL (not cacheable: rcode, TC, no TTL,
 * malformed), -ENOMEM.
 */
int dns_cache_put(struct dns_cache *c, const struct dns_query *q, const uint8_t *resp,
		size_t len, uint64_t now);
/* Copies the cached reply for q into buf with q's ID: the length, or
 * -ENOENT (miss or expired), -EMSGSIZE (cap too small). */
int dns_cache_get(struct dns_cache *c, const struct dns_query *q, uint8_t *buf,
		size_t cap, uint64_t now);
/* Drops every entry (the upstream servers changed). */
void dns_cache_flush(struct dns_cache *c);
void dns_cache_get_stats(const struct dns_cache *c, struct dns_cache_stats *s);

#endif
