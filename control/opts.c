#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/opts.h"

/* The one table of vnetd's options: getopt_long's table, --help and the
 * manual page (--man, built into vnetd.8 by meson) are all made from it, so
 * they cannot drift apart.  help: lines separated by '\n'. */
enum { O_CTSESS = 340, O_CTPORT, O_CTTCP, O_CTUDP }; /* connection tracking */
enum { O_STATE = 256, O_RUN, O_SOCK, O_GROUP, O_CPUS, O_MEM, O_HUGE, O_MBUFS, O_FLOWS,
       O_FDB, O_AGE, O_FIDLE, O_IDLE, O_NODEF, O_LOG, O_PUNT, O_SOCKDIR,
       O_MACLIM, O_SOCKRO, O_MAN };
enum { O_UPLINK = 320, O_HOSTPORT }; /* hd */
static const struct opt_def {
	const char *name;
	int val;         /* getopt value; a letter for the short form too */
	const char *arg; /* metavar; NULL: no argument */
	const char *help;
} opt_defs[] = {
	{ "state-dir", O_STATE, "DIR", "persistent state (default /var/lib/vnetd)" },
	{ "run-dir", O_RUN, "DIR", "sockets and runtime state (default /run/vnetd)" },
	{ "socket", O_SOCK, "PATH", "API socket (default RUN-DIR/vnetd.sock)" },
	{ "socket-ro", O_SOCKRO, "PATH",
	  "read-only API socket, mode 0666: GET requests only\n(default RUN-DIR/vnetd-ro.sock)" },
	{ "socket-dir", O_SOCKDIR, "DIR",
	  "server-mode port sockets live in DIR/<dir>/<file>.sock\n(default RUN-DIR)" },
	{ "socket-group", O_GROUP, "GROUP",
	  "group owning the API and port sockets (mode 0660);\nwithout it they stay root's" },
	{ "cpus", O_CPUS, "LIST",
	  "CPUs: control thread, then one per worker\n(default: 0,1 on a machine with two CPUs or more, else 0,0)" },
	{ "memory", O_MEM, "MB", "packet memory (default 512)" },
	{ "hugepages", O_HUGE, NULL, "use hugepages instead of anonymous memory" },
	{ "mbufs", O_MBUFS, "N", "packet buffers (default 16384)" },
	{ "flow-entries", O_FLOWS, "N", "flow table entries per worker (default 65536)" },
	{ "fdb-entries", O_FDB, "N", "MAC table entries per network (default 8192)" },
	{ "ageing-time", O_AGE, "SECS", "MAC ageing time (default 300)" },
	{ "flow-idle", O_FIDLE, "SECS", "idle flow expiry (default 10)" },
	{ "idle-us", O_IDLE, "USECS",
	  "empty polling before a worker sleeps; 0 polls forever\n(default 1000)" },
	{ "punt-rate", O_PUNT, "N",
	  "DHCP frames per second and port handed to the DHCP\nserver; more are dropped and counted (default 2000)" },
	{ "mac-limit", O_MACLIM, "N",
	  "MACs one port may have learned; frames from more new\nsource MACs are dropped and counted; 0: no limit\n(default 1024)" },
	{ "ct-sessions", O_CTSESS, "N",
	  "connections tracked (routed, NATed), shared by the workers\n(each allocates from its share); more new connections are\ndropped and counted: ct_full (default 65536; 128 bytes each)" },
	{ "ct-port-limit", O_CTPORT, "N",
	  "connections one port may have open; more are dropped and\ncounted: ct_port_limit (default 65536)" },
	{ "ct-tcp-established", O_CTTCP, "SECS",
	  "idle timeout of an established TCP connection\n(default 432000, 5 days; RFC 5382 asks at least 7440)" },
	{ "ct-udp-timeout", O_CTUDP, "SECS",
	  "idle timeout of a UDP flow not yet answered; answered\n(assured): 6 times as long (default 30, so 180)" },
	{ "no-default-network", O_NODEF, NULL,
	  "do not define libvirt's 'default' network on first start" },
	{ "log-level", O_LOG, "LEVEL",
	  "emerg|alert|crit|err|warning|notice|info|debug (default info);\nDPDK's own messages show at warning and above unless debug" },
	{ "uplink", O_UPLINK, "auto|none|IFNAME",
	  "the interface NAT/route/open networks reach the world\nby: auto: the network's <forward dev>, else the interface\nof the host's default route; none: no uplink (such\nnetworks start isolated, with a warning) (default auto)" },
	{ "host-port", O_HOSTPORT, "yes|no",
	  "create the TAP named by a network's <bridge name> with\nits <mac> and <ip>, like virbr0 (default yes)" },
	{ "man", O_MAN, NULL, "print this manual page (roff) and exit" },
	{ "help", 'h', NULL, "this text" },
	{ "version", 'V', NULL, "print the version" },
};
#define N_OPT_DEFS (sizeof(opt_defs) / sizeof(opt_defs[0]))

