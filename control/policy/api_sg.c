/* api_sg.c — security groups: registry, store, API (see api_sg.h). */
#include "control/policy/api_sg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/log.h"
#include "control/port.h"
#include "control/store.h"

#define SG_LOG(lvl, ...) VNETD_LOG("policy", lvl, __VA_ARGS__)
#define SG_DIR "policy"
#define SG_RULES "policy/rules"
#define RULE_NAME_LEN (16 + 1 + SG_ID_LEN + 5) /* <seq hex>-<id>.json */

struct sgreg {
	struct ctl *ctl;
	struct sg_db *db;
	uint64_t next_seq;               /* the next rule file's order key */
	char (*legacy)[SG_ID_LEN + 1];   /* groups still in one file (layout 1) */
	size_t n_legacy;
};

struct sgreg *sgreg_create(struct ctl *c)
{
	struct sgreg *r = calloc(1, sizeof(*r));
	if (r && !(r->db = sg_db_new())) {
		free(r);
		return NULL;
	}
	if (r)
		r->ctl = c;
	return r;
}

void sgreg_free(struct sgreg *r)
{
	if (!r)
		return;
	sg_db_free(r->db);
	free(r->legacy);
	free(r);
}

const struct sg_db *sgreg_db(const struct sgreg *r)
{
	return r->db;
}

static int ctl_from(const struct sg_err *se, int rc, struct ctl_err *e)
{
	return ctl_fail(e, rc < 0 ? -rc : EINVAL, se->status, se->code, "%s", se->msg);
}

static int nomem(struct ctl_err *e)
{
	return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
}

/* ---- store: policy/<group-id>.json (id, name, description) and
 * policy/rules/<seq>-<rule-id>.json (one rule; seq: 16 hex digits, the
 * order of the group's rules) ---- */

static void rule_rel(const struct sg_rule *rule, char *out, size_t cap)
{
	snprintf(out, cap, SG_RULES "/%016" PRIx64 "-%s.json", rule->seq, rule->id);
}

static int write_json(struct sgreg *r, const char *rel, json_t *j)
{
	char *txt = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!txt)
		return -ENOMEM;
	int rc = store_write(r->ctl->state, rel, txt, strlen(txt));
	free(txt);
	return rc;
}

/* One rule's file.  A failed write leaves no file: the rename may have
 * happened before the directory fsync failed. */
static int save_rule(struct sgreg *r, const struct sg_rule *rule, struct ctl_err *e)
{
	char rel[128];
	rule_rel(rule, rel, sizeof(rel));
	int rc = write_json(r, rel, sg_rule_to_json(rule));
	if (rc < 0) {
		store_unlink(r->ctl->state, rel);
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot save security group rule %s: %s", rule->id,
				strerror(-rc));
	}
	return 0;
}

/* The group's own file: its name and description (no rules). */
static int save_group(struct sgreg *r, const struct sg_group *g, struct ctl_err *e)
{
	char rel[64];
	json_t *j = sg_group_to_json(g);
	if (j)
		json_object_del(j, "security_group_rules");
	snprintf(rel, sizeof(rel), SG_DIR "/%s.json", g->id);
	int rc = write_json(r, rel, j);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot save security group %s: %s", g->id, strerror(-rc));
	return 0;
}

/* A new group: its rules' files, then its own (a crash between leaves rule
 * files of no group, which the next load removes). */
static int create_files(struct sgreg *r, struct sg_group *g, struct ctl_err *e)
{
	size_t k;
	int rc = 0;
	for (k = 0; k < g->n_rules && rc == 0; k++) {
		g->rules[k].seq = r->next_seq++;
		rc = save_rule(r, &g->rules[k], e);
	}
	if (rc == 0 && (rc = save_group(r, g, e)) == 0)
		return 0;
	for (size_t i = 0; i < k; i++) {
		char rel[128];
		rule_rel(&g->rules[i], rel, sizeof(rel));
		store_unlink(r->ctl->state, rel);
	}
	return rc;
}

static ssize_t legacy_index(const struct sgreg *r, const char *id)
{
	for (size_t i = 0; i < r->n_legacy; i++)
		if (!strcmp(r->legacy[i], id))
			return (ssize_t)i;
	return -1;
}

