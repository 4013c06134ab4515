/*
 * fuzz_dhcp.c - libFuzzer target: feeds a sequence of frames into one
 * dhcp_server (no lease file), advancing time, with ticks, listings and a
 * reconfiguration in between.  Must stay leak-free (run with
 * -detect_leaks=1).
 *
 * Input: a sequence of records
 *   u8 flags   bit0: raw frame (else the payload is wrapped in valid
 *                    Ethernet/IPv4/UDP headers so fuzzing reaches BOOTP)
 *              bit1: unicast to the server instead of broadcast
 *              bit2: call dhcp_server_tick() afterwards
 *              bit3: list leases afterwards
 *              bit4: reconfigure (toggle a static host) afterwards
 *   u8 dt      seconds to advance the clock (x 16 if bit5 of flags)
 *   u16 len    payload length (big-endian), then len bytes
 * Wrapped records describe a well-formed BOOTREQUEST (see wrap()) so the
 * fuzzer reaches the state machine; raw records exercise the parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "control/dhcp/dhcp_server.h"

#define SERVER_IP 0xc0a87a01u /* 192.168.122.1 */

static void make_cfg(struct dhcp_config *c, struct dhcp_host *h, int with_host)
{
	static const uint8_t smac[6] = { 0x52, 0x54, 0x00, 0xfe, 0, 1 };

	dhcp_config_init(c);
	c->server_ip = SERVER_IP;
	c->prefix = 24;
	memcpy(c->server_mac, smac, 6);
	strcpy(c->domain, "fuzz.test");
	c->mtu = 1400;
	c->n_ranges = 2;
	c->ranges[0].start = 0xc0a87a02u;
	c->ranges[0].end = 0xc0a87a09u;
	c->ranges[1].start = 0xc0a87a64u;
	c->ranges[1].end = 0xc0a87a66u;
	c->ranges[1].lease_secs = 200;
	c->n_routes = 1;
	c->routes[0].dst = 0x0a000000u;
	c->routes[0].prefix = 8;
	c->routes[0].gw = 0xc0a87afeu;
	c->rl_client_burst = 8;
	c->rl_global_burst = 64;
	memset(h, 0, sizeof(*h));
	h->mac[0] = 0x52;
	h->mac[1] = 0x54;
	h->mac[5] = 0x01; /* fuzz inputs pick MACs like this easily */
	h->ip = 0xc0a87a05u;
	strcpy(h->name, "fixed");
	if (with_host) {
		c->hosts = h;
		c->n_hosts = 1;
	}
}

/* Build a well-formed BOOTREQUEST around fuzzer-chosen options:
 *   p[0] bits 0-2: client MAC index, bit 7: broadcast flag
 *   p[1]: ciaddr = 192.168.122.p[1] (0 = none)
 *   p[2..]: DHCP options (TLVs, as the fuzzer likes)  */
static size_t wrap(const uint8_t *p, size_t n, int unicast, uint8_t *out, size_t cap)
{
	uint8_t *bp = out + DHCP_FRAME_HDR_LEN;
	struct dhcp_frame_addr a;
	size_t olen, plen;
	int rc;

	if (n < 2)
		return 0;
	olen = n - 2;
	if (olen > cap - DHCP_FRAME_HDR_LEN - DHCP_OPTIONS_OFFSET)
		olen = cap - DHCP_FRAME_HDR_LEN - DHCP_OPTIONS_OFFSET;
	memset(bp, 0, DHCP_OPTIONS_OFFSET);
	bp[0] = DHCP_BOOTREQUEST;
	bp[1] = 1;
	bp[2] = 6;
	dhcp_put_be32(bp + 4, 0x12345678u);
	if (p[0] & 0x80)
		bp[10] = 0x80;
	if (p[1])
		dhcp_put_be32(bp + 12, 0xc0a87a00u | p[1]);
	bp[28] = 0x52;
	bp[29] = 0x54;
	bp[33] = p[0] & 7;
	dhcp_put_be32(bp + 236, DHCP_MAGIC_COOKIE);
	memcpy(bp + DHCP_OPTIONS_OFFSET, p + 2, olen);
	plen = DHCP_OPTIONS_OFFSET + olen;
	memset(&a, 0, sizeof(a));
	memcpy(a.src_mac, bp + 28, 6);
	memset(a.dst_mac, 0xff, 6);
	a.src_ip = p[1] ? (0xc0a87a00u | p[1]) : 0;
	a.dst_ip = unicast ? SERVER_IP : 0xffffffffu;
	a.src_port = 68;
	a.dst_port = 67;
	rc = dhcp_frame_finish(out, cap, &a, plen);
	return rc > 0 ? (size_t)rc : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[2048], reply[DHCP_REPLY_MAX_CAP];
	struct dhcp_lease_info li[8];
	struct dhcp_config cfg;
	struct dhcp_host host;
	struct dhcp_server *s;
	struct dhcp_stats st;
	time_t now = 1700000000;
	int with_host = 1;

	make_cfg(&cfg, &host, with_host);
	s = dhcp_server_create(&cfg, NULL);
	if (!s)
		__builtin_trap();
	while (size >= 4) {
		uint8_t flags = data[0];
		size_t len = (size_t)data[2] << 8 | data[3];
		int rc;

		now += (time_t)data[1] * ((flags & 0x20) ? 16 : 1);
		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		if (flags & 1) {
			rc = dhcp_server_handle(s, data, len, now, reply, sizeof(reply));
		} else {
			size_t fl = wrap(data, len, flags & 2, frame, sizeof(frame));

			rc = dhcp_server_handle(s, frame, fl, now, reply, sizeof(reply));
		}
		if (rc < 0 || rc > (int)sizeof(reply))
			__builtin_trap();
		if (rc > 0) {
			/* our own replies must parse as valid IPv4/UDP with a
			 * correct header checksum */
			if (rc < DHCP_FRAME_HDR_LEN + DHCP_MIN_BOOTP_LEN ||
			    dhcp_inet_checksum(reply + DHCP_ETH_HLEN, DHCP_IP_HLEN) != 0)
				__builtin_trap();
		}
		data += len;
		size -= len;
		if (flags & 4)
			dhcp_server_tick(s, now);
		if (flags & 8) {
			size_t n = dhcp_server_leases(s, now, NULL, li, 8);

			for (size_t i = 0; i < n && i < 8; i++)
				if ((li[i].ip & 0xffffff00u) != 0xc0a87a00u)
					__builtin_trap();
		}
		if (flags & 0x10) {
			with_host = !with_host;
			make_cfg(&cfg, &host, with_host);
			if (dhcp_server_reconfigure(s, &cfg) != 0)
				__builtin_trap();
		}
	}
	dhcp_server_get_stats(s, &st);
	if (st.tx > st.rx)
		__builtin_trap();
	dhcp_server_free(s);
	return 0;
}