void opts_usage(FILE *f)
{
	fputs("Usage: vnetd [OPTIONS]\n"
	      "\n"
	      "Userspace virtual network daemon: serves libvirt-style networks to VMs\n"
	      "over vhost-user sockets.  Manage it with vnetctl.\n"
	      "\n",
	      f);
	for (size_t i = 0; i < N_OPT_DEFS; i++) {
		const struct opt_def *d = &opt_defs[i];
		char head[64];
		if (d->val < 256)
			snprintf(head, sizeof(head), "-%c, --%s", d->val, d->name);
		else
			snprintf(head, sizeof(head), "    --%s%s%s", d->name, d->arg ? " " : "",
				 d->arg ? d->arg : "");
		/* the table's help lines, the first beside the option */
		const char *h = d->help;
		for (bool first = true; *h; first = false) {
			size_t l = strcspn(h, "\n");
			fprintf(f, "  %-22s %.*s\n", first ? head : "", (int)l, h);
			h += l;
			if (*h)
				h++;
		}
	}
}

/* roff text: backslashes and leading dots/quotes escaped. */
static void roff_text(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else if ((s[i] == '.' || s[i] == '\'') && (i == 0 || s[i - 1] == '\n'))
			fprintf(f, "\\&%c", s[i]);
		else
			fputc(s[i], f);
	}
}

