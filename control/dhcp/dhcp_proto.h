/*
 * dhcp_proto.h - DHCPv4 wire format (RFC 2131 / RFC 2132) on raw Ethernet frames.
 *
 * Design note
 *  - Who calls it: dhcp_server.c (the control-thread DHCP server) and the
 *    unit/fuzz tests.  Nothing here keeps state; every function is pure and
 *    therefore thread-safe, but vnetd only uses it from the control thread.
 *  - Parsing: dhcp_parse_frame() validates one received Ethernet frame
 *    (Ethernet II / IPv4 / UDP dst 67 / BOOTREQUEST / magic cookie / options)
 *    and fills a struct dhcp_msg whose option pointers point INTO the caller's
 *    frame buffer: the frame must outlive the struct.  Any problem yields a
 *    drop reason (enum dhcp_drop) instead of an error code, so callers can
 *    count drops per reason.  UDP checksums are ignored on purpose: frames from
 *    virtio guests may carry a partial (offloaded) L4 checksum.  The IPv4
 *    header checksum is verified.
 *  - Building: no allocation.  The caller writes the BOOTP payload at
 *    frame + DHCP_FRAME_HDR_LEN (options with struct dhcp_opt_writer) and
 *    then calls dhcp_frame_finish() to fill Ethernet/IPv4/UDP headers
 *    (IPv4 header checksum and UDP checksum are computed).
 *  - All IPv4 addresses in the API are in host byte order.
 */
#ifndef VNETD_DHCP_PROTO_H
#define VNETD_DHCP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

#define DHCP_ETH_HLEN 14
#define DHCP_IP_HLEN 20
#define DHCP_UDP_HLEN 8
#define DHCP_FRAME_HDR_LEN (DHCP_ETH_HLEN + DHCP_IP_HLEN + DHCP_UDP_HLEN) /* 42 */
#define DHCP_BOOTP_FIXED_LEN 236   /* op .. file, without the magic cookie */
#define DHCP_OPTIONS_OFFSET 240    /* fixed part + magic cookie */
#define DHCP_MIN_BOOTP_LEN 300     /* replies are padded to at least this */
#define DHCP_MIN_MAX_MSG_SIZE 576  /* RFC 2131: every client accepts 576 */
#define DHCP_MAGIC_COOKIE 0x63825363u

#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2
#define DHCP_FLAG_BROADCAST 0x8000

/* Message types (option 53). */
enum dhcp_msg_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* Option codes we use. */
enum dhcp_opt_code {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_REQ = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_MSG_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_CLASSLESS_ROUTE = 121,
	DHCP_OPT_END = 255,
};

/* Why a frame was dropped.  Values 1..DHCP_DROP_BAD_MSG_TYPE come from
 * dhcp_parse_frame(); the rest are assigned by the server. */
enum dhcp_drop {
	DHCP_DROP_NONE = 0,
	DHCP_DROP_TRUNCATED,       /* shorter than its headers/lengths claim */
	DHCP_DROP_NOT_IPV4,        /* EtherType is not IPv4 (0x0800) */
	DHCP_DROP_BAD_IP_HDR,      /* IP version/IHL/total length invalid */
	DHCP_DROP_BAD_IP_CSUM,     /* IPv4 header checksum wrong */
	DHCP_DROP_IP_FRAGMENT,     /* MF set or fragment offset != 0 */
	DHCP_DROP_NOT_UDP,         /* IP protocol is not UDP */
	DHCP_DROP_BAD_UDP_LEN,     /* UDP length < 8 or > IP payload */
	DHCP_DROP_NOT_DHCP_PORT,   /* UDP destination port is not 67 */
	DHCP_DROP_SHORT_BOOTP,     /* BOOTP payload < 240 bytes */
	DHCP_DROP_NOT_BOOTREQUEST, /* op != BOOTREQUEST */
	DHCP_DROP_BAD_HLEN,        /* hlen > 16 */
	DHCP_DROP_BAD_HTYPE,       /* not Ethernet (htype 1, hlen 6) */
	DHCP_DROP_BAD_COOKIE,      /* magic cookie missing */
	DHCP_DROP_OPT_OVERRUN,     /* option length runs past the buffer */
	DHCP_DROP_BAD_OPTION,      /* known option with invalid length/value */
	DHCP_DROP_NO_MSG_TYPE,     /* option 53 missing (plain BOOTP) */
	DHCP_DROP_BAD_MSG_TYPE,    /* unknown or server-only message type */
	/* --- server-level reasons --- */
	DHCP_DROP_BAD_DST,         /* IPv4 destination not broadcast / us */
	DHCP_DROP_RATE_LIMITED,    /* per-client or global token bucket empty */
	DHCP_DROP_BAD_REQUEST,     /* semantically invalid message */
	DHCP_DROP_FOREIGN_RELAY,   /* relayed (giaddr) from a subnet not ours */
	DHCP_DROP_MAX
};

