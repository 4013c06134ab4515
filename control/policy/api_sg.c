/* api_sg.c — security groups: registry, store, API (see api_sg.h). */
#include "control/policy/api_sg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/log.h"
#include "control/port.h"
#include "control/store.h"

#define SG_LOG(lvl, ...) VNETD_LOG("policy", lvl, __VA_ARGS__)
#define SG_DIR "policy"

struct sgreg {
	struct ctl *ctl;
	struct sg_db *db;
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

/* Writes the group's file: <state-dir>/policy/<id>.json (atomic). */
static int save(struct sgreg *r, const struct sg_group *g, struct ctl_err *e)
{
	char rel[64];
	json_t *j = sg_group_to_json(g);
	char *txt = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!txt)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	snprintf(rel, sizeof(rel), SG_DIR "/%s.json", g->id);
	int rc = store_write(r->ctl->state, rel, txt, strlen(txt));
	free(txt);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot save security group %s: %s", g->id, strerror(-rc));
	return 0;
}

int sgreg_load(struct sgreg *r)
{
	char **names;
	size_t cnt;
	int rc;
	store_mkdir(r->ctl->state, SG_DIR);
	if ((rc = store_list(r->ctl->state, SG_DIR, ".json", &names, &cnt)) < 0)
		return rc;
	for (size_t i = 0; i < cnt; i++) {
		char rel[300], *text;
		json_error_t je;
		struct sg_group g;
		struct sg_err se;
		snprintf(rel, sizeof(rel), SG_DIR "/%s", names[i]);
		if (store_read(r->ctl->state, rel, &text, NULL) < 0)
			continue;
		json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
		free(text);
		memset(&g, 0, sizeof(g));
		if (!o) {
			SG_LOG(ERR, "%s: %s (line %d); skipped\n", rel, je.text, je.line);
			continue;
		}
		rc = sg_group_from_json(o, true, &g, NULL, NULL, &se);
		json_decref(o);
		if (rc < 0) {
			SG_LOG(ERR, "%s: %s; skipped\n", rel, se.msg);
			continue;
		}
		if (strlen(names[i]) != SG_ID_LEN + 5 || strncmp(names[i], g.id, SG_ID_LEN) ||
		    sg_db_find_id(r->db, g.id) ||
		    (!strcmp(g.name, SG_DEFAULT_NAME) && sg_db_default(r->db))) {
			SG_LOG(ERR, "%s: id does not match the file name, or a duplicate; skipped\n", rel);
			sg_group_free(&g);
			continue;
		}
		if (sg_db_put(r->db, &g) < 0)
			SG_LOG(ERR, "%s: out of memory; skipped\n", rel);
		sg_group_free(&g);
	}
	store_list_free(names, cnt);
	/* rules naming a group that is gone (a crash between the cascade and
	 * the delete): dropped, as the delete would have */
	for (size_t i = 0; i < sg_db_count(r->db); i++) {
		const struct sg_group *g = sg_db_at(r->db, i);
		for (size_t k = 0; k < g->n_rules; k++) {
			const char *rg = g->rules[k].remote_group;
			if (!rg[0] || sg_db_find_id(r->db, rg))
				continue;
			struct sg_group c;
			char gone[SG_ID_LEN + 1];
			memcpy(gone, rg, sizeof(gone));
			if (sg_group_copy(&c, g) < 0)
				break;
			sg_group_drop_rules(&c, NULL, gone);
			SG_LOG(WARNING, "security group %s: rules for remote group %s (gone) dropped\n",
			       c.id, gone);
			struct ctl_err e;
			if (save(r, &c, &e) == 0)
				sg_db_put(r->db, &c);
			sg_group_free(&c);
			g = sg_db_at(r->db, i);
			k = (size_t)-1;
			if (!g)
				break;
		}
	}
	if (!sg_db_default(r->db)) {
		struct sg_group d;
		struct ctl_err e;
		if (sg_group_make(&d, SG_DEFAULT_NAME, "Default security group", true) < 0)
			return -ENOMEM;
		if ((rc = save(r, &d, &e)) == 0)
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
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	if ((rc = save(r, &g, e)) == 0 && (rc = sg_db_put(r->db, &g)) < 0)
		rc = ctl_fail(e, -rc, 500, "internal-error", "internal error: out of memory");
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
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	int rc = sg_group_from_json(body, false, &g, &hn, &hd, &se);
	if (rc < 0 || (rc = sg_db_check_update(r->db, old, hn, g.name, &se)) < 0) {
		sg_group_free(&g);
		return ctl_from(&se, rc, e);
	}
	if ((rc = save(r, &g, e)) == 0 && (rc = sg_db_put(r->db, &g)) < 0)
		rc = ctl_fail(e, -rc, 500, "internal-error", "internal error: out of memory");
	if (rc == 0)
		*out = json_pack("{s:o}", "security_group", sg_group_to_json(&g));
	sg_group_free(&g);
	return rc < 0 ? rc : 200;
}

static int sg_delete(struct sgreg *r, const struct sg_group *g, json_t **out, struct ctl_err *e)
{
	struct sg_err se;
	char id[SG_ID_LEN + 1], rel[64];
	const char *user = portreg_sg_user(r->ctl->ports, g->id);
	int rc = sg_db_check_delete(r->db, g, &se);
	if (rc < 0)
		return ctl_from(&se, rc, e);
	if (user)
		return ctl_fail(e, EBUSY, 409, "conflict", "Security Group %s in use.", g->id);
	/* rules of other groups naming this one go with it (Neutron's cascade) */
	const struct sg_group *refs[64];
	size_t n;
	while ((n = sg_db_referrers(r->db, g->id, refs, 64)) > 0) {
		struct sg_group c;
		if (sg_group_copy(&c, refs[0]) < 0)
			return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
		sg_group_drop_rules(&c, NULL, g->id);
		rc = save(r, &c, e);
		if (rc == 0)
			rc = sg_db_put(r->db, &c) < 0 ? -ENOMEM : 0;
		sg_group_free(&c);
		if (rc < 0)
			return rc;
	}
	memcpy(id, g->id, sizeof(id));
	snprintf(rel, sizeof(rel), SG_DIR "/%s.json", id);
	json_t *last = sg_group_to_json(g);
	if ((rc = store_remove(r->ctl->state, rel)) < 0) {
		json_decref(last);
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot delete security group %s: %s", id, strerror(-rc));
	}
	sg_db_remove(r->db, id);
	SG_LOG(NOTICE, "security group %s deleted\n", id);
	*out = json_pack("{s:o}", "security_group", last);
	return 200;
}

static int rule_create(struct sgreg *r, json_t *body, json_t **out, struct ctl_err *e)
{
	struct sg_rule rule;
	struct sg_err se;
	struct sg_group g;
	int rc = sg_rule_from_json(body, false, &rule, &se);
	if (rc < 0 || (rc = sg_db_check_rule(r->db, &rule, &se)) < 0)
		return ctl_from(&se, rc, e);
	if (sg_group_copy(&g, sg_db_find_id(r->db, rule.group_id)) < 0 ||
	    sg_group_add_rule(&g, &rule) < 0) {
		sg_group_free(&g);
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	}
	if ((rc = save(r, &g, e)) == 0 && (rc = sg_db_put(r->db, &g)) < 0)
		rc = ctl_fail(e, -rc, 500, "internal-error", "internal error: out of memory");
	if (rc == 0)
		*out = json_pack("{s:o}", "security_group_rule",
				 sg_rule_to_json(&g.rules[g.n_rules - 1]));
	sg_group_free(&g);
	return rc < 0 ? rc : 201;
}

static int rule_delete(struct sgreg *r, const char *id, json_t **out, struct ctl_err *e)
{
	const struct sg_group *owner;
	const struct sg_rule *rule = sg_db_find_rule(r->db, id, &owner);
	struct sg_group g;
	if (!rule)
		return ctl_fail(e, ENOENT, 404, "no-security-group-rule",
				"Security group rule %s does not exist", id);
	json_t *last = sg_rule_to_json(rule);
	if (sg_group_copy(&g, owner) < 0) {
		json_decref(last);
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	}
	sg_group_drop_rules(&g, id, NULL);
	int rc = save(r, &g, e);
	if (rc == 0 && sg_db_put(r->db, &g) < 0)
		rc = ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	sg_group_free(&g);
	if (rc < 0) {
		json_decref(last);
		return rc;
	}
	*out = json_pack("{s:o}", "security_group_rule", last);
	return 200;
}

static int sg_execute(struct ctl *c, const struct api_req *q, json_t **out, struct ctl_err *e);

/* A change of groups or rules reaches every port's compiled rules now. */
int api_sg_execute(struct ctl *c, const struct api_req *q, json_t **out, struct ctl_err *e)
{
	int rc = sg_execute(c, q, out, e);
	if (rc >= 0 && q->route != API_SG_LIST && q->route != API_SG_GET &&
	    q->route != API_SGR_LIST && q->route != API_SGR_GET)
		portreg_portsec_refresh(c->ports);
	return rc;
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
