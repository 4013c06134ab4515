/*
 * netxml.c - libvirt network XML model: parsing, helpers, accessors
 *
 * Behaviour (element handling, checks and message texts) follows libvirt
 * 9.0.0's src/conf/network_conf.c (virNetworkDefParseXML and helpers),
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
/* sub-element parsers                                                  */

static int
lease_parse(xmlNodePtr node, struct nx_lease *lease, struct nx_err *e)
{
    unsigned long long expiry;
    int rc, unit = 1; /* minutes */
    char *u;

    if ((rc = nx__prop_ull(node, "expiry", 0, &expiry, e)) < 0)
        return -1;
    if (rc == 0)
        return 0;
    if ((u = nx__prop(node, "unit"))) {
        unit = ENUM_FROM(nx__lease_units, u);
        if (unit < 0) {
            nx__err(e, NX_ERR_XML,
                    "Invalid value for attribute '%s' in element '%s': '%s'.",
                    "unit", (const char *)node->name, u);
            free(u);
            return -1;
        }
        free(u);
    }
    if (expiry > 0 &&
        ((unit == 0 && expiry < 120) || (unit == 1 && expiry < 2))) {
        nx__err(e, NX_ERR_CONFIG, "%s",
                "The minimum lease time should be greater than 2 minutes");
        return -1;
    }
    lease->set = 1;
    lease->expiry = expiry;
    lease->unit = unit;
    return 0;
}

int
nx__dhcp_range_parse(const char *netname, struct nx_ip_def *ip, xmlNodePtr node,
                     struct nx_range *r, struct nx_err *e)
{
    char *start = NULL, *end = NULL;
    xmlNodePtr lease;
    int ret = -1;

    if (!(start = nx__prop(node, "start"))) {
        nx__err(e, NX_ERR_XML,
                "Missing 'start' attribute in dhcp range for network '%s'",
                netname);
        goto out;
    }
    if (nx__addr_parse_report(&r->start, start, AF_UNSPEC, e) < 0)
        goto out;
    if (!(end = nx__prop(node, "end"))) {
        nx__err(e, NX_ERR_XML,
                "Missing 'end' attribute in dhcp range for network '%s'",
                netname);
        goto out;
    }
    if (nx__addr_parse_report(&r->end, end, AF_UNSPEC, e) < 0)
        goto out;
    if (nx__addr_get_range(&r->start, &r->end, &ip->address,
                       nx__ip_prefix(ip), e) < 0)
        goto out;
    if ((lease = nx__child(node, "lease")) && lease_parse(lease, &r->lease, e) < 0)
        goto out;
    ret = 0;
 out:
    free(start);
    free(end);
    return ret;
}

int
nx__dhcp_host_parse(const char *netname, struct nx_ip_def *ip, xmlNodePtr node,
                    struct nx_dhcp_host_def *h, bool partial, struct nx_err *e)
{
    char *mac = NULL, *id = NULL, *name = NULL, *ipstr = NULL;
    unsigned char addr[6];
    xmlNodePtr lease;
    int ret = -1;

    if ((mac = nx__prop(node, "mac"))) {
        if (ip->address.family == AF_INET6) {
            nx__err(e, NX_ERR_XML,
                    "Invalid to specify MAC address '%s' in network '%s' IPv6 static host definition",
                    mac, netname);
            goto out;
        }
        if (nx__mac_parse(mac, addr) < 0) {
            nx__err(e, NX_ERR_XML,
                    "Cannot parse MAC address '%s' in network '%s'",
                    mac, netname);
            goto out;
        }
        if (addr[0] & 1) {
            nx__err(e, NX_ERR_XML,
                    "expected unicast mac address, found multicast '%s' in network '%s'",
                    mac, netname);
            goto out;
        }
    }
    if ((id = nx__prop(node, "id"))) {
        char *cp = id + strspn(id, "0123456789abcdefABCDEF:");
        if (*cp) {
            nx__err(e, NX_ERR_XML,
                    "Invalid character '%c' in id '%s' of network '%s'",
                    *cp, id, netname);
            goto out;
        }
    }
    name = nx__prop(node, "name");
    if (name && !isalnum((unsigned char)name[0])) {
        nx__err(e, NX_ERR_XML, "Cannot use host name '%s' in network '%s'",
                name, netname);
        goto out;
    }
    ipstr = nx__prop(node, "ip");
    if (ipstr && nx__addr_parse(&h->ip, ipstr, AF_UNSPEC) < 0) {
        nx__err(e, NX_ERR_XML,
                "Invalid IP address in static host definition for network '%s'",
                netname);
        goto out;
    }
    if (partial) {
        /* a search key: any one of the three will do */
        if (!(mac || name || ipstr)) {
            nx__err(e, NX_ERR_XML,
                    "At least one of name, mac, or ip attribute must be specified for static host definition in network '%s' ",
                    netname);
            goto out;
        }
    } else if (ip->address.family == AF_INET6) {
        if (!(id || name)) {
            nx__err(e, NX_ERR_XML,
                    "Static host definition in IPv6 network '%s' must have id or name attribute",
                    netname);
            goto out;
        }
    } else if (!(mac || name)) {
        nx__err(e, NX_ERR_XML,
                "Static host definition in IPv4 network '%s' must have mac or name attribute",
                netname);
        goto out;
    }
    if (!ipstr && !partial) {
        nx__err(e, NX_ERR_XML,
                "Missing IP address in static host definition for network '%s'",
                netname);
        goto out;
    }
    if ((lease = nx__child(node, "lease")) && lease_parse(lease, &h->lease, e) < 0)
        goto out;
    h->mac = mac;
    h->id = id;
    h->name = name;
    mac = id = name = NULL;
    ret = 0;
 out:
    free(mac);
    free(id);
    free(name);
    free(ipstr);
    return ret;
}

