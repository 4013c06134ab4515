/*
 * dhcp_server.h - DHCPv4 server for one virtual network (RFC 2131/2132),
 * behaving like libvirt's dnsmasq (dhcp-authoritative, dhcp-no-override,
 * dhcp-lease-max = size of the ranges).
 *
 * Design note
 *  - Who calls it: the vnetd control thread, once per network.  The dataplane
 *    punts IPv4/UDP-to-port-67 frames to the control thread, which calls
 *    dhcp_server_handle() and injects the reply frame (if any) on the same
 *    port.  The CLI (net-dhcp-leases) uses dhcp_server_leases(); the daemon's
 *    timer calls dhcp_server_tick() about once a second.
 *  - Threading: control thread only.  No locks, no callbacks.
 *  - Memory: dhcp_server_create() copies the config (including the hosts
 *    array); the caller keeps ownership of everything it passes in.
 *    dhcp_server_handle() never allocates: the reply is written into the
 *    caller's buffer (DHCP_REPLY_MIN_CAP bytes are always enough for a
 *    576-byte reply; up to DHCP_REPLY_MAX_CAP are used if the client allows).
 *  - I/O: the lease file is written (atomically, fsynced) from
 *    dhcp_server_handle() only when a binding is created, moves, is released
 *    or declined; plain renewals only mark the table dirty and are written by
 *    dhcp_server_tick()/dhcp_server_flush().
 *  - Bad packets are never errors: they are counted per reason in
 *    struct dhcp_stats (see enum dhcp_drop in dhcp_proto.h).
 *  - Addresses are host byte order; times are epoch seconds.
 */
#ifndef VNETD_DHCP_SERVER_H
#define VNETD_DHCP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dhcp_lease.h"
#include "dhcp_proto.h"

#define DHCP_MAX_RANGES 16
#define DHCP_MAX_ROUTES 16
#define DHCP_LEASE_INFINITE UINT32_MAX  /* libvirt <lease expiry='0'/> */
#define DHCP_DEFAULT_LEASE_SECS 3600    /* dnsmasq default */
#define DHCP_MIN_LEASE_SECS 120         /* dnsmasq minimum */
#define DHCP_DEFAULT_DECLINE_SECS 600   /* dnsmasq DECLINE_BACKOFF */
#define DHCP_DEFAULT_OFFER_HOLD_SECS 30
#define DHCP_RL_OFF UINT32_MAX          /* disables a token bucket */
#define DHCP_DEFAULT_RL_CLIENT_RATE 5   /* packets per second per MAC */
#define DHCP_DEFAULT_RL_CLIENT_BURST 20
#define DHCP_DEFAULT_RL_GLOBAL_RATE 500
#define DHCP_DEFAULT_RL_GLOBAL_BURST 1000
#define DHCP_REPLY_MIN_CAP (DHCP_FRAME_HDR_LEN + DHCP_MIN_MAX_MSG_SIZE - 28)
#define DHCP_REPLY_MAX_CAP (DHCP_FRAME_HDR_LEN + 1500 - 28)

struct dhcp_host {
	uint8_t mac[6];    /* all-zero: match by client hostname (option 12) */
	uint32_t ip;
	char name[64];     /* sent as option 12 / stored in the lease */
	uint32_t lease_secs; /* 0 = network default */
};

struct dhcp_range {
	uint32_t start, end; /* inclusive */
	uint32_t lease_secs; /* 0 = network default */
};

struct dhcp_route {
	uint32_t dst;
	int prefix;
	uint32_t gw;
};

