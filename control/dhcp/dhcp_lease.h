/*
 * dhcp_lease.h - DHCPv4 lease table with expiry and JSON persistence.
 *
 * Design note
 *  - Who calls it: dhcp_server.c owns one table per network; the CLI path
 *    (net-dhcp-leases) reads it through dhcp_server_leases()/dhcp_lease_list().
 *    Tests use it directly.
 *  - Threading: control thread only; no internal locking.
 *  - Memory: the table is one allocation sized at creation (capacity = the
 *    number of distinct addresses the server may hand out); lookups and
 *    updates never allocate.  Lease records are owned by the table; pointers
 *    returned by lookups stay valid until that lease is removed or the table
 *    is freed.  Record fields are READ-ONLY for callers: the indexed fields
 *    (ip, mac, client id) can only be set by dhcp_lease_add().
 *  - Lease key, like dnsmasq: a lease matches a client by client-id when both
 *    have one, otherwise by MAC (dhcp_lease_find_client()).
 *  - Persistence: libvirt's dnsmasq ".status" JSON shape, an array of
 *    {"ip-address","mac-address","hostname"?,"client-id"?,"expiry-time"}
 *    with expiry-time in epoch seconds (0 = infinite lease).  Saves are
 *    atomic (temp file + fsync + rename + directory fsync).  Loading tolerates
 *    garbage: invalid entries are skipped, an unreadable file is an error code.
 *  - Addresses are host byte order.  Times are epoch seconds (time_t).
 */
#ifndef VNETD_DHCP_LEASE_H
#define VNETD_DHCP_LEASE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DHCP_CLID_MAX 255
#define DHCP_HOSTNAME_MAX 64 /* including the NUL */
/* Expiry value of an infinite lease (stored as 0 in JSON). */
#define DHCP_EXPIRY_NEVER ((time_t)INT64_MAX)

enum dhcp_lease_state {
	DHCP_LEASE_OFFERED = 1, /* reserved by an OFFER, short expiry, not saved */
	DHCP_LEASE_BOUND,       /* ACKed lease */
	DHCP_LEASE_DECLINED,    /* quarantined after DHCPDECLINE; no owner */
	DHCP_LEASE_EXPIRED,     /* expired/released; the address is free but
	                         * remembered so the client gets it back */
};

struct dhcp_lease {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t clid_len; /* 0 = no client identifier */
	uint8_t state;    /* enum dhcp_lease_state */
	uint8_t clid[DHCP_CLID_MAX];
	char hostname[DHCP_HOSTNAME_MAX];
	time_t expiry;    /* DHCP_EXPIRY_NEVER for infinite leases */
	/* --- private: hash chains --- */
	uint32_t next_ip, next_mac, next_clid;
	uint32_t in_use;
};

/* Copy-out view for listings (net-dhcp-leases). */
struct dhcp_lease_info {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t clid_len;
	uint8_t clid[DHCP_CLID_MAX];
	char hostname[DHCP_HOSTNAME_MAX];
	time_t expiry; /* epoch seconds, 0 = never */
};

struct dhcp_lease_table;

/* capacity must be >= 1 and <= 1<<24. NULL on error (errno set). */
struct dhcp_lease_table *dhcp_lease_table_create(size_t capacity);
void dhcp_lease_table_free(struct dhcp_lease_table *t);
size_t dhcp_lease_table_capacity(const struct dhcp_lease_table *t);
/* Number of records in a given state (0 = all records). */
size_t dhcp_lease_count(const struct dhcp_lease_table *t, int state);

/* Is the record currently holding its address (BOUND/OFFERED/DECLINED and
 * not past its expiry)? */
int dhcp_lease_active(const struct dhcp_lease *l, time_t now);

struct dhcp_lease *dhcp_lease_find_ip(const struct dhcp_lease_table *t, uint32_t ip);
/* dnsmasq rule: client-id match first; otherwise a MAC match where the
 * record or the request lacks a client-id.  Records in DECLINED state have
 * no owner and are never returned. clid may be NULL. */
struct dhcp_lease *dhcp_lease_find_client(const struct dhcp_lease_table *t, const uint8_t mac[6],
					  const uint8_t *clid, size_t clid_len);

/*
 * Insert a record. -EEXIST if the address is already present, -ENOSPC when
 * full, -EINVAL for bad arguments (clid_len > 255, state invalid).  hostname
 * may be NULL; it is truncated to DHCP_HOSTNAME_MAX-1.  mac may be NULL
 * (DECLINED records). On success *out (if non-NULL) receives the record.
 */
int dhcp_lease_add(struct dhcp_lease_table *t, uint32_t ip, const uint8_t *mac, const uint8_t *clid,
		   size_t clid_len, const char *hostname, int state, time_t expiry,
		   struct dhcp_lease **out);
void dhcp_lease_remove(struct dhcp_lease_table *t, struct dhcp_lease *l);
void dhcp_lease_set_state(struct dhcp_lease_table *t, struct dhcp_lease *l, int state, time_t expiry);
void dhcp_lease_set_hostname(struct dhcp_lease *l, const char *hostname);

/* Iterate records: start with *cursor = 0; returns NULL at the end.
 * Removing the returned record during iteration is allowed. */
struct dhcp_lease *dhcp_lease_iter(const struct dhcp_lease_table *t, size_t *cursor);

/*
 * Expire records at @now: BOUND/OFFERED past expiry become EXPIRED,
 * DECLINED past expiry are removed.  Returns the number of BOUND leases
 * that expired (callers use it to decide whether to save).
 */
size_t dhcp_lease_expire(struct dhcp_lease_table *t, time_t now);

/* Copy active BOUND leases (optionally only those with MAC @mac) into
 * @out (up to @max).  Returns the number of matching leases, which may be
 * larger than @max (call again with a bigger buffer). */
size_t dhcp_lease_list(const struct dhcp_lease_table *t, time_t now, const uint8_t *mac,
		       struct dhcp_lease_info *out, size_t max);

/* Atomically write BOUND and EXPIRED records to @path.  0 or -errno. */
int dhcp_lease_save(const struct dhcp_lease_table *t, const char *path);

/* Optional filter for loading: return non-zero to accept an entry. */
typedef int (*dhcp_lease_accept_fn)(void *ctx, uint32_t ip, const uint8_t mac[6],
				    const uint8_t *clid, size_t clid_len);

/*
 * Load records from @path into @t.  Entries whose expiry-time is in the past
 * (relative to @now) are loaded as EXPIRED, others as BOUND.  Invalid entries,
 * duplicates (same address or same client) and entries rejected by @accept
 * are skipped and counted in *skipped.  Returns 0 (also for an empty file),
 * -ENOENT if missing, -EBADMSG if not a JSON array, other -errno on I/O error.
 * loaded/skipped may be NULL.
 */
int dhcp_lease_load(struct dhcp_lease_table *t, const char *path, time_t now,
		    dhcp_lease_accept_fn accept, void *ctx, size_t *loaded, size_t *skipped);

/* "52:54:00:aa:bb:cc" <-> bytes; hex-colon format for client ids.
 * Parsers return the number of bytes parsed or -EINVAL. */
int dhcp_parse_mac(const char *s, uint8_t mac[6]);
int dhcp_parse_hex_colon(const char *s, uint8_t *out, size_t max);
/* Writes "aa:bb:..." into out (needs 3*len bytes, at least 1). */
void dhcp_format_hex_colon(const uint8_t *in, size_t len, char *out);

#endif /* VNETD_DHCP_LEASE_H */
