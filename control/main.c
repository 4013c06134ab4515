/* vnetd — the daemon: options, EAL, dataplane, vhost, stores, API, and the
 * control thread's event loop (API requests, housekeeping, signals). */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>

#include "control/api.h"
#include "control/policy/api_sg.h"
#include "control/ctl.h"
#include "control/host/uplink.h"
#include "control/log.h"
#include "control/net.h"
#include "control/netsvc.h"
#include "control/opts.h"
#include "control/dns/dns_fwd.h"
#include "control/port.h"
#include "control/nat/portfwd.h"
#include "control/store.h"
#include "dataplane/dp.h"
#include "vhost/vh.h"

#define LOG(lvl, ...) VNETD_LOG("main", lvl, __VA_ARGS__)

/* libvirt's stock network (src/network/default.xml.in). */
static const char default_xml[] =
	"<network>\n"
	"  <name>default</name>\n"
	"  <bridge name='virbr0'/>\n"
	"  <forward/>\n"
	"  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
	"    <dhcp>\n"
	"      <range start='192.168.122.2' end='192.168.122.254'/>\n"
	"    </dhcp>\n"
	"  </ip>\n"
	"</network>\n";

/* First start: define and autostart 'default', as Debian's
 * libvirt-daemon-config-network does at install time. */
static void first_start(struct ctl *c)
{
	struct net *n;
	struct ctl_err e;
	if (store_exists(c->state, ".initialized"))
		return;
	if (netreg_count(c->nets) == 0) {
		if (netreg_define(c->nets, default_xml, strlen(default_xml), &n, &e) < 0 ||
		    net_set_autostart(c->nets, n, true, &e) < 0 || net_start(c->nets, n, &e) < 0)
			LOG(ERR, "cannot set up the default network: %s\n", e.msg);
		else
			LOG(NOTICE, "first start: network 'default' defined, marked autostart and started\n");
	}
	store_touch(c->state, ".initialized");
}

static int mkdir_p(const char *path)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* After rte_eal_cleanup(): remove the DPDK runtime directory our EAL created
 * for its file prefix (/var/run/dpdk/vnetd<pid>, see opts_eal_args), so
 * clean stops leave nothing behind. Only that directory: its basename must
 * be our own prefix, and only the entries EAL itself puts there (config,
 * mp_socket*, fbarray_*, hugepage_info, dpdk_telemetry*) are unlinked. */
static void remove_eal_runtime_dir(const char *dir)
{
	static const char *const eal_files[] = { "config", "mp_socket", "fbarray_",
						 "hugepage_info", "dpdk_telemetry" };
	char prefix[32];
	const char *base = strrchr(dir, '/');
	snprintf(prefix, sizeof(prefix), "vnetd%d", (int)getpid());
	if (!base || strcmp(base + 1, prefix) != 0)
		return;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			for (size_t i = 0; i < sizeof(eal_files) / sizeof(eal_files[0]); i++)
				if (!strncmp(e->d_name, eal_files[i], strlen(eal_files[i]))) {
					unlinkat(dirfd(d), e->d_name, 0);
					break;
				}
		closedir(d);
	}
	if (rmdir(dir) != 0 && errno != ENOENT)
		fprintf(stderr, "vnetd: cannot remove %s: %s\n", dir, strerror(errno));
}

