/*
 * dns_fwd.c - forwarding upstream (see dns_fwd.h).
 */
#include "dns_fwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define TCP_MSG_MAX 65535

struct server {
	char domain[DNS_NAME_TEXT_MAX];  /* canonical; "" for every name */
	bool local;                      /* no address: answered locally */
	struct sockaddr_storage sa;
	socklen_t salen;
};

enum pstate { P_UDP, P_TCP_CONNECT, P_TCP_READ };

struct pend {
	struct pend *prev, *next;
	struct dns_fwd *f;
	int fd;
	enum pstate st;
	uint16_t up_id;
	unsigned srv;                    /* index in the candidate list */
	unsigned tries;
	uint64_t deadline;               /* ms, CLOCK_MONOTONIC */
	struct dns_client cl;
	struct dns_query q;
	uint8_t *tc;                     /* the truncated UDP reply (TCP fallback) */
	size_t tc_len;
	uint8_t *rbuf;                   /* TCP reply being read */
	size_t rlen;
	size_t len;
	uint8_t msg[];
};

struct dns_fwd {
	struct dns_fwd *gnext;           /* every forwarder: the timer sweeps them */
	char resolv[256];
	struct timespec resolv_mtime;
	bool resolv_seen;
	struct server srv[DNS_FWD_MAX_SERVERS];
	unsigned n_srv;
	struct server rsrv[DNS_FWD_MAX_SERVERS]; /* from resolv.conf */
	unsigned n_rsrv;
	dns_fwd_reply_fn fn;
	void *ctx;
	struct pend *head;
	unsigned n_pend;
	uint16_t port_pend[256];         /* in flight per guest port (mod 256) */
	struct dns_fwd_stats st;
};

