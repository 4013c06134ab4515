/*
 * netxml_update.c - libvirt network XML model: net-update (virNetworkUpdate)
 *
 * nx_update() changes one entry of a section of a network definition the
 * way libvirt 9.0.0's virNetworkDefUpdateSection() does: the same sections,
 * the same matching rules per command and the same messages.  Written
 * independently for vnetd.  Every check happens before the definition is
 * touched, so a failed update leaves it as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "netxml_priv.h"

static const char *const cmd_names[] = {
    "none", "modify", "delete", "add-last", "add-first",
};

static const char *const section_names[] = {
    "none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range",
    "forward", "forward-interface", "forward-pf", "portgroup", "dns-host",
    "dns-txt", "dns-srv",
};

int
nx_update_command_from(const char *s)
{
    int c;
    if (!s)
        return -1;
    if (!strcmp(s, "add"))
        return NX_UPD_ADD_LAST; /* virsh: "add" is "add-last" */
    c = ENUM_FROM(cmd_names, s);
    return c > 0 ? c : -1;
}

const char *
nx_update_command_str(int command)
{
    return command > 0 ? ENUM_STR(cmd_names, command) : NULL;
}

int
nx_update_section_from(const char *s)
{
    int c = s ? ENUM_FROM(section_names, s) : -1;
    return c > 0 ? c : -1;
}

const char *
nx_update_section_str(int section)
{
    return section > 0 ? ENUM_STR(section_names, section) : NULL;
}

/* ---- helpers ---- */

static bool
is_add(int command)
{
    return command == NX_UPD_ADD_FIRST || command == NX_UPD_ADD_LAST;
}

static int
unknown_command(int command, struct nx_err *e)
{
    nx__err(e, NX_ERR_UNSUPPORTED,
            "unrecognized network update command code %d", command);
    return -1;
}

static int
no_support(const struct nx_network *n, const char *section, struct nx_err *e)
{
    nx__err(e, NX_ERR_UNSUPPORTED, "can't update '%s' section of network '%s'",
            section, n->name);
    return -1;
}

static int
check_elem(const struct nx_network *n, xmlNodePtr node, const char *want,
           struct nx_err *e)
{
    if (!xmlStrEqual(node->name, BAD_CAST want)) {
        nx__err(e, NX_ERR_XML,
                "unexpected element <%s>, expecting <%s>, while updating network '%s'",
                (const char *)node->name, want, n->name);
        return -1;
    }
    return 0;
}

/* Insert item (size sz) at the front or the back of *arr (n entries). */
static int
insert_item(void *arrp, size_t *n, size_t sz, const void *item, bool first)
{
    char **arr = arrp;
    char *v = realloc(*arr, (*n + 1) * sz);
    if (!v)
        return -ENOMEM;
    *arr = v;
    if (first) {
        memmove(v + sz, v, *n * sz);
        memcpy(v, item, sz);
    } else {
        memcpy(v + *n * sz, item, sz);
    }
    (*n)++;
    return 0;
}

static void
delete_item(void *arr, size_t *n, size_t sz, size_t i)
{
    char *v = arr;
    memmove(v + i * sz, v + (i + 1) * sz, (*n - i - 1) * sz);
    (*n)--;
}

/* virMacAddrCompare: MACs compare as numbers, not as text. */
static bool
mac_equal(const char *a, const char *b)
{
    unsigned char x[6], y[6];
    if (nx__mac_parse(a, x) == 0 && nx__mac_parse(b, y) == 0)
        return memcmp(x, y, 6) == 0;
    return strcasecmp(a, b) == 0;
}

