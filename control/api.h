/* api — vnetd's JSON API: HTTP/1.1 on a unix socket (see doc/api.md).
 *
 * Design: libmicrohttpd in external-poll mode, driven by the control
 * thread's event loop (api_fd() is an epoll fd to wait on, api_run() serves
 * what is ready), so every handler runs on the control thread and needs no
 * locks.  A request is parsed and validated by api_req_parse() first and
 * executed by api_execute() only when complete and valid.  Two sockets, as
 * libvirt's libvirt-sock and libvirt-sock-ro: the read-write one (0660) and
 * a read-only one (0666) that answers GET/HEAD and refuses the rest with 403;
 * api_fd() is an epoll fd over both servers' MHD epoll fds.  GET /metrics
 * (text, not JSON) is answered by api_metrics() on either.
 * Errors: 0 / negative errno; api_create returns NULL.
 */
#ifndef VNETD_API_H
#define VNETD_API_H

#include <jansson.h>

#include "control/api_req.h"
#include "control/ctl.h"

struct api;

/* Serves the read-write API on sock_path (mode 0660, group gid) and the
 * read-only one on ro_path (mode 0666: GET/HEAD only, others 403). */
struct api *api_create(struct ctl *ctl, const char *sock_path, const char *ro_path, int gid);
void api_free(struct api *a);
int api_fd(const struct api *a);
/* Milliseconds until api_run() must be called again, -1 for none. */
int api_timeout_ms(const struct api *a);
void api_run(struct api *a);

/* Executes a validated request; returns the HTTP status and the answer in
 * *out (a new reference), or a negative errno with e filled. */
int api_execute(struct ctl *ctl, const struct api_req *r, json_t **out, struct ctl_err *e);
/* GET /metrics: the counters in Prometheus' text format (version 0.0.4),
 * malloc'd, length in *len; NULL when out of memory. */
char *api_metrics(struct ctl *ctl, size_t *len);
/* {"error": {"code": ..., "message": ...}} */
json_t *api_error_json(const struct ctl_err *e);

#endif
