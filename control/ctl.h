/* ctl — the control daemon's shared context and error convention.
 *
 * Design: one control thread owns all of this (networks, ports, stores);
 * the API server calls handlers on that thread, so no locks are needed here.
 * Functions return 0 or a negative errno; when they fail for a reason a user
 * must read, they also fill a struct ctl_err with the HTTP status, a stable
 * error code and libvirt's message text (what virsh prints after "error: ").
 */
#ifndef VNETD_CTL_H
#define VNETD_CTL_H

#include <stdarg.h>
#include <stdbool.h>

struct dp;
struct store;
struct netreg;
struct portreg;
struct portfwd;
struct sgreg;

struct ctl {
	struct dp *dp;
	struct store *state;   /* persistent: networks, autostart, ports */
	struct store *run;     /* runtime: active networks (cleared by reboot) */
	struct portfwd *pf;    /* port forwarding rules (control/nat/portfwd.h) */
	const char *run_dir;
	const char *socket_dir; /* server-mode port sockets (--socket-dir) */
	const char *api_socket; /* never a port's socket */
	const char *api_socket_ro; /* the read-only one: never a port's socket either */
	struct netreg *nets;
	struct portreg *ports;
	/* --uplink ("auto", "none", a name), --host-port, the open uplinks */
	const char *uplink;
	bool host_port;
	struct ulreg *uplinks;
	struct sgreg *sgs;     /* security groups (control/policy/api_sg.c) */
};

struct ctl_err {
	int status;        /* HTTP status */
	const char *code;  /* "no-network", "operation-invalid", ... */
	char msg[1024];
};

/* Fills e (if not NULL) and returns -errnum. */
int ctl_fail(struct ctl_err *e, int errnum, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Names of networks and ports become file names: 1-64 (ports) characters
 * without '/', not starting with '.', no control characters. */
bool ctl_valid_port_name(const char *s);

#endif