static bool
streq_nullable(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* n-th <ip> of family (0: any); virNetworkDefGetIPByIndex */
static struct nx_ip_def *
ip_by_index(struct nx_network *n, int family, size_t idx)
{
    size_t i;
    for (i = 0; i < n->nips; i++) {
        if (family && n->ips[i].address.family != family)
            continue;
        if (idx-- == 0)
            return &n->ips[i];
    }
    return NULL;
}

/* virNetworkIPDefByIndex: the <ip> whose <dhcp> is updated */
static struct nx_ip_def *
dhcp_ip(struct nx_network *n, int parent, struct nx_err *e)
{
    struct nx_ip_def *ip = NULL;
    size_t i;

    if (parent >= 0) {
        if (!(ip = ip_by_index(n, 0, (size_t)parent)))
            nx__err(e, NX_ERR_OP_INVALID,
                    "couldn't update dhcp host entry - no <ip> element found at index %d in network '%s'",
                    parent, n->name);
        return ip;
    }
    /* -1: the one <ip> that has a <dhcp> */
    for (i = 0; (ip = ip_by_index(n, 0, i)); i++)
        if (ip->nranges || ip->nhosts)
            break;
    if (!ip && !(ip = ip_by_index(n, AF_INET, 0)))
        ip = ip_by_index(n, AF_INET6, 0);
    if (!ip)
        nx__err(e, NX_ERR_OP_INVALID,
                "couldn't update dhcp host entry - no <ip> element found in network '%s'",
                n->name);
    return ip;
}

static int
check_multi_dhcp(struct nx_network *n, struct nx_ip_def *ipdef, struct nx_err *e)
{
    int family = ipdef->address.family;
    struct nx_ip_def *ip;
    size_t i;

    for (i = 0; (ip = ip_by_index(n, family, i)); i++) {
        if (ip != ipdef && (ip->nranges || ip->nhosts)) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "dhcp is supported only for a single %s address on each network",
                    family == AF_INET ? "IPv4" : "IPv6");
            return -1;
        }
    }
    return 0;
}

/* ---- sections ---- */

static int
update_dhcp_host(struct nx_network *n, int command, int parent, xmlNodePtr node,
                 struct nx_err *e)
{
    struct nx_dhcp_host_def h;
    struct nx_ip_def *ip;
    bool partial = command == NX_UPD_DELETE;
    char ipbuf[64];
    size_t i;
    int ret = -1;

    memset(&h, 0, sizeof(h));
    if (check_elem(n, node, "host", e) < 0)
        return -1;
    if (!(ip = dhcp_ip(n, parent, e)))
        return -1;
    if (nx__dhcp_host_parse(n->name, ip, node, &h, partial, e) < 0)
        goto out;
    if (!partial && ip->address.family != h.ip.family) {
        nx__err(e, NX_ERR_OP_INVALID, "%s",
                "the address family of a host entry IP must match the address family of the dhcp element's parent");
        goto out;
    }
    nx__addr_fmt(&h.ip, ipbuf, sizeof(ipbuf));
    if (!ipbuf[0])
        snprintf(ipbuf, sizeof(ipbuf), "%s", "unknown");

