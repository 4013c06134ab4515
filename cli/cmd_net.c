/*
 * cmd_net.c - vnetctl's virsh-compatible net-* commands.
 *
 * Output and error texts follow virsh 9.0.0 (tools/virsh-network.c):
 * a network named on the command line is looked up first, so a no-network
 * answer prints "failed to get network 'X'" before vnetd's message; other
 * failures print the command's own first line.  Messages that echo the
 * network use the argument as typed (virsh does the same), define/create/
 * edit print the name vnetd reports.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vnetctl.h"
#include "table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NET_OPT(help) { "network", CLI_OT_DATA, CLI_OFLAG_REQ, help }
#define NET_OPT_FULL NET_OPT("network name or uuid")

/* "/v1/networks/<net><suffix>" */
static char *net_path(const char *net, const char *suffix)
{
    return cli_resource_path("/v1/networks", net, suffix);
}

/* Report a failed call on network @net: a no-network answer is a failed
 * lookup; anything else gets @first (NULL: the API message alone). */
static void report_net(struct cli_ctx *ctx, const struct cli_api_res *res,
                       const char *net, const char *first)
{
    if (cli_api_code_is(res, "no-network"))
        cli_api_report(ctx, res, "failed to get network '%s'", net);
    else if (first)
        cli_api_report(ctx, res, "%s", first);
    else
        cli_api_report(ctx, res, NULL);
}

static json_t *net_info(struct cli_api_res *res)
{
    json_t *n = json_object_get(res->root, "network");

    return json_is_object(n) ? n : NULL;
}

/* ---------------------------------------------------------------------
 * net-define, net-create
 * --------------------------------------------------------------------- */

/* A started network whose definition asks for what vnetd does not do yet
 * says so (the definition itself is kept whole). */
static void warn_unsupported(struct cli_api_res *res)
{
    const char *name = cli_json_str(net_info(res), "name");
    const char *u = cli_json_str(net_info(res), "unsupported");
    if (u && *u)
        fprintf(stderr, "warning: network '%s': not implemented by vnetd yet: %s\n",
                name ? name : "?", u);
}

static bool define_or_create(struct cli_ctx *ctx, const struct cli_inv *inv,
                             bool create)
{
    const char *file = cli_opt_str(inv, "file");
    const char *what = create ? "create" : "define";
    struct cli_api_res res;
    size_t len = 0;
    char *buf;
    json_t *body, *xml;
    bool ok = false;

    buf = cli_read_file(file, CLI_MAX_XML_FILE, &len);
    if (!buf)
        return false;
    xml = json_stringn(buf, len);
    free(buf);
    if (!xml) {
        cli_error("Failed to %s network from %s", what, file);
        cli_error("XML error: file '%s' is not valid UTF-8 text", file);
        return false;
    }
    body = json_object();
    json_object_set_new(body, "xml", xml);
    if (create)
        json_object_set_new(body, "create", json_true());

    if (cli_api(ctx, "POST", "/v1/networks", body, &res) < 0) {
        cli_api_report(ctx, &res, "Failed to %s network from %s", what, file);
    } else {
        const char *name = cli_json_str(net_info(&res), "name");
        cli_print_extra(ctx, "Network %s %s from %s\n", name ? name : "?",
                        create ? "created" : "defined", file);
        if (create)
            warn_unsupported(&res);
        ok = true;
    }
    cli_api_res_free(&res);
    json_decref(body);
    return ok;
}

static bool cmd_net_define(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    return define_or_create(ctx, inv, false);
}

static bool cmd_net_create(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    return define_or_create(ctx, inv, true);
}

/* ---------------------------------------------------------------------
 * net-start, net-destroy, net-undefine, net-autostart
 * --------------------------------------------------------------------- */

static bool net_action(struct cli_ctx *ctx, const struct cli_inv *inv,
                       const char *method, const char *suffix, json_t *body,
                       const char *okfmt, const char *failfmt)
{
    const char *net = cli_opt_str(inv, "network");
    char *path = net_path(net, suffix);
    struct cli_api_res res;
    bool ok = false;

    if (cli_api(ctx, method, path, body, &res) < 0) {
        char *first = cli_sprintf(failfmt, net);
        report_net(ctx, &res, net, first);
        free(first);
    } else {
        cli_print_extra(ctx, okfmt, net);
        if (suffix && !strcmp(suffix, "/start"))
            warn_unsupported(&res);
        ok = true;
    }
    cli_api_res_free(&res);
    free(path);
    return ok;
}

