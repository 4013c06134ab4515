/*
 * test_cli_http.c - vnetctl's HTTP/1.1 client: response parsing (framing,
 * incremental input, read-to-EOF, malformed answers), request formatting,
 * and real exchanges over socketpairs / a unix socket served by a forked
 * child (short writes, EOF-delimited bodies, timeouts, connect errors).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"

static char errbuf[256];

static int parse(const char *s, bool eof, struct cli_http_response *r)
{
    errbuf[0] = '\0';
    return cli_http_parse_response(s, strlen(s), eof, r, NULL, errbuf,
                                   sizeof(errbuf));
}

static void assert_malformed(const char *s, bool eof, const char *needle)
{
    struct cli_http_response r;

    assert_int_equal(parse(s, eof, &r), -1);
    if (!strstr(errbuf, needle))
        fail_msg("error '%s' lacks '%s'", errbuf, needle);
    assert_null(r.body);
}

/* ------------------------------------------------------------------ */

static void test_parse_content_length(void **state)
{
    (void)state;
    struct cli_http_response r;
    const char *s = "HTTP/1.1 200 OK\r\n"
                    "Content-Type: application/json\r\n"
                    "content-length: 13\r\n"
                    "\r\n"
                    "{\"a\": \"xyz\"}\n";

    assert_int_equal(parse(s, false, &r), 1);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.minor_version, 1);
    assert_string_equal(r.reason, "OK");
    assert_string_equal(r.content_type, "application/json");
    assert_int_equal(r.content_length, 13);
    assert_int_equal(r.body_len, 13);
    assert_string_equal(r.body, "{\"a\": \"xyz\"}\n");
    cli_http_response_free(&r);
}

/* Every prefix is "need more"; the full text is complete. */
static void test_parse_incremental(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 404 Not Found\r\n"
                    "Content-Length: 5\r\n\r\nhello";
    size_t n = strlen(s);
    struct cli_http_response r;

    for (size_t i = 0; i < n; i++) {
        int rc = cli_http_parse_response(s, i, false, &r, NULL, errbuf,
                                         sizeof(errbuf));
        assert_int_equal(rc, 0);
    }
    assert_int_equal(cli_http_parse_response(s, n, false, &r, NULL, errbuf,
                                             sizeof(errbuf)), 1);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.reason, "Not Found");
    assert_string_equal(r.body, "hello");
    cli_http_response_free(&r);
}

static void test_parse_extra_bytes(void **state)
{
    (void)state;
    struct cli_http_response r;
    size_t used = 0;
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}GARBAGE";

    assert_int_equal(cli_http_parse_response(s, strlen(s), true, &r, &used,
                                             errbuf, sizeof(errbuf)), 1);
    assert_string_equal(r.body, "{}");
    assert_int_equal(used, strlen(s) - 7);
    cli_http_response_free(&r);
}

static void test_parse_read_to_eof(void **state)
{
    (void)state;
    struct cli_http_response r;
    const char *s = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
                    "\r\n{\"version\": \"0.1.0\"}";

    /* no Content-Length: body runs to EOF */
    assert_int_equal(parse(s, false, &r), 0);
    assert_int_equal(parse(s, true, &r), 1);
    assert_int_equal(r.minor_version, 0);
    assert_int_equal(r.content_length, -1);
    assert_string_equal(r.body, "{\"version\": \"0.1.0\"}");
    cli_http_response_free(&r);

    /* empty body at EOF */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\n\r\n", true, &r), 1);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(r.body, "");
    cli_http_response_free(&r);
}

static void test_parse_lf_only_no_reason(void **state)
{
    (void)state;
    struct cli_http_response r;

    assert_int_equal(parse("HTTP/1.1 201\nContent-Length: 2\n\n{}", false,
                           &r), 1);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.reason, "");
    assert_string_equal(r.body, "{}");
    cli_http_response_free(&r);
}

