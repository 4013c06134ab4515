/* fdb — per-network MAC forwarding database (learning bridge table).
 *
 * Design: an rte_hash in lock-free read mode (RTE_HASH_EXTRA_FLAGS_RW_
 * CONCURRENCY_LF) with multi-writer add.  Its key is the MAC copied into a
 * zero-padded, 8-byte-aligned word (never the caller's 6 bytes: a hash or
 * compare of a 6-byte key reads past it), hashed with one CRC32-C.
 *   readers: every worker (fdb_lookup) — wait-free;
 *   writers: workers learn on their slow path (fdb_learn), the control thread
 *            adds static entries for configured port MACs, ages and flushes.
 * The hash's data word holds the port and the static flag and is updated
 * atomically; the last-seen time lives in a side array indexed by the key's
 * slot, refreshed with a relaxed store only when the second changes.
 * Deleted slots are reclaimed through the dataplane's rte_rcu_qsbr variable
 * (rte_hash_rcu_qsbr_add, defer-queue mode), so a worker that just looked a
 * MAC up never sees its slot reused under it.
 * Ageing walks the slots in steps (the control thread's housekeeping covers
 * a table once per half ageing time, so a big table never stalls it) and
 * looks only at slots not seen for the ageing time.
 * Every change that can alter a forwarding decision (MAC moved, entry aged,
 * deleted or flushed, static entry added) bumps a generation counter; cached
 * flow entries remember the generation they were computed under and
 * reclassify on change.  A NEW MAC only matters to flows that looked it up
 * and missed (unknown unicast, flooded): fdb_lookup marks a missed MAC in a
 * 4096-bit filter, and learning a new MAC bumps the generation only when its
 * bit is set (a sprayer of source MACs does not make every cached flow of
 * the network reclassify).  Lookup sets the bit before it looks again, the
 * learner adds before it tests the bit (both with a full fence), so one of
 * them sees the other.
 *
 * Port security: every learned (not static) entry is counted against its
 * port; a port at its limit (port_limit, 0: none) learns no new MAC
 * (-EDQUOT, counted as limit_drops; the caller drops the frame).  New MACs
 * and moves are serialised by a spinlock so the counts stay exact (the
 * lookup that finds a MAC on its port, the common case, takes no lock).
 * Moves (a learned MAC seen on another port) and learning failures on a
 * full table are counted (struct fdb_stats). *
 * Errors: 0 or negative errno; lookups return the port or a negative errno.
 */
#ifndef VNETD_FDB_H
#define VNETD_FDB_H

#include <stdbool.h>
#include <stdint.h>

struct rte_rcu_qsbr;
struct fdb;

#define FDB_POS_NONE UINT32_MAX

struct fdb_params {
	const char *name;      /* unique among fdbs (rte_hash name) */
	uint32_t entries;      /* capacity */
	int socket_id;
	struct rte_rcu_qsbr *qsbr; /* readers' QSBR; NULL: single-threaded table */
	uint32_t port_limit;   /* learned MACs per port; 0: no limit */
	uint16_t n_ports;      /* ports are 0..n_ports-1; 0: 256 */
};

struct fdb_stats {
	uint64_t moves;        /* a learned MAC moved to another port */
	uint64_t full;         /* a new MAC not learned: table full */
	uint64_t limit_drops;  /* a new MAC not learned: port at its limit */
};

struct fdb_entry_info {
	uint8_t mac[6];
	uint16_t port;
	bool is_static;
	uint32_t age;          /* seconds since last seen */
};

struct fdb *fdb_create(const struct fdb_params *p);
void fdb_free(struct fdb *f);

/* Worker or control.  Returns the port (>= 0) and, when pos != NULL, the
 * slot for fdb_touch(); -ENOENT when unknown (and marks the MAC as missed,
 * see above: f is written). */
int fdb_lookup(struct fdb *f, const uint8_t mac[6], uint32_t *pos);

/* Learn mac on port at time now (seconds).  A static entry is never moved by
 * learning (-EPERM: the frame claims a configured MAC of another port).
 * Returns 0 and the slot in *pos; -ENOSPC when full, -EDQUOT when port is
 * at its limit of learned MACs, -EINVAL for a port >= n_ports. */
int fdb_learn(struct fdb *f, const uint8_t mac[6], uint16_t port, uint32_t now,
	      uint32_t *pos);

static inline void fdb_touch_slot(uint32_t *seen, uint32_t pos, uint32_t now)
{
	if (__atomic_load_n(&seen[pos], __ATOMIC_RELAXED) != now)
		__atomic_store_n(&seen[pos], now, __ATOMIC_RELAXED);
}
/* Refresh the ageing time of the entry in slot pos. */
void fdb_touch(struct fdb *f, uint32_t pos, uint32_t now);

uint32_t fdb_generation(const struct fdb *f);

/* Control thread. */
int fdb_add_static(struct fdb *f, const uint8_t mac[6], uint16_t port);
int fdb_del(struct fdb *f, const uint8_t mac[6]);
/* Remove learned entries older than max_age seconds, visiting budget slots
 * from where the previous call stopped (fdb_slots() of them is a whole
 * walk); returns how many. */
unsigned fdb_age(struct fdb *f, uint32_t now, uint32_t max_age, uint32_t budget);
uint32_t fdb_slots(const struct fdb *f);
/* Remove every entry (static too) that points at port; returns how many. */
unsigned fdb_flush_port(struct fdb *f, uint16_t port);
unsigned fdb_count(const struct fdb *f);
/* Learned (not static) entries of port. */
unsigned fdb_port_learned(const struct fdb *f, uint16_t port);
void fdb_get_stats(const struct fdb *f, struct fdb_stats *s);
/* Calls cb for each entry; stops when cb returns non-zero. */
void fdb_foreach(const struct fdb *f, uint32_t now,
		 int (*cb)(const struct fdb_entry_info *e, void *opaque), void *opaque);

#endif
