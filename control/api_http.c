/* api_http.c — the HTTP side of the API: libmicrohttpd on a unix socket. */
#include "control/api.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

/* One listening socket: the read-write API, or the read-only one (mode
 * 0666, GET and HEAD only, like libvirt's libvirt-sock-ro). */
struct srv {
	struct api *api;
	bool ro;
	struct MHD_Daemon *d;
	int lfd;
	char path[108];
};

struct api {
	struct ctl *ctl;
	struct srv rw, ro;
	int ep; /* epoll over both servers' MHD epoll fds: api_fd() */
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
	struct api *a = ((struct srv *)cls)->api;
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

/* The peer of a unix-socket connection, for the log: "uid U pid P". */
static void peer_of(const struct sock *k, char *out, size_t cap)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);
	if (k && k->fd >= 0 && getsockopt(k->fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0)
		snprintf(out, cap, "uid %u pid %d", (unsigned)cr.uid, (int)cr.pid);
	else
		snprintf(out, cap, "unknown peer");
}

static bool is_read(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

/* GET /metrics: Prometheus text exposition (api_metrics in api.c). */
static enum MHD_Result reply_metrics(struct api *a, struct MHD_Connection *c)
{
	size_t n = 0;
	char *body = api_metrics(a->ctl, &n);
	if (!body)
		return MHD_NO;
	struct MHD_Response *r =
		MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	struct sock *k = sock_of(c);
	if (k)
		k->deadline = mono_now() + API_DEADLINE_SECS;
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct srv *sv = cls;
	struct api *a = sv->api;
	struct conn *cn = *con_cls;

	if (!cn) {
		cn = calloc(1, sizeof(*cn));
		if (!cn)
			return MHD_NO;
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		if (sv->ro && !is_read(method))
			cn->too_large = true; /* refused below: keep nothing */
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

	if (sv->ro && !is_read(method)) {
		/* libvirt: VIR_ERR_OPERATION_DENIED on a read-only connection */
		ctl_fail(&e, EPERM, 403, "operation-denied",
			 "operation forbidden: read only access prevents %s %s", method, url);
		return reply(c, 403, api_error_json(&e));
	}
	if (cn->too_large) {
		ctl_fail(&e, E2BIG, 413, "too-large", "invalid argument: request body larger than %u bytes",
			 API_MAX_BODY);
		return reply(c, 413, api_error_json(&e));
	}
	/* Path and query as sent (api_req_parse decodes and validates them);
	 * without the raw URI, fall back to MHD's decoded path. */
	struct sock *k = sock_of(c);
	if (!strcmp(method, "GET") && !strcmp(url, "/metrics"))
		return reply_metrics(a, c);
	char *raw = k && k->uri ? strdup(k->uri) : NULL;
	char *query = raw ? strchr(raw, '?') : NULL;
	if (query)
		*query++ = 0;
	int rc = api_req_parse(method, raw ? raw : url, query, cn->body, cn->len, &r, &e);
	free(raw);
	if (rc == 0 && r.route == API_PORT_CAPTURE && sv->ro) {
		/* a capture shows guests' traffic: not for read-only clients */
		api_req_clear(&r);
		ctl_fail(&e, EPERM, 403, "operation-denied",
			 "operation forbidden: read only access prevents %s %s", method, url);
		rc = -EPERM;
	} else if (rc == 0 && r.route == API_PORT_CAPTURE) {
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
		if (status >= 0 && !is_read(method)) {
			/* a change: who asked (SO_PEERCRED) and what */
			char who[64];
			peer_of(k, who, sizeof(who));
			API_LOG(NOTICE, "%s: %s %s: %d\n", who, method, k && k->uri ? k->uri : url,
				status);
		}
		if (status >= 0)
			return reply(c, status, out ? out : json_object());
	}
	if (!is_read(method)) {
		char who[64];
		peer_of(k, who, sizeof(who));
		/* the URI as sent (still percent-encoded: one log line) */
		API_LOG(INFO, "%s: %s %s refused: %d\n", who, method, k && k->uri ? k->uri : url,
			e.status);
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

static int srv_start(struct srv *sv, const char *sock_path, mode_t mode, int gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		API_LOG(ERR, "socket path too long: %s\n", sock_path);
		return -ENAMETOOLONG;
	}
	snprintf(sv->path, sizeof(sv->path), "%s", sock_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	sv->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sv->lfd < 0)
		return -errno;
	struct stat st;
	if (lstat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sock_path);
	if (bind(sv->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(sv->lfd, SOMAXCONN) != 0) {
		API_LOG(ERR, "cannot listen on %s: %s\n", sock_path, strerror(errno));
		close(sv->lfd);
		sv->lfd = -1;
		return -EADDRINUSE;
	}
	if (chmod(sock_path, mode) != 0 || (gid >= 0 && chown(sock_path, 0, (gid_t)gid) != 0))
		API_LOG(WARNING, "cannot set permissions of %s: %s\n", sock_path, strerror(errno));
	sv->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, handle, sv,
				 MHD_OPTION_LISTEN_SOCKET, sv->lfd, MHD_OPTION_NOTIFY_COMPLETED,
				 completed, sv, MHD_OPTION_NOTIFY_CONNECTION, notify_conn, sv,
				 MHD_OPTION_URI_LOG_CALLBACK, log_uri, sv,
				 MHD_OPTION_CONNECTION_TIMEOUT, API_IDLE_SECS,
				 MHD_OPTION_CONNECTION_LIMIT, API_MAX_CONNS, MHD_OPTION_END);
	if (!sv->d) {
		API_LOG(ERR, "cannot start the HTTP server on %s\n", sock_path);
		return -EIO;
	}
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(sv->d, MHD_DAEMON_INFO_EPOLL_FD);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = sv };
	if (!i || epoll_ctl(sv->api->ep, EPOLL_CTL_ADD, i->epoll_fd, &ev) != 0)
		return -EIO;
	return 0;
}

struct api *api_create(struct ctl *ctl, const char *sock_path, const char *ro_path, int gid)
{
	struct api *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->ctl = ctl;
	a->rw = (struct srv){ .api = a, .ro = false, .lfd = -1 };
	a->ro = (struct srv){ .api = a, .ro = true, .lfd = -1 };
	a->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!(a->cap = capture_srv_create()))
		goto fail;
	if (a->ep < 0 || srv_start(&a->rw, sock_path, 0660, gid) < 0 ||
	    srv_start(&a->ro, ro_path, 0666, gid) < 0)
		goto fail;
	return a;
fail:
	api_free(a);
	return NULL;
}

static void srv_stop(struct srv *sv)
{
	if (sv->d)
		MHD_stop_daemon(sv->d); /* closes the listening socket too */
	else if (sv->lfd >= 0)
		close(sv->lfd);
	if (sv->lfd >= 0)
		unlink(sv->path);
}

void api_free(struct api *a)
{
	if (!a)
		return;
	capture_srv_shutdown(a->cap); /* MHD stops with no suspended connection */
	srv_stop(&a->rw);
	srv_stop(&a->ro);
	if (a->ep >= 0)
		close(a->ep);
	capture_srv_free(a->cap);
	free(a);
}

int api_fd(const struct api *a)
{
	return a->ep;
}

static int srv_timeout_ms(const struct srv *sv)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (MHD_get_timeout(sv->d, &t) != MHD_YES)
		return -1;
	return t > 1000 ? 1000 : (int)t;
}

int api_timeout_ms(const struct api *a)
{
	int t = srv_timeout_ms(&a->rw), u = srv_timeout_ms(&a->ro);
	int ct = capture_timeout_ms(a->cap); /* streams look for frames this often */
	if (t < 0 || (u >= 0 && u < t))
		t = u;
	if (t < 0 || (ct >= 0 && ct < t))
		t = ct;
	if (t < 0 && a->socks)
		t = 1000; /* deadlines are checked each second */
	return t;
}

void api_run(struct api *a)
{
	MHD_run(a->rw.d);
	MHD_run(a->ro.d);
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