static bool cmd_net_start(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    return net_action(ctx, inv, "POST", "/start", NULL,
                      "Network %s started\n", "Failed to start network %s");
}

static bool cmd_net_destroy(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    return net_action(ctx, inv, "POST", "/destroy", NULL,
                      "Network %s destroyed\n",
                      "Failed to destroy network %s");
}

static bool cmd_net_undefine(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    return net_action(ctx, inv, "DELETE", NULL, NULL,
                      "Network %s has been undefined\n",
                      "Failed to undefine network %s");
}

static bool cmd_net_autostart(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    bool enable = !cli_opt_bool(inv, "disable");
    json_t *body = json_pack("{s:b}", "autostart", enable);
    bool ok;

    ok = net_action(ctx, inv, "PUT", "/autostart", body,
                    enable ? "Network %s marked as autostarted\n"
                           : "Network %s unmarked as autostarted\n",
                    enable ? "failed to mark network %s as autostarted"
                           : "failed to unmark network %s as autostarted");
    json_decref(body);
    return ok;
}

/* ---------------------------------------------------------------------
 * net-update
 * --------------------------------------------------------------------- */

static bool cmd_net_update(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    const char *xml = cli_opt_str(inv, "xml");
    const char *pi = cli_opt_str(inv, "parent-index");
    bool config = cli_opt_bool(inv, "config"), live = cli_opt_bool(inv, "live");
    struct cli_api_res res;
    long parent = -1;
    char *buf = NULL, *path;
    json_t *body, *flags, *xs;
    bool ok = false;

    /* virsh's order: option conflicts, then the arguments */
    if (cli_opt_bool(inv, "current") && (live || config)) {
        cli_error("Options --current and --%s are mutually exclusive",
                  live ? "live" : "config");
        return false;
    }
    if (pi) {
        char *end;
        errno = 0;
        parent = strtol(pi, &end, 10);
        if (!*pi || *end || errno || parent < -2147483647L - 1 || parent > 2147483647L) {
            cli_error("Numeric value '%s' for <%s> option is malformed or out of range",
                      pi, "parent-index");
            return false;
        }
    }
    /* an argument starting with '<' is the element itself, else a file */
    if (*xml != '<') {
        size_t len = 0;
        if (!(buf = cli_read_file(xml, CLI_MAX_XML_FILE, &len)))
            return false;
        xs = json_stringn(buf, len);
    } else {
        xs = json_string(xml);
    }
    free(buf);
    if (!xs) {
        cli_error("Failed to update network %s", net);
        cli_error("XML error: the update XML is not valid UTF-8 text");
        return false;
    }
    flags = json_array();
    if (live)
        json_array_append_new(flags, json_string("live"));
    if (config)
        json_array_append_new(flags, json_string("config"));
    body = json_pack("{s:s,s:s,s:o,s:I,s:o}", "command", cli_opt_str(inv, "command"),
                     "section", cli_opt_str(inv, "section"), "xml", xs,
                     "parent_index", (json_int_t)(parent < -1 ? -1 : parent), "flags", flags);
    path = net_path(net, "/update");
    if (cli_api(ctx, "POST", path, body, &res) < 0) {
        /* vnetd checks the command and section names as virsh does, with
         * virsh's one-line messages */
        if (cli_api_code_is(&res, "invalid-arg") &&
            !strncmp(res.message, "unrecognized ", 13)) {
            cli_api_report(ctx, &res, NULL);
        } else {
            char *first = cli_sprintf("Failed to update network %s", net);
            report_net(ctx, &res, net, first);
            free(first);
        }
    } else {
        const char *name = cli_json_str(net_info(&res), "name");
        bool active = cli_json_bool(net_info(&res), "active", false);
        if (!name)
            name = net;
        /* virsh prints these without a newline (the blank line follows) */
        if (config)
            cli_print_extra(ctx, live ? "Updated network %s persistent config and live state"
                                      : "Updated network %s persistent config", name);
        else if (live || active)
            cli_print_extra(ctx, "Updated network %s live state", name);
        else
            cli_print_extra(ctx, "Updated network %s persistent config", name);
        ok = true;
    }
    cli_api_res_free(&res);
    json_decref(body);
    free(path);
    return ok;
}

/* ---------------------------------------------------------------------
 * net-info, net-uuid, net-name, net-dumpxml
 * --------------------------------------------------------------------- */

