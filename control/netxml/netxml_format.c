/*
 * netxml_format.c - libvirt network XML model: formatting
 *
 * Produces the same text as libvirt 9.0.0's virNetworkDefFormatBuf()
 * (element order, attribute order, 2-space auto indentation, escaping).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netxml_priv.h"

struct buf {
    char *s;
    size_t len, cap;
    int indent;
    bool oom;
};

static void
buf_raw(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 512;
        char *ns;
        while (nc < b->len + n + 1)
            nc *= 2;
        if (!(ns = realloc(b->s, nc))) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

/* virBuffer auto-indent: indent when starting a new line */
static void
buf_indent(struct buf *b)
{
    static const char sp[] = "                                ";
    int n = b->indent;
    if (b->len && b->s[b->len - 1] != '\n')
        return;
    while (n > 0) {
        int k = n > 32 ? 32 : n;
        buf_raw(b, sp, (size_t)k);
        n -= k;
    }
}

static void
bprintf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256], *p = small;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n >= sizeof(small)) {
        if (!(p = malloc((size_t)n + 1))) {
            b->oom = true;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    buf_indent(b);
    buf_raw(b, p, (size_t)n);
    if (p != small)
        free(p);
}

static void
badd(struct buf *b, const char *s)
{
    buf_indent(b);
    buf_raw(b, s, strlen(s));
}

/* virBufferEscapeString: nothing at all when str is NULL */
static void
bescape(struct buf *b, const char *fmt, const char *str)
{
    size_t i, o = 0, n;
    char *esc;

    if (!str)
        return;
    n = strlen(str);
    if (!(esc = malloc(n * 6 + 1))) {
        b->oom = true;
        return;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)str[i];
        const char *rep = NULL;
        switch (c) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default: break;
        }
        if (rep) {
            memcpy(esc + o, rep, strlen(rep));
            o += strlen(rep);
        } else if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r') {
            esc[o++] = (char)c;
        }
    }
    esc[o] = 0;
    {
        /* fmt contains exactly one %s */
        const char *pct = strstr(fmt, "%s");
        buf_indent(b);
        if (!pct) {
            buf_raw(b, fmt, strlen(fmt));
        } else {
            buf_raw(b, fmt, (size_t)(pct - fmt));
            buf_raw(b, esc, o);
            buf_raw(b, pct + 2, strlen(pct + 2));
        }
    }
    free(esc);
}

static const char *
afmt(const struct nx_addr *a, char *tmp)
{
    return nx__addr_fmt(a, tmp, 64);
}

static void
fmt_bandwidth(struct buf *b, const struct nx_bandwidth *bw)
{
    const struct nx_rate *r;
    const char *names[2] = { "inbound", "outbound" };
    int i;

    if (!bw)
        return;
    badd(b, "<bandwidth>\n");
    b->indent += 2;
    for (i = 0; i < 2; i++) {
        r = i == 0 ? bw->in : bw->out;
        if (!r || !(r->average || r->floor))
            continue;
        bprintf(b, "<%s", names[i]);
        if (r->average)
            bprintf(b, " average='%llu'", r->average);
        if (r->peak)
            bprintf(b, " peak='%llu'", r->peak);
        if (r->floor)
            bprintf(b, " floor='%llu'", r->floor);
        if (r->burst)
            bprintf(b, " burst='%llu'", r->burst);
        badd(b, "/>\n");
    }
    b->indent -= 2;
    badd(b, "</bandwidth>\n");
}

static void
fmt_vlan(struct buf *b, const struct nx_vlan *v)
{
    static const char *const modes[] = { "default", "tagged", "untagged" };
    size_t i;
    unsigned native_done = 0;

    if (!v->ntags)
        return;
    bprintf(b, "<vlan%s>\n", v->trunk ? " trunk='yes'" : "");
    b->indent += 2;
    for (i = 0; i < v->ntags; i++) {
        /* nativeMode on the first tag of that id only: the parser
         * refuses a second one (duplicate native vlan setting) */
        if (v->native_mode != 0 && v->native_tag == v->tags[i] && !native_done++)
            bprintf(b, "<tag id='%u' nativeMode='%s'/>\n", v->tags[i],
                    modes[v->native_mode]);
        else
            bprintf(b, "<tag id='%u'/>\n", v->tags[i]);
    }
    b->indent -= 2;
    badd(b, "</vlan>\n");
}