static int loop_ep = -1, loop_tfd = -1;
static unsigned pend_all;                /* in flight, every network */
static bool timer_armed;
static struct dns_fwd *all;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int dns_loop_fd(void)
{
	if (loop_ep >= 0)
		return loop_ep;
	loop_ep = epoll_create1(EPOLL_CLOEXEC);
	loop_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (loop_ep < 0 || loop_tfd < 0) {
		if (loop_ep >= 0)
			close(loop_ep);
		if (loop_tfd >= 0)
			close(loop_tfd);
		loop_ep = loop_tfd = -1;
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(loop_ep, EPOLL_CTL_ADD, loop_tfd, &ev);
	return loop_ep;
}

/* The sweep timer runs (every 100 ms) only while queries are in flight. */
static void timer_set(bool on)
{
	if (on == timer_armed || loop_tfd < 0)
		return;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	if (on)
		its.it_interval.tv_nsec = its.it_value.tv_nsec = 100 * 1000000L;
	timerfd_settime(loop_tfd, 0, &its, NULL);
	timer_armed = on;
}

static bool under(const char *name, const char *dom)
{
	size_t n = strlen(name), d = strlen(dom);
	if (!d)
		return true;
	if (n < d || strcmp(name + n - d, dom) != 0)
		return false;
	return n == d || name[n - d - 1] == '.';
}

static int parse_addr(const char *s, struct sockaddr_storage *sa, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned port = DNS_PORT;
	const char *hash = strchr(s, '#');
	size_t hl = hash ? (size_t)(hash - s) : strlen(s);
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (hash) {
		char *end;
		unsigned long p = strtoul(hash + 1, &end, 10);
		if (*end || !p || p > 65535)
			return -EINVAL;
		port = (unsigned)p;
	}
	memset(sa, 0, sizeof(*sa));
	struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -EINVAL;
}

/* The servers in use: the forwarders with an address, and resolv.conf's
 * when no forwarder is for every name. */
static void count_servers(struct dns_fwd *f)
{
	unsigned n = 0;
	bool general = false;
	for (unsigned i = 0; i < f->n_srv; i++) {
		n += !f->srv[i].local;
		general |= !f->srv[i].local && !f->srv[i].domain[0];
	}
	f->st.servers = n + (general ? 0 : f->n_rsrv);
}

static void read_resolv(struct dns_fwd *f)
{
	struct stat sb;
	if (stat(f->resolv, &sb) < 0) {
		f->n_rsrv = 0;
		f->resolv_seen = false;
		count_servers(f);
		return;
	}
	if (f->resolv_seen && sb.st_mtim.tv_sec == f->resolv_mtime.tv_sec &&
	    sb.st_mtim.tv_nsec == f->resolv_mtime.tv_nsec)
		return;
	f->resolv_seen = true;
	f->resolv_mtime = sb.st_mtim;
	f->n_rsrv = 0;
	FILE *fp = fopen(f->resolv, "re");
	char line[512];
	while (fp && fgets(line, sizeof(line), fp) && f->n_rsrv < DNS_FWD_MAX_SERVERS) {
		char a[128];
		if (sscanf(line, " nameserver %127s", a) != 1)
			continue;
		char *pct = strchr(a, '%'); /* fe80::1%eth0: the scope is not kept */
		if (pct)
			*pct = 0;
		struct server *s = &f->rsrv[f->n_rsrv];
		memset(s, 0, sizeof(*s));
		if (parse_addr(a, &s->sa, &s->salen) == 0)
			f->n_rsrv++;
	}
	if (fp)
		fclose(fp);
	count_servers(f);
}

struct dns_fwd *dns_fwd_new(const char *resolv, dns_fwd_reply_fn fn, void *ctx)
{
	struct dns_fwd *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	snprintf(f->resolv, sizeof(f->resolv), "%s", resolv ? resolv : "/etc/resolv.conf");
	f->fn = fn;
	f->ctx = ctx;
	read_resolv(f);
	f->gnext = all;
	all = f;
	return f;
}

int dns_fwd_add(struct dns_fwd *f, const char *domain, const char *addr)
{
	if (f->n_srv >= DNS_FWD_MAX_SERVERS)
		return -ENOSPC;
	struct server *s = &f->srv[f->n_srv];
	memset(s, 0, sizeof(*s));
	if (domain && dns_name_canon(domain, s->domain) < 0)
		return -EINVAL;
	if (!addr) {
		if (!s->domain[0])
			return -EINVAL;
		s->local = true;
	} else if (parse_addr(addr, &s->sa, &s->salen) < 0) {
		return -EINVAL;
	}
	f->n_srv++;
	count_servers(f);
	return 0;
}

void dns_fwd_clear(struct dns_fwd *f)
{
	f->n_srv = 0;
	count_servers(f);
}

/* The longest domain that matches name among the forwarders (NULL: none). */
static const char *best_domain(const struct dns_fwd *f, const char *name)
{
	const char *best = NULL;
	for (unsigned i = 0; i < f->n_srv; i++) {
		const char *d = f->srv[i].domain;
		if (d[0] && under(name, d) && (!best || strlen(d) > strlen(best)))
			best = d;
	}
	return best;
}

bool dns_fwd_is_local(const struct dns_fwd *f, const char *name)
{
	const char *d = best_domain(f, name);
	if (!d)
		return false;
	for (unsigned i = 0; i < f->n_srv; i++)
		if (!strcmp(f->srv[i].domain, d) && f->srv[i].local)
			return true;
	return false;
}

/* The servers for name, in order: candidates of its best domain, else the
 * general forwarders, else resolv.conf's. */
static unsigned candidates(struct dns_fwd *f, const char *name, const struct server **out)
{
	unsigned n = 0;
	const char *d = best_domain(f, name);
	for (unsigned i = 0; i < f->n_srv; i++)
		if (!f->srv[i].local && !strcmp(f->srv[i].domain, d ? d : ""))
			out[n++] = &f->srv[i];
	if (n || d)
		return n;
	for (unsigned i = 0; i < f->n_rsrv; i++)
		out[n++] = &f->rsrv[i];
	return n;
}

static void pend_close_fd(struct pend *p)
{
	if (p->fd >= 0) {
		epoll_ctl(loop_ep, EPOLL_CTL_DEL, p->fd, NULL);
		close(p->fd);
		p->fd = -1;
	}
}

static void pend_free(struct pend *p)
{
	struct dns_fwd *f = p->f;
	pend_close_fd(p);
	if (p->prev)
		p->prev->next = p->next;
	else
		f->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	f->n_pend--;
	f->port_pend[p->cl.port & 255]--;
	pend_all--;
	free(p->tc);
	free(p->rbuf);
	free(p);
	f->st.pending = f->n_pend;
}

static void finish(struct pend *p, const uint8_t *msg, size_t len)
{
	struct dns_fwd *f = p->f;
	if (!msg)
		f->st.failed++;
	f->fn(f->ctx, &p->cl, &p->q, msg, len);
	pend_free(p);
}

/* Sends attempt p->tries to the server p->srv over UDP: 0 or -errno. */
static int attempt(struct pend *p)
{
	const struct server *c[2 * DNS_FWD_MAX_SERVERS];
	unsigned n = candidates(p->f, p->q.name, c);
	if (!n)
		return -ENOENT;
	const struct server *s = c[p->srv % n];
	pend_close_fd(p);
	p->st = P_UDP;
	p->fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)rand();
	p->up_id = id;
	p->msg[0] = (uint8_t)(id >> 8);
	p->msg[1] = (uint8_t)id;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = p };
	if (connect(p->fd, (const struct sockaddr *)&s->sa, s->salen) < 0 ||
	    send(p->fd, p->msg, p->len, 0) < 0 ||
	    epoll_ctl(loop_ep, EPOLL_CTL_ADD, p->fd, &ev) < 0) {
		int e = -errno;
		pend_close_fd(p);
		return e;
	}
	p->tries++;
	p->deadline = now_ms() + DNS_FWD_TIMEOUT_MS;
	p->f->st.sent++;
	return 0;
}

