/*
 * cmd_sg.c - vnetctl's security group commands (sg-*, sg-rule-*) and
 * port-update (a port's groups, port security, allowed address pairs).
 *
 * The resources are Neutron's (see doc/api.md); the commands follow the
 * house style of port-*: vsh tables, "%-15s %s" info lines, "error: <what
 * failed>" + "error: <vnetd's message>", --json for the API's answer.
 * A group is named by id or name (the API resolves both).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vnetctl.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SG_OPT { "group", CLI_OT_DATA, CLI_OFLAG_REQ, "security group id or name" }

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    const char *s = cli_json_str(o, key);

    return s && *s ? s : dflt;
}

/* "22", "1000:2000", "any" style port text of a rule. */
static void rule_ports(json_t *r, char *buf, size_t cap)
{
    json_t *mn = json_object_get(r, "port_range_min");
    json_t *mx = json_object_get(r, "port_range_max");
    const char *p = cli_json_str(r, "protocol");
    bool icmp = p && (!strcmp(p, "icmp") || !strcmp(p, "icmpv6") ||
                      !strcmp(p, "ipv6-icmp") || !strcmp(p, "1") || !strcmp(p, "58"));

    if (!json_is_integer(mn) && !json_is_integer(mx))
        snprintf(buf, cap, "any");
    else if (icmp && json_is_integer(mx))
        snprintf(buf, cap, "type %lld code %lld", (long long)json_integer_value(mn),
                 (long long)json_integer_value(mx));
    else if (icmp)
        snprintf(buf, cap, "type %lld", (long long)json_integer_value(mn));
    else if (json_integer_value(mn) == json_integer_value(mx))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(mn));
    else
        snprintf(buf, cap, "%lld:%lld", (long long)json_integer_value(mn),
                 (long long)json_integer_value(mx));
}

static void print_rules(const struct cli_ctx *ctx, json_t *rules)
{
    struct cli_table *t = cli_table_new("ID", "Direction", "Ethertype", "Protocol",
                                        "Ports", "Remote", NULL);
    size_t i;
    json_t *r;

    if (!t) {
        cli_error("out of memory");
        return;
    }
    json_array_foreach(rules, i, r) {
        char ports[64];
        const char *remote = cli_json_str(r, "remote_ip_prefix");
        char *rg = NULL;

        if (!remote && cli_json_str(r, "remote_group_id"))
            remote = rg = cli_sprintf("group %s", cli_json_str(r, "remote_group_id"));
        rule_ports(r, ports, sizeof(ports));
        const char *cells[6] = {
            str_or(r, "id", "-"), str_or(r, "direction", "-"),
            str_or(r, "ethertype", "-"), str_or(r, "protocol", "any"), ports,
            remote ? remote : "any",
        };
        cli_table_add_rowv(t, cells);
        free(rg);
    }
    cli_print_table(ctx, t);
    cli_table_free(t);
}

/* GET and print one group (sg-show) or the answer of a change. */
static void print_group(const struct cli_ctx *ctx, json_t *g)
{
    cli_print_field("ID:", str_or(g, "id", "-"));
    cli_print_field("Name:", str_or(g, "name", "-"));
    cli_print_field("Description:", str_or(g, "description", "-"));
    printf("\n");
    print_rules(ctx, json_object_get(g, "security_group_rules"));
}

static char *sg_path(const char *g)
{
    return cli_resource_path("/v1/security-groups", g, NULL);
}

static bool call(struct cli_ctx *ctx, const struct cli_inv *inv, const char *method,
                 const char *path, json_t *body, struct cli_api_res *res,
                 const char *what)
{
    if (cli_api(ctx, method, path, body, res) < 0) {
        cli_api_report(ctx, res, "%s", what);
        cli_api_res_free(res);
        return false;
    }
    if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res->root);
        cli_api_res_free(res);
        return false; /* printed: nothing more to do (the caller returns true) */
    }
    return true;
}

/* ---- groups ---- */

