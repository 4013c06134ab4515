/*
 * netxml_access.c - libvirt network XML model: accessors and setters
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

/* ------------------------------------------------------------------ */
/* accessors                                                            */

const char *nx_name(const struct nx_network *n) { return n ? n->name : NULL; }
int nx_has_uuid(const struct nx_network *n) { return n && n->uuid_specified; }

void
nx_uuid(const struct nx_network *n, unsigned char out[16])
{
    if (n && n->uuid_specified)
        memcpy(out, n->uuid, 16);
    else
        memset(out, 0, 16);
}

int
nx_uuid_str(const struct nx_network *n, char *buf, size_t len)
{
    char tmp[37];
    if (!n || !buf || len < 37)
        return -EINVAL;
    if (!n->uuid_specified)
        return -ENOENT;
    nx_uuid_format(n->uuid, tmp);
    memcpy(buf, tmp, 37);
    return 0;
}

static int
set_str(char **dst, const char *src)
{
    char *c = NULL;
    if (src && !(c = strdup(src)))
        return -ENOMEM;
    free(*dst);
    *dst = c;
    return 0;
}

int
nx_set_name(struct nx_network *n, const char *name)
{
    if (!n || !name || !*name || strchr(name, '/'))
        return -EINVAL;
    return set_str(&n->name, name);
}

int
nx_set_uuid(struct nx_network *n, const unsigned char uuid[16])
{
    if (!n || !uuid)
        return -EINVAL;
    memcpy(n->uuid, uuid, 16);
    n->uuid_specified = true;
    return 0;
}

const char *nx_bridge_name(const struct nx_network *n) { return n ? n->bridge : NULL; }

int
nx_set_bridge_name(struct nx_network *n, const char *name)
{
    if (!n)
        return -EINVAL;
    return set_str(&n->bridge, name);
}

int nx_bridge_stp(const struct nx_network *n) { return n ? n->stp : 0; }
unsigned long nx_bridge_delay(const struct nx_network *n) { return n ? n->delay : 0; }

enum nx_forward_mode
nx_forward_mode(const struct nx_network *n)
{
    return n ? (enum nx_forward_mode)n->forward.type : NX_FWD_NONE;
}

const char *
nx_forward_dev(const struct nx_network *n)
{
    if (!n || n->forward.npfs || !n->forward.nifs ||
        n->forward.ifs[0].type != NX_FIF_NETDEV)
        return NULL;
    return n->forward.ifs[0].dev;
}

size_t nx_forward_if_count(const struct nx_network *n) { return n ? n->forward.nifs : 0; }

const char *
nx_forward_if(const struct nx_network *n, size_t i)
{
    if (!n || i >= n->forward.nifs || n->forward.ifs[i].type != NX_FIF_NETDEV)
        return NULL;
    return n->forward.ifs[i].dev;
}

int
nx_mac(const struct nx_network *n, unsigned char mac[6])
{
    if (!n || !n->mac_specified)
        return -ENOENT;
    memcpy(mac, n->mac, 6);
    return 0;
}

unsigned nx_mtu(const struct nx_network *n) { return n ? n->mtu : 0; }
int nx_ipv6_nogw(const struct nx_network *n) { return n && n->ipv6nogw; }
const char *nx_domain(const struct nx_network *n) { return n ? n->domain : NULL; }

int
nx_domain_local_only(const struct nx_network *n)
{
    return n && n->domain_local_only == NX_TRI_YES;
}

int nx_dns_enabled(const struct nx_network *n) { return n && n->dns.enable != NX_TRI_NO; }

int
nx_dns_forward_plain_names(const struct nx_network *n)
{
    return n && n->dns.forward_plain_names != NX_TRI_NO;
}

size_t nx_dns_forwarder_count(const struct nx_network *n) { return n ? n->dns.nfwds : 0; }

static const char *
addr_view(const struct nx_addr *a)
{
    return a->family ? a->s : NULL;
}

int
nx_dns_forwarder(const struct nx_network *n, size_t i, const char **addr,
                 const char **domain)
{
    if (!n || i >= n->dns.nfwds)
        return -ERANGE;
    if (addr)
        *addr = addr_view(&n->dns.fwds[i].addr);
    if (domain)
        *domain = n->dns.fwds[i].domain;
    return 0;
}

