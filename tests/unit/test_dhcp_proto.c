/*
 * test_dhcp_proto.c - cmocka tests for control/dhcp/dhcp_proto.c: option TLV
 * decode/encode, classless routes, checksums, frame parsing (every drop
 * reason) and reply frame headers.  Frames are built by hand here (not with
 * the module's own writer) so that encoder bugs cannot hide decoder bugs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "control/dhcp/dhcp_proto.h"

/* ---- hand-made frame ---------------------------------------------------- */

struct frame {
	uint8_t b[1600];
	size_t len;    /* total frame length */
	size_t opt;    /* offset of the options area */
};

static uint8_t *ip_of(struct frame *f)
{
	return f->b + 14;
}

static uint8_t *bootp_of(struct frame *f)
{
	return f->b + 42;
}

static void set16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void fix_ip_csum(struct frame *f)
{
	uint8_t *ip = ip_of(f);
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	uint32_t sum = 0;

	ip[10] = ip[11] = 0;
	for (size_t i = 0; i < ihl; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	set16(ip + 10, ~sum & 0xffff);
}

/* Set the lengths of IP/UDP from f->len, recompute the IP checksum. */
static void fix_lengths(struct frame *f)
{
	set16(ip_of(f) + 2, (unsigned)(f->len - 14));
	set16(f->b + 34 + 4, (unsigned)(f->len - 34));
	fix_ip_csum(f);
}

static void add_opt(struct frame *f, uint8_t code, uint8_t len, const void *data)
{
	f->b[f->len++] = code;
	f->b[f->len++] = len;
	memcpy(f->b + f->len, data, len);
	f->len += len;
}

/* A DHCPDISCOVER from 52:54:00:12:34:56, without END (callers finish). */
static void frame_start(struct frame *f, uint8_t type)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	uint8_t *ip, *bp;

	memset(f, 0, sizeof(*f));
	memset(f->b, 0xff, 6);
	memcpy(f->b + 6, mac, 6);
	f->b[12] = 0x08;
	f->b[13] = 0x00;
	ip = ip_of(f);
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = 17;
	memset(ip + 16, 0xff, 4);        /* dst 255.255.255.255 */
	set16(f->b + 34, 68);
	set16(f->b + 36, 67);
	bp = bootp_of(f);
	bp[0] = 1;
	bp[1] = 1;
	bp[2] = 6;
	bp[4] = 0xde; bp[5] = 0xad; bp[6] = 0xbe; bp[7] = 0xef;
	bp[10] = 0x80;                   /* broadcast flag */
	bp[12] = 10; bp[13] = 0; bp[14] = 0; bp[15] = 7; /* ciaddr 10.0.0.7 */
	memcpy(bp + 28, mac, 6);
	bp[236] = 0x63; bp[237] = 0x82; bp[238] = 0x53; bp[239] = 0x63;
	f->opt = 42 + 240;
	f->len = f->opt;
	add_opt(f, 53, 1, &type);
}

static void frame_end(struct frame *f)
{
	f->b[f->len++] = 255;
	fix_lengths(f);
}

