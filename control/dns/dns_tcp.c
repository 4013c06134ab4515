/*
 * dns_tcp.c - a minimal TCP responder for DNS on the gateway (RFC 7766),
 * on the control thread, without a kernel socket toward the guests.
 *
 * What it does: SYN -> SYN-ACK (MSS option; a random initial sequence
 * number), in-order data only (an out-of-order or repeated segment gets a
 * duplicate ACK and is otherwise ignored: the client retransmits), one or
 * more length-prefixed queries per connection (pipelined; each answered
 * when ready, local ones at once, forwarded ones when upstream answers),
 * answers cut to the client's MSS, FIN -> our FIN once every answer is
 * out, RST closes.  A segment for no connection gets an RST.  At most
 * DNS_TCP_MAX_CONNS connections per network; more SYNs get an RST
 * (tcp_refused), unless a half-open one older than a second can go.  A
 * connection idle for DNS_TCP_IDLE_SECS is reset.
 * What it does not: retransmit its own segments (the frames go to a local
 * port and are not lost on the way; a lost answer ends in the client's
 * timeout), windows beyond the query buffer, options other than MSS.
 * Memory: connections are a fixed array in struct dns_tcp.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dns_priv.h"

#define IP_TCP 6
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define IN_MAX (2 + 4096)     /* a query is at most 4 KB here */
#define WINDOW 8192

enum cstate { C_FREE = 0, C_SYN_RCVD, C_EST, C_LAST_ACK };

struct conn {
	enum cstate st;
	uint32_t gen;
	struct dns_client cl;
	uint32_t snd_nxt, rcv_nxt;
	uint16_t mss;
	bool peer_fin;
	unsigned inflight;
	uint64_t last;
	size_t in_len;
	uint8_t in[IN_MAX];
};

struct dns_tcp {
	struct dns_server *s;
	uint32_t gen;
	struct conn c[DNS_TCP_MAX_CONNS];
};

static uint64_t mono_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

struct dns_tcp *dns_tcp_new(struct dns_server *s)
{
	struct dns_tcp *t = calloc(1, sizeof(*t));
	if (t)
		t->s = s;
	return t;
}

void dns_tcp_free(struct dns_tcp *t)
{
	free(t);
}

/* One segment to cl: flags, seq, ack, payload (and the MSS option on SYN). */
static void emit(struct dns_tcp *t, const struct dns_client *cl, uint8_t flags, uint32_t seq,
		uint32_t ack, const uint8_t *data, size_t dlen)
{
	const struct dns_server_conf *c = dns_server_conf(t->s);
	uint8_t f[DNS_FRAME_MAX];
	size_t hl = flags & TH_SYN ? 24 : 20;
	size_t l4len = hl + dlen;
	if (dns_l3_hdr_len(cl) + l4len > sizeof(f))
		return;
	size_t o = dns_l3_write(f, cl, c->gw_ip, c->gw_mac, IP_TCP, l4len);
	uint8_t *h = f + o;
	h[0] = 0;
	h[1] = DNS_PORT;
	memcpy(h + 2, &cl->sport, 2);
	wr32(h + 4, seq);
	wr32(h + 8, ack);
	h[12] = (uint8_t)((hl / 4) << 4);
	h[13] = flags;
	h[14] = WINDOW >> 8;
	h[15] = WINDOW & 0xff;
	h[16] = h[17] = h[18] = h[19] = 0;
	if (flags & TH_SYN) {
		h[20] = 2; /* MSS */
		h[21] = 4;
		h[22] = 1460 >> 8;
		h[23] = 1460 & 0xff;
	}
	if (dlen)
		memcpy(h + hl, data, dlen);
	uint16_t cs = dns_l4_csum(htonl(c->gw_ip), cl->ip, IP_TCP, h, l4len);
	h[16] = (uint8_t)(cs >> 8);
	h[17] = (uint8_t)cs;
	dns_server_send(t->s, cl->port, f, o + l4len);
}

static void conn_close(struct conn *k)
{
	k->st = C_FREE;
}

static void reset(struct dns_tcp *t, struct conn *k)
{
	emit(t, &k->cl, TH_RST | TH_ACK, k->snd_nxt, k->rcv_nxt, NULL, 0);
	dns_server_stats_mut(t->s)->tcp_resets++;
	conn_close(k);
}

