/* libFuzzer target: the security group index (acl_set_build) against the
 * linear scan.  The input is a rule set (the first byte: how many rules,
 * then 18 bytes per rule: remote, mask-or-prefix, protocol, port range,
 * ICMP type and code, any field possibly "any" or out of range) followed by
 * packets (11 bytes each: direction, protocol, remote, port, type, code);
 * for every packet the built index, its copy and the scan must agree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/acl.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int32_t port_of(const uint8_t *p)
{
	uint16_t v = (uint16_t)(p[0] << 8 | p[1]);
	if (v >= 0xfff0) /* the edges the scan's comparisons care about */
		return v == 0xffff ? ACL_ANY : v == 0xfffe ? -3 : v == 0xfffd ? 70000 : 65535;
	return v;
}

static int16_t icmp_of(uint8_t b, uint8_t sel)
{
	return sel % 4 == 0 ? ACL_ANY : sel % 4 == 1 && sel & 0x80 ? 300 : b;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	unsigned nr = d[0] % 64;
	d++, n--;
	if (n < (size_t)nr * 18)
		return 0;
	struct acl_set *ref = acl_set_new(nr / 2, nr - nr / 2);
	if (!ref)
		abort();
	ref->n[ACL_IN] = nr / 2;
	ref->n[ACL_OUT] = nr - nr / 2;
	for (unsigned i = 0; i < nr; i++, d += 18, n -= 18) {
		struct acl_rule *r = &ref->rules[i];
		uint8_t m = d[4];
		r->mask = m & 0x80 ? rd32(d + 5) /* any mask */
				   : (m & 63) >= 32 ? 0xffffffffu : (m & 63) ? ~(~0u >> (m & 63)) : 0;
		r->net = rd32(d) & (m & 0x40 ? 0xffffffffu : r->mask); /* 0x40: stray bits */
		r->proto = d[9] == 0xff ? ACL_ANY : d[9] == 0xfe ? 300 : d[9];
		if (d[16] & 1)
			r->proto = (int16_t)(d[16] >> 1 & 3) == 0 ? 6 : (d[16] >> 1 & 3) == 1 ? 17 : 1;
		r->pmin = port_of(d + 10);
		r->pmax = port_of(d + 12);
		r->icmp_type = icmp_of(d[14], d[16] >> 3);
		r->icmp_code = icmp_of(d[15], d[17]);
	}
	struct acl_set *ix = acl_set_dup(ref);
	if (!ix || acl_set_build(ix) < 0)
		abort();
	struct acl_set *copy = acl_set_dup(ix);
	if (!copy)
		abort();
	for (; n >= 11; d += 11, n -= 11) {
		unsigned dir = d[0] & 1;
		uint8_t proto = d[1], type = d[8], code = d[9];
		uint32_t remote = rd32(d + 2);
		if (d[10] & 1 && ref->n[dir]) { /* aim at a rule */
			const struct acl_rule *r = &ref->r[dir][d[10] % ref->n[dir]];
			remote = (r->net & r->mask) | (remote & ~r->mask);
		}
		uint16_t dport = (uint16_t)(d[6] << 8 | d[7]);
		bool want = acl_allows(ref, dir, proto, remote, dport, type, code);
		if (acl_allows(ix, dir, proto, remote, dport, type, code) != want ||
		    acl_allows(copy, dir, proto, remote, dport, type, code) != want) {
			fprintf(stderr, "acl index disagrees with the scan: dir %u proto %u remote %08x "
				"dport %u icmp %u/%u: scan %d\n", dir, proto, remote, dport, type, code,
				want);
			abort();
		}
	}
	acl_set_free(copy);
	acl_set_free(ix);
	acl_set_free(ref);
	return 0;
}
