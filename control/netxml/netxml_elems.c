/*
 * netxml_elems.c - libvirt network XML model: parsers for <dns>,
 * <bandwidth>, <vlan>, <virtualport>, <portgroup> and <route>
 *
 * Behaviour follows libvirt 9.0.0 (src/conf/network_conf.c and helpers),
 * written independently for vnetd.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "netxml_priv.h"

static int dns_host_partial(const char *netname, xmlNodePtr node,
                            struct nx_dns_host_def *h, struct nx_err *e);

int
nx__dns_host_parse(const char *netname, xmlNodePtr node,
                   struct nx_dns_host_def *h, bool partial, struct nx_err *e)
{
    size_t n = nx__count_children(node, "hostname");
    char *ip;
    xmlNodePtr c;
    int ret = -1;

    if (partial)
        return dns_host_partial(netname, node, h, e);
    ip = nx__prop(node, "ip");
    if (n > 0) {
        if (!(h->names = calloc(n, sizeof(char *)))) {
            OOM(e);
            goto out;
        }
        FOREACH_CHILD(c, node, "hostname") {
            xmlChar *v = xmlNodeGetContent(c);
            char *s = v ? strdup((const char *)v) : NULL;
            xmlFree(v);
            if (!s) {
                OOM(e);
                goto out;
            }
            h->names[h->nnames++] = s;
            if (!*s) {
                nx__err(e, NX_ERR_PLAIN,
                        "Missing hostname in network '%s' DNS HOST record",
                        netname);
                goto out;
            }
        }
    } else {
        nx__err(e, NX_ERR_PLAIN,
                "Missing hostname in network '%s' DNS HOST record", netname);
        goto out;
    }
    if (ip) {
        if (nx__addr_parse_report(&h->ip, ip, AF_UNSPEC, e) < 0) {
            nx__err(e, NX_ERR_PLAIN,
                    "Invalid IP address in network '%s' DNS HOST record",
                    netname);
            goto out;
        }
    } else {
        nx__err(e, NX_ERR_PLAIN,
                "Missing IP address in network '%s' DNS HOST record", netname);
        goto out;
    }
    ret = 0;
 out:
    free(ip);
    return ret;
}

/* A DNS host as a search key (net-update delete): libvirt's order, the ip
 * first, then the non-empty <hostname>s; one of them is enough. */
static int
dns_host_partial(const char *netname, xmlNodePtr node,
                 struct nx_dns_host_def *h, struct nx_err *e)
{
    char *ip = nx__prop(node, "ip");
    size_t n = nx__count_children(node, "hostname");
    xmlNodePtr c;
    int ret = -1;

    if (ip && nx__addr_parse(&h->ip, ip, AF_UNSPEC) < 0) {
        nx__err(e, NX_ERR_PLAIN,
                "Invalid IP address in network '%s' DNS HOST record", netname);
        goto out;
    }
    if (n > 0 && !(h->names = calloc(n, sizeof(char *)))) {
        OOM(e);
        goto out;
    }
    FOREACH_CHILD(c, node, "hostname") {
        xmlChar *v;
        char *s;
        if (!c->children)
            continue;
        v = xmlNodeGetContent(c);
        s = v ? strdup((const char *)v) : NULL;
        xmlFree(v);
        if (!s) {
            OOM(e);
            goto out;
        }
        if (!*s) {
            free(s);
            nx__err(e, NX_ERR_PLAIN,
                    "Missing hostname in network '%s' DNS HOST record", netname);
            goto out;
        }
        h->names[h->nnames++] = s;
    }
    if (!h->ip.family && h->nnames == 0) {
        nx__err(e, NX_ERR_PLAIN,
                "Missing ip and hostname in network '%s' DNS HOST record",
                netname);
        goto out;
    }
    ret = 0;
 out:
    free(ip);
    return ret;
}

#define PROTOCOL_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+/"
#define SERVICE_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+/*"
#define DNS_RECORD_LENGTH_SRV (512 - 30)

