/*
 * dns_fwd.h - forwarding queries upstream (one struct dns_fwd per network)
 * and the event loop their sockets share.
 *
 * Design note
 *  - Who writes / who reads: the control thread only.  A network's DNS
 *    server calls dns_fwd_query() for a name it cannot answer; the daemon's
 *    event loop waits on dns_loop_fd() (an epoll of every upstream socket
 *    and one timer) and calls dns_loop_run(), which reads the replies and
 *    retries or fails the queries whose time is up; each outcome goes back
 *    to the server through the dns_fwd_reply_fn given at creation.
 *  - Upstream servers: the <forwarder addr> entries (per domain when they
 *    name one: the longest matching domain wins), else those without a
 *    domain, else the nameservers of resolv.conf (re-read when its mtime
 *    changes, checked by dns_fwd_tick()).  A <forwarder domain> without an
 *    address makes the domain local (dns_fwd_is_local): never forwarded.
 *  - Each attempt uses a new non-blocking connected UDP socket (a random
 *    source port from the kernel) and a random query ID from getrandom();
 *    a reply must come from the server (connected socket), carry the ID and
 *    the question asked, else it is counted and ignored.  An attempt times
 *    out after DNS_FWD_TIMEOUT_MS and the next server is tried, up to
 *    DNS_FWD_TRIES attempts; then the client gets SERVFAIL.  A truncated
 *    reply (TC) is retried over TCP to the same server (a non-blocking
 *    connect, a length-prefixed query, the length-prefixed reply).
 *  - Memory and descriptors: at most DNS_FWD_PORT_PENDING queries in flight
 *    per guest port, DNS_FWD_PENDING per network and DNS_FWD_PENDING_ALL in
 *    the daemon (each holds a malloc and a socket until it is answered,
 *    failed, or dns_fwd_free()): a flood of unique names from guests cannot
 *    use up the daemon's file descriptors (the API, vhost sockets) nor one
 *    port's flood all of a network's room.
 *  - Errors: 0 or a negative errno.
 */
#ifndef VNETD_DNS_FWD_H
#define VNETD_DNS_FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_msg.h"

#define DNS_FWD_TIMEOUT_MS 1000
#define DNS_FWD_TRIES 3
#define DNS_FWD_PENDING 256        /* in flight per network */
#define DNS_FWD_PENDING_ALL 512    /* in flight, all networks (each holds a socket) */
#define DNS_FWD_PORT_PENDING 64    /* in flight per guest port (ports hashed mod 256) */
#define DNS_FWD_MAX_SERVERS 16

/* Who asked: enough to address the reply (opaque to dns_fwd). */
struct dns_client {
	uint16_t port;           /* dataplane port */
	uint8_t mac[6];
	uint16_t vlan;           /* 0: untagged */
	uint32_t ip;             /* network order */
	uint16_t sport;          /* network order */
	uint16_t id;             /* the client's query ID */
	uint16_t udp_size;       /* largest UDP answer the client takes */
	void *tcp;               /* the TCP connection (dns_tcp), NULL for UDP */
	uint32_t tcp_gen;        /* that connection's generation when asked */
};

/* msg NULL: the query failed (every attempt timed out or was refused). */
typedef void (*dns_fwd_reply_fn)(void *ctx, const struct dns_client *cl,
		const struct dns_query *q, const uint8_t *msg, size_t len);

struct dns_fwd_stats {
	uint64_t sent, retries, timeouts, replies, tcp_retries, tcp_failed;
	uint64_t bad_replies;    /* wrong ID/question, malformed, from elsewhere */
	uint64_t failed;         /* SERVFAIL given after the last attempt */
	uint64_t socket_errors;
	uint64_t pending;
	uint64_t servers;        /* upstream servers known (all domains) */
};

struct dns_fwd;
/* resolv: the resolv.conf path used when no general forwarder is given. */
struct dns_fwd *dns_fwd_new(const char *resolv, dns_fwd_reply_fn fn, void *ctx);
void dns_fwd_free(struct dns_fwd *f);
/* domain NULL: for every name; addr NULL: the domain is answered locally.
 * addr: textual IPv4 or IPv6 address, optionally "#port" appended. */
int dns_fwd_add(struct dns_fwd *f, const char *domain, const char *addr);
void dns_fwd_clear(struct dns_fwd *f);   /* the forwarders (not the pending queries) */
bool dns_fwd_is_local(const struct dns_fwd *f, const char *name);
/* msg/len: the client's query as received (its ID is replaced upstream).
 * 0 in flight, -ENOENT no upstream server, -EBUSY too many in flight
 * (for the port, the network or the daemon). */
int dns_fwd_query(struct dns_fwd *f, const struct dns_client *cl, const struct dns_query *q,
		const uint8_t *msg, size_t len);
void dns_fwd_tick(struct dns_fwd *f);     /* re-reads resolv.conf if it changed */
void dns_fwd_get_stats(const struct dns_fwd *f, struct dns_fwd_stats *s);

/* The shared loop (all networks): -1 if it cannot be created. */
int dns_loop_fd(void);
void dns_loop_run(void);

#endif
