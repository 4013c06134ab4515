#include "control/l3.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

int l3_config(const struct nx_network *def, uint16_t uplink, struct dp_net_l3 *c)
{
	memset(c, 0, sizeof(*c));
	c->uplink = uplink;
	switch (nx_forward_mode(def)) {
	case NX_FWD_NAT: c->mode = DP_FWD_NAT; break;
	case NX_FWD_ROUTE: c->mode = DP_FWD_ROUTE; break;
	case NX_FWD_OPEN: c->mode = DP_FWD_OPEN; break;
	default: c->mode = DP_FWD_ISOLATED; break;
	}
	uint32_t gw;
	int prefix;
	if (nx_ipv4(def, &gw, &prefix) == 0 && prefix >= 0 && prefix <= 32) {
		uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
		c->prefix = htonl(gw & mask);
		c->plen = (uint8_t)prefix;
	} else if (c->mode != DP_FWD_ISOLATED) {
		c->mode = DP_FWD_ISOLATED; /* nothing to route without an IPv4 subnet */
	}
	uint32_t a0 = 0, a1 = 0;
	unsigned p0 = 0, p1 = 0;
	if (c->mode == DP_FWD_NAT && nx_nat_range(def, &a0, &a1, &p0, &p1) == 0) {
		if (a0 && !a1)
			a1 = a0;
		if (p0 && !p1)
			p1 = p0;
		if (a1 < a0 || a1 - a0 >= 16 || p0 > 65535 || p1 > 65535 || p1 < p0 ||
		    (a0 == 0) != (a1 == 0) || (p0 == 0) != (p1 == 0))
			return -EINVAL;
		c->nat_addr_min = a0;
		c->nat_addr_max = a1;
		c->nat_port_min = (uint16_t)p0;
		c->nat_port_max = (uint16_t)p1;
	}
	return 0;
}
