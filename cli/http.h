/*
 * http.h - minimal HTTP/1.1 client over an AF_UNIX stream socket (vnetctl).
 *
 * Design note: vnetd serves HTTP/1.1 + JSON on a unix socket (doc/api.md).
 * vnetctl sends exactly one request per connection ("Connection: close",
 * Content-Length framed body) and reads one response.  The response parser
 * is incremental and independent of the socket so it can be unit tested:
 * feed it everything received so far; it answers "need more", "complete" or
 * "malformed".  A body is framed by Content-Length when present, otherwise
 * it extends to EOF; 1xx interim responses are skipped; chunked or other
 * transfer codings are rejected with a clear error (vnetd never uses them).
 * All socket I/O is non-blocking with poll() against one overall deadline,
 * tolerates short reads/writes and EINTR, and never raises SIGPIPE.
 * Limits: 64 KiB of headers, 64 MiB of body.
 */
#ifndef VNETCTL_HTTP_H
#define VNETCTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_HTTP_MAX_HEADER (64u * 1024u)
#define CLI_HTTP_MAX_BODY (64u * 1024u * 1024u)

struct cli_http_response {
    int status;             /* e.g. 200 */
    int minor_version;      /* HTTP/1.x */
    char *reason;           /* reason phrase, "" when absent */
    char *content_type;     /* NULL when absent */
    long long content_length; /* -1 when absent (body read to EOF) */
    char *body;             /* NUL-terminated (body may hold NULs) */
    size_t body_len;
};

enum cli_http_err_kind {
    CLI_HTTP_OK = 0,
    CLI_HTTP_ERR_CONNECT,   /* socket()/connect() failed: see err_no */
    CLI_HTTP_ERR_IO,        /* send/recv failed: see err_no */
    CLI_HTTP_ERR_TIMEOUT,   /* deadline passed */
    CLI_HTTP_ERR_PROTOCOL,  /* malformed or truncated response */
    CLI_HTTP_ERR_NOMEM,
};

struct cli_http_error {
    enum cli_http_err_kind kind;
    int err_no;
    char msg[256];          /* human readable, no "error: " prefix */
};

/* Incremental response parser.
 * Returns 1 when @buf[0..len) holds a complete response (filled into @resp,
 * which must be released with cli_http_response_free()), 0 when more data is
 * needed (only possible with @eof false), -1 when the data is malformed or
 * (with @eof true) truncated; then @err/@errlen describes why.
 * *@consumed (optional) gets the number of bytes that made up the response. */
int cli_http_parse_response(const char *buf, size_t len, bool eof,
                            struct cli_http_response *resp,
                            size_t *consumed, char *err, size_t errlen);

/* Build the request text.  @body may be NULL; Content-Length is always sent
 * for POST/PUT/PATCH and whenever a body is given.  Returns a malloc'd
 * string (length in *@outlen) or NULL on ENOMEM. */
char *cli_http_format_request(const char *method, const char *target,
                              const char *body, size_t body_len,
                              size_t *outlen);

/* Perform one request on an already connected stream socket @fd (which is
 * switched to non-blocking).  Returns 0 on success (any HTTP status), -1
 * with @err filled otherwise.  Does not close @fd. */
int cli_http_exchange_fd(int fd, const char *method, const char *target,
                         const char *body, size_t body_len, int timeout_ms,
                         struct cli_http_response *resp,
                         struct cli_http_error *err);

/* Connect to the unix socket @sock_path and perform one request.
 * @timeout_ms bounds the whole exchange (<= 0: no limit). */
int cli_http_request(const char *sock_path, const char *method,
                     const char *target, const char *body, size_t body_len,
                     int timeout_ms, struct cli_http_response *resp,
                     struct cli_http_error *err);

void cli_http_response_free(struct cli_http_response *resp);

#endif /* VNETCTL_HTTP_H */
