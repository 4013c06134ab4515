/*
 * http.c - minimal HTTP/1.1 client over AF_UNIX for vnetctl (see http.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef CLI_HTTP_USER_AGENT
#define CLI_HTTP_USER_AGENT "vnetctl/0.1.0"
#endif

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void cli_http_response_free(struct cli_http_response *resp)
{
    if (!resp)
        return;
    free(resp->reason);
    free(resp->content_type);
    free(resp->body);
    memset(resp, 0, sizeof(*resp));
}

/* ---------------------------------------------------------------------
 * Response parsing
 * --------------------------------------------------------------------- */

/* Find the next line in [p, end): returns a pointer to the '\n' or NULL. */
static const char *find_eol(const char *p, const char *end)
{
    return memchr(p, '\n', (size_t)(end - p));
}

static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Parse "HTTP/1.x SSS[ reason]" (without line terminator). */
static int parse_status_line(const char *s, size_t n,
                             struct cli_http_response *resp,
                             char *err, size_t errlen)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' ||
        s[8] != ' ' || s[9] < '1' || s[9] > '5' ||
        s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
        (n > 12 && s[12] != ' ')) {
        set_err(err, errlen, "malformed response from vnetd: bad status line "
                "'%.*s'", (int)(n > 60 ? 60 : n), s);
        return -1;
    }
    resp->minor_version = s[7] - '0';
    resp->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    free(resp->reason);
    resp->reason = n > 13 ? dup_range(s + 13, n - 13) : strdup("");
    if (!resp->reason) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int parse_content_length(const char *v, size_t n, long long *out)
{
    long long val = 0;

    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        if (val > (LLONG_MAX - 9) / 10)
            return -1;
        val = val * 10 + (v[i] - '0');
    }
    *out = val;
    return 0;
}

/* Parse one header block starting at @buf (status line + headers + empty
 * line).  Returns 1 with *@hdr_len set when complete, 0 when more data is
 * needed, -1 on error. */
static int parse_head(const char *buf, size_t len, bool eof,
                      struct cli_http_response *resp, size_t *hdr_len,
                      char *err, size_t errlen)
{
    const char *p = buf, *end = buf + len, *eol;
    bool first = true;

    resp->content_length = -1;
    free(resp->content_type);
    resp->content_type = NULL;

    for (;;) {
        eol = find_eol(p, end);
        if (!eol) {
            if ((size_t)(end - buf) > CLI_HTTP_MAX_HEADER) {
                set_err(err, errlen, "malformed response from vnetd: "
                        "header section larger than %u bytes",
                        CLI_HTTP_MAX_HEADER);
                return -1;
            }
            if (eof) {
                if (len == 0)
                    set_err(err, errlen, "vnetd closed the connection "
                            "without sending a response");
                else
                    set_err(err, errlen, "malformed response from vnetd: "
                            "truncated header section");
                return -1;
            }
            return 0;
        }
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        if ((size_t)(eol + 1 - buf) > CLI_HTTP_MAX_HEADER) {
            set_err(err, errlen, "malformed response from vnetd: header "
                    "section larger than %u bytes", CLI_HTTP_MAX_HEADER);
            return -1;
        }

        if (first) {
            if (parse_status_line(p, n, resp, err, errlen) < 0)
                return -1;
            first = false;
        } else if (n == 0) {
            *hdr_len = (size_t)(eol + 1 - buf);
            return 1;
        } else {
            const char *colon = memchr(p, ':', n);
            size_t nlen;
            const char *v, *vend;

            if (!colon || colon == p) {
                set_err(err, errlen, "malformed response from vnetd: bad "
                        "header line '%.*s'", (int)(n > 60 ? 60 : n), p);
                return -1;
            }
            nlen = (size_t)(colon - p);
            for (size_t i = 0; i < nlen; i++) {
                if (!is_tchar((unsigned char)p[i])) {
                    set_err(err, errlen, "malformed response from vnetd: "
                            "bad header line '%.*s'",
                            (int)(n > 60 ? 60 : n), p);
                    return -1;
                }
            }
            v = colon + 1;
            vend = p + n;
            while (v < vend && (*v == ' ' || *v == '\t'))
                v++;
            while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
                vend--;

            if (nlen == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
                long long cl;
                if (parse_content_length(v, (size_t)(vend - v), &cl) < 0 ||
                    (resp->content_length >= 0 &&
                     resp->content_length != cl)) {
                    set_err(err, errlen, "malformed response from vnetd: "
                            "bad Content-Length '%.*s'",
                            (int)(vend - v > 40 ? 40 : vend - v), v);
                    return -1;
                }
                resp->content_length = cl;
            } else if (nlen == 17 &&
                       strncasecmp(p, "Transfer-Encoding", 17) == 0) {
                if (!((vend - v) == 8 && strncasecmp(v, "identity", 8) == 0)) {
                    set_err(err, errlen, "unsupported response from vnetd: "
                            "Transfer-Encoding '%.*s'",
                            (int)(vend - v > 40 ? 40 : vend - v), v);
                    return -1;
                }
            } else if (nlen == 12 &&
                       strncasecmp(p, "Content-Type", 12) == 0) {
                free(resp->content_type);
                resp->content_type = dup_range(v, (size_t)(vend - v));
                if (!resp->content_type) {
                    set_err(err, errlen, "out of memory");
                    return -1;
                }
            }
        }
        p = eol + 1;
    }
}

