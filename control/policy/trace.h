/* trace — vnetctl trace PORT PACKET: the path a described packet sent by a
 * port would take (port security, switch, security groups) and the check or
 * rule that decides it.  See trace.c for the packet language.
 * Threads: control thread.  No side effects.  Errors: 400 for a bad
 * description (ctl_err filled).
 */
#ifndef VNETD_TRACE_H
#define VNETD_TRACE_H

#include <jansson.h>

#include "control/ctl.h"

struct port;
/* 200 with *out = {"trace": {"port", "packet", "steps": [{"stage", "result"}],
 * "verdict": "forward"|"flood"|"drop", "drop_reason", "output_port"}} */
int port_trace(struct ctl *c, struct port *p, const char *desc, json_t **out, struct ctl_err *e);

#endif
