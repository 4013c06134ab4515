/*
 * cmd_port.c - vnetctl's port-* commands and dataplane statistics.
 *
 * virsh has no equivalent, so these follow virsh's conventions: vsh-table
 * lists, "%-15s %s" info lines, domifstat-style "PORT counter value"
 * statistics, "error: <what failed>" + "error: <vnetd message>" errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vnetctl.h"
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "http.h"

#define PORT_OPT { "port", CLI_OT_DATA, CLI_OFLAG_REQ, "port name" }

static char *port_path(const char *port, const char *suffix)
{
    return cli_resource_path("/v1/ports", port, suffix);
}

static void report_port(struct cli_ctx *ctx, const struct cli_api_res *res,
                        const char *port, const char *first)
{
    if (cli_api_code_is(res, "no-port") || !first)
        cli_api_report(ctx, res, "failed to get port '%s'", port);
    else
        cli_api_report(ctx, res, "%s", first);
}

static json_t *port_obj(struct cli_api_res *res)
{
    json_t *p = json_object_get(res->root, "port");

    return json_is_object(p) ? p : NULL;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    const char *s = cli_json_str(o, key);

    return s && *s ? s : dflt;
}

/* ---------------------------------------------------------------------
 * port-add, port-del
 * --------------------------------------------------------------------- */

static bool cmd_port_add(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    const char *port = cli_opt_str(inv, "port");
    const char *mode = cli_opt_str(inv, "mode");
    const char *sock = cli_opt_str(inv, "path");
    const char *mac = cli_opt_str(inv, "mac");
    const char *ifname = cli_opt_str(inv, "interface");
    struct cli_api_res res;
    json_t *body;
    bool ok = false;

    body = json_pack("{s:s, s:s, s:s, s:b}", "name", port, "network", net,
                     "type", ifname ? "kernel" : "vhost-user",
                     "learning", !cli_opt_bool(inv, "no-learning"));
    if (body && ifname)
        json_object_set_new(body, "interface", json_string(ifname));
    if (!body) {
        cli_error("Failed to add port %s to network %s", port, net);
        cli_error("invalid argument: arguments must be valid UTF-8 text");
        return false;
    }
    if (mode)
        json_object_set_new(body, "mode", json_string(mode));
    if (sock)
        json_object_set_new(body, "path", json_string(sock));
    if (mac)
        json_object_set_new(body, "mac", json_string(mac));

    if (cli_api(ctx, "POST", "/v1/ports", body, &res) < 0) {
        if (cli_api_code_is(&res, "no-network"))
            cli_api_report(ctx, &res, "failed to get network '%s'", net);
        else
            cli_api_report(ctx, &res, "Failed to add port %s to network %s",
                           port, net);
    } else if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
        ok = true;
    } else {
        json_t *p = port_obj(&res);
        cli_print_extra(ctx, "Port %s added to network %s\n",
                        str_or(p, "name", port), str_or(p, "network", net));
        if (json_object_get(p, "interface"))
            printf("Interface: %s\n", str_or(p, "interface", "-"));
        else
            printf("Socket: %s\n", str_or(p, "path", "-"));
        ok = true;
    }
    cli_api_res_free(&res);
    json_decref(body);
    return ok;
}

static bool cmd_port_del(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *port = cli_opt_str(inv, "port");
    char *path = port_path(port, NULL);
    struct cli_api_res res;
    bool ok = false;

    if (cli_api(ctx, "DELETE", path, NULL, &res) < 0) {
        char *first = cli_sprintf("Failed to delete port %s", port);
        report_port(ctx, &res, port, first);
        free(first);
    } else {
        cli_print_extra(ctx, "Port %s deleted\n", port);
        ok = true;
    }
    cli_api_res_free(&res);
    free(path);
    return ok;
}

/* ---------------------------------------------------------------------
 * port-info, port-stats, port-list
 * --------------------------------------------------------------------- */