static void test_parse_interim_and_204(void **state)
{
    (void)state;
    struct cli_http_response r;

    assert_int_equal(parse("HTTP/1.1 100 Continue\r\n\r\n"
                           "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
                           false, &r), 1);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "abc");
    cli_http_response_free(&r);

    /* 204 has no body even without Content-Length and before EOF */
    assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", false, &r), 1);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.body_len, 0);
    cli_http_response_free(&r);
}

static void test_parse_malformed(void **state)
{
    (void)state;
    assert_malformed("", true, "closed the connection");
    assert_malformed("HTTP/1.1 200 OK\r\nContent-Le", true,
                     "truncated header");
    assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                     true, "truncated body (got 5 of 10 bytes)");
    assert_malformed("SSH-2.0-OpenSSH\r\n\r\n", false, "bad status line");
    assert_malformed("HTTP/2 200 OK\r\n\r\n", false, "bad status line");
    assert_malformed("HTTP/1.1 20 OK\r\n\r\n", false, "bad status line");
    assert_malformed("HTTP/1.1 200OK\r\n\r\n", false, "bad status line");
    assert_malformed("HTTP/1.1 600 Weird\r\n\r\n", false, "bad status line");
    assert_malformed("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", false,
                     "bad header line");
    assert_malformed("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", false,
                     "bad header line");
    assert_malformed("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", false,
                     "bad header line");
    assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", false,
                     "bad Content-Length");
    assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false,
                     "bad Content-Length");
    assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", false,
                     "bad Content-Length");
    assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: "
                     "99999999999999999999999\r\n\r\n", false,
                     "bad Content-Length");
    assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                     "Content-Length: 3\r\n\r\nabc", false,
                     "bad Content-Length");
    assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n"
                     "\r\n", false, "too large");
    assert_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "2\r\n{}\r\n0\r\n\r\n", false,
                     "Transfer-Encoding 'chunked'");
    assert_malformed("HTTP/1.1 101 Switching Protocols\r\n\r\n", false,
                     "101");

    /* equal duplicate Content-Length headers are fine */
    struct cli_http_response r;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                           "Content-Length: 2\r\n\r\n{}", false, &r), 1);
    cli_http_response_free(&r);
}

static void test_parse_header_limit(void **state)
{
    (void)state;
    size_t n = CLI_HTTP_MAX_HEADER + 100;
    char *big = malloc(n + 1);
    struct cli_http_response r;

    assert_non_null(big);
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    memset(big + 20, 'a', n - 20);
    big[n] = '\0';
    assert_int_equal(cli_http_parse_response(big, n, false, &r, NULL, errbuf,
                                             sizeof(errbuf)), -1);
    assert_non_null(strstr(errbuf, "header section larger"));
    free(big);
}

static void test_format_request(void **state)
{
    (void)state;
    size_t n = 0;
    char *s = cli_http_format_request("GET", "/v1/networks?filter=active",
                                      NULL, 0, &n);

    assert_string_equal(s,
                        "GET /v1/networks?filter=active HTTP/1.1\r\n"
                        "Host: localhost\r\n"
                        "User-Agent: vnetctl/0.1.0\r\n"
                        "Accept: application/json\r\n"
                        "Connection: close\r\n\r\n");
    assert_int_equal(n, strlen(s));
    free(s);

    s = cli_http_format_request("POST", "/v1/networks", "{\"xml\":\"x\"}", 11,
                                &n);
    assert_string_equal(s,
                        "POST /v1/networks HTTP/1.1\r\n"
                        "Host: localhost\r\n"
                        "User-Agent: vnetctl/0.1.0\r\n"
                        "Accept: application/json\r\n"
                        "Connection: close\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: 11\r\n\r\n"
                        "{\"xml\":\"x\"}");
    free(s);

    /* body-less POST still carries Content-Length: 0 */
    s = cli_http_format_request("POST", "/v1/networks/x/start", NULL, 0, &n);
    assert_non_null(strstr(s, "\r\nContent-Length: 0\r\n\r\n"));
    assert_null(strstr(s, "Content-Type"));
    free(s);
}