static void
fmt_vport(struct buf *b, const struct nx_vport *vp)
{
    bool noparams;
    int t;
    char u[37];

    if (!vp)
        return;
    noparams = !(vp->manager_id_set || vp->type_id_set ||
                 vp->type_id_version_set || vp->instance_id_set ||
                 vp->profile_id[0] || vp->interface_id_set);
    t = vp->type;
    if (t == NX_VPORT_NONE) {
        if (noparams)
            return;
        badd(b, "<virtualport>\n");
    } else if (noparams) {
        bprintf(b, "<virtualport type='%s'/>\n", ENUM_STR(nx__vport_types, t));
        return;
    } else {
        bprintf(b, "<virtualport type='%s'>\n", ENUM_STR(nx__vport_types, t));
    }
    b->indent += 2;
    badd(b, "<parameters");
    if (vp->manager_id_set && (t == NX_VPORT_8021QBG || t == NX_VPORT_NONE))
        bprintf(b, " managerid='%d'", vp->manager_id);
    if (vp->type_id_set && (t == NX_VPORT_8021QBG || t == NX_VPORT_NONE))
        bprintf(b, " typeid='%d'", (int)vp->type_id);
    if (vp->type_id_version_set && (t == NX_VPORT_8021QBG || t == NX_VPORT_NONE))
        bprintf(b, " typeidversion='%d'", vp->type_id_version);
    if (vp->instance_id_set && (t == NX_VPORT_8021QBG || t == NX_VPORT_NONE)) {
        nx_uuid_format(vp->instance_id, u);
        bprintf(b, " instanceid='%s'", u);
    }
    if (vp->interface_id_set &&
        (t == NX_VPORT_MIDONET || t == NX_VPORT_OPENVSWITCH || t == NX_VPORT_NONE)) {
        nx_uuid_format(vp->interface_id, u);
        bprintf(b, " interfaceid='%s'", u);
    }
    if (vp->profile_id[0] &&
        (t == NX_VPORT_OPENVSWITCH || t == NX_VPORT_8021QBH || t == NX_VPORT_NONE))
        bescape(b, " profileid='%s'", vp->profile_id);
    badd(b, "/>\n");
    b->indent -= 2;
    badd(b, "</virtualport>\n");
}

static void
fmt_lease(struct buf *b, const struct nx_lease *l)
{
    if (!l->expiry)
        badd(b, "<lease expiry='0'/>\n");
    else
        bprintf(b, "<lease expiry='%llu' unit='%s'/>\n", l->expiry,
                ENUM_STR(nx__lease_units, l->unit));
}