    if (command == NX_UPD_MODIFY) {
        /* the entry with this mac, ip or name gets ip + mac/name */
        for (i = 0; i < ip->nhosts; i++) {
            struct nx_dhcp_host_def *o = &ip->hosts[i];
            if ((h.mac && o->mac && mac_equal(h.mac, o->mac)) ||
                (h.ip.family && nx__addr_equal(&h.ip, &o->ip)) ||
                (h.name && streq_nullable(h.name, o->name)))
                break;
        }
        if (i == ip->nhosts) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "couldn't locate an existing dhcp host entry with \"mac='%s'\" \"name='%s'\" \"ip='%s'\" in network '%s'",
                    h.mac ? h.mac : "unknown", h.name ? h.name : "(null)",
                    ipbuf, n->name);
            goto out;
        }
        nx__dhcp_host_clear(&ip->hosts[i]);
        ip->hosts[i] = h;
        memset(&h, 0, sizeof(h));
    } else if (is_add(command)) {
        if (check_multi_dhcp(n, ip, e) < 0)
            goto out;
        for (i = 0; i < ip->nhosts; i++) {
            struct nx_dhcp_host_def *o = &ip->hosts[i];
            if ((h.mac && o->mac && mac_equal(h.mac, o->mac)) ||
                (h.name && streq_nullable(h.name, o->name)) ||
                (h.ip.family && nx__addr_equal(&h.ip, &o->ip))) {
                nx__err(e, NX_ERR_OP_INVALID,
                        "there is an existing dhcp host entry in network '%s' that matches \"<host mac='%s' name='%s' ip='%s'/>\"",
                        n->name, h.mac ? h.mac : "unknown",
                        h.name ? h.name : "(null)", ipbuf);
                goto out;
            }
        }
        if (insert_item(&ip->hosts, &ip->nhosts, sizeof(h), &h,
                        command == NX_UPD_ADD_FIRST) < 0) {
            OOM(e);
            goto out;
        }
        memset(&h, 0, sizeof(h));
    } else if (command == NX_UPD_DELETE) {
        /* every attribute given must match */
        for (i = 0; i < ip->nhosts; i++) {
            struct nx_dhcp_host_def *o = &ip->hosts[i];
            if ((!h.mac || !o->mac || mac_equal(h.mac, o->mac)) &&
                (!h.name || streq_nullable(h.name, o->name)) &&
                (!h.ip.family || nx__addr_equal(&h.ip, &o->ip)))
                break;
        }
        if (i == ip->nhosts) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "couldn't locate a matching dhcp host entry in network '%s'",
                    n->name);
            goto out;
        }
        nx__dhcp_host_clear(&ip->hosts[i]);
        delete_item(ip->hosts, &ip->nhosts, sizeof(h), i);
    } else {
        unknown_command(command, e);
        goto out;
    }
    ret = 0;
 out:
    nx__dhcp_host_clear(&h);
    return ret;
}

static int
update_dhcp_range(struct nx_network *n, int command, int parent, xmlNodePtr node,
                  struct nx_err *e)
{
    struct nx_range r;
    struct nx_ip_def *ip;
    size_t i;

    memset(&r, 0, sizeof(r));
    if (check_elem(n, node, "range", e) < 0)
        return -1;
    if (!(ip = dhcp_ip(n, parent, e)))
        return -1;
    if (command == NX_UPD_MODIFY) {
        nx__err(e, NX_ERR_UNSUPPORTED, "%s",
                "dhcp ranges cannot be modified, only added or deleted");
        return -1;
    }
    if (nx__dhcp_range_parse(n->name, ip, node, &r, e) < 0)
        return -1;
    if (ip->address.family != r.start.family) {
        nx__err(e, NX_ERR_OP_INVALID, "%s",
                "the address family of a dhcp range must match the address family of the dhcp element's parent");
        return -1;
    }
    for (i = 0; i < ip->nranges; i++)
        if (nx__addr_equal(&r.start, &ip->ranges[i].start) &&
            nx__addr_equal(&r.end, &ip->ranges[i].end))
            break;
    if (is_add(command)) {
        char s[64], en[64];
        if (check_multi_dhcp(n, ip, e) < 0)
            return -1;
        if (i < ip->nranges) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "there is an existing dhcp range entry in network '%s' that matches \"<range start='%s' end='%s'/>\"",
                    n->name, nx__addr_fmt(&r.start, s, sizeof(s)),
                    nx__addr_fmt(&r.end, en, sizeof(en)));
            return -1;
        }
        if (insert_item(&ip->ranges, &ip->nranges, sizeof(r), &r,
                        command == NX_UPD_ADD_FIRST) < 0) {
            OOM(e);
            return -1;
        }
    } else if (command == NX_UPD_DELETE) {
        if (i == ip->nranges) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "couldn't locate a matching dhcp range entry in network '%s'",
                    n->name);
            return -1;
        }
        delete_item(ip->ranges, &ip->nranges, sizeof(r), i);
    } else {
        return unknown_command(command, e);
    }
    return 0;
}

static int
update_forward_if(struct nx_network *n, int command, xmlNodePtr node,
                  struct nx_err *e)
{
    struct nx_forward_if f;
    struct nx_forward *fw = &n->forward;
    size_t i;
    int ret = -1;