/* ------------------------------------------------------------------
 * Exchanges with a forked peer
 * ------------------------------------------------------------------ */

enum peer_mode {
    PEER_SLOW,      /* Content-Length response, one byte at a time */
    PEER_EOF,       /* no Content-Length, close after body */
    PEER_SILENT,    /* never answers */
    PEER_GARBAGE,   /* not HTTP */
    PEER_TRUNCATED, /* closes before the announced body length */
};

/* Read the request head (and body by Content-Length); returns its text. */
static char *peer_read_request(int fd)
{
    static char req[8192];
    size_t len = 0;
    char *end;

    for (;;) {
        ssize_t n = read(fd, req + len, sizeof(req) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        req[len] = '\0';
        if ((end = strstr(req, "\r\n\r\n"))) {
            char *cl = strstr(req, "Content-Length: ");
            size_t want = cl ? strtoul(cl + 16, NULL, 10) : 0;
            if (len >= (size_t)(end + 4 - req) + want)
                break;
        }
    }
    req[len] = '\0';
    return req;
}

static void peer_serve(int fd, enum peer_mode mode)
{
    const char *body = "{\"networks\": []}";
    char *req = peer_read_request(fd);
    char out[512];
    int n;

    /* the request must be well formed and ask to close */
    if (!strstr(req, "GET /v1/networks HTTP/1.1\r\n") ||
        !strstr(req, "Connection: close\r\n"))
        _exit(2);

    switch (mode) {
    case PEER_SLOW:
        n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Type: "
                     "application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(body), body);
        for (int i = 0; i < n; i++) {
            if (write(fd, out + i, 1) != 1)
                _exit(3);
            if (i % 7 == 0)
                usleep(1000);
        }
        sleep(1); /* keep the connection open: framing must end the read */
        break;
    case PEER_EOF:
        n = snprintf(out, sizeof(out), "HTTP/1.0 200 OK\r\n\r\n%s", body);
        if (write(fd, out, (size_t)n) != n)
            _exit(3);
        break;
    case PEER_SILENT:
        sleep(5);
        break;
    case PEER_GARBAGE:
        if (write(fd, "hello there\r\n\r\n", 15) != 15)
            _exit(3);
        break;
    case PEER_TRUNCATED:
        n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: "
                     "100\r\n\r\n{\"x\":");
        if (write(fd, out, (size_t)n) != n)
            _exit(3);
        break;
    }
    close(fd);
    _exit(0);
}

static pid_t spawn_peer(int sv[2], enum peer_mode mode)
{
    pid_t pid;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(sv[0]);
        peer_serve(sv[1], mode);
    }
    close(sv[1]);
    return pid;
}

static int reap(pid_t pid)
{
    int st = 0;

    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return st;
}

static void test_exchange_short_writes(void **state)
{
    (void)state;
    struct cli_http_response r;
    struct cli_http_error e;
    int sv[2];
    pid_t pid = spawn_peer(sv, PEER_SLOW);

    assert_int_equal(cli_http_exchange_fd(sv[0], "GET", "/v1/networks", NULL,
                                          0, 5000, &r, &e), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"networks\": []}");
    cli_http_response_free(&r);
    close(sv[0]);
    reap(pid);
}

