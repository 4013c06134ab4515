/* sg_compile — a port's security groups compiled into its dataplane rule
 * set (dataplane/acl.h).
 *
 * Design: the union of the groups' rules, per direction; a rule's remote
 * group becomes one rule per member address (members() gives the prefixes
 * of the ports bound to that group: their DHCP leases, static hosts and
 * allowed address pairs, so the set follows leases as they come and go);
 * remote_ip_prefix becomes the rule's remote prefix.  IPv6 rules only set
 * "IPv6 passes" for an any-protocol, any-remote rule (see acl.h).
 * Pure (no DPDK, no I/O); the control thread recompiles a port when its
 * groups, their rules or a member's addresses change and hands the set to
 * dp_port_set_acl() when it differs from the last one.
 * Memory: the returned set is malloc'd (free(), or the dataplane's).
 * Errors: NULL when out of memory.
 */
#ifndef VNETD_SG_COMPILE_H
#define VNETD_SG_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/acl.h"
#include "policy/sg_db.h"

#define SG_MEMBERS_MAX 4096 /* addresses of a remote group, at most */

struct sg_member {
	uint32_t net, mask; /* network order */
};
typedef size_t (*sg_members_fn)(const char *group_id, struct sg_member *out, size_t max,
				void *ctx);

struct acl_set *sg_compile(const struct sg_db *db, const char (*sgs)[SG_ID_LEN + 1],
			   unsigned n_sgs, sg_members_fn members, void *ctx);
bool acl_set_equal(const struct acl_set *a, const struct acl_set *b);

#endif