static bool cmd_port_info(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *port = cli_opt_str(inv, "port");
    char *path = port_path(port, NULL);
    struct cli_api_res res;
    json_t *p;

    if (cli_api(ctx, "GET", path, NULL, &res) < 0) {
        report_port(ctx, &res, port, NULL);
        cli_api_res_free(&res);
        free(path);
        return false;
    }
    free(path);
    if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
        cli_api_res_free(&res);
        return true;
    }
    p = port_obj(&res);
    if (!p) {
        cli_error("failed to get port '%s'", port);
        cli_error("malformed response from vnetd: no 'port' object");
        cli_api_res_free(&res);
        return false;
    }
    char queues[32];
    snprintf(queues, sizeof(queues), "%lld", cli_json_int(p, "queues", 0));
    cli_print_field("Name:", str_or(p, "name", port));
    cli_print_field("Network:", str_or(p, "network", "-"));
    cli_print_field("Type:", str_or(p, "type", "-"));
    if (json_object_get(p, "interface")) {
        cli_print_field("Interface:", str_or(p, "interface", "-"));
    } else {
        cli_print_field("Mode:", str_or(p, "mode", "-"));
        cli_print_field("Socket:", str_or(p, "path", "-"));
    }
    cli_print_field("MAC:", str_or(p, "mac", "-"));
    cli_print_field("Learning:",
                    cli_json_bool(p, "learning", false) ? "yes" : "no");
    cli_print_field("Connected:",
                    cli_json_bool(p, "connected", false) ? "yes" : "no");
    cli_print_field("Queues:", queues);
    cli_api_res_free(&res);
    return true;
}

static bool cmd_port_stats(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *port = cli_opt_str(inv, "port");
    char *path = port_path(port, "/stats");
    struct cli_api_res res;
    const char *key;
    json_t *stats, *v;

    if (cli_api(ctx, "GET", path, NULL, &res) < 0) {
        char *first = cli_sprintf("Failed to get statistics of port %s",
                                  port);
        report_port(ctx, &res, port, first);
        free(first);
        cli_api_res_free(&res);
        free(path);
        return false;
    }
    free(path);
    if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
        cli_api_res_free(&res);
        return true;
    }
    stats = json_object_get(res.root, "stats");
    if (!json_is_object(stats)) {
        cli_error("Failed to get statistics of port %s", port);
        cli_error("malformed response from vnetd: no 'stats' object");
        cli_api_res_free(&res);
        return false;
    }
    /* domifstat style, in vnetd's order (rx/tx packets, bytes, dropped) */
    json_object_foreach(stats, key, v) {
        if (json_is_integer(v))
            printf("%s %s %lld\n", port, key,
                   (long long)json_integer_value(v));
    }
    /* then the drops by reason: "PORT drop.REASON N" */
    json_object_foreach(json_object_get(stats, "drops"), key, v) {
        if (json_is_integer(v))
            printf("%s drop.%s %lld\n", port, key,
                   (long long)json_integer_value(v));
    }
    cli_api_res_free(&res);
    return true;
}

static bool cmd_port_list(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    struct cli_api_res res;
    struct cli_table *t;
    json_t *arr, *p;
    size_t i;
    char *path;

    if (net) {
        char *esc = cli_url_escape(net, true);
        path = cli_sprintf("/v1/ports?network=%s", esc);
        free(esc);
    } else {
        path = cli_sprintf("/v1/ports");
    }
    int got = cli_get_list(ctx, inv, path, net, "ports", "ports", &res, &arr);
    free(path);
    if (got <= 0)
        return got == 0;
    t = cli_table_new("Name", "Network", "Mode", "MAC", "Connected",
                      "Endpoint", NULL);
    if (!t) {
        cli_error("out of memory");
        cli_api_res_free(&res);
        return false;
    }
    json_array_foreach(arr, i, p) {
        if (!json_is_object(p))
            continue;
        const char *cells[6] = {
            str_or(p, "name", "-"),
            str_or(p, "network", "-"),
            json_object_get(p, "interface") ? "kernel" : str_or(p, "mode", "-"),
            str_or(p, "mac", "-"),
            cli_json_bool(p, "connected", false) ? "yes" : "no",
            json_object_get(p, "interface") ? str_or(p, "interface", "-")
                                            : str_or(p, "path", "-"),
        };
        cli_table_add_rowv(t, cells);
    }
    cli_print_table(ctx, t);
    cli_table_free(t);
    cli_api_res_free(&res);
    return true;
}

/* ---------------------------------------------------------------------
 * stats
 * --------------------------------------------------------------------- */

static size_t stats_width(json_t *obj, size_t prefix)
{
    size_t w = 0;
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        size_t k = prefix + strlen(key) + 1;
        if (json_is_object(v))
            k = stats_width(v, prefix + strlen(key) + 1);
        if (k > w)
            w = k;
    }
    return w;
}

