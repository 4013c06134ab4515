/* flow — the flow table: exact-match entries that cache a classification.
 *
 * Design: one table per worker (like an OVS PMD's EMC/dpcls), so the worker
 * is its only writer and reader and nothing is shared or locked on the hot
 * path.  Keys are struct flow_key (32 bytes, already masked by the ingress
 * port's key shape); values are struct flow_entry kept in an array indexed by
 * the rte_hash slot, so a bulk lookup yields entries directly.
 *
 * An entry caches the actions decided by the slow-path classifier (output
 * port or flood today; NAT rewrite, security-group verdict and route next) and
 * the validity stamps it was computed under: the ingress port's policy epoch
 * and the network FDB generation.  A stamp mismatch makes the entry
 * reclassify itself on its next packet — config changes never walk the table.
 * Idle entries are expired incrementally by their worker (flow_expire visits
 * a bounded number of slots per call, so a sparse table costs no more than a
 * full one).
 *
 * In front of the rte_hash sits an exact-match cache (EMC, as in OVS): 8192
 * direct-mapped cache lines holding a key, its hash and its slot.  A hit costs
 * one CRC and one 32-byte compare instead of rte_hash's bucket walk; misses go
 * to rte_hash in bulk with the hash already computed.  A found key enters the
 * EMC with probability 1/16, so hot flows get in quickly and a million cold
 * ones do not thrash it.  Deleting a key clears its EMC line, so the EMC
 * never maps a key to a slot that now holds another.
 *
 * Readers outside the worker (flow dumps, statistics) get a copy through the
 * worker's request path; they never touch the table directly.
 * Errors: 0 or negative errno; constructors return NULL.
 */
#ifndef VNETD_FLOW_H
#define VNETD_FLOW_H

#include <stdint.h>

#include "dataplane/pkt.h"

struct flow_table;

enum flow_action {
	FLOW_ACT_DROP = 0,
	FLOW_ACT_OUTPUT,   /* to out_port */
	FLOW_ACT_FLOOD,    /* to every other port of the network */
	FLOW_ACT_PUNT,     /* to the control thread (DHCP, gateway) */
};

struct flow_entry {
	/* validity */
	uint32_t epoch;       /* ingress port policy epoch at install */
	uint32_t fdb_gen;     /* network FDB generation at install */
	/* actions */
	uint8_t action;       /* enum flow_action */
	uint8_t drop_reason;  /* for FLOW_ACT_DROP */
	uint16_t out_port;
	uint16_t net;         /* network index */
	uint16_t in_use;      /* set by flow_insert, cleared on deletion */
	uint32_t src_fdb_pos; /* FDB slot of the source MAC, FDB_POS_NONE if none */
	void *acl_sess;       /* the security group session that admitted the
	                       * flow, kept alive once a second (acl_stage.c) */
	/* statistics */
	uint32_t last_used;   /* seconds */
	uint64_t packets;
	uint64_t bytes;
};

struct flow_table *flow_create(const char *name, uint32_t entries, int socket_id);
void flow_free(struct flow_table *t);

/* Bulk lookup of n (<= 64) keys; e[i] is the entry or NULL on a miss. */
void flow_lookup_bulk(struct flow_table *t, const struct flow_key **keys,
		      unsigned n, struct flow_entry **e);
/* Insert or replace; returns the stored entry or NULL when the table is full. */
struct flow_entry *flow_insert(struct flow_table *t, const struct flow_key *k,
			       const struct flow_entry *v);
/* Remove entries idle for more than max_idle seconds, visiting at most
 * budget slots from where the previous call stopped; returns how many. */
unsigned flow_expire(struct flow_table *t, uint32_t now, uint32_t max_idle,
		     unsigned budget);
/* Number of slots (what flow_expire walks through). */
uint32_t flow_capacity(const struct flow_table *t);
unsigned flow_count(const struct flow_table *t);
void flow_flush(struct flow_table *t);
/* Visit entries (for dumps); stops when cb returns non-zero. */
void flow_foreach(const struct flow_table *t,
		  int (*cb)(const struct flow_key *k, const struct flow_entry *e, void *o),
		  void *o);

#endif
