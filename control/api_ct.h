/* api_ct — the API's port forwarding and connection tracking routes
 * (GET/POST /v1/port-forwards, DELETE /v1/port-forwards/ID,
 * GET/DELETE /v1/conntrack[?network=N]; doc/api.md).
 *
 * Design: called by api_execute() on the control thread with a request
 * api_req_parse() validated.  Port forwards live in control/portfwd.c; the
 * session table is the dataplane's (dp_ct_dump/dp_ct_flush/dp_ct_stats),
 * copied whole into a buffer grown until every row fits (as the FDB
 * listing), then formatted; nothing is kept between requests.
 * Errors: the HTTP status, or a negative errno with e filled.
 */
#ifndef VNETD_API_CT_H
#define VNETD_API_CT_H

#include <jansson.h>

#include "control/api_req.h"
#include "control/ctl.h"

int api_ct_execute(struct ctl *c, const struct api_req *r, json_t **out, struct ctl_err *e);

#endif