static bool cmd_sg_create(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *name = cli_opt_str(inv, "name");
    const char *desc = cli_opt_str(inv, "description");
    struct cli_api_res res;
    json_t *body = json_pack("{s:{s:s}}", "security_group", "name", name);
    char *what = cli_sprintf("Failed to create security group %s", name);
    bool ok;

    if (body && desc)
        json_object_set_new(json_object_get(body, "security_group"), "description",
                            json_string(desc));
    ok = call(ctx, inv, "POST", "/v1/security-groups", body, &res, what);
    if (ok) {
        json_t *g = json_object_get(res.root, "security_group");
        cli_print_extra(ctx, "Security group %s created\n", str_or(g, "name", name));
        printf("ID: %s\n", str_or(g, "id", "-"));
        cli_api_res_free(&res);
    }
    free(what);
    json_decref(body);
    return ok || (cli_want_json(ctx, inv) && res.status / 100 == 2);
}

static bool cmd_sg_update(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *grp = cli_opt_str(inv, "group");
    const char *name = cli_opt_str(inv, "name");
    const char *desc = cli_opt_str(inv, "description");
    struct cli_api_res res;
    json_t *g = json_object();
    char *path = sg_path(grp), *what = cli_sprintf("Failed to update security group %s", grp);
    bool ok;

    if (name)
        json_object_set_new(g, "name", json_string(name));
    if (desc)
        json_object_set_new(g, "description", json_string(desc));
    json_t *body = json_pack("{s:o}", "security_group", g);
    ok = call(ctx, inv, "PUT", path, body, &res, what);
    if (ok) {
        cli_print_extra(ctx, "Security group %s updated\n", grp);
        cli_api_res_free(&res);
    }
    free(path);
    free(what);
    json_decref(body);
    return ok || (cli_want_json(ctx, inv) && res.status / 100 == 2);
}

static bool cmd_sg_show(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *grp = cli_opt_str(inv, "group");
    struct cli_api_res res;
    char *path = sg_path(grp), *what = cli_sprintf("failed to get security group '%s'", grp);
    bool ok = call(ctx, inv, "GET", path, NULL, &res, what);

    if (ok) {
        print_group(ctx, json_object_get(res.root, "security_group"));
        cli_api_res_free(&res);
    }
    free(path);
    free(what);
    return ok || (cli_want_json(ctx, inv) && res.status / 100 == 2);
}

static bool cmd_sg_delete(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *grp = cli_opt_str(inv, "group");
    struct cli_api_res res;
    char *path = sg_path(grp), *what = cli_sprintf("Failed to delete security group %s", grp);
    bool ok = call(ctx, inv, "DELETE", path, NULL, &res, what);

    if (ok) {
        cli_print_extra(ctx, "Security group %s deleted\n", grp);
        cli_api_res_free(&res);
    }
    free(path);
    free(what);
    return ok || (cli_want_json(ctx, inv) && res.status / 100 == 2);
}

static bool cmd_sg_list(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    struct cli_api_res res;
    bool ok = call(ctx, inv, "GET", "/v1/security-groups", NULL, &res,
                   "Failed to list security groups");
    struct cli_table *t;
    size_t i;
    json_t *g;

    if (!ok)
        return cli_want_json(ctx, inv) && res.status / 100 == 2;
    t = cli_table_new("ID", "Name", "Rules", "Description", NULL);
    json_array_foreach(json_object_get(res.root, "security_groups"), i, g) {
        char n[32];
        snprintf(n, sizeof(n), "%zu", json_array_size(json_object_get(g, "security_group_rules")));
        const char *cells[4] = { str_or(g, "id", "-"), str_or(g, "name", "-"), n,
                                 str_or(g, "description", "") };
        cli_table_add_rowv(t, cells);
    }
    if (t)
        cli_print_table(ctx, t);
    cli_table_free(t);
    cli_api_res_free(&res);
    return true;
}

/* ---- rules ---- */