/* GET the network; on failure prints virsh's lookup error. */
static int lookup_net(struct cli_ctx *ctx, const char *net,
                      struct cli_api_res *res)
{
    char *path = net_path(net, NULL);
    int rc = cli_api(ctx, "GET", path, NULL, res);

    free(path);
    if (rc == 0 && !net_info(res)) {
        snprintf(res->message, sizeof(res->message), "%s",
                 "malformed response from vnetd: no 'network' object");
        rc = -1;
    }
    if (rc < 0)
        cli_api_report(ctx, res, "failed to get network '%s'", net);
    return rc;
}

static bool cmd_net_info(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    struct cli_api_res res;
    json_t *n;

    if (lookup_net(ctx, net, &res) < 0) {
        cli_api_res_free(&res);
        return false;
    }
    if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
        cli_api_res_free(&res);
        return true;
    }
    n = net_info(&res);
    const char *name = cli_json_str(n, "name");
    const char *uuid = cli_json_str(n, "uuid");
    const char *bridge = cli_json_str(n, "bridge");
    cli_print_field("Name:", name ? name : "");
    if (uuid)
        cli_print_field("UUID:", uuid);
    cli_print_field("Active:", cli_json_bool(n, "active", false) ? "yes"
                                                                 : "no");
    cli_print_field("Persistent:",
                    cli_json_bool(n, "persistent", false) ? "yes" : "no");
    cli_print_field("Autostart:",
                    cli_json_bool(n, "autostart", false) ? "yes" : "no");
    if (bridge && *bridge)
        cli_print_field("Bridge:", bridge);
    cli_api_res_free(&res);
    return true;
}

/* net-dhcp-stats: the counters of a network's DHCP server. */
static bool cmd_net_dhcp_stats(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    static const struct { const char *label, *key; } f[] = {
        { "Received:", "received" }, { "Replies:", "replies" },
        { "Offers:", "offers" }, { "Acks:", "acks" }, { "Naks:", "naks" },
        { "No address:", "no_address" }, { "Ignored:", "ignored" },
        { "Other server:", "other_server" }, { "Malformed:", "malformed" },
        { "Rate limited:", "rate_limited" },
    };
    const char *net = cli_opt_str(inv, "network");
    struct cli_api_res res;
    char v[32];

    if (lookup_net(ctx, net, &res) < 0) {
        cli_api_res_free(&res);
        return false;
    }
    json_t *d = json_object_get(net_info(&res), "dhcp");
    if (!json_is_object(d)) {
        cli_error("network '%s' serves no DHCP (it is inactive or has no <dhcp>)", net);
        cli_api_res_free(&res);
        return false;
    }
    if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, d);
        cli_api_res_free(&res);
        return true;
    }
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        snprintf(v, sizeof(v), "%lld", cli_json_int(d, f[i].key, 0));
        cli_print_field(f[i].label, v);
    }
    json_t *lost = json_object_get(d, "replies_lost");
    const char *k;
    json_t *x;
    json_object_foreach(lost, k, x) {
        char label[64];
        snprintf(label, sizeof(label), "Lost (%s):", k);
        snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(x));
        cli_print_field(label, v);
    }
    json_object_foreach(json_object_get(d, "drops"), k, x) {
        char label[64];
        snprintf(label, sizeof(label), "Drop (%s):", k);
        snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(x));
        cli_print_field(label, v);
    }
    cli_api_res_free(&res);
    return true;
}

/* net-dns-stats: the counters of a network's DNS server, flattened
 * ("Cache hits:", "Drop (rate_limited):", ...). */
static void print_dns_obj(json_t *o, const char *prefix)
{
    const char *k;
    json_t *x;
    json_object_foreach(o, k, x) {
        char label[96], v[32];
        if (json_is_object(x)) {
            print_dns_obj(x, k);
            continue;
        }
        if (prefix)
            snprintf(label, sizeof(label), "%s (%s):", prefix, k);
        else
            snprintf(label, sizeof(label), "%s:", k);
        snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(x));
        cli_print_field(label, v);
    }
}

static bool cmd_net_dns_stats(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    struct cli_api_res res;

    if (lookup_net(ctx, net, &res) < 0) {
        cli_api_res_free(&res);
        return false;
    }
    json_t *d = json_object_get(net_info(&res), "dns");
    if (!json_is_object(d)) {
        cli_error("network '%s' serves no DNS (it is inactive, has no IPv4 <ip> or "
                  "<dns enable='no'>)", net);
        cli_api_res_free(&res);
        return false;
    }
    if (cli_want_json(ctx, inv))
        cli_print_json(ctx, d);
    else
        print_dns_obj(d, NULL);
    cli_api_res_free(&res);
    return true;
}

