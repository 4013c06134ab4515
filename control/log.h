/* log — control-plane logging: one rte_log type per module, named
 * "vnetd.<module>" (vnetd.net, vnetd.port, vnetd.api, ...), registered on
 * first use.  Control thread only; the dataplane counts instead of logging.
 *
 * What is logged, and at which level (doc/install.md "Logs"): lifecycle of
 * networks and ports by name (NOTICE), API changes with the client's uid and
 * pid (NOTICE; refused ones INFO), VMM connect/disconnect by port and
 * network (NOTICE), DHCP messages in dnsmasq's words (INFO).  DPDK's own log
 * types (lib.*, pmd.*) are set to WARNING through the EAL arguments unless
 * --log-level debug (opts_eal_args): rte_vhost alone logs hundreds of
 * VHOST_CONFIG lines per VM connection at INFO. */
#ifndef VNETD_LOG_H
#define VNETD_LOG_H

#include <rte_log.h>

/* One rte_log type per module, named "vnetd.<module>", registered on first
 * use (control thread). */
#define VNETD_LOG(mod, lvl, fmt, ...)                                                   \
	do {                                                                            \
		static int vnetd_lt_ = -1;                                               \
		if (vnetd_lt_ < 0)                                                       \
			vnetd_lt_ = rte_log_register_type_and_pick_level("vnetd." mod,   \
									  RTE_LOG_INFO); \
		rte_log(RTE_LOG_##lvl, (uint32_t)vnetd_lt_, "vnetd." mod ": " fmt,       \
			##__VA_ARGS__);                                                  \
	} while (0)

#endif
