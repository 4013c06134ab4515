/*
 * cmd_ct.c - vnetctl's port forwarding and connection tracking commands:
 * port-forward-add|list|delete, conntrack-list, conntrack-flush.
 *
 * virsh has none of these; they follow vnetctl's conventions (vsh-table
 * lists, "error: <what failed>" + "error: <vnetd message>", --json prints
 * the API's answer).  conntrack-list shows the fields of `conntrack -L`
 * (protocol, state, original tuple, translated source, expiry, packets and
 * bytes both ways) and ends with the sessions counted per state.
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

static const char *s_or(json_t *o, const char *key, const char *dflt)
{
    const char *s = cli_json_str(o, key);

    return s && *s ? s : dflt;
}

/* "?network=NET" (escaped) or "" */
static char *net_query(const char *base, const char *net)
{
    if (!net)
        return cli_sprintf("%s", base);
    char *esc = cli_url_escape(net, true);
    char *p = cli_sprintf("%s?network=%s", base, esc);
    free(esc);
    return p;
}

static bool parse_port(const char *s, long *out)
{
    char *end;

    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 1 || v > 65535 || *s == '+' || *s == '-')
        return false;
    *out = v;
    return true;
}

/* ---------------------------------------------------------------------
 * port-forward-add NETWORK PROTO EXTPORT IP[:PORT]
 * --------------------------------------------------------------------- */

static bool cmd_pf_add(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    const char *proto = cli_opt_str(inv, "protocol");
    const char *ext = cli_opt_str(inv, "external-port");
    const char *target = cli_opt_str(inv, "target");
    const char *eaddr = cli_opt_str(inv, "external-address");
    const char *desc = cli_opt_str(inv, "description");
    struct cli_api_res res;
    long eport, iport = 0;
    bool ok = false;

    if (!parse_port(ext, &eport)) {
        cli_error("Failed to add port forward to network %s", net);
        cli_error("invalid argument: external port '%s' must be a number from 1 to 65535", ext);
        return false;
    }
    char *ip = cli_sprintf("%s", target);
    char *colon = strrchr(ip, ':');
    if (colon) {
        *colon = '\0';
        if (!parse_port(colon + 1, &iport)) {
            cli_error("Failed to add port forward to network %s", net);
            cli_error("invalid argument: internal port '%s' must be a number from 1 to 65535",
                      colon + 1);
            free(ip);
            return false;
        }
    }
    json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "network", net, "protocol", proto,
                             "external_port", (int)eport, "internal_ip", ip);
    free(ip);
    if (!body) {
        cli_error("Failed to add port forward to network %s", net);
        cli_error("invalid argument: arguments must be valid UTF-8 text");
        return false;
    }
    if (iport)
        json_object_set_new(body, "internal_port", json_integer(iport));
    if (eaddr)
        json_object_set_new(body, "external_address", json_string(eaddr));
    if (desc)
        json_object_set_new(body, "description", json_string(desc));

    if (cli_api(ctx, "POST", "/v1/port-forwards", body, &res) < 0) {
        if (cli_api_code_is(&res, "no-network"))
            cli_api_report(ctx, &res, "failed to get network '%s'", net);
        else
            cli_api_report(ctx, &res, "Failed to add port forward to network %s", net);
    } else if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
        ok = true;
    } else {
        json_t *p = json_object_get(res.root, "port_forward");
        cli_print_extra(ctx, "Port forward %lld added: %s port %lld to %s:%lld on network %s\n",
                        cli_json_int(p, "id", 0), s_or(p, "protocol", proto),
                        cli_json_int(p, "external_port", eport), s_or(p, "internal_ip", "?"),
                        cli_json_int(p, "internal_port", 0), s_or(p, "network", net));
        ok = true;
    }
    cli_api_res_free(&res);
    json_decref(body);
    return ok;
}