/* The next attempt after a timeout or an error; the client gets SERVFAIL
 * (or the truncated reply, if one came) after the last. */
static void next_attempt(struct pend *p)
{
	while (p->tries < DNS_FWD_TRIES) {
		p->srv++;
		p->f->st.retries++;
		int r = attempt(p);
		if (r == 0)
			return;
		p->f->st.socket_errors++;
		if (r == -ENOENT)
			break;
		p->tries++;
	}
	if (p->tc)
		finish(p, p->tc, p->tc_len);
	else
		finish(p, NULL, 0);
}

int dns_fwd_query(struct dns_fwd *f, const struct dns_client *cl, const struct dns_query *q,
		const uint8_t *msg, size_t len)
{
	if (dns_loop_fd() < 0)
		return -EIO;
	if (f->n_pend >= DNS_FWD_PENDING || pend_all >= DNS_FWD_PENDING_ALL ||
	    f->port_pend[cl->port & 255] >= DNS_FWD_PORT_PENDING)
		return -EBUSY;
	if (len < DNS_HDR_LEN || len > TCP_MSG_MAX)
		return -EINVAL;
	struct pend *p = calloc(1, sizeof(*p) + len);
	if (!p)
		return -ENOMEM;
	p->f = f;
	p->fd = -1;
	p->cl = *cl;
	p->q = *q;
	p->len = len;
	memcpy(p->msg, msg, len);
	p->next = f->head;
	if (f->head)
		f->head->prev = p;
	f->head = p;
	f->n_pend++;
	f->port_pend[cl->port & 255]++;
	pend_all++;
	f->st.pending = f->n_pend;
	int r = attempt(p);
	while (r < 0 && r != -ENOENT && p->tries < DNS_FWD_TRIES) {
		f->st.socket_errors++;
		p->tries++;
		p->srv++;
		r = attempt(p);
	}
	if (r < 0) {
		pend_free(p);
		return r == -ENOENT ? -ENOENT : r;
	}
	timer_set(true);
	return 0;
}

/* Is msg the answer to p's current attempt? */
static bool matches(const struct pend *p, const uint8_t *msg, size_t len)
{
	struct dns_query r;
	if (dns_parse_response(msg, len, &r) < 0 || r.id != p->up_id)
		return false;
	return r.qtype == p->q.qtype && r.qclass == p->q.qclass && !strcmp(r.name, p->q.name);
}

static void deliver(struct pend *p, uint8_t *msg, size_t len)
{
	msg[0] = (uint8_t)(p->cl.id >> 8);
	msg[1] = (uint8_t)p->cl.id;
	p->f->st.replies++;
	finish(p, msg, len);
}

/* TC over UDP: the same server over TCP. */
static void start_tcp(struct pend *p, const uint8_t *msg, size_t len)
{
	const struct server *c[2 * DNS_FWD_MAX_SERVERS];
	unsigned n = candidates(p->f, p->q.name, c);
	free(p->tc);
	p->tc = malloc(len);
	if (p->tc) {
		memcpy(p->tc, msg, len);
		p->tc_len = len;
	}
	pend_close_fd(p);
	p->f->st.tcp_retries++;
	if (!n)
		goto fail;
	const struct server *s = c[p->srv % n];
	p->fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		goto fail;
	if (connect(p->fd, (const struct sockaddr *)&s->sa, s->salen) < 0 && errno != EINPROGRESS)
		goto fail;
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = p };
	if (epoll_ctl(loop_ep, EPOLL_CTL_ADD, p->fd, &ev) < 0)
		goto fail;
	p->st = P_TCP_CONNECT;
	p->deadline = now_ms() + 2 * DNS_FWD_TIMEOUT_MS;
	return;