/* virXPathUInt on an attribute: -1 absent, -2 invalid, 0 ok */
int
nx__xpath_uint_attr(xmlNodePtr n, const char *name, unsigned *out)
{
    char *v = nx__xprop(n, name);
    int rc;
    if (!v)
        return -1;
    rc = nx__str_to_ui(v, 10, out) < 0 ? -2 : 0;
    free(v);
    return rc;
}

int
nx__dns_srv_parse(const char *netname, xmlNodePtr node, struct nx_dns_srv *s,
                  bool partial, struct nx_err *e)
{
    const char *svc;
    int rc;

    if (!(s->service = nx__prop(node, "service")) && !partial) {
        nx__err(e, NX_ERR_PLAIN,
                "missing required service attribute in DNS SRV record of network '%s'",
                netname);
        return -1;
    }
    if (s->service && strlen(s->service) > DNS_RECORD_LENGTH_SRV) {
        nx__err(e, NX_ERR_PLAIN,
                "service attribute '%s' in network '%s' is too long, limit is %d bytes",
                s->service, netname, DNS_RECORD_LENGTH_SRV);
        return -1;
    }
    if (s->service && strspn(s->service, SERVICE_CHARS) < strlen(s->service)) {
        nx__err(e, NX_ERR_PLAIN,
                "invalid character in service attribute '%s' in DNS SRV record of network '%s'",
                s->service, netname);
        return -1;
    }
    svc = s->service ? s->service : "(null)"; /* glib's printf of NULL */
    if (!(s->protocol = nx__prop(node, "protocol")) && !partial) {
        nx__err(e, NX_ERR_PLAIN,
                "missing required protocol attribute in DNS SRV record '%s' of network '%s'",
                svc, netname);
        return -1;
    }
    if (s->protocol && strspn(s->protocol, PROTOCOL_CHARS) < strlen(s->protocol)) {
        nx__err(e, NX_ERR_PLAIN,
                "invalid character in protocol attribute '%s' in DNS SRV record of network '%s'",
                s->protocol, netname);
        return -1;
    }
    s->domain = nx__prop(node, "domain");
    s->target = nx__prop(node, "target");

    rc = nx__xpath_uint_attr(node, "port", &s->port);
    if (rc >= 0 && !s->target) {
        nx__err(e, NX_ERR_PLAIN,
                "DNS SRV port attribute not permitted without target for service '%s' in network '%s'",
                svc, netname);
        return -1;
    }
    if (rc == -2 || (rc >= 0 && (s->port < 1 || s->port > 65535))) {
        nx__err(e, NX_ERR_PLAIN,
                "invalid DNS SRV port attribute for service '%s' in network '%s'",
                svc, netname);
        return -1;
    }
    rc = nx__xpath_uint_attr(node, "priority", &s->priority);
    if (rc >= 0 && !s->target) {
        nx__err(e, NX_ERR_PLAIN,
                "DNS SRV priority attribute not permitted without target for service '%s' in network '%s'",
                svc, netname);
        return -1;
    }
    if (rc == -2 || (rc >= 0 && s->priority > 65535)) {
        nx__err(e, NX_ERR_PLAIN,
                "Invalid DNS SRV priority attribute for service '%s' in network '%s'",
                svc, netname);
        return -1;
    }
    rc = nx__xpath_uint_attr(node, "weight", &s->weight);
    if (rc >= 0 && !s->target) {
        nx__err(e, NX_ERR_PLAIN,
                "DNS SRV weight attribute not permitted without target for service '%s' in network '%s'",
                svc, netname);
        return -1;
    }
    if (rc == -2 || (rc >= 0 && s->weight > 65535)) {
        nx__err(e, NX_ERR_PLAIN,
                "invalid DNS SRV weight attribute for service '%s' in network '%s'",
                svc, netname);
        return -1;
    }
    return 0;
}