/* Sends msg with its length prefix in MSS-sized segments. */
static void send_msg(struct dns_tcp *t, struct conn *k, const uint8_t *msg, size_t len)
{
	static uint8_t buf[65537];
	if (len > 65535)
		return;
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, msg, len);
	len += 2;
	for (size_t off = 0; off < len;) {
		size_t n = len - off < k->mss ? len - off : k->mss;
		emit(t, &k->cl, TH_ACK | TH_PSH, k->snd_nxt, k->rcv_nxt, buf + off, n);
		k->snd_nxt += (uint32_t)n;
		off += n;
	}
}

static void maybe_fin(struct dns_tcp *t, struct conn *k)
{
	if (k->st == C_EST && k->peer_fin && !k->inflight) {
		emit(t, &k->cl, TH_FIN | TH_ACK, k->snd_nxt, k->rcv_nxt, NULL, 0);
		k->snd_nxt++;
		k->st = C_LAST_ACK;
	}
}

/* Answers every complete query in the buffer. */
static void run_queries(struct dns_tcp *t, struct conn *k)
{
	static uint8_t out[65535];
	size_t off = 0;
	while (k->in_len - off >= 2) {
		size_t l = (size_t)k->in[off] << 8 | k->in[off + 1];
		if (k->in_len - off < 2 + l)
			break;
		struct dns_client cl = k->cl;
		cl.tcp = k;
		cl.tcp_gen = k->gen;
		int n = dns_server_query(t->s, &cl, k->in + off + 2, l, out, sizeof(out), true);
		if (n > 0)
			send_msg(t, k, out, (size_t)n);
		else if (n == 0)
			k->inflight++;
		off += 2 + l;
	}
	memmove(k->in, k->in + off, k->in_len - off);
	k->in_len -= off;
}

static struct conn *lookup(struct dns_tcp *t, const struct dns_client *cl)
{
	for (unsigned i = 0; i < DNS_TCP_MAX_CONNS; i++) {
		struct conn *k = &t->c[i];
		if (k->st != C_FREE && k->cl.port == cl->port && k->cl.ip == cl->ip &&
		    k->cl.sport == cl->sport)
			return k;
	}
	return NULL;
}

static uint16_t syn_mss(const uint8_t *h, size_t hl)
{
	for (size_t i = 20; i < hl;) {
		uint8_t kind = h[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || h[i + 1] < 2 || i + h[i + 1] > hl)
			break;
		if (kind == 2 && h[i + 1] == 4) {
			uint16_t m = (uint16_t)(h[i + 2] << 8 | h[i + 3]);
			return m < 64 ? 64 : m > 1460 ? 1460 : m;
		}
		i += h[i + 1];
	}
	return 536;
}

