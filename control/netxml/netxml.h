/*
 * netxml.h - libvirt network XML model (libvirt 9.0.0 compatible)
 *
 * Design note
 * -----------
 * Users: the control daemon (net-define / net-create / net-dumpxml /
 * net-info), the dataplane configuration code (bridge, forward mode, NAT,
 * routes, MTU) and the DHCP/DNS server (ranges, static hosts, leases).
 *
 * Model: `struct nx_network` is opaque.  nx_parse() performs what libvirt's
 * virNetworkDefParse() does (XML well-formedness + parse-time semantic
 * checks); it does NOT apply any driver defaults (no uuid generation, no
 * bridge name, no MAC), so nx_format() of a freshly parsed document equals
 * libvirt's networkxml2xmltest output byte for byte.
 * nx_apply_driver_defaults() is the equivalent of the bridge driver's
 * networkValidate() (checks + uuid/bridge/MAC assignment) and must be called
 * at net-define / net-create time.  nx_validate() runs the same checks
 * without mutating anything.
 *
 * Ownership: every constructor (nx_parse, nx_copy) returns a new object
 * owned by the caller, released with nx_free() (nx_free(NULL) is a no-op).
 * nx_format() returns a malloc'd string the caller free()s.  `const char *`
 * returned by accessors point into the object and live until it is freed
 * or modified.  Objects are not internally locked: one writer at a time.
 *
 * Updates: nx_update() is virsh net-update on a definition (one entry of
 * one section), with libvirt's matching rules and messages.
 *
 * Errors: functions returning int return 0 on success or a negative errno
 * (-EINVAL for invalid XML/config, -ENOMEM, -ENOENT for "absent",
 * -ERANGE for out-of-range index).  When a caller buffer (err, errlen) is
 * given, it receives libvirt's message text exactly as virsh prints it
 * after "error: " (e.g. "XML error: ...", "unsupported configuration: ...",
 * "internal error: ..."). err may be NULL.
 */
#ifndef VNETD_NETXML_H
#define VNETD_NETXML_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nx_network;

enum nx_forward_mode {
    NX_FWD_NONE = 0,    /* isolated: no <forward> (or mode='none') */
    NX_FWD_NAT,
    NX_FWD_ROUTE,
    NX_FWD_OPEN,
    NX_FWD_BRIDGE,
    NX_FWD_PRIVATE,
    NX_FWD_VEPA,
    NX_FWD_PASSTHROUGH,
    NX_FWD_HOSTDEV,
};

/* nx_format() flags */
#define NX_FMT_INACTIVE 0x1u   /* VIR_NETWORK_XML_INACTIVE (no runtime data) */

/* Parse a network XML document (len bytes; the text stops at the first NUL
 * like libvirt's string parser).  On success *out owns a new network. */
int nx_parse(const char *xml, size_t len, struct nx_network **out,
             char *err, size_t errlen);

/* libvirt's virNetworkDefFormat() output; malloc'd, NULL on ENOMEM. */
char *nx_format(const struct nx_network *n, unsigned flags);

struct nx_network *nx_copy(const struct nx_network *n);
void nx_free(struct nx_network *n);

/* Callback for bridge-name selection.  Return nonzero when `name` is taken
 * (by another network -- NOT the one being defined, which libvirt skips --
 * or by an existing host interface).  Also consulted for an explicitly
 * configured name: a nonzero answer then yields libvirt's
 * "internal error: bridge name 'X' already in use." */
typedef int (*nx_bridge_in_use_fn)(const char *name, void *opaque);

/* Bridge-driver define-time processing (networkValidate): rejects newlines
 * in the name and forward-mode incompatibilities, generates a v4 uuid if
 * none was given, picks the first free virbrN (or expands a "%d" template)
 * for nat/route/open/isolated networks, generates a 52:54:00:xx:xx:xx MAC
 * for them when absent.  bridge_in_use may be NULL (nothing is taken). */
int nx_apply_driver_defaults(struct nx_network *n,
                             nx_bridge_in_use_fn bridge_in_use, void *opaque,
                             char *err, size_t errlen);

/* The same checks as nx_apply_driver_defaults() without changing n. */
int nx_validate(const struct nx_network *n, char *err, size_t errlen);

/* Comma-separated list of configured features that are kept for round trip
 * but not implemented by vnetd (e.g. "bandwidth, portgroup, forward dev"),
 * "" when none.  Returns the length needed (excl. NUL, like snprintf) or
 * a negative errno. */
int nx_unsupported(const struct nx_network *n, char *buf, size_t len);

/* ---- identity ---- */
const char *nx_name(const struct nx_network *n);
int nx_has_uuid(const struct nx_network *n);
void nx_uuid(const struct nx_network *n, unsigned char out[16]); /* zeros if none */
int nx_uuid_str(const struct nx_network *n, char *buf, size_t len); /* needs 37 */
int nx_set_name(struct nx_network *n, const char *name);
int nx_set_uuid(struct nx_network *n, const unsigned char uuid[16]);
/* libvirt-compatible helpers */
int nx_uuid_parse(const char *str, unsigned char uuid[16]);
void nx_uuid_format(const unsigned char uuid[16], char buf[37]);
int nx_uuid_generate(unsigned char uuid[16]);