/* --port N or MIN:MAX into the rule's port_range_min/max. */
static bool port_opt(json_t *rule, const char *p)
{
    char *end;
    long a = strtol(p, &end, 10), b = a;

    if (end == p)
        return false;
    if (*end == ':') {
        const char *q = end + 1;
        b = strtol(q, &end, 10);
        if (end == q)
            return false;
    }
    if (*end)
        return false;
    json_object_set_new(rule, "port_range_min", json_integer(a));
    json_object_set_new(rule, "port_range_max", json_integer(b));
    return true;
}

static bool cmd_sg_rule_create(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *grp = cli_opt_str(inv, "group");
    const char *opt_names[] = { "direction", "ethertype", "protocol", "description" };
    const char *json_names[] = { "direction", "ethertype", "protocol", "description" };
    const char *port = cli_opt_str(inv, "port");
    const char *pmin = cli_opt_str(inv, "port-range-min");
    const char *pmax = cli_opt_str(inv, "port-range-max");
    const char *rip = cli_opt_str(inv, "remote-ip");
    const char *rgrp = cli_opt_str(inv, "remote-group");
    struct cli_api_res res;
    char *what = cli_sprintf("Failed to create a rule in security group %s", grp);
    bool ok = false;
    json_t *rule = json_object(), *body = NULL;

    /* the group's id (the API takes ids in rules); names are resolved */
    char *path = sg_path(grp);
    if (cli_api(ctx, "GET", path, NULL, &res) < 0) {
        cli_api_report(ctx, &res, "%s", what);
        goto out;
    }
    json_object_set_new(rule, "security_group_id",
                        json_string(str_or(json_object_get(res.root, "security_group"), "id", "")));
    cli_api_res_free(&res);
    if (rgrp) {
        char *rp = sg_path(rgrp);
        int rc = cli_api(ctx, "GET", rp, NULL, &res);
        free(rp);
        if (rc < 0) {
            cli_api_report(ctx, &res, "%s", what);
            goto out;
        }
        json_object_set_new(rule, "remote_group_id",
                            json_string(str_or(json_object_get(res.root, "security_group"), "id", "")));
        cli_api_res_free(&res);
    }
    json_object_set_new(rule, "direction", json_string("ingress"));
    for (size_t i = 0; i < 4; i++) {
        const char *v = cli_opt_str(inv, opt_names[i]);
        if (v)
            json_object_set_new(rule, json_names[i], json_string(v));
    }
    if (port && (pmin || pmax)) {
        cli_error("%s", what);
        cli_error("--port and --port-range-min/max are exclusive");
        goto out;
    }
    if (port && !port_opt(rule, port)) {
        cli_error("%s", what);
        cli_error("invalid --port '%s': use N or MIN:MAX", port);
        goto out;
    }
    const char *pv[2] = { pmin, pmax }, *pk[2] = { "port_range_min", "port_range_max" };
    for (int i = 0; i < 2; i++)
        if (pv[i])
            json_object_set_new(rule, pk[i], json_string(pv[i])); /* the API checks it */
    if (rip)
        json_object_set_new(rule, "remote_ip_prefix", json_string(rip));
    body = json_pack("{s:O}", "security_group_rule", rule);
    if (cli_api(ctx, "POST", "/v1/security-group-rules", body, &res) < 0) {
        cli_api_report(ctx, &res, "%s", what);
    } else if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
        ok = true;
    } else {
        cli_print_extra(ctx, "Rule created in security group %s\n", grp);
        printf("ID: %s\n", str_or(json_object_get(res.root, "security_group_rule"), "id", "-"));
        ok = true;
    }
out:
    cli_api_res_free(&res);
    free(path);
    free(what);
    json_decref(rule);
    json_decref(body);
    return ok;
}