static void test_exchange_read_to_eof(void **state)
{
    (void)state;
    struct cli_http_response r;
    struct cli_http_error e;
    int sv[2];
    pid_t pid = spawn_peer(sv, PEER_EOF);

    assert_int_equal(cli_http_exchange_fd(sv[0], "GET", "/v1/networks", NULL,
                                          0, 5000, &r, &e), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"networks\": []}");
    cli_http_response_free(&r);
    close(sv[0]);
    /* the peer exits by itself after closing: it must have seen a good
     * request (exit status 0) */
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_exchange_timeout(void **state)
{
    (void)state;
    struct cli_http_response r;
    struct cli_http_error e;
    struct timespec t0, t1;
    int sv[2];
    pid_t pid = spawn_peer(sv, PEER_SILENT);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(cli_http_exchange_fd(sv[0], "GET", "/v1/networks", NULL,
                                          0, 200, &r, &e), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(e.kind, CLI_HTTP_ERR_TIMEOUT);
    assert_non_null(strstr(e.msg, "timed out"));
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 +
              (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 150 && ms < 3000);
    close(sv[0]);
    reap(pid);
}

static void test_exchange_garbage(void **state)
{
    (void)state;
    struct cli_http_response r;
    struct cli_http_error e;
    int sv[2];
    pid_t pid = spawn_peer(sv, PEER_GARBAGE);

    assert_int_equal(cli_http_exchange_fd(sv[0], "GET", "/v1/networks", NULL,
                                          0, 5000, &r, &e), -1);
    assert_int_equal(e.kind, CLI_HTTP_ERR_PROTOCOL);
    assert_non_null(strstr(e.msg, "malformed response from vnetd"));
    close(sv[0]);
    reap(pid);

    pid = spawn_peer(sv, PEER_TRUNCATED);
    assert_int_equal(cli_http_exchange_fd(sv[0], "GET", "/v1/networks", NULL,
                                          0, 5000, &r, &e), -1);
    assert_int_equal(e.kind, CLI_HTTP_ERR_PROTOCOL);
    assert_non_null(strstr(e.msg, "truncated body"));
    close(sv[0]);
    reap(pid);
}

static void test_request_connect_errors(void **state)
{
    (void)state;
    struct cli_http_response r;
    struct cli_http_error e;
    char longpath[200];

    assert_int_equal(cli_http_request("/nonexistent/vnetd.sock", "GET",
                                      "/v1/version", NULL, 0, 1000, &r, &e),
                     -1);
    assert_int_equal(e.kind, CLI_HTTP_ERR_CONNECT);
    assert_int_equal(e.err_no, ENOENT);

    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    assert_int_equal(cli_http_request(longpath, "GET", "/v1/version", NULL,
                                      0, 1000, &r, &e), -1);
    assert_int_equal(e.kind, CLI_HTTP_ERR_CONNECT);
    assert_int_equal(e.err_no, ENAMETOOLONG);
}

/* Full path over a listening unix socket, including ECONNREFUSED after the
 * listener is gone. */
static void test_request_unix_socket(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_cli_http.XXXXXX";
    char path[96];
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct cli_http_response r;
    struct cli_http_error e;
    int lfd;
    pid_t pid;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/vnetd.sock", dir);
    memcpy(sun.sun_path, path, strlen(path) + 1);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    assert_int_equal(listen(lfd, 4), 0);

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int c = accept(lfd, NULL, NULL);
        if (c < 0)
            _exit(4);
        peer_serve(c, PEER_SLOW);
    }
    close(lfd);

    assert_int_equal(cli_http_request(path, "GET", "/v1/networks", NULL, 0,
                                      5000, &r, &e), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"networks\": []}");
    cli_http_response_free(&r);
    reap(pid);

    /* socket file still there, nobody listening */
    assert_int_equal(cli_http_request(path, "GET", "/v1/networks", NULL, 0,
                                      1000, &r, &e), -1);
    assert_int_equal(e.kind, CLI_HTTP_ERR_CONNECT);
    assert_int_equal(e.err_no, ECONNREFUSED);

    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_content_length),
        cmocka_unit_test(test_parse_incremental),
        cmocka_unit_test(test_parse_extra_bytes),
        cmocka_unit_test(test_parse_read_to_eof),
        cmocka_unit_test(test_parse_lf_only_no_reason),
        cmocka_unit_test(test_parse_interim_and_204),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_header_limit),
        cmocka_unit_test(test_format_request),
        cmocka_unit_test(test_exchange_short_writes),
        cmocka_unit_test(test_exchange_read_to_eof),
        cmocka_unit_test(test_exchange_timeout),
        cmocka_unit_test(test_exchange_garbage),
        cmocka_unit_test(test_request_connect_errors),
        cmocka_unit_test(test_request_unix_socket),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
