/* nat.c — translation and the NAT port allocator; see nat.h. */
#include "dataplane/nat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROBES 32
#define MAX_ADDRS 16

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Set a 16-bit field, adjusting up to two checksum fields (NULL: none). */
static void set16(uint8_t *f, uint16_t v, uint8_t *c1, uint8_t *c2, bool c2_udp)
{
	uint16_t old = rd16(f);
	if (old == v)
		return;
	if (c1)
		wr16(c1, nat_csum_adj16(rd16(c1), old, v));
	if (c2 && !(c2_udp && rd16(c2) == 0)) { /* UDP checksum 0: none */
		uint16_t n = nat_csum_adj16(rd16(c2), old, v);
		wr16(c2, c2_udp && n == 0 ? 0xffff : n);
	}
	wr16(f, v);
}

static void set32(uint8_t *f, uint32_t v_net, uint8_t *c1, uint8_t *c2, bool c2_udp)
{
	uint8_t b[4];
	memcpy(b, &v_net, 4);
	set16(f, rd16(b), c1, c2, c2_udp);
	set16(f + 2, rd16(b + 2), c1, c2, c2_udp);
}

static int l4_fields(uint8_t *ip, size_t len, uint8_t **l4, uint8_t **csum, bool *udp,
		     bool *icmp)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	*l4 = NULL;
	*csum = NULL;
	*udp = *icmp = false;
	if (len < 20 || ihl < 20 || len < ihl)
		return -EINVAL;
	if (rd16(ip + 6) & 0x1fff) /* not the first fragment: no L4 header */
		return 0;
	uint8_t *p = ip + ihl;
	size_t l4len = len - ihl;
	switch (ip[9]) {
	case 6:
		if (l4len < 18)
			return -EINVAL;
		*csum = p + 16;
		break;
	case 17:
		if (l4len < 8)
			return -EINVAL;
		*csum = p + 6;
		*udp = true;
		break;
	case 1:
		if (l4len < 8)
			return -EINVAL;
		*csum = p + 2;
		*icmp = true;
		break;
	default:
		return 0;
	}
	*l4 = p;
	return 0;
}

/* One's complement arithmetic is byte-order independent (RFC 1071): the
 * fast path sums raw 16-bit words as they lie in memory. */
static inline uint32_t delta16(uint16_t old, uint16_t new)
{
	return (uint32_t)(uint16_t)~old + new;
}

static inline uint32_t delta32(uint32_t old, uint32_t new)
{
	return delta16((uint16_t)old, (uint16_t)new) + delta16((uint16_t)(old >> 16),
							   (uint16_t)(new >> 16));
}

/* RFC 1624 eqn. 3 with the summed changes d. */
static inline uint16_t csum_apply(uint16_t c, uint32_t d)
{
	uint32_t s = (uint16_t)~c + d;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline uint16_t ld16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline void st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

int nat_rewrite(uint8_t *ip, size_t len, const struct nat_tuple *t)
{
	uint8_t *l4, *lc;
	bool udp, icmp;
	if (l4_fields(ip, len, &l4, &lc, &udp, &icmp) < 0)
		return -EINVAL;
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	uint32_t da = delta32(src, t->src) + delta32(dst, t->dst);
	st16(ip + 10, csum_apply(ld16(ip + 10), da));
	memcpy(ip + 12, &t->src, 4);
	memcpy(ip + 16, &t->dst, 4);
	if (!lc)
		return 0;
	if (icmp) {
		if (l4[0] != 0 && l4[0] != 8)
			return 0;
		uint16_t id = ld16(l4 + 4);
		if (id == t->sport)
			return 0;
		st16(lc, csum_apply(ld16(lc), delta16(id, t->sport)));
		st16(l4 + 4, t->sport);
		/* RFC 1624's update never yields +0 where a recomputation
		 * gives 0xffff: an all-zero message (no pseudo header here
		 * to make the sum non-zero).  Rare: recompute then. */
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4, tot = rd16(ip + 2);
		if (ld16(lc) == 0 && tot >= ihl + 8 && tot <= len) {
			wr16(lc, 0);
			wr16(lc, pkt_csum(l4, tot - ihl, 0));
		}
		return 0;
	}
	uint16_t sp = ld16(l4), dp = ld16(l4 + 2);
	uint32_t d = da + delta16(sp, t->sport) + delta16(dp, t->dport);
	uint16_t c = ld16(lc);
	if (!(udp && c == 0)) { /* UDP checksum 0: none */
		c = csum_apply(c, d);
		st16(lc, udp && c == 0 ? 0xffff : c);
	}
	st16(l4, t->sport);
	st16(l4 + 2, t->dport);
	return 0;
}

static bool is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

int nat_icmp_error_inner(const uint8_t *ip, size_t len, uint8_t *proto, struct nat_tuple *q)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (len < ihl + 8 + 20 || ip[9] != 1 || (rd16(ip + 6) & 0x3fff) || !is_error(ip[ihl]))
		return -EINVAL;
	const uint8_t *in = ip + ihl + 8;
	size_t iihl = (size_t)(in[0] & 0x0f) * 4;
	if ((in[0] >> 4) != 4 || iihl < 20 || len < ihl + 8 + iihl + 8 || (rd16(in + 6) & 0x1fff))
		return -EINVAL;
	const uint8_t *il4 = in + iihl;
	*proto = in[9];
	memcpy(&q->src, in + 12, 4);
	memcpy(&q->dst, in + 16, 4);
	switch (in[9]) {
	case 6:
	case 17:
		memcpy(&q->sport, il4, 2);
		memcpy(&q->dport, il4 + 2, 2);
		return 0;
	case 1:
		if (il4[0] != 8 && il4[0] != 0)
			return -EINVAL;
		memcpy(&q->sport, il4 + 4, 2);
		q->dport = q->sport;
		return 0;
	default:
		return -EINVAL;
	}
}