struct dhcp_config {
	uint32_t server_ip;     /* gateway; also router, DNS and server-id */
	int prefix;             /* 1..30 */
	uint8_t server_mac[6];  /* source MAC of replies */
	int dns_enabled;        /* send option 6 = server_ip */
	int authoritative;      /* NAK unknown clients (libvirt: always 1) */
	char domain[256];       /* option 15 if non-empty */
	uint16_t mtu;           /* option 26 if non-zero (>= 68) */
	uint32_t default_lease_secs; /* 0 = 3600; DHCP_LEASE_INFINITE = infinite */
	size_t n_ranges;
	struct dhcp_range ranges[DHCP_MAX_RANGES];
	size_t n_hosts;
	const struct dhcp_host *hosts; /* copied by create/reconfigure */
	size_t n_routes;        /* option 121; a default route via server_ip is
	                         * appended if none is given (RFC 3442) */
	struct dhcp_route routes[DHCP_MAX_ROUTES];
	size_t max_leases;      /* dynamic leases; 0 = total size of ranges */
	uint32_t decline_secs;  /* quarantine after DECLINE; 0 = 600 */
	uint32_t offer_hold_secs; /* address reserved by an OFFER; 0 = 30 */
	int deferred_saves;     /* 0: write the lease file before answering a new
	                         * binding, release or decline; 1: mark it dirty
	                         * and let dhcp_server_tick() write it (at most
	                         * once per tick: a crash loses at most one tick
	                         * of new bindings, which clients then re-confirm
	                         * through INIT-REBOOT) */
	/* token buckets; 0 = default, DHCP_RL_OFF = unlimited */
	uint32_t rl_client_rate, rl_client_burst;
	uint32_t rl_global_rate, rl_global_burst;
};

/* Zero the config and set libvirt-like defaults (authoritative, DNS on). */
void dhcp_config_init(struct dhcp_config *cfg);
/* 0 if usable, -EINVAL otherwise. */
int dhcp_config_validate(const struct dhcp_config *cfg);

struct dhcp_stats {
	uint64_t rx;                      /* frames given to handle() */
	uint64_t tx;                      /* replies produced */
	uint64_t drops[DHCP_DROP_MAX];    /* per enum dhcp_drop */
	uint64_t rx_msg[9];               /* accepted, per message type */
	uint64_t tx_offer, tx_ack, tx_nak;
	uint64_t no_address;   /* DISCOVER/REQUEST with the pool exhausted */
	uint64_t other_server; /* message addressed to another server-id */
	uint64_t ignored;      /* RELEASE/DECLINE/REQUEST without matching lease */
	uint64_t reply_no_room;/* reply buffer too small */
	uint64_t saves, save_errors;
};

struct dhcp_server;

/*
 * Create a server.  lease_file may be NULL (no persistence); if it exists it
 * is loaded (see dhcp_server_load_status()).  NULL with errno on invalid
 * config (EINVAL) or allocation failure.
 */
struct dhcp_server *dhcp_server_create(const struct dhcp_config *cfg, const char *lease_file);
void dhcp_server_free(struct dhcp_server *srv);
/* Result of loading the lease file at creation: 0, -ENOENT, -EBADMSG... */
int dhcp_server_load_status(const struct dhcp_server *srv);

/* Apply a new config; leases no longer valid (out of range, static address
 * now owned by another MAC) are dropped.  0 or -EINVAL/-ENOMEM (the old
 * config stays in force on error). */
int dhcp_server_reconfigure(struct dhcp_server *srv, const struct dhcp_config *cfg);

/*
 * Handle one received frame.  Returns the reply frame length (> 0) written
 * to @reply, 0 for no reply (including every dropped packet), or a negative
 * errno only for caller errors (NULL srv/reply: -EINVAL; @reply_cap smaller
 * than needed for the reply: -ENOSPC, also counted in reply_no_room).
 */
int dhcp_server_handle(struct dhcp_server *srv, const uint8_t *frame, size_t len, time_t now,
		       uint8_t *reply, size_t reply_cap);

/* Periodic work: expire leases, write the lease file if dirty. 0 or -errno
 * from the save. */
int dhcp_server_tick(struct dhcp_server *srv, time_t now);
/* Write the lease file now (no-op without lease file). 0 or -errno. */
int dhcp_server_flush(struct dhcp_server *srv);

void dhcp_server_get_stats(const struct dhcp_server *srv, struct dhcp_stats *out);

/* Active leases, optionally only for @mac; see dhcp_lease_list(). */
size_t dhcp_server_leases(const struct dhcp_server *srv, time_t now, const uint8_t *mac,
			  struct dhcp_lease_info *out, size_t max);

/* The static hosts' addresses (<host mac=.. ip=..>) of @mac, host order;
 * returns how many there are (port security, hf). */
size_t dhcp_server_static_ips(const struct dhcp_server *srv, const uint8_t *mac, uint32_t *out,
			      size_t max);

/* Read-only access to the lease table (tests, diagnostics). */
const struct dhcp_lease_table *dhcp_server_lease_table(const struct dhcp_server *srv);

#endif /* VNETD_DHCP_SERVER_H */