size_t nx_dns_host_count(const struct nx_network *n) { return n ? n->dns.nhosts : 0; }

int
nx_dns_host(const struct nx_network *n, size_t i, int *family,
            const char **ip, size_t *nnames)
{
    if (!n || i >= n->dns.nhosts)
        return -ERANGE;
    if (family)
        *family = n->dns.hosts[i].ip.family;
    if (ip)
        *ip = addr_view(&n->dns.hosts[i].ip);
    if (nnames)
        *nnames = n->dns.hosts[i].nnames;
    return 0;
}

const char *
nx_dns_host_name(const struct nx_network *n, size_t i, size_t j)
{
    if (!n || i >= n->dns.nhosts || j >= n->dns.hosts[i].nnames)
        return NULL;
    return n->dns.hosts[i].names[j];
}

size_t nx_ip_count(const struct nx_network *n) { return n ? n->nips : 0; }

int
nx_ip(const struct nx_network *n, size_t i, int *family, const char **address,
      int *prefix)
{
    if (!n || i >= n->nips)
        return -ERANGE;
    if (family)
        *family = n->ips[i].address.family;
    if (address)
        *address = addr_view(&n->ips[i].address);
    if (prefix)
        *prefix = nx__ip_prefix(&n->ips[i]);
    return 0;
}

static uint32_t
v4(const struct nx_addr *a)
{
    if (a->family != AF_INET)
        return 0;
    return ((uint32_t)a->b[0] << 24) | ((uint32_t)a->b[1] << 16) |
           ((uint32_t)a->b[2] << 8) | a->b[3];
}

int
nx_ipv4(const struct nx_network *n, uint32_t *addr, int *prefix)
{
    size_t i;
    if (!n)
        return -EINVAL;
    for (i = 0; i < n->nips; i++) {
        if (n->ips[i].address.family == AF_INET) {
            if (addr)
                *addr = v4(&n->ips[i].address);
            if (prefix)
                *prefix = nx__ip_prefix(&n->ips[i]);
            return 0;
        }
    }
    return -ENOENT;
}

static const struct nx_ip_def *
dhcp4(const struct nx_network *n)
{
    size_t i;
    if (!n)
        return NULL;
    for (i = 0; i < n->nips; i++)
        if (n->ips[i].address.family == AF_INET &&
            (n->ips[i].nranges || n->ips[i].nhosts))
            return &n->ips[i];
    return NULL;
}

static void
lease_out(const struct nx_lease *l, unsigned *secs, int *inf)
{
    static const unsigned long long mult[] = { 1, 60, 3600 };
    unsigned long long s;

    if (secs)
        *secs = 0;
    if (inf)
        *inf = 0;
    if (!l->set)
        return;
    if (l->expiry == 0) {
        if (inf)
            *inf = 1;
        return;
    }
    s = l->expiry > ULLONG_MAX / 3600 ? ULLONG_MAX : l->expiry * mult[l->unit];
    if (secs)
        *secs = s > UINT_MAX ? UINT_MAX : (unsigned)s;
}

size_t
nx_dhcp_range_count(const struct nx_network *n)
{
    const struct nx_ip_def *ip = dhcp4(n);
    return ip ? ip->nranges : 0;
}

int
nx_dhcp_range(const struct nx_network *n, size_t i, uint32_t *start,
              uint32_t *end, unsigned *lease_secs, int *lease_infinite)
{
    const struct nx_ip_def *ip = dhcp4(n);
    if (!ip || i >= ip->nranges)
        return -ERANGE;
    if (start)
        *start = v4(&ip->ranges[i].start);
    if (end)
        *end = v4(&ip->ranges[i].end);
    lease_out(&ip->ranges[i].lease, lease_secs, lease_infinite);
    return 0;
}

size_t
nx_dhcp_host_count(const struct nx_network *n)
{
    const struct nx_ip_def *ip = dhcp4(n);
    return ip ? ip->nhosts : 0;
}