/* ---- L2 / forward ---- */
const char *nx_bridge_name(const struct nx_network *n);    /* NULL if none */
int nx_set_bridge_name(struct nx_network *n, const char *name);
int nx_bridge_stp(const struct nx_network *n);             /* 1 on (default) */
unsigned long nx_bridge_delay(const struct nx_network *n);
enum nx_forward_mode nx_forward_mode(const struct nx_network *n);
const char *nx_forward_mode_str(enum nx_forward_mode m);   /* "nat", ... */
const char *nx_forward_dev(const struct nx_network *n);    /* first netdev or NULL */
size_t nx_forward_if_count(const struct nx_network *n);
const char *nx_forward_if(const struct nx_network *n, size_t i);
int nx_mac(const struct nx_network *n, unsigned char mac[6]); /* -ENOENT */
unsigned nx_mtu(const struct nx_network *n);                /* 0 if none */
int nx_ipv6_nogw(const struct nx_network *n);               /* <network ipv6='yes'> */

/* ---- DNS ---- */
const char *nx_domain(const struct nx_network *n);          /* NULL if none */
int nx_domain_local_only(const struct nx_network *n);       /* 1 yes, 0 no/unset */
int nx_dns_enabled(const struct nx_network *n);             /* 0 only for enable='no' */
int nx_dns_forward_plain_names(const struct nx_network *n); /* 1 yes(default), 0 no */
size_t nx_dns_forwarder_count(const struct nx_network *n);
/* addr: textual IP or NULL, domain: NULL if none */
int nx_dns_forwarder(const struct nx_network *n, size_t i,
                     const char **addr, const char **domain);
size_t nx_dns_host_count(const struct nx_network *n);
int nx_dns_host(const struct nx_network *n, size_t i, int *family,
                const char **ip, size_t *nnames);
const char *nx_dns_host_name(const struct nx_network *n, size_t i, size_t j);
size_t nx_dns_txt_count(const struct nx_network *n);
int nx_dns_txt(const struct nx_network *n, size_t i, const char **name, const char **value);
size_t nx_dns_srv_count(const struct nx_network *n);
/* strings NULL when absent; numbers 0 when absent */
int nx_dns_srv(const struct nx_network *n, size_t i, const char **service, const char **protocol,
               const char **domain, const char **target, unsigned *port, unsigned *priority,
               unsigned *weight);

/* ---- IP ---- */
size_t nx_ip_count(const struct nx_network *n);
/* family AF_INET/AF_INET6, address text, effective prefix */
int nx_ip(const struct nx_network *n, size_t i, int *family,
          const char **address, int *prefix);
/* first IPv4 <ip>; -ENOENT when there is none */
int nx_ipv4(const struct nx_network *n, uint32_t *addr /* host order */,
            int *prefix);

/* DHCPv4: refers to the IPv4 <ip> that carries <dhcp> (libvirt allows one) */
size_t nx_dhcp_range_count(const struct nx_network *n);
int nx_dhcp_range(const struct nx_network *n, size_t i,
                  uint32_t *start, uint32_t *end, /* host order */
                  unsigned *lease_secs /* 0 = not set */,
                  int *lease_infinite);
size_t nx_dhcp_host_count(const struct nx_network *n);
/* has_mac=0 when the host has no mac; name NULL when absent; ip 0 when none */
int nx_dhcp_host(const struct nx_network *n, size_t i,
                 int *has_mac, unsigned char mac[6], const char **name,
                 uint32_t *ip, unsigned *lease_secs, int *lease_infinite);
const char *nx_dhcp_bootp_file(const struct nx_network *n);
int nx_dhcp_bootp_server(const struct nx_network *n, uint32_t *server);
const char *nx_tftp_root(const struct nx_network *n);

/* ---- static routes ---- */
size_t nx_route_count(const struct nx_network *n);
int nx_route(const struct nx_network *n, size_t i, int *family,
             const char **address, int *prefix, const char **gateway,
             unsigned *metric /* 0 = unset */);

/* ---- NAT ---- */
/* -ENOENT if the mode is not nat. Absent values are returned as 0. */
int nx_nat_range(const struct nx_network *n, uint32_t *addr_start,
                 uint32_t *addr_end, unsigned *port_start,
                 unsigned *port_end);
int nx_nat_ipv6(const struct nx_network *n);

/* ---- net-update (virNetworkUpdate; control/netxml/netxml_update.c) ---- */
/* libvirt's virNetworkUpdateCommand and virNetworkUpdateSection values */
enum nx_update_command {
    NX_UPD_MODIFY = 1, NX_UPD_DELETE, NX_UPD_ADD_LAST, NX_UPD_ADD_FIRST,
};
enum nx_update_section {
    NX_SEC_BRIDGE = 1, NX_SEC_DOMAIN, NX_SEC_IP, NX_SEC_IP_DHCP_HOST,
    NX_SEC_IP_DHCP_RANGE, NX_SEC_FORWARD, NX_SEC_FORWARD_INTERFACE,
    NX_SEC_FORWARD_PF, NX_SEC_PORTGROUP, NX_SEC_DNS_HOST, NX_SEC_DNS_TXT,
    NX_SEC_DNS_SRV,
};
/* virsh's names ("add" = "add-last", "add-first", "ip-dhcp-host", ...);
 * -1 when unknown. */
int nx_update_command_from(const char *s);
const char *nx_update_command_str(int command);
int nx_update_section_from(const char *s);
const char *nx_update_section_str(int section);
/* virNetworkDefUpdateSection: applies one add/delete/modify of the element
 * in xml (len bytes) to n.  parent_index: the <ip> for ip-dhcp-* (-1: the
 * one with <dhcp>).  On error (-EINVAL, -ENOMEM) n is unchanged and err
 * holds libvirt's message.  The caller re-validates the result (libvirt's
 * format/parse cycle) before using it. */
int nx_update(struct nx_network *n, int command, int section, int parent_index,
              const char *xml, size_t len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* VNETD_NETXML_H */