static bool cmd_pf_delete(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *id = cli_opt_str(inv, "id");
    char *path = cli_resource_path("/v1/port-forwards", id, NULL);
    struct cli_api_res res;
    bool ok = false;

    if (cli_api(ctx, "DELETE", path, NULL, &res) < 0) {
        cli_api_report(ctx, &res, "Failed to delete port forward %s", id);
    } else {
        cli_print_extra(ctx, "Port forward %s deleted\n", id);
        ok = true;
    }
    cli_api_res_free(&res);
    free(path);
    return ok;
}

static bool cmd_pf_list(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    char *path = net_query("/v1/port-forwards", net);
    struct cli_api_res res;
    json_t *arr, *p;
    size_t i;

    int got = cli_get_list(ctx, inv, path, net, "port forwards", "port_forwards", &res, &arr);
    free(path);
    if (got <= 0)
        return got == 0;
    struct cli_table *t = cli_table_new("Id", "Network", "Protocol", "External", "Internal",
                                        "Active", "Description", NULL);
    if (!t) {
        cli_error("out of memory");
        cli_api_res_free(&res);
        return false;
    }
    json_array_foreach(arr, i, p) {
        char *id = cli_sprintf("%lld", cli_json_int(p, "id", 0));
        char *ext = cli_sprintf("%s:%lld", s_or(p, "external_address", "*"),
                                cli_json_int(p, "external_port", 0));
        char *in = cli_sprintf("%s:%lld", s_or(p, "internal_ip", "?"),
                               cli_json_int(p, "internal_port", 0));
        const char *cells[7] = { id, s_or(p, "network", "-"), s_or(p, "protocol", "-"), ext, in,
                                 cli_json_bool(p, "active", false) ? "yes" : "no",
                                 s_or(p, "description", "-") };
        cli_table_add_rowv(t, cells);
        free(id);
        free(ext);
        free(in);
    }
    cli_print_table(ctx, t);
    cli_table_free(t);
    cli_api_res_free(&res);
    return true;
}

/* ---------------------------------------------------------------------
 * conntrack-list [NETWORK], conntrack-flush [NETWORK]
 * --------------------------------------------------------------------- */

static bool cmd_ct_list(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    char *path = net_query("/v1/conntrack", net);
    struct cli_api_res res;
    json_t *arr, *w;
    size_t i;

    int got = cli_get_list(ctx, inv, path, net, "connections", "conntrack", &res, &arr);
    free(path);
    if (got <= 0)
        return got == 0;
    struct cli_table *t = cli_table_new("Network", "Proto", "State", "Source", "Destination",
                                        "Sport", "Dport", "Translated", "Expires",
                                        "Packets", "Bytes", NULL);
    if (!t) {
        cli_error("out of memory");
        cli_api_res_free(&res);
        return false;
    }
    json_array_foreach(arr, i, w) {
        char *sport = cli_sprintf("%lld", cli_json_int(w, "sport", 0));
        char *dport = cli_sprintf("%lld", cli_json_int(w, "dport", 0));
        char *nat = cli_json_str(w, "nat_src")
                        ? cli_sprintf("%s:%lld", cli_json_str(w, "nat_src"),
                                      cli_json_int(w, "nat_sport", 0))
                        : cli_sprintf("-");
        char *exp = cli_sprintf("%lld", cli_json_int(w, "expires", 0));
        char *pk = cli_sprintf("%lld/%lld", cli_json_int(w, "orig_packets", 0),
                               cli_json_int(w, "reply_packets", 0));
        char *by = cli_sprintf("%lld/%lld", cli_json_int(w, "orig_bytes", 0),
                               cli_json_int(w, "reply_bytes", 0));
        const char *cells[11] = { s_or(w, "network", "-"), s_or(w, "protocol", "-"),
                                  s_or(w, "state", "-"), s_or(w, "src", "-"),
                                  s_or(w, "dst", "-"), sport, dport, nat, exp, pk, by };
        cli_table_add_rowv(t, cells);
        free(sport);
        free(dport);
        free(nat);
        free(exp);
        free(pk);
        free(by);
    }
    cli_print_table(ctx, t);
    cli_table_free(t);
    /* the counts per state, the non-zero ones, and the total */
    json_t *counts = json_object_get(res.root, "counts");
    const char *k;
    json_t *v;
    printf("\n%lld session(s)", cli_json_int(res.root, "total", (long long)json_array_size(arr)));
    bool first = true;
    json_object_foreach(counts, k, v) {
        if (json_is_integer(v) && json_integer_value(v) > 0) {
            printf("%s%s %lld", first ? ": " : ", ", k, (long long)json_integer_value(v));
            first = false;
        }
    }
    putchar('\n');
    cli_api_res_free(&res);
    return true;
}

