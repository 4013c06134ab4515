/* libFuzzer target: the frame parser, key builder and the gateway (which
 * rewrites ARP and ICMP requests into replies in place). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/gw.h"
#include "dataplane/pkt.h"
#include "dataplane/portsec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m;
	struct flow_key k;
	struct gw_conf g = { .ip = 0x017aa8c0, .mac = { 0x52, 0x54, 0, 1, 2, 3 } };
	enum gw_drop why;
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (pkt_parse(copy, size, true, &m) == 0) {
		pkt_key(&m, 1, PKT_SHAPE_L3, &k);
		gw_process(copy, size, &m, &g, &why);
	}
	if (pkt_parse(data, size, false, &m) == 0) {
		pkt_key(&m, 1, PKT_SHAPE_L2, &k);
		/* port security past the MAC check: the frame's own MAC allowed,
		 * one address known */
		struct portsec_conf ps = { .enabled = true, .n_macs = 1, .n_ips = 1 };
		memcpy(ps.macs[0], m.smac, 6);
		ps.ips[0] = (struct portsec_ip){ 0, 0x0500000a, 0xffffffffu };
		portsec_check(&ps, data, size, &m);
	}
	free(copy);
	return 0;
}
