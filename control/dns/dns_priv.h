/*
 * dns_priv.h - what dns_server.c and dns_tcp.c share (not a public API).
 * Frames toward a guest: Ethernet (the guest's VLAN tag kept) + IPv4 from
 * the gateway + UDP or TCP from port 53.
 */
#ifndef VNETD_DNS_PRIV_H
#define VNETD_DNS_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "dns_fwd.h"
#include "dns_server.h"

struct dns_tcp;

/* Headers in front of the L4 payload for cl: 14 or 18 + 20. */
size_t dns_l3_hdr_len(const struct dns_client *cl);
/* Writes Ethernet + IPv4 (proto, l4len bytes after it; IP checksum) and
 * returns the offset of the L4 header. */
size_t dns_l3_write(uint8_t *f, const struct dns_client *cl, uint32_t gw_ip /* host */,
		const uint8_t gw_mac[6], uint8_t proto, size_t l4len);
/* The L4 checksum over the pseudo header (src, dst network order). */
uint16_t dns_l4_csum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len);

/* The server's query path, for dns_tcp: answers msg (a length-prefix-free
 * DNS message) into out (returns its length) or forwards it (0; the answer
 * comes to dns_tcp_answer()), or -1 (dropped). */
int dns_server_query(struct dns_server *s, const struct dns_client *cl, const uint8_t *msg,
		size_t len, uint8_t *out, size_t cap, bool tcp);
void dns_server_send(struct dns_server *s, uint16_t port, const uint8_t *frame, size_t len);
const struct dns_server_conf *dns_server_conf(const struct dns_server *s);
struct dns_server_stats *dns_server_stats_mut(struct dns_server *s);

/* Minimal TCP responder (dns_tcp.c). */
#define DNS_TCP_MAX_CONNS 64
#define DNS_TCP_IDLE_SECS 10
struct dns_tcp *dns_tcp_new(struct dns_server *s);
void dns_tcp_free(struct dns_tcp *t);
/* A punted TCP segment (f: the frame, l4: its TCP header). */
void dns_tcp_segment(struct dns_tcp *t, const struct dns_client *cl, const uint8_t *l4,
		size_t l4len);
/* An answer (forwarded query) for the connection cl->tcp. */
void dns_tcp_answer(struct dns_tcp *t, const struct dns_client *cl, const uint8_t *msg,
		size_t len);
void dns_tcp_tick(struct dns_tcp *t);

#endif