static int
dhcp_parse(const char *netname, xmlNodePtr node, struct nx_ip_def *ip,
           struct nx_err *e)
{
    xmlNodePtr c, bootp;
    size_t n;

    n = nx__count_children(node, "range");
    if (n && !(ip->ranges = calloc(n, sizeof(*ip->ranges))))
        goto oom;
    FOREACH_CHILD(c, node, "range") {
        if (nx__dhcp_range_parse(netname, ip, c, &ip->ranges[ip->nranges], e) < 0)
            return -1;
        ip->nranges++;
    }
    n = nx__count_children(node, "host");
    if (n && !(ip->hosts = calloc(n, sizeof(*ip->hosts))))
        goto oom;
    FOREACH_CHILD(c, node, "host") {
        if (nx__dhcp_host_parse(netname, ip, c, &ip->hosts[ip->nhosts], false, e) < 0)
            return -1;
        ip->nhosts++;
    }
    bootp = nx__child(node, "bootp");
    if (bootp && ip->address.family == AF_INET) {
        char *server = nx__prop(bootp, "server");
        if (!(ip->bootfile = nx__prop(bootp, "file"))) {
            nx__err(e, NX_ERR_XML,
                    "Missing required attribute '%s' in element '%s'",
                    "file", "bootp");
            free(server);
            return -1;
        }
        if (server && nx__addr_parse_report(&ip->bootserver, server,
                                        AF_UNSPEC, e) < 0) {
            free(server);
            return -1;
        }
        free(server);
    }
    return 0;
 oom:
    OOM(e);
    return -1;
}

static int
ip_parse(const char *netname, xmlNodePtr node, struct nx_ip_def *ip,
         struct nx_err *e)
{
    char *address = NULL, *netmask = NULL;
    xmlNodePtr dhcp, tftp;
    int ret = -1;

    ip->family = nx__xprop(node, "family");
    if (!(address = nx__xprop(node, "address"))) {
        nx__err(e, NX_ERR_XML,
                "Missing required address attribute in network '%s'", netname);
        goto out;
    }
    if (nx__addr_parse_report(&ip->address, address, AF_UNSPEC, e) < 0) {
        nx__err(e, NX_ERR_XML, "Invalid address '%s' in network '%s'",
                address, netname);
        goto out;
    }
    netmask = nx__xprop(node, "netmask");
    if (netmask && nx__addr_parse_report(&ip->netmask, netmask, AF_UNSPEC, e) < 0) {
        nx__err(e, NX_ERR_XML, "Invalid netmask '%s' in network '%s'",
                netmask, netname);
        goto out;
    }
    if (nx__prop_uint(node, "prefix", false, &ip->prefix, e) < 0)
        goto out;
    if (nx__prop_tristate(node, "localPtr", &ip->local_ptr, e) < 0)
        goto out;

    if (!ip->family || strcmp(ip->family, "ipv4") == 0) {
        if (ip->address.family != AF_INET) {
            nx__err(e, NX_ERR_CONFIG,
                    "%s family specified for non-IPv4 address '%s' in network '%s'",
                    ip->family ? "ipv4" : "no", address, netname);
            goto out;
        }
        if (netmask) {
            if (ip->netmask.family != AF_INET) {
                nx__err(e, NX_ERR_CONFIG,
                        "Invalid netmask '%s' for address '%s' in network '%s' (both must be IPv4)",
                        netmask, address, netname);
                goto out;
            }
            if (ip->prefix > 0) {
                nx__err(e, NX_ERR_CONFIG,
                        "Network '%s' IP address cannot have both a prefix and a netmask",
                        netname);
                goto out;
            }
        } else if (ip->prefix > 32) {
            nx__err(e, NX_ERR_CONFIG, "Invalid IPv4 prefix '%u' in network '%s'",
                    ip->prefix, netname);
            goto out;
        }
    } else if (strcmp(ip->family, "ipv6") == 0) {
        if (ip->address.family != AF_INET6) {
            nx__err(e, NX_ERR_CONFIG,
                    "Family 'ipv6' specified for non-IPv6 address '%s' in network '%s'",
                    address, netname);
            goto out;
        }
        if (netmask) {
            nx__err(e, NX_ERR_CONFIG,
                    "netmask not allowed for IPv6 address '%s' in network '%s'",
                    address, netname);
            goto out;
        }
        if (ip->prefix > 128) {
            nx__err(e, NX_ERR_CONFIG, "Invalid IPv6 prefix '%u' in network '%s'",
                    ip->prefix, netname);
            goto out;
        }
    } else {
        nx__err(e, NX_ERR_XML, "Unrecognized family '%s' in network '%s'",
                ip->family, netname);
        goto out;
    }