fail:
	p->f->st.tcp_failed++;
	if (p->tc) /* the truncated answer: the client retries over TCP itself */
		deliver(p, p->tc, p->tc_len);
	else
		finish(p, NULL, 0);
}

static void tcp_fail(struct pend *p)
{
	p->f->st.tcp_failed++;
	if (p->tc)
		deliver(p, p->tc, p->tc_len);
	else
		finish(p, NULL, 0);
}

static void on_tcp(struct pend *p, uint32_t events)
{
	if (p->st == P_TCP_CONNECT) {
		int err = 0;
		socklen_t el = sizeof(err);
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		uint8_t hdr[2] = { (uint8_t)(p->len >> 8), (uint8_t)p->len };
		struct iovec iov[2] = { { hdr, 2 }, { p->msg, p->len } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		if (err || (events & EPOLLERR) || sendmsg(p->fd, &mh, MSG_NOSIGNAL) != (ssize_t)(p->len + 2))
			return tcp_fail(p);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = p };
		epoll_ctl(loop_ep, EPOLL_CTL_MOD, p->fd, &ev);
		p->st = P_TCP_READ;
		return;
	}
	if (!p->rbuf && !(p->rbuf = malloc(TCP_MSG_MAX + 2)))
		return tcp_fail(p);
	ssize_t r = recv(p->fd, p->rbuf + p->rlen, TCP_MSG_MAX + 2 - p->rlen, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0)
		return tcp_fail(p);
	p->rlen += (size_t)r;
	if (p->rlen < 2)
		return;
	size_t want = (size_t)p->rbuf[0] << 8 | p->rbuf[1];
	if (p->rlen < want + 2)
		return;
	if (!matches(p, p->rbuf + 2, want)) {
		p->f->st.bad_replies++;
		return tcp_fail(p);
	}
	deliver(p, p->rbuf + 2, want);
}

static void on_udp(struct pend *p)
{
	static uint8_t buf[TCP_MSG_MAX];
	for (;;) {
		ssize_t r = recv(p->fd, buf, sizeof(buf), 0);
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				/* ICMP port unreachable: try the next server now */
				p->f->st.socket_errors++;
				next_attempt(p);
			}
			return;
		}
		if (!matches(p, buf, (size_t)r)) {
			p->f->st.bad_replies++;
			continue;
		}
		if (buf[2] & 0x02) /* TC */
			return start_tcp(p, buf, (size_t)r);
		return deliver(p, buf, (size_t)r);
	}
}

static void sweep(void)
{
	uint64_t now = now_ms();
	bool any = false;
	for (struct dns_fwd *f = all; f; f = f->gnext) {
		struct pend *p = f->head, *nx;
		for (; p; p = nx) {
			nx = p->next;
			if (p->deadline > now)
				continue;
			f->st.timeouts++;
			if (p->st == P_UDP)
				next_attempt(p);
			else
				tcp_fail(p);
		}
		any |= f->n_pend > 0;
	}
	timer_set(any);
}

void dns_loop_run(void)
{
	struct epoll_event evs[64];
	if (loop_ep < 0)
		return;
	int n = epoll_wait(loop_ep, evs, 64, 0);
	bool tick = false;
	for (int i = 0; i < n; i++) {
		struct pend *p = evs[i].data.ptr;
		if (!p) {
			uint64_t t;
			if (read(loop_tfd, &t, sizeof(t)) < 0)
				continue;
			tick = true;
			continue;
		}
		/* p may have been freed by an earlier event of this batch only if
		 * it had two events: one fd per pend, one event per fd. */
		if (p->st == P_UDP)
			on_udp(p);
		else
			on_tcp(p, evs[i].events);
	}
	if (tick)
		sweep();
}

void dns_fwd_tick(struct dns_fwd *f)
{
	read_resolv(f);
}

void dns_fwd_get_stats(const struct dns_fwd *f, struct dns_fwd_stats *s)
{
	*s = f->st;
}

void dns_fwd_free(struct dns_fwd *f)
{
	if (!f)
		return;
	while (f->head)
		pend_free(f->head);
	for (struct dns_fwd **pp = &all; *pp; pp = &(*pp)->gnext)
		if (*pp == f) {
			*pp = f->gnext;
			break;
		}
	free(f);
}