int
nx__dns_txt_parse(const char *netname, xmlNodePtr node, struct nx_dns_txt *t,
                  bool partial, struct nx_err *e)
{
    if (!(t->name = nx__prop(node, "name"))) {
        nx__err(e, NX_ERR_PLAIN,
                "missing required name attribute in DNS TXT record of network %s",
                netname);
        return -1;
    }
    if (strcspn(t->name, " ,") != strlen(t->name)) {
        nx__err(e, NX_ERR_PLAIN,
                "prohibited character in DNS TXT record name '%s' of network %s",
                t->name, netname);
        return -1;
    }
    if (!(t->value = nx__prop(node, "value")) && !partial) {
        nx__err(e, NX_ERR_PLAIN,
                "missing required value attribute in DNS TXT record named '%s' of network %s",
                t->name, netname);
        return -1;
    }
    return 0;
}

int
nx__dns_parse(const char *netname, xmlNodePtr node, struct nx_dns *d,
          struct nx_err *e)
{
    xmlNodePtr c;
    size_t n;

    if (nx__prop_tristate(node, "enable", &d->enable, e) < 0)
        return -1;
    if (nx__prop_tristate(node, "forwardPlainNames", &d->forward_plain_names, e) < 0)
        return -1;

    if ((n = nx__count_children(node, "forwarder")) &&
        !(d->fwds = calloc(n, sizeof(*d->fwds))))
        goto oom;
    FOREACH_CHILD(c, node, "forwarder") {
        struct nx_dns_fwd *f = &d->fwds[d->nfwds];
        char *addr = nx__prop(c, "addr");
        if (addr && nx__addr_parse_report(&f->addr, addr, AF_UNSPEC, e) < 0) {
            nx__err(e, NX_ERR_XML,
                    "Invalid forwarder IP address '%s' in network '%s'",
                    addr, netname);
            free(addr);
            return -1;
        }
        f->domain = nx__prop(c, "domain");
        d->nfwds++;
        if (!(addr || f->domain)) {
            nx__err(e, NX_ERR_XML, "%s",
                    "Invalid forwarder element, must contain at least one of addr or domain");
            return -1;
        }
        free(addr);
    }

    if ((n = nx__count_children(node, "host")) &&
        !(d->hosts = calloc(n, sizeof(*d->hosts))))
        goto oom;
    FOREACH_CHILD(c, node, "host") {
        int rc = nx__dns_host_parse(netname, c, &d->hosts[d->nhosts], false, e);
        d->nhosts++;
        if (rc < 0)
            return -1;
    }

    if ((n = nx__count_children(node, "srv")) &&
        !(d->srvs = calloc(n, sizeof(*d->srvs))))
        goto oom;
    FOREACH_CHILD(c, node, "srv") {
        int rc = nx__dns_srv_parse(netname, c, &d->srvs[d->nsrvs], false, e);
        d->nsrvs++;
        if (rc < 0)
            return -1;
    }

    if ((n = nx__count_children(node, "txt")) &&
        !(d->txts = calloc(n, sizeof(*d->txts))))
        goto oom;
    FOREACH_CHILD(c, node, "txt") {
        int rc = nx__dns_txt_parse(netname, c, &d->txts[d->ntxts], false, e);
        d->ntxts++;
        if (rc < 0)
            return -1;
    }

    if (d->enable == NX_TRI_NO &&
        (d->nfwds || d->nhosts || d->nsrvs || d->ntxts)) {
        nx__err(e, NX_ERR_XML, "Extra data in disabled network '%s'", netname);
        return -1;
    }
    return 0;
 oom:
    OOM(e);
    return -1;
}

static int
rate_parse(xmlNodePtr node, struct nx_rate *r, bool allow_floor,
           struct nx_err *e)
{
    int ra, rp, rb, rf;

    if ((ra = nx__prop_ull(node, "average", 10, &r->average, e)) < 0 ||
        (rp = nx__prop_ull(node, "peak", 10, &r->peak, e)) < 0 ||
        (rb = nx__prop_ull(node, "burst", 10, &r->burst, e)) < 0 ||
        (rf = nx__prop_ull(node, "floor", 10, &r->floor, e)) < 0)
        return -1;
    if (!ra && !rf) {
        nx__err(e, NX_ERR_PLAIN, "%s",
                "Missing mandatory average or floor attributes");
        return -1;
    }
    if ((rp || rb) && !ra) {
        nx__err(e, NX_ERR_CONFIG, "%s",
                "'peak' and 'burst' require 'average' attribute");
        return -1;
    }
    if (rf && !allow_floor) {
        nx__err(e, NX_ERR_CONFIG, "%s",
                "floor attribute is not supported for this config");
        return -1;
    }
    return 0;
}

