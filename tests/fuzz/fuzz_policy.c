/* fuzz_policy — the security group codec on arbitrary JSON: a rule as the
 * API takes it, a group as the store keeps it.  Whatever is accepted must
 * format, parse back and format to the same text (nothing read out of
 * bounds, nothing leaked). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sg.h"

static void roundtrip_rule(const struct sg_rule *r)
{
	struct sg_rule back;
	struct sg_err e;
	json_t *j = sg_rule_to_json(r);
	if (!j)
		return;
	json_object_del(j, "id");
	char *t1 = json_dumps(j, JSON_SORT_KEYS);
	if (sg_rule_from_json(j, false, &back, &e) != 0)
		abort(); /* what we print, we must take back */
	json_t *k = sg_rule_to_json(&back);
	json_object_del(k, "id");
	char *t2 = json_dumps(k, JSON_SORT_KEYS);
	if (!t1 || !t2 || strcmp(t1, t2))
		abort();
	free(t1);
	free(t2);
	json_decref(j);
	json_decref(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return 0;
	struct sg_rule r;
	struct sg_err e;
	if (sg_rule_from_json(o, false, &r, &e) == 0)
		roundtrip_rule(&r);
	struct sg_group g;
	memset(&g, 0, sizeof(g));
	if (sg_group_from_json(o, true, &g, NULL, NULL, &e) == 0) {
		json_t *j = sg_group_to_json(&g);
		struct sg_group back;
		memset(&back, 0, sizeof(back));
		if (!j || sg_group_from_json(j, true, &back, NULL, NULL, &e) != 0 ||
		    back.n_rules != g.n_rules)
			abort();
		sg_group_free(&back);
		json_decref(j);
		sg_group_free(&g);
	}
	json_decref(o);
	return 0;
}