static bool cmd_ct_flush(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *net = cli_opt_str(inv, "network");
    char *path = net_query("/v1/conntrack", net);
    struct cli_api_res res;
    bool ok = false;

    if (cli_api(ctx, "DELETE", path, NULL, &res) < 0) {
        if (net && cli_api_code_is(&res, "no-network"))
            cli_api_report(ctx, &res, "failed to get network '%s'", net);
        else
            cli_api_report(ctx, &res, "Failed to flush the connection table");
    } else {
        cli_print_extra(ctx, "%lld session(s) flushed\n", cli_json_int(res.root, "flushed", 0));
        ok = true;
    }
    cli_api_res_free(&res);
    free(path);
    return ok;
}

/* ---------------------------------------------------------------------
 * Command table
 * --------------------------------------------------------------------- */

static const struct cli_opt opts_pf_add[] = {
    { "network", CLI_OT_DATA, CLI_OFLAG_REQ, "network name (forward mode 'nat')" },
    { "protocol", CLI_OT_DATA, CLI_OFLAG_REQ, "tcp or udp" },
    { "external-port", CLI_OT_DATA, CLI_OFLAG_REQ, "port of the uplink address (1-65535)" },
    { "target", CLI_OT_DATA, CLI_OFLAG_REQ,
      "the guest's IP[:PORT] (the port defaults to the external one)" },
    { "external-address", CLI_OT_STRING, 0,
      "forward only this external address (default: the uplink's)" },
    { "description", CLI_OT_STRING, 0, "free text shown by port-forward-list" },
    JSON_OPT,
    OPT_END,
};

static const struct cli_opt opts_pf_delete[] = {
    { "id", CLI_OT_DATA, CLI_OFLAG_REQ, "port forward id (port-forward-list)" },
    OPT_END,
};

static const struct cli_opt opts_net_json[] = {
    { "network", CLI_OT_DATA, 0, "only this network" },
    JSON_OPT,
    OPT_END,
};

static const struct cli_opt opts_net_only[] = {
    { "network", CLI_OT_DATA, 0, "only this network" },
    OPT_END,
};

const struct cli_cmd cli_ct_cmds[] = {
    { "port-forward-add", cmd_pf_add, opts_pf_add,
      "forward a port of the uplink address to a guest",
      "Forwards TCP or UDP traffic to the uplink address's external port to\n"
      "    IP:PORT of a guest on a NAT network (also from other guests: hairpin).\n"
      "    The rule is persistent: `vnetctl port-forward-add default tcp 8080\n"
      "    192.168.122.10:80`." },
    { "port-forward-list", cmd_pf_list, opts_net_json,
      "list port forwards",
      "Lists the port forwarding rules, optionally of one network; Active is\n"
      "    yes while the network runs (and the rule is in the dataplane)." },
    { "port-forward-delete", cmd_pf_delete, opts_pf_delete,
      "delete a port forward", "Removes a port forwarding rule by its id." },
    { "conntrack-list", cmd_ct_list, opts_net_json,
      "list tracked connections",
      "Lists the connection tracking table (all networks or one) with the\n"
      "    fields of `conntrack -L`: protocol, state, original source and\n"
      "    destination, translated source (NAT), seconds to expiry, packets\n"
      "    and bytes original/reply; then the sessions counted per state." },
    { "conntrack-flush", cmd_ct_flush, opts_net_only,
      "flush tracked connections",
      "Removes every tracked connection (of one network, or all): the next\n"
      "    packet of a connection is treated as new." },
    { NULL, NULL, NULL, NULL, NULL },
};
