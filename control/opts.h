/* opts — vnetd's command line.
 *
 * Design: vnetd has options of its own and builds the EAL arguments itself
 * (no hugepages unless --hugepages, memory from --memory, one lcore per CPU
 * in --cpus), so users never pass raw EAL arguments.  opts_parse() is pure:
 * it fills struct vnetd_opts or returns -EINVAL with a message for the user.
 */
#ifndef VNETD_OPTS_H
#define VNETD_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane/dp.h"

struct vnetd_opts {
	char state_dir[256];
	char run_dir[256];
	char socket[256];
	char socket_ro[256]; /* read-only API socket */
	char socket_dir[256]; /* server-mode port sockets; default run_dir */
	char socket_group[64];
	unsigned cpus[1 + DP_MAX_WORKERS]; /* control CPU, then one per worker */
	unsigned n_cpus;
	unsigned memory_mb;
	bool hugepages;
	bool default_network;
	bool help, version, man;
	char log_level[16];
	char uplink[16];    /* "auto", "none" or an interface name */
	bool host_port;     /* create networks' TAPs */
	struct dp_params dp;
};

/* Returns 0, or -EINVAL with a message in err. */
int opts_parse(int argc, char **argv, struct vnetd_opts *o, char *err, size_t errlen);
void opts_usage(FILE *f);
/* The manual page vnetd.8 (roff), from the same table as opts_usage. */
void opts_man(FILE *f);
/* EAL argv for o; strings live in buf.  Returns argc. */
int opts_eal_args(const struct vnetd_opts *o, char **argv, size_t max, char *buf, size_t buflen);

#endif