int
nx_dhcp_host(const struct nx_network *n, size_t i, int *has_mac,
             unsigned char mac[6], const char **name, uint32_t *ipaddr,
             unsigned *lease_secs, int *lease_infinite)
{
    const struct nx_ip_def *ip = dhcp4(n);
    const struct nx_dhcp_host_def *h;
    unsigned char m[6];
    int ok;

    if (!ip || i >= ip->nhosts)
        return -ERANGE;
    h = &ip->hosts[i];
    ok = h->mac && nx__mac_parse(h->mac, m) == 0;
    if (has_mac)
        *has_mac = ok;
    if (mac) {
        if (ok)
            memcpy(mac, m, 6);
        else
            memset(mac, 0, 6);
    }
    if (name)
        *name = h->name;
    if (ipaddr)
        *ipaddr = v4(&h->ip);
    lease_out(&h->lease, lease_secs, lease_infinite);
    return 0;
}

const char *
nx_dhcp_bootp_file(const struct nx_network *n)
{
    const struct nx_ip_def *ip = dhcp4(n);
    return ip ? ip->bootfile : NULL;
}

int
nx_dhcp_bootp_server(const struct nx_network *n, uint32_t *server)
{
    const struct nx_ip_def *ip = dhcp4(n);
    if (!ip || !ip->bootfile || ip->bootserver.family != AF_INET)
        return -ENOENT;
    if (server)
        *server = v4(&ip->bootserver);
    return 0;
}

const char *
nx_tftp_root(const struct nx_network *n)
{
    size_t i;
    if (!n)
        return NULL;
    for (i = 0; i < n->nips; i++)
        if (n->ips[i].tftproot)
            return n->ips[i].tftproot;
    return NULL;
}

size_t nx_route_count(const struct nx_network *n) { return n ? n->nroutes : 0; }

int
nx_route(const struct nx_network *n, size_t i, int *family,
         const char **address, int *prefix, const char **gateway,
         unsigned *metric)
{
    const struct nx_route_def *r;
    if (!n || i >= n->nroutes)
        return -ERANGE;
    r = &n->routes[i];
    if (family)
        *family = r->address.family;
    if (address)
        *address = addr_view(&r->address);
    if (prefix)
        *prefix = nx__addr_get_prefix(&r->address, &r->netmask,
                                      r->has_prefix ? (int)r->prefix : 0);
    if (gateway)
        *gateway = addr_view(&r->gateway);
    if (metric)
        *metric = r->has_metric ? r->metric : 0;
    return 0;
}

int
nx_nat_range(const struct nx_network *n, uint32_t *addr_start,
             uint32_t *addr_end, unsigned *port_start, unsigned *port_end)
{
    if (!n || n->forward.type != NX_FWD_NAT)
        return -ENOENT;
    if (addr_start)
        *addr_start = v4(&n->forward.nat_start);
    if (addr_end)
        *addr_end = v4(&n->forward.nat_end);
    if (port_start)
        *port_start = n->forward.port_start;
    if (port_end)
        *port_end = n->forward.port_end;
    return 0;
}

int
nx_nat_ipv6(const struct nx_network *n)
{
    return n && n->forward.type == NX_FWD_NAT && n->forward.nat_ipv6 == NX_TRI_YES;
}


size_t nx_dns_txt_count(const struct nx_network *n) { return n ? n->dns.ntxts : 0; }

int
nx_dns_txt(const struct nx_network *n, size_t i, const char **name, const char **value)
{
    if (!n || i >= n->dns.ntxts)
        return -ERANGE;
    *name = n->dns.txts[i].name;
    *value = n->dns.txts[i].value;
    return 0;
}

size_t nx_dns_srv_count(const struct nx_network *n) { return n ? n->dns.nsrvs : 0; }

int
nx_dns_srv(const struct nx_network *n, size_t i, const char **service, const char **protocol,
           const char **domain, const char **target, unsigned *port, unsigned *priority,
           unsigned *weight)
{
    if (!n || i >= n->dns.nsrvs)
        return -ERANGE;
    const struct nx_dns_srv *s = &n->dns.srvs[i];
    *service = s->service;
    *protocol = s->protocol;
    *domain = s->domain;
    *target = s->target;
    *port = s->port;
    *priority = s->priority;
    *weight = s->weight;
    return 0;
}