int
nx__bandwidth_parse(xmlNodePtr node, struct nx_bandwidth **out, struct nx_err *e)
{
    struct nx_bandwidth *b;
    xmlNodePtr in, outn;
    char *cls;

    if ((cls = nx__prop(node, "classID"))) {
        unsigned v;
        if (nx__str_to_uip(cls, 10, &v) < 0)
            nx__err(e, NX_ERR_XML,
                    "Invalid value for attribute '%s' in element '%s': '%s'. "
                    "Expected non-negative integer value",
                    "classID", "bandwidth", cls);
        else
            nx__err(e, NX_ERR_PLAIN, "%s",
                    "classID attribute not supported on <bandwidth> in this usage context");
        free(cls);
        return -1;
    }
    if (!(b = calloc(1, sizeof(*b))))
        goto oom;
    if ((in = nx__child(node, "inbound"))) {
        if (!(b->in = calloc(1, sizeof(*b->in))))
            goto oom;
        if (rate_parse(in, b->in, false, e) < 0)
            goto err;
    }
    if ((outn = nx__child(node, "outbound"))) {
        if (!(b->out = calloc(1, sizeof(*b->out))))
            goto oom;
        if (rate_parse(outn, b->out, false, e) < 0)
            goto err;
    }
    /* A rate without average or floor limits nothing and is not
     * formatted (as libvirt): drop it now, so what is stored is what was
     * accepted. */
    if (b->in && !b->in->average && !b->in->floor) {
        free(b->in);
        b->in = NULL;
    }
    if (b->out && !b->out->average && !b->out->floor) {
        free(b->out);
        b->out = NULL;
    }
    if (b->in || b->out)
        *out = b;
    else
        nx__bandwidth_free(b);
    return 0;
 oom:
    OOM(e);
 err:
    nx__bandwidth_free(b);
    return -1;
}

int
nx__vlan_parse(xmlNodePtr node, struct nx_vlan *v, struct nx_err *e)
{
    size_t n = nx__count_children(node, "tag");
    xmlNodePtr c;
    char *trunk = NULL;

    if (n == 0) {
        nx__err(e, NX_ERR_XML, "%s",
                "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement");
        return -1;
    }
    if (!(v->tags = calloc(n, sizeof(*v->tags)))) {
        OOM(e);
        return -1;
    }
    FOREACH_CHILD(c, node, "tag") {
        char *ids = nx__xprop(c, "id"), *mode;
        unsigned long id;
        int rc = nx__str_to_ul(ids, 10, false, &id);
        free(ids);
        if (rc < 0) {
            nx__err(e, NX_ERR_XML, "%s",
                    "missing or invalid vlan tag id attribute");
            goto err;
        }
        if (id > 4095) {
            nx__err(e, NX_ERR_XML, "vlan tag id %lu too large (maximum 4095)",
                    id);
            goto err;
        }
        if ((mode = nx__xprop(c, "nativeMode"))) {
            int m;
            if (v->native_mode != 0) {
                nx__err(e, NX_ERR_XML, "%s", "duplicate native vlan setting");
                free(mode);
                goto err;
            }
            m = strcmp(mode, "tagged") == 0 ? 1 :
                strcmp(mode, "untagged") == 0 ? 2 : -1;
            if (m <= 0) {
                nx__err(e, NX_ERR_CONFIG,
                        "Invalid \"nativeMode='%s'\" in vlan <tag> element",
                        mode);
                free(mode);
                goto err;
            }
            free(mode);
            v->native_mode = m;
            v->native_tag = (unsigned)id;
        }
        v->tags[v->ntags++] = (unsigned)id;
    }
    if (n > 1)
        v->trunk = true;
    if ((trunk = nx__xprop(node, "trunk"))) {
        v->trunk = strcasecmp(trunk, "yes") == 0;
        if (!v->trunk) {
            if (n > 1) {
                nx__err(e, NX_ERR_XML,
                        "invalid \"trunk='%s'\" in <vlan> - trunk='yes' is required for more than one vlan tag",
                        trunk);
                goto err;
            }
            if (v->native_mode != 0) {
                nx__err(e, NX_ERR_XML, "%s",
                        "invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id");
                goto err;
            }
            if (strcasecmp(trunk, "no") != 0) {
                nx__err(e, NX_ERR_XML,
                        "invalid \"trunk='%s'\" in <vlan> - must be yes or no",
                        trunk);
                goto err;
            }
        }
    }
    free(trunk);
    return 0;
 err:
    free(trunk);
    nx__vlan_clear(v);
    return -1;
}

