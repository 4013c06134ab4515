/* dns_test_query.h — the DNS query builder of the DNS unit tests
 * (test_dns_msg, test_dns_server): one question, optional EDNS0 OPT. */
#ifndef VNETD_TEST_DNS_QUERY_H
#define VNETD_TEST_DNS_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Builds a query (RD set) for name/type into buf; edns_size 0: no OPT.  The length. */
static inline size_t mkquery_edns(uint8_t *buf, uint16_t id, const char *name, uint16_t type,
		uint16_t edns_size, bool do_bit)
{
	size_t n = 12;
	const char *s = name;

	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		buf[n++] = (uint8_t)l;
		memcpy(buf + n, s, l);
		n += l;
		s += l + (dot ? 1 : 0);
	}
	buf[n++] = 0;
	buf[n++] = (uint8_t)(type >> 8);
	buf[n++] = (uint8_t)type;
	buf[n++] = 0;
	buf[n++] = 1;
	if (edns_size) {
		buf[11] = 1;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 41;
		buf[n++] = (uint8_t)(edns_size >> 8);
		buf[n++] = (uint8_t)edns_size;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = do_bit ? 0x80 : 0;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 0;
	}
	return n;
}

#endif
