/* api_http.c — the HTTP side of the API: libmicrohttpd on a unix socket. */
#include "control/api.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "control/capture.h"
#include "control/ctl.h"
#include "control/log.h"

#define API_LOG(lvl, ...) VNETD_LOG("api", lvl, __VA_ARGS__)

/* How many clients may be connected at once, how long one may stay silent,
 * and how long one may take to deliver a request and read its answer: a
 * client that holds a connection (idle, or a slowloris trickling a byte a
 * second, or a Content-Length it never sends) holds one slot out of
 * API_MAX_CONNS for at most API_DEADLINE_SECS. */
#define API_MAX_CONNS 512u
#define API_IDLE_SECS 5u
#define API_DEADLINE_SECS 10

/* One per connection (MHD's socket context): the raw request URI and the
 * connection's deadline.  Lives from MHD_CONNECTION_NOTIFY_STARTED to
 * MHD_CONNECTION_NOTIFY_CLOSED. */
struct sock {
	struct sock *prev, *next;
	int fd;
	bool cut;        /* shut down at its deadline */
	time_t deadline; /* CLOCK_MONOTONIC seconds */
	char *uri;       /* as received, before any unescaping */
};

struct api {
	struct ctl *ctl;
	struct MHD_Daemon *d;
	int lfd;
	char path[108];
	struct sock *socks;
	struct capture_srv *cap; /* running port captures */
};

struct conn {
	char *body;
	size_t len, cap;
	bool too_large;
};

static time_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static struct sock *sock_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i ? i->socket_context : NULL;
}

static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	struct api *a = cls;
	struct sock *k = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *i =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k = calloc(1, sizeof(*k));
		if (!k)
			return; /* untracked: MHD's idle timeout still applies */
		k->fd = i ? i->connect_fd : -1;
		k->deadline = mono_now() + API_DEADLINE_SECS;
		k->next = a->socks;
		if (a->socks)
			a->socks->prev = k;
		a->socks = k;
		*socket_context = k;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && k) {
		if (k->prev)
			k->prev->next = k->next;
		else
			a->socks = k->next;
		if (k->next)
			k->next->prev = k->prev;
		free(k->uri);
		free(k);
		*socket_context = NULL;
	}
}

/* Keeps the URI as the client sent it: the access handler gets it
 * unescaped, with "%00" already cutting it short. */