static bool cmd_sg_rule_list(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *grp = cli_opt_str(inv, "group");
    struct cli_api_res res;
    char *path;

    if (grp) {
        char *esc = cli_url_escape(grp, true);
        path = cli_sprintf("/v1/security-group-rules?security_group_id=%s", esc);
        free(esc);
    } else {
        path = cli_sprintf("/v1/security-group-rules");
    }
    bool ok = call(ctx, inv, "GET", path, NULL, &res, "Failed to list security group rules");
    free(path);
    if (!ok)
        return cli_want_json(ctx, inv) && res.status / 100 == 2;
    print_rules(ctx, json_object_get(res.root, "security_group_rules"));
    cli_api_res_free(&res);
    return true;
}

static bool cmd_sg_rule_delete(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *rule = cli_opt_str(inv, "rule");
    struct cli_api_res res;
    char *path = cli_resource_path("/v1/security-group-rules", rule, NULL);
    char *what = cli_sprintf("Failed to delete security group rule %s", rule);
    bool ok = call(ctx, inv, "DELETE", path, NULL, &res, what);

    if (ok) {
        cli_print_extra(ctx, "Security group rule %s deleted\n", rule);
        cli_api_res_free(&res);
    }
    free(path);
    free(what);
    return ok || (cli_want_json(ctx, inv) && res.status / 100 == 2);
}

/* ---- port-update ---- */

static bool cmd_port_update(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *port = cli_opt_str(inv, "port");
    const char *sgs = cli_opt_str(inv, "security-group");
    const char *pairs = cli_opt_str(inv, "allowed-address");
    char *what = cli_sprintf("Failed to update port %s", port);
    json_t *body = json_object();
    bool ok = false;
    struct cli_api_res res = { 0 };

    if ((cli_opt_bool(inv, "port-security") && cli_opt_bool(inv, "no-port-security")) ||
        (sgs && cli_opt_bool(inv, "no-security-group")) ||
        (pairs && cli_opt_bool(inv, "no-allowed-address"))) {
        cli_error("%s", what);
        cli_error("an option and its --no- form are exclusive");
        goto out;
    }
    if (cli_opt_bool(inv, "port-security") || cli_opt_bool(inv, "no-port-security"))
        json_object_set_new(body, "port_security_enabled",
                            json_boolean(cli_opt_bool(inv, "port-security")));
    if (sgs || cli_opt_bool(inv, "no-security-group")) {
        json_t *a = json_array();
        char *copy = strdup(sgs ? sgs : ""), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            json_array_append_new(a, json_string(t));
        free(copy);
        json_object_set_new(body, "security_groups", a);
    }
    if (pairs || cli_opt_bool(inv, "no-allowed-address")) {
        /* "IP[,MAC] IP[,MAC] ..." */
        json_t *a = json_array();
        char *copy = strdup(pairs ? pairs : ""), *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            char *comma = strchr(t, ',');
            if (comma)
                *comma = 0;
            json_t *p = json_pack("{s:s}", "ip_address", t);
            if (comma)
                json_object_set_new(p, "mac_address", json_string(comma + 1));
            json_array_append_new(a, p);
        }
        free(copy);
        json_object_set_new(body, "allowed_address_pairs", a);
    }
    if (json_object_size(body) == 0) {
        cli_error("%s", what);
        cli_error("nothing to change: give --security-group, --[no-]port-security or --allowed-address");
        goto out;
    }
    char *path = cli_resource_path("/v1/ports", port, NULL);
    int rc = cli_api(ctx, "PUT", path, body, &res);
    free(path);
    if (rc < 0) {
        if (cli_api_code_is(&res, "no-port"))
            cli_api_report(ctx, &res, "failed to get port '%s'", port);
        else
            cli_api_report(ctx, &res, "%s", what);
    } else if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
        ok = true;
    } else {
        json_t *p = json_object_get(res.root, "port");
        size_t i;
        json_t *v;
        cli_print_extra(ctx, "Port %s updated\n", port);
        cli_print_field("Port security:",
                        cli_json_bool(p, "port_security_enabled", false) ? "yes" : "no");
        json_array_foreach(json_object_get(p, "security_groups"), i, v)
            cli_print_field("Security group:", json_string_value(v));
        json_array_foreach(json_object_get(p, "allowed_address_pairs"), i, v) {
            char *s = cli_sprintf("%s %s", str_or(v, "ip_address", "-"),
                                  str_or(v, "mac_address", "-"));
            cli_print_field("Allowed pair:", s);
            free(s);
        }
        ok = true;
    }
