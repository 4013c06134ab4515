/*
 * dns_msg.c - DNS message parsing and answer building (see dns_msg.h).
 */
#include "dns_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Characters we accept in a label: printable ASCII but '.', '\\' and space. */
static bool label_char_ok(uint8_t c)
{
	return c > 0x20 && c < 0x7f && c != '.' && c != '\\';
}

/*
 * Walks the name at *off.  Fills out (text, may be NULL) and wire (the
 * uncompressed wire form, may be NULL).  *off moves past the name as stored.
 */
static int name_walk(const uint8_t *p, size_t len, size_t *off, char *out,
		uint8_t *wire, uint8_t *wire_len)
{
	size_t pos = *off, end = 0, tlen = 0, wlen = 0, lim = *off;
	int ptrs = 0;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return -EBADMSG;
		uint8_t l = p[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -EBADMSG;
			size_t to = ((size_t)(l & 0x3f) << 8) | p[pos + 1];
			/*
			 * strictly backwards, before every label seen: no loops;
			 * and never into the header (RFC 1035 4.1.4: a pointer names
			 * a prior occurrence of a name).  A name read from the ID
			 * would change when a cached reply is sent with another ID.
			 */
			if (to >= lim || to < DNS_HDR_LEN || ++ptrs > DNS_MAX_PTRS)
				return -EBADMSG;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = to;
			lim = to;
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG; /* 0x40/0x80: extended label types */
		if (wlen + 1 + l > DNS_NAME_WIRE_MAX)
			return -EBADMSG;
		if (l == 0) {
			if (wire)
				wire[wlen] = 0;
			wlen++;
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + l > len)
			return -EBADMSG;
		if (wire)
			wire[wlen] = l;
		for (size_t i = 0; i < l; i++) {
			uint8_t c = p[pos + 1 + i];
			if (!label_char_ok(c))
				return -EBADMSG;
			if (wire)
				wire[wlen + 1 + i] = c;
			if (out)
				out[tlen + (tlen ? 1 : 0) + i] = lower((char)c);
		}
		if (out && tlen)
			out[tlen] = '.';
		tlen += (tlen ? 1 : 0) + l;
		wlen += 1 + (size_t)l;
		pos += 1 + (size_t)l;
	}
	if (out)
		out[tlen] = '\0';
	if (wire_len)
		*wire_len = (uint8_t)wlen;
	*off = end;
	return 0;
}

int dns_name_decode(const uint8_t *p, size_t len, size_t *off, char *out)
{
	return name_walk(p, len, off, out, NULL, NULL);
}

int dns_rr_next(const uint8_t *p, size_t len, size_t *off, struct dns_rr *rr)
{
	size_t o = *off;
	int rc = name_walk(p, len, &o, rr->name, NULL, NULL);

	if (rc < 0)
		return rc;
	if (len - o < 10)
		return -EBADMSG;
	rr->type = rd16(p + o);
	rr->rclass = rd16(p + o + 2);
	rr->ttl = rd32(p + o + 4);
	rr->rdlen = rd16(p + o + 8);
	o += 10;
	if (len - o < rr->rdlen)
		return -EBADMSG;
	rr->rdata_off = o;
	*off = o + rr->rdlen;
	return 0;
}

/* Scans the records after the question for OPT; lenient on anything else. */
static int scan_records(const uint8_t *p, size_t len, struct dns_query *q)
{
	size_t off = q->rr_off;
	unsigned n = (unsigned)q->ancount + q->nscount + q->arcount;
	unsigned first_ar = (unsigned)q->ancount + q->nscount;
	struct dns_rr rr;

	for (unsigned i = 0; i < n; i++) {
		if (dns_rr_next(p, len, &off, &rr) < 0)
			return 0; /* truncated extras: ignore them */
		if (rr.type != DNS_T_OPT)
			continue;
		if (i < first_ar || q->edns || rr.name[0])
			return -EBADMSG; /* RFC 6891: one OPT, root name, additional */
		q->edns = true;
		q->udp_size = rr.rclass < DNS_UDP_MIN ? DNS_UDP_MIN : rr.rclass;
		q->edns_version = (uint8_t)(rr.ttl >> 16);
		q->edns_do = (rr.ttl & 0x8000) != 0;
	}
	return 0;
}

