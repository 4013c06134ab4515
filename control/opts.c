#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/opts.h"

void opts_usage(FILE *f)
{
	fputs("Usage: vnetd [OPTIONS]\n"
	      "\n"
	      "Userspace virtual network daemon: serves libvirt-style networks to VMs\n"
	      "over vhost-user sockets.  Manage it with vnetctl.\n"
	      "\n"
	      "  --state-dir DIR       persistent state (default /var/lib/vnetd)\n"
	      "  --run-dir DIR         sockets and runtime state (default /run/vnetd)\n"
	      "  --socket PATH         API socket (default RUN-DIR/vnetd.sock)\n"
	      "  --socket-dir DIR      server-mode port sockets live in DIR/<dir>/<file>.sock\n"
	      "                        (default RUN-DIR)\n"
	      "  --socket-group GROUP  group owning the API and port sockets (mode 0660)\n"
	      "  --cpus LIST           CPUs: control thread, then one per worker\n"
	      "                        (default: 0,1 on a machine with two CPUs or more, else 0,0)\n"
	      "  --memory MB           packet memory (default 512)\n"
	      "  --hugepages           use hugepages instead of anonymous memory\n"
	      "  --mbufs N             packet buffers (default 16384)\n"
	      "  --flow-entries N      flow table entries per worker (default 65536)\n"
	      "  --fdb-entries N       MAC table entries per network (default 8192)\n"
	      "  --ageing-time SECS    MAC ageing time (default 300)\n"
	      "  --flow-idle SECS      idle flow expiry (default 10)\n"
	      "  --idle-us USECS       empty polling before a worker sleeps; 0 polls forever\n"
	      "                        (default 1000)\n"
	      "  --punt-rate N         DHCP frames per second and port handed to the DHCP\n"
	      "                        server; more are dropped and counted (default 2000)\n"
	      "  --mac-limit N         MACs one port may have learned; frames from more new\n"
	      "                        source MACs are dropped and counted; 0: no limit\n"
	      "                        (default 1024)\n"
	      "  --no-default-network  do not define libvirt's 'default' network on first start\n"
	      "  --log-level LEVEL     emerg|alert|crit|err|warning|notice|info|debug (default info)\n"
	      "  -h, --help            this text\n"
	      "  -V, --version         print the version\n",
	      f);
}

