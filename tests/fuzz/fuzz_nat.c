/* libFuzzer target: NAT rewrites on arbitrary frames.  Whatever the frame,
 * nat_rewrite() and nat_rewrite_icmp_error() stay in bounds, and a
 * checksum that was right before the incremental update is right after it
 * (checked by full recomputation): the RFC 1624 arithmetic for every header
 * the fuzzer finds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/nat.h"
#include "dataplane/pkt.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* 1: valid, 0: invalid, -1: cannot tell (truncated, no checksum) */
static int l4_ok(const uint8_t *ip, size_t len)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = rd16(ip + 2);
	if (tot < ihl + 8 || tot > len || (rd16(ip + 6) & 0x3fff))
		return -1;
	size_t l4len = tot - ihl;
	const uint8_t *l4 = ip + ihl;
	switch (ip[9]) {
	case 1:
		return pkt_csum(l4, l4len, 0) == 0;
	case 17:
		if (rd16(l4 + 6) == 0)
			return -1;
		/* fall through */
	case 6: {
		if (ip[9] == 6 && l4len < 20)
			return -1;
		uint32_t ps = rd16(ip + 12) + rd16(ip + 14) + rd16(ip + 16) + rd16(ip + 18) + ip[9] +
			      (uint32_t)l4len;
		return pkt_csum(l4, l4len, ps) == 0;
	}
	default:
		return -1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m;
	struct nat_tuple t;
	if (size < 12)
		return 0;
	/* the first 12 bytes: the tuple to translate to */
	memcpy(&t, data, sizeof(t));
	data += 12;
	size -= 12;
	uint8_t *f = malloc(size ? size : 1);
	memcpy(f, data, size);
	if (pkt_parse(f, size, true, &m) == 0 && m.l3_off) {
		uint8_t *ip = f + m.l3_off;
		size_t len = size - m.l3_off;
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;
		int ip_before = pkt_csum(ip, ihl, 0) == 0;
		int l4_before = l4_ok(ip, len);
		if (ip[9] == 1 && len > ihl && ip[ihl] != 0 && ip[ihl] != 8) {
			uint8_t p;
			struct nat_tuple q;
			if (nat_icmp_error_inner(ip, len, &p, &q) == 0 &&
			    nat_rewrite_icmp_error(ip, len, t.dst, &t) == 0) {
				if (ip_before && pkt_csum(ip, ihl, 0) != 0)
					abort();
				if (l4_ok(ip, len) == 0)
					abort(); /* recomputed over the whole message */
			}
		} else if (nat_rewrite(ip, len, &t) == 0) {
			if (ip_before && pkt_csum(ip, ihl, 0) != 0)
				abort();
			if (l4_before == 1 && l4_ok(ip, len) != 1)
				abort();
		}
	}
	free(f);
	return 0;
}