static int parse_msg(const uint8_t *p, size_t len, struct dns_query *q, bool response)
{
	memset(q, 0, sizeof(*q));
	q->udp_size = DNS_UDP_MIN;
	if (!p || len < DNS_HDR_LEN)
		return -EINVAL;
	q->id = rd16(p);
	q->flags = rd16(p + 2);
	q->qdcount = rd16(p + 4);
	q->ancount = rd16(p + 6);
	q->nscount = rd16(p + 8);
	q->arcount = rd16(p + 10);
	if (((q->flags & DNS_FLAG_QR) != 0) != response)
		return -EINVAL;
	if (DNS_OPCODE(q->flags) != 0)
		return -EOPNOTSUPP;
	if (q->qdcount != 1)
		return -EBADMSG;
	size_t off = DNS_HDR_LEN;
	if (name_walk(p, len, &off, q->name, q->wire, &q->wire_len) < 0)
		return -EBADMSG;
	if (len - off < 4)
		return -EBADMSG;
	q->qtype = rd16(p + off);
	q->qclass = rd16(p + off + 2);
	q->has_question = true;
	q->rr_off = off + 4;
	return scan_records(p, len, q);
}

int dns_parse_query(const uint8_t *p, size_t len, struct dns_query *q)
{
	return parse_msg(p, len, q, false);
}

int dns_parse_response(const uint8_t *p, size_t len, struct dns_query *q)
{
	return parse_msg(p, len, q, true);
}

int dns_name_canon(const char *in, char *out)
{
	size_t n = strlen(in), lab = 0;

	if (n && in[n - 1] == '.')
		n--;
	if (n > DNS_NAME_TEXT_MAX - 1)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)in[i];
		if (c == '.') {
			if (lab == 0)
				return -EINVAL;
			lab = 0;
		} else if (!label_char_ok(c) || ++lab > DNS_LABEL_MAX) {
			return -EINVAL;
		}
		out[i] = lower((char)c);
	}
	if (n && lab == 0)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

/* ---- answer building ---- */

static void comp_note(struct dns_answer *a, size_t off);

int dns_answer_begin(struct dns_answer *a, uint8_t *buf, size_t cap,
		const struct dns_query *q, unsigned rcode, unsigned flags)
{
	size_t lim;
	uint16_t f;

	memset(a, 0, sizeof(*a));
	if (!buf || !q || rcode > 15)
		return -EINVAL;
	if (flags & DNS_ANS_TCP)
		lim = 65535;
	else
		lim = q->edns ? (q->udp_size > DNS_EDNS_MAX ? DNS_EDNS_MAX : q->udp_size)
			      : DNS_UDP_MIN;
	if (cap > lim)
		cap = lim;
	a->edns = q->edns;
	if (a->edns) {
		if (cap < 11)
			return -EMSGSIZE;
		cap -= 11; /* room for our OPT record */
	}
	a->buf = buf;
	a->cap = cap;
	if (cap < DNS_HDR_LEN + (q->has_question ? q->wire_len + 4u : 0u))
		return -EMSGSIZE;
	f = (uint16_t)(DNS_FLAG_QR | (q->flags & (0x7800 | DNS_FLAG_RD)) | rcode);
	if (flags & DNS_ANS_AA)
		f |= DNS_FLAG_AA;
	if (flags & DNS_ANS_RA)
		f |= DNS_FLAG_RA;
	memset(buf, 0, DNS_HDR_LEN);
	wr16(buf, q->id);
	wr16(buf + 2, f);
	a->len = DNS_HDR_LEN;
	if (q->has_question) {
		wr16(buf + 4, 1);
		memcpy(buf + a->len, q->wire, q->wire_len);
		a->len += q->wire_len;
		wr16(buf + a->len, q->qtype);
		wr16(buf + a->len + 2, q->qclass);
		a->len += 4;
		a->qname = true;
		if (q->wire_len > 1)
			comp_note(a, DNS_HDR_LEN);
	}
	return 0;
}

int dns_answer_section(struct dns_answer *a, int section)
{
	if (section < a->section || section > DNS_SEC_ADDITIONAL)
		return -EINVAL;
	a->section = section;
	return 0;
}

/* Does the wire name at off in our buffer equal the text name s (canonical)? */
static bool wire_eq(const uint8_t *buf, size_t off, const char *s)
{
	int hops = 0;

	for (;;) {
		uint8_t l = buf[off];
		if ((l & 0xc0) == 0xc0) {
			if (++hops > DNS_MAX_PTRS)
				return false;
			off = ((size_t)(l & 0x3f) << 8) | buf[off + 1];
			continue;
		}
		if (l == 0)
			return *s == '\0';
		const char *dot = strchr(s, '.');
		size_t sl = dot ? (size_t)(dot - s) : strlen(s);
		if (sl != l)
			return false;
		for (size_t i = 0; i < l; i++)
			if (lower((char)buf[off + 1 + i]) != s[i])
				return false;
		s += l + (dot ? 1 : 0);
		off += 1 + (size_t)l;
	}
}