static void make_valid(struct frame *f)
{
	static const uint8_t req[4] = { 192, 168, 122, 50 };
	static const uint8_t prl[3] = { 1, 3, 6 };
	static const uint8_t clid[7] = { 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

	frame_start(f, 1);
	add_opt(f, 50, 4, req);
	add_opt(f, 55, 3, prl);
	add_opt(f, 61, 7, clid);
	add_opt(f, 12, 3, "vm1");
	frame_end(f);
}

static enum dhcp_drop parse(struct frame *f, struct dhcp_msg *m)
{
	return dhcp_parse_frame(f->b, f->len, m);
}

/* ---- option TLV decode -------------------------------------------------- */

static void test_opts_decode_basic(void **state)
{
	const uint8_t buf[] = { 0, 0, 53, 1, 3, 12, 2, 'a', 'b', 0, 50, 4, 1, 2, 3, 4, 255, 99, 1 };
	struct dhcp_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(dhcp_opts_decode(buf, sizeof(buf), &o), DHCP_DROP_NONE);
	assert_non_null(o.ptr[53]);
	assert_int_equal(o.len[53], 1);
	assert_int_equal(o.ptr[53][0], 3);
	assert_int_equal(o.len[12], 2);
	assert_memory_equal(o.ptr[12], "ab", 2);
	assert_int_equal(o.len[50], 4);
	assert_int_equal(o.ptr[50][3], 4);
	assert_null(o.ptr[99]); /* after END */
}

static void test_opts_decode_first_wins_and_no_end(void **state)
{
	const uint8_t buf[] = { 53, 1, 1, 53, 1, 3, 12, 0 };
	struct dhcp_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(dhcp_opts_decode(buf, sizeof(buf), &o), DHCP_DROP_NONE);
	assert_int_equal(o.ptr[53][0], 1);
	assert_non_null(o.ptr[12]);
	assert_int_equal(o.len[12], 0);
}

static void test_opts_decode_overrun(void **state)
{
	const uint8_t a[] = { 53, 1, 1, 12, 5, 'a', 'b' };  /* length too long */
	const uint8_t b[] = { 53, 1, 1, 12 };               /* missing length */
	struct dhcp_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(dhcp_opts_decode(a, sizeof(a), &o), DHCP_DROP_OPT_OVERRUN);
	memset(&o, 0, sizeof(o));
	assert_int_equal(dhcp_opts_decode(b, sizeof(b), &o), DHCP_DROP_OPT_OVERRUN);
}

/* ---- option writer ------------------------------------------------------ */

static void test_opt_writer(void **state)
{
	uint8_t buf[16];
	struct dhcp_opt_writer w;
	const uint8_t expect[] = { 53, 1, 5, 51, 4, 0, 0, 0x0e, 0x10, 26, 2, 0x05, 0xdc, 255 };

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	dhcp_opt_writer_init(&w, buf, 14);
	assert_int_equal(dhcp_opt_put_u8(&w, 53, 5), 0);
	assert_int_equal(dhcp_opt_put_u32(&w, 51, 3600), 0);
	assert_int_equal(dhcp_opt_put_u16(&w, 26, 1500), 0);
	/* 13 bytes used, only END fits now */
	assert_int_equal(dhcp_opt_put(&w, 12, "", 0), -ENOSPC);
	assert_int_equal(w.len, 13);
	assert_int_equal(dhcp_opt_end(&w), 14);
	assert_memory_equal(buf, expect, sizeof(expect));
	assert_int_equal(buf[14], 0xaa); /* nothing written past cap */

	dhcp_opt_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(dhcp_opt_put(&w, 0, "x", 1), -EINVAL);
	assert_int_equal(dhcp_opt_put(&w, 255, "x", 1), -EINVAL);
	assert_int_equal(dhcp_opt_put(&w, 12, buf, 256), -EINVAL);
	assert_int_equal(w.len, 0);
}

static void test_opt_roundtrip(void **state)
{
	uint8_t buf[300];
	struct dhcp_opt_writer w;
	struct dhcp_opts o;
	uint8_t big[255];

	(void)state;
	memset(big, 'x', sizeof(big));
	dhcp_opt_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(dhcp_opt_put(&w, 15, big, 255), 0);
	assert_int_equal(dhcp_opt_put_u32(&w, 54, 0xc0a87a01), 0);
	dhcp_opt_end(&w);
	memset(&o, 0, sizeof(o));
	assert_int_equal(dhcp_opts_decode(buf, w.len, &o), DHCP_DROP_NONE);
	assert_int_equal(o.len[15], 255);
	assert_memory_equal(o.ptr[15], big, 255);
	assert_int_equal(dhcp_get_be32(o.ptr[54]), 0xc0a87a01);
}

static void test_classless_route(void **state)
{
	uint8_t b[9];
	const uint8_t r1[] = { 8, 10, 192, 168, 122, 1 };
	const uint8_t r2[] = { 0, 192, 168, 122, 1 };
	const uint8_t r3[] = { 24, 10, 1, 2, 10, 0, 0, 1 };
	const uint8_t r4[] = { 32, 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t r5[] = { 17, 172, 16, 128, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(dhcp_encode_classless_route(b, 0x0a000000, 8, 0xc0a87a01), 6);
	assert_memory_equal(b, r1, 6);
	assert_int_equal(dhcp_encode_classless_route(b, 0, 0, 0xc0a87a01), 5);
	assert_memory_equal(b, r2, 5);
	/* host bits beyond the prefix are cleared */
	assert_int_equal(dhcp_encode_classless_route(b, 0x0a0102ff, 24, 0x0a000001), 8);
	assert_memory_equal(b, r3, 8);
	assert_int_equal(dhcp_encode_classless_route(b, 0x01020304, 32, 0x05060708), 9);
	assert_memory_equal(b, r4, 9);
	assert_int_equal(dhcp_encode_classless_route(b, 0xac10ffff, 17, 0), 8);
	assert_memory_equal(b, r5, 8);
	assert_int_equal(dhcp_encode_classless_route(b, 0, 33, 0), -EINVAL);
}

static void test_checksum(void **state)
{
	/* classic example header, checksum 0xb861 */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	const uint8_t odd[3] = { 0x01, 0x02, 0x03 };

	(void)state;
	assert_int_equal(dhcp_inet_checksum(h, 20), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	assert_int_equal(dhcp_inet_checksum(h, 20), 0);
	/* 0x0102 + 0x0300 = 0x0402 -> ~ = 0xfbfd */
	assert_int_equal(dhcp_inet_checksum(odd, 3), 0xfbfd);
}

/* ---- frame parsing ------------------------------------------------------ */

static void test_parse_valid(void **state)
{
	struct frame f;
	struct dhcp_msg m;

	(void)state;
	make_valid(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_NONE);
	assert_int_equal(m.msg_type, DHCP_DISCOVER);
	assert_int_equal(m.xid, 0xdeadbeef);
	assert_int_equal(m.flags, 0x8000);
	assert_int_equal(m.ciaddr, 0x0a000007);
	assert_int_equal(m.ip_dst, 0xffffffff);
	assert_int_equal(m.udp_sport, 68);
	assert_int_equal(m.chaddr[5], 0x56);
	assert_int_equal(m.eth_src[0], 0x52);
	assert_true(m.has_requested_ip);
	assert_int_equal(m.requested_ip, 0xc0a87a32);
	assert_false(m.has_server_id);
	assert_int_equal(m.client_id_len, 7);
	assert_int_equal(m.client_id[0], 1);
	assert_int_equal(m.hostname_len, 3);
	assert_memory_equal(m.hostname, "vm1", 3);
	assert_int_equal(m.prl_len, 3);
	assert_true(dhcp_msg_requests(&m, 3));
	assert_false(dhcp_msg_requests(&m, 15));
	m.prl = NULL; /* no option 55 = everything requested */
	assert_true(dhcp_msg_requests(&m, 15));
}

static void test_parse_ethernet_padding_ok(void **state)
{
	struct frame f;
	struct dhcp_msg m;

	(void)state;
	make_valid(&f);
	f.len += 40; /* trailing bytes after the IP datagram */
	assert_int_equal(parse(&f, &m), DHCP_DROP_NONE);
}

static void test_parse_ip_options_ok(void **state)
{
	struct frame f, g;
	struct dhcp_msg m;

	(void)state;
	make_valid(&f);
	/* insert 4 bytes of IP options (NOPs + EOL) */
	memcpy(&g, &f, sizeof(g));
	memcpy(g.b + 38, f.b + 34, f.len - 34);
	memcpy(g.b + 34, "\x01\x01\x01\x00", 4);
	g.b[14] = 0x46;
	g.len = f.len + 4;
	set16(g.b + 16, (unsigned)(g.len - 14));
	fix_ip_csum(&g);
	assert_int_equal(parse(&g, &m), DHCP_DROP_NONE);
	assert_int_equal(m.xid, 0xdeadbeef);
}

static void test_parse_overload(void **state)
{
	struct frame f;
	struct dhcp_msg m;
	uint8_t *bp;
	uint8_t ov = 1;

	(void)state;
	memset(&f, 0, sizeof(f));
	frame_start(&f, 3);
	f.len = f.opt; /* drop the 53 written by frame_start */
	add_opt(&f, 52, 1, &ov);
	frame_end(&f);
	bp = bootp_of(&f);
	/* message type and hostname inside the 'file' field */
	memcpy(bp + 108, "\x35\x01\x03\x0c\x02hi\xff", 8);
	assert_int_equal(parse(&f, &m), DHCP_DROP_NONE);
	assert_int_equal(m.msg_type, DHCP_REQUEST);
	assert_int_equal(m.hostname_len, 2);
	bp[108 + 1] = 0x7f; /* overrun inside file */
	assert_int_equal(parse(&f, &m), DHCP_DROP_OPT_OVERRUN);
	ov = 4;
	frame_start(&f, 3);
	add_opt(&f, 52, 1, &ov);
	frame_end(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_OPTION);
}

static void test_parse_drops(void **state)
{
	struct frame f;
	struct dhcp_msg m;
	uint8_t v;

	(void)state;
	/* TRUNCATED: shorter than Ethernet, than IP header, than total length */
	make_valid(&f);
	assert_int_equal(dhcp_parse_frame(f.b, 13, &m), DHCP_DROP_TRUNCATED);
	assert_int_equal(dhcp_parse_frame(f.b, 30, &m), DHCP_DROP_TRUNCATED);
	assert_int_equal(dhcp_parse_frame(f.b, f.len - 1, &m), DHCP_DROP_TRUNCATED);
	assert_int_equal(dhcp_parse_frame(NULL, 0, &m), DHCP_DROP_TRUNCATED);

	make_valid(&f);
	f.b[12] = 0x86; f.b[13] = 0xdd;
	assert_int_equal(parse(&f, &m), DHCP_DROP_NOT_IPV4);
	make_valid(&f);
	f.b[12] = 0x81; f.b[13] = 0x00; /* VLAN tags are not expected here */
	assert_int_equal(parse(&f, &m), DHCP_DROP_NOT_IPV4);

	make_valid(&f);
	f.b[14] = 0x65; fix_ip_csum(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_IP_HDR);
	make_valid(&f);
	f.b[14] = 0x44; /* IHL 16 bytes */
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_IP_HDR);
	make_valid(&f);
	set16(f.b + 16, 10); fix_ip_csum(&f); /* total < ihl */
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_IP_HDR);

	make_valid(&f);
	f.b[14 + 10] ^= 0x01;
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_IP_CSUM);

	make_valid(&f);
	f.b[14 + 6] = 0x20; fix_ip_csum(&f); /* MF */
	assert_int_equal(parse(&f, &m), DHCP_DROP_IP_FRAGMENT);
	make_valid(&f);
	f.b[14 + 7] = 0x10; fix_ip_csum(&f); /* offset */
	assert_int_equal(parse(&f, &m), DHCP_DROP_IP_FRAGMENT);
	make_valid(&f);
	f.b[14 + 6] = 0x40; fix_ip_csum(&f); /* DF is fine */
	assert_int_equal(parse(&f, &m), DHCP_DROP_NONE);

	make_valid(&f);
	f.b[14 + 9] = 6; fix_ip_csum(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_NOT_UDP);

	make_valid(&f);
	set16(f.b + 38, 7);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_UDP_LEN);
	make_valid(&f);
	set16(f.b + 38, (unsigned)(f.len - 34 + 1));
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_UDP_LEN);
	make_valid(&f); /* IP datagram too short for a UDP header */
	set16(f.b + 16, 20 + 4); fix_ip_csum(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_TRUNCATED);

	make_valid(&f);
	set16(f.b + 36, 68);
	assert_int_equal(parse(&f, &m), DHCP_DROP_NOT_DHCP_PORT);

	make_valid(&f); /* BOOTP payload of 239 bytes */
	f.len = 42 + 239;
	fix_lengths(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_SHORT_BOOTP);

	make_valid(&f);
	bootp_of(&f)[0] = 2;
	assert_int_equal(parse(&f, &m), DHCP_DROP_NOT_BOOTREQUEST);
	make_valid(&f);
	bootp_of(&f)[2] = 17;
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_HLEN);
	make_valid(&f);
	bootp_of(&f)[1] = 6; /* IEEE 802 */
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_HTYPE);
	make_valid(&f);
	bootp_of(&f)[2] = 16;
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_HTYPE);
	make_valid(&f);
	bootp_of(&f)[239] = 0x64;
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_COOKIE);

	/* option overrun in the options area */
	frame_start(&f, 1);
	f.b[f.len++] = 12;
	f.b[f.len++] = 200;
	f.b[f.len++] = 'x';
	fix_lengths(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_OPT_OVERRUN);

	/* bad option lengths */
	frame_start(&f, 1);
	add_opt(&f, 50, 3, "\x01\x02\x03");
	frame_end(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_OPTION);
	frame_start(&f, 1);
	add_opt(&f, 54, 5, "\x01\x02\x03\x04\x05");
	frame_end(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_OPTION);
	frame_start(&f, 1);
	add_opt(&f, 61, 1, "\x01");
	frame_end(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_OPTION);
	frame_start(&f, 1);
	add_opt(&f, 57, 1, "\x01");
	frame_end(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_OPTION);
	frame_start(&f, 1);
	add_opt(&f, 51, 2, "\x01\x02");
	frame_end(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_OPTION);
	frame_start(&f, 1);
	f.len = f.opt;
	add_opt(&f, 53, 2, "\x01\x01");
	frame_end(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_BAD_OPTION);

	/* no message type (plain BOOTP) */
	frame_start(&f, 1);
	f.len = f.opt;
	frame_end(&f);
	assert_int_equal(parse(&f, &m), DHCP_DROP_NO_MSG_TYPE);

	/* server-only and unknown message types */
	for (v = 0; v < 20; v++) {
		enum dhcp_drop want = (v == 1 || v == 3 || v == 4 || v == 7 || v == 8)
					      ? DHCP_DROP_NONE : DHCP_DROP_BAD_MSG_TYPE;
		frame_start(&f, v);
		frame_end(&f);
		assert_int_equal(parse(&f, &m), want);
	}
}

