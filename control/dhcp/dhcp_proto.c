/*
 * dhcp_proto.c - DHCPv4 wire format: frame parsing/validation, option TLV
 * decode/encode, reply frame headers.  See dhcp_proto.h.
 */
#include "dhcp_proto.h"

#include <errno.h>
#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define IPPROTO_UDP_NUM 17

/* BOOTP fixed-field offsets (relative to the start of the UDP payload). */
#define BOOTP_OP 0
#define BOOTP_HTYPE 1
#define BOOTP_HLEN 2
#define BOOTP_HOPS 3
#define BOOTP_XID 4
#define BOOTP_SECS 8
#define BOOTP_FLAGS 10
#define BOOTP_CIADDR 12
#define BOOTP_YIADDR 16
#define BOOTP_SIADDR 20
#define BOOTP_GIADDR 24
#define BOOTP_CHADDR 28
#define BOOTP_SNAME 44
#define BOOTP_SNAME_LEN 64
#define BOOTP_FILE 108
#define BOOTP_FILE_LEN 128
#define BOOTP_COOKIE 236

static const char *const drop_names[DHCP_DROP_MAX] = {
	[DHCP_DROP_NONE] = "none",
	[DHCP_DROP_TRUNCATED] = "truncated",
	[DHCP_DROP_NOT_IPV4] = "not-ipv4",
	[DHCP_DROP_BAD_IP_HDR] = "bad-ip-header",
	[DHCP_DROP_BAD_IP_CSUM] = "bad-ip-checksum",
	[DHCP_DROP_IP_FRAGMENT] = "ip-fragment",
	[DHCP_DROP_NOT_UDP] = "not-udp",
	[DHCP_DROP_BAD_UDP_LEN] = "bad-udp-length",
	[DHCP_DROP_NOT_DHCP_PORT] = "not-dhcp-port",
	[DHCP_DROP_SHORT_BOOTP] = "short-bootp",
	[DHCP_DROP_NOT_BOOTREQUEST] = "not-bootrequest",
	[DHCP_DROP_BAD_HLEN] = "bad-hlen",
	[DHCP_DROP_BAD_HTYPE] = "bad-htype",
	[DHCP_DROP_BAD_COOKIE] = "bad-magic-cookie",
	[DHCP_DROP_OPT_OVERRUN] = "option-overrun",
	[DHCP_DROP_BAD_OPTION] = "bad-option",
	[DHCP_DROP_NO_MSG_TYPE] = "no-message-type",
	[DHCP_DROP_BAD_MSG_TYPE] = "bad-message-type",
	[DHCP_DROP_BAD_DST] = "bad-destination",
	[DHCP_DROP_RATE_LIMITED] = "rate-limited",
	[DHCP_DROP_BAD_REQUEST] = "bad-request",
	[DHCP_DROP_FOREIGN_RELAY] = "foreign-relay",
};

const char *dhcp_drop_name(enum dhcp_drop reason)
{
	if ((unsigned)reason >= DHCP_DROP_MAX || !drop_names[reason])
		return "unknown";
	return drop_names[reason];
}

const char *dhcp_msg_type_name(int type)
{
	static const char *const names[] = {
		NULL, "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPDECLINE",
		"DHCPACK", "DHCPNAK", "DHCPRELEASE", "DHCPINFORM",
	};
	if (type <= 0 || type >= (int)(sizeof(names) / sizeof(names[0])))
		return "UNKNOWN";
	return names[type];
}

enum dhcp_drop dhcp_opts_decode(const uint8_t *buf, size_t len, struct dhcp_opts *out)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = buf[i];
		uint8_t olen;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return DHCP_DROP_NONE;
		if (i + 1 >= len)
			return DHCP_DROP_OPT_OVERRUN;
		olen = buf[i + 1];
		if (i + 2 + (size_t)olen > len)
			return DHCP_DROP_OPT_OVERRUN;
		if (!out->ptr[code]) {
			out->ptr[code] = buf + i + 2;
			out->len[code] = olen;
		}
		i += 2 + (size_t)olen;
	}
	return DHCP_DROP_NONE;
}

/* Validate lengths of the options we interpret and fill convenience fields. */
static enum dhcp_drop check_options(struct dhcp_msg *m)
{
	const struct dhcp_opts *o = &m->opts;

