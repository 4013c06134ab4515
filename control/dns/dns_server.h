/*
 * dns_server.h - a network's DNS service on its gateway address, as
 * libvirt's dnsmasq serves it (one struct dns_server per active network).
 *
 * Design note
 *  - Who writes / who reads: the control thread only.  The workers punt
 *    UDP and TCP port 53 addressed to the gateway (IP and MAC) from the
 *    network's own ports; netsvc hands each frame to dns_server_frame().
 *    Nothing else reaches it: the server is never an open resolver (it has
 *    no socket toward the guests; its only sockets are the forwarder's
 *    upstream ones, connected to the configured servers).
 *  - Answers, in order: the local zone (leases, <host>, <dns><host>,
 *    <srv>, <txt>, PTR; authoritative), NXDOMAIN for names under a local
 *    domain (<domain localOnly>, <forwarder domain> without addr) and for
 *    dotless names with forwardPlainNames='no', the cache, else forwarded
 *    (dns_fwd).  Immediate answers are written to the caller's buffer as
 *    a whole frame; answers that come later (upstream replies, TCP) go out
 *    through conf.send.
 *  - Floods: the dataplane already bounds the frames a port punts per
 *    second; on top of that each port may start DNS_FWD_RATE forwarded
 *    queries a second (local and cached answers are cheap and not limited
 *    here), and at most DNS_FWD_PORT_PENDING of them are in flight per
 *    port (DNS_FWD_PENDING per network): a flood from one port cannot
 *    starve the others' forwarding or the API.
 *  - UDP answers are kept within the client's size (512 or its EDNS0 size,
 *    at most DNS_UDP_ANSWER_MAX so a frame fits the MTU): a bigger one goes
 *    out as a truncated answer (TC) and the client retries over TCP.
 *  - Memory: the server owns its zone, cache, forwarder and TCP table;
 *    dns_server_free() frees them (queries in flight are dropped).
 *  - Errors: 0 / length or a negative errno; bad input is counted.
 */
#ifndef VNETD_DNS_SERVER_H
#define VNETD_DNS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_cache.h"
#include "dns_fwd.h"
#include "dns_msg.h"

#define DNS_FWD_RATE 200            /* forwarded queries per port per second */
#define DNS_UDP_ANSWER_MAX 1472     /* 1500 - IPv4 - UDP */
#define DNS_CACHE_SIZE 10000        /* answers cached per network */
#define DNS_LOCAL_TTL 0             /* dnsmasq's local-ttl default */
#define DNS_FRAME_MAX 1536          /* largest frame built (VLAN + 1500) */

/* Sends a frame out of a dataplane port (the network's inject path). */
typedef void (*dns_send_fn)(void *ctx, uint16_t port, const uint8_t *frame, size_t len);

struct dns_server_conf {
	uint32_t gw_ip;              /* host order */
	uint8_t gw_mac[6];
	bool forward_plain_names;    /* forwardPlainNames (default yes) */
	const char *resolv;          /* resolv.conf path; NULL: /etc/resolv.conf */
	dns_send_fn send;
	void *ctx;
};

struct dns_server_stats {
	uint64_t queries;            /* parsed queries, UDP and TCP */
	uint64_t queries_tcp;
	uint64_t local;              /* answered from the zone */
	uint64_t local_nxdomain;     /* local domain or plain name: NXDOMAIN */
	uint64_t cached;             /* answered from the cache */
	uint64_t forwarded;          /* sent upstream */
	uint64_t upstream_answers;   /* upstream answers relayed */
	uint64_t servfail;           /* every attempt failed */
	uint64_t refused;            /* nothing to forward to */
	uint64_t truncated;          /* UDP answers cut to the client's size (TC) */
	uint64_t malformed;          /* dropped: not a DNS query, bad frame */
	uint64_t formerr, notimp;    /* answered FORMERR / NOTIMP */
	uint64_t rate_limited;       /* dropped: port over DNS_FWD_RATE */
	uint64_t pending_full;       /* dropped: too many in flight (port, network, daemon) */
	uint64_t stale_replies;      /* upstream answer for a gone TCP connection */
	uint64_t tcp_conns, tcp_refused, tcp_resets, tcp_drops;
	struct dns_cache_stats cache;
	struct dns_fwd_stats fwd;
};

struct dns_server;
struct dns_server *dns_server_new(const struct dns_server_conf *c);
void dns_server_free(struct dns_server *s);
/* The local names; the server takes z (the old zone is freed). */
void dns_server_set_zone(struct dns_server *s, struct dns_zone *z);
/* Forwarders: see dns_fwd_add().  Clearing them also flushes the cache. */
int dns_server_add_forwarder(struct dns_server *s, const char *domain, const char *addr);
void dns_server_clear_forwarders(struct dns_server *s);
void dns_server_set_plain_names(struct dns_server *s, bool forward);
/*
 * One punted frame from dataplane port `port`.  Returns the length of the
 * reply frame written to reply (send it back out of port), or 0.
 */
int dns_server_frame(struct dns_server *s, uint16_t port, const uint8_t *frame, size_t len,
		uint8_t *reply, size_t cap);
/* Once a second: resolv.conf, TCP idle timeouts. */
void dns_server_tick(struct dns_server *s);
void dns_server_get_stats(const struct dns_server *s, struct dns_server_stats *st);

#endif
