/* sg_db — the set of security groups, and the checks that need all of them.
 *
 * Design: an array of groups (each owning its rules), sorted by name then
 * id.  The control thread changes it in three steps so that a failed store
 * write changes nothing: sg_db_check_*() (Neutron's conflicts: duplicate
 * rule 409, unknown group 404, the default group cannot be renamed or
 * deleted), build the new group in a copy and store it, then sg_db_put()
 * (a deep copy replaces the group of the same id) or sg_db_remove().
 * Deleting a group also deletes the rules of other groups that name it as
 * remote_group_id (Neutron's foreign key cascades): sg_db_referrers() lists
 * them.  Neutron's default group: "default", description "Default security
 * group", egress IPv4/IPv6 to anywhere, ingress IPv4/IPv6 from its own
 * members; a new group gets the two egress rules.
 * Threads: control thread only (or a test).  Errors: 0 / negative errno +
 * struct sg_err.
 */
#ifndef VNETD_SG_DB_H
#define VNETD_SG_DB_H

#include "policy/sg.h"

#define SG_GROUPS_MAX 4096
#define SG_DEFAULT_NAME "default"

struct sg_db;

struct sg_db *sg_db_new(void);
void sg_db_free(struct sg_db *db);
size_t sg_db_count(const struct sg_db *db);
const struct sg_group *sg_db_at(const struct sg_db *db, size_t i);
const struct sg_group *sg_db_find_id(const struct sg_db *db, const char *id);
/* By id, else by name when one group has it: 404 "Security group X does
 * not exist", 409 when several groups have the name. */
const struct sg_group *sg_db_lookup(const struct sg_db *db, const char *id_or_name,
				    struct sg_err *e);
/* The rule of that id and its group, or NULL. */
const struct sg_rule *sg_db_find_rule(const struct sg_db *db, const char *id,
				      const struct sg_group **g);
const struct sg_group *sg_db_default(const struct sg_db *db);

int sg_db_check_create(const struct sg_db *db, const char *name, struct sg_err *e);
int sg_db_check_update(const struct sg_db *db, const struct sg_group *g, bool has_name,
		       const char *name, struct sg_err *e);
int sg_db_check_delete(const struct sg_db *db, const struct sg_group *g, struct sg_err *e);
/* r's group and remote group exist, no equal rule exists, room for it. */
int sg_db_check_rule(const struct sg_db *db, const struct sg_rule *r, struct sg_err *e);
/* Groups (other than id) with rules whose remote_group_id is id; fills up
 * to max pointers, returns how many there are. */
size_t sg_db_referrers(const struct sg_db *db, const char *id, const struct sg_group **out,
		       size_t max);

/* Deep copy in, replacing the group with the same id (or adding it). */
int sg_db_put(struct sg_db *db, const struct sg_group *g);
void sg_db_remove(struct sg_db *db, const char *id);
/* Exchanges g with the stored group of the same id, without copying: the
 * db holds g's rules, g the old group (for a rollback: swap again);
 * -ENOENT when there is none.  The order by name is kept. */
int sg_db_swap(struct sg_db *db, struct sg_group *g);

/* A new group (fresh id) with Neutron's rules: the default group's four,
 * or an ordinary group's two egress rules.  Caller frees with sg_group_free. */
int sg_group_make(struct sg_group *g, const char *name, const char *desc, bool is_default);
/* Appends a copy of r to g (new id when r->id is empty). */
int sg_group_add_rule(struct sg_group *g, const struct sg_rule *r);
/* Removes the rules whose id is rule_id or whose remote group is
 * remote_id (either may be NULL); returns how many went. */
size_t sg_group_drop_rules(struct sg_group *g, const char *rule_id, const char *remote_id);

#endif