	if (!o->ptr[DHCP_OPT_MSG_TYPE])
		return DHCP_DROP_NO_MSG_TYPE;
	if (o->len[DHCP_OPT_MSG_TYPE] != 1)
		return DHCP_DROP_BAD_OPTION;
	m->msg_type = o->ptr[DHCP_OPT_MSG_TYPE][0];
	switch (m->msg_type) {
	case DHCP_DISCOVER:
	case DHCP_REQUEST:
	case DHCP_DECLINE:
	case DHCP_RELEASE:
	case DHCP_INFORM:
		break;
	default:
		return DHCP_DROP_BAD_MSG_TYPE;
	}

	if (o->ptr[DHCP_OPT_REQUESTED_IP]) {
		if (o->len[DHCP_OPT_REQUESTED_IP] != 4)
			return DHCP_DROP_BAD_OPTION;
		m->has_requested_ip = 1;
		m->requested_ip = dhcp_get_be32(o->ptr[DHCP_OPT_REQUESTED_IP]);
	}
	if (o->ptr[DHCP_OPT_SERVER_ID]) {
		if (o->len[DHCP_OPT_SERVER_ID] != 4)
			return DHCP_DROP_BAD_OPTION;
		m->has_server_id = 1;
		m->server_id = dhcp_get_be32(o->ptr[DHCP_OPT_SERVER_ID]);
	}
	if (o->ptr[DHCP_OPT_LEASE_TIME]) {
		if (o->len[DHCP_OPT_LEASE_TIME] != 4)
			return DHCP_DROP_BAD_OPTION;
		m->has_lease_time = 1;
		m->lease_time = dhcp_get_be32(o->ptr[DHCP_OPT_LEASE_TIME]);
	}
	if (o->ptr[DHCP_OPT_MAX_MSG_SIZE]) {
		if (o->len[DHCP_OPT_MAX_MSG_SIZE] != 2)
			return DHCP_DROP_BAD_OPTION;
		m->max_msg_size = dhcp_get_be16(o->ptr[DHCP_OPT_MAX_MSG_SIZE]);
	}
	if (o->ptr[DHCP_OPT_CLIENT_ID]) {
		/* RFC 2132 9.14: minimum length 2 */
		if (o->len[DHCP_OPT_CLIENT_ID] < 2)
			return DHCP_DROP_BAD_OPTION;
		m->client_id = o->ptr[DHCP_OPT_CLIENT_ID];
		m->client_id_len = o->len[DHCP_OPT_CLIENT_ID];
	}
	if (o->ptr[DHCP_OPT_HOSTNAME] && o->len[DHCP_OPT_HOSTNAME] > 0) {
		m->hostname = o->ptr[DHCP_OPT_HOSTNAME];
		m->hostname_len = o->len[DHCP_OPT_HOSTNAME];
	}
	if (o->ptr[DHCP_OPT_PARAM_REQ]) {
		m->prl = o->ptr[DHCP_OPT_PARAM_REQ];
		m->prl_len = o->len[DHCP_OPT_PARAM_REQ];
	}
	return DHCP_DROP_NONE;
}

enum dhcp_drop dhcp_parse_frame(const uint8_t *frame, size_t len, struct dhcp_msg *m)
{
	const uint8_t *ip, *udp, *bp;
	size_t ihl, ip_total, udp_len, bp_len;
	uint16_t frag;
	enum dhcp_drop r;

	memset(m, 0, sizeof(*m));
	if (!frame || len < DHCP_ETH_HLEN)
		return DHCP_DROP_TRUNCATED;
	memcpy(m->eth_dst, frame, 6);
	memcpy(m->eth_src, frame + 6, 6);
	if (dhcp_get_be16(frame + 12) != ETHERTYPE_IPV4)
		return DHCP_DROP_NOT_IPV4;

