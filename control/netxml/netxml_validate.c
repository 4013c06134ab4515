/*
 * netxml_validate.c - libvirt network XML model: define-time validation and
 * driver defaults (equivalent of the bridge driver's networkValidate() in
 * libvirt 9.0.0 src/network/bridge_driver.c), plus the "unsupported
 * feature" report used by vnetd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include "netxml_priv.h"

#define MAX_BRIDGE_ID 256

static int
random_bytes(unsigned char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t r = getrandom(buf + off, len - off, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        off += (size_t)r;
    }
    return 0;
}

int
nx_uuid_generate(unsigned char uuid[16])
{
    int rc = random_bytes(uuid, 16);
    if (rc < 0)
        return rc;
    /* RFC 4122 version 4, variant 10xx (as virUUIDGenerate) */
    uuid[6] = (unsigned char)((uuid[6] & 0x0F) | 0x40);
    uuid[8] = (unsigned char)((uuid[8] & 0x3F) | 0x80);
    return 0;
}

/* "virbr%d"-style template expansion without handing user text to printf */
static int
expand_template(const char *templ, int id, char *out, size_t len)
{
    const char *p = strstr(templ, "%d");
    int n;

    if (!p)
        return -1;
    n = snprintf(out, len, "%.*s%d%s", (int)(p - templ), templ, id, p + 2);
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static int
bridge_name_assign(struct nx_network *n, nx_bridge_in_use_fn cb, void *opaque,
                   struct nx_err *e)
{
    const char *templ = "virbr%d";
    const char *p;
    char name[256];
    int id;

    if (n->bridge && !strstr(n->bridge, "%d")) {
        if (cb && cb(n->bridge, opaque)) {
            nx__err(e, NX_ERR_INTERNAL, "bridge name '%s' already in use.",
                    n->bridge);
            return -EEXIST;
        }
        return 0;
    }
    if (n->bridge && (p = strchr(n->bridge, '%')) == strrchr(n->bridge, '%') &&
        p && p[1] == 'd')
        templ = n->bridge;

    for (id = 0; id <= MAX_BRIDGE_ID; id++) {
        if (expand_template(templ, id, name, sizeof(name)) < 0)
            break;
        if (!cb || !cb(name, opaque)) {
            char *dup = strdup(name);
            if (!dup) {
                nx__err(e, NX_ERR_PLAIN, "%s", "out of memory");
                return -ENOMEM;
            }
            free(n->bridge);
            n->bridge = dup;
            return 0;
        }
    }
    nx__err(e, NX_ERR_INTERNAL, "Bridge generation exceeded max id %d",
            MAX_BRIDGE_ID);
    return -ENOSPC;
}

int
nx__validate(struct nx_network *n, bool apply, nx_bridge_in_use_fn cb,
             void *opaque, struct nx_err *e)
{
    const char *mode = nx_forward_mode_str((enum nx_forward_mode)n->forward.type);
    bool bandwidth_allowed = false, uses_if = false, uses_addr = false;
    bool v4dhcp = false, v6dhcp = false, vlan_used, vlan_allowed;
    bool bad_vlan = false;
    const struct nx_portgroup *defpg = NULL;
    size_t i, j;
    int rc;

    if (strchr(n->name, '\n')) {
        nx__err(e, NX_ERR_PLAIN, "invalid char in %s: %c", "name", '\n');
        return -EINVAL;
    }

    if (apply && !n->uuid_specified) {
        if ((rc = nx_uuid_generate(n->uuid)) < 0) {
            nx__err(e, NX_ERR_INTERNAL, "%s", "Failed to generate UUID");
            return rc;
        }
        n->uuid_specified = true;
    }

    switch (n->forward.type) {
    case NX_FWD_NONE:
    case NX_FWD_NAT:
    case NX_FWD_ROUTE:
    case NX_FWD_OPEN:
        if (apply) {
            if ((rc = bridge_name_assign(n, cb, opaque, e)) < 0)
                return rc;
            if (!n->mac_specified) {
                n->mac[0] = 0x52;
                n->mac[1] = 0x54;
                n->mac[2] = 0x00;
                if ((rc = random_bytes(n->mac + 3, 3)) < 0) {
                    nx__err(e, NX_ERR_INTERNAL, "%s",
                            "Failed to generate MAC address");
                    return rc;
                }
                n->mac_specified = true;
            }
        }
        bandwidth_allowed = true;
        break;
    case NX_FWD_BRIDGE:
        if (n->bridge)
            bandwidth_allowed = true;
        /* fall through */
    default:
        if (n->mac_specified) {
            nx__err(e, NX_ERR_CONFIG,
                    "Unsupported <mac> element in network %s with forward mode='%s'",
                    n->name, mode);
            return -EINVAL;
        }
        if (n->nips) {
            nx__err(e, NX_ERR_CONFIG,
                    "Unsupported <ip> element in network %s with forward mode='%s'",
                    n->name, mode);
            return -EINVAL;
        }
        if (n->dns.ntxts || n->dns.nhosts || n->dns.nsrvs) {
            nx__err(e, NX_ERR_CONFIG,
                    "Unsupported <dns> element in network %s with forward mode='%s'",
                    n->name, mode);
            return -EINVAL;
        }
        if (n->domain) {
            nx__err(e, NX_ERR_CONFIG,
                    "Unsupported <domain> element in network %s with forward mode='%s'",
                    n->name, mode);
            return -EINVAL;
        }
        break;
    }

    if (n->bandwidth && !bandwidth_allowed) {
        nx__err(e, NX_ERR_CONFIG,
                "Unsupported network-wide <bandwidth> element in network %s with forward mode='%s'",
                n->name, mode);
        return -EINVAL;
    }

    for (i = 0; i < n->forward.nifs; i++) {
        const struct nx_forward_if *fi = &n->forward.ifs[i];
        if (fi->type == NX_FIF_NETDEV) {
            uses_if = true;
            if (n->forward.type == NX_FWD_HOSTDEV) {
                nx__err(e, NX_ERR_CONFIG,
                        "hostdev network '%s' lists '%s' in the device pool, but hostdev networks require all devices to be listed by PCI address, not network device name",
                        n->name, fi->dev);
                return -EINVAL;
            }
        } else if (fi->type == NX_FIF_PCI) {
            uses_addr = true;
            if (n->forward.type != NX_FWD_HOSTDEV) {
                nx__err(e, NX_ERR_CONFIG,
                        "network '%s' has forward mode '%s' but lists a device by PCI address in the device pool. This is only supported for networks with forward mode 'hostdev'",
                        n->name, mode);
                return -EINVAL;
            }
            /* libvirt also checks that the device is an SR-IOV VF (sysfs);
             * host-dependent, not done here. */
        }
    }
    if ((n->forward.npfs > 0) + uses_if + uses_addr > 1) {
        nx__err(e, NX_ERR_CONFIG,
                "<address>, <interface>, and <pf> elements of <forward> in network %s are mutually exclusive",
                n->name);
        return -EINVAL;
    }

    for (i = 0; i < n->nips; i++) {
        const struct nx_ip_def *ip = &n->ips[i];
        if (!(ip->nranges || ip->nhosts))
            continue;
        if (ip->address.family == AF_INET) {
            if (v4dhcp) {
                nx__err(e, NX_ERR_CONFIG, "%s",
                        "Multiple IPv4 dhcp sections found -- dhcp is supported only for a single IPv4 address on each network");
                return -EINVAL;
            }
            v4dhcp = true;
        } else if (ip->address.family == AF_INET6) {
            if (v6dhcp) {
                nx__err(e, NX_ERR_CONFIG, "%s",
                        "Multiple IPv6 dhcp sections found -- dhcp is supported only for a single IPv6 address on each network");
                return -EINVAL;
            }
            v6dhcp = true;
        }
    }

    vlan_allowed = n->forward.type == NX_FWD_HOSTDEV ||
                   n->forward.type == NX_FWD_PASSTHROUGH ||
                   (n->forward.type == NX_FWD_BRIDGE && n->vport &&
                    n->vport->type == NX_VPORT_OPENVSWITCH);
    vlan_used = n->vlan.ntags > 0;
    for (i = 0; i < n->nportgroups; i++) {
        const struct nx_portgroup *pg = &n->portgroups[i];
        if (vlan_used || pg->vlan.ntags > 0) {
            if (pg->vport) {
                if (n->forward.type != NX_FWD_BRIDGE ||
                    pg->vport->type != NX_VPORT_OPENVSWITCH)
                    bad_vlan = true;
            } else if (!vlan_allowed) {
                bad_vlan = true;
            }
        }
        if (pg->is_default) {
            if (defpg) {
                nx__err(e, NX_ERR_CONFIG,
                        "network '%s' has multiple default <portgroup> elements (%s and %s), but only one default is allowed",
                        n->name, defpg->name, pg->name);
                return -EINVAL;
            }
            defpg = pg;
        }
        for (j = i + 1; j < n->nportgroups; j++) {
            if (strcmp(pg->name, n->portgroups[j].name) == 0) {
                nx__err(e, NX_ERR_CONFIG,
                        "multiple <portgroup> elements with the same name (%s) in network '%s'",
                        pg->name, n->name);
                return -EINVAL;
            }
        }
        if (pg->bandwidth && !bandwidth_allowed) {
            nx__err(e, NX_ERR_CONFIG,
                    "Unsupported <bandwidth> element in network '%s' in portgroup '%s' with forward mode='%s'",
                    n->name, pg->name, mode);
            return -EINVAL;
        }
    }
    if (bad_vlan || (vlan_used && !vlan_allowed && !defpg)) {
        nx__err(e, NX_ERR_CONFIG,
                "<vlan> element specified for network %s, whose type doesn't support vlan configuration",
                n->name);
        return -EINVAL;
    }
    if (n->forward.type == NX_FWD_HOSTDEV) {
        for (i = 0; i < n->nportgroups; i++) {
            if (n->portgroups[i].bandwidth) {
                nx__err(e, NX_ERR_CONFIG,
                        "unsupported <bandwidth> element in <portgroup name='%s'> of network '%s' with forward mode='%s'",
                        n->portgroups[i].name, n->name, mode);
                return -EINVAL;
            }
        }
    }
    return 0;
}

int
nx_apply_driver_defaults(struct nx_network *n, nx_bridge_in_use_fn cb,
                         void *opaque, char *err, size_t errlen)
{
    struct nx_err e = { err, errlen };

    if (err && errlen)
        err[0] = 0;
    if (!n)
        return -EINVAL;
    return nx__validate(n, true, cb, opaque, &e);
}

int
nx_validate(const struct nx_network *n, char *err, size_t errlen)
{
    struct nx_err e = { err, errlen };

    if (err && errlen)
        err[0] = 0;
    if (!n)
        return -EINVAL;
    /* apply=false never writes to *n */
    return nx__validate((struct nx_network *)n, false, NULL, NULL, &e);
}

struct list {
    char *buf;
    size_t len;
    size_t need;
};

static void
list_add(struct list *l, const char *item)
{
    const char *sep = l->need ? ", " : "";
    int n;

    if (l->len > l->need) {
        n = snprintf(l->buf + l->need, l->len - l->need, "%s%s", sep, item);
    } else {
        n = (int)(strlen(sep) + strlen(item));
    }
    if (n > 0)
        l->need += (size_t)n;
}

int
nx_unsupported(const struct nx_network *n, char *buf, size_t len)
{
    struct list l = { buf, len, 0 };
    bool bw, pg_vlan = false, pg_vport = false;
    size_t i;
    char tmp[64];

    if (!n)
        return -EINVAL;
    if (buf && len)
        buf[0] = 0;
    else
        l.len = 0;

    switch (n->forward.type) {
    case NX_FWD_BRIDGE:
    case NX_FWD_PRIVATE:
    case NX_FWD_VEPA:
    case NX_FWD_PASSTHROUGH:
    case NX_FWD_HOSTDEV:
        snprintf(tmp, sizeof(tmp), "forward mode='%s'",
                 nx_forward_mode_str((enum nx_forward_mode)n->forward.type));
        list_add(&l, tmp);
        break;
    default:
        break;
    }
    for (i = 0; i < n->forward.nifs; i++) {
        if (n->forward.ifs[i].type == NX_FIF_NETDEV) {
            list_add(&l, "forward dev");
            break;
        }
    }
    for (i = 0; i < n->forward.nifs; i++) {
        if (n->forward.ifs[i].type == NX_FIF_PCI) {
            list_add(&l, "forward address");
            break;
        }
    }
    if (n->forward.npfs)
        list_add(&l, "forward pf");
    if (n->forward.driver_name)
        list_add(&l, "forward driver");

    bw = n->bandwidth != NULL;
    for (i = 0; i < n->nportgroups; i++) {
        if (n->portgroups[i].bandwidth)
            bw = true;
        if (n->portgroups[i].vlan.ntags)
            pg_vlan = true;
        if (n->portgroups[i].vport)
            pg_vport = true;
    }
    if (bw)
        list_add(&l, "bandwidth");
    if (n->nportgroups)
        list_add(&l, "portgroup");
    if (n->vport || pg_vport)
        list_add(&l, "virtualport");
    if (n->vlan.ntags || pg_vlan)
        list_add(&l, "vlan");
    if (n->isolated_port)
        list_add(&l, "port isolated");
    if (n->trust_guest_rx_filters)
        list_add(&l, "trustGuestRxFilters");
    if (n->bridge_zone)
        list_add(&l, "bridge zone");
    if (n->mac_table_manager)
        list_add(&l, "bridge macTableManager");
    for (i = 0; i < n->nips; i++) {
        if (n->ips[i].tftproot) {
            list_add(&l, "tftp");
            break;
        }
    }
    for (i = 0; i < n->nips; i++) {
        if (n->ips[i].bootfile) {
            list_add(&l, "bootp");
            break;
        }
    }
    for (i = 0; i < n->nips; i++) {
        if (n->ips[i].local_ptr) {
            list_add(&l, "localPtr");
            break;
        }
    }
    if (n->ndnsmasq_options)
        list_add(&l, "dnsmasq:options");
    return l.need > (size_t)0x7fffffff ? -EOVERFLOW : (int)l.need;
}