    memset(&f, 0, sizeof(f));
    if (check_elem(n, node, "interface", e) < 0)
        return -1;
    if (command == NX_UPD_MODIFY) {
        nx__err(e, NX_ERR_UNSUPPORTED, "%s",
                "forward interface entries cannot be modified, only added or deleted");
        return -1;
    }
    f.type = NX_FIF_NETDEV;
    if (!(f.dev = nx__prop(node, "dev"))) {
        nx__err(e, NX_ERR_XML, "%s", "missing dev attribute in <interface> element");
        return -1;
    }
    for (i = 0; i < fw->nifs; i++)
        if (fw->ifs[i].type == NX_FIF_NETDEV && fw->ifs[i].dev &&
            !strcmp(f.dev, fw->ifs[i].dev))
            break;
    if (is_add(command)) {
        if (i < fw->nifs) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "there is an existing interface entry in network '%s' that matches \"<interface dev='%s'>\"",
                    n->name, f.dev);
            goto out;
        }
        if (insert_item(&fw->ifs, &fw->nifs, sizeof(f), &f,
                        command == NX_UPD_ADD_FIRST) < 0) {
            OOM(e);
            goto out;
        }
        f.dev = NULL;
    } else if (command == NX_UPD_DELETE) {
        if (i == fw->nifs) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "couldn't find an interface entry in network '%s' matching <interface dev='%s'>",
                    n->name, f.dev);
            goto out;
        }
        /* vnetd attaches no guest through a forward interface, so none
         * is "currently being used" (libvirt's connections count) */
        free(fw->ifs[i].dev);
        delete_item(fw->ifs, &fw->nifs, sizeof(f), i);
    } else {
        unknown_command(command, e);
        goto out;
    }
    ret = 0;
 out:
    free(f.dev);
    return ret;
}

static int
update_portgroup(struct nx_network *n, int command, xmlNodePtr node,
                 struct nx_err *e)
{
    struct nx_portgroup pg;
    int found = -1, def = -1, ret = -1;
    size_t i;

    memset(&pg, 0, sizeof(pg));
    if (check_elem(n, node, "portgroup", e) < 0)
        return -1;
    if (nx__portgroup_parse(node, &pg, e) < 0)
        goto out;
    for (i = 0; i < n->nportgroups; i++) {
        if (!strcmp(pg.name, n->portgroups[i].name))
            found = (int)i;
        if (n->portgroups[i].is_default)
            def = (int)i;
    }
    if (found < 0 && (command == NX_UPD_MODIFY || command == NX_UPD_DELETE)) {
        nx__err(e, NX_ERR_OP_INVALID,
                "couldn't find a portgroup entry in network '%s' matching <portgroup name='%s'>",
                n->name, pg.name);
        goto out;
    }
    if (found >= 0 && is_add(command)) {
        nx__err(e, NX_ERR_OP_INVALID,
                "there is an existing portgroup entry in network '%s' that matches \"<portgroup name='%s'>\"",
                n->name, pg.name);
        goto out;
    }
    if (command != NX_UPD_DELETE && pg.is_default && def >= 0 && def != found) {
        nx__err(e, NX_ERR_OP_INVALID,
                "a different portgroup entry in network '%s' is already set as the default. Only one default is allowed.",
                n->name);
        goto out;
    }
    if (command == NX_UPD_MODIFY) {
        nx__portgroup_clear(&n->portgroups[found]);
        n->portgroups[found] = pg;
        memset(&pg, 0, sizeof(pg));
    } else if (is_add(command)) {
        if (insert_item(&n->portgroups, &n->nportgroups, sizeof(pg), &pg,
                        command == NX_UPD_ADD_FIRST) < 0) {
            OOM(e);
            goto out;
        }
        memset(&pg, 0, sizeof(pg));
    } else if (command == NX_UPD_DELETE) {
        nx__portgroup_clear(&n->portgroups[found]);
        delete_item(n->portgroups, &n->nportgroups, sizeof(pg), (size_t)found);
    } else {
        unknown_command(command, e);
        goto out;
    }
    ret = 0;
 out:
    nx__portgroup_clear(&pg);
    return ret;
}