int main(int argc, char **argv)
{
	struct vnetd_opts o;
	char err[256];
	int gid = -1;

	if (opts_parse(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "vnetd: %s\nTry 'vnetd --help' for more information.\n", err);
		return 2;
	}
	if (o.help) {
		opts_usage(stdout);
		return 0;
	}
	if (o.man) {
		opts_man(stdout);
		return 0;
	}
	if (o.version) {
		printf("vnetd %s\n", VNETD_VERSION);
		return 0;
	}
	if (o.socket_group[0]) {
		struct group *g = getgrnam(o.socket_group);
		if (!g) {
			fprintf(stderr, "vnetd: unknown group '%s'\n", o.socket_group);
			return 2;
		}
		gid = (int)g->gr_gid;
	}
	if (mkdir_p(o.run_dir) < 0 || mkdir_p(o.state_dir) < 0 || mkdir_p(o.socket_dir) < 0) {
		fprintf(stderr, "vnetd: cannot create %s or %s: %s\n", o.run_dir, o.state_dir,
			strerror(errno));
		return 1;
	}

	/* Block the signals the event loop reads from a signalfd before any
	 * thread exists (EAL, workers, vhost): threads inherit the mask, so no
	 * thread can take SIGTERM's default action and kill the process. */
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);

	char *eal_argv[64], eal_buf[2048];
	int eal_argc = opts_eal_args(&o, eal_argv, 64, eal_buf, sizeof(eal_buf));
	if (eal_argc < 0 || rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "vnetd: cannot initialise DPDK's EAL (see the messages above)\n");
		return 1;
	}

	struct ctl c = { .run_dir = o.run_dir, .socket_dir = o.socket_dir, .api_socket = o.socket,
			.api_socket_ro = o.socket_ro };
	struct api *api = NULL;
	int rc = 1, ep = -1, sfd = -1, tfd = -1;

	c.uplink = o.uplink;
	c.host_port = o.host_port;
	c.dp = dp_create(&o.dp);
	c.state = store_open(o.state_dir);
	c.run = store_open(o.run_dir);
	if (!c.dp || !c.state || !c.run) {
		fprintf(stderr, "vnetd: cannot create the dataplane or open the state directories\n");
		goto out;
	}
	vh_init(c.dp, gid);
	c.ports = portreg_create(&c);
	c.nets = netreg_create(&c);
	c.pf = portfwd_create(&c);
	c.sgs = sgreg_create(&c);
	if (!c.ports || !c.nets || !c.pf || !c.sgs || dp_start(c.dp) < 0)
		goto out;
	sgreg_load(c.sgs); /* before the ports, which name groups */
	portreg_load(c.ports);
	netreg_load(c.nets);
	portfwd_load(c.pf);
	/* What the stores brought up (autostart, or running at the last stop),
	 * with what vnetd does not serve of each, as net-start reports it. */
	for (size_t i = 0; i < netreg_count(c.nets); i++) {
		struct net *n = netreg_at(c.nets, i);
		char uns[512] = "";
		if (!net_active(n))
			continue;
		net_unsupported(n, uns, sizeof(uns));
		if (uns[0])
			LOG(WARNING, "network '%s' started at daemon start%s; not implemented by vnetd yet: %s\n",
			    net_name(n), net_autostart(n) ? " (autostart)" : "", uns);
		else
			LOG(NOTICE, "network '%s' started at daemon start%s\n", net_name(n),
			    net_autostart(n) ? " (autostart)" : "");
	}
	if (o.default_network)
		first_start(&c);

	api = api_create(&c, o.socket, o.socket_ro, gid);
	if (!api) {
		fprintf(stderr, "vnetd: cannot serve the API on %s and %s\n", o.socket, o.socket_ro);
		goto out;
	}

	sfd = signalfd(-1, &ss, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	timerfd_settime(tfd, 0, &its, NULL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = api_fd(api);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = dp_punt_fd(c.dp);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = dns_loop_fd(); /* the DNS forwarders' upstream sockets */
	if (ev.data.fd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);

	LOG(NOTICE, "vnetd %s ready: API on %s (read-only: %s), %u worker(s), state in %s\n",
	    VNETD_VERSION, o.socket, o.socket_ro, o.dp.n_workers, o.state_dir);
	printf("vnetd ready: API on %s\n", o.socket);
	fflush(stdout);

	for (bool run = true; run;) {
		struct epoll_event evs[8];
		int timeout = api_timeout_ms(api), pt = dp_punt_timeout_ms(c.dp);
		if (pt >= 0 && (timeout < 0 || pt < timeout))
			timeout = pt;
		int n = epoll_wait(ep, evs, 8, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGHUP)
					run = false;
			} else if (evs[i].data.fd == dns_loop_fd()) {
				dns_loop_run(); /* upstream DNS answers, timeouts */
			} else if (evs[i].data.fd == tfd) {
				uint64_t ticks;
				if (read(tfd, &ticks, sizeof(ticks)) > 0) {
					portfwd_tick(c.pf); /* after a network changed */
					dp_housekeeping(c.dp);
					netreg_tick(c.nets);
					portreg_tick(c.ports);
					uplink_tick(&c); /* neighbours, address */
					portreg_portsec_refresh(c.ports);
				}
			} else if (evs[i].data.fd == dp_punt_fd(c.dp)) {
				netsvc_process_punted(&c);
				portreg_portsec_after_dhcp(c.ports); /* a lease may have bound */
			}
		}
		if (dp_punt_timeout_ms(c.dp) == 0) { /* punt work left from a flood */
			netsvc_process_punted(&c);
			portreg_portsec_after_dhcp(c.ports);
		}
		dp_neigh_resolve(c.dp); /* guests the workers could not reach: ARP */
		api_run(api);
		/* the configuration changes of this iteration: one publication */
		dp_flush(c.dp);
	}
	LOG(NOTICE, "vnetd stopping\n");
	rc = 0;
out:
	api_free(api);
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	/* Ports first (closes sockets, detaches devices), then networks. */
	portreg_free(c.ports);
	vh_wait_removals(); /* the sockets' reaper threads */
	netreg_free(c.nets);
	free(c.uplinks); /* emptied by the networks' stops */
	sgreg_free(c.sgs);
	if (c.dp)
		dp_stop(c.dp);
	dp_free(c.dp);
	portfwd_free(c.pf); /* after the networks, whose stops read it */
	store_close(c.state);
	store_close(c.run);
	char eal_dir[256];
	snprintf(eal_dir, sizeof(eal_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_eal_runtime_dir(eal_dir);
	return rc;
}
