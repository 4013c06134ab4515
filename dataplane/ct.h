/* ct — the session table (connection tracking), shared by all workers.
 *
 * Design (doc/design.md, "Session table"): a session holds two keys, one per
 * direction, each as that direction's packets arrive (zone: the network, or
 * 0x8000 | uplink port for the outside).  Both keys are in one table of
 * 64-byte buckets (8 signatures, 8 entry words: session index << 1 | dir);
 * a key lives in one of two buckets chosen by its CRC32-C.  A packet in
 * direction d is rewritten to the reverse of key[!d] (ct_rewrite_tuple), so
 * SNAT, DNAT, both (hairpin) and plain routing are one rule.
 *
 * Writers: workers insert (ct_insert) and their expiry walk deletes
 * (ct_expire); the control thread deletes (ct_delete with CT_CONTROL, flush).
 * Inserts and deletes take the per-bucket spinlocks of the key's two
 * buckets (lower index first): no table-wide lock.
 * Readers: ct_lookup from any worker, lock-free: an insert fills the session
 * and then publishes the entry word (release), then the signature; a delete
 * clears them.  Entries never move.
 * Reclamation: sessions come from a preallocated pool cut in per-worker
 * slices; a worker allocates from its own free stack only.  A deleted
 * session goes to its owner's FIFO with an rte_rcu_qsbr token (deleted by
 * the control thread: through the owner's MP/SC ring first) and is reused
 * only once every worker passed a quiescent state, so a lock-free reader
 * never sees a session reused under it.
 * Bounds: the pool, and sessions per guest port (an atomic count per port).
 * Errors: 0 or negative errno; ct_create returns NULL.
 */
#ifndef VNETD_CT_H
#define VNETD_CT_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dp.h"

struct rte_rcu_qsbr;
struct ct;
struct nat_map;

#define CT_CONTROL (~0u) /* the "worker" id of the control thread */
#define CT_ZONE_OUTSIDE 0x8000 /* | uplink port: the outside of an uplink */

/* 16 bytes, no holes: hashed and compared as two words.  Network order. */
struct ct_key {
	uint16_t zone;
	uint8_t proto;
	uint8_t pad;
	uint32_t src, dst;
	uint16_t sport, dport; /* ICMP echo: the identifier in both */
};
_Static_assert(sizeof(struct ct_key) == 16, "ct_key is hashed as two words");

enum {
	CT_F_LIVE = 1,   /* in the table (cleared by whoever deletes it) */
	CT_F_NAT = 2,    /* holds a NAT mapping (released on free) */
	CT_F_FIN0 = 4,   /* FIN seen from the original side */
	CT_F_FIN1 = 8,   /* FIN seen from the reply side */
};

/* One session: 128 bytes (two cache lines). */
struct ct_sess {
	struct ct_key key[2];      /* as packets of each direction arrive */
	/* cached actions, per direction of arrival */
	uint8_t dmac[2][6], smac[2][6];
	uint16_t out_port[2];
	uint32_t gen;              /* L3 configuration generation of the actions */
	uint16_t net;              /* the guest-side network */
	uint16_t charged_port;     /* guest port whose limit it counts against */
	uint8_t state;             /* enum dp_ct_state */
	uint8_t flags;             /* CT_F_*, atomic */
	uint8_t owner;             /* worker whose slice holds it */
	uint8_t nat_dir;           /* CT_F_NAT: which key's dst is the mapping */
	uint32_t created, last;    /* seconds */
	uint64_t packets[2], bytes[2];
	uint32_t idx;              /* own index */
	uint32_t pad2;
	struct nat_map *nat;       /* CT_F_NAT: the allocator of key[nat_dir]'s dst */
};

struct ct_params {
	const char *name;
	uint32_t sessions;         /* pool size; split between the workers */
	unsigned n_workers;
	uint32_t port_limit;       /* per charged port; 0: none */
	unsigned n_ports;
	struct rte_rcu_qsbr *qsbr; /* NULL: deleted sessions are reused at once (tests) */
	int socket_id;
	uint32_t timeout[DP_CT_STATE_MAX]; /* seconds; 0: the defaults (design.md) */
};

struct ct_stats {
	uint64_t created, expired, deleted, refused_full, refused_port_limit, insert_busy;
};

struct ct *ct_create(const struct ct_params *p);
void ct_free(struct ct *ct);

uint32_t ct_hash(const struct ct_key *k);
/* Bulk lookup; s[i] the session (NULL: miss), dir[i] the direction it matched. */
void ct_lookup_bulk(struct ct *ct, const struct ct_key *keys, unsigned n,
		    struct ct_sess **s, uint8_t *dir);
struct ct_sess *ct_lookup(struct ct *ct, const struct ct_key *k, uint8_t *dir);
/* Starts loading a key's buckets (before ct_insert: the new key's are cold). */
void ct_prefetch(const struct ct *ct, const struct ct_key *k);

/* A fresh session from worker w's slice, charged to port (DP_PORT_NONE: no
 * charge).  -ENOSPC: slice empty; -EDQUOT: port at its limit.  The caller
 * fills keys and actions, then ct_insert()s it or ct_abort()s it. */
struct ct_sess *ct_alloc(struct ct *ct, unsigned w, uint16_t port, int *err);
void ct_abort(struct ct *ct, unsigned w, struct ct_sess *s);
/* Publishes both keys.  -EEXIST: a key is taken (*other: its session, or
 * NULL when the other direction's key collided); -ENOSPC: both buckets
 * full.  On error the session is not in the table: ct_abort() it. */
int ct_insert(struct ct *ct, struct ct_sess *s, struct ct_sess **other);
/* Unlinks a live session and frees it after a grace period; w: the caller
 * (a worker id or CT_CONTROL).  Returns false if somebody else deleted it. */
bool ct_delete(struct ct *ct, struct ct_sess *s, unsigned w);
/* Worker w: moves sessions whose grace period passed to its free stack,
 * then visits budget sessions of its slice and deletes the expired.
 * Returns the sessions deleted. */
unsigned ct_expire(struct ct *ct, unsigned w, uint32_t now, unsigned budget);
uint32_t ct_slice(const struct ct *ct); /* sessions per worker */

/* Protocol state.  ct_state_new: the state a first packet starts, or
 * -EINVAL (TCP RST, or no SYN/ACK at all).  ct_track: update for a packet
 * of direction dir (tcp_flags: the TCP flags byte, else 0). */
int ct_state_new(uint8_t proto, uint8_t tcp_flags);
void ct_track(struct ct_sess *s, unsigned dir, uint8_t tcp_flags, uint32_t now);
uint32_t ct_timeout(const struct ct *ct, const struct ct_sess *s);

/* Control thread: every live session (racy snapshot of counters). */
void ct_foreach(struct ct *ct, int (*cb)(struct ct_sess *s, void *o), void *o);
void ct_get_stats(const struct ct *ct, struct ct_stats *st);
unsigned ct_count(const struct ct *ct);
uint32_t ct_capacity(const struct ct *ct);
/* Sessions released with a NAT mapping: called with the session before it
 * is freed (the NAT allocator drops its reference).  Set once at start. */
void ct_set_release_hook(struct ct *ct, void (*fn)(struct ct_sess *s, void *o), void *o);

#endif