    if ((dhcp = nx__child(node, "dhcp")) && dhcp_parse(netname, dhcp, ip, e) < 0)
        goto out;

    if ((tftp = nx__child(node, "tftp"))) {
        if (ip->address.family != AF_INET) {
            nx__err(e, NX_ERR_CONFIG,
                    "Unsupported <tftp> element in an IPv6 element in network '%s'",
                    netname);
            goto out;
        }
        ip->tftproot = nx__xprop(tftp, "root");
    }
    ret = 0;
 out:
    free(address);
    free(netmask);
    return ret;
}

static int
nat_parse(const char *netname, xmlNodePtr node, struct nx_forward *f,
          struct nx_err *e)
{
    char *as = NULL, *ae = NULL;
    size_t n;
    xmlNodePtr c;
    int ret = -1;

    if (f->type != NX_FWD_NAT) {
        nx__err(e, NX_ERR_XML,
                "The <nat> element can only be used when <forward> 'mode' is 'nat' in network %s",
                netname);
        return -1;
    }
    if (nx__prop_tristate(node, "ipv6", &f->nat_ipv6, e) < 0)
        return -1;

    n = nx__count_children(node, "address");
    if (n > 1) {
        nx__err(e, NX_ERR_XML,
                "Only one <address> element is allowed in <nat> in <forward> in network %s",
                netname);
        return -1;
    } else if (n == 1) {
        c = nx__child(node, "address");
        if (!(as = nx__prop(c, "start"))) {
            nx__err(e, NX_ERR_XML,
                    "missing 'start' attribute in <address> element in <nat> in <forward> in network %s",
                    netname);
            goto out;
        }
        if (!(ae = nx__prop(c, "end"))) {
            nx__err(e, NX_ERR_XML,
                    "missing 'end' attribute in <address> element in <nat> in <forward> in network %s",
                    netname);
            goto out;
        }
    }
    if (as && nx__addr_parse_report(&f->nat_start, as, AF_INET, e) < 0) {
        nx__err(e, NX_ERR_XML,
                "Bad ipv4 start address '%s' in <nat> in <forward> in network '%s'",
                as, netname);
        goto out;
    }
    if (ae && nx__addr_parse_report(&f->nat_end, ae, AF_INET, e) < 0) {
        nx__err(e, NX_ERR_XML,
                "Bad ipv4 end address '%s' in <nat> in <forward> in network '%s'",
                ae, netname);
        goto out;
    }
    if (as && ae &&
        nx__addr_get_range(&f->nat_start, &f->nat_end, NULL, 0, e) < 0)
        goto out;

    n = nx__count_children(node, "port");
    if (n > 1) {
        nx__err(e, NX_ERR_XML,
                "Only one <port> element is allowed in <nat> in <forward> in network %s",
                netname);
        goto out;
    } else if (n == 1) {
        c = nx__child(node, "port");
        if (nx__xpath_uint_attr(c, "start", &f->port_start) < 0 ||
            f->port_start > 65535) {
            nx__err(e, NX_ERR_PLAIN,
                    "Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network %s",
                    netname);
            goto out;
        }
        if (nx__xpath_uint_attr(c, "end", &f->port_end) < 0 ||
            f->port_end > 65535 || f->port_end < f->port_start) {
            nx__err(e, NX_ERR_PLAIN,
                    "Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network %s",
                    netname);
            goto out;
        }
    }
    ret = 0;
 out:
    free(as);
    free(ae);
    return ret;
}

static int
pci_attr(xmlNodePtr node, const char *name, unsigned *out, struct nx_err *e)
{
    char *v = nx__prop(node, name);
    if (v && nx__str_to_uip(v, 0, out) < 0) {
        nx__err(e, NX_ERR_INTERNAL, "Cannot parse <address> '%s' attribute",
                name);
        free(v);
        return -1;
    }
    free(v);
    return 0;
}

static int
forward_parse(const char *netname, xmlNodePtr node, struct nx_forward *f,
              struct nx_err *e)
{
    char *type, *managed, *dev = NULL;
    xmlNodePtr c, drv;
    size_t nifs, naddrs, npfs, nnats, i = 0, j;
    int ret = -1;

