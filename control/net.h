/* net — the network registry: libvirt's network lifecycle over the store.
 *
 * Design: each network is a libvirt network definition (control/netxml) plus
 * libvirt's object state: persistent or transient, active or not, autostart,
 * and a pending definition (a define over an active network, applied when
 * the network is next stopped and started, shown by dumpxml --inactive).
 * Every operation validates first, writes the store second (atomic files)
 * and changes memory and the dataplane last, so a failed request changes
 * nothing.  Layout:
 *   <state-dir>/networks/<name>.xml   persistent definition (inactive XML)
 *   <state-dir>/autostart/<name>      autostart marker
 *   <run-dir>/networks/<name>.xml     live definition of an active network
 * At start the daemon reloads all three: the active set survives a daemon
 * restart or kill -9 (run-dir), autostart applies after a reboot.
 * A network owns one dataplane bridge domain for as long as it exists; it
 * forwards only while active.  Ports follow their network by name
 * (control/port.h).
 * Threads: control thread only.  Errors: 0 / negative errno + struct ctl_err.
 */
#ifndef VNETD_NET_H
#define VNETD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ctl.h"

struct net;
struct nx_network;

struct netreg *netreg_create(struct ctl *ctl);
void netreg_free(struct netreg *r);
/* Loads the store; reports and skips bad files; starts what was active or
 * is marked autostart.  Returns the number of networks loaded. */
int netreg_load(struct netreg *r);

struct net *netreg_find(struct netreg *r, const char *name_or_uuid);
struct net *netreg_find_name(struct netreg *r, const char *name);
size_t netreg_count(const struct netreg *r);
struct net *netreg_at(struct netreg *r, size_t i); /* sorted by name */

int netreg_define(struct netreg *r, const char *xml, size_t len, struct net **out,
		  struct ctl_err *e);
int netreg_create_transient(struct netreg *r, const char *xml, size_t len,
			    struct net **out, struct ctl_err *e);
int net_start(struct netreg *r, struct net *n, struct ctl_err *e);
/* *gone: the (transient) network no longer exists; n is freed. */
int net_destroy(struct netreg *r, struct net *n, bool *gone, struct ctl_err *e);
int net_undefine(struct netreg *r, struct net *n, bool *gone, struct ctl_err *e);
int net_set_autostart(struct netreg *r, struct net *n, bool on, struct ctl_err *e);
/* virsh net-update: command/section are nx_update()'s (control/netxml/netxml.h);
 * flags NET_UPD_LIVE and/or NET_UPD_CONFIG, 0 = current (live if active,
 * else config); *applied (may be NULL) gets the flags used.  A live update
 * reconfigures the running DHCP server in place (no restart, ports stay).
 * Both sides are checked before either is stored. */
enum { NET_UPD_LIVE = 1, NET_UPD_CONFIG = 2 };
int net_update(struct netreg *r, struct net *n, int command, int section, int parent,
	       const char *xml, size_t len, unsigned flags, unsigned *applied,
	       struct ctl_err *e);

const char *net_name(const struct net *n);
void net_uuid_str(const struct net *n, char out[37]);
bool net_active(const struct net *n);
bool net_persistent(const struct net *n);
bool net_autostart(const struct net *n);
const char *net_bridge(const struct net *n);
uint16_t net_dp_id(const struct net *n);
const struct nx_network *net_def(const struct net *n);
/* The services of an active network (gateway, DHCP), or NULL. */
struct netsvc *net_svc(const struct net *n);
struct net *netreg_find_dp(struct netreg *r, uint16_t dp_id);
/* Once a second: DHCP lease expiry and saving. */
void netreg_tick(struct netreg *r);
/* XML as net-dumpxml shows it; inactive: the persistent (pending) one. */
char *net_xml(const struct net *n, bool inactive);
/* What the definition asks for that vnetd does not implement yet. */
int net_unsupported(const struct net *n, char *buf, size_t len);

#endif