void opts_man(FILE *f)
{
	fprintf(f, ".TH VNETD 8 \"\" \"vnetd %s\" \"System Administration\"\n"
		".SH NAME\nvnetd \\- userspace virtual network daemon for KVM hosts\n"
		".SH SYNOPSIS\n.B vnetd\n[\\fIOPTIONS\\fR]\n"
		".SH DESCRIPTION\n"
		"vnetd serves libvirt-style networks (bridged L2 segments with DHCP,\n"
		"a gateway and NAT) to virtual machines over vhost-user sockets, on a DPDK\n"
		"dataplane.  It is managed over a JSON API on a unix socket, by\n"
		".BR vnetctl (1)\n"
		"or any HTTP client.\n"
		".SH OPTIONS\n", VNETD_VERSION);
	for (size_t i = 0; i < N_OPT_DEFS; i++) {
		const struct opt_def *d = &opt_defs[i];
		fputs(".TP\n", f);
		if (d->val < 256)
			fprintf(f, "\\fB\\-%c\\fR, ", d->val);
		fputs("\\fB\\-\\-", f);
		roff_text(f, d->name + 0, strlen(d->name));
		fputs("\\fR", f);
		if (d->arg)
			fprintf(f, " \\fI%s\\fR", d->arg);
		fputc('\n', f);
		for (const char *h = d->help; *h;) {
			size_t l = strcspn(h, "\n");
			roff_text(f, h, l);
			fputc('\n', f);
			h += l;
			if (*h)
				h++;
		}
	}
	fputs(".SH FILES\n"
	      ".TP\n.I /run/vnetd/vnetd.sock\nthe API socket (read-write; root, or the \\-\\-socket\\-group)\n"
	      ".TP\n.I /run/vnetd/vnetd\\-ro.sock\nthe read-only API socket (GET requests, anyone)\n"
	      ".TP\n.I /var/lib/vnetd\nnetworks, ports, leases\n"
	      ".SH SIGNALS\nSIGTERM and SIGINT stop vnetd cleanly; SIGHUP is ignored.\n"
	      ".SH SEE ALSO\n.BR vnetctl (1),\n.BR virsh (1)\n", f);
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
	struct option lo[N_OPT_DEFS + 1];
	for (size_t i = 0; i < N_OPT_DEFS; i++)
		lo[i] = (struct option){ opt_defs[i].name,
					 opt_defs[i].arg ? required_argument : no_argument, NULL,
					 opt_defs[i].val };
	lo[N_OPT_DEFS] = (struct option){ NULL, 0, NULL, 0 };
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
	o->dp.ct_sessions = 65536;
	o->dp.ct_port_limit = 65536;
	o->dp.ct_tcp_established = 432000;
	o->dp.ct_udp_timeout = 30;
	o->dp.ageing_secs = 300;
	o->dp.flow_idle_secs = 10;
	o->dp.idle_us = 1000;
	o->dp.punt_rate = 2000;
	o->dp.mac_limit = 1024;
	snprintf(o->uplink, sizeof(o->uplink), "auto");
	o->host_port = true;

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
		case O_CTSESS: rc = num(optarg, 64, 1u << 24, &o->dp.ct_sessions); what = "--ct-sessions"; break;
		case O_CTPORT: rc = num(optarg, 1, 1u << 24, &o->dp.ct_port_limit); what = "--ct-port-limit"; break;
		case O_CTTCP: rc = num(optarg, 1, 100000000, &o->dp.ct_tcp_established); what = "--ct-tcp-established"; break;
		case O_CTUDP: rc = num(optarg, 1, 1000000, &o->dp.ct_udp_timeout); what = "--ct-udp-timeout"; break;
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
		case O_SOCKRO: rc = copy(o->socket_ro, sizeof(o->socket_ro), optarg); what = "--socket-ro"; break;
		case O_UPLINK:
			rc = optarg[0] && strlen(optarg) < 16 && !strchr(optarg, '/')
				     ? copy(o->uplink, sizeof(o->uplink), optarg) : -EINVAL;
			what = "--uplink";
			break;
		case O_HOSTPORT:
			rc = !strcmp(optarg, "yes") || !strcmp(optarg, "no") ? 0 : -EINVAL;
			o->host_port = !strcmp(optarg, "yes");
			what = "--host-port";
			break;
		case O_MAN: o->man = true; break;
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
	if (!o->socket_ro[0] &&
	    snprintf(o->socket_ro, sizeof(o->socket_ro), "%s/vnetd-ro.sock", o->run_dir) >= 108) {
		snprintf(err, errlen, "--run-dir too long for the read-only API socket path");
		return -EINVAL;
	}
	if (!strcmp(o->socket_ro, o->socket)) {
		snprintf(err, errlen, "--socket and --socket-ro must differ");
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
	/* DPDK's libraries and drivers (VHOST_CONFIG's per-message chatter,
	 * EAL's start-up lines) only from warning up, unless debug is asked */
	if (level < 8) {
		ARG("--log-level");
		ARG("lib.*:%u", level < 5 ? level : 5);
		ARG("--log-level");
		ARG("pmd.*:%u", level < 5 ? level : 5);
		/* EAL's own type is a static one the pattern above misses */
		ARG("--log-level");
		ARG("lib.eal:%u", level < 5 ? level : 5);
	}
	argv[argc] = NULL;
	return argc;
#undef ARG
}