static int
update_dns_host(struct nx_network *n, int command, xmlNodePtr node,
                struct nx_err *e)
{
    struct nx_dns *d = &n->dns;
    struct nx_dns_host_def h;
    bool add = is_add(command);
    int found = -1, count = 0, ret = -1;
    size_t i, j, k;

    memset(&h, 0, sizeof(h));
    if (command == NX_UPD_MODIFY) {
        nx__err(e, NX_ERR_UNSUPPORTED, "%s",
                "DNS HOST records cannot be modified, only added or deleted");
        return -1;
    }
    if (check_elem(n, node, "host", e) < 0)
        return -1;
    if (nx__dns_host_parse(n->name, node, &h, !add, e) < 0)
        goto out;
    for (i = 0; i < d->nhosts; i++) {
        bool hit = nx__addr_equal(&h.ip, &d->hosts[i].ip);
        /* an add only refuses a duplicate address: one name may have
         * several addresses */
        for (j = 0; !add && !hit && j < h.nnames; j++)
            for (k = 0; !hit && k < d->hosts[i].nnames; k++)
                hit = !strcmp(h.names[j], d->hosts[i].names[k]);
        if (hit) {
            count++;
            found = (int)i;
        }
    }
    if (add) {
        if (count > 0) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "there is already at least one DNS HOST record with a matching field in network %s",
                    n->name);
            goto out;
        }
        if (insert_item(&d->hosts, &d->nhosts, sizeof(h), &h,
                        command == NX_UPD_ADD_FIRST) < 0) {
            OOM(e);
            goto out;
        }
        memset(&h, 0, sizeof(h));
    } else if (command == NX_UPD_DELETE) {
        if (count == 0) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "couldn't locate a matching DNS HOST record in network %s",
                    n->name);
            goto out;
        }
        if (count > 1) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "multiple matching DNS HOST records were found in network %s",
                    n->name);
            goto out;
        }
        nx__dns_host_clear(&d->hosts[found]);
        delete_item(d->hosts, &d->nhosts, sizeof(h), (size_t)found);
    } else {
        unknown_command(command, e);
        goto out;
    }
    ret = 0;
 out:
    nx__dns_host_clear(&h);
    return ret;
}

static int
update_dns_srv(struct nx_network *n, int command, xmlNodePtr node,
               struct nx_err *e)
{
    struct nx_dns *d = &n->dns;
    struct nx_dns_srv s;
    bool add = is_add(command);
    int found = -1, count = 0, ret = -1;
    size_t i;

    memset(&s, 0, sizeof(s));
    if (command == NX_UPD_MODIFY) {
        nx__err(e, NX_ERR_UNSUPPORTED, "%s",
                "DNS SRV records cannot be modified, only added or deleted");
        return -1;
    }
    if (check_elem(n, node, "srv", e) < 0)
        return -1;
    if (nx__dns_srv_parse(n->name, node, &s, !add, e) < 0)
        goto out;
    for (i = 0; i < d->nsrvs; i++) {
        struct nx_dns_srv *o = &d->srvs[i];
        if ((!s.domain || streq_nullable(s.domain, o->domain)) &&
            (!s.service || streq_nullable(s.service, o->service)) &&
            (!s.protocol || streq_nullable(s.protocol, o->protocol)) &&
            (!s.target || streq_nullable(s.target, o->target))) {
            count++;
            found = (int)i;
        }
    }
    if (add) {
        if (count > 0) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "there is already at least one DNS SRV record matching all specified fields in network %s",
                    n->name);
            goto out;
        }
        if (insert_item(&d->srvs, &d->nsrvs, sizeof(s), &s,
                        command == NX_UPD_ADD_FIRST) < 0) {
            OOM(e);
            goto out;
        }
        memset(&s, 0, sizeof(s));
    } else if (command == NX_UPD_DELETE) {
        if (count == 0) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "couldn't locate a matching DNS SRV record in network %s",
                    n->name);
            goto out;
        }
        if (count > 1) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "multiple DNS SRV records matching all specified fields were found in network %s",
                    n->name);
            goto out;
        }
        nx__dns_srv_clear(&d->srvs[found]);
        delete_item(d->srvs, &d->nsrvs, sizeof(s), (size_t)found);
    } else {
        unknown_command(command, e);
        goto out;
    }
    ret = 0;
 out:
    nx__dns_srv_clear(&s);
    return ret;
}