static void
fmt_ip(struct buf *b, const struct nx_ip_def *ip)
{
    char t1[64], t2[64];
    size_t i;

    badd(b, "<ip");
    bescape(b, " family='%s'", ip->family);
    if (ip->address.family)
        bprintf(b, " address='%s'", afmt(&ip->address, t1));
    if (ip->netmask.family)
        bprintf(b, " netmask='%s'", afmt(&ip->netmask, t1));
    if (ip->prefix > 0)
        bprintf(b, " prefix='%u'", ip->prefix);
    if (ip->local_ptr)
        bprintf(b, " localPtr='%s'", nx__tristate_str(ip->local_ptr));
    badd(b, ">\n");
    b->indent += 2;
    bescape(b, "<tftp root='%s'/>\n", ip->tftproot);
    if (ip->nranges || ip->nhosts) {
        badd(b, "<dhcp>\n");
        b->indent += 2;
        for (i = 0; i < ip->nranges; i++) {
            const struct nx_range *r = &ip->ranges[i];
            bprintf(b, "<range start='%s' end='%s'", afmt(&r->start, t1),
                    afmt(&r->end, t2));
            if (r->lease.set) {
                badd(b, ">\n");
                b->indent += 2;
                fmt_lease(b, &r->lease);
                b->indent -= 2;
                badd(b, "</range>\n");
            } else {
                badd(b, "/>\n");
            }
        }
        for (i = 0; i < ip->nhosts; i++) {
            const struct nx_dhcp_host_def *h = &ip->hosts[i];
            badd(b, "<host");
            bescape(b, " mac='%s'", h->mac);
            bescape(b, " id='%s'", h->id);
            bescape(b, " name='%s'", h->name);
            if (h->ip.family)
                bprintf(b, " ip='%s'", afmt(&h->ip, t1));
            if (h->lease.set) {
                badd(b, ">\n");
                b->indent += 2;
                fmt_lease(b, &h->lease);
                b->indent -= 2;
                badd(b, "</host>\n");
            } else {
                badd(b, "/>\n");
            }
        }
        if (ip->bootfile) {
            bescape(b, "<bootp file='%s'", ip->bootfile);
            if (ip->bootserver.family)
                bprintf(b, " server='%s'", afmt(&ip->bootserver, t1));
            badd(b, "/>\n");
        }
        b->indent -= 2;
        badd(b, "</dhcp>\n");
    }
    b->indent -= 2;
    badd(b, "</ip>\n");
}

static void
fmt_dns(struct buf *b, const struct nx_dns *d)
{
    char t[64];
    size_t i, j;

    if (!(d->enable || d->forward_plain_names || d->nfwds || d->nhosts ||
          d->nsrvs || d->ntxts))
        return;
    badd(b, "<dns");
    if (d->enable)
        bprintf(b, " enable='%s'", nx__tristate_str(d->enable));
    if (d->forward_plain_names)
        bprintf(b, " forwardPlainNames='%s'",
                nx__tristate_str(d->forward_plain_names));
    if (!(d->nfwds || d->nhosts || d->nsrvs || d->ntxts)) {
        badd(b, "/>\n");
        return;
    }
    badd(b, ">\n");
    b->indent += 2;
    for (i = 0; i < d->nfwds; i++) {
        badd(b, "<forwarder");
        bescape(b, " domain='%s'", d->fwds[i].domain);
        if (d->fwds[i].addr.family)
            bprintf(b, " addr='%s'", afmt(&d->fwds[i].addr, t));
        badd(b, "/>\n");
    }
    for (i = 0; i < d->ntxts; i++) {
        bescape(b, "<txt name='%s' ", d->txts[i].name);
        bescape(b, "value='%s'/>\n", d->txts[i].value);
    }
    for (i = 0; i < d->nsrvs; i++) {
        const struct nx_dns_srv *s = &d->srvs[i];
        if (!(s->service && s->protocol))
            continue;
        bescape(b, "<srv service='%s' ", s->service);
        bescape(b, "protocol='%s'", s->protocol);
        bescape(b, " domain='%s'", s->domain);
        bescape(b, " target='%s'", s->target);
        if (s->port)
            bprintf(b, " port='%d'", (int)s->port);
        if (s->priority)
            bprintf(b, " priority='%d'", (int)s->priority);
        if (s->weight)
            bprintf(b, " weight='%d'", (int)s->weight);
        badd(b, "/>\n");
    }
    for (i = 0; i < d->nhosts; i++) {
        bprintf(b, "<host ip='%s'>\n", afmt(&d->hosts[i].ip, t));
        b->indent += 2;
        for (j = 0; j < d->hosts[i].nnames; j++)
            bescape(b, "<hostname>%s</hostname>\n", d->hosts[i].names[j]);
        b->indent -= 2;
        badd(b, "</host>\n");
    }
    b->indent -= 2;
    badd(b, "</dns>\n");
}