int nat_rewrite_icmp_error(uint8_t *ip, size_t len, uint32_t out_dst, const struct nat_tuple *q)
{
	uint8_t p;
	struct nat_tuple old;
	if (nat_icmp_error_inner(ip, len, &p, &old) < 0)
		return -EINVAL;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	uint8_t *ic = ip + ihl, *in = ic + 8;
	size_t iihl = (size_t)(in[0] & 0x0f) * 4;
	uint8_t *il4 = in + iihl;
	size_t qlen = len - ihl - 8 - iihl; /* quoted L4 bytes present */
	/* the quoted L4 checksum, if quoted */
	uint8_t *ilc = NULL;
	bool udp = p == 17;
	if (p == 6 && qlen >= 18)
		ilc = il4 + 16;
	else if (p == 17)
		ilc = il4 + 6;
	set32(in + 12, q->src, in + 10, p == 1 ? NULL : ilc, udp);
	set32(in + 16, q->dst, in + 10, p == 1 ? NULL : ilc, udp);
	uint8_t b[4];
	if (p == 1) {
		memcpy(b, &q->sport, 2);
		set16(il4 + 4, rd16(b), qlen >= 4 ? il4 + 2 : NULL, NULL, false);
	} else {
		memcpy(b, &q->sport, 2);
		memcpy(b + 2, &q->dport, 2);
		set16(il4, rd16(b), NULL, ilc, udp);
		set16(il4 + 2, rd16(b + 2), NULL, ilc, udp);
	}
	/* outer: the router that sent it stays, unless it was the peer itself */
	uint32_t src;
	memcpy(&src, ip + 12, 4);
	if (src == old.dst)
		set32(ip + 12, q->dst, ip + 10, NULL, false);
	set32(ip + 16, out_dst, ip + 10, NULL, false);
	/* the ICMP checksum covers the whole message: recompute (errors are rare) */
	size_t tot = rd16(ip + 2);
	size_t iclen = (tot > ihl && tot <= len ? tot : len) - ihl;
	wr16(ic + 2, 0);
	wr16(ic + 2, pkt_csum(ic, iclen, 0));
	return 0;
}

/* The allocator. */
struct nat_map {
	uint32_t addr_min, n_addr; /* host order */
	uint16_t port_min, port_max;
	uint32_t n_ports;
	uint64_t *w[3];            /* TCP, UDP, ICMP: [addr][port - port_min] */
};

static int proto_idx(uint8_t proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : proto == 1 ? 2 : -1;
}

struct nat_map *nat_map_create(uint32_t addr_min, uint32_t addr_max, uint16_t port_min,
			       uint16_t port_max)
{
	if (addr_max < addr_min || addr_max - addr_min >= MAX_ADDRS || port_max < port_min ||
	    port_min == 0)
		return NULL;
	struct nat_map *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->addr_min = addr_min;
	m->n_addr = addr_max - addr_min + 1;
	m->port_min = port_min;
	m->port_max = port_max;
	m->n_ports = (uint32_t)(port_max - port_min) + 1;
	for (unsigned i = 0; i < 3; i++) {
		m->w[i] = calloc((size_t)m->n_addr * m->n_ports, sizeof(uint64_t));
		if (!m->w[i]) {
			nat_map_free(m);
			return NULL;
		}
	}
	return m;
}

void nat_map_free(struct nat_map *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < 3; i++)
		free(m->w[i]);
	free(m);
}