    if (!(type = nx__xprop(node, "mode"))) {
        f->type = NX_FWD_NAT;
    } else {
        f->type = ENUM_FROM(nx__fwd_modes, type);
        if (f->type < 0) {
            nx__err(e, NX_ERR_CONFIG, "unknown forwarding type '%s'", type);
            f->type = NX_FWD_NONE;
            free(type);
            return -1;
        }
        free(type);
    }
    if ((managed = nx__xprop(node, "managed"))) {
        if (strcasecmp(managed, "yes") == 0)
            f->managed = true;
        free(managed);
    }
    if ((drv = nx__child(node, "driver"))) {
        char *dn = nx__xprop(drv, "name");
        if (dn) {
            int d = ENUM_FROM(nx__driver_names, dn);
            if (d <= 0) {
                nx__err(e, NX_ERR_CONFIG,
                        "Unknown forward <driver name='%s'/> in network %s",
                        dn, netname);
                free(dn);
                return -1;
            }
            f->driver_name = d;
            free(dn);
        }
    }
    nifs = nx__count_children(node, "interface");
    naddrs = nx__count_children(node, "address");
    npfs = nx__count_children(node, "pf");
    nnats = nx__count_children(node, "nat");
    if (nnats > 1) {
        nx__err(e, NX_ERR_XML,
                "Only one <nat> element is allowed in <forward> of network %s",
                netname);
        return -1;
    } else if (nnats == 1) {
        if (nat_parse(netname, nx__child(node, "nat"), f, e) < 0)
            return -1;
    }

    dev = nx__xprop(node, "dev");
    if (dev && (naddrs > 0 || npfs > 0)) {
        nx__err(e, NX_ERR_XML, "%s",
                "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network %s");
        goto out;
    }

    if (nifs > 0 || dev) {
        if (!(f->ifs = calloc(nifs ? nifs : 1, sizeof(*f->ifs))))
            goto oom;
        if (dev) {
            f->ifs[0].dev = dev;
            f->ifs[0].type = NX_FIF_NETDEV;
            f->nifs = 1;
            dev = NULL;
        }
        i = 0;
        FOREACH_CHILD(c, node, "interface") {
            char *d = nx__prop(c, "dev");
            if (!d) {
                nx__err(e, NX_ERR_XML,
                        "Missing required dev attribute in <forward> <interface> element of network %s",
                        netname);
                goto out;
            }
            if (i == 0 && f->nifs == 1) {
                if (strcmp(d, f->ifs[0].dev) != 0) {
                    nx__err(e, NX_ERR_XML,
                            "<forward dev='%s'> must match first <interface dev='%s'/> in network %s",
                            f->ifs[0].dev, d, netname);
                    free(d);
                    goto out;
                }
                free(d);
                i++;
                continue;
            }
            for (j = 0; j < f->nifs; j++) {
                if (f->ifs[j].dev && strcmp(f->ifs[j].dev, d) == 0) {
                    nx__err(e, NX_ERR_XML,
                            "interface '%s' can only be listed once in network %s",
                            d, netname);
                    free(d);
                    goto out;
                }
            }
            f->ifs[f->nifs].dev = d;
            f->ifs[f->nifs].type = NX_FIF_NETDEV;
            f->nifs++;
            i++;
        }
    } else if (naddrs > 0) {
        if (!(f->ifs = calloc(naddrs, sizeof(*f->ifs))))
            goto oom;
        FOREACH_CHILD(c, node, "address") {
            struct nx_forward_if *fi = &f->ifs[f->nifs];
            char *at = nx__prop(c, "type");
            if (!at) {
                nx__err(e, NX_ERR_XML, "missing address type in network %s",
                        netname);
                goto out;
            }
            if (strcmp(at, "pci") != 0) {
                if (strcmp(at, "none") == 0 || strcmp(at, "netdev") == 0)
                    nx__err(e, NX_ERR_XML,
                            "unsupported address type '%s' in network %s",
                            at, netname);
                else
                    nx__err(e, NX_ERR_CONFIG,
                            "unknown address type '%s' in network %s",
                            at, netname);
                free(at);
                goto out;
            }
            free(at);
            fi->type = NX_FIF_PCI;
            if (pci_attr(c, "domain", &fi->domain, e) < 0 ||
                pci_attr(c, "bus", &fi->bus, e) < 0 ||
                pci_attr(c, "slot", &fi->slot, e) < 0 ||
                pci_attr(c, "function", &fi->function, e) < 0)
                goto out;
            if (fi->domain > 0xFFFF) {
                nx__err(e, NX_ERR_XML,
                        "Invalid PCI address domain='0x%x', must be <= 0xFFFF",
                        fi->domain);
                goto out;
            }
            if (fi->bus > 0xFF) {
                nx__err(e, NX_ERR_XML,
                        "Invalid PCI address bus='0x%x', must be <= 0xFF",
                        fi->bus);
                goto out;
            }
            if (fi->slot > 0x1F) {
                nx__err(e, NX_ERR_XML,
                        "Invalid PCI address slot='0x%x', must be <= 0x1F",
                        fi->slot);
                goto out;
            }
            if (fi->function > 7) {
                nx__err(e, NX_ERR_XML,
                        "Invalid PCI address function=0x%x, must be <= 7",
                        fi->function);
                goto out;
            }
            for (j = 0; j < f->nifs; j++) {
                if (f->ifs[j].domain == fi->domain && f->ifs[j].bus == fi->bus &&
                    f->ifs[j].slot == fi->slot &&
                    f->ifs[j].function == fi->function) {
                    nx__err(e, NX_ERR_XML,
                            "PCI device '%04x:%02x:%02x.%x' can only be listed once in network %s",
                            fi->domain, fi->bus, fi->slot, fi->function,
                            netname);
                    goto out;
                }
            }
            f->nifs++;
        }
    } else if (npfs > 1) {
        nx__err(e, NX_ERR_XML,
                "Only one <pf> element is allowed in <forward> of network %s",
                netname);
        goto out;
    } else if (npfs == 1) {
        if (!(f->pf_dev = nx__prop(nx__child(node, "pf"), "dev"))) {
            nx__err(e, NX_ERR_XML,
                    "Missing required dev attribute in <pf> element of network '%s'",
                    netname);
            goto out;
        }
        f->npfs = 1;
    }
    ret = 0;
 out:
    free(dev);
    return ret;
 oom:
    OOM(e);
    free(dev);
    return -1;
}

