/* sg_db.c — the set of security groups (see sg_db.h). */
#include "policy/sg_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

struct sg_db {
	size_t n;
	struct sg_group *v[SG_GROUPS_MAX];
};

struct sg_db *sg_db_new(void)
{
	return calloc(1, sizeof(struct sg_db));
}

void sg_db_free(struct sg_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++) {
		sg_group_free(db->v[i]);
		free(db->v[i]);
	}
	free(db);
}

size_t sg_db_count(const struct sg_db *db) { return db->n; }

const struct sg_group *sg_db_at(const struct sg_db *db, size_t i)
{
	return i < db->n ? db->v[i] : NULL;
}

static ssize_t index_of(const struct sg_db *db, const char *id)
{
	for (size_t i = 0; i < db->n; i++)
		if (!strcmp(db->v[i]->id, id))
			return (ssize_t)i;
	return -1;
}

const struct sg_group *sg_db_find_id(const struct sg_db *db, const char *id)
{
	ssize_t i = index_of(db, id);
	return i < 0 ? NULL : db->v[i];
}

const struct sg_group *sg_db_lookup(const struct sg_db *db, const char *s, struct sg_err *e)
{
	const struct sg_group *g = sg_db_find_id(db, s), *found = NULL;
	if (g)
		return g;
	for (size_t i = 0; i < db->n; i++) {
		if (strcmp(db->v[i]->name, s))
			continue;
		if (found) {
			sg_fail(e, EEXIST, 409, "conflict",
				"More than one security group exists with the name '%s'.", s);
			return NULL;
		}
		found = db->v[i];
	}
	if (!found)
		sg_fail(e, ENOENT, 404, "no-security-group", "Security group %s does not exist", s);
	return found;
}

const struct sg_rule *sg_db_find_rule(const struct sg_db *db, const char *id,
				      const struct sg_group **gp)
{
	for (size_t i = 0; i < db->n; i++)
		for (size_t k = 0; k < db->v[i]->n_rules; k++)
			if (!strcmp(db->v[i]->rules[k].id, id)) {
				if (gp)
					*gp = db->v[i];
				return &db->v[i]->rules[k];
			}
	return NULL;
}

const struct sg_group *sg_db_default(const struct sg_db *db)
{
	for (size_t i = 0; i < db->n; i++)
		if (!strcmp(db->v[i]->name, SG_DEFAULT_NAME))
			return db->v[i];
	return NULL;
}

int sg_db_check_create(const struct sg_db *db, const char *name, struct sg_err *e)
{
	if (!strcmp(name, SG_DEFAULT_NAME) && sg_db_default(db))
		return sg_fail(e, EEXIST, 409, "conflict", "Default security group already exists.");
	if (db->n >= SG_GROUPS_MAX)
		return sg_fail(e, ENOSPC, 507, "limit-exceeded",
			       "operation failed: too many security groups: vnetd holds at most %d",
			       SG_GROUPS_MAX);
	return 0;
}

int sg_db_check_update(const struct sg_db *db, const struct sg_group *g, bool has_name,
		       const char *name, struct sg_err *e)
{
	if (g == sg_db_default(db) && has_name && strcmp(name, SG_DEFAULT_NAME))
		return sg_fail(e, EPERM, 409, "conflict",
			       "Updating default security group not allowed.");
	if (g != sg_db_default(db) && has_name && !strcmp(name, SG_DEFAULT_NAME) &&
	    sg_db_default(db))
		return sg_fail(e, EEXIST, 409, "conflict", "Default security group already exists.");
	return 0;
}

int sg_db_check_delete(const struct sg_db *db, const struct sg_group *g, struct sg_err *e)
{
	if (g == sg_db_default(db))
		return sg_fail(e, EPERM, 409, "conflict",
			       "Insufficient rights for removing default security group.");
	return 0;
}

int sg_db_check_rule(const struct sg_db *db, const struct sg_rule *r, struct sg_err *e)
{
	const struct sg_group *g = sg_db_find_id(db, r->group_id);
	if (!g)
		return sg_fail(e, ENOENT, 404, "no-security-group",
			       "Security group %s does not exist", r->group_id);
	if (r->remote_group[0] && !sg_db_find_id(db, r->remote_group))
		return sg_fail(e, ENOENT, 404, "no-security-group",
			       "Security group %s does not exist", r->remote_group);
	for (size_t k = 0; k < g->n_rules; k++)
		if (sg_rule_same(&g->rules[k], r))
			return sg_fail(e, EEXIST, 409, "conflict",
				       "Security group rule already exists. Rule id is %s.",
				       g->rules[k].id);
	if (g->n_rules >= SG_RULES_MAX)
		return sg_fail(e, ENOSPC, 507, "limit-exceeded",
			       "operation failed: too many rules in security group %s: vnetd holds at most %d",
			       g->id, SG_RULES_MAX);
	return 0;
}