out:
    cli_api_res_free(&res);
    json_decref(body);
    free(what);
    return ok;
}

/* ---- trace ---- */

static bool cmd_trace(struct cli_ctx *ctx, const struct cli_inv *inv)
{
    const char *port = cli_opt_str(inv, "port");
    const char *pkt = cli_opt_str(inv, "packet");
    char *path = cli_resource_path("/v1/ports", port, "/trace");
    json_t *body = json_pack("{s:s}", "packet", pkt);
    struct cli_api_res res;
    bool ok = false;
    size_t i;
    json_t *s;

    if (!body) {
        cli_error("Failed to trace a packet of port %s", port);
        cli_error("invalid argument: arguments must be valid UTF-8 text");
        free(path);
        return false;
    }
    if (cli_api(ctx, "POST", path, body, &res) < 0) {
        if (cli_api_code_is(&res, "no-port"))
            cli_api_report(ctx, &res, "failed to get port '%s'", port);
        else
            cli_api_report(ctx, &res, "Failed to trace a packet of port %s", port);
    } else if (cli_want_json(ctx, inv)) {
        cli_print_json(ctx, res.root);
        ok = true;
    } else {
        json_t *t = json_object_get(res.root, "trace");
        json_t *p = json_object_get(t, "packet");
        printf("packet: %s -> %s, %s -> %s\n", str_or(p, "smac", "?"), str_or(p, "dmac", "?"),
               str_or(p, "src", "?"), str_or(p, "dst", "?"));
        json_array_foreach(json_object_get(t, "steps"), i, s)
            printf("%s: %s\n", str_or(s, "stage", "?"), str_or(s, "result", "?"));
        if (cli_json_str(t, "drop_reason"))
            printf("verdict: drop (%s)\n", cli_json_str(t, "drop_reason"));
        else if (cli_json_str(t, "output_port"))
            printf("verdict: forward to %s\n", cli_json_str(t, "output_port"));
        else
            printf("verdict: %s\n", str_or(t, "verdict", "?"));
        ok = true;
    }
    cli_api_res_free(&res);
    json_decref(body);
    free(path);
    return ok;
}

static const struct cli_opt opts_trace[] = {
    { "port", CLI_OT_DATA, CLI_OFLAG_REQ, "the sending port" },
    { "packet", CLI_OT_DATA, CLI_OFLAG_REQ,
      "'tcp|udp|icmp|arp|ip [src=IP] [dst=IP] [sport=N] [dport=N] [type=N] [code=N] [smac=MAC] [dmac=MAC] [flags=SA] [proto=N]'" },
    JSON_OPT, OPT_END,
};