/* serialize <metadata> like libvirt: namespace-sanitized, indented level 1 */
static int
metadata_parse(xmlDocPtr doc, xmlNodePtr node, char **out)
{
    xmlNodePtr copy, ch, next;
    xmlBufferPtr buf;
    int old;

    if (!(copy = xmlDocCopyNode(node, doc, 1)))
        return -1;
    /* virXMLNodeSanitizeNamespaces */
    ch = copy->children;
    while (ch) {
        if (!ch->ns || !ch->ns->href) {
            xmlNodePtr d = ch;
            ch = ch->next;
            xmlUnlinkNode(d);
            xmlFreeNode(d);
            continue;
        }
        next = ch->next;
        while (next) {
            xmlNodePtr d = NULL;
            if (next->ns && next->ns->href &&
                xmlStrEqual(ch->ns->href, next->ns->href))
                d = next;
            next = next->next;
            if (d) {
                xmlUnlinkNode(d);
                xmlFreeNode(d);
            }
        }
        ch = ch->next;
    }
    if (!(buf = xmlBufferCreate())) {
        xmlFreeNode(copy);
        return -1;
    }
    old = xmlIndentTreeOutput;
    xmlIndentTreeOutput = 1;
    xmlNodeDump(buf, doc, copy, 1, 1);
    xmlIndentTreeOutput = old;
    *out = strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeNode(copy);
    return *out ? 0 : -1;
}

/* The bridge driver's xmlns extension (networkDnsmasqXMLNamespace):
 * the value of every <option> in <options>, both in namespace
 * NX_DNSMASQ_NS whatever prefix the document binds it to. */
static bool
dnsmasq_elem(xmlNodePtr c, const char *name)
{
    return c && c->type == XML_ELEMENT_NODE && c->ns && c->ns->href &&
           xmlStrEqual(c->ns->href, BAD_CAST NX_DNSMASQ_NS) &&
           xmlStrEqual(c->name, BAD_CAST name);
}