int
nx__vport_parse(xmlNodePtr node, bool require_type, struct nx_vport **out,
            struct nx_err *e)
{
    struct nx_vport *vp = calloc(1, sizeof(*vp));
    char *type = NULL, *mgr = NULL, *tid = NULL, *tidv = NULL, *inst = NULL,
         *prof = NULL, *ifid = NULL;
    xmlNodePtr params;
    unsigned val;
    int ret = -1;

    if (!vp) {
        OOM(e);
        return -1;
    }
    if ((type = nx__prop(node, "type"))) {
        int t = ENUM_FROM(nx__vport_types, type);
        if (t <= 0) {
            nx__err(e, NX_ERR_CONFIG, "unknown virtualport type %s", type);
            goto out;
        }
        vp->type = t;
    }
    if (vp->type == NX_VPORT_NONE && require_type) {
        nx__err(e, NX_ERR_XML, "%s", "missing required virtualport type");
        goto out;
    }
    if ((params = nx__child(node, "parameters"))) {
        mgr = nx__prop(params, "managerid");
        tid = nx__prop(params, "typeid");
        tidv = nx__prop(params, "typeidversion");
        inst = nx__prop(params, "instanceid");
        prof = nx__prop(params, "profileid");
        ifid = nx__prop(params, "interfaceid");
    }
    if (mgr) {
        if (nx__str_to_ui(mgr, 0, &val) < 0) {
            nx__err(e, NX_ERR_XML, "%s",
                    "cannot parse value of managerid parameter");
            goto out;
        }
        if (val > 0xff) {
            nx__err(e, NX_ERR_XML, "%s", "value of managerid out of range");
            goto out;
        }
        vp->manager_id = (unsigned char)val;
        vp->manager_id_set = true;
    }
    if (tid) {
        if (nx__str_to_ui(tid, 0, &val) < 0) {
            nx__err(e, NX_ERR_XML, "%s", "cannot parse value of typeid parameter");
            goto out;
        }
        if (val > 0xffffff) {
            nx__err(e, NX_ERR_XML, "%s", "value for typeid out of range");
            goto out;
        }
        vp->type_id = val;
        vp->type_id_set = true;
    }
    if (tidv) {
        if (nx__str_to_ui(tidv, 0, &val) < 0) {
            nx__err(e, NX_ERR_XML, "%s",
                    "cannot parse value of typeidversion parameter");
            goto out;
        }
        if (val > 0xff) {
            nx__err(e, NX_ERR_XML, "%s", "value of typeidversion out of range");
            goto out;
        }
        vp->type_id_version = (unsigned char)val;
        vp->type_id_version_set = true;
    }
    if (inst) {
        if (nx_uuid_parse(inst, vp->instance_id) < 0) {
            nx__err(e, NX_ERR_XML, "%s",
                    "cannot parse instanceid parameter as a uuid");
            goto out;
        }
        vp->instance_id_set = true;
    }
    if (prof) {
        if (strlen(prof) >= sizeof(vp->profile_id)) {
            nx__err(e, NX_ERR_XML, "%s", "profileid parameter too long");
            goto out;
        }
        strcpy(vp->profile_id, prof);
    }
    if (ifid) {
        if (nx_uuid_parse(ifid, vp->interface_id) < 0) {
            nx__err(e, NX_ERR_XML, "%s",
                    "cannot parse interfaceid parameter as a uuid");
            goto out;
        }
        vp->interface_id_set = true;
    }
    /* virNetDevVPortProfileCheckNoExtras */
    switch (vp->type) {
    case NX_VPORT_8021QBG:
        if (vp->profile_id[0]) {
            nx__err(e, NX_ERR_XML, "%s",
                    "extra profileid specified for 802.1Qbg port");
            goto out;
        }
        if (vp->interface_id_set) {
            nx__err(e, NX_ERR_XML, "%s",
                    "extra interfaceid specified for 802.1Qbg port");
            goto out;
        }
        break;
    case NX_VPORT_8021QBH:
        if (vp->manager_id_set || vp->type_id_set ||
            vp->type_id_version_set || vp->instance_id_set ||
            vp->interface_id_set) {
            nx__err(e, NX_ERR_XML, "%s",
                    "extra managerid, typeid, typeidversion, instanceid or interfaceid specified for 802.1Qbh port");
            goto out;
        }
        break;
    case NX_VPORT_OPENVSWITCH:
    case NX_VPORT_MIDONET:
        if (vp->manager_id_set || vp->type_id_set ||
            vp->type_id_version_set || vp->instance_id_set) {
            nx__err(e, NX_ERR_XML,
                    "extra managerid, typeid, typeidversion or instanceid specified for %s port",
                    nx__vport_types[vp->type]);
            goto out;
        }
        if (vp->type == NX_VPORT_MIDONET && vp->profile_id[0]) {
            nx__err(e, NX_ERR_XML, "%s",
                    "extra profileid specified for midonet port");
            goto out;
        }
        break;
    default:
        break;
    }
    *out = vp;
    vp = NULL;
    ret = 0;
 out:
    free(vp);
    free(type); free(mgr); free(tid); free(tidv); free(inst); free(prof);
    free(ifid);
    return ret;
}