static bool cmd_net_uuid(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    struct cli_api_res res;
    json_t *n;
    const char *name, *uuid;

    if (lookup_net(ctx, net, &res) < 0) {
        cli_api_res_free(&res);
        return false;
    }
    n = net_info(&res);
    name = cli_json_str(n, "name");
    uuid = cli_json_str(n, "uuid");
    /* virsh looks the network up by name only. */
    if (!name || strcmp(name, net) != 0) {
        cli_error("failed to get network '%s'", net);
        cli_error("Network not found: no network with matching name '%s'",
                  net);
        cli_api_res_free(&res);
        return false;
    }
    printf("%s\n", uuid ? uuid : "");
    cli_api_res_free(&res);
    return true;
}

static bool cmd_net_name(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    struct cli_api_res res;
    const char *name, *uuid;
    json_t *n;

    /* virsh looks the network up by UUID only, and only when the argument
     * has the length of a UUID string. */
    if (strlen(net) != 36) {
        cli_error("failed to get network '%s'", net);
        return false;
    }
    char *path = net_path(net, NULL);
    int rc = cli_api(ctx, "GET", path, NULL, &res);
    free(path);
    if (rc < 0 && cli_api_code_is(&res, "no-network")) {
        /* virsh asked by UUID: libvirt's message names the uuid */
        cli_error("failed to get network '%s'", net);
        cli_error("Network not found: no network with matching uuid '%s'", net);
        cli_api_res_free(&res);
        return false;
    }
    if (rc < 0 || !net_info(&res)) {
        if (rc == 0)
            snprintf(res.message, sizeof(res.message), "%s",
                     "malformed response from vnetd: no 'network' object");
        cli_api_report(ctx, &res, "failed to get network '%s'", net);
        cli_api_res_free(&res);
        return false;
    }
    n = net_info(&res);
    name = cli_json_str(n, "name");
    uuid = cli_json_str(n, "uuid");
    if (!uuid || strcasecmp(uuid, net) != 0) {
        cli_error("failed to get network '%s'", net);
        cli_error("Network not found: no network with matching uuid '%s'",
                  net);
        cli_api_res_free(&res);
        return false;
    }
    printf("%s\n", name ? name : "");
    cli_api_res_free(&res);
    return true;
}

/* GET the network's XML (inactive definition when @inactive). Returns a
 * malloc'd string or NULL after printing the error. */
static char *get_xml(struct cli_ctx *ctx, const char *net, bool inactive)
{
    char *path = net_path(net, inactive ? "/xml?inactive=1" : "/xml");
    struct cli_api_res res;
    char *xml = NULL;

    if (cli_api(ctx, "GET", path, NULL, &res) < 0) {
        report_net(ctx, &res, net, NULL);
    } else {
        const char *s = cli_json_str(res.root, "xml");
        if (s) {
            xml = strdup(s);
            if (!xml) {
                cli_error("out of memory");
            }
        } else {
            cli_error("malformed response from vnetd: no 'xml' string");
        }
    }
    cli_api_res_free(&res);
    free(path);
    return xml;
}

static bool cmd_net_dumpxml(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    char *xml = get_xml(ctx, cli_opt_str(inv, "network"),
                        cli_opt_bool(inv, "inactive"));

    if (!xml)
        return false;
    fputs(xml, stdout);
    free(xml);
    return true;
}

/* ---------------------------------------------------------------------
 * net-list
 * --------------------------------------------------------------------- */

static int cmp_by_name(const void *a, const void *b)
{
    const char *na = cli_json_str(*(json_t *const *)a, "name");
    const char *nb = cli_json_str(*(json_t *const *)b, "name");
    int r;

    if (!na || !nb)
        return !na - !nb;
    r = strcasecmp(na, nb);
    return r ? r : strcmp(na, nb);
}

/* Copy the objects of array @key of @root into a malloc'd vector. */
static json_t **json_vec(json_t *root, const char *key, size_t *n)
{
    json_t *arr = json_object_get(root, key), *v;
    json_t **vec;
    size_t i, k = 0;

    *n = 0;
    if (!json_is_array(arr))
        return NULL;
    vec = calloc(json_array_size(arr) + 1, sizeof(*vec));
    if (!vec)
        return NULL;
    json_array_foreach(arr, i, v) {
        if (json_is_object(v))
            vec[k++] = v;
    }
    *n = k;
    return vec;
}