/* Remembers where the labels of a name just written at off start. */
static void comp_note(struct dns_answer *a, size_t off)
{
	while (a->n_comp < DNS_COMP_MAX && off < 0x3fff) {
		uint8_t l = a->buf[off];
		if (l == 0 || (l & 0xc0) == 0xc0)
			return;
		a->comp[a->n_comp++] = (uint16_t)off;
		off += 1 + (size_t)l;
	}
}

/*
 * Writes name (canonical text, "" = root) at a->len, compressed unless
 * !compress.  Returns the bytes written or -EMSGSIZE.
 */
static int put_name(struct dns_answer *a, const char *name, bool compress)
{
	size_t start = a->len, pos = a->len;
	const char *s = name;

	while (*s) {
		if (compress)
			for (int i = 0; i < a->n_comp; i++)
				if (wire_eq(a->buf, a->comp[i], s)) {
					if (pos + 2 > a->cap)
						return -EMSGSIZE;
					wr16(a->buf + pos, (uint16_t)(0xc000 | a->comp[i]));
					pos += 2;
					goto done;
				}
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (pos + 1 + l > a->cap)
			return -EMSGSIZE;
		a->buf[pos] = (uint8_t)l;
		memcpy(a->buf + pos + 1, s, l);
		pos += 1 + l;
		s += l + (dot ? 1 : 0);
	}
	if (pos + 1 > a->cap)
		return -EMSGSIZE;
	a->buf[pos++] = 0;
done:
	if (compress)
		comp_note(a, start);
	return (int)(pos - start);
}

/* Resolves an owner/target name argument into canonical text. */
static int canon_arg(const char *in, char *out)
{
	return dns_name_canon(in, out);
}

/* Writes one record: owner, type, class IN, ttl, rdata from the callback. */
struct rdata {
	const void *bytes;
	size_t n;
	const char *name;        /* a name after bytes (PTR, CNAME, SRV target) */
	bool compress_name;
	const char *txt;
};

static int add_rr(struct dns_answer *a, const char *owner, uint16_t type, uint32_t ttl,
		const struct rdata *rd)
{
	char oc[DNS_NAME_TEXT_MAX], tc[DNS_NAME_TEXT_MAX];
	size_t save = a->len;
	int save_comp = a->n_comp, n;

	if (!a->buf)
		return -EINVAL;
	if (a->truncated)
		return -EMSGSIZE;
	if (owner && canon_arg(owner, oc) < 0)
		return -EINVAL;
	if (rd->name && canon_arg(rd->name, tc) < 0)
		return -EINVAL;
	if (owner || !a->qname) {
		n = put_name(a, owner ? oc : "", true);
	} else {
		n = a->len + 2 <= a->cap ? 2 : -EMSGSIZE;
		if (n > 0)
			wr16(a->buf + a->len, 0xc000 | DNS_HDR_LEN);
	}
	if (n < 0)
		goto full;
	a->len += (size_t)n;
	if (a->len + 10 + rd->n > a->cap)
		goto full;
	size_t hdr = a->len;
	wr16(a->buf + hdr, type);
	wr16(a->buf + hdr + 2, DNS_C_IN);
	wr32(a->buf + hdr + 4, ttl);
	a->len += 10;
	if (rd->n)
		memcpy(a->buf + a->len, rd->bytes, rd->n);
	a->len += rd->n;
	if (rd->name) {
		n = put_name(a, tc, rd->compress_name);
		if (n < 0)
			goto full;
		a->len += (size_t)n;
	}
	if (rd->txt) {
		size_t tl = strlen(rd->txt), done = 0;
		do {
			size_t c = tl - done > 255 ? 255 : tl - done;
			if (a->len + 1 + c > a->cap)
				goto full;
			a->buf[a->len] = (uint8_t)c;
			memcpy(a->buf + a->len + 1, rd->txt + done, c);
			a->len += 1 + c;
			done += c;
		} while (done < tl);
	}
	if (a->len - hdr - 10 > 0xffff)
		goto full;
	wr16(a->buf + hdr + 8, (uint16_t)(a->len - hdr - 10));
	a->count[a->section]++;
	return 0;
full:
	a->len = save;
	a->n_comp = save_comp;
	a->truncated = true;
	return -EMSGSIZE;
}