int
nx__portgroup_parse(xmlNodePtr node, struct nx_portgroup *pg, struct nx_err *e)
{
    xmlNodePtr c;
    char *def;

    if (!(pg->name = nx__xprop(node, "name"))) {
        nx__err(e, NX_ERR_XML, "%s",
                "Missing required name attribute in portgroup");
        return -1;
    }
    def = nx__xprop(node, "default");
    pg->is_default = def && strcasecmp(def, "yes") == 0;
    free(def);
    if (nx__prop_tristate(node, "trustGuestRxFilters",
                      &pg->trust_guest_rx_filters, e) < 0)
        return -1;
    if ((c = nx__child(node, "virtualport")) &&
        nx__vport_parse(c, false, &pg->vport, e) < 0)
        return -1;
    if ((c = nx__child(node, "bandwidth")) &&
        nx__bandwidth_parse(c, &pg->bandwidth, e) < 0)
        return -1;
    if ((c = nx__child(node, "vlan")) && nx__vlan_parse(c, &pg->vlan, e) < 0)
        return -1;
    return 0;
}

int
nx__route_parse(const char *netname, xmlNodePtr node, struct nx_route_def *r,
            struct nx_err *e)
{
    char *address = nx__prop(node, "address"), *netmask = nx__prop(node, "netmask"),
         *gateway = nx__prop(node, "gateway");
    struct nx_addr test;
    int rc, ret = -1;

    r->family = nx__prop(node, "family");
    if ((rc = nx__prop_uint(node, "prefix", false, &r->prefix, e)) < 0)
        goto out;
    r->has_prefix = rc == 1;
    if ((rc = nx__prop_uint(node, "metric", true, &r->metric, e)) < 0)
        goto out;
    r->has_metric = rc == 1;