void dns_tcp_segment(struct dns_tcp *t, const struct dns_client *cl, const uint8_t *h,
		size_t len)
{
	struct dns_server_stats *st = dns_server_stats_mut(t->s);
	if (len < 20 || (size_t)(h[12] >> 4) * 4 < 20 || (size_t)(h[12] >> 4) * 4 > len) {
		st->malformed++;
		return;
	}
	size_t hl = (size_t)(h[12] >> 4) * 4;
	uint8_t fl = h[13];
	uint32_t seq = rd32(h + 4), ack = rd32(h + 8);
	const uint8_t *data = h + hl;
	size_t dlen = len - hl;
	struct conn *k = lookup(t, cl);

	if (fl & TH_RST) {
		if (k)
			conn_close(k);
		return;
	}
	if (fl & TH_SYN) {
		if (k && k->st == C_SYN_RCVD && seq + 1 == k->rcv_nxt) { /* SYN again */
			emit(t, &k->cl, TH_SYN | TH_ACK, k->snd_nxt - 1, k->rcv_nxt, NULL, 0);
			return;
		}
		if (k)
			conn_close(k); /* a new connection on the same tuple */
		for (unsigned i = 0; i < DNS_TCP_MAX_CONNS && !k; i++)
			if (t->c[i].st == C_FREE)
				k = &t->c[i];
		/* full: a half-open connection older than a second makes room
		 * (a SYN flood cannot hold every slot for the idle limit) */
		for (unsigned i = 0; i < DNS_TCP_MAX_CONNS && !k; i++)
			if (t->c[i].st == C_SYN_RCVD && mono_sec() - t->c[i].last >= 1) {
				k = &t->c[i];
				st->tcp_drops++;
			}
		if (!k || (fl & TH_ACK)) {
			st->tcp_refused += !k;
			st->tcp_drops += k != NULL;
			struct dns_client c2 = *cl;
			emit(t, &c2, TH_RST | TH_ACK, 0, seq + 1 + (uint32_t)dlen, NULL, 0);
			return;
		}
		memset(k, 0, offsetof(struct conn, in));
		k->cl = *cl;
		k->gen = ++t->gen;
		k->st = C_SYN_RCVD;
		k->mss = syn_mss(h, hl);
		uint32_t isn;
		if (getrandom(&isn, sizeof(isn), 0) != sizeof(isn))
			isn = (uint32_t)rand();
		k->rcv_nxt = seq + 1;
		k->snd_nxt = isn + 1;
		k->last = mono_sec();
		st->tcp_conns++;
		emit(t, &k->cl, TH_SYN | TH_ACK, isn, k->rcv_nxt, NULL, 0);
		return;
	}
	if (!k) {
		st->tcp_drops++;
		if (fl & TH_ACK)
			emit(t, cl, TH_RST, ack, 0, NULL, 0);
		else
			emit(t, cl, TH_RST | TH_ACK, 0, seq + (uint32_t)dlen, NULL, 0);
		return;
	}
	if (!(fl & TH_ACK)) {
		st->tcp_drops++;
		return;
	}
	k->last = mono_sec();
	if (k->st == C_SYN_RCVD) {
		if (ack != k->snd_nxt)
			return reset(t, k);
		k->st = C_EST;
	}
	if (k->st == C_LAST_ACK) {
		if (ack == k->snd_nxt)
			conn_close(k);
		return;
	}
	if (seq != k->rcv_nxt) {
		/* old or out of order: tell the client where we are */
		st->tcp_drops++;
		emit(t, &k->cl, TH_ACK, k->snd_nxt, k->rcv_nxt, NULL, 0);
		return;
	}
	if (dlen) {
		if (k->in_len + dlen > IN_MAX) {
			st->tcp_drops++;
			return reset(t, k);
		}
		memcpy(k->in + k->in_len, data, dlen);
		k->in_len += dlen;
		k->rcv_nxt += (uint32_t)dlen;
	}
	if (fl & TH_FIN) {
		k->rcv_nxt++;
		k->peer_fin = true;
	}
	uint32_t before = k->snd_nxt;
	if (dlen)
		run_queries(t, k);
	if (k->peer_fin && k->in_len) /* a partial query and the end: drop it */
		k->in_len = 0;
	maybe_fin(t, k);
	if (k->st != C_FREE && k->snd_nxt == before && (dlen || (fl & TH_FIN)))
		emit(t, &k->cl, TH_ACK, k->snd_nxt, k->rcv_nxt, NULL, 0);
}

void dns_tcp_answer(struct dns_tcp *t, const struct dns_client *cl, const uint8_t *msg,
		size_t len)
{
	struct conn *k = cl->tcp;
	if (!t || !k || k < t->c || k >= t->c + DNS_TCP_MAX_CONNS || k->st == C_FREE ||
	    k->gen != cl->tcp_gen) {
		if (t)
			dns_server_stats_mut(t->s)->stale_replies++;
		return;
	}
	if (k->inflight)
		k->inflight--;
	if (k->st == C_EST || k->st == C_SYN_RCVD)
		send_msg(t, k, msg, len);
	maybe_fin(t, k);
}

void dns_tcp_tick(struct dns_tcp *t)
{
	uint64_t now = mono_sec();
	for (unsigned i = 0; i < DNS_TCP_MAX_CONNS; i++) {
		struct conn *k = &t->c[i];
		if (k->st != C_FREE && now - k->last > DNS_TCP_IDLE_SECS)
			reset(t, k);
	}
}