static int
update_dns_txt(struct nx_network *n, int command, xmlNodePtr node,
               struct nx_err *e)
{
    struct nx_dns *d = &n->dns;
    struct nx_dns_txt t;
    bool add = is_add(command);
    size_t i;
    int ret = -1;

    memset(&t, 0, sizeof(t));
    if (command == NX_UPD_MODIFY) {
        nx__err(e, NX_ERR_UNSUPPORTED, "%s",
                "DNS TXT records cannot be modified, only added or deleted");
        return -1;
    }
    if (check_elem(n, node, "txt", e) < 0)
        return -1;
    if (nx__dns_txt_parse(n->name, node, &t, !add, e) < 0)
        goto out;
    for (i = 0; i < d->ntxts; i++)
        if (!strcmp(t.name, d->txts[i].name))
            break;
    if (add) {
        if (i < d->ntxts) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "there is already a DNS TXT record with name '%s' in network %s",
                    t.name, n->name);
            goto out;
        }
        if (insert_item(&d->txts, &d->ntxts, sizeof(t), &t,
                        command == NX_UPD_ADD_FIRST) < 0) {
            OOM(e);
            goto out;
        }
        memset(&t, 0, sizeof(t));
    } else if (command == NX_UPD_DELETE) {
        if (i == d->ntxts) {
            nx__err(e, NX_ERR_OP_INVALID,
                    "couldn't locate a matching DNS TXT record in network %s",
                    n->name);
            goto out;
        }
        nx__dns_txt_clear(&d->txts[i]);
        delete_item(d->txts, &d->ntxts, sizeof(t), i);
    } else {
        unknown_command(command, e);
        goto out;
    }
    ret = 0;
 out:
    nx__dns_txt_clear(&t);
    return ret;
}

int
nx_update(struct nx_network *n, int command, int section, int parent_index,
          const char *xml, size_t len, char *err, size_t errlen)
{
    struct nx_err e = { err, errlen };
    xmlDocPtr doc;
    xmlNodePtr node;
    int rc;

    if (err && errlen)
        err[0] = 0;
    if (!n || (!xml && len))
        return -EINVAL;
    if (!(doc = nx__read_doc(xml, len, "network_update_xml", &e, &rc)))
        return rc;
    node = xmlDocGetRootElement(doc);
    switch (section) {
    case NX_SEC_BRIDGE:
        rc = no_support(n, "bridge", &e);
        break;
    case NX_SEC_DOMAIN:
        rc = no_support(n, "domain", &e);
        break;
    case NX_SEC_IP:
        rc = no_support(n, "ip", &e);
        break;
    case NX_SEC_IP_DHCP_HOST:
        rc = update_dhcp_host(n, command, parent_index, node, &e);
        break;
    case NX_SEC_IP_DHCP_RANGE:
        rc = update_dhcp_range(n, command, parent_index, node, &e);
        break;
    case NX_SEC_FORWARD:
        rc = no_support(n, "forward", &e);
        break;
    case NX_SEC_FORWARD_INTERFACE:
        rc = update_forward_if(n, command, node, &e);
        break;
    case NX_SEC_FORWARD_PF:
        rc = no_support(n, "forward pf", &e);
        break;
    case NX_SEC_PORTGROUP:
        rc = update_portgroup(n, command, node, &e);
        break;
    case NX_SEC_DNS_HOST:
        rc = update_dns_host(n, command, node, &e);
        break;
    case NX_SEC_DNS_TXT:
        rc = update_dns_txt(n, command, node, &e);
        break;
    case NX_SEC_DNS_SRV:
        rc = update_dns_srv(n, command, node, &e);
        break;
    default:
        nx__err(&e, NX_ERR_UNSUPPORTED, "%s",
                "can't update unrecognized section of network");
        rc = -1;
        break;
    }
    xmlFreeDoc(doc);
    return rc < 0 ? -EINVAL : 0;
}