/* A group stored in layout 1 (one file with its rules, before vnetd 0.x
 * wrote a file per rule): each rule gets its file (seq: its index, so a
 * migration cut short writes the same names again), then the group's file
 * loses its rules.  Until that worked, every change of the group is
 * refused with the store's error (the old file still holds its rules). */
static int migrate(struct sgreg *r, const struct sg_group *g, struct ctl_err *e)
{
	ssize_t i = legacy_index(r, g->id);
	int rc = 0;
	if (i < 0)
		return 0;
	for (size_t k = 0; k < g->n_rules && rc == 0; k++)
		rc = save_rule(r, &g->rules[k], e);
	if (rc == 0)
		rc = save_group(r, g, e);
	if (rc < 0)
		return rc;
	SG_LOG(NOTICE, "security group %s: its %zu rules moved to " SG_RULES "/\n", g->id,
	       g->n_rules);
	memmove(&r->legacy[i], &r->legacy[i + 1], (r->n_legacy - (size_t)i - 1) * sizeof(r->legacy[0]));
	r->n_legacy--;
	return 0;
}

static json_t *read_json(struct sgreg *r, const char *rel)
{
	char *text;
	json_error_t je;
	if (store_read(r->ctl->state, rel, &text, NULL) < 0)
		return NULL;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!o)
		SG_LOG(ERR, "%s: %s (line %d); skipped\n", rel, je.text, je.line);
	return o;
}

struct loading {
	struct sg_group *v;
	size_t n;
};

static struct sg_group *loading_find(struct loading *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].id, id))
			return &l->v[i];
	return NULL;
}

static const struct sg_rule *loading_rule(struct loading *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->v[i].n_rules; k++)
			if (!strcmp(l->v[i].rules[k].id, id))
				return &l->v[i].rules[k];
	return NULL;
}

/* policy/<id>.json: the groups (layout 1's with their rules) */
static int load_groups(struct sgreg *r, struct loading *l)
{
	char **names;
	size_t cnt;
	int rc;
	if ((rc = store_list(r->ctl->state, SG_DIR, ".json", &names, &cnt)) < 0)
		return rc;
	l->v = cnt ? calloc(cnt, sizeof(*l->v)) : NULL;
	if (cnt && !l->v) {
		store_list_free(names, cnt);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cnt; i++) {
		char rel[300];
		struct sg_group *g = &l->v[l->n];
		struct sg_err se;
		snprintf(rel, sizeof(rel), SG_DIR "/%s", names[i]);
		json_t *o = read_json(r, rel);
		if (!o)
			continue;
		bool legacy = json_object_get(o, "security_group_rules") != NULL;
		memset(g, 0, sizeof(*g));
		rc = sg_group_from_json(o, true, g, NULL, NULL, &se);
		json_decref(o);
		if (rc < 0) {
			SG_LOG(ERR, "%s: %s; skipped\n", rel, se.msg);
			continue;
		}
		bool dup_default = false;
		for (size_t k = 0; k < l->n && !strcmp(g->name, SG_DEFAULT_NAME); k++)
			dup_default |= !strcmp(l->v[k].name, SG_DEFAULT_NAME);
		if (strlen(names[i]) != SG_ID_LEN + 5 || strncmp(names[i], g->id, SG_ID_LEN) ||
		    dup_default) {
			SG_LOG(ERR, "%s: id does not match the file name, or a duplicate; skipped\n", rel);
			sg_group_free(g);
			continue;
		}
		for (size_t k = 0; k < g->n_rules; k++)
			g->rules[k].seq = k;
		if (g->n_rules > r->next_seq)
			r->next_seq = g->n_rules;
		if (legacy) {
			void *nl = realloc(r->legacy, (r->n_legacy + 1) * sizeof(r->legacy[0]));
			if (!nl) {
				sg_group_free(g);
				store_list_free(names, cnt);
				return -ENOMEM;
			}
			r->legacy = nl;
			memcpy(r->legacy[r->n_legacy++], g->id, sizeof(g->id));
		}
		l->n++;
	}
	store_list_free(names, cnt);
	return 0;
}

/* policy/rules/<seq>-<id>.json, in the order of their names (seq): each into its
 * group.  A rule of no group (a crash while a group was created or
 * deleted) is removed. */