static bool cmd_net_list(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    bool opt_name = cli_opt_bool(inv, "name");
    bool opt_uuid = cli_opt_bool(inv, "uuid");
    bool opt_table = cli_opt_bool(inv, "table");
    bool all = cli_opt_bool(inv, "all");
    static const char *const filters[] = {
        "persistent", "transient", "autostart", "no-autostart",
    };
    char filter[128] = "";
    struct cli_api_res res;
    json_t **nets;
    size_t n;
    char *path;

    if (opt_table + opt_name + opt_uuid > 1) {
        cli_error("Only one argument from --table, --name and --uuid may be "
                  "specified.");
        return false;
    }

    if (!all)
        strcat(filter, cli_opt_bool(inv, "inactive") ? "inactive" : "active");
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        if (!cli_opt_bool(inv, filters[i]))
            continue;
        if (*filter)
            strcat(filter, ",");
        strcat(filter, filters[i]);
    }
    path = *filter ? cli_sprintf("/v1/networks?filter=%s", filter)
                   : cli_sprintf("/v1/networks");

    if (cli_api(ctx, "GET", path, NULL, &res) < 0) {
        cli_api_report(ctx, &res, "Failed to list networks");
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

    nets = json_vec(res.root, "networks", &n);
    if (!nets) {
        cli_error("Failed to list networks");
        cli_error("malformed response from vnetd: no 'networks' array");
        cli_api_res_free(&res);
        return false;
    }
    /* virsh sorts case-insensitively (vshStrcasecmp). */
    qsort(nets, n, sizeof(*nets), cmp_by_name);

    if (opt_name || opt_uuid) {
        for (size_t i = 0; i < n; i++) {
            const char *s = cli_json_str(nets[i], opt_name ? "name" : "uuid");
            printf("%s\n", s ? s : "");
        }
    } else {
        struct cli_table *t = cli_table_new("Name", "State", "Autostart",
                                            "Persistent", NULL);
        if (!t) {
            cli_error("out of memory");
            free(nets);
            cli_api_res_free(&res);
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            const char *cells[4] = {
                cli_json_str(nets[i], "name"),
                cli_json_bool(nets[i], "active", false) ? "active"
                                                        : "inactive",
                cli_json_bool(nets[i], "autostart", false) ? "yes" : "no",
                cli_json_bool(nets[i], "persistent", false) ? "yes" : "no",
            };
            if (!cells[0])
                cells[0] = "";
            cli_table_add_rowv(t, cells);
        }
        cli_print_table(ctx, t);
        cli_table_free(t);
    }
    free(nets);
    cli_api_res_free(&res);
    return true;
}

/* ---------------------------------------------------------------------
 * net-dhcp-leases, net-fdb
 * --------------------------------------------------------------------- */

static int cmp_by_mac(const void *a, const void *b)
{
    const char *ma = cli_json_str(*(json_t *const *)a, "mac-address");
    const char *mb = cli_json_str(*(json_t *const *)b, "mac-address");

    if (!ma || !mb)
        return !ma - !mb;
    return strcasecmp(ma, mb);
}

/* GET @path of network @net and hand back the array member @key:
 * returns 1 with *arr (malloc'd) and *n set and @res to be freed by the
 * caller, 0 after printing the JSON answer (--json), -1 after reporting an
 * error (@first is virsh's first error line). */
static int get_net_array(struct cli_ctx *ctx, const struct cli_inv *inv, const char *net,
                         const char *path, const char *first, const char *key,
                         struct cli_api_res *res, json_t ***arr, size_t *n)
{
    if (cli_api(ctx, "GET", path, NULL, res) < 0) {
        report_net(ctx, res, net, first);
        cli_api_res_free(res);
        return -1;
    }
    if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res->root);
        cli_api_res_free(res);
        return 0;
    }
    *arr = json_vec(res->root, key, n);
    if (!*arr) {
        cli_error("%s", first);
        cli_error("malformed response from vnetd: no '%s' array", key);
        cli_api_res_free(res);
        return -1;
    }
    return 1;
}