    if (!address) {
        nx__err(e, NX_ERR_XML,
                "%s: Missing required address attribute in route definition",
                netname);
        goto out;
    }
    if (!gateway) {
        nx__err(e, NX_ERR_XML,
                "%s: Missing required gateway attribute in route definition",
                netname);
        goto out;
    }
    if (nx__addr_parse_report(&r->address, address, AF_UNSPEC, e) < 0) {
        nx__err(e, NX_ERR_XML,
                "%s: Bad network address '%s' in route definition",
                netname, address);
        goto out;
    }
    if (nx__addr_parse_report(&r->gateway, gateway, AF_UNSPEC, e) < 0) {
        nx__err(e, NX_ERR_XML,
                "%s: Bad gateway address '%s' in route definition",
                netname, gateway);
        goto out;
    }
    if (!r->family || strcmp(r->family, "ipv4") == 0) {
        if (r->address.family != AF_INET) {
            nx__err(e, NX_ERR_XML, r->family ?
                    "%s: IPv4 family specified for non-IPv4 address '%s' in route definition" :
                    "%s: No family specified for non-IPv4 address '%s' in route definition",
                    netname, address);
            goto out;
        }
        if (r->gateway.family != AF_INET) {
            nx__err(e, NX_ERR_XML, r->family ?
                    "%s: IPv4 family specified for non-IPv4 gateway '%s' in route definition" :
                    "%s: No family specified for non-IPv4 gateway '%s' in route definition",
                    netname, address);
            goto out;
        }
        if (netmask) {
            if (nx__addr_parse_report(&r->netmask, netmask, AF_UNSPEC, e) < 0) {
                nx__err(e, NX_ERR_XML,
                        "%s: Bad netmask address '%s' in route definition",
                        netname, netmask);
                goto out;
            }
            if (r->netmask.family != AF_INET) {
                nx__err(e, NX_ERR_XML,
                        "%s: Invalid netmask '%s' for address '%s' (both must be IPv4)",
                        netname, netmask, address);
                goto out;
            }
            if (r->has_prefix) {
                nx__err(e, NX_ERR_XML,
                        "%s: Route definition cannot have both a prefix and a netmask",
                        netname);
                goto out;
            }
        }
        if (r->prefix > 32) {
            nx__err(e, NX_ERR_XML,
                    "%s: Invalid prefix %u specified in route definition, must be 0 - 32",
                    netname, r->prefix);
            goto out;
        }
    } else if (strcmp(r->family, "ipv6") == 0) {
        if (r->address.family != AF_INET6) {
            nx__err(e, NX_ERR_XML,
                    "%s: ipv6 family specified for non-IPv6 address '%s' in route definition",
                    netname, address);
            goto out;
        }
        if (netmask) {
            nx__err(e, NX_ERR_XML,
                    "%s: Specifying netmask invalid for IPv6 address '%s' in route definition",
                    netname, address);
            goto out;
        }
        if (r->gateway.family != AF_INET6) {
            nx__err(e, NX_ERR_XML,
                    "%s: ipv6 specified for non-IPv6 gateway address '%s' in route definition",
                    netname, gateway);
            goto out;
        }
        if (r->prefix > 128) {
            nx__err(e, NX_ERR_XML,
                    "%s: Invalid prefix %u specified in route definition, must be 0 - 128",
                    netname, r->prefix);
            goto out;
        }
    } else {
        nx__err(e, NX_ERR_XML,
                "%s: Unrecognized family '%s' in route definition",
                netname, r->family);
        goto out;
    }
    if (netmask) {
        if (nx__addr_mask(&r->address, &r->netmask, &test) < 0) {
            nx__err(e, NX_ERR_INTERNAL,
                    "%s: Error converting address '%s' with netmask '%s' to network-address in route definition",
                    netname, address, netmask);
            goto out;
        }
    } else {
        struct nx_addr m;
        if (nx__prefix_to_netmask(r->prefix, r->address.family, &m) < 0 ||
            nx__addr_mask(&r->address, &m, &test) < 0) {
            nx__err(e, NX_ERR_INTERNAL,
                    "%s: Error converting address '%s' with prefix %u to network-address in route definition",
                    netname, address, r->prefix);
            goto out;
        }
    }
    if (!nx__addr_equal(&r->address, &test)) {
        nx__err(e, NX_ERR_XML,
                "%s: Address '%s' in route definition is not a network address",
                netname, address);
        goto out;
    }
    ret = 0;
 out:
    free(address);
    free(netmask);
    free(gateway);
    return ret;
}

