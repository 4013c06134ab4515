/*
 * vnetctl.c - command line client for vnetd: main(), global options, the
 * command table, vsh-compatible argument parsing, help, and the helpers
 * shared by the commands (see vnetctl.h for the design).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vnetctl.h"
#include "http.h"
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------
 * Built-in commands
 * --------------------------------------------------------------------- */

static bool cmd_help(struct cli_ctx *ctx, const struct cli_inv *inv);
static bool cmd_version(struct cli_ctx *ctx, const struct cli_inv *inv);

static const struct cli_opt opts_help[] = {
    { "command", CLI_OT_STRING, 0,
      "Prints global help, command specific help, or help for a group of "
      "related commands" },
    { NULL, 0, 0, NULL },
};

static const struct cli_opt opts_version[] = {
    { "json", CLI_OT_BOOL, 0, "print the API's JSON answer" },
    { NULL, 0, 0, NULL },
};

static const struct cli_cmd cli_self_cmds[] = {
    { "help", cmd_help, opts_help, "print help",
      "Prints global help, command specific help, or help for a\n"
      "    group of related commands" },
    { "version", cmd_version, opts_version, "show version",
      "Display the vnetctl version and the version of the running vnetd." },
    { NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_group cli_groups[] = {
    { "Networking", "network", cli_net_cmds },
    { "Ports", "port", cli_port_cmds },
    { "Dataplane", "dataplane", cli_dp_cmds },
    { "Port forwarding and connection tracking", "conntrack", cli_ct_cmds },
    { "Security groups", "secgroup", cli_sg_cmds },
    { "vnetctl itself", "vnetctl", cli_self_cmds },
    { NULL, NULL, NULL },
};

/* ---------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */

static void *xnomem(void)
{
    fputs("error: out of memory\n", stderr);
    exit(EXIT_FAILURE);
}

char *cli_sprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    int rc;

    va_start(ap, fmt);
    rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return xnomem();
    return s;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;

    /* As vshError: keep stdout/stderr ordered when both go to one file. */
    fflush(stdout);
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void cli_print_extra(const struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    if (ctx->quiet)
        return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void cli_print_field(const char *label, const char *value)
{
    printf("%-15s %s\n", label, value);
}

void cli_print_json(struct cli_ctx *ctx, json_t *root)
{
    char *s = json_dumps(root, JSON_INDENT(2));

    if (!s)
        xnomem();
    printf("%s\n", s);
    free(s);
    ctx->json_mode = true;
}

void cli_print_table(const struct cli_ctx *ctx, const struct cli_table *t)
{
    char *s = cli_table_render(t, !ctx->quiet);

    if (s)
        fputs(s, stdout);
    else
        cli_error("out of memory");
    free(s);
}

const char *cli_json_str(json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool cli_json_bool(json_t *obj, const char *key, bool dflt)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

long long cli_json_int(json_t *obj, const char *key, long long dflt)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return dflt;
}

char *cli_url_escape(const char *s, bool query)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *p = out;

    if (!out)
        return xnomem();
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || strchr("-._~", c) ||
                    (c == ':' || c == '@') ||
                    (!query && strchr("!$'()*,;", c));
        if (keep && c) {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = '\0';
    return out;
}

char *cli_read_file(const char *path, size_t maxlen, size_t *lenp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0, cap = 0;
    char *buf = NULL;

    if (fd < 0) {
        cli_error("Failed to open file '%s': %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap + 1);
            if (!nb)
                xnomem();
            buf = nb;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_error("Failed to read file '%s': %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > maxlen) {
            cli_error("Failed to read file '%s': %s", path, strerror(EINVAL));
            goto fail;
        }
    }
    close(fd);
    buf[len] = '\0';
    if (lenp)
        *lenp = len;
    return buf;

fail:
    close(fd);
    free(buf);
    return NULL;
}

/* ---------------------------------------------------------------------
 * API access
 * --------------------------------------------------------------------- */

void cli_api_res_free(struct cli_api_res *res)
{
    if (res->root)
        json_decref(res->root);
    res->root = NULL;
}

bool cli_api_code_is(const struct cli_api_res *res, const char *code)
{
    return strcmp(res->code, code) == 0;
}

int cli_api(struct cli_ctx *ctx, const char *method, const char *path,
            json_t *body, struct cli_api_res *res)
{
    struct cli_http_response resp;
    struct cli_http_error err;
    json_error_t jerr;
    char *btxt = NULL;
    int rc;

    memset(res, 0, sizeof(*res));
    if (body) {
        btxt = json_dumps(body, JSON_COMPACT);
        if (!btxt)
            xnomem();
    }
    rc = cli_http_request(ctx->socket_path, method, path, btxt,
                          btxt ? strlen(btxt) : 0, ctx->timeout_ms,
                          &resp, &err);
    free(btxt);

    if (rc < 0) {
        if (err.kind == CLI_HTTP_ERR_CONNECT) {
            res->connect_failed = true;
            ctx->no_blank_line = true;
            snprintf(res->message, sizeof(res->message),
                     "failed to connect to vnetd at %s: %s",
                     ctx->socket_path, strerror(err.err_no));
        } else {
            snprintf(res->message, sizeof(res->message), "%s", err.msg);
        }
        snprintf(res->code, sizeof(res->code), "%s", "transport");
        return -1;
    }

    res->status = resp.status;
    if (resp.body_len)
        res->root = json_loadb(resp.body, resp.body_len, 0, &jerr);

    if (resp.status >= 200 && resp.status < 300) {
        if (!json_is_object(res->root)) {
            snprintf(res->code, sizeof(res->code), "%s", "bad-response");
            if (!res->root && resp.body_len)
                snprintf(res->message, sizeof(res->message),
                         "malformed response from vnetd: invalid JSON: %s",
                         jerr.text);
            else
                snprintf(res->message, sizeof(res->message), "%s",
                         "malformed response from vnetd: "
                         "expected a JSON object");
            cli_http_response_free(&resp);
            return -1;
        }
        cli_http_response_free(&resp);
        return 0;
    }

    json_t *e = json_is_object(res->root) ?
                json_object_get(res->root, "error") : NULL;
    const char *code = cli_json_str(e, "code");
    const char *msg = cli_json_str(e, "message");
    snprintf(res->code, sizeof(res->code), "%s", code ? code : "");
    if (msg)
        snprintf(res->message, sizeof(res->message), "%s", msg);
    else
        snprintf(res->message, sizeof(res->message),
                 "unexpected answer from vnetd: HTTP %d %s",
                 resp.status, resp.reason ? resp.reason : "");
    cli_http_response_free(&resp);
    return -1;
}

void cli_api_report(struct cli_ctx *ctx, const struct cli_api_res *res,
                    const char *first_fmt, ...)
{
    (void)ctx;
    if (res->connect_failed) {
        cli_error("%s", res->message);
        return;
    }
    if (first_fmt) {
        va_list ap;
        char *first = NULL;

        va_start(ap, first_fmt);
        if (vasprintf(&first, first_fmt, ap) < 0)
            xnomem();
        va_end(ap);
        cli_error("%s", first);
        free(first);
    }
    cli_error("%s", res->message);
}

int cli_get_list(struct cli_ctx *ctx, const struct cli_inv *inv, const char *path,
                 const char *net, const char *what, const char *key,
                 struct cli_api_res *res, json_t **arr)
{
    if (cli_api(ctx, "GET", path, NULL, res) < 0) {
        if (net && cli_api_code_is(res, "no-network"))
            cli_api_report(ctx, res, "failed to get network '%s'", net);
        else
            cli_api_report(ctx, res, "Failed to list %s", what);
        cli_api_res_free(res);
        return -1;
    }
    if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res->root);
        cli_api_res_free(res);
        return 0;
    }
    *arr = json_object_get(res->root, key);
    if (!json_is_array(*arr)) {
        cli_error("Failed to list %s", what);
        cli_error("malformed response from vnetd: no '%s' array", key);
        cli_api_res_free(res);
        return -1;
    }
    return 1;
}

/* ---------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

static int opt_index(const struct cli_cmd *cmd, const char *name)
{
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return i;
    return -1;
}

bool cli_opt_bool(const struct cli_inv *inv, const char *name)
{
    int i = opt_index(inv->cmd, name);

    return i >= 0 && inv->seen[i];
}

const char *cli_opt_str(const struct cli_inv *inv, const char *name)
{
    int i = opt_index(inv->cmd, name);

    return i >= 0 && inv->seen[i] ? inv->vals[i] : NULL;
}

bool cli_want_json(const struct cli_ctx *ctx, const struct cli_inv *inv)
{
    return opt_index(inv->cmd, "json") >= 0 &&
           (ctx->json || cli_opt_bool(inv, "json"));
}

/* ---------------------------------------------------------------------
 * Help
 * --------------------------------------------------------------------- */

static const struct cli_cmd *find_cmd(const char *name)
{
    for (const struct cli_group *g = cli_groups; g->name; g++)
        for (const struct cli_cmd *c = g->cmds; c->name; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

static const struct cli_group *find_group(const char *name)
{
    for (const struct cli_group *g = cli_groups; g->name; g++)
        if (strcmp(g->name, name) == 0 || strcmp(g->keyword, name) == 0)
            return g;
    return NULL;
}

static void print_group_cmds(const struct cli_group *g)
{
    for (const struct cli_cmd *c = g->cmds; c->name; c++)
        printf("    %-30s %s\n", c->name, c->help);
}

/* vshCmddefHelp() layout. */
static void print_cmd_help(const struct cli_cmd *cmd)
{
    const struct cli_opt *o;

    printf("  NAME\n    %s - %s\n", cmd->name, cmd->help);
    printf("\n  SYNOPSIS\n    %s", cmd->name);
    for (o = cmd->opts; o && o->name; o++) {
        switch (o->type) {
        case CLI_OT_BOOL:
            printf(" [--%s]", o->name);
            break;
        case CLI_OT_STRING:
            printf(" [--%s <string>]", o->name);
            break;
        case CLI_OT_DATA:
            printf((o->flags & CLI_OFLAG_REQ) ? " <%s>" : " [<%s>]", o->name);
            break;
        }
    }
    putchar('\n');
    if (cmd->desc && *cmd->desc)
        printf("\n  DESCRIPTION\n    %s\n", cmd->desc);
    if (cmd->opts && cmd->opts[0].name) {
        printf("\n  OPTIONS\n");
        for (o = cmd->opts; o->name; o++) {
            char buf[128];
            switch (o->type) {
            case CLI_OT_BOOL:
                snprintf(buf, sizeof(buf), "--%s", o->name);
                break;
            case CLI_OT_STRING:
                snprintf(buf, sizeof(buf), "--%s <string>", o->name);
                break;
            case CLI_OT_DATA:
                snprintf(buf, sizeof(buf), "[--%s] <string>", o->name);
                break;
            }
            printf("    %-15s  %s\n", buf, o->help);
        }
    }
    putchar('\n');
}

static bool cmd_help(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *name = cli_opt_str(inv, "command");
    const struct cli_cmd *cmd;
    const struct cli_group *g;

    (void)ctx;
    if (!name) {
        printf("Grouped commands:\n\n");
        for (g = cli_groups; g->name; g++) {
            printf(" %s (help keyword '%s'):\n", g->name, g->keyword);
            print_group_cmds(g);
            putchar('\n');
        }
        return true;
    }
    if ((cmd = find_cmd(name))) {
        print_cmd_help(cmd);
        return true;
    }
    if ((g = find_group(name))) {
        printf(" %s (help keyword '%s'):\n", g->name, g->keyword);
        print_group_cmds(g);
        return true;
    }
    cli_error("command or command group '%s' doesn't exist", name);
    return false;
}

/* vnetctl's own options: --help, the manual page (--man, built into
 * vnetctl.1 by meson) and the bash completion (--bash-completion) are all
 * made from this table and cli_groups, so they cannot drift apart. */
static const struct gopt {
    char shrt;         /* 0: long form only */
    const char *name;
    const char *arg;   /* NULL: no argument */
    const char *help;
} gopts[] = {
    { 'h', "help", NULL, "this help" },
    { 'j', "json", NULL, "print the API's JSON answer (commands that have --json)" },
    { 'q', "quiet", NULL, "quiet mode" },
    { 'r', "readonly", NULL,
      "read-only: use the socket beside the API socket\n"
      "(X.sock -> X-ro.sock); GET requests only, no admin rights" },
    { 's', "socket", "PATH",
      "vnetd API socket (default: $VNETCTL_SOCKET or " CLI_DEFAULT_SOCKET ")" },
    { 't', "timeout", "SECONDS", "give up on vnetd after SECONDS (default: 60)" },
    { 'v', "version", NULL, "print the version" },
    { 0, "man", NULL, "print this manual page (roff)" },
    { 0, "bash-completion", NULL, "print the bash completion script for vnetctl" },
    { 0, NULL, NULL, NULL },
};

static void usage(void)
{
    printf("\n"
           "vnetctl [options]... <command> [args...]\n"
           "\n"
           "  options:\n");
    for (const struct gopt *g = gopts; g->name; g++) {
        char head[64];
        char shrt[8] = "     "; /* "-h | " or its width */
        if (g->shrt)
            snprintf(shrt, sizeof(shrt), "-%c | ", g->shrt);
        snprintf(head, sizeof(head), "%s--%s%s%s", shrt, g->name,
                 g->arg ? "=" : "", g->arg ? g->arg : "");
        printf("    %-23s %s\n", head, g->help);
    }
    printf("\n"
           "  commands (non interactive mode):\n"
           "\n");
    for (const struct cli_group *g = cli_groups; g->name; g++) {
        printf(" %s (help keyword '%s')\n", g->name, g->keyword);
        print_group_cmds(g);
        putchar('\n');
    }
    printf("\n  (specify help <group> for details about the commands in the "
           "group)\n"
           "\n  (specify help <command> for details about the command)\n\n");
}

/* roff text: backslashes, dashes and leading dots/quotes escaped; each
 * '\n' of the table's text starts a new source line. */
static void roff(const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\\')
            fputs("\\e", stdout);
        else if (s[i] == '-')
            fputs("\\-", stdout);
        else if ((s[i] == '.' || s[i] == '\'') && (i == 0 || s[i - 1] == '\n'))
            printf("\\&%c", s[i]);
        else
            putchar(s[i]);
    }
}

/* The command's synopsis on one line (the .TP tag). */
static void man_synopsis(const struct cli_cmd *c)
{
    printf("\\fB");
    roff(c->name);
    printf("\\fR");
    for (const struct cli_opt *o = c->opts; o && o->name; o++) {
        switch (o->type) {
        case CLI_OT_BOOL:
            printf(" [\\fB\\-\\-");
            roff(o->name);
            printf("\\fR]");
            break;
        case CLI_OT_STRING:
            printf(" [\\fB\\-\\-");
            roff(o->name);
            printf("\\fR \\fIstring\\fR]");
            break;
        case CLI_OT_DATA:
            printf((o->flags & CLI_OFLAG_REQ) ? " \\fI" : " [\\fI");
            roff(o->name);
            printf((o->flags & CLI_OFLAG_REQ) ? "\\fR" : "\\fR]");
            break;
        }
    }
    putchar('\n');
}

static void print_man(void)
{
    printf(".TH VNETCTL 1 \"\" \"vnetctl %s\" \"User Commands\"\n"
           ".SH NAME\nvnetctl \\- manage vnetd's networks and ports, like virsh\n"
           ".SH SYNOPSIS\n.B vnetctl\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
           ".SH DESCRIPTION\n"
           "vnetctl talks to\n.BR vnetd (8)\n"
           "over its JSON API on a unix socket.  Its commands, options, output and\n"
           "error messages are those of\n.BR virsh (1)\n"
           "for networks; ports and the dataplane have commands of their own.\n"
           "Each command prints a blank line after its output, as non-interactive\n"
           "virsh does, and exits 0 on success, 1 on failure.\n"
           ".SH OPTIONS\n", CLI_VERSION);
    for (const struct gopt *g = gopts; g->name; g++) {
        printf(".TP\n");
        if (g->shrt)
            printf("\\fB\\-%c\\fR, ", g->shrt);
        printf("\\fB\\-\\-");
        roff(g->name);
        printf("\\fR");
        if (g->arg)
            printf("=\\fI%s\\fR", g->arg);
        putchar('\n');
        roff(g->help);
        putchar('\n');
    }
    printf(".SH COMMANDS\n");
    for (const struct cli_group *g = cli_groups; g->name; g++) {
        printf(".SS %s (help keyword '%s')\n", g->name, g->keyword);
        for (const struct cli_cmd *c = g->cmds; c->name; c++) {
            printf(".TP\n");
            man_synopsis(c);
            roff(c->help);
            printf(".\n");
            if (c->desc && *c->desc) {
                printf(".br\n");
                roff(c->desc);
                putchar('\n');
            }
            for (const struct cli_opt *o = c->opts; o && o->name; o++) {
                printf(".RS\n.TP\n%s", o->type == CLI_OT_DATA ? "[\\fB\\-\\-" : "\\fB\\-\\-");
                roff(o->name);
                printf("%s\n", o->type == CLI_OT_DATA ? "\\fR] \\fIstring\\fR" :
                               o->type == CLI_OT_STRING ? "\\fR \\fIstring\\fR" : "\\fR");
                roff(o->help);
                printf("\n.RE\n");
            }
        }
    }
    printf(".SH ENVIRONMENT\n"
           ".TP\n.B VNETCTL_SOCKET\nthe API socket, when \\fB\\-\\-socket\\fR is not given\n"
           ".TP\n.B VNETCTL_TIMEOUT\nthe default of \\fB\\-\\-timeout\\fR, in seconds\n"
           ".SH EXIT STATUS\n0 on success, 1 on failure.\n"
           ".SH SEE ALSO\n.BR vnetd (8),\n.BR virsh (1)\n");
}

/* A bash completion script with the tables' commands and options. */
static void print_completion(void)
{
    printf("# bash completion for vnetctl, generated by vnetctl --bash-completion\n"
           "_vnetctl()\n{\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} cmd= i w\n"
           "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
           "        w=${COMP_WORDS[i]}\n"
           "        case $w in\n"
           "        -s|-t|--socket|--timeout) ((i++)) ;;\n"
           "        -*) ;;\n"
           "        *) cmd=$w; break ;;\n"
           "        esac\n"
           "    done\n"
           "    if [[ -z $cmd ]]; then\n"
           "        if [[ $cur == -* ]]; then\n"
           "            COMPREPLY=($(compgen -W '");
    for (const struct gopt *g = gopts; g->name; g++)
        printf("%s--%s", g == gopts ? "" : " ", g->name);
    printf("' -- \"$cur\"))\n"
           "        else\n"
           "            COMPREPLY=($(compgen -W '");
    bool first = true;
    for (const struct cli_group *g = cli_groups; g->name; g++)
        for (const struct cli_cmd *c = g->cmds; c->name; c++, first = false)
            printf("%s%s", first ? "" : " ", c->name);
    printf("' -- \"$cur\"))\n"
           "        fi\n"
           "        return\n"
           "    fi\n"
           "    local opts= nets=\n"
           "    case $cmd in\n");
    for (const struct cli_group *g = cli_groups; g->name; g++)
        for (const struct cli_cmd *c = g->cmds; c->name; c++) {
            const char *data = NULL;
            printf("    %s) opts='--help", c->name);
            for (const struct cli_opt *o = c->opts; o && o->name; o++) {
                printf(" --%s", o->name);
                if (!data && o->type == CLI_OT_DATA)
                    data = o->name;
            }
            printf("'%s ;;\n", data && !strcmp(data, "network") ? " nets=1" : "");
        }
    printf("    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
           "    elif [[ -n $nets ]]; then\n"
           "        # network names, asked on the read-only socket (no admin rights)\n"
           "        COMPREPLY=($(compgen -W \"$(vnetctl -r -q net-list --all --name 2>/dev/null)\" -- \"$cur\"))\n"
           "    else\n"
           "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
           "    fi\n"
           "}\n"
           "complete -F _vnetctl vnetctl\n");
}

static bool cmd_version(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    struct cli_api_res res;

    if (cli_api(ctx, "GET", "/v1/version", NULL, &res) < 0) {
        if (!cli_want_json(ctx, inv))
            printf("Client:  vnetctl %s\n", CLI_VERSION);
        cli_api_report(ctx, &res, "failed to get the vnetd version");
        cli_api_res_free(&res);
        return false;
    }
    if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
    } else {
        const char *v = cli_json_str(res.root, "version");
        printf("Client:  vnetctl %s\n", CLI_VERSION);
        printf("Daemon:  vnetd %s\n", v ? v : "unknown");
    }
    cli_api_res_free(&res);
    return true;
}

/* ---------------------------------------------------------------------
 * Command line parsing (vsh rules)
 * --------------------------------------------------------------------- */

/* Returns 1 parsed, 0 help requested (*help_for set), -1 error. */
static int parse_cmd(int argc, char **argv, struct cli_inv *inv,
                     const struct cli_cmd **help_for)
{
    const struct cli_cmd *cmd = find_cmd(argv[0]);
    unsigned need_arg = 0, required = 0;
    bool data_only = false, want_help = false;
    bool is_help;
    int nopts = 0;

    if (!cmd) {
        cli_error("unknown command: '%s'", argv[0]);
        return -1;
    }
    is_help = strcmp(cmd->name, "help") == 0;
    memset(inv, 0, sizeof(*inv));
    inv->cmd = cmd;
    for (nopts = 0; cmd->opts && cmd->opts[nopts].name; nopts++) {
        const struct cli_opt *o = &cmd->opts[nopts];
        if (nopts >= CLI_MAX_OPTS) {
            cli_error("internal error: command '%s' has too many options",
                      cmd->name);
            return -1;
        }
        if (o->type != CLI_OT_BOOL)
            need_arg |= 1u << nopts;
        if (o->flags & CLI_OFLAG_REQ)
            required |= 1u << nopts;
    }

    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        int idx;

        if (!data_only && arg[0] == '-' && arg[1] == '-' &&
            ((arg[2] >= 'a' && arg[2] <= 'z') ||
             (arg[2] >= 'A' && arg[2] <= 'Z') ||
             (arg[2] >= '0' && arg[2] <= '9'))) {
            char name[128];
            const char *eq = strchr(arg + 2, '=');
            size_t nlen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);

            if (nlen >= sizeof(name))
                nlen = sizeof(name) - 1;
            memcpy(name, arg + 2, nlen);
            name[nlen] = '\0';

            if (strcmp(name, "help") == 0) {
                want_help = true;
                continue;
            }
            idx = opt_index(cmd, name);
            if (idx < 0) {
                if (is_help)
                    continue;
                cli_error("command '%s' doesn't support option --%s",
                          cmd->name, name);
                return -1;
            }
            if (inv->seen[idx]) {
                cli_error("option --%s already seen", name);
                return -1;
            }
            inv->seen[idx] = true;
            if (cmd->opts[idx].type == CLI_OT_BOOL) {
                if (eq) {
                    cli_error("invalid '=' after option --%s", name);
                    return -1;
                }
                inv->vals[idx] = "";
            } else {
                if (eq) {
                    inv->vals[idx] = eq + 1;
                } else if (a + 1 < argc) {
                    inv->vals[idx] = argv[++a];
                } else {
                    cli_error("expected syntax: --%s <%s>", name, "string");
                    return -1;
                }
                need_arg &= ~(1u << idx);
            }
            continue;
        }
        if (!data_only && strcmp(arg, "--") == 0) {
            data_only = true;
            continue;
        }
        /* positional data: the first option still waiting for a value */
        if (!need_arg) {
            if (is_help)
                continue;
            cli_error("unexpected data '%s'", arg);
            return -1;
        }
        idx = __builtin_ctz(need_arg);
        need_arg &= ~(1u << idx);
        inv->seen[idx] = true;
        inv->vals[idx] = arg;
    }

    if (want_help) {
        *help_for = cmd;
        return 0;
    }

    bool ok = true;
    for (int i = 0; i < nopts; i++) {
        if ((required & (1u << i)) && !inv->seen[i]) {
            const struct cli_opt *o = &cmd->opts[i];
            if (o->type == CLI_OT_DATA)
                cli_error("command '%s' requires <%s> option", cmd->name,
                          o->name);
            else
                cli_error("command '%s' requires --%s option", cmd->name,
                          o->name);
            ok = false;
        }
    }
    return ok ? 1 : -1;
}

