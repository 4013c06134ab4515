/*
 * vnetctl.h - internal interface between vnetctl's driver and its commands.
 *
 * Design note: vnetctl mimics virsh 9.0.0 (tools/vsh.c + virsh-network.c):
 * commands are table driven (struct cli_cmd: name, option table, help text,
 * run function) and grouped for `help`; the option parser follows vsh's
 * rules (--opt value, --opt=value, positional fill of DATA/STRING options in
 * table order, "--" ends options, --help anywhere turns the command into
 * `help CMD`) and prints vsh's messages.  A command's run function returns
 * true/false; like non-interactive virsh, the driver then prints one blank
 * line on stdout (unless --quiet or the command printed JSON) and exits
 * 0/1.  Errors go to stderr as "error: <what failed>" followed by
 * "error: <message from vnetd>" -- vnetd's messages are libvirt's, so the
 * output matches virsh.  Every request opens a fresh connection (see
 * http.h); cli_api() turns the HTTP answer into parsed JSON or an error.
 */
#ifndef VNETCTL_VNETCTL_H
#define VNETCTL_VNETCTL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CLI_VERSION "0.1.0"
#define CLI_DEFAULT_SOCKET "/run/vnetd/vnetd.sock"
#define CLI_DEFAULT_TIMEOUT_MS 60000
#define CLI_MAX_OPTS 16
#define CLI_MAX_XML_FILE (10 * 1024 * 1024) /* virsh's VSH_MAX_XML_FILE */

enum cli_opt_type {
    CLI_OT_BOOL,    /* --flag */
    CLI_OT_STRING,  /* --opt <string> (may also be given positionally) */
    CLI_OT_DATA,    /* <name> positional (or --name <string>) */
};

#define CLI_OFLAG_REQ 0x1 /* mandatory */

struct cli_opt {
    const char *name;
    enum cli_opt_type type;
    unsigned flags;
    const char *help;
};

struct cli_ctx;
struct cli_inv;

struct cli_cmd {
    const char *name;
    bool (*run)(struct cli_ctx *ctx, const struct cli_inv *inv);
    const struct cli_opt *opts; /* terminated by {NULL} */
    const char *help;           /* one line summary */
    const char *desc;           /* description ("" for none) */
};

struct cli_group {
    const char *name;
    const char *keyword;
    const struct cli_cmd *cmds; /* terminated by {NULL} */
};

/* A parsed command line. */
struct cli_inv {
    const struct cli_cmd *cmd;
    const char *vals[CLI_MAX_OPTS]; /* bool: "" when given */
    bool seen[CLI_MAX_OPTS];
};

struct cli_ctx {
    const char *socket_path;
    int timeout_ms;
    bool quiet;
    bool readonly;        /* -r: the read-only socket */
    bool json;            /* global --json */
    bool json_mode;       /* JSON output: no trailing blank line */
    bool no_blank_line;   /* connection failure: as virsh, no blank line */
};

/* Command tables (cmd_net.c, cmd_port.c). */
extern const struct cli_cmd cli_net_cmds[];
extern const struct cli_cmd cli_port_cmds[];
extern const struct cli_cmd cli_dp_cmds[];
extern const struct cli_cmd cli_ct_cmds[]; /* cmd_ct.c */
extern const struct cli_cmd cli_sg_cmds[]; /* cmd_sg.c: sg-*, port-update */

/* Option access. */
bool cli_opt_bool(const struct cli_inv *inv, const char *name);
const char *cli_opt_str(const struct cli_inv *inv, const char *name);
bool cli_want_json(const struct cli_ctx *ctx, const struct cli_inv *inv);

/* Output helpers. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_print_extra(const struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_print_json(struct cli_ctx *ctx, json_t *root);
/* Render t (with its header unless --quiet) to stdout. */
struct cli_table;
void cli_print_table(const struct cli_ctx *ctx, const struct cli_table *t);
/* Print a label/value line as virsh's "%-15s %s\n". */
void cli_print_field(const char *label, const char *value);

/* API access. */
struct cli_api_res {
    int status;            /* HTTP status, 0 when no answer */
    json_t *root;          /* parsed body (NULL if none/unparsable) */
    char code[64];         /* API error code ("" on success) */
    char message[1024];    /* error message to print after "error: " */
    bool connect_failed;   /* message is the full connection error line */
};

/* Perform METHOD PATH with optional JSON @body (borrowed).  Returns 0 on a
 * 2xx answer carrying a JSON object in res->root, -1 otherwise with
 * res->code/message set.  Release with cli_api_res_free(). */
int cli_api(struct cli_ctx *ctx, const char *method, const char *path,
            json_t *body, struct cli_api_res *res);
void cli_api_res_free(struct cli_api_res *res);
bool cli_api_code_is(const struct cli_api_res *res, const char *code);

/* Report a failed call: the connection error alone when the daemon could
 * not be reached, else "error: <first line>" (when @first_fmt is non-NULL)
 * and "error: <API message>". */
void cli_api_report(struct cli_ctx *ctx, const struct cli_api_res *res,
                    const char *first_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* GET @path for a list command (@net: the network filter or NULL).  -1: the
 * failure reported ("Failed to list @what", or the network's absence);
 * 0: --json, the body printed; 1: *arr is the body's @key array.  @res is
 * freed unless 1 is returned. */
int cli_get_list(struct cli_ctx *ctx, const struct cli_inv *inv, const char *path,
                 const char *net, const char *what, const char *key,
                 struct cli_api_res *res, json_t **arr);

/* Percent-encode @s for a path segment (@query false) or a query value.
 * Returns a malloc'd string (never NULL: aborts on ENOMEM). */
char *cli_url_escape(const char *s, bool query);

/* asprintf that aborts on ENOMEM. */
char *cli_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* JSON member helpers (NULL / default when missing or of another type). */
const char *cli_json_str(json_t *obj, const char *key);
bool cli_json_bool(json_t *obj, const char *key, bool dflt);
long long cli_json_int(json_t *obj, const char *key, long long dflt);

/* Read a whole file like virsh's virFileReadAll; on failure prints virsh's
 * single error line ("Failed to open file 'F': <strerror>") and returns
 * NULL. */
char *cli_read_file(const char *path, size_t maxlen, size_t *len);


/* Option-table entries shared by the command files. */
#define JSON_OPT { "json", CLI_OT_BOOL, 0, "print the API's JSON answer" }
#define OPT_END { NULL, 0, 0, NULL }

/* "<prefix>/<url-escaped name><suffix>", malloc'd (suffix may be NULL). */
char *cli_resource_path(const char *prefix, const char *name, const char *suffix);

#endif /* VNETCTL_VNETCTL_H */