size_t sg_db_referrers(const struct sg_db *db, const char *id, const struct sg_group **out,
		       size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < db->n; i++) {
		const struct sg_group *g = db->v[i];
		if (!strcmp(g->id, id))
			continue;
		for (size_t k = 0; k < g->n_rules; k++)
			if (!strcmp(g->rules[k].remote_group, id)) {
				if (n < max)
					out[n] = g;
				n++;
				break;
			}
	}
	return n;
}

static int cmp_group(const struct sg_group *a, const struct sg_group *b)
{
	int c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->id, b->id);
}

int sg_db_put(struct sg_db *db, const struct sg_group *g)
{
	struct sg_group *c = malloc(sizeof(*c));
	if (!c || sg_group_copy(c, g) < 0) {
		free(c);
		return -ENOMEM;
	}
	ssize_t old = index_of(db, g->id);
	if (old < 0 && db->n >= SG_GROUPS_MAX) {
		sg_group_free(c);
		free(c);
		return -ENOSPC;
	}
	if (old >= 0) {
		sg_group_free(db->v[old]);
		free(db->v[old]);
		memmove(&db->v[old], &db->v[old + 1], (db->n - (size_t)old - 1) * sizeof(db->v[0]));
		db->n--;
	}
	size_t i = 0;
	while (i < db->n && cmp_group(db->v[i], c) < 0)
		i++;
	memmove(&db->v[i + 1], &db->v[i], (db->n - i) * sizeof(db->v[0]));
	db->v[i] = c;
	db->n++;
	return 0;
}

void sg_db_remove(struct sg_db *db, const char *id)
{
	ssize_t i = index_of(db, id);
	if (i < 0)
		return;
	sg_group_free(db->v[i]);
	free(db->v[i]);
	memmove(&db->v[i], &db->v[i + 1], (db->n - (size_t)i - 1) * sizeof(db->v[0]));
	db->n--;
}

int sg_db_swap(struct sg_db *db, struct sg_group *g)
{
	ssize_t i = index_of(db, g->id);
	if (i < 0)
		return -ENOENT;
	struct sg_group t = *db->v[i], *c = db->v[i];
	*c = *g;
	*g = t;
	if (!strcmp(c->name, g->name))
		return 0;
	memmove(&db->v[i], &db->v[i + 1], (db->n - (size_t)i - 1) * sizeof(db->v[0]));
	db->n--;
	size_t k = 0;
	while (k < db->n && cmp_group(db->v[k], c) < 0)
		k++;
	memmove(&db->v[k + 1], &db->v[k], (db->n - k) * sizeof(db->v[0]));
	db->v[k] = c;
	db->n++;
	return 0;
}

int sg_group_add_rule(struct sg_group *g, const struct sg_rule *r)
{
	struct sg_rule *nr = realloc(g->rules, (g->n_rules + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	g->rules = nr;
	nr[g->n_rules] = *r;
	if (!r->id[0])
		sg_uuid_new(nr[g->n_rules].id);
	memcpy(nr[g->n_rules].group_id, g->id, sizeof(g->id));
	g->n_rules++;
	return 0;
}

size_t sg_group_drop_rules(struct sg_group *g, const char *rule_id, const char *remote_id)
{
	size_t k = 0, gone = 0;
	for (size_t i = 0; i < g->n_rules; i++) {
		const struct sg_rule *r = &g->rules[i];
		if ((rule_id && !strcmp(r->id, rule_id)) ||
		    (remote_id && !strcmp(r->remote_group, remote_id))) {
			gone++;
			continue;
		}
		g->rules[k++] = *r;
	}
	g->n_rules = k;
	return gone;
}

int sg_group_make(struct sg_group *g, const char *name, const char *desc, bool is_default)
{
	memset(g, 0, sizeof(*g));
	sg_uuid_new(g->id);
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->description, sizeof(g->description), "%s", desc);
	for (int i = 0; i < (is_default ? 4 : 2); i++) {
		struct sg_rule r = {
			.direction = i < 2 ? SG_EGRESS : SG_INGRESS,
			.ethertype = i % 2 ? SG_IPV6 : SG_IPV4,
			.proto = SG_PROTO_ANY,
			.port_min = SG_PORT_NONE,
			.port_max = SG_PORT_NONE,
		};
		if (i >= 2) /* ingress from the group's own members */
			memcpy(r.remote_group, g->id, sizeof(g->id));
		if (sg_group_add_rule(g, &r) < 0) {
			sg_group_free(g);
			return -ENOMEM;
		}
	}
	return 0;
}