static void *log_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct sock *k = sock_of(c);
	if (k) {
		free(k->uri);
		k->uri = strdup(uri);
	}
	return NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	if (!s)
		return MHD_NO;
	size_t n = strlen(s);
	char *body = realloc(s, n + 2);
	if (!body) {
		free(s);
		return MHD_NO;
	}
	body[n] = '\n';
	body[n + 1] = 0;
	struct MHD_Response *r =
		MHD_create_response_from_buffer(n + 1, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	/* a kept-alive connection gets a fresh deadline for its next request */
	struct sock *k = sock_of(c);
	if (k)
		k->deadline = mono_now() + API_DEADLINE_SECS;
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct api *a = cls;
	struct conn *cn = *con_cls;

	if (!cn) {
		cn = calloc(1, sizeof(*cn));
		if (!cn)
			return MHD_NO;
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!cn->too_large) {
			if (cn->len + *upload_size > API_MAX_BODY) {
				cn->too_large = true;
			} else {
				if (cn->len + *upload_size + 1 > cn->cap) {
					size_t cap = (cn->len + *upload_size + 1) * 2;
					char *nb = realloc(cn->body, cap);
					if (!nb)
						return MHD_NO;
					cn->body = nb;
					cn->cap = cap;
				}
				memcpy(cn->body + cn->len, upload, *upload_size);
				cn->len += *upload_size;
				cn->body[cn->len] = 0;
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}

	struct ctl_err e = { 0 };
	struct api_req r;
	json_t *out = NULL;
	int status;

	if (cn->too_large) {
		ctl_fail(&e, E2BIG, 413, "too-large", "invalid argument: request body larger than %u bytes",
			 API_MAX_BODY);
		return reply(c, 413, api_error_json(&e));
	}
	/* Path and query as sent (api_req_parse decodes and validates them);
	 * without the raw URI, fall back to MHD's decoded path. */
	struct sock *k = sock_of(c);
	char *raw = k && k->uri ? strdup(k->uri) : NULL;
	char *query = raw ? strchr(raw, '?') : NULL;
	if (query)
		*query++ = 0;
	int rc = api_req_parse(method, raw ? raw : url, query, cn->body, cn->len, &r, &e);
	free(raw);
	if (rc == 0 && r.route == API_PORT_CAPTURE) {
		rc = capture_respond(a->cap, a->ctl, c, &r, &e);
		api_req_clear(&r);
		if (rc == 0) {
			if (k) /* a stream lasts as long as the capture */
				k->deadline = mono_now() + 100L * 365 * 86400;
			return MHD_YES;
		}
	} else if (rc == 0) {
		status = api_execute(a->ctl, &r, &out, &e);
		api_req_clear(&r);
		if (status >= 0)
			return reply(c, status, out ? out : json_object());
	}
	if (e.status >= 500)
		API_LOG(ERR, "%s %s: %d %s\n", method, url, e.status, e.msg);
	else
		API_LOG(DEBUG, "%s %s: %d %s\n", method, url, e.status, e.msg);
	return reply(c, e.status ? e.status : 500, api_error_json(&e));
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;
	if (cn) {
		free(cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

struct api *api_create(struct ctl *ctl, const char *sock_path, int gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct api *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->ctl = ctl;
	a->lfd = -1;
	if (!(a->cap = capture_srv_create()))
		goto fail;
	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		API_LOG(ERR, "socket path too long: %s\n", sock_path);
		goto fail;
	}
	snprintf(a->path, sizeof(a->path), "%s", sock_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	a->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->lfd < 0)
		goto fail;
	struct stat st;
	if (lstat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sock_path);
	if (bind(a->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(a->lfd, SOMAXCONN) != 0) {
		API_LOG(ERR, "cannot listen on %s: %s\n", sock_path, strerror(errno));
		goto fail;
	}
	if (chmod(sock_path, 0660) != 0 || (gid >= 0 && chown(sock_path, 0, (gid_t)gid) != 0))
		API_LOG(WARNING, "cannot set permissions of %s: %s\n", sock_path, strerror(errno));
	a->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, handle, a,
				MHD_OPTION_LISTEN_SOCKET, a->lfd, MHD_OPTION_NOTIFY_COMPLETED,
				completed, a, MHD_OPTION_NOTIFY_CONNECTION, notify_conn, a,
				MHD_OPTION_URI_LOG_CALLBACK, log_uri, a,
				MHD_OPTION_CONNECTION_TIMEOUT, API_IDLE_SECS,
				MHD_OPTION_CONNECTION_LIMIT, API_MAX_CONNS, MHD_OPTION_END);
	if (!a->d) {
		API_LOG(ERR, "cannot start the HTTP server on %s\n", sock_path);
		goto fail;
	}
	return a;
fail:
	api_free(a);
	return NULL;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	if (a->d) {
		capture_srv_shutdown(a->cap); /* MHD stops with no suspended connection */
		MHD_stop_daemon(a->d); /* closes the listening socket too */
	}
	else if (a->lfd >= 0)
		close(a->lfd);
	if (a->lfd >= 0)
		unlink(a->path);
	capture_srv_free(a->cap);
	free(a);
}

int api_fd(const struct api *a)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_EPOLL_FD);
	return i ? i->epoll_fd : -1;
}

int api_timeout_ms(const struct api *a)
{
	MHD_UNSIGNED_LONG_LONG t;
	int ct = capture_timeout_ms(a->cap); /* streams look for frames this often */
	if (MHD_get_timeout(a->d, &t) != MHD_YES)
		return ct >= 0 ? ct : a->socks ? 1000 : -1; /* deadlines are checked each second */
	if (ct >= 0 && (MHD_UNSIGNED_LONG_LONG)ct < t)
		t = (MHD_UNSIGNED_LONG_LONG)ct;
	return t > 1000 ? 1000 : (int)t;
}

void api_run(struct api *a)
{
	MHD_run(a->d);
	capture_run(a->cap);
	/* Connections past their deadline: shut the socket down, MHD then
	 * sees the end of the stream and closes the connection. */
	time_t now = mono_now();
	for (struct sock *k = a->socks; k; k = k->next) {
		if (!k->cut && k->fd >= 0 && now >= k->deadline) {
			k->cut = true;
			shutdown(k->fd, SHUT_RDWR);
		}
	}
}
