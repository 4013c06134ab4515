/*
 * dns_server.c - a network's DNS service (see dns_server.h).
 */
#include "dns_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/pkt.h"
#include "dns_priv.h"

#define RL_SLOTS 256
#define IP_TCP 6
#define IP_UDP 17

struct rl_slot {
	uint16_t port;
	bool used;
	uint64_t sec;
	uint32_t left;
};

struct dns_server {
	struct dns_server_conf c;
	struct dns_zone *zone;
	struct dns_fwd *fwd;
	struct dns_cache *cache;
	struct dns_tcp *tcp;
	struct rl_slot rl[RL_SLOTS];
	struct dns_server_stats st;
};

static uint64_t mono_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* ---- frames ---- */

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t dns_l4_csum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint8_t ph[12];
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	uint16_t c = fold(sum16(l4, len, sum16(ph, 12, 0)));
	return proto == IP_UDP && c == 0 ? 0xffff : c;
}

size_t dns_l3_hdr_len(const struct dns_client *cl)
{
	return (cl->vlan ? 18 : 14) + 20;
}

size_t dns_l3_write(uint8_t *f, const struct dns_client *cl, uint32_t gw_ip,
		const uint8_t gw_mac[6], uint8_t proto, size_t l4len)
{
	static uint16_t ip_id;
	size_t off = 12;
	memcpy(f, cl->mac, 6);
	memcpy(f + 6, gw_mac, 6);
	if (cl->vlan) {
		f[12] = 0x81;
		f[13] = 0;
		f[14] = (uint8_t)(cl->vlan >> 8);
		f[15] = (uint8_t)cl->vlan;
		off = 16;
	}
	f[off] = 0x08;
	f[off + 1] = 0;
	uint8_t *ip = f + off + 2;
	size_t tot = 20 + l4len;
	uint32_t src = htonl(gw_ip);
	ip_id++;
	ip[0] = 0x45;
	ip[1] = 0;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[4] = (uint8_t)(ip_id >> 8);
	ip[5] = (uint8_t)ip_id;
	ip[6] = 0x40; /* DF */
	ip[7] = 0;
	ip[8] = 64;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &cl->ip, 4);
	uint16_t c = fold(sum16(ip, 20, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	return off + 2 + 20;
}

/* A UDP answer frame around the payload already at f + udp_payload_off(). */
static size_t udp_payload_off(const struct dns_client *cl)
{
	return dns_l3_hdr_len(cl) + 8;
}

static size_t udp_finish(const struct dns_server *s, uint8_t *f, const struct dns_client *cl,
		size_t plen)
{
	size_t o = dns_l3_write(f, cl, s->c.gw_ip, s->c.gw_mac, IP_UDP, 8 + plen);
	uint8_t *u = f + o;
	size_t ul = 8 + plen;
	u[0] = 0;
	u[1] = DNS_PORT;
	memcpy(u + 2, &cl->sport, 2);
	u[4] = (uint8_t)(ul >> 8);
	u[5] = (uint8_t)ul;
	u[6] = u[7] = 0;
	uint16_t c = dns_l4_csum(htonl(s->c.gw_ip), cl->ip, IP_UDP, u, ul);
	u[6] = (uint8_t)(c >> 8);
	u[7] = (uint8_t)c;
	return o + ul;
}

/* ---- answers ---- */

static int error_answer(const struct dns_query *q, unsigned rcode, unsigned flags,
		uint8_t *out, size_t cap)
{
	struct dns_answer a;
	if (dns_answer_begin(&a, out, cap, q, rcode, flags) < 0)
		return -1;
	return (int)dns_answer_end(&a);
}

/* Header and question only, TC set: the client asks again over TCP. */
static int truncated_answer(const struct dns_query *q, const uint8_t *msg, uint8_t *out,
		size_t cap)
{
	int n = error_answer(q, DNS_RCODE(msg[3]), DNS_ANS_RA, out, cap);
	if (n > 0)
		out[2] |= 0x02;
	return n;
}

static bool rate_ok(struct dns_server *s, uint16_t port)
{
	struct rl_slot *r = &s->rl[port % RL_SLOTS];
	uint64_t now = mono_sec();
	if (!r->used || r->port != port || r->sec != now) {
		r->used = true;
		r->port = port;
		r->sec = now;
		r->left = DNS_FWD_RATE;
	}
	if (!r->left)
		return false;
	r->left--;
	return true;
}

static unsigned client_limit(const struct dns_query *q, bool tcp)
{
	if (tcp)
		return 65535;
	return q->udp_size > DNS_UDP_ANSWER_MAX ? DNS_UDP_ANSWER_MAX :
	       q->udp_size < DNS_UDP_MIN ? DNS_UDP_MIN : q->udp_size;
}

int dns_server_query(struct dns_server *s, const struct dns_client *cl0, const uint8_t *msg,
		size_t len, uint8_t *out, size_t cap, bool tcp)
{
	struct dns_query q;
	struct dns_client cl = *cl0;
	unsigned fl = DNS_ANS_RA | (tcp ? DNS_ANS_TCP : 0);
	int r = dns_parse_query(msg, len, &q);

	if (r == -EOPNOTSUPP || r == -EBADMSG) {
		s->st.queries++;
		if (r == -EOPNOTSUPP)
			s->st.notimp++;
		else
			s->st.formerr++;
		return error_answer(&q, r == -EOPNOTSUPP ? DNS_R_NOTIMP : DNS_R_FORMERR, fl, out, cap);
	}
	if (r < 0) {
		s->st.malformed++;
		return -1;
	}
	s->st.queries++;
	s->st.queries_tcp += tcp;
	unsigned lim = client_limit(&q, tcp);
	if (cap > lim)
		cap = lim;
	if (s->zone && (r = dns_zone_answer(s->zone, &q, out, cap, fl)) != -ENOENT) {
		if (r < 0)
			return -1;
		s->st.local++;
		s->st.truncated += (out[2] & 0x02) != 0;
		return r;
	}
	if (dns_fwd_is_local(s->fwd, q.name) ||
	    (!s->c.forward_plain_names && !strchr(q.name, '.'))) {
		s->st.local_nxdomain++;
		return error_answer(&q, DNS_R_NXDOMAIN, fl | DNS_ANS_AA, out, cap);
	}
	static uint8_t big[65536];
	r = dns_cache_get(s->cache, &q, big, sizeof(big), mono_sec());
	if (r > 0) {
		s->st.cached++;
		if ((size_t)r <= cap) {
			memcpy(out, big, (size_t)r);
			return r;
		}
		s->st.truncated++;
		return truncated_answer(&q, big, out, cap);
	}
	if (!rate_ok(s, cl.port)) {
		s->st.rate_limited++;
		return -1;
	}
	cl.id = q.id;
	cl.udp_size = (uint16_t)lim;
	r = dns_fwd_query(s->fwd, &cl, &q, msg, len);
	if (r == 0) {
		s->st.forwarded++;
		return 0;
	}
	if (r == -EBUSY) {
		s->st.pending_full++;
		return -1;
	}
	s->st.refused++;
	return error_answer(&q, r == -ENOENT ? DNS_R_REFUSED : DNS_R_SERVFAIL, fl, out, cap);
}

/* An upstream answer (or NULL: failure) for a forwarded query. */
static void on_upstream(void *ctx, const struct dns_client *cl, const struct dns_query *q,
		const uint8_t *msg, size_t len)
{
	struct dns_server *s = ctx;
	uint8_t f[DNS_FRAME_MAX];
	uint8_t *p;
	size_t cap;
	int n;

	if (msg) {
		s->st.upstream_answers++;
		dns_cache_put(s->cache, q, msg, len, mono_sec());
	} else {
		s->st.servfail++;
	}
	if (cl->tcp) {
		static uint8_t tbuf[65536];
		if (!msg) {
			n = error_answer(q, DNS_R_SERVFAIL, DNS_ANS_RA | DNS_ANS_TCP, tbuf, sizeof(tbuf));
			msg = tbuf;
			len = n > 0 ? (size_t)n : 0;
		}
		if (len)
			dns_tcp_answer(s->tcp, cl, msg, len);
		return;
	}
	p = f + udp_payload_off(cl);
	cap = sizeof(f) - udp_payload_off(cl);
	if (cap > cl->udp_size)
		cap = cl->udp_size;
	if (!msg) {
		n = error_answer(q, DNS_R_SERVFAIL, DNS_ANS_RA, p, cap);
	} else if (len <= cap) {
		memcpy(p, msg, len);
		n = (int)len;
	} else {
		s->st.truncated++;
		n = truncated_answer(q, msg, p, cap);
	}
	if (n > 0)
		dns_server_send(s, cl->port, f, udp_finish(s, f, cl, (size_t)n));
}

int dns_server_frame(struct dns_server *s, uint16_t port, const uint8_t *frame, size_t len,
		uint8_t *reply, size_t cap)
{
	struct pkt_meta m;
	struct dns_client cl;

	if (pkt_parse(frame, len, true, &m) < 0 || !m.l4_off || m.ethertype != PKT_ETH_P_IP ||
	    m.dst_ip != htonl(s->c.gw_ip) || m.dport != htons(DNS_PORT) ||
	    (m.proto != IP_UDP && m.proto != IP_TCP) || pkt_mac_is_multicast(m.smac)) {
		s->st.malformed++;
		return 0;
	}
	const uint8_t *ip = frame + m.l3_off;
	size_t tot = (size_t)(ip[2] << 8 | ip[3]);
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (tot < ihl + 8 || m.l3_off + tot > len || (pkt_rd16(ip + 6) & 0x3fff)) {
		s->st.malformed++; /* truncated, or a fragment */
		return 0;
	}
	memset(&cl, 0, sizeof(cl));
	cl.port = port;
	memcpy(cl.mac, m.smac, 6);
	cl.vlan = m.l2_len == 18 ? m.vlan : 0;
	cl.ip = m.src_ip;
	cl.sport = m.sport;
	const uint8_t *l4 = frame + m.l4_off;
	size_t l4len = tot - ihl;
	if (m.proto == IP_TCP) {
		dns_tcp_segment(s->tcp, &cl, l4, l4len);
		return 0;
	}
	size_t ulen = (size_t)(l4[4] << 8 | l4[5]);
	if (ulen < 8 + DNS_HDR_LEN || ulen > l4len) {
		s->st.malformed++;
		return 0;
	}
	size_t off = udp_payload_off(&cl);
	if (cap < off + DNS_UDP_MIN)
		return 0;
	int n = dns_server_query(s, &cl, l4 + 8, ulen - 8, reply + off, cap - off, false);
	if (n <= 0)
		return 0;
	return (int)udp_finish(s, reply, &cl, (size_t)n);
}

void dns_server_send(struct dns_server *s, uint16_t port, const uint8_t *frame, size_t len)
{
	if (s->c.send)
		s->c.send(s->c.ctx, port, frame, len);
}

const struct dns_server_conf *dns_server_conf(const struct dns_server *s)
{
	return &s->c;
}

struct dns_server_stats *dns_server_stats_mut(struct dns_server *s)
{
	return &s->st;
}

struct dns_server *dns_server_new(const struct dns_server_conf *c)
{
	struct dns_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = *c;
	s->c.resolv = NULL; /* not kept: dns_fwd copies it */
	s->fwd = dns_fwd_new(c->resolv, on_upstream, s);
	s->cache = dns_cache_new(DNS_CACHE_SIZE);
	s->tcp = dns_tcp_new(s);
	if (!s->fwd || !s->cache || !s->tcp) {
		dns_server_free(s);
		return NULL;
	}
	return s;
}

void dns_server_free(struct dns_server *s)
{
	if (!s)
		return;
	dns_fwd_free(s->fwd);
	dns_cache_free(s->cache);
	dns_tcp_free(s->tcp);
	dns_zone_free(s->zone);
	free(s);
}

void dns_server_set_zone(struct dns_server *s, struct dns_zone *z)
{
	dns_zone_free(s->zone);
	s->zone = z;
}

int dns_server_add_forwarder(struct dns_server *s, const char *domain, const char *addr)
{
	return dns_fwd_add(s->fwd, domain, addr);
}

void dns_server_clear_forwarders(struct dns_server *s)
{
	dns_fwd_clear(s->fwd);
	dns_cache_flush(s->cache);
}

void dns_server_set_plain_names(struct dns_server *s, bool forward)
{
	s->c.forward_plain_names = forward;
}

void dns_server_tick(struct dns_server *s)
{
	dns_fwd_tick(s->fwd);
	dns_tcp_tick(s->tcp);
}

void dns_server_get_stats(const struct dns_server *s, struct dns_server_stats *st)
{
	*st = s->st;
	dns_cache_get_stats(s->cache, &st->cache);
	dns_fwd_get_stats(s->fwd, &st->fwd);
}