static bool cmd_net_dhcp_leases(struct cli_ctx *ctx,
                                const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    const char *mac = cli_opt_str(inv, "mac");
    struct cli_api_res res;
    struct cli_table *t;
    json_t **leases;
    size_t n;
    char *path;

    if (mac) {
        char *esc = cli_url_escape(mac, true);
        char *suffix = cli_sprintf("/leases?mac=%s", esc);
        path = net_path(net, suffix);
        free(suffix);
        free(esc);
    } else {
        path = net_path(net, "/leases");
    }

    char *first = cli_sprintf("Failed to get leases info for %s", net);
    int rc = get_net_array(ctx, inv, net, path, first, "leases", &res, &leases, &n);
    free(first);
    free(path);
    if (rc <= 0)
        return rc == 0;
    qsort(leases, n, sizeof(*leases), cmp_by_mac);

    t = cli_table_new("Expiry Time", "MAC address", "Protocol", "IP address",
                      "Hostname", "Client ID or DUID", NULL);
    if (!t) {
        cli_error("out of memory");
        free(leases);
        cli_api_res_free(&res);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *l = leases[i];
        time_t expiry = (time_t)cli_json_int(l, "expiry-time", 0);
        const char *type = cli_json_str(l, "type");
        const char *ip = cli_json_str(l, "ip-address");
        char when[64] = "";
        char *cidr = NULL;
        struct tm tm;

        /* As virsh: local time, also for expiry 0 (infinite lease). */
        if (localtime_r(&expiry, &tm))
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        if (ip)
            cidr = cli_sprintf("%s/%lld", ip, cli_json_int(l, "prefix", 0));
        if (type && strcmp(type, "ipv4") != 0 && strcmp(type, "ipv6") != 0)
            type = NULL;

        const char *cells[6] = {
            when,
            cli_json_str(l, "mac-address"),
            type,
            cidr,
            cli_json_str(l, "hostname"),
            cli_json_str(l, "client-id"),
        };
        cli_table_add_rowv(t, cells); /* NULL cells print "-" */
        free(cidr);
    }
    cli_print_table(ctx, t);
    cli_table_free(t);
    free(leases);
    cli_api_res_free(&res);
    return true;
}

static bool cmd_net_fdb(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    char *path = net_path(net, "/fdb");
    struct cli_api_res res;
    struct cli_table *t;
    json_t **ents;
    size_t n;

    char *first = cli_sprintf("Failed to get the forwarding database of network %s", net);
    int rc = get_net_array(ctx, inv, net, path, first, "fdb", &res, &ents, &n);
    free(first);
    free(path);
    if (rc <= 0)
        return rc == 0;
    t = cli_table_new("MAC", "Port", "Type", "Age", NULL);
    if (!t) {
        cli_error("out of memory");
        free(ents);
        cli_api_res_free(&res);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char age[32];
        snprintf(age, sizeof(age), "%lld", cli_json_int(ents[i], "age", 0));
        const char *cells[4] = {
            cli_json_str(ents[i], "mac"),
            cli_json_str(ents[i], "port"),
            cli_json_bool(ents[i], "static", false) ? "static" : "learned",
            age,
        };
        cli_table_add_rowv(t, cells);
    }
    cli_print_table(ctx, t);
    cli_table_free(t);
    free(ents);
    cli_api_res_free(&res);
    return true;
}

/* ---------------------------------------------------------------------
 * net-edit
 * --------------------------------------------------------------------- */

static int run_editor(const char *file)
{
    const char *editor = getenv("VISUAL");
    char *cmd;
    pid_t pid;
    int st;

    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    /* Like virsh, $EDITOR may carry arguments: run it through the shell,
     * passing the file name as "$1" so it is never re-parsed. */
    cmd = cli_sprintf("%s \"$1\"", editor);
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        cli_error("cannot fork child process: %s", strerror(errno));
        free(cmd);
        return -1;
    }
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, "sh", file, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            cli_error("cannot wait for child process: %s", strerror(errno));
            free(cmd);
            return -1;
        }
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (WIFEXITED(st))
            cli_error("internal error: Child process (%s %s) unexpected exit "
                      "status %d", editor, file, WEXITSTATUS(st));
        else
            cli_error("internal error: Child process (%s %s) unexpected "
                      "fatal signal %d", editor, file,
                      WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        free(cmd);
        return -1;
    }
    free(cmd);
    return 0;
}