static const struct cli_opt opts_sg_create[] = {
    { "name", CLI_OT_DATA, CLI_OFLAG_REQ, "group name" },
    { "description", CLI_OT_STRING, 0, "description" },
    JSON_OPT, OPT_END,
};
static const struct cli_opt opts_sg_update[] = {
    SG_OPT,
    { "name", CLI_OT_STRING, 0, "new name" },
    { "description", CLI_OT_STRING, 0, "new description" },
    JSON_OPT, OPT_END,
};
static const struct cli_opt opts_sg_only[] = { SG_OPT, JSON_OPT, OPT_END };
static const struct cli_opt opts_json[] = { JSON_OPT, OPT_END };
static const struct cli_opt opts_rule_create[] = {
    SG_OPT,
    { "direction", CLI_OT_STRING, 0, "ingress (default) or egress" },
    { "ethertype", CLI_OT_STRING, 0, "IPv4 (default) or IPv6" },
    { "protocol", CLI_OT_STRING, 0, "tcp, udp, icmp, icmpv6, ..., a number, or any (default)" },
    { "port", CLI_OT_STRING, 0, "N or MIN:MAX (TCP/UDP/SCTP/DCCP ports)" },
    { "port-range-min", CLI_OT_STRING, 0, "first port, or the ICMP type" },
    { "port-range-max", CLI_OT_STRING, 0, "last port, or the ICMP code" },
    { "remote-ip", CLI_OT_STRING, 0, "remote address prefix (CIDR)" },
    { "remote-group", CLI_OT_STRING, 0, "remote security group (id or name)" },
    { "description", CLI_OT_STRING, 0, "description" },
    JSON_OPT, OPT_END,
};
static const struct cli_opt opts_rule_list[] = {
    { "group", CLI_OT_DATA, 0, "only this security group's rules" }, JSON_OPT, OPT_END,
};
static const struct cli_opt opts_rule_only[] = {
    { "rule", CLI_OT_DATA, CLI_OFLAG_REQ, "rule id" }, JSON_OPT, OPT_END,
};
static const struct cli_opt opts_port_update[] = {
    { "port", CLI_OT_DATA, CLI_OFLAG_REQ, "port name" },
    { "security-group", CLI_OT_STRING, 0, "the port's groups (ids or names, comma separated)" },
    { "no-security-group", CLI_OT_BOOL, 0, "no security groups" },
    { "port-security", CLI_OT_BOOL, 0, "enable port security (anti-spoofing)" },
    { "no-port-security", CLI_OT_BOOL, 0, "disable port security" },
    { "allowed-address", CLI_OT_STRING, 0, "allowed address pairs: 'IP[/LEN][,MAC] ...'" },
    { "no-allowed-address", CLI_OT_BOOL, 0, "no allowed address pairs" },
    JSON_OPT, OPT_END,
};

const struct cli_cmd cli_sg_cmds[] = {
    { "sg-create", cmd_sg_create, opts_sg_create, "create a security group",
      "Creates a security group (Neutron's: it starts with rules allowing all\n"
      "    egress IPv4 and IPv6)." },
    { "sg-list", cmd_sg_list, opts_json, "list security groups",
      "Lists the security groups with their number of rules." },
    { "sg-show", cmd_sg_show, opts_sg_only, "show a security group and its rules", "" },
    { "sg-update", cmd_sg_update, opts_sg_update, "rename or describe a security group", "" },
    { "sg-delete", cmd_sg_delete, opts_sg_only, "delete a security group",
      "Deletes a security group (not the default group, not one bound to a port);\n"
      "    other groups' rules naming it as remote group go with it." },
    { "sg-rule-create", cmd_sg_rule_create, opts_rule_create, "add a rule to a security group",
      "Adds an allow rule, e.g. `sg-rule-create web --protocol tcp --port 22\n"
      "    --remote-ip 0.0.0.0/0`." },
    { "sg-rule-add", cmd_sg_rule_create, opts_rule_create, "same as sg-rule-create", "" },
    { "sg-rule-list", cmd_sg_rule_list, opts_rule_list, "list security group rules", "" },
    { "sg-rule-delete", cmd_sg_rule_delete, opts_rule_only, "delete a security group rule", "" },
    { "port-update", cmd_port_update, opts_port_update,
      "set a port's security groups, port security, allowed address pairs",
      "Changes a port's security attributes (Neutron's port_security_enabled,\n"
      "    security_groups, allowed_address_pairs)." },
    { "trace", cmd_trace, opts_trace, "trace a packet through port security and security groups",
      "Shows the path a packet sent by the port would take (port security, the\n"
      "    switch, the sender's egress and the receiver's ingress rules) and the check\n"
      "    or rule that decides it, e.g. `trace vm1 'tcp dst=10.0.0.6 dport=22'`.\n"
      "    Unset fields: the port's MAC and address; the destination port's MAC." },
    { NULL, NULL, NULL, NULL, NULL },
};