static void stats_print(json_t *obj, const char *prefix, size_t width)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        char *label = cli_sprintf("%s%s", prefix, key);
        if (json_is_object(v)) {
            char *np = cli_sprintf("%s.", label);
            stats_print(v, np, width);
            free(np);
        } else if (json_is_integer(v)) {
            char *l2 = cli_sprintf("%s:", label);
            printf("%-*s %lld\n", (int)width, l2,
                   (long long)json_integer_value(v));
            free(l2);
        } else if (json_is_real(v)) {
            char *l2 = cli_sprintf("%s:", label);
            printf("%-*s %g\n", (int)width, l2, json_real_value(v));
            free(l2);
        } else if (json_is_string(v)) {
            char *l2 = cli_sprintf("%s:", label);
            printf("%-*s %s\n", (int)width, l2, json_string_value(v));
            free(l2);
        }
        free(label);
    }
}

static bool cmd_stats(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    struct cli_api_res res;

    if (cli_api(ctx, "GET", "/v1/stats", NULL, &res) < 0) {
        cli_api_report(ctx, &res, "Failed to get dataplane statistics");
        cli_api_res_free(&res);
        return false;
    }
    if (cli_want_json(ctx, inv))
        cli_print_json(ctx, res.root);
    else
        stats_print(res.root, "", stats_width(res.root, 0));
    cli_api_res_free(&res);
    return true;
}

/* ---------------------------------------------------------------------
 * Command tables
 * --------------------------------------------------------------------- */

static const struct cli_opt opts_port_add[] = {
    { "network", CLI_OT_DATA, CLI_OFLAG_REQ, "network name or uuid" },
    PORT_OPT,
    { "mode", CLI_OT_STRING, 0,
      "server (vnetd creates the socket, default) or client" },
    { "path", CLI_OT_STRING, 0,
      "vhost-user socket path (required with --mode client)" },
    { "mac", CLI_OT_STRING, 0, "MAC address of the VM interface" },
    { "interface", CLI_OT_STRING, 0,
      "attach this existing kernel interface (veth, tap) instead of a socket" },
    { "no-learning", CLI_OT_BOOL, 0, "do not learn source MACs on the port" },
    JSON_OPT,
    OPT_END,
};

static const struct cli_opt opts_port_only[] = {
    PORT_OPT,
    OPT_END,
};

/* ---------------------------------------------------------------------
 * port-capture: GET /v1/ports/NAME/capture streamed to a file or stdout.
 * The request is HTTP/1.0, so vnetd sends the pcap stream unframed until
 * it ends (count reached, port gone); it is copied as it arrives (no
 * buffering: `vnetctl port-capture vm1 | tcpdump -r -` is live).
 * --------------------------------------------------------------------- */

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void query_add(char **q, const char *key, const char *val)
{
    if (!val)
        return;
    char *esc = cli_url_escape(val, true);
    char *n = cli_sprintf("%s%s%s=%s", *q, **q ? "&" : "?", key, esc);
    free(esc);
    free(*q);
    *q = n;
}