static char *write_temp(const char *doc)
{
    const char *dir = getenv("TMPDIR");
    size_t len = strlen(doc), off = 0;
    char *path;
    int fd;

    if (!dir || !*dir)
        dir = "/tmp";
    path = cli_sprintf("%s/vnetctlXXXXXX.xml", dir);
    fd = mkstemps(path, 4);
    if (fd < 0) {
        cli_error("failed to create temporary file: %s", strerror(errno));
        free(path);
        return NULL;
    }
    while (off < len) {
        ssize_t n = write(fd, doc + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            cli_error("failed to write temporary file '%s': %s", path,
                      strerror(n < 0 ? errno : EIO));
            close(fd);
            unlink(path);
            free(path);
            return NULL;
        }
        off += (size_t)n;
    }
    if (close(fd) < 0) {
        cli_error("failed to write temporary file '%s': %s", path,
                  strerror(errno));
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

static bool cmd_net_edit(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    struct cli_api_res res;
    char *name = NULL, *doc = NULL, *tmp = NULL, *edited = NULL;
    char *reread = NULL;
    bool ok = false, keep = false;
    json_t *body;

    if (lookup_net(ctx, net, &res) < 0) {
        cli_api_res_free(&res);
        return false;
    }
    name = cli_sprintf("%s", cli_json_str(net_info(&res), "name") ?
                       cli_json_str(net_info(&res), "name") : net);
    cli_api_res_free(&res);

    if (!(doc = get_xml(ctx, net, true)))
        goto out;
    if (!(tmp = write_temp(doc)))
        goto out;
    if (run_editor(tmp) < 0)
        goto out;
    if (!(edited = cli_read_file(tmp, CLI_MAX_XML_FILE, NULL)))
        goto out;

    if (strcmp(doc, edited) == 0) {
        cli_print_extra(ctx, "Network %s XML configuration not changed.\n",
                        name);
        ok = true;
        goto out;
    }

    /* From here on the user's changes must not be lost. */
    keep = true;
    if (!(reread = get_xml(ctx, net, true)))
        goto out;
    if (strcmp(doc, reread) != 0) {
        cli_error("ERROR: the XML configuration was changed by another user");
        goto out;
    }

    body = json_pack("{s:s}", "xml", edited);
    if (!body) {
        cli_error("XML error: the edited file is not valid UTF-8 text");
        goto out;
    }
    if (cli_api(ctx, "POST", "/v1/networks", body, &res) < 0) {
        cli_api_report(ctx, &res, NULL);
    } else {
        const char *nn = cli_json_str(net_info(&res), "name");
        cli_print_extra(ctx, "Network %s XML configuration edited.\n",
                        nn ? nn : name);
        ok = true;
        keep = false;
    }
    cli_api_res_free(&res);
    json_decref(body);

out:
    if (tmp) {
        if (keep && !ok)
            cli_error("Failed. The edited XML is kept in '%s'", tmp);
        else
            unlink(tmp);
    }
    free(name);
    free(doc);
    free(tmp);
    free(edited);
    free(reread);
    return ok;
}

/* ---------------------------------------------------------------------
 * Command table
 * --------------------------------------------------------------------- */

static const struct cli_opt opts_net_autostart[] = {
    NET_OPT_FULL,
    { "disable", CLI_OT_BOOL, 0, "disable autostarting" },
    OPT_END,
};

static const struct cli_opt opts_net_file[] = {
    { "file", CLI_OT_DATA, CLI_OFLAG_REQ,
      "file containing an XML network description" },
    OPT_END,
};

static const struct cli_opt opts_net_only[] = {
    NET_OPT_FULL,
    OPT_END,
};

static const struct cli_opt opts_net_json[] = {
    NET_OPT_FULL,
    JSON_OPT,
    OPT_END,
};

static const struct cli_opt opts_net_dhcp_leases[] = {
    NET_OPT_FULL,
    { "mac", CLI_OT_STRING, 0, "MAC address" },
    JSON_OPT,
    OPT_END,
};

static const struct cli_opt opts_net_dumpxml[] = {
    NET_OPT_FULL,
    { "inactive", CLI_OT_BOOL, 0, "show inactive defined XML" },
    OPT_END,
};

static const struct cli_opt opts_net_update[] = {
    NET_OPT_FULL,
    { "command", CLI_OT_DATA, CLI_OFLAG_REQ,
      "type of update (add-first, add-last (add), delete, or modify)" },
    { "section", CLI_OT_DATA, CLI_OFLAG_REQ,
      "which section of network configuration to update" },
    { "xml", CLI_OT_DATA, CLI_OFLAG_REQ,
      "name of file containing xml (or, if it starts with '<', the complete "
      "xml element itself) to add/modify, or to be matched for search" },
    { "parent-index", CLI_OT_STRING, 0, "which parent object to search through" },
    { "config", CLI_OT_BOOL, 0, "affect next network startup" },
    { "live", CLI_OT_BOOL, 0, "affect running network" },
    { "current", CLI_OT_BOOL, 0, "affect current state of network" },
    OPT_END,
};

static const struct cli_opt opts_net_list[] = {
    { "inactive", CLI_OT_BOOL, 0, "list inactive networks" },
    { "all", CLI_OT_BOOL, 0, "list inactive & active networks" },
    { "persistent", CLI_OT_BOOL, 0, "list persistent networks" },
    { "transient", CLI_OT_BOOL, 0, "list transient networks" },
    { "autostart", CLI_OT_BOOL, 0, "list networks with autostart enabled" },
    { "no-autostart", CLI_OT_BOOL, 0,
      "list networks with autostart disabled" },
    { "uuid", CLI_OT_BOOL, 0, "list uuid's only" },
    { "name", CLI_OT_BOOL, 0, "list network names only" },
    { "table", CLI_OT_BOOL, 0, "list table (default)" },
    JSON_OPT,
    OPT_END,
};

static const struct cli_opt opts_net_name[] = {
    NET_OPT("network uuid"),
    OPT_END,
};

static const struct cli_opt opts_net_uuid[] = {
    NET_OPT("network name"),
    OPT_END,
};

const struct cli_cmd cli_net_cmds[] = {
    { "net-autostart", cmd_net_autostart, opts_net_autostart,
      "autostart a network",
      "Configure a network to be automatically started at boot." },
    { "net-create", cmd_net_create, opts_net_file,
      "create a network from an XML file", "Create a network." },
    { "net-define", cmd_net_define, opts_net_file,
      "define an inactive persistent virtual network or modify an existing "
      "persistent one from an XML file",
      "Define or modify a persistent virtual network." },
    { "net-destroy", cmd_net_destroy, opts_net_only,
      "destroy (stop) a network", "Forcefully stop a given network." },
    { "net-dhcp-leases", cmd_net_dhcp_leases, opts_net_dhcp_leases,
      "print lease info for a given network",
      "Print lease info for a given network" },
    { "net-dhcp-stats", cmd_net_dhcp_stats, opts_net_json,
      "show the counters of a network's DHCP server",
      "Prints what the network's DHCP server received, answered and dropped\n"
      "    (malformed frames, the per-client rate limiter, ...) and the replies\n"
      "    lost on the way out." },
    { "net-dns-stats", cmd_net_dns_stats, opts_net_json,
      "show the counters of a network's DNS server",
      "Prints what the network's DNS server answered (local names, cache,\n"
      "    upstream), dropped (malformed, rate limited, ...), its cache and its\n"
      "    upstream servers' counters." },
    { "net-dumpxml", cmd_net_dumpxml, opts_net_dumpxml,
      "network information in XML",
      "Output the network information as an XML dump to stdout." },
    { "net-edit", cmd_net_edit, opts_net_only,
      "edit XML configuration for a network",
      "Edit the XML configuration for a network." },
    { "net-fdb", cmd_net_fdb, opts_net_json,
      "show the forwarding database of a network",
      "Lists the MAC addresses a network forwards to its ports: static "
      "entries\n    (port MACs) and learned ones, with their age." },
    { "net-info", cmd_net_info, opts_net_json,
      "network information",
      "Returns basic information about the network" },
    { "net-list", cmd_net_list, opts_net_list,
      "list networks", "Returns list of networks." },
    { "net-name", cmd_net_name, opts_net_name,
      "convert a network UUID to network name", "" },
    { "net-start", cmd_net_start, opts_net_only,
      "start a (previously defined) inactive network", "Start a network." },
    { "net-undefine", cmd_net_undefine, opts_net_only,
      "undefine a persistent network",
      "Undefine the configuration for a persistent network." },
    { "net-update", cmd_net_update, opts_net_update,
      "update parts of an existing network's configuration",
      "Adds, deletes or modifies one entry of a section (ip-dhcp-host,\n"
      "    ip-dhcp-range, dns-host, dns-txt, dns-srv, forward-interface,\n"
      "    portgroup) of the live network, its persistent config, or both.\n"
      "    DHCP hosts and ranges take effect on the running network at once,\n"
      "    without a restart." },
    { "net-uuid", cmd_net_uuid, opts_net_uuid,
      "convert a network name to network UUID", "" },
    { NULL, NULL, NULL, NULL, NULL },
};
