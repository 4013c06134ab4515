/* hex — one hexadecimal digit to its value.
 *
 * Design: a header-only helper shared by the control modules that parse
 * hex text (URL escapes in api_req, hardware addresses in dhcp_lease, UUIDs
 * in netxml); pure, no allocation.
 * Returns 0..15, or -1 when c is not a hex digit.
 */
#ifndef VNETD_HEX_H
#define VNETD_HEX_H

static inline int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
