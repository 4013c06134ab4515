/*
 * netxml_priv.h - internal data model shared by netxml*.c (not public API)
 */
#ifndef VNETD_NETXML_PRIV_H
#define VNETD_NETXML_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netxml.h"

/* libvirt virTristateBool */
enum { NX_TRI_ABSENT = 0, NX_TRI_YES, NX_TRI_NO };

/* libvirt error codes we need (only used to pick the message prefix) */
enum nx_errcode {
    NX_ERR_PLAIN = 0,       /* VIR_ERR_XML_DETAIL, VIR_ERR_SYSTEM_ERROR: "%s" */
    NX_ERR_INTERNAL,        /* "internal error: %s" */
    NX_ERR_XML,             /* "XML error: %s" */
    NX_ERR_CONFIG,          /* "unsupported configuration: %s" */
    NX_ERR_OP_INVALID,      /* "Requested operation is not valid: %s" */
    NX_ERR_UNSUPPORTED,     /* VIR_ERR_OPERATION_UNSUPPORTED: "Operation not supported: %s" */
};

struct nx_err {
    char *buf;
    size_t len;
};

void nx__err(struct nx_err *e, enum nx_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* socket address (libvirt virSocketAddr), family 0 = not set */
struct nx_addr {
    int family;                 /* 0, AF_INET, AF_INET6 */
    unsigned char b[16];        /* network byte order */
    char s[48];                 /* canonical text (virSocketAddrFormat) */
};

struct nx_lease {
    int set;
    unsigned long long expiry;  /* 0 = infinite */
    int unit;                   /* 0 seconds, 1 minutes, 2 hours */
};

struct nx_range {
    struct nx_addr start, end;
    struct nx_lease lease;
};

struct nx_dhcp_host_def {
    char *mac;                  /* as written */
    char *id;
    char *name;
    struct nx_addr ip;
    struct nx_lease lease;
};

struct nx_ip_def {
    char *family;               /* as written, may be NULL */
    struct nx_addr address;
    struct nx_addr netmask;
    unsigned prefix;
    int local_ptr;              /* tristate */
    struct nx_range *ranges;
    size_t nranges;
    struct nx_dhcp_host_def *hosts;
    size_t nhosts;
    char *tftproot;
    char *bootfile;
    struct nx_addr bootserver;
};

struct nx_route_def {
    char *family;
    struct nx_addr address;
    struct nx_addr netmask;
    struct nx_addr gateway;
    unsigned prefix;
    bool has_prefix;
    unsigned metric;
    bool has_metric;
};

struct nx_dns_fwd { struct nx_addr addr; char *domain; };
struct nx_dns_txt { char *name; char *value; };
struct nx_dns_host_def { struct nx_addr ip; char **names; size_t nnames; };
struct nx_dns_srv {
    char *domain, *service, *protocol, *target;
    unsigned port, priority, weight;
};

struct nx_dns {
    int enable;                 /* tristate */
    int forward_plain_names;    /* tristate */
    struct nx_dns_fwd *fwds; size_t nfwds;
    struct nx_dns_txt *txts; size_t ntxts;
    struct nx_dns_host_def *hosts; size_t nhosts;
    struct nx_dns_srv *srvs; size_t nsrvs;
};

struct nx_rate {
    unsigned long long average, peak, burst, floor;
};
struct nx_bandwidth {
    struct nx_rate *in, *out;
};

struct nx_vlan {
    unsigned *tags;
    size_t ntags;
    bool trunk;
    int native_mode;            /* 0 default, 1 tagged, 2 untagged */
    unsigned native_tag;
};

enum { NX_VPORT_NONE = 0, NX_VPORT_8021QBG, NX_VPORT_8021QBH,
       NX_VPORT_OPENVSWITCH, NX_VPORT_MIDONET };

struct nx_vport {
    int type;
    unsigned char manager_id; bool manager_id_set;
    uint32_t type_id; bool type_id_set;
    unsigned char type_id_version; bool type_id_version_set;
    unsigned char instance_id[16]; bool instance_id_set;
    char profile_id[40];
    unsigned char interface_id[16]; bool interface_id_set;
};

struct nx_portgroup {
    char *name;
    bool is_default;
    int trust_guest_rx_filters;  /* tristate */
    struct nx_vport *vport;
    struct nx_bandwidth *bandwidth;
    struct nx_vlan vlan;
};

enum { NX_FIF_NONE = 0, NX_FIF_PCI, NX_FIF_NETDEV };

struct nx_forward_if {
    int type;
    char *dev;                          /* NETDEV */
    unsigned domain, bus, slot, function; /* PCI */
};

struct nx_forward {
    int type;                           /* enum nx_forward_mode */
    bool managed;
    int driver_name;                    /* 0 default, 1 kvm, 2 vfio */
    struct nx_forward_if *ifs; size_t nifs;
    char *pf_dev; size_t npfs;          /* at most one pf */
    struct nx_addr nat_start, nat_end;
    unsigned port_start, port_end;
    int nat_ipv6;                       /* tristate */
};

struct nx_network {
    char *name;
    unsigned char uuid[16];
    bool uuid_specified;
    char *metadata;                     /* serialized <metadata> (level 1) */
    bool ipv6nogw;
    int trust_guest_rx_filters;         /* tristate */
    struct nx_forward forward;
    char *bridge;
    char *bridge_zone;
    bool stp;
    unsigned long delay;
    int mac_table_manager;              /* 0 default, 1 kernel, 2 libvirt */
    unsigned char mac[6];
    bool mac_specified;
    unsigned mtu;
    char *domain;
    int domain_local_only;              /* tristate */
    struct nx_dns dns;
    struct nx_vlan vlan;
    struct nx_bandwidth *bandwidth;
    int isolated_port;                  /* tristate */
    struct nx_ip_def *ips; size_t nips;
    struct nx_route_def *routes; size_t nroutes;
    struct nx_vport *vport;
    struct nx_portgroup *portgroups; size_t nportgroups;
    /* <dnsmasq:options> (namespace NX_DNSMASQ_NS): the bridge driver's
     * xmlns extension, kept and formatted as libvirt does; vnetd has no
     * dnsmasq, so they are reported by nx_unsupported() */
    char **dnsmasq_options; size_t ndnsmasq_options;
};

#define NX_DNSMASQ_NS "http://libvirt.org/schemas/network/dnsmasq/1.0"

/* ---- helpers shared between the netxml*.c files ---- */
const char *nx__tristate_str(int t);

/* virSocketAddrFormat equivalent into a caller buffer (>= 64 bytes) */
const char *nx__addr_fmt(const struct nx_addr *a, char *buf, size_t len);
int nx__addr_parse(struct nx_addr *a, const char *s, int family);
bool nx__addr_equal(const struct nx_addr *a, const struct nx_addr *b);
int nx__ip_prefix(const struct nx_ip_def *ip);
int nx__addr_get_prefix(const struct nx_addr *addr,
                        const struct nx_addr *netmask, int prefix);
int nx__prefix_to_netmask(unsigned prefix, int family, struct nx_addr *out);
int nx__addr_mask(const struct nx_addr *a, const struct nx_addr *mask,
                  struct nx_addr *out);

int nx__validate(struct nx_network *n, bool apply,
                 nx_bridge_in_use_fn cb, void *opaque, struct nx_err *e);

/* ---- netxml_util.c ---- */
#define OOM(e) nx__err((e), NX_ERR_PLAIN, "%s", "out of memory")

extern const char *const nx__fwd_modes[9];
extern const char *const nx__vport_types[5];
extern const char *const nx__lease_units[3];
extern const char *const nx__mtm_names[3];
extern const char *const nx__driver_names[3];
int nx__enum_from(const char *const *tab, size_t n, const char *s);
#define ENUM_FROM(tab, s) nx__enum_from(tab, sizeof(tab) / sizeof(tab[0]), s)
/* tab[v], or NULL when v is out of range */
const char *nx__enum_str(const char *const *tab, size_t n, int v);
#define ENUM_STR(tab, v) nx__enum_str(tab, sizeof(tab) / sizeof(tab[0]), v)
int nx__tristate_from(const char *s);

int nx__str_to_ui(const char *s, int base, unsigned *out);
int nx__str_to_uip(const char *s, int base, unsigned *out);
int nx__str_to_ul(const char *s, int base, bool positive, unsigned long *out);
int nx__str_to_ullp(const char *s, int base, unsigned long long *out);

int nx__addr_parse_report(struct nx_addr *a, const char *s, int family,
                          struct nx_err *e);
int nx__addr_get_range(const struct nx_addr *start, const struct nx_addr *end,
                       const struct nx_addr *network, int prefix,
                       struct nx_err *e);
int nx__mac_parse(const char *str, unsigned char mac[6]);

/* libxml2 access (opaque xmlNode* to keep libxml2 out of this header) */
struct _xmlNode;
bool nx__is_elem(struct _xmlNode *n, const char *name);
struct _xmlNode *nx__child(struct _xmlNode *parent, const char *name);
size_t nx__count_children(struct _xmlNode *parent, const char *name);
#define FOREACH_CHILD(c, parent, name) \
    for ((c) = (parent)->children; (c); (c) = (c)->next) \
        if (nx__is_elem((c), (name)))
char *nx__prop(struct _xmlNode *n, const char *name);
char *nx__xprop(struct _xmlNode *n, const char *name);
char *nx__xtext(struct _xmlNode *n);
int nx__prop_tristate(struct _xmlNode *n, const char *name, int *out,
                      struct nx_err *e);
int nx__prop_uint(struct _xmlNode *n, const char *name, bool nonzero,
                  unsigned *out, struct nx_err *e);
int nx__prop_ull(struct _xmlNode *n, const char *name, int base,
                 unsigned long long *out, struct nx_err *e);
void nx__vlan_clear(struct nx_vlan *v);
void nx__bandwidth_free(struct nx_bandwidth *b);

/* ---- netxml_elems.c ---- */
int nx__xpath_uint_attr(struct _xmlNode *n, const char *name, unsigned *out);
int nx__dns_parse(const char *netname, struct _xmlNode *node, struct nx_dns *d,
                  struct nx_err *e);
int nx__bandwidth_parse(struct _xmlNode *node, struct nx_bandwidth **out,
                        struct nx_err *e);
int nx__vlan_parse(struct _xmlNode *node, struct nx_vlan *v, struct nx_err *e);
int nx__vport_parse(struct _xmlNode *node, bool require_type,
                    struct nx_vport **out, struct nx_err *e);
int nx__portgroup_parse(struct _xmlNode *node, struct nx_portgroup *pg,
                        struct nx_err *e);
int nx__route_parse(const char *netname, struct _xmlNode *node,
                    struct nx_route_def *r, struct nx_err *e);
/* Single-element parsers (also used by netxml_update.c).  partial: the
 * element only names an existing entry to match (libvirt's partialOkay for
 * net-update delete), so required attributes may be missing. */
int nx__dns_host_parse(const char *netname, struct _xmlNode *node,
                       struct nx_dns_host_def *h, bool partial, struct nx_err *e);
int nx__dns_srv_parse(const char *netname, struct _xmlNode *node,
                      struct nx_dns_srv *s, bool partial, struct nx_err *e);
int nx__dns_txt_parse(const char *netname, struct _xmlNode *node,
                      struct nx_dns_txt *t, bool partial, struct nx_err *e);

/* ---- netxml.c ---- */
int nx__dhcp_range_parse(const char *netname, struct nx_ip_def *ip,
                         struct _xmlNode *node, struct nx_range *r,
                         struct nx_err *e);
int nx__dhcp_host_parse(const char *netname, struct nx_ip_def *ip,
                        struct _xmlNode *node, struct nx_dhcp_host_def *h,
                        bool partial, struct nx_err *e);
/* Reads a document the way libvirt's virXMLParseString does (url names it
 * in parser errors); NULL with the message in e.  Returns an xmlDocPtr. */
struct _xmlDoc *nx__read_doc(const char *xml, size_t len, const char *url,
                             struct nx_err *e, int *rc);

/* ---- netxml_util.c: item destructors (leave the item zeroed) ---- */
void nx__dhcp_host_clear(struct nx_dhcp_host_def *h);
void nx__dns_host_clear(struct nx_dns_host_def *h);
void nx__dns_srv_clear(struct nx_dns_srv *s);
void nx__dns_txt_clear(struct nx_dns_txt *t);
void nx__portgroup_clear(struct nx_portgroup *pg);

#endif /* VNETD_NETXML_PRIV_H */