static void
fmt_nat(struct buf *b, const struct nx_forward *f)
{
    char t[64];
    bool as = f->nat_start.family, ae = f->nat_end.family;

    if (!ae && !as && !f->port_start && !f->port_end && !f->nat_ipv6)
        return;
    badd(b, "<nat");
    if (f->nat_ipv6)
        bprintf(b, " ipv6='%s'", nx__tristate_str(f->nat_ipv6));
    if (!ae && !as && !f->port_start && !f->port_end) {
        badd(b, "/>\n");
        return;
    }
    badd(b, ">\n");
    b->indent += 2;
    if (as) {
        bprintf(b, "<address start='%s'", afmt(&f->nat_start, t));
        if (ae)
            bprintf(b, " end='%s'", afmt(&f->nat_end, t));
        badd(b, "/>\n");
    }
    if (f->port_start || f->port_end) {
        bprintf(b, "<port start='%d'", (int)f->port_start);
        if (f->port_end)
            bprintf(b, " end='%d'", (int)f->port_end);
        badd(b, "/>\n");
    }
    b->indent -= 2;
    badd(b, "</nat>\n");
}

static void
fmt_route(struct buf *b, const struct nx_route_def *r)
{
    char t[64];

    badd(b, "<route");
    bescape(b, " family='%s'", r->family);
    bprintf(b, " address='%s'", afmt(&r->address, t));
    if (r->netmask.family)
        bprintf(b, " netmask='%s'", afmt(&r->netmask, t));
    if (r->has_prefix)
        bprintf(b, " prefix='%u'", r->prefix);
    bprintf(b, " gateway='%s'", afmt(&r->gateway, t));
    if (r->has_metric && r->metric > 0)
        bprintf(b, " metric='%u'", r->metric);
    badd(b, "/>\n");
}

