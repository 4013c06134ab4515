/* api_sg — security groups on the control thread: the registry (struct
 * sg_db from policy/), its store and its API routes.
 *
 * Design: each group with its rules is one file,
 * <state-dir>/policy/<group-id>.json, written atomically by control/store.c
 * (a change is validated, written, then applied in memory: a failed write
 * changes nothing, a kill -9 leaves the old or the new file).  At start the
 * files are read back (a malformed one is logged and skipped, a rule naming
 * a group that is gone is dropped and logged); Neutron's "default" group is
 * created when there is none.  Ports bind groups by id (control/port.c);
 * a group bound to a port cannot be deleted (409, Neutron's "in use").
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
