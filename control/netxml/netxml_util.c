/*
 * netxml_util.c - libvirt network XML model: shared helpers (errors, enums,
 * numbers, addresses, MAC/UUID, XML access, freeing)
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
#include "control/hex.h"

/* ------------------------------------------------------------------ */
/* errors                                                               */

void
nx__err(struct nx_err *e, enum nx_errcode code, const char *fmt, ...)
{
    static const char *const prefix[] = {
        [NX_ERR_PLAIN] = "",
        [NX_ERR_INTERNAL] = "internal error: ",
        [NX_ERR_XML] = "XML error: ",
        [NX_ERR_CONFIG] = "unsupported configuration: ",
        [NX_ERR_OP_INVALID] = "Requested operation is not valid: ",
        [NX_ERR_UNSUPPORTED] = "Operation not supported: ",
    };
    va_list ap;
    size_t off;

    if (!e || !e->buf || e->len == 0)
        return;
    snprintf(e->buf, e->len, "%s", prefix[code]);
    off = strlen(e->buf);
    if (off >= e->len - 1)
        return;
    va_start(ap, fmt);
    vsnprintf(e->buf + off, e->len - off, fmt, ap);
    va_end(ap);
}


/* ------------------------------------------------------------------ */
/* enum strings                                                         */

const char *const nx__fwd_modes[] = {
    "none", "nat", "route", "open", "bridge", "private", "vepa",
    "passthrough", "hostdev",
};

const char *
nx_forward_mode_str(enum nx_forward_mode m)
{
    return ENUM_STR(nx__fwd_modes, (int)m);
}

const char *
nx__tristate_str(int t)
{
    return t == NX_TRI_YES ? "yes" : t == NX_TRI_NO ? "no" : "default";
}

const char *const nx__vport_types[] = {
    "none", "802.1Qbg", "802.1Qbh", "openvswitch", "midonet",
};

const char *const nx__lease_units[] = { "seconds", "minutes", "hours" };

const char *const nx__mtm_names[] = { "default", "kernel", "libvirt" };

const char *const nx__driver_names[] = { "default", "kvm", "vfio" };

const char *
nx__enum_str(const char *const *tab, size_t n, int v)
{
    return v < 0 || (size_t)v >= n ? NULL : tab[v];
}

int
nx__enum_from(const char *const *tab, size_t n, const char *s)
{
    size_t i;
    if (!s)
        return -1;
    for (i = 0; i < n; i++)
        if (strcmp(tab[i], s) == 0)
            return (int)i;
    return -1;
}

int
nx__tristate_from(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "default") == 0)
        return NX_TRI_ABSENT;
    if (strcmp(s, "yes") == 0)
        return NX_TRI_YES;
    if (strcmp(s, "no") == 0)
        return NX_TRI_NO;
    return -1;
}

/* ------------------------------------------------------------------ */
/* number parsing (virStrToLong_* semantics)                            */