static bool cmd_port_capture(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *port = cli_opt_str(inv, "port");
    const char *file = cli_opt_str(inv, "write");
    ctx->no_blank_line = true; /* stdout may be the pcap stream */
    char *q = cli_sprintf("%s", "");
    query_add(&q, "direction", cli_opt_str(inv, "direction"));
    query_add(&q, "count", cli_opt_str(inv, "count"));
    query_add(&q, "snaplen", cli_opt_str(inv, "snaplen"));
    query_add(&q, "filter", cli_opt_str(inv, "filter"));
    char *path = port_path(port, "/capture");
    char *req = cli_sprintf("GET %s%s HTTP/1.0\r\nHost: vnetd\r\n\r\n", path, q);
    free(path);
    free(q);

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctx->socket_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        cli_error("failed to connect to vnetd at '%s': %s", ctx->socket_path,
                  strerror(errno));
        if (fd >= 0)
            close(fd);
        free(req);
        return false;
    }
    signal(SIGPIPE, SIG_IGN); /* a reader that goes away ends the capture */
    bool ok = write_all(fd, req, strlen(req));
    free(req);

    /* the answer's head; an error's JSON body follows it to the end */
    char *buf = NULL;
    size_t len = 0, cap = 0, head = 0;
    while (ok && !head) {
        if (len + 4096 > cap) {
            cap = (len + 4096) * 2;
            buf = realloc(buf, cap + 1);
            if (!buf)
                abort();
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = 0;
        char *e = strstr(buf, "\r\n\r\n");
        if (e)
            head = (size_t)(e - buf) + 4;
        else if (len > CLI_HTTP_MAX_HEADER)
            break;
    }
    int status = 0;
    if (head && sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    if (status != 200) {
        /* the whole answer: an API error */
        for (ssize_t r = 1; head && r > 0 && len < CLI_HTTP_MAX_BODY;) {
            if (len + 4096 > cap) {
                cap = (len + 4096) * 2;
                buf = realloc(buf, cap + 1);
                if (!buf)
                    abort();
            }
            r = read(fd, buf + len, cap - len);
            if (r > 0)
                len += (size_t)r;
        }
        close(fd);
        cli_error("Failed to capture port %s", port);
        json_t *j = head ? json_loadb(buf + head, len - head, 0, NULL) : NULL;
        const char *msg = j ? cli_json_str(json_object_get(j, "error"), "message") : NULL;
        if (!msg)
            msg = j ? cli_json_str(j, "message") : NULL;
        if (msg)
            cli_error("%s", msg);
        else
            cli_error("no valid answer from vnetd (HTTP status %d)", status);
        json_decref(j);
        free(buf);
        return false;
    }
    int out = file ? open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
    if (out < 0) {
        cli_error("Failed to open file '%s': %s", file, strerror(errno));
        close(fd);
        free(buf);
        return false;
    }
    ok = write_all(out, buf + head, len - head);
    free(buf);
    char chunk[65536];
    while (ok) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ok = write_all(out, chunk, (size_t)r);
    }
    close(fd);
    if (file && close(out) != 0) {
        cli_error("Failed to write file '%s': %s", file, strerror(errno));
        return false;
    }
    /* a closed pipe (tcpdump -c) is the reader's choice, not a failure */
    return ok || errno == EPIPE;
}

static const struct cli_opt opts_port_capture[] = {
    PORT_OPT,
    { "filter", CLI_OT_DATA, 0, "tcpdump filter expression (one argument: quote it)" },
    { "write", CLI_OT_STRING, 0, "write the pcap to this file (default: stdout)" },
    { "count", CLI_OT_STRING, 0, "stop after this many frames" },
    { "direction", CLI_OT_STRING, 0, "in (from the VM), out (to the VM) or both (default)" },
    { "snaplen", CLI_OT_STRING, 0, "bytes kept of each frame (1-9216, default 2048)" },
    OPT_END,
};

static const struct cli_opt opts_port_json[] = {
    PORT_OPT,
    JSON_OPT,
    OPT_END,
};

static const struct cli_opt opts_port_list[] = {
    { "network", CLI_OT_DATA, 0, "only ports of this network" },
    JSON_OPT,
    OPT_END,
};

static const struct cli_opt opts_stats[] = {
    JSON_OPT,
    OPT_END,
};

const struct cli_cmd cli_port_cmds[] = {
    { "port-add", cmd_port_add, opts_port_add,
      "add a vhost-user or kernel-interface port to a network",
      "Connect a VM interface (vhost-user socket) to a network." },
    { "port-del", cmd_port_del, opts_port_only,
      "delete a port", "Disconnect and delete a port." },
    { "port-info", cmd_port_info, opts_port_json,
      "port information", "Returns basic information about the port." },
    { "port-list", cmd_port_list, opts_port_list,
      "list ports", "Returns list of ports, optionally of one network." },
    { "port-stats", cmd_port_stats, opts_port_json,
      "port statistics",
      "Packet, byte and drop counters of a port, one \"PORT COUNTER VALUE\" a\n"
      "    line: rx/tx packets, bytes and dropped, where the received frames went\n"
      "    (forwarded, flooded, gw_replies, punted), then the drops by reason\n"
      "    (\"PORT drop.REASON N\", the reasons of GET /v1/stats)." },
    { "port-capture", cmd_port_capture, opts_port_capture,
      "capture a port's frames as pcap",
      "Streams the port's frames (those matching the tcpdump filter) in pcap\n"
      "    format to stdout or the --write file, until --count frames, the\n"
      "    port's removal, or an interrupt: `vnetctl port-capture vm1 | tcpdump -r -`." },
    { NULL, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_dp_cmds[] = {
    { "stats", cmd_stats, opts_stats,
      "dataplane statistics",
      "Dataplane counters (flows, loops) and drops by reason." },
    { NULL, NULL, NULL, NULL, NULL },
};