	ip = frame + DHCP_ETH_HLEN;
	len -= DHCP_ETH_HLEN;
	if (len < DHCP_IP_HLEN)
		return DHCP_DROP_TRUNCATED;
	if ((ip[0] >> 4) != 4)
		return DHCP_DROP_BAD_IP_HDR;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < DHCP_IP_HLEN)
		return DHCP_DROP_BAD_IP_HDR;
	ip_total = dhcp_get_be16(ip + 2);
	if (ip_total < ihl)
		return DHCP_DROP_BAD_IP_HDR;
	/* Ethernet padding after the datagram is fine; a short frame is not. */
	if (ip_total > len || ihl > len)
		return DHCP_DROP_TRUNCATED;
	if (dhcp_inet_checksum(ip, ihl) != 0)
		return DHCP_DROP_BAD_IP_CSUM;
	frag = dhcp_get_be16(ip + 6);
	if (frag & 0x3fff) /* MF or offset */
		return DHCP_DROP_IP_FRAGMENT;
	if (ip[9] != IPPROTO_UDP_NUM)
		return DHCP_DROP_NOT_UDP;
	m->ip_src = dhcp_get_be32(ip + 12);
	m->ip_dst = dhcp_get_be32(ip + 16);

	udp = ip + ihl;
	if (ip_total - ihl < DHCP_UDP_HLEN)
		return DHCP_DROP_TRUNCATED;
	udp_len = dhcp_get_be16(udp + 4);
	if (udp_len < DHCP_UDP_HLEN || udp_len > ip_total - ihl)
		return DHCP_DROP_BAD_UDP_LEN;
	if (dhcp_get_be16(udp + 2) != DHCP_SERVER_PORT)
		return DHCP_DROP_NOT_DHCP_PORT;
	m->udp_sport = dhcp_get_be16(udp);

	bp = udp + DHCP_UDP_HLEN;
	bp_len = udp_len - DHCP_UDP_HLEN;
	if (bp_len < DHCP_OPTIONS_OFFSET)
		return DHCP_DROP_SHORT_BOOTP;
	m->op = bp[BOOTP_OP];
	m->htype = bp[BOOTP_HTYPE];
	m->hlen = bp[BOOTP_HLEN];
	m->hops = bp[BOOTP_HOPS];
	if (m->op != DHCP_BOOTREQUEST)
		return DHCP_DROP_NOT_BOOTREQUEST;
	if (m->hlen > 16)
		return DHCP_DROP_BAD_HLEN;
	if (m->htype != 1 || m->hlen != 6)
		return DHCP_DROP_BAD_HTYPE;
	m->xid = dhcp_get_be32(bp + BOOTP_XID);
	m->secs = dhcp_get_be16(bp + BOOTP_SECS);
	m->flags = dhcp_get_be16(bp + BOOTP_FLAGS);
	m->ciaddr = dhcp_get_be32(bp + BOOTP_CIADDR);
	m->yiaddr = dhcp_get_be32(bp + BOOTP_YIADDR);
	m->siaddr = dhcp_get_be32(bp + BOOTP_SIADDR);
	m->giaddr = dhcp_get_be32(bp + BOOTP_GIADDR);
	memcpy(m->chaddr, bp + BOOTP_CHADDR, 16);
	if (dhcp_get_be32(bp + BOOTP_COOKIE) != DHCP_MAGIC_COOKIE)
		return DHCP_DROP_BAD_COOKIE;

	r = dhcp_opts_decode(bp + DHCP_OPTIONS_OFFSET, bp_len - DHCP_OPTIONS_OFFSET, &m->opts);
	if (r != DHCP_DROP_NONE)
		return r;
	/* RFC 2131 option overload: file (1), sname (2) or both (3) carry options.
	 * Read in the RFC order: options field, then file, then sname. */
	if (m->opts.ptr[DHCP_OPT_OVERLOAD]) {
		uint8_t ov;

		if (m->opts.len[DHCP_OPT_OVERLOAD] != 1)
			return DHCP_DROP_BAD_OPTION;
		ov = m->opts.ptr[DHCP_OPT_OVERLOAD][0];
		if (ov < 1 || ov > 3)
			return DHCP_DROP_BAD_OPTION;
		if (ov & 1) {
			r = dhcp_opts_decode(bp + BOOTP_FILE, BOOTP_FILE_LEN, &m->opts);
			if (r != DHCP_DROP_NONE)
				return r;
		}
		if (ov & 2) {
			r = dhcp_opts_decode(bp + BOOTP_SNAME, BOOTP_SNAME_LEN, &m->opts);
			if (r != DHCP_DROP_NONE)
				return r;
		}
	}
	return check_options(m);
}

int dhcp_msg_requests(const struct dhcp_msg *msg, uint8_t code)
{
	if (!msg->prl)
		return 1;
	return memchr(msg->prl, code, msg->prl_len) != NULL;
}

void dhcp_opt_writer_init(struct dhcp_opt_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
}

