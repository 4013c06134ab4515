/* portfwd — port forwarding rules: a protocol/port of the uplink address
 * forwarded to guest-ip:port of a NAT network (virt-manager#125).
 *
 * Design: the control thread owns the rule list.  Each rule is persisted as
 * <state-dir>/port-forwards/<id>.json (written atomically by control/store.c,
 * removed on delete), so the rules survive a restart and kill -9; a file
 * that is malformed, names a bad rule or duplicates another rule is logged
 * and skipped at load, never fatal.  Rules are validated completely before
 * anything is written: the network exists, has an IPv4 <ip> and
 * <forward mode='nat'>, the internal address is a host address of its
 * subnet (not the gateway), ports 1-65535, no two rules share protocol,
 * external port and (overlapping) external address.
 * The dataplane gets the whole table (dp_portfwd_replace) for the rules
 * whose network is active and in NAT mode: at every add/delete and, from
 * portfwd_tick() once a second, whenever that set changed (a network
 * started, stopped or was redefined), so no network code has to call here.
 * Rule ids are small integers, never reused while vnetd runs (a deleted
 * rule's id may come back after a restart only if it was the highest).
 * Memory: rules are malloc'd, freed at delete and in portfwd_free().
 * Threads: control thread only.  Errors: 0 / negative errno + struct ctl_err.
 */
#ifndef VNETD_PORTFWD_H
#define VNETD_PORTFWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ctl.h"

#define PORTFWD_MAX 4096
#define PORTFWD_DESC_MAX 256

struct portfwd;

struct portfwd_rule {
	unsigned id;
	char network[256];
	uint8_t proto;          /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t ext_ip;        /* host order; 0: the uplink's address */
	uint16_t ext_port;
	uint32_t int_ip;        /* host order */
	uint16_t int_port;
	char desc[PORTFWD_DESC_MAX + 1];
};

struct portfwd *portfwd_create(struct ctl *ctl);
void portfwd_free(struct portfwd *pf);
/* Reads <state-dir>/port-forwards (bad files logged and skipped); returns
 * the number of rules loaded.  Networks must be loaded first. */
int portfwd_load(struct portfwd *pf);

/* Validates r (id ignored), stores it and pushes the table; *out (may be
 * NULL) gets the stored rule with its id. */
int portfwd_add(struct portfwd *pf, const struct portfwd_rule *r,
		const struct portfwd_rule **out, struct ctl_err *e);
int portfwd_remove(struct portfwd *pf, unsigned id, struct portfwd_rule *removed,
		   struct ctl_err *e);
size_t portfwd_count(const struct portfwd *pf);
const struct portfwd_rule *portfwd_at(const struct portfwd *pf, size_t i); /* by id */
/* Is the rule in the dataplane now (network active, NAT)? */
bool portfwd_active(const struct portfwd *pf, const struct portfwd_rule *r);
/* Once a second: pushes the table if the set of active rules changed. */
void portfwd_tick(struct portfwd *pf);

const char *portfwd_proto_name(uint8_t proto); /* "tcp", "udp" */

/* For the uplink's steering (control/host/uplink.c): what the XDP
 * program must redirect to vnetd for the active rules of dp network net
 * (-1: every network).  Copies up to max entries, returns how many there
 * are.  The generation changes whenever the active set does (compare it
 * each second, re-read and diff against what was steered).  Both may be
 * called until after the networks are freed (the registry goes last) and
 * with pf NULL (none: 0). */
struct portfwd_ext {
	uint8_t proto;     /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t ip;       /* network order; 0: the uplink's address */
	uint16_t port;     /* network order */
};
size_t portfwd_external(const struct portfwd *pf, int net, struct portfwd_ext *v, size_t max);
unsigned portfwd_generation(const struct portfwd *pf);

#endif