static int load_rules(struct sgreg *r, struct loading *l)
{
	char **names;
	size_t cnt;
	int rc;
	if ((rc = store_list(r->ctl->state, SG_RULES, ".json", &names, &cnt)) < 0)
		return rc;
	for (size_t i = 0; i < cnt; i++) {
		char rel[300], want[128];
		struct sg_rule rule;
		struct sg_err se;
		snprintf(rel, sizeof(rel), SG_RULES "/%s", names[i]);
		json_t *o = read_json(r, rel);
		if (!o)
			continue;
		rc = sg_rule_from_json(o, true, &rule, &se);
		json_decref(o);
		if (rc < 0) {
			SG_LOG(ERR, "%s: %s; skipped\n", rel, se.msg);
			continue;
		}
		char *end;
		rule.seq = strtoull(names[i], &end, 16);
		rule_rel(&rule, want, sizeof(want));
		if (strlen(names[i]) != RULE_NAME_LEN || strcmp(rel, want)) {
			SG_LOG(ERR, "%s: id does not match the file name; skipped\n", rel);
			continue;
		}
		struct sg_group *g = loading_find(l, rule.group_id);
		const struct sg_rule *dup = loading_rule(l, rule.id);
		if (dup && dup->seq == rule.seq && !strcmp(dup->group_id, rule.group_id))
			continue; /* a layout 1 group's rule, moved before a crash */
		if (!g || dup) {
			SG_LOG(WARNING, "%s: %s; removed\n", rel,
			       dup ? "a duplicate rule" : "the rule's group is gone");
			store_unlink(r->ctl->state, rel);
			continue;
		}
		if (g->n_rules >= SG_RULES_MAX || sg_group_add_rule(g, &rule) < 0) {
			SG_LOG(ERR, "%s: too many rules, or out of memory; skipped\n", rel);
			continue;
		}
		if (rule.seq >= r->next_seq)
			r->next_seq = rule.seq + 1;
	}
	store_list_free(names, cnt);
	return 0;
}

int sgreg_load(struct sgreg *r)
{
	struct loading l = { 0 };
	int rc;
	store_mkdir(r->ctl->state, SG_RULES);
	if ((rc = load_groups(r, &l)) == 0)
		rc = load_rules(r, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (rc == 0 && sg_db_put(r->db, &l.v[i]) < 0)
			rc = -ENOMEM;
		sg_group_free(&l.v[i]);
	}
	free(l.v);
	if (rc < 0)
		return rc;
	/* layout 1 groups: a file per rule now (retried at their next change) */
	for (size_t i = 0; i < sg_db_count(r->db); i++) {
		struct ctl_err e;
		const struct sg_group *g = sg_db_at(r->db, i);
		if (legacy_index(r, g->id) >= 0 && migrate(r, g, &e) < 0)
			SG_LOG(ERR, "security group %s: %s (kept in its one file)\n", g->id, e.msg);
	}
	/* rules naming a group that is gone (a crash between the delete and
	 * the cascade): dropped, as the delete would have */
	for (size_t i = 0; i < sg_db_count(r->db); i++) {
		const struct sg_group *g = sg_db_at(r->db, i);
		struct sg_group c;
		bool gone = false;
		for (size_t k = 0; k < g->n_rules && !gone; k++)
			gone = g->rules[k].remote_group[0] &&
			       !sg_db_find_id(r->db, g->rules[k].remote_group);
		if (!gone || sg_group_copy(&c, g) < 0)
			continue;
		size_t n = 0;
		for (size_t k = 0; k < c.n_rules; k++) {
			const struct sg_rule *x = &c.rules[k];
			char rel[128];
			if (!x->remote_group[0] || sg_db_find_id(r->db, x->remote_group)) {
				c.rules[n++] = *x;
				continue;
			}
			SG_LOG(WARNING, "security group %s: rule %s for remote group %s (gone) dropped\n",
			       c.id, x->id, x->remote_group);
			rule_rel(x, rel, sizeof(rel));
			store_unlink(r->ctl->state, rel);
		}
		c.n_rules = n; /* a layout 1 group's file keeps them: dropped again */
		sg_db_swap(r->db, &c);
		sg_group_free(&c);
	}
	if (!sg_db_default(r->db)) {
		struct sg_group d;
		struct ctl_err e;
		if (sg_group_make(&d, SG_DEFAULT_NAME, "Default security group", true) < 0)
			return -ENOMEM;
		if ((rc = create_files(r, &d, &e)) == 0)
			rc = sg_db_put(r->db, &d);
		else
			SG_LOG(ERR, "%s\n", e.msg);
		sg_group_free(&d);
		if (rc < 0)
			return rc;
		SG_LOG(NOTICE, "created the default security group %s\n", sg_db_default(r->db)->id);
	}
	return (int)sg_db_count(r->db);
}