int dhcp_opt_put(struct dhcp_opt_writer *w, uint8_t code, const void *data, size_t len)
{
	if (len > 255 || code == DHCP_OPT_PAD || code == DHCP_OPT_END)
		return -EINVAL;
	/* keep one byte for END */
	if (w->len + 2 + len + 1 > w->cap)
		return -ENOSPC;
	w->buf[w->len] = code;
	w->buf[w->len + 1] = (uint8_t)len;
	if (len)
		memcpy(w->buf + w->len + 2, data, len);
	w->len += 2 + len;
	return 0;
}

int dhcp_opt_put_u8(struct dhcp_opt_writer *w, uint8_t code, uint8_t v)
{
	return dhcp_opt_put(w, code, &v, 1);
}

int dhcp_opt_put_u16(struct dhcp_opt_writer *w, uint8_t code, uint16_t v)
{
	uint8_t b[2];

	dhcp_put_be16(b, v);
	return dhcp_opt_put(w, code, b, 2);
}

int dhcp_opt_put_u32(struct dhcp_opt_writer *w, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	dhcp_put_be32(b, v);
	return dhcp_opt_put(w, code, b, 4);
}

size_t dhcp_opt_end(struct dhcp_opt_writer *w)
{
	if (w->len < w->cap)
		w->buf[w->len++] = DHCP_OPT_END;
	return w->len;
}

int dhcp_encode_classless_route(uint8_t *out, uint32_t dst, int prefix, uint32_t gw)
{
	int n = 0, sig;
	uint32_t mask;

	if (prefix < 0 || prefix > 32)
		return -EINVAL;
	mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
	dst &= mask;
	sig = (prefix + 7) / 8;
	out[n++] = (uint8_t)prefix;
	for (int i = 0; i < sig; i++)
		out[n++] = (uint8_t)(dst >> (24 - 8 * i));
	dhcp_put_be32(out + n, gw);
	return n + 4;
}

uint16_t dhcp_inet_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	while (len > 1) {
		sum += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int dhcp_frame_finish(uint8_t *frame, size_t cap, const struct dhcp_frame_addr *a,
		      size_t payload_len)
{
	uint8_t *ip = frame + DHCP_ETH_HLEN;
	uint8_t *udp = ip + DHCP_IP_HLEN;
	size_t total = DHCP_FRAME_HDR_LEN + payload_len;
	size_t udp_len = DHCP_UDP_HLEN + payload_len;
	uint8_t pseudo[12];
	uint32_t sum;
	uint16_t csum;

	if (payload_len > 65535 - DHCP_IP_HLEN - DHCP_UDP_HLEN)
		return -EINVAL;
	if (total > cap)
		return -ENOSPC;

	memcpy(frame, a->dst_mac, 6);
	memcpy(frame + 6, a->src_mac, 6);
	dhcp_put_be16(frame + 12, ETHERTYPE_IPV4);

	ip[0] = 0x45;
	ip[1] = 0x10; /* IPTOS_LOWDELAY, like dnsmasq */
	dhcp_put_be16(ip + 2, (uint16_t)(DHCP_IP_HLEN + udp_len));
	dhcp_put_be16(ip + 4, 0);  /* id */
	dhcp_put_be16(ip + 6, 0);  /* no DF: relays may fragment */
	ip[8] = 64;                /* TTL */
	ip[9] = IPPROTO_UDP_NUM;
	dhcp_put_be16(ip + 10, 0);
	dhcp_put_be32(ip + 12, a->src_ip);
	dhcp_put_be32(ip + 16, a->dst_ip);
	dhcp_put_be16(ip + 10, dhcp_inet_checksum(ip, DHCP_IP_HLEN));

	dhcp_put_be16(udp, a->src_port);
	dhcp_put_be16(udp + 2, a->dst_port);
	dhcp_put_be16(udp + 4, (uint16_t)udp_len);
	dhcp_put_be16(udp + 6, 0);

	/* UDP checksum over pseudo header + UDP header + payload. */
	dhcp_put_be32(pseudo, a->src_ip);
	dhcp_put_be32(pseudo + 4, a->dst_ip);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP_NUM;
	dhcp_put_be16(pseudo + 10, (uint16_t)udp_len);
	sum = (uint16_t)~dhcp_inet_checksum(pseudo, sizeof(pseudo));
	sum += (uint16_t)~dhcp_inet_checksum(udp, udp_len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	if (csum == 0)
		csum = 0xffff; /* 0 means "no checksum" in UDP */
	dhcp_put_be16(udp + 6, csum);
	return (int)total;
}