static void test_drop_names(void **state)
{
	(void)state;
	for (int i = 0; i < DHCP_DROP_MAX; i++)
		assert_string_not_equal(dhcp_drop_name((enum dhcp_drop)i), "unknown");
	assert_string_equal(dhcp_drop_name(DHCP_DROP_MAX), "unknown");
	assert_string_equal(dhcp_drop_name(DHCP_DROP_BAD_COOKIE), "bad-magic-cookie");
	assert_string_equal(dhcp_msg_type_name(DHCP_ACK), "DHCPACK");
	assert_string_equal(dhcp_msg_type_name(0), "UNKNOWN");
	assert_string_equal(dhcp_msg_type_name(9), "UNKNOWN");
}

/* ---- reply frame headers ----------------------------------------------- */

static void test_frame_finish(void **state)
{
	uint8_t fr[400];
	struct dhcp_frame_addr a = {
		.src_mac = { 0x52, 0x54, 0x00, 0, 0, 1 },
		.dst_mac = { 0x52, 0x54, 0x00, 0, 0, 2 },
		.src_ip = 0xc0a87a01,
		.dst_ip = 0xc0a87a02,
		.src_port = 67,
		.dst_port = 68,
	};
	uint8_t pseudo[12] = { 192, 168, 122, 1, 192, 168, 122, 2, 0, 17, 0, 0 };
	uint32_t sum;

	(void)state;
	memset(fr, 0x5a, sizeof(fr));
	for (int i = 0; i < 300; i++)
		fr[42 + i] = (uint8_t)i;
	assert_int_equal(dhcp_frame_finish(fr, sizeof(fr), &a, 300), 342);
	assert_memory_equal(fr, a.dst_mac, 6);
	assert_memory_equal(fr + 6, a.src_mac, 6);
	assert_int_equal(fr[12], 0x08);
	assert_int_equal(fr[13], 0x00);
	assert_int_equal(fr[14], 0x45);
	assert_int_equal(dhcp_get_be16(fr + 16), 328);
	assert_int_equal(fr[14 + 8], 64);
	assert_int_equal(fr[14 + 9], 17);
	assert_int_equal(dhcp_get_be32(fr + 26), 0xc0a87a01);
	assert_int_equal(dhcp_get_be32(fr + 30), 0xc0a87a02);
	assert_int_equal(dhcp_inet_checksum(fr + 14, 20), 0);
	assert_int_equal(dhcp_get_be16(fr + 34), 67);
	assert_int_equal(dhcp_get_be16(fr + 36), 68);
	assert_int_equal(dhcp_get_be16(fr + 38), 308);
	assert_int_not_equal(dhcp_get_be16(fr + 40), 0);
	/* UDP checksum verifies over pseudo header + datagram */
	set16(pseudo + 10, 308);
	sum = (uint16_t)~dhcp_inet_checksum(pseudo, 12);
	sum += (uint16_t)~dhcp_inet_checksum(fr + 34, 308);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	/* payload untouched */
	assert_int_equal(fr[42 + 299], (uint8_t)299);

	assert_int_equal(dhcp_frame_finish(fr, 341, &a, 300), -ENOSPC);
	assert_int_equal(dhcp_frame_finish(fr, sizeof(fr), &a, 70000), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_decode_basic),
		cmocka_unit_test(test_opts_decode_first_wins_and_no_end),
		cmocka_unit_test(test_opts_decode_overrun),
		cmocka_unit_test(test_opt_writer),
		cmocka_unit_test(test_opt_roundtrip),
		cmocka_unit_test(test_classless_route),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_ethernet_padding_ok),
		cmocka_unit_test(test_parse_ip_options_ok),
		cmocka_unit_test(test_parse_overload),
		cmocka_unit_test(test_parse_drops),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_frame_finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