/* virStrToLong_ui: accepts "-1" style wraparound of 32-bit values */
int
nx__str_to_ui(const char *s, int base, unsigned *out)
{
    char *p;
    unsigned long v;

    if (!s)
        return -1;
    errno = 0;
    v = strtoul(s, &p, base);
    if (errno || p == s || *p)
        return -1;
    if (sizeof(unsigned long) > sizeof(unsigned) && v > UINT_MAX) {
        if ((v & 0xffffffff00000000UL) == 0xffffffff00000000UL)
            v &= 0xffffffffUL;
        else
            return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* virStrToLong_uip: like str_to_ui but rejects negative numbers */
int
nx__str_to_uip(const char *s, int base, unsigned *out)
{
    char *p;
    unsigned long v;

    if (!s)
        return -1;
    errno = 0;
    v = strtoul(s, &p, base);
    if (errno || p == s || *p || memchr(s, '-', (size_t)(p - s)))
        return -1;
    if (v > UINT_MAX)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* virStrToLong_ul / _ulp */
int
nx__str_to_ul(const char *s, int base, bool positive, unsigned long *out)
{
    char *p;
    unsigned long v;

    if (!s)
        return -1;
    errno = 0;
    v = strtoul(s, &p, base);
    if (errno || p == s || *p)
        return -1;
    if (positive && memchr(s, '-', (size_t)(p - s)))
        return -1;
    *out = v;
    return 0;
}

/* virStrToLong_ullp */
int
nx__str_to_ullp(const char *s, int base, unsigned long long *out)
{
    char *p;
    unsigned long long v;

    if (!s)
        return -1;
    errno = 0;
    v = strtoull(s, &p, base);
    if (errno || p == s || *p || memchr(s, '-', (size_t)(p - s)))
        return -1;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* addresses                                                            */

int
nx__addr_parse(struct nx_addr *a, const char *s, int family)
{
    struct addrinfo hints, *res = NULL;
    int rc;

    memset(a, 0, sizeof(*a));
    if (!s)
        return -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_flags = AI_NUMERICHOST;
    if ((rc = getaddrinfo(s, NULL, &hints, &res)) != 0 || !res)
        return -1;
    if (res->ai_addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)res->ai_addr;
        a->family = AF_INET;
        memcpy(a->b, &in->sin_addr, 4);
    } else if (res->ai_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)res->ai_addr;
        a->family = AF_INET6;
        memcpy(a->b, &in6->sin6_addr, 16);
    } else {
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    if (!inet_ntop(a->family, a->b, a->s, sizeof(a->s)))
        a->s[0] = 0;
    return 0;
}

/* parse and report like virSocketAddrParse() */
int
nx__addr_parse_report(struct nx_addr *a, const char *s, int family,
                  struct nx_err *e)
{
    if (nx__addr_parse(a, s, family) < 0) {
        struct addrinfo hints, *res = NULL;
        int rc;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = family;
        hints.ai_flags = AI_NUMERICHOST;
        rc = getaddrinfo(s, NULL, &hints, &res);
        if (res)
            freeaddrinfo(res);
        nx__err(e, NX_ERR_PLAIN, "Cannot parse socket address '%s': %s",
                s, rc ? gai_strerror(rc) : "unsupported address family");
        return -1;
    }
    return 0;
}

const char *
nx__addr_fmt(const struct nx_addr *a, char *buf, size_t len)
{
    if (!a->family || !inet_ntop(a->family, a->b, buf, (socklen_t)len))
        snprintf(buf, len, "%s", "");
    return buf;
}

bool
nx__addr_equal(const struct nx_addr *a, const struct nx_addr *b)
{
    if (a->family != b->family)
        return false;
    if (a->family == AF_INET)
        return memcmp(a->b, b->b, 4) == 0;
    if (a->family == AF_INET6)
        return memcmp(a->b, b->b, 16) == 0;
    return false;
}

static int
addr_nbytes(int family)
{
    return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* virSocketAddrGetNumNetmaskBits */
static int
netmask_bits(const struct nx_addr *m)
{
    int n = addr_nbytes(m->family), i, c = 0;
    bool zero = false;

    if (!n)
        return -1;
    for (i = 0; i < n * 8; i++) {
        int bit = (m->b[i / 8] >> (7 - i % 8)) & 1;
        if (bit) {
            if (zero)
                return -1;
            c++;
        } else {
            zero = true;
        }
    }
    return c;
}

int
nx__prefix_to_netmask(unsigned prefix, int family, struct nx_addr *out)
{
    int n = addr_nbytes(family);
    unsigned i;

    memset(out, 0, sizeof(*out));
    if (!n || prefix > (unsigned)n * 8)
        return -1;
    out->family = family;
    for (i = 0; i < prefix; i++)
        out->b[i / 8] |= (unsigned char)(0x80 >> (i % 8));
    return 0;
}

int
nx__addr_mask(const struct nx_addr *a, const struct nx_addr *mask,
              struct nx_addr *out)
{
    int n = addr_nbytes(a->family), i;
    struct nx_addr r;

    if (!n || a->family != mask->family)
        return -1;
    memset(&r, 0, sizeof(r));
    r.family = a->family;
    for (i = 0; i < n; i++)
        r.b[i] = a->b[i] & mask->b[i];
    *out = r;
    return 0;
}

static bool
addr_is_wildcard(const struct nx_addr *a)
{
    int n = addr_nbytes(a->family), i;
    for (i = 0; i < n; i++)
        if (a->b[i])
            return false;
    return true;
}

/* virSocketAddrGetIPPrefix */
int
nx__addr_get_prefix(const struct nx_addr *addr, const struct nx_addr *netmask,
                    int prefix)
{
    if (prefix > 0)
        return prefix;
    if (netmask && netmask->family)
        return netmask_bits(netmask);
    if (addr && addr->family == AF_INET) {
        unsigned char octet = addr->b[0];
        if (addr_is_wildcard(addr))
            return 0;
        if ((octet & 0x80) == 0)
            return 8;
        if ((octet & 0xC0) == 0x80)
            return 16;
        if ((octet & 0xE0) == 0xC0)
            return 24;
        return -1;
    }
    if (addr && addr->family == AF_INET6) {
        if (addr_is_wildcard(addr))
            return 0;
        return 64;
    }
    return 0;
}

int
nx__ip_prefix(const struct nx_ip_def *ip)
{
    return nx__addr_get_prefix(&ip->address, &ip->netmask, (int)ip->prefix);
}

/* virSocketAddrCheckNetmask: 1 same network, 0 not, -1 error */
static int
check_netmask(const struct nx_addr *a1, const struct nx_addr *a2,
              const struct nx_addr *mask)
{
    int n = addr_nbytes(a1->family), i;

    if (!n || a1->family != a2->family || a1->family != mask->family)
        return -1;
    if (netmask_bits(mask) < 0)
        return -1;
    for (i = 0; i < n; i++)
        if ((a1->b[i] & mask->b[i]) != (a2->b[i] & mask->b[i]))
            return 0;
    return 1;
}

/* virSocketAddrGetRange; network may be NULL */
int
nx__addr_get_range(const struct nx_addr *start, const struct nx_addr *end,
               const struct nx_addr *network, int prefix, struct nx_err *e)
{
    char s[64], en[64], net[64];
    struct nx_addr mask;
    int ret, i;

    nx__addr_fmt(start, s, sizeof(s));
    nx__addr_fmt(end, en, sizeof(en));

    if (start->family != end->family) {
        nx__err(e, NX_ERR_INTERNAL,
                "mismatch of address family in range %s - %s", s, en);
        return -1;
    }

    if (network) {
        nx__addr_fmt(network, net, sizeof(net));
        if (start->family != network->family) {
            nx__err(e, NX_ERR_INTERNAL,
                    "mismatch of address family in range %s - %s for network %s",
                    s, en, net);
            return -1;
        }
        if (prefix < 0 ||
            nx__prefix_to_netmask((unsigned)prefix, network->family, &mask) < 0) {
            nx__err(e, NX_ERR_INTERNAL,
                    "bad prefix %d for network %s when checking range %s - %s",
                    prefix, net, s, en);
            return -1;
        }
        if (check_netmask(start, network, &mask) <= 0 ||
            check_netmask(end, network, &mask) <= 0) {
            nx__err(e, NX_ERR_INTERNAL,
                    "range %s - %s is not entirely within network %s/%d",
                    s, en, net, prefix);
            return -1;
        }
        if (start->family == AF_INET) {
            struct nx_addr netaddr, bcast;
            nx__addr_mask(network, &mask, &netaddr);
            bcast = *network;
            for (i = 0; i < 4; i++)
                bcast.b[i] = (unsigned char)(network->b[i] | ~mask.b[i]);
            if (nx__addr_equal(start, &netaddr)) {
                nx__err(e, NX_ERR_INTERNAL,
                        "start of range %s - %s in network %s/%d is the network address",
                        s, en, net, prefix);
                return -1;
            }
            if (nx__addr_equal(end, &bcast)) {
                nx__err(e, NX_ERR_INTERNAL,
                        "end of range %s - %s in network %s/%d is the broadcast address",
                        s, en, net, prefix);
                return -1;
            }
        }
    }

    if (start->family == AF_INET) {
        for (i = 0; i < 2; i++) {
            if (start->b[i] != end->b[i]) {
                nx__err(e, NX_ERR_INTERNAL,
                        "range %s - %s is too large (> 65535)", s, en);
                return -1;
            }
        }
        ret = (end->b[2] - start->b[2]) * 256 + (end->b[3] - start->b[3]);
        if (ret < 0) {
            nx__err(e, NX_ERR_INTERNAL, "range %s - %s is reversed ", s, en);
            return -1;
        }
        return ret + 1;
    }
    if (start->family == AF_INET6) {
        for (i = 0; i < 7; i++) {
            if (start->b[2 * i] != end->b[2 * i] ||
                start->b[2 * i + 1] != end->b[2 * i + 1]) {
                nx__err(e, NX_ERR_INTERNAL,
                        "range %s - %s is too large (> 65535)", s, en);
                return -1;
            }
        }
        ret = ((end->b[14] << 8) | end->b[15]) -
              ((start->b[14] << 8) | start->b[15]);
        if (ret < 0) {
            nx__err(e, NX_ERR_INTERNAL,
                    "range %s - %s start larger than end", s, en);
            return -1;
        }
        return ret + 1;
    }
    nx__err(e, NX_ERR_INTERNAL,
            "unsupported address family for range %s - %s, must be ipv4 or ipv6",
            s, en);
    return -1;
}

/* ------------------------------------------------------------------ */
/* MAC / UUID                                                           */

/* virMacAddrParse */
int
nx__mac_parse(const char *str, unsigned char mac[6])
{
    int i;

    for (i = 0; i < 6; i++) {
        char *end;
        unsigned long r;

        if (!isxdigit((unsigned char)*str))
            break;
        errno = 0;
        r = strtoul(str, &end, 16);
        if (end - str < 1 || end - str > 2 || errno || r > 0xFF)
            break;
        mac[i] = (unsigned char)r;
        if (i == 5 && (unsigned char)*end <= ' ')
            return 0;
        if (*end != ':')
            break;
        str = end + 1;
    }
    return -1;
}


int
nx_uuid_parse(const char *str, unsigned char uuid[16])
{
    const char *cur = str;
    int i;

    if (!str)
        return -EINVAL;
    while (isspace((unsigned char)*cur))
        cur++;
    for (i = 0; i < 16;) {
        uuid[i] = 0;
        if (*cur == 0)
            return -EINVAL;
        if (*cur == '-' || *cur == ' ') {
            cur++;
            continue;
        }
        if (!isxdigit((unsigned char)cur[0]) || !isxdigit((unsigned char)cur[1]))
            return -EINVAL;
        uuid[i] = (unsigned char)(hex_digit(cur[0]) * 16 + hex_digit(cur[1]));
        i++;
        cur += 2;
    }
    while (*cur) {
        if (!isspace((unsigned char)*cur))
            return -EINVAL;
        cur++;
    }
    return 0;
}

void
nx_uuid_format(const unsigned char u[16], char buf[37])
{
    snprintf(buf, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
             u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* ------------------------------------------------------------------ */
/* XML helpers                                                          */

bool
nx__is_elem(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns == NULL &&
           xmlStrEqual(n->name, BAD_CAST name);
}

xmlNodePtr
nx__child(xmlNodePtr parent, const char *name)
{
    xmlNodePtr c;
    if (!parent)
        return NULL;
    for (c = parent->children; c; c = c->next)
        if (nx__is_elem(c, name))
            return c;
    return NULL;
}

size_t
nx__count_children(xmlNodePtr parent, const char *name)
{
    xmlNodePtr c;
    size_t n = 0;
    for (c = parent->children; c; c = c->next)
        if (nx__is_elem(c, name))
            n++;
    return n;
}


/* virXMLPropString: malloc'd copy, "" allowed, NULL if absent */
char *
nx__prop(xmlNodePtr n, const char *name)
{
    xmlChar *v;
    char *r;
    if (!n)
        return NULL;
    v = xmlGetProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    r = strdup((const char *)v);
    xmlFree(v);
    return r;
}

/* virXPathString("string(./@x)"): NULL when absent or empty */
char *
nx__xprop(xmlNodePtr n, const char *name)
{
    char *r = nx__prop(n, name);
    if (r && !*r) {
        free(r);
        r = NULL;
    }
    return r;
}

/* virXPathString("string(./x[1])"): NULL when absent or empty */
char *
nx__xtext(xmlNodePtr n)
{
    xmlChar *v;
    char *r;
    if (!n)
        return NULL;
    v = xmlNodeGetContent(n);
    if (!v)
        return NULL;
    r = *v ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return r;
}

int
nx__prop_tristate(xmlNodePtr n, const char *name, int *out, struct nx_err *e)
{
    char *v;
    int t;

    *out = NX_TRI_ABSENT;
    if (!n || !(v = nx__prop(n, name)))
        return 0;
    t = nx__tristate_from(v);
    if (t <= 0) {
        nx__err(e, NX_ERR_XML,
                "Invalid value for attribute '%s' in element '%s': '%s'.",
                name, (const char *)n->name, v);
        free(v);
        return -1;
    }
    free(v);
    *out = t;
    return 1;
}

int
nx__prop_uint(xmlNodePtr n, const char *name, bool nonzero, unsigned *out,
          struct nx_err *e)
{
    char *v;

    *out = 0;
    if (!n || !(v = nx__prop(n, name)))
        return 0;
    if (nx__str_to_uip(v, 10, out) < 0) {
        nx__err(e, NX_ERR_XML,
                "Invalid value for attribute '%s' in element '%s': '%s'. "
                "Expected non-negative integer value",
                name, (const char *)n->name, v);
        free(v);
        return -1;
    }
    free(v);
    if (nonzero && *out == 0) {
        nx__err(e, NX_ERR_XML,
                "Invalid value for attribute '%s' in element '%s': Zero is not permitted",
                name, (const char *)n->name);
        return -1;
    }
    return 1;
}

int
nx__prop_ull(xmlNodePtr n, const char *name, int base, unsigned long long *out,
         struct nx_err *e)
{
    char *v;

    *out = 0;
    if (!n || !(v = nx__prop(n, name)))
        return 0;
    if (nx__str_to_ullp(v, base, out) < 0) {
        nx__err(e, NX_ERR_XML,
                "Invalid value for attribute '%s' in element '%s': '%s'. "
                "Expected non-negative integer value",
                name, (const char *)n->name, v);
        free(v);
        return -1;
    }
    free(v);
    return 1;
}

/* ------------------------------------------------------------------ */
/* free                                                                 */

void
nx__vlan_clear(struct nx_vlan *v)
{
    free(v->tags);
    memset(v, 0, sizeof(*v));
}

void
nx__bandwidth_free(struct nx_bandwidth *b)
{
    if (!b)
        return;
    free(b->in);
    free(b->out);
    free(b);
}

void
nx__dhcp_host_clear(struct nx_dhcp_host_def *h)
{
    free(h->mac);
    free(h->id);
    free(h->name);
    memset(h, 0, sizeof(*h));
}

void
nx__dns_host_clear(struct nx_dns_host_def *h)
{
    size_t j;
    for (j = 0; j < h->nnames; j++)
        free(h->names[j]);
    free(h->names);
    memset(h, 0, sizeof(*h));
}

void
nx__dns_srv_clear(struct nx_dns_srv *s)
{
    free(s->domain);
    free(s->service);
    free(s->protocol);
    free(s->target);
    memset(s, 0, sizeof(*s));
}

void
nx__dns_txt_clear(struct nx_dns_txt *t)
{
    free(t->name);
    free(t->value);
    memset(t, 0, sizeof(*t));
}

void
nx__portgroup_clear(struct nx_portgroup *pg)
{
    free(pg->name);
    free(pg->vport);
    nx__bandwidth_free(pg->bandwidth);
    nx__vlan_clear(&pg->vlan);
    memset(pg, 0, sizeof(*pg));
}

static void
ip_clear(struct nx_ip_def *ip)
{
    size_t i;
    free(ip->family);
    free(ip->ranges);
    for (i = 0; i < ip->nhosts; i++)
        nx__dhcp_host_clear(&ip->hosts[i]);
    free(ip->hosts);
    free(ip->tftproot);
    free(ip->bootfile);
    memset(ip, 0, sizeof(*ip));
}

static void
dns_clear(struct nx_dns *d)
{
    size_t i;
    for (i = 0; i < d->nfwds; i++)
        free(d->fwds[i].domain);
    free(d->fwds);
    for (i = 0; i < d->ntxts; i++)
        nx__dns_txt_clear(&d->txts[i]);
    free(d->txts);
    for (i = 0; i < d->nhosts; i++)
        nx__dns_host_clear(&d->hosts[i]);
    free(d->hosts);
    for (i = 0; i < d->nsrvs; i++)
        nx__dns_srv_clear(&d->srvs[i]);
    free(d->srvs);
    memset(d, 0, sizeof(*d));
}

void
nx_free(struct nx_network *n)
{
    size_t i;

    if (!n)
        return;
    free(n->name);
    free(n->metadata);
    for (i = 0; i < n->ndnsmasq_options; i++)
        free(n->dnsmasq_options[i]);
    free(n->dnsmasq_options);
    for (i = 0; i < n->forward.nifs; i++)
        free(n->forward.ifs[i].dev);
    free(n->forward.ifs);
    free(n->forward.pf_dev);
    free(n->bridge);
    free(n->bridge_zone);
    free(n->domain);
    dns_clear(&n->dns);
    nx__vlan_clear(&n->vlan);
    nx__bandwidth_free(n->bandwidth);
    for (i = 0; i < n->nips; i++)
        ip_clear(&n->ips[i]);
    free(n->ips);
    for (i = 0; i < n->nroutes; i++)
        free(n->routes[i].family);
    free(n->routes);
    free(n->vport);
    for (i = 0; i < n->nportgroups; i++)
        nx__portgroup_clear(&n->portgroups[i]);
    free(n->portgroups);
    free(n);
}