char *
nx_format(const struct nx_network *n, unsigned flags)
{
    struct buf b = { 0 };
    const struct nx_forward *f;
    bool hasbridge;
    size_t i;

    (void)flags; /* no runtime-only data (connections) is modelled */
    if (!n)
        return NULL;
    f = &n->forward;

    badd(&b, "<network");
    if (n->ndnsmasq_options)
        badd(&b, " xmlns:dnsmasq='" NX_DNSMASQ_NS "'");
    if (n->ipv6nogw)
        badd(&b, " ipv6='yes'");
    if (n->trust_guest_rx_filters)
        bprintf(&b, " trustGuestRxFilters='%s'",
                nx__tristate_str(n->trust_guest_rx_filters));
    badd(&b, ">\n");
    b.indent += 2;
    bescape(&b, "<name>%s</name>\n", n->name);
    if (n->uuid_specified) {
        char u[37];
        nx_uuid_format(n->uuid, u);
        bprintf(&b, "<uuid>%s</uuid>\n", u);
    }
    if (n->metadata) {
        badd(&b, n->metadata);
        badd(&b, "\n");
    }

    if (f->type != NX_FWD_NONE) {
        const char *dev = NULL;
        bool shortfwd;

        if (!f->npfs && f->nifs && f->ifs[0].type == NX_FIF_NETDEV)
            dev = f->ifs[0].dev;
        badd(&b, "<forward");
        bescape(&b, " dev='%s'", dev);
        bprintf(&b, " mode='%s'", nx_forward_mode_str((enum nx_forward_mode)f->type));
        if (f->type == NX_FWD_HOSTDEV)
            badd(&b, f->managed ? " managed='yes'" : " managed='no'");
        shortfwd = !(f->nifs || f->npfs || f->nat_start.family ||
                     f->nat_end.family || f->port_start || f->port_end ||
                     f->driver_name || f->nat_ipv6);
        bprintf(&b, "%s>\n", shortfwd ? "/" : "");
        b.indent += 2;
        if (f->driver_name)
            bprintf(&b, "<driver name='%s'/>\n", ENUM_STR(nx__driver_names, f->driver_name));
        if (f->type == NX_FWD_NAT)
            fmt_nat(&b, f);
        if (f->npfs)
            bescape(&b, "<pf dev='%s'/>\n", f->pf_dev);
        if (f->nifs && (!f->npfs || !(flags & NX_FMT_INACTIVE))) {
            for (i = 0; i < f->nifs; i++) {
                const struct nx_forward_if *fi = &f->ifs[i];
                if (fi->type == NX_FIF_NETDEV) {
                    bescape(&b, "<interface dev='%s'", fi->dev);
                    badd(&b, "/>\n");
                } else if (fi->type == NX_FIF_PCI) {
                    bprintf(&b, "<address type='pci' domain='0x%04x' bus='0x%02x' "
                            "slot='0x%02x' function='0x%d'/>\n",
                            fi->domain, fi->bus, fi->slot, (int)fi->function);
                }
            }
        }
        b.indent -= 2;
        if (!shortfwd)
            badd(&b, "</forward>\n");
    }

    hasbridge = f->type == NX_FWD_NONE || f->type == NX_FWD_NAT ||
                f->type == NX_FWD_ROUTE || f->type == NX_FWD_OPEN;
    if (hasbridge || n->bridge || n->mac_table_manager) {
        badd(&b, "<bridge");
        bescape(&b, " name='%s'", n->bridge);
        bescape(&b, " zone='%s'", n->bridge_zone);
        if (hasbridge)
            bprintf(&b, " stp='%s' delay='%ld'", n->stp ? "on" : "off",
                    (long)n->delay);
        if (n->mac_table_manager)
            bprintf(&b, " macTableManager='%s'",
                    ENUM_STR(nx__mtm_names, n->mac_table_manager));
        badd(&b, "/>\n");
    }
    if (n->mtu)
        bprintf(&b, "<mtu size='%u'/>\n", n->mtu);
    if (n->mac_specified)
        bprintf(&b, "<mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n",
                n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
                n->mac[5]);
    if (n->domain) {
        bescape(&b, "<domain name='%s'", n->domain);
        if (n->domain_local_only)
            bprintf(&b, " localOnly='%s'", nx__tristate_str(n->domain_local_only));
        badd(&b, "/>\n");
    }
    fmt_dns(&b, &n->dns);
    fmt_vlan(&b, &n->vlan);
    fmt_bandwidth(&b, n->bandwidth);
    if (n->isolated_port)
        bprintf(&b, "<port isolated='%s'/>\n", nx__tristate_str(n->isolated_port));
    for (i = 0; i < n->nips; i++)
        fmt_ip(&b, &n->ips[i]);
    for (i = 0; i < n->nroutes; i++)
        fmt_route(&b, &n->routes[i]);
    fmt_vport(&b, n->vport);
    for (i = 0; i < n->nportgroups; i++) {
        const struct nx_portgroup *pg = &n->portgroups[i];
        bescape(&b, "<portgroup name='%s'", pg->name);
        if (pg->is_default)
            badd(&b, " default='yes'");
        if (pg->trust_guest_rx_filters)
            bprintf(&b, " trustGuestRxFilters='%s'",
                    nx__tristate_str(pg->trust_guest_rx_filters));
        badd(&b, ">\n");
        b.indent += 2;
        fmt_vlan(&b, &pg->vlan);
        fmt_vport(&b, pg->vport);
        fmt_bandwidth(&b, pg->bandwidth);
        b.indent -= 2;
        badd(&b, "</portgroup>\n");
    }
    if (n->ndnsmasq_options) {
        badd(&b, "<dnsmasq:options>\n");
        b.indent += 2;
        for (i = 0; i < n->ndnsmasq_options; i++)
            bescape(&b, "<dnsmasq:option value='%s'/>\n", n->dnsmasq_options[i]);
        b.indent -= 2;
        badd(&b, "</dnsmasq:options>\n");
    }
    b.indent -= 2;
    badd(&b, "</network>\n");

    if (b.oom) {
        free(b.s);
        errno = ENOMEM;
        return NULL;
    }
    return b.s;
}
