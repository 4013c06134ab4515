/* l3 — a network definition's <forward> as the dataplane's L3 configuration.
 *
 * libvirt's forward modes: no <forward> (or mode='none'): isolated; 'nat'
 * (masquerade to the uplink's address or <nat><address start end>, source
 * ports from <nat><port start end>, default 1024-65535); 'route' (routed,
 * no translation); 'open' (routed, no filtering).  The bridge, private,
 * vepa, passthrough and hostdev modes are not served: isolated (they are
 * listed as unsupported by nx_unsupported).
 * Pure (no DPDK: tested alone); control/netsvc.c hands the result to
 * dp_net_set_l3().
 * Errors: 0 or a negative errno (-EINVAL: a range the dataplane refuses).
 */
#ifndef VNETD_L3_H
#define VNETD_L3_H

#include <stdint.h>

#include "control/netxml.h"
#include "dataplane/dp.h"

int l3_config(const struct nx_network *def, uint16_t uplink, struct dp_net_l3 *c);

#endif