static int
dnsmasq_parse(xmlNodePtr root, struct nx_network *n, struct nx_err *e)
{
    xmlNodePtr o, c;
    size_t cnt = 0;

    for (o = root->children; o; o = o->next)
        if (dnsmasq_elem(o, "options"))
            for (c = o->children; c; c = c->next)
                cnt += dnsmasq_elem(c, "option");
    if (!cnt)
        return 0;
    if (!(n->dnsmasq_options = calloc(cnt, sizeof(char *)))) {
        OOM(e);
        return -1;
    }
    for (o = root->children; o; o = o->next) {
        if (!dnsmasq_elem(o, "options"))
            continue;
        for (c = o->children; c; c = c->next) {
            char *v;
            if (!dnsmasq_elem(c, "option"))
                continue;
            if (!(v = nx__prop(c, "value"))) {
                nx__err(e, NX_ERR_INTERNAL, "%s", "No dnsmasq options value specified");
                return -1;
            }
            n->dnsmasq_options[n->ndnsmasq_options++] = v;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* top level                                                            */

static struct nx_network *
network_parse(xmlDocPtr doc, xmlNodePtr root, struct nx_err *e)
{
    struct nx_network *n = calloc(1, sizeof(*n));
    xmlNodePtr c, br;
    char *uuid = NULL, *ipv6 = NULL, *stp = NULL, *delay = NULL, *mtm = NULL,
         *mac = NULL, *mtu = NULL;
    size_t cnt, i, j;

    if (!n) {
        OOM(e);
        return NULL;
    }

    if (!(n->name = nx__xtext(nx__child(root, "name")))) {
        nx__err(e, NX_ERR_PLAIN, "%s", "missing name information");
        goto err;
    }
    if (strchr(n->name, '/')) {
        nx__err(e, NX_ERR_PLAIN, "invalid char in %s: %c", "name", '/');
        goto err;
    }
    if ((uuid = nx__xtext(nx__child(root, "uuid")))) {
        if (nx_uuid_parse(uuid, n->uuid) < 0) {
            nx__err(e, NX_ERR_INTERNAL, "%s", "malformed uuid element");
            goto err;
        }
        n->uuid_specified = true;
    }
    if ((ipv6 = nx__xprop(root, "ipv6"))) {
        if (strcmp(ipv6, "yes") == 0) {
            n->ipv6nogw = true;
        } else if (strcmp(ipv6, "no") != 0) {
            nx__err(e, NX_ERR_XML, "Invalid ipv6 setting '%s' in network '%s'",
                    ipv6, n->name);
            goto err;
        }
    }
    if (nx__prop_tristate(root, "trustGuestRxFilters",
                      &n->trust_guest_rx_filters, e) < 0)
        goto err;

    if ((c = nx__child(root, "domain"))) {
        n->domain = nx__prop(c, "name");
        if (nx__prop_tristate(c, "localOnly", &n->domain_local_only, e) < 0)
            goto err;
    }
    if ((c = nx__child(root, "bandwidth")) && nx__bandwidth_parse(c, &n->bandwidth, e) < 0)
        goto err;
    if ((c = nx__child(root, "vlan")) && nx__vlan_parse(c, &n->vlan, e) < 0)
        goto err;
    if ((c = nx__child(root, "port")) &&
        nx__prop_tristate(c, "isolated", &n->isolated_port, e) < 0)
        goto err;

    br = nx__child(root, "bridge");
    n->bridge = nx__xprop(br, "name");
    n->bridge_zone = nx__xprop(br, "zone");
    stp = nx__xprop(br, "stp");
    n->stp = !(stp && strcmp(stp, "off") == 0);
    if ((delay = nx__xprop(br, "delay")) && nx__str_to_ul(delay, 10, true, &n->delay) < 0) {
        nx__err(e, NX_ERR_XML, "Invalid delay value in network '%s'", n->name);
        goto err;
    }
    if ((mtm = nx__xprop(br, "macTableManager"))) {
        int m = ENUM_FROM(nx__mtm_names, mtm);
        if (m <= 0) {
            nx__err(e, NX_ERR_XML,
                    "Invalid macTableManager setting '%s' in network '%s'",
                    mtm, n->name);
            goto err;
        }
        n->mac_table_manager = m;
    }

    if ((mac = nx__xprop(nx__child(root, "mac"), "address"))) {
        if (nx__mac_parse(mac, n->mac) < 0) {
            nx__err(e, NX_ERR_XML,
                    "Invalid bridge mac address '%s' in network '%s'",
                    mac, n->name);
            goto err;
        }
        if (n->mac[0] & 1) {
            nx__err(e, NX_ERR_XML,
                    "Invalid multicast bridge mac address '%s' in network '%s'",
                    mac, n->name);
            goto err;
        }
        n->mac_specified = true;
    }
    if ((mtu = nx__xprop(nx__child(root, "mtu"), "size"))) {
        if (nx__str_to_ui(mtu, 10, &n->mtu) < 0) {
            nx__err(e, NX_ERR_XML, "Invalid mtu size '%s' in network '%s'",
                    mtu, n->name);
            goto err;
        }
    }
    if ((c = nx__child(root, "dns")) && nx__dns_parse(n->name, c, &n->dns, e) < 0)
        goto err;
    if ((c = nx__child(root, "virtualport")) && nx__vport_parse(c, true, &n->vport, e) < 0)
        goto err;

    if ((cnt = nx__count_children(root, "portgroup"))) {
        if (!(n->portgroups = calloc(cnt, sizeof(*n->portgroups))))
            goto oom;
        FOREACH_CHILD(c, root, "portgroup") {
            int rc = nx__portgroup_parse(c, &n->portgroups[n->nportgroups], e);
            n->nportgroups++;
            if (rc < 0)
                goto err;
        }
    }
    if ((cnt = nx__count_children(root, "ip"))) {
        if (!(n->ips = calloc(cnt, sizeof(*n->ips))))
            goto oom;
        FOREACH_CHILD(c, root, "ip") {
            int rc = ip_parse(n->name, c, &n->ips[n->nips], e);
            n->nips++;
            if (rc < 0)
                goto err;
        }
    }
    if ((cnt = nx__count_children(root, "route"))) {
        if (!(n->routes = calloc(cnt, sizeof(*n->routes))))
            goto oom;
        FOREACH_CHILD(c, root, "route") {
            int rc = nx__route_parse(n->name, c, &n->routes[n->nroutes], e);
            n->nroutes++;
            if (rc < 0)
                goto err;
        }
        /* static route gateways must be directly reachable */
        for (i = 0; i < n->nroutes; i++) {
            const struct nx_addr *gw = &n->routes[i].gateway;
            bool match = false;
            for (j = 0; j < n->nips; j++) {
                const struct nx_ip_def *ip = &n->ips[j];
                struct nx_addr m, ta, tg;
                int prefix;
                if (gw->family != ip->address.family)
                    continue;
                prefix = nx__ip_prefix(ip);
                if (prefix < 0 ||
                    nx__prefix_to_netmask((unsigned)prefix, gw->family, &m) < 0)
                    continue;
                nx__addr_mask(&ip->address, &m, &ta);
                nx__addr_mask(gw, &m, &tg);
                if (nx__addr_equal(&ta, &tg)) {
                    match = true;
                    break;
                }
            }
            if (!match) {
                char gws[64];
                nx__err(e, NX_ERR_CONFIG,
                        "unreachable static route gateway '%s' specified for network '%s'",
                        nx__addr_fmt(gw, gws, sizeof(gws)), n->name);
                goto err;
            }
        }
    }

    if ((c = nx__child(root, "forward")) &&
        forward_parse(n->name, c, &n->forward, e) < 0)
        goto err;

    switch (n->forward.type) {
    case NX_FWD_NONE:
        break;
    case NX_FWD_ROUTE:
    case NX_FWD_NAT:
    case NX_FWD_OPEN:
        if (n->nips == 0) {
            nx__err(e, NX_ERR_XML,
                    "%s forwarding requested, but no IP address provided for network '%s'",
                    nx__fwd_modes[n->forward.type], n->name);
            goto err;
        }
        if (n->forward.nifs > 1) {
            nx__err(e, NX_ERR_XML,
                    "multiple forwarding interfaces specified for network '%s', only one is supported",
                    n->name);
            goto err;
        }
        if (n->forward.type == NX_FWD_OPEN && n->forward.nifs) {
            nx__err(e, NX_ERR_XML,
                    "forward dev not allowed for network '%s' with forward mode='%s'",
                    n->name, nx__fwd_modes[n->forward.type]);
            goto err;
        }
        break;
    case NX_FWD_PRIVATE:
    case NX_FWD_VEPA:
    case NX_FWD_PASSTHROUGH:
    case NX_FWD_HOSTDEV:
        if (n->bridge) {
            nx__err(e, NX_ERR_XML,
                    "bridge name not allowed in %s mode (network '%s')",
                    nx__fwd_modes[n->forward.type], n->name);
            goto err;
        }
        if (n->bridge_zone) {
            nx__err(e, NX_ERR_XML,
                    "bridge zone not allowed in %s mode (network '%s')",
                    nx__fwd_modes[n->forward.type], n->name);
            goto err;
        }
        if (n->mac_table_manager) {
            nx__err(e, NX_ERR_XML,
                    "bridge macTableManager setting not allowed in %s mode (network '%s')",
                    nx__fwd_modes[n->forward.type], n->name);
            goto err;
        }
        /* fall through */
    case NX_FWD_BRIDGE:
        if (n->delay || stp || n->bridge_zone) {
            nx__err(e, NX_ERR_XML,
                    "bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in %s (network '%s')",
                    nx__fwd_modes[n->forward.type], n->name);
            goto err;
        }
        if (n->bridge && (n->forward.nifs || n->forward.npfs)) {
            nx__err(e, NX_ERR_XML,
                    "A network with forward mode='%s' can specify a bridge name or a forward dev, but not both (network '%s')",
                    nx__fwd_modes[n->forward.type], n->name);
            goto err;
        }
        break;
    default:
        break;
    }

    if (n->mtu && n->forward.type >= NX_FWD_BRIDGE) {
        nx__err(e, NX_ERR_XML,
                "mtu size only allowed in open, route, nat, and isolated mode, not in %s (network '%s')",
                nx__fwd_modes[n->forward.type], n->name);
        goto err;
    }

    if ((c = nx__child(root, "metadata")) && metadata_parse(doc, c, &n->metadata) < 0)
        goto oom;
    if (dnsmasq_parse(root, n, e) < 0)
        goto err;

    free(uuid); free(ipv6); free(stp); free(delay); free(mtm); free(mac);
    free(mtu);
    return n;
 oom:
    OOM(e);
 err:
    free(uuid); free(ipv6); free(stp); free(delay); free(mtm); free(mac);
    free(mtu);
    nx_free(n);
    return NULL;
}

/* catchXMLError equivalent */
struct parse_priv {
    struct nx_err *e;
    bool reported;
};

static void
xml_error_cb(void *ctx, const char *msg, ...)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_priv *pp;
    const xmlChar *cur, *base;
    size_t col, n, clen;
    char *ctxstr, *ptrstr;

    (void)msg;
    if (!ctxt || !ctxt->_private)
        return;
    pp = ctxt->_private;
    if (pp->reported || !ctxt->input ||
        ctxt->lastError.level != XML_ERR_FATAL || !ctxt->lastError.message)
        return;

    cur = ctxt->input->cur;
    base = ctxt->input->base;
    while (cur > base && (*cur == '\n' || *cur == '\r'))
        cur--;
    while (cur > base && *cur != '\n' && *cur != '\r')
        cur--;
    if (*cur == '\n' || *cur == '\r')
        cur++;
    col = (size_t)(ctxt->input->cur - cur);

    for (clen = 0; cur[clen] && cur[clen] != '\n' && cur[clen] != '\r'; clen++)
        ;
    ctxstr = malloc(clen + 1);
    ptrstr = malloc(clen + 2);
    if (!ctxstr || !ptrstr) {
        free(ctxstr);
        free(ptrstr);
        return;
    }
    memcpy(ctxstr, cur, clen);
    ctxstr[clen] = 0;
    for (n = 0; n < col && ctxstr[n]; n++)
        ptrstr[n] = ctxstr[n] == '\t' ? '\t' : '-';
    ptrstr[n++] = '^';
    ptrstr[n] = 0;

    if (ctxt->lastError.file)
        nx__err(pp->e, NX_ERR_PLAIN, "%s:%d: %s%s\n%s",
                ctxt->lastError.file, ctxt->lastError.line,
                ctxt->lastError.message, ctxstr, ptrstr);
    else
        nx__err(pp->e, NX_ERR_PLAIN, "at line %d: %s%s\n%s",
                ctxt->lastError.line, ctxt->lastError.message, ctxstr, ptrstr);
    pp->reported = true;
    free(ctxstr);
    free(ptrstr);
}

struct _xmlDoc *
nx__read_doc(const char *xml, size_t len, const char *url, struct nx_err *e,
             int *rc)
{
    struct parse_priv pp = { e, false };
    xmlParserCtxtPtr pctxt;
    xmlDocPtr doc;
    char *copy;
    size_t clen;

    clen = xml ? strnlen(xml, len) : 0;
    if (!(copy = malloc(clen + 1))) {
        OOM(e);
        *rc = -ENOMEM;
        return NULL;
    }
    if (clen)
        memcpy(copy, xml, clen);
    copy[clen] = 0;

    if (!(pctxt = xmlNewParserCtxt()) || !pctxt->sax) {
        xmlFreeParserCtxt(pctxt);
        free(copy);
        OOM(e);
        *rc = -ENOMEM;
        return NULL;
    }
    pctxt->_private = &pp;
    pctxt->sax->error = xml_error_cb;
    doc = xmlCtxtReadDoc(pctxt, BAD_CAST copy, url, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOWARNING |
                         XML_PARSE_NOBLANKS);
    xmlFreeParserCtxt(pctxt);
    free(copy);
    if (!doc) {
        if (!pp.reported)
            nx__err(e, NX_ERR_XML, "failed to parse xml document '%s'", url);
        *rc = -EINVAL;
        return NULL;
    }
    if (!xmlDocGetRootElement(doc)) {
        nx__err(e, NX_ERR_INTERNAL, "%s", "missing root element");
        xmlFreeDoc(doc);
        *rc = -EINVAL;
        return NULL;
    }
    *rc = 0;
    return doc;
}

int
nx_parse(const char *xml, size_t len, struct nx_network **out,
         char *err, size_t errlen)
{
    struct nx_err e = { err, errlen };
    xmlDocPtr doc;
    xmlNodePtr root;
    int rc;

    if (err && errlen)
        err[0] = 0;
    if (!out || (!xml && len))
        return -EINVAL;
    *out = NULL;

    if (!(doc = nx__read_doc(xml, len, "(network_definition)", &e, &rc)))
        return rc;
    root = xmlDocGetRootElement(doc);
    if (!xmlStrEqual(root->name, BAD_CAST "network")) {
        nx__err(&e, NX_ERR_XML, "expecting root element of '%s', not '%s'",
                "network", (const char *)root->name);
        xmlFreeDoc(doc);
        return -EINVAL;
    }
    *out = network_parse(doc, root, &e);
    xmlFreeDoc(doc);
    return *out ? 0 : -EINVAL;
}

struct nx_network *
nx_copy(const struct nx_network *n)
{
    struct nx_network *c = NULL;
    char *xml;

    if (!n)
        return NULL;
    if (!(xml = nx_format(n, 0)))
        return NULL;
    if (nx_parse(xml, strlen(xml), &c, NULL, 0) < 0)
        c = NULL;
    free(xml);
    return c;
}