static int num(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int copy(char *dst, size_t cap, const char *src)
{
	if (!src[0] || strlen(src) >= cap)
		return -EINVAL;
	snprintf(dst, cap, "%s", src);
	return 0;
}

int opts_parse(int argc, char **argv, struct vnetd_opts *o, char *err, size_t errlen)
{
	enum { O_STATE = 256, O_RUN, O_SOCK, O_GROUP, O_CPUS, O_MEM, O_HUGE, O_MBUFS, O_FLOWS,
	       O_FDB, O_AGE, O_FIDLE, O_IDLE, O_NODEF, O_LOG, O_PUNT, O_SOCKDIR,
	       O_MACLIM };
	static const struct option lo[] = {
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "run-dir", required_argument, NULL, O_RUN },
		{ "socket", required_argument, NULL, O_SOCK },
		{ "socket-group", required_argument, NULL, O_GROUP },
		{ "socket-dir", required_argument, NULL, O_SOCKDIR },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "memory", required_argument, NULL, O_MEM },
		{ "hugepages", no_argument, NULL, O_HUGE },
		{ "mbufs", required_argument, NULL, O_MBUFS },
		{ "flow-entries", required_argument, NULL, O_FLOWS },
		{ "fdb-entries", required_argument, NULL, O_FDB },
		{ "ageing-time", required_argument, NULL, O_AGE },
		{ "flow-idle", required_argument, NULL, O_FIDLE },
		{ "idle-us", required_argument, NULL, O_IDLE },
		{ "no-default-network", no_argument, NULL, O_NODEF },
		{ "punt-rate", required_argument, NULL, O_PUNT },
		{ "mac-limit", required_argument, NULL, O_MACLIM },
		{ "log-level", required_argument, NULL, O_LOG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	snprintf(o->state_dir, sizeof(o->state_dir), "/var/lib/vnetd");
	snprintf(o->run_dir, sizeof(o->run_dir), "/run/vnetd");
	snprintf(o->log_level, sizeof(o->log_level), "info");
	o->n_cpus = 2;
	o->cpus[0] = 0;
	o->cpus[1] = ncpu >= 2 ? 1 : 0;
	o->memory_mb = 512;
	o->default_network = true;
	o->dp.mbufs = 16384;
	o->dp.flow_entries = 65536;
	o->dp.fdb_entries = 8192;
	o->dp.ageing_secs = 300;
	o->dp.flow_idle_secs = 10;
	o->dp.idle_us = 1000;
	o->dp.punt_rate = 2000;
	o->dp.mac_limit = 1024;

	optind = 1;
	opterr = 0;
	int c, rc = 0;
	while ((c = getopt_long(argc, argv, ":hV", lo, NULL)) != -1) {
		const char *what = NULL;
		switch (c) {
		case O_STATE: rc = copy(o->state_dir, sizeof(o->state_dir), optarg); what = "--state-dir"; break;
		case O_RUN: rc = copy(o->run_dir, sizeof(o->run_dir), optarg); what = "--run-dir"; break;
		case O_SOCK: rc = copy(o->socket, sizeof(o->socket), optarg); what = "--socket"; break;
		case O_SOCKDIR:
			rc = optarg[0] == '/' ? copy(o->socket_dir, sizeof(o->socket_dir), optarg) : -EINVAL;
			what = "--socket-dir";
			break;
		case O_GROUP: rc = copy(o->socket_group, sizeof(o->socket_group), optarg); what = "--socket-group"; break;
		case O_CPUS: {
			char buf[256], *save = NULL;
			what = "--cpus";
			o->n_cpus = 0;
			if (copy(buf, sizeof(buf), optarg) < 0) {
				rc = -EINVAL;
				break;
			}
			for (char *t = strtok_r(buf, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
				if (o->n_cpus == 1 + DP_MAX_WORKERS ||
				    num(t, 0, (unsigned long)(ncpu > 0 ? ncpu - 1 : 0), &o->cpus[o->n_cpus++]) < 0)
					rc = -EINVAL;
			}
			if (o->n_cpus < 2)
				rc = -EINVAL;
			break;
		}
		case O_MEM: rc = num(optarg, 64, 1u << 20, &o->memory_mb); what = "--memory"; break;
		case O_HUGE: o->hugepages = true; break;
		case O_MBUFS: rc = num(optarg, 1024, 1u << 24, &o->dp.mbufs); what = "--mbufs"; break;
		case O_FLOWS: rc = num(optarg, 64, 1u << 25, &o->dp.flow_entries); what = "--flow-entries"; break;
		case O_FDB: rc = num(optarg, 16, 1u << 24, &o->dp.fdb_entries); what = "--fdb-entries"; break;
		case O_AGE: rc = num(optarg, 1, 1000000, &o->dp.ageing_secs); what = "--ageing-time"; break;
		case O_FIDLE: rc = num(optarg, 1, 1000000, &o->dp.flow_idle_secs); what = "--flow-idle"; break;
		case O_IDLE: rc = num(optarg, 0, 10000000, &o->dp.idle_us); what = "--idle-us"; break;
		case O_NODEF: o->default_network = false; break;
		case O_PUNT: rc = num(optarg, 1, 10000000, &o->dp.punt_rate); what = "--punt-rate"; break;
		case O_MACLIM: rc = num(optarg, 0, 1u << 24, &o->dp.mac_limit); what = "--mac-limit"; break;
		case O_LOG: {
			static const char *const lv[] = { "emerg", "alert", "crit", "err", "warning",
							  "notice", "info", "debug", NULL };
			what = "--log-level";
			rc = -EINVAL;
			for (int i = 0; lv[i]; i++)
				if (!strcmp(optarg, lv[i]))
					rc = copy(o->log_level, sizeof(o->log_level), optarg);
			break;
		}
		case 'h': o->help = true; break;
		case 'V': o->version = true; break;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
		if (rc < 0) {
			snprintf(err, errlen, "invalid value '%s' for %s", optarg, what);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->socket[0] &&
	    snprintf(o->socket, sizeof(o->socket), "%s/vnetd.sock", o->run_dir) >= 108) {
		snprintf(err, errlen, "--run-dir too long for the API socket path");
		return -EINVAL;
	}
	if (!o->socket_dir[0])
		snprintf(o->socket_dir, sizeof(o->socket_dir), "%s", o->run_dir);
	/* One spelling, so port paths compare as strings: no trailing '/'. */
	for (size_t l = strlen(o->socket_dir); l > 1 && o->socket_dir[l - 1] == '/'; l--)
		o->socket_dir[l - 1] = 0;
	o->dp.n_workers = o->n_cpus - 1;
	for (unsigned i = 0; i < o->dp.n_workers; i++)
		o->dp.worker_lcores[i] = i + 1;
	return 0;
}

int opts_eal_args(const struct vnetd_opts *o, char **argv, size_t max, char *buf, size_t buflen)
{
	size_t used = 0;
	int argc = 0;
#define ARG(...)                                                                          \
	do {                                                                              \
		int n_ = snprintf(buf + used, buflen - used, __VA_ARGS__);                \
		if (n_ < 0 || used + (size_t)n_ + 1 > buflen || (size_t)argc + 1 >= max)  \
			return -ENOSPC;                                                   \
		argv[argc++] = buf + used;                                                \
		used += (size_t)n_ + 1;                                                   \
	} while (0)
	ARG("vnetd");
	char lc[256];
	size_t l = 0;
	for (unsigned i = 0; i < o->n_cpus; i++)
		l += (size_t)snprintf(lc + l, sizeof(lc) - l, "%s%u@%u", i ? "," : "", i, o->cpus[i]);
	ARG("--lcores");
	ARG("%s", lc);
	ARG("--main-lcore");
	ARG("0");
	if (!o->hugepages) {
		ARG("--no-huge");
		ARG("-m");
		ARG("%u", o->memory_mb);
	} else {
		ARG("--socket-mem");
		ARG("%u", o->memory_mb);
	}
	ARG("--no-shconf");
	ARG("--no-pci");
	ARG("--file-prefix");
	ARG("vnetd%d", (int)getpid());
	static const char *const lv[] = { "emerg", "alert", "crit", "err", "warning",
					  "notice", "info", "debug" };
	unsigned level = 7;
	for (unsigned i = 0; i < 8; i++)
		if (!strcmp(o->log_level, lv[i]))
			level = i + 1;
	ARG("--log-level");
	ARG("%u", level);
	argv[argc] = NULL;
	return argc;
#undef ARG
}