int dns_add_a(struct dns_answer *a, const char *name, uint32_t ttl, uint32_t ip)
{
	uint8_t b[4];
	struct rdata rd = { .bytes = b, .n = 4 };

	wr32(b, ip);
	return add_rr(a, name, DNS_T_A, ttl, &rd);
}

int dns_add_aaaa(struct dns_answer *a, const char *name, uint32_t ttl, const uint8_t ip[16])
{
	struct rdata rd = { .bytes = ip, .n = 16 };

	return add_rr(a, name, DNS_T_AAAA, ttl, &rd);
}

int dns_add_ptr(struct dns_answer *a, const char *name, uint32_t ttl, const char *target)
{
	struct rdata rd = { .name = target, .compress_name = true };

	return add_rr(a, name, DNS_T_PTR, ttl, &rd);
}

int dns_add_cname(struct dns_answer *a, const char *name, uint32_t ttl, const char *target)
{
	struct rdata rd = { .name = target, .compress_name = true };

	return add_rr(a, name, DNS_T_CNAME, ttl, &rd);
}

int dns_add_srv(struct dns_answer *a, const char *name, uint32_t ttl, uint16_t prio,
		uint16_t weight, uint16_t port, const char *target)
{
	uint8_t b[6];
	/* RFC 2782: the target is not compressed */
	struct rdata rd = { .bytes = b, .n = 6, .name = target };

	wr16(b, prio);
	wr16(b + 2, weight);
	wr16(b + 4, port);
	return add_rr(a, name, DNS_T_SRV, ttl, &rd);
}

int dns_add_txt(struct dns_answer *a, const char *name, uint32_t ttl, const char *text)
{
	struct rdata rd = { .txt = text };

	if (!text)
		return -EINVAL;
	return add_rr(a, name, DNS_T_TXT, ttl, &rd);
}

size_t dns_answer_end(struct dns_answer *a)
{
	if (!a->buf)
		return 0;
	if (a->truncated)
		a->buf[2] |= DNS_FLAG_TC >> 8;
	wr16(a->buf + 6, a->count[0]);
	wr16(a->buf + 8, a->count[1]);
	if (a->edns) {
		/* room was reserved by dns_answer_begin() */
		uint8_t *o = a->buf + a->len;
		o[0] = 0;
		wr16(o + 1, DNS_T_OPT);
		wr16(o + 3, DNS_EDNS_ADVERTISE);
		wr32(o + 5, 0);
		wr16(o + 9, 0);
		a->len += 11;
		a->count[2]++;
	}
	wr16(a->buf + 10, a->count[2]);
	return a->len;
}

/* ---- reverse names ---- */

void dns_ptr_name_v4(uint32_t ip, char *out)
{
	snprintf(out, DNS_PTR4_MAX, "%u.%u.%u.%u.in-addr.arpa", ip & 0xff, (ip >> 8) & 0xff,
		(ip >> 16) & 0xff, ip >> 24);
}

void dns_ptr_name_v6(const uint8_t ip[16], char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (int i = 15; i >= 0; i--) {
		*o++ = hex[ip[i] & 0xf];
		*o++ = '.';
		*o++ = hex[ip[i] >> 4];
		*o++ = '.';
	}
	strcpy(o, "ip6.arpa");
}

int dns_ptr_parse_v4(const char *name, uint32_t *ip)
{
	uint32_t v = 0;
	const char *s = name;

	for (int i = 0; i < 4; i++) {
		unsigned n = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || n > 255)
				return -EINVAL;
		}
		if (!digits || (digits > 1 && s[-(int)digits] == '0') || *s++ != '.')
			return -EINVAL;
		v |= n << (8 * i);
	}
	if (strcmp(s, "in-addr.arpa") != 0)
		return -EINVAL;
	*ip = v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dns_ptr_parse_v6(const char *name, uint8_t ip[16])
{
	uint8_t v[16] = { 0 };
	const char *s = name;

	for (int i = 0; i < 32; i++) {
		int h = hexval(s[0]);
		if (h < 0 || s[1] != '.')
			return -EINVAL;
		int byte = 15 - i / 2;
		v[byte] |= (uint8_t)((i & 1) ? h << 4 : h);
		s += 2;
	}
	if (strcmp(s, "ip6.arpa") != 0)
		return -EINVAL;
	memcpy(ip, v, 16);
	return 0;
}