/* Name of a drop reason (static string, "unknown" if out of range). */
const char *dhcp_drop_name(enum dhcp_drop reason);
/* Name of a message type ("DHCPDISCOVER", ...), "UNKNOWN" otherwise. */
const char *dhcp_msg_type_name(int type);

/* Decoded options: first occurrence of each code wins (RFC 3396
 * concatenation of split options is not implemented). ptr == NULL means
 * absent. Pointers refer into the parsed buffer. */
struct dhcp_opts {
	const uint8_t *ptr[256];
	uint8_t len[256];
};

/*
 * Decode a TLV option area of @len bytes into @out (existing entries in @out
 * are kept: first occurrence wins, so this can be called for the options
 * field then for file/sname when overloaded).  Stops at END; running out of
 * bytes exactly at a TLV boundary without END is accepted.
 * Returns DHCP_DROP_NONE or DHCP_DROP_OPT_OVERRUN.
 */
enum dhcp_drop dhcp_opts_decode(const uint8_t *buf, size_t len, struct dhcp_opts *out);

/* A parsed, validated client message. */
struct dhcp_msg {
	/* L2 / L3 / L4 */
	uint8_t eth_dst[6];
	uint8_t eth_src[6];
	uint32_t ip_src;
	uint32_t ip_dst;
	uint16_t udp_sport;
	/* BOOTP fixed fields (addresses in host order) */
	uint8_t op, htype, hlen, hops;
	uint32_t xid;        /* as read big-endian; written back the same way */
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	/* DHCP */
	uint8_t msg_type;
	struct dhcp_opts opts;
	/* Convenience views of validated options (valid when has_* != 0). */
	int has_requested_ip;
	uint32_t requested_ip;
	int has_server_id;
	uint32_t server_id;
	int has_lease_time;
	uint32_t lease_time;
	uint16_t max_msg_size;  /* 0 if absent */
	const uint8_t *client_id; /* NULL if absent */
	uint8_t client_id_len;
	const uint8_t *hostname;  /* NULL if absent; not NUL-terminated */
	uint8_t hostname_len;
	const uint8_t *prl;       /* parameter request list, NULL if absent */
	uint8_t prl_len;
};

/*
 * Parse and validate a received Ethernet frame.  Returns DHCP_DROP_NONE and
 * fills @msg on success, otherwise the drop reason (@msg is then undefined).
 */
enum dhcp_drop dhcp_parse_frame(const uint8_t *frame, size_t len, struct dhcp_msg *msg);

/* Does the parameter request list ask for @code?  Like dnsmasq, a message
 * without option 55 is treated as asking for everything. */
int dhcp_msg_requests(const struct dhcp_msg *msg, uint8_t code);

/* Option writer over a caller buffer; one byte is always kept free for END. */
struct dhcp_opt_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

void dhcp_opt_writer_init(struct dhcp_opt_writer *w, uint8_t *buf, size_t cap);
/* Append one TLV. -EINVAL if len > 255 or code is PAD/END, -ENOSPC if it
 * does not fit (the writer is unchanged in both cases). */
int dhcp_opt_put(struct dhcp_opt_writer *w, uint8_t code, const void *data, size_t len);
int dhcp_opt_put_u8(struct dhcp_opt_writer *w, uint8_t code, uint8_t v);
int dhcp_opt_put_u16(struct dhcp_opt_writer *w, uint8_t code, uint16_t v);
int dhcp_opt_put_u32(struct dhcp_opt_writer *w, uint8_t code, uint32_t v);
/* Write END; returns the total length used including END. */
size_t dhcp_opt_end(struct dhcp_opt_writer *w);

/* RFC 3442 classless static route encoding of one route into @out (at most
 * 9 bytes). Returns bytes written, or -EINVAL for prefix > 32. */
int dhcp_encode_classless_route(uint8_t *out, uint32_t dst, int prefix, uint32_t gw);

/* Internet checksum (RFC 1071) over @len bytes, returned in host order,
 * ready to be stored big-endian. */
uint16_t dhcp_inet_checksum(const void *data, size_t len);

/* Addressing of a reply frame. */
struct dhcp_frame_addr {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
};

/*
 * Fill Ethernet + IPv4 + UDP headers in front of a BOOTP payload of
 * @payload_len bytes already present at frame + DHCP_FRAME_HDR_LEN.
 * Returns the total frame length, or -ENOSPC if it exceeds @cap, -EINVAL if
 * the payload is too big for an IPv4 datagram.
 */
int dhcp_frame_finish(uint8_t *frame, size_t cap, const struct dhcp_frame_addr *a,
		      size_t payload_len);

/* Byte helpers (big-endian / network order). */
static inline uint16_t dhcp_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t dhcp_get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void dhcp_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dhcp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* VNETD_DHCP_PROTO_H */