bool nat_map_same(const struct nat_map *m, uint32_t addr_min, uint32_t addr_max,
		  uint16_t port_min, uint16_t port_max)
{
	return m && m->addr_min == addr_min && m->n_addr == addr_max - addr_min + 1 &&
	       m->port_min == port_min && m->port_max == port_max;
}

static inline uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

/* A released mapping leaves a tombstone, not an empty word, so a lookup may
 * stop at the first empty word: no mapping lies beyond one (linear probing
 * with deletion).  Its owner bits (255.255.255.255:65535) are no guest's. */
#define TOMB 0xffffffffffff0000ull

int nat_map_get(struct nat_map *m, uint8_t proto, uint32_t int_ip, uint16_t int_port,
		unsigned try, bool (*skip)(void *o, uint32_t ip, uint16_t port), void *o,
		uint32_t *ext_ip, uint16_t *ext_port)
{
	int pi = proto_idx(proto);
	if (pi < 0)
		return -EPROTONOSUPPORT;
	uint32_t a = mix(int_ip) % m->n_addr; /* paired pooling: one address per guest */
	uint32_t ip_n = __builtin_bswap32(m->addr_min + a);
	uint64_t *w = m->w[pi] + (size_t)a * m->n_ports;
	uint64_t owner = (uint64_t)int_ip << 32 | (uint64_t)int_port << 16;
	uint32_t h = mix(int_ip ^ mix((uint32_t)int_port << 8 | proto)) % m->n_ports;
	unsigned probes = m->n_ports < PROBES ? m->n_ports : PROBES;
	for (int attempt = 0; attempt < 4; attempt++) {
		int free_pos = -1;
		unsigned free_seen = 0;
		bool mapped_beyond = try == 0; /* may the endpoint's mapping still come? */
		uint32_t pos = h;
		for (unsigned i = 0; i < probes; i++, pos = pos + 1 == m->n_ports ? 0 : pos + 1) {
			uint64_t v = __atomic_load_n(&w[pos], __ATOMIC_ACQUIRE);
			if (v == 0 || v == TOMB) {
				uint16_t port = __builtin_bswap16((uint16_t)(m->port_min + pos));
				if (free_pos < 0 && !(skip && skip(o, ip_n, port)) && free_seen++ == try)
					free_pos = (int)pos;
				if (v == 0)
					mapped_beyond = false; /* none past an empty word */
				if (free_pos >= 0 && !mapped_beyond)
					break;
				continue;
			}
			if (!mapped_beyond || (v & ~0xffffull) != owner)
				continue;
			/* the endpoint's mapping: take a reference */
			while ((v & ~0xffffull) == owner && (v & 0xffff) != 0xffff) {
				if (__atomic_compare_exchange_n(&w[pos], &v, v + 1, false,
								__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
					*ext_ip = ip_n;
					*ext_port = __builtin_bswap16((uint16_t)(m->port_min + pos));
					return 0;
				}
			}
		}
		if (free_pos < 0)
			return -ENOSPC;
		uint64_t old = __atomic_load_n(&w[free_pos], __ATOMIC_ACQUIRE);
		if ((old == 0 || old == TOMB) &&
		    __atomic_compare_exchange_n(&w[free_pos], &old, owner | 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			*ext_ip = ip_n;
			*ext_port = __builtin_bswap16((uint16_t)(m->port_min + (uint32_t)free_pos));
			return 0;
		}
		/* another worker claimed it meanwhile: look again */
	}
	return -ENOSPC;
}

void nat_map_put(struct nat_map *m, uint8_t proto, uint32_t ext_ip, uint16_t ext_port)
{
	int pi = proto_idx(proto);
	uint32_t a = __builtin_bswap32(ext_ip) - m->addr_min;
	uint32_t pos = (uint32_t)__builtin_bswap16(ext_port) - m->port_min;
	if (pi < 0 || a >= m->n_addr || pos >= m->n_ports)
		return;
	uint64_t *w = &m->w[pi][(size_t)a * m->n_ports + pos];
	uint64_t v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
	while (v != TOMB && (v & 0xffff) != 0) {
		uint64_t nv = (v & 0xffff) == 1 ? TOMB : v - 1;
		if (__atomic_compare_exchange_n(w, &v, nv, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return;
	}
}

unsigned nat_map_count(const struct nat_map *m)
{
	unsigned n = 0;
	for (unsigned p = 0; p < 3; p++)
		for (size_t i = 0; i < (size_t)m->n_addr * m->n_ports; i++)
		{
			uint64_t v = __atomic_load_n(&m->w[p][i], __ATOMIC_RELAXED);
			n += v != 0 && v != TOMB;
		}
	return n;
}