/* Global options; returns the index of the command or -1 (exit status in
 * *status). */
static int parse_global(int argc, char **argv, struct cli_ctx *ctx,
                        int *status)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;

        if (a[0] != '-' || a[1] == '\0')
            break;
        if (strcmp(a, "--") == 0)
            return i + 1 < argc ? i + 1 : argc;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage();
            *status = EXIT_SUCCESS;
            return -1;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("%s\n", CLI_VERSION);
            *status = EXIT_SUCCESS;
            return -1;
        }
        if (strcmp(a, "--man") == 0) {
            print_man();
            *status = EXIT_SUCCESS;
            return -1;
        }
        if (strcmp(a, "--bash-completion") == 0) {
            print_completion();
            *status = EXIT_SUCCESS;
            return -1;
        }
        if (strcmp(a, "-r") == 0 || strcmp(a, "--readonly") == 0) {
            ctx->readonly = true;
            continue;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            ctx->quiet = true;
            continue;
        }
        if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
            ctx->json = true;
            continue;
        }

        bool is_sock = false, is_tmo = false;
        if (strncmp(a, "--socket", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
            is_sock = true;
            val = a[8] == '=' ? a + 9 : NULL;
        } else if (strncmp(a, "--timeout", 9) == 0 &&
                   (a[9] == '\0' || a[9] == '=')) {
            is_tmo = true;
            val = a[9] == '=' ? a + 10 : NULL;
        } else if (a[1] == 's' || a[1] == 't') {
            is_sock = a[1] == 's';
            is_tmo = a[1] == 't';
            val = a[2] ? a + 2 : NULL;
        } else {
            cli_error("unsupported option '%s'. See --help.", a);
            *status = EXIT_FAILURE;
            return -1;
        }
        if (!val) {
            if (i + 1 >= argc) {
                cli_error("option '%s' requires an argument. See --help.", a);
                *status = EXIT_FAILURE;
                return -1;
            }
            val = argv[++i];
        }
        if (is_sock) {
            ctx->socket_path = val;
        } else if (is_tmo) {
            char *end;
            long v = strtol(val, &end, 10);
            if (*val == '\0' || *end || v < 0 || v > 86400) {
                cli_error("invalid timeout '%s'", val);
                *status = EXIT_FAILURE;
                return -1;
            }
            ctx->timeout_ms = (int)v * 1000;
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    struct cli_ctx ctx = { 0 };
    const struct cli_cmd *help_for = NULL;
    struct cli_inv inv;
    int status = EXIT_FAILURE, ci, rc;
    const char *env;
    bool ok;

    setlocale(LC_ALL, "");
    signal(SIGPIPE, SIG_IGN);

    ctx.socket_path = CLI_DEFAULT_SOCKET;
    ctx.timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
    env = getenv("VNETCTL_SOCKET");
    if (env && *env)
        ctx.socket_path = env;
    env = getenv("VNETCTL_TIMEOUT");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (!*end && v >= 0 && v <= 86400)
            ctx.timeout_ms = (int)v * 1000;
    }

    ci = parse_global(argc, argv, &ctx, &status);
    if (ci < 0)
        return status;
    char *ro_path = NULL;
    if (ctx.readonly) {
        /* libvirt's libvirt-sock-ro beside libvirt-sock: X.sock -> X-ro.sock */
        size_t l = strlen(ctx.socket_path);
        if (l > 5 && strcmp(ctx.socket_path + l - 5, ".sock") == 0)
            ro_path = cli_sprintf("%.*s-ro.sock", (int)(l - 5), ctx.socket_path);
        else
            ro_path = cli_sprintf("%s-ro", ctx.socket_path);
        ctx.socket_path = ro_path;
    }
    if (ci >= argc) {
        usage();
        return EXIT_FAILURE;
    }

    rc = parse_cmd(argc - ci, argv + ci, &inv, &help_for);
    if (rc < 0)
        return EXIT_FAILURE;
    if (rc == 0) {
        /* CMD --help == help CMD */
        memset(&inv, 0, sizeof(inv));
        inv.cmd = find_cmd("help");
        inv.seen[0] = true;
        inv.vals[0] = help_for->name;
    }

    if (ctx.json && opt_index(inv.cmd, "json") < 0 && rc != 0) {
        cli_error("command '%s' doesn't support option --json",
                  inv.cmd->name);
        return EXIT_FAILURE;
    }
    ctx.json_mode = cli_want_json(&ctx, &inv);

    ok = true;
    for (int i = 0; inv.cmd->opts && inv.cmd->opts[i].name; i++) {
        if (inv.seen[i] && inv.cmd->opts[i].type != CLI_OT_BOOL &&
            inv.vals[i][0] == '\0') {
            cli_error("Failed to get option '%s': %s",
                      inv.cmd->opts[i].name, "Option argument is empty");
            ok = false;
            break;
        }
    }
    if (ok)
        ok = inv.cmd->run(&ctx, &inv);

    /* Non-interactive virsh prints a blank line after every command. */
    if (!ctx.quiet && !ctx.json_mode && !ctx.no_blank_line)
        putchar('\n');
    free(ro_path);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "error: failed to write output: %s\n",
                strerror(errno));
        return EXIT_FAILURE;
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *cli_resource_path(const char *prefix, const char *name, const char *suffix)
{
    char *esc = cli_url_escape(name, false);
    char *p = cli_sprintf("%s/%s%s", prefix, esc, suffix ? suffix : "");

    free(esc);
    return p;
}
