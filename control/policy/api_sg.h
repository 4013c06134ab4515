/* api_sg — security groups on the control thread: the registry (struct
 * sg_db from policy/), its store and its API routes.
 *
 * Design: each group is <state-dir>/policy/<group-id>.json (id, name,
 * description), each rule <state-dir>/policy/rules/<seq>-<rule-id>.json
 * (seq: 16 hex digits, the group's rule order), written atomically by
 * control/store.c, so a rule change writes ~300 bytes.  A rule change goes
 * to memory and to the dataplane first (the ports bound to the group are
 * recompiled), then to the store, then the response: a failed write puts
 * the old group back (memory and dataplane) and fails the request, so it
 * changes nothing; an acknowledged change is on disk (kill -9 keeps it).
 * Group create/update/delete write first (no dataplane effect).  At start
 * the files are read back (a malformed one is logged and skipped, a rule of
 * no group or naming a group that is gone is dropped and logged); groups of
 * the older layout (rules inline in the group's file) load too and are
 * moved to a file per rule.  Neutron's "default" group is created when
 * there is none.  Ports bind groups by id (control/port.c); a group bound
 * to a port cannot be deleted (409, Neutron's "in use").
 * Threads: control thread only.  Errors: 0 / negative errno + ctl_err.
 */
#ifndef VNETD_API_SG_H
#define VNETD_API_SG_H

#include <jansson.h>

#include "control/api_req.h"
#include "control/ctl.h"
#include "policy/sg_db.h"

struct sgreg *sgreg_create(struct ctl *c);
void sgreg_free(struct sgreg *r);
/* Reads <state-dir>/policy/ and makes sure the default group exists. */
int sgreg_load(struct sgreg *r);
const struct sg_db *sgreg_db(const struct sgreg *r);

/* The security-group routes (API_SG_*, API_SGR_*). */
int api_sg_execute(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e);

#endif