/* ---- API ---- */

static const struct sg_group *lookup(struct sgreg *r, const char *id, struct ctl_err *e)
{
	struct sg_err se;
	const struct sg_group *g = sg_db_lookup(r->db, id, &se);
	if (!g)
		ctl_from(&se, -ENOENT, e);
	return g;
}

/* The group's rules changed: its ports' rule sets are compiled again and
 * published (those whose set changed); ports bound to other groups do not
 * depend on this group's rules (a remote group contributes its members'
 * addresses, which no rule change alters). */
static void publish(struct sgreg *r, const char *gid)
{
	struct timespec a, b, w;
	clock_gettime(CLOCK_MONOTONIC, &a);
	unsigned n = portreg_sg_refresh(r->ctl->ports, gid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_REALTIME, &w); /* tests/bench/sg-latency.sh: request -> here */
	if (n)
		SG_LOG(INFO, "security group %s: %u port(s) recompiled and published in %ld us "
		       "(at %lld%09ld ns)\n", gid, n,
		       (long)((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000),
		       (long long)w.tv_sec, w.tv_nsec);
}

static void legacy_forget(struct sgreg *r, const char *id)
{
	ssize_t i = legacy_index(r, id);
	if (i >= 0) {
		memmove(&r->legacy[i], &r->legacy[i + 1],
			(r->n_legacy - (size_t)i - 1) * sizeof(r->legacy[0]));
		r->n_legacy--;
	}
}

static int sg_create(struct sgreg *r, json_t *body, json_t **out, struct ctl_err *e)
{
	struct sg_group g, in;
	struct sg_err se;
	bool hn, hd;
	memset(&in, 0, sizeof(in));
	int rc = sg_group_from_json(body, false, &in, &hn, &hd, &se);
	if (rc < 0 || (rc = sg_db_check_create(r->db, in.name, &se)) < 0)
		return ctl_from(&se, rc, e);
	if (sg_group_make(&g, in.name, in.description, false) < 0)
		return nomem(e);
	/* no port is bound to it yet: stored, then in memory */
	if ((rc = create_files(r, &g, e)) == 0 && (rc = sg_db_put(r->db, &g)) < 0)
		rc = nomem(e);
	if (rc == 0) {
		SG_LOG(NOTICE, "security group %s ('%s') created\n", g.id, g.name);
		*out = json_pack("{s:o}", "security_group", sg_group_to_json(&g));
	}
	sg_group_free(&g);
	return rc < 0 ? rc : 201;
}

static int sg_update(struct sgreg *r, const struct sg_group *old, json_t *body, json_t **out,
		     struct ctl_err *e)
{
	struct sg_group g;
	struct sg_err se;
	bool hn, hd;
	if (sg_group_copy(&g, old) < 0)
		return nomem(e);
	int rc = sg_group_from_json(body, false, &g, &hn, &hd, &se);
	if (rc < 0 || (rc = sg_db_check_update(r->db, old, hn, g.name, &se)) < 0) {
		sg_group_free(&g);
		return ctl_from(&se, rc, e);
	}
	/* name and description: nothing the dataplane has */
	if ((rc = migrate(r, old, e)) == 0 && (rc = save_group(r, &g, e)) == 0 &&
	    (rc = sg_db_put(r->db, &g)) < 0)
		rc = nomem(e);
	if (rc == 0)
		*out = json_pack("{s:o}", "security_group", sg_group_to_json(&g));
	sg_group_free(&g);
	return rc < 0 ? rc : 200;
}

static int sg_delete(struct sgreg *r, const struct sg_group *g, json_t **out, struct ctl_err *e)
{
	struct sg_err se;
	char id[SG_ID_LEN + 1], rel[128];
	const char *user = portreg_sg_user(r->ctl->ports, g->id);
	int rc = sg_db_check_delete(r->db, g, &se);
	if (rc < 0)
		return ctl_from(&se, rc, e);
	if (user)
		return ctl_fail(e, EBUSY, 409, "conflict", "Security Group %s in use.", g->id);
	memcpy(id, g->id, sizeof(id));
	/* groups whose rules name it: in layout 2, so those rules are files */
	for (size_t i = 0; i < sg_db_count(r->db); i++) {
		const struct sg_group *o = sg_db_at(r->db, i);
		for (size_t k = 0; o != g && k < o->n_rules; k++)
			if (!strcmp(o->rules[k].remote_group, id)) {
				if ((rc = migrate(r, o, e)) < 0)
					return rc;
				break;
			}
	}
	/* the group's file goes: the commit point.  Then its rules' files and
	 * those of the rules naming it (Neutron's cascade); leftovers of a
	 * crash in between are removed by the next load. */
	snprintf(rel, sizeof(rel), SG_DIR "/%s.json", id);
	if ((rc = store_remove(r->ctl->state, rel)) < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot delete security group %s: %s", id, strerror(-rc));
	legacy_forget(r, id);
	for (size_t k = 0; k < g->n_rules; k++) {
		rule_rel(&g->rules[k], rel, sizeof(rel));
		store_unlink(r->ctl->state, rel);
	}
	json_t *last = sg_group_to_json(g);
	sg_db_remove(r->db, id);
	for (size_t i = 0; i < sg_db_count(r->db); i++) {
		const struct sg_group *o = sg_db_at(r->db, i);
		struct sg_group c;
		bool names = false;
		for (size_t k = 0; k < o->n_rules && !names; k++)
			names = !strcmp(o->rules[k].remote_group, id);
		if (!names || sg_group_copy(&c, o) < 0)
			continue; /* out of memory: the next load drops them */
		for (size_t k = 0; k < c.n_rules; k++)
			if (!strcmp(c.rules[k].remote_group, id)) {
				rule_rel(&c.rules[k], rel, sizeof(rel));
				store_unlink(r->ctl->state, rel);
			}
		sg_group_drop_rules(&c, NULL, id);
		sg_db_swap(r->db, &c);
		publish(r, c.id);
		sg_group_free(&c);
	}
	SG_LOG(NOTICE, "security group %s deleted\n", id);
	*out = json_pack("{s:o}", "security_group", last);
	return 200;
}

/* A rule change reaches the dataplane first, then the store; the response
 * waits for the store.  When the store fails, the group as it was goes
 * back in (and to the dataplane) and the request fails: nothing changed.
 * A crash before the store has it loses a change nobody was told of. */
static int rule_create(struct sgreg *r, json_t *body, json_t **out, struct ctl_err *e)
{
	struct sg_rule rule;
	struct sg_err se;
	struct sg_group g;
	int rc = sg_rule_from_json(body, false, &rule, &se);
	if (rc < 0 || (rc = sg_db_check_rule(r->db, &rule, &se)) < 0)
		return ctl_from(&se, rc, e);
	const struct sg_group *old = sg_db_find_id(r->db, rule.group_id);
	if ((rc = migrate(r, old, e)) < 0)
		return rc;
	if (sg_group_copy(&g, old) < 0 || sg_group_add_rule(&g, &rule) < 0) {
		sg_group_free(&g);
		return nomem(e);
	}
	g.rules[g.n_rules - 1].seq = r->next_seq++;
	rule = g.rules[g.n_rules - 1];
	sg_db_swap(r->db, &g); /* g: the group as it was */
	publish(r, rule.group_id);
	if ((rc = save_rule(r, &rule, e)) < 0) {
		sg_db_swap(r->db, &g);
		publish(r, rule.group_id);
	} else {
		*out = json_pack("{s:o}", "security_group_rule", sg_rule_to_json(&rule));
	}
	sg_group_free(&g);
	return rc < 0 ? rc : 201;
}

static int rule_delete(struct sgreg *r, const char *id, json_t **out, struct ctl_err *e)
{
	const struct sg_group *owner;
	const struct sg_rule *found = sg_db_find_rule(r->db, id, &owner);
	struct sg_group g;
	char rel[128];
	if (!found)
		return ctl_fail(e, ENOENT, 404, "no-security-group-rule",
				"Security group rule %s does not exist", id);
	struct sg_rule rule = *found;
	int rc = migrate(r, owner, e);
	if (rc < 0)
		return rc;
	if (sg_group_copy(&g, owner) < 0)
		return nomem(e);
	sg_group_drop_rules(&g, rule.id, NULL);
	sg_db_swap(r->db, &g);
	publish(r, rule.group_id);
	rule_rel(&rule, rel, sizeof(rel));
	if ((rc = store_remove(r->ctl->state, rel)) < 0) {
		struct ctl_err e2;
		if (!store_exists(r->ctl->state, rel)) /* gone, the directory not synced */
			save_rule(r, &rule, &e2);
		sg_db_swap(r->db, &g);
		publish(r, rule.group_id);
		rc = ctl_fail(e, -rc, 500, "internal-error",
			      "internal error: cannot delete security group rule %s: %s", rule.id,
			      strerror(-rc));
	} else {
		*out = json_pack("{s:o}", "security_group_rule", sg_rule_to_json(&rule));
	}
	sg_group_free(&g);
	return rc < 0 ? rc : 200;
}

static int sg_execute(struct ctl *c, const struct api_req *q, json_t **out, struct ctl_err *e);

/* A change of rules reaches the compiled rules of the ports bound to the
 * group now (publish()). */
int api_sg_execute(struct ctl *c, const struct api_req *q, json_t **out, struct ctl_err *e)
{
	return sg_execute(c, q, out, e);
}
static int sg_execute(struct ctl *c, const struct api_req *q, json_t **out, struct ctl_err *e)
{
	struct sgreg *r = c->sgs;
	const struct sg_group *g;
	switch (q->route) {
	case API_SG_LIST: {
		json_t *a = json_array();
		for (size_t i = 0; i < sg_db_count(r->db); i++)
			json_array_append_new(a, sg_group_to_json(sg_db_at(r->db, i)));
		*out = json_pack("{s:o}", "security_groups", a);
		return 200;
	}
	case API_SG_CREATE:
		return sg_create(r, q->policy, out, e);
	case API_SG_GET:
		if (!(g = lookup(r, q->id, e)))
			return -ENOENT;
		*out = json_pack("{s:o}", "security_group", sg_group_to_json(g));
		return 200;
	case API_SG_UPDATE:
		if (!(g = lookup(r, q->id, e)))
			return -ENOENT;
		return sg_update(r, g, q->policy, out, e);
	case API_SG_DEL:
		if (!(g = lookup(r, q->id, e)))
			return -ENOENT;
		return sg_delete(r, g, out, e);
	case API_SGR_LIST: {
		const struct sg_group *only = NULL;
		if (q->sg_filter[0] && !(only = lookup(r, q->sg_filter, e)))
			return -ENOENT;
		json_t *a = json_array();
		for (size_t i = 0; i < sg_db_count(r->db); i++) {
			g = sg_db_at(r->db, i);
			for (size_t k = 0; (!only || g == only) && k < g->n_rules; k++)
				json_array_append_new(a, sg_rule_to_json(&g->rules[k]));
		}
		*out = json_pack("{s:o}", "security_group_rules", a);
		return 200;
	}
	case API_SGR_CREATE:
		return rule_create(r, q->policy, out, e);
	case API_SGR_GET: {
		const struct sg_rule *rule = sg_db_find_rule(r->db, q->id, NULL);
		if (!rule)
			return ctl_fail(e, ENOENT, 404, "no-security-group-rule",
					"Security group rule %s does not exist", q->id);
		*out = json_pack("{s:o}", "security_group_rule", sg_rule_to_json(rule));
		return 200;
	}
	case API_SGR_DEL:
		return rule_delete(r, q->id, out, e);
	default:
		return ctl_fail(e, ENOSYS, 500, "internal-error", "internal error: unhandled route");
	}
}