int cli_http_parse_response(const char *buf, size_t len, bool eof,
                            struct cli_http_response *resp,
                            size_t *consumed, char *err, size_t errlen)
{
    size_t off = 0, hdr_len = 0, avail, blen;
    int rc;

    memset(resp, 0, sizeof(*resp));
    for (;;) {
        rc = parse_head(buf + off, len - off, eof, resp, &hdr_len,
                        err, errlen);
        if (rc <= 0) {
            if (rc == 0 && eof)
                rc = -1;
            goto fail;
        }
        if (resp->status >= 200)
            break;
        if (resp->status == 101) {
            set_err(err, errlen, "unexpected response from vnetd: "
                    "101 Switching Protocols");
            rc = -1;
            goto fail;
        }
        /* 1xx interim response: skip it, the final one follows. */
        off += hdr_len;
    }
    off += hdr_len;
    avail = len - off;

    if (resp->status == 204 || resp->status == 304) {
        blen = 0;
    } else if (resp->content_length >= 0) {
        if ((unsigned long long)resp->content_length > CLI_HTTP_MAX_BODY) {
            set_err(err, errlen, "response from vnetd too large "
                    "(%lld bytes)", resp->content_length);
            rc = -1;
            goto fail;
        }
        blen = (size_t)resp->content_length;
        if (avail < blen) {
            if (eof) {
                set_err(err, errlen, "malformed response from vnetd: "
                        "truncated body (got %zu of %zu bytes)", avail, blen);
                rc = -1;
            } else {
                rc = 0;
            }
            goto fail;
        }
    } else {
        if (avail > CLI_HTTP_MAX_BODY) {
            set_err(err, errlen, "response from vnetd too large "
                    "(more than %u bytes)", CLI_HTTP_MAX_BODY);
            rc = -1;
            goto fail;
        }
        if (!eof) {
            rc = 0;
            goto fail;
        }
        blen = avail;
    }

    resp->body = dup_range(buf + off, blen);
    if (!resp->body) {
        set_err(err, errlen, "out of memory");
        rc = -1;
        goto fail;
    }
    resp->body_len = blen;
    if (consumed)
        *consumed = off + blen;
    return 1;

fail:
    cli_http_response_free(resp);
    return rc;
}

/* ---------------------------------------------------------------------
 * Request formatting
 * --------------------------------------------------------------------- */

char *cli_http_format_request(const char *method, const char *target,
                              const char *body, size_t body_len,
                              size_t *outlen)
{
    bool want_len = body != NULL || strcmp(method, "POST") == 0 ||
                    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
    char head[512];
    int hn;
    char *out;

    if (!body)
        body_len = 0;
    if (want_len)
        hn = snprintf(head, sizeof(head),
                      "Host: localhost\r\n"
                      "User-Agent: " CLI_HTTP_USER_AGENT "\r\n"
                      "Accept: application/json\r\n"
                      "Connection: close\r\n"
                      "%s"
                      "Content-Length: %zu\r\n\r\n",
                      body ? "Content-Type: application/json\r\n" : "",
                      body_len);
    else
        hn = snprintf(head, sizeof(head),
                      "Host: localhost\r\n"
                      "User-Agent: " CLI_HTTP_USER_AGENT "\r\n"
                      "Accept: application/json\r\n"
                      "Connection: close\r\n\r\n");
    if (hn < 0 || (size_t)hn >= sizeof(head))
        return NULL;

    size_t mlen = strlen(method), tlen = strlen(target);
    size_t total = mlen + 1 + tlen + 11 + (size_t)hn + body_len;
    out = malloc(total + 1);
    if (!out)
        return NULL;
    char *p = out;
    memcpy(p, method, mlen);
    p += mlen;
    *p++ = ' ';
    memcpy(p, target, tlen);
    p += tlen;
    memcpy(p, " HTTP/1.1\r\n", 11);
    p += 11;
    memcpy(p, head, (size_t)hn);
    p += hn;
    if (body_len)
        memcpy(p, body, body_len);
    p += body_len;
    *p = '\0';
    *outlen = total;
    return out;
}

/* ---------------------------------------------------------------------
 * Socket I/O
 * --------------------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @events on @fd until @deadline (ms, -1: none).
 * Returns 0 when ready, -1 on timeout (errno ETIMEDOUT) or error. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = events };
        int tmo = -1, rc;

        if (deadline >= 0) {
            long long left = deadline - now_ms();
            if (left <= 0) {
                errno = ETIMEDOUT;
                return -1;
            }
            tmo = left > INT_MAX ? INT_MAX : (int)left;
        }
        rc = poll(&pfd, 1, tmo);
        if (rc > 0)
            return 0;
        if (rc == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (errno != EINTR)
            return -1;
    }
}

static void io_error(struct cli_http_error *err, int e, const char *what)
{
    err->err_no = e;
    if (e == ETIMEDOUT) {
        err->kind = CLI_HTTP_ERR_TIMEOUT;
        snprintf(err->msg, sizeof(err->msg),
                 "timed out waiting for vnetd while %s", what);
    } else {
        err->kind = CLI_HTTP_ERR_IO;
        snprintf(err->msg, sizeof(err->msg), "failed %s vnetd: %s",
                 what, strerror(e));
    }
}

int cli_http_exchange_fd(int fd, const char *method, const char *target,
                         const char *body, size_t body_len, int timeout_ms,
                         struct cli_http_response *resp,
                         struct cli_http_error *err)
{
    long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
    size_t reqlen = 0, sent = 0, len = 0, cap = 0;
    char *req, *buf = NULL;
    int flags, rc = -1;

    memset(err, 0, sizeof(*err));
    memset(resp, 0, sizeof(*resp));

    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        io_error(err, errno, "setting up the connection to");
        return -1;
    }

    req = cli_http_format_request(method, target, body, body_len, &reqlen);
    if (!req) {
        err->kind = CLI_HTTP_ERR_NOMEM;
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return -1;
    }

    while (sent < reqlen) {
        ssize_t n = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(fd, POLLOUT, deadline) < 0) {
                io_error(err, errno, "sending the request to");
                goto out;
            }
            continue;
        }
        /* The server may answer (e.g. 413) and close before reading the
         * whole body: try to read its response before giving up. */
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
            break;
        io_error(err, n < 0 ? errno : EIO, "sending the request to");
        goto out;
    }

    for (;;) {
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 16384;
            char *nb;
            if (ncap > CLI_HTTP_MAX_HEADER + CLI_HTTP_MAX_BODY + 65536)
                ncap = CLI_HTTP_MAX_HEADER + CLI_HTTP_MAX_BODY + 65536;
            if (ncap <= len + 1) {
                err->kind = CLI_HTTP_ERR_PROTOCOL;
                snprintf(err->msg, sizeof(err->msg),
                         "response from vnetd too large");
                goto out;
            }
            nb = realloc(buf, ncap);
            if (!nb) {
                err->kind = CLI_HTTP_ERR_NOMEM;
                snprintf(err->msg, sizeof(err->msg), "out of memory");
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (wait_fd(fd, POLLIN, deadline) < 0) {
                    io_error(err, errno, "reading the response from");
                    goto out;
                }
                continue;
            }
            if (errno == ECONNRESET && len > 0)
                n = 0; /* treat as EOF: the parser decides */
            else {
                io_error(err, errno, "reading the response from");
                goto out;
            }
        }
        bool eof = n == 0;
        len += (size_t)n;
        int prc = cli_http_parse_response(buf, len, eof, resp, NULL,
                                          err->msg, sizeof(err->msg));
        if (prc == 1) {
            rc = 0;
            break;
        }
        if (prc < 0) {
            err->kind = CLI_HTTP_ERR_PROTOCOL;
            break;
        }
    }

out:
    free(req);
    free(buf);
    return rc;
}

int cli_http_request(const char *sock_path, const char *method,
                     const char *target, const char *body, size_t body_len,
                     int timeout_ms, struct cli_http_response *resp,
                     struct cli_http_error *err)
{
    struct sockaddr_un sun;
    int fd, rc;

    memset(err, 0, sizeof(*err));
    memset(resp, 0, sizeof(*resp));
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (strlen(sock_path) >= sizeof(sun.sun_path)) {
        err->kind = CLI_HTTP_ERR_CONNECT;
        err->err_no = ENAMETOOLONG;
        snprintf(err->msg, sizeof(err->msg), "%s", strerror(ENAMETOOLONG));
        return -1;
    }
    memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err->kind = CLI_HTTP_ERR_CONNECT;
        err->err_no = errno;
        snprintf(err->msg, sizeof(err->msg), "%s", strerror(errno));
        return -1;
    }
    if (timeout_ms > 0) {
        /* A unix stream connect() blocks while the listen backlog is full;
         * SO_SNDTIMEO bounds that wait. */
        struct timeval tv = {
            .tv_sec = timeout_ms / 1000,
            .tv_usec = (timeout_ms % 1000) * 1000,
        };
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    do {
        rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        int e = (errno == EAGAIN || errno == EINPROGRESS) ? ETIMEDOUT : errno;
        err->kind = CLI_HTTP_ERR_CONNECT;
        err->err_no = e;
        snprintf(err->msg, sizeof(err->msg), "%s", strerror(e));
        close(fd);
        return -1;
    }

    rc = cli_http_exchange_fd(fd, method, target, body, body_len, timeout_ms,
                              resp, err);
    close(fd);
    return rc;
}
