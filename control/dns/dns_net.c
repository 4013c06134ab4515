/*
 * dns_net.c - a network's DNS service from its definition (see dns_net.h).
 */
#include "control/dns/dns_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/dhcp/dhcp_lease.h"
#include "control/netxml/netxml.h"

struct lease_name {
	char name[DHCP_HOSTNAME_MAX];
	uint32_t ip;
};

struct dns_net {
	struct dns_server *srv;
	struct nx_network *def;      /* a copy: the zone is rebuilt from it */
	struct lease_name *leases;
	size_t n_leases;
	uint64_t lease_sig;
};

static void add_static(struct dns_zone *z, const struct nx_network *def)
{
	for (size_t i = 0; i < nx_dhcp_host_count(def); i++) {
		int has_mac, inf;
		unsigned char mac[6];
		const char *name;
		uint32_t ip;
		unsigned secs;
		if (nx_dhcp_host(def, i, &has_mac, mac, &name, &ip, &secs, &inf) == 0 && name && ip)
			dns_zone_add_host(z, name, 4, &ip);
	}
	for (size_t i = 0; i < nx_dns_host_count(def); i++) {
		int fam;
		const char *ip;
		size_t nn;
		uint8_t a6[16];
		struct in_addr a4;
		if (nx_dns_host(def, i, &fam, &ip, &nn) < 0 || !ip)
			continue;
		for (size_t j = 0; j < nn; j++) {
			const char *name = nx_dns_host_name(def, i, j);
			if (!name)
				continue;
			if (inet_pton(AF_INET, ip, &a4) == 1) {
				uint32_t h = ntohl(a4.s_addr);
				dns_zone_add_host(z, name, 4, &h);
			} else if (inet_pton(AF_INET6, ip, a6) == 1) {
				dns_zone_add_host(z, name, 6, a6);
			}
		}
	}
	for (size_t i = 0; i < nx_dns_srv_count(def); i++) {
		const char *svc, *proto, *dom, *target;
		unsigned port, prio, weight;
		char name[DNS_NAME_TEXT_MAX * 2];
		if (nx_dns_srv(def, i, &svc, &proto, &dom, &target, &port, &prio, &weight) < 0 ||
		    !svc || !proto)
			continue;
		/* libvirt: srv-host=_service._protocol[.domain],target,port,priority,weight */
		snprintf(name, sizeof(name), "_%s._%s%s%s", svc, proto, dom ? "." : "", dom ? dom : "");
		dns_zone_add_srv(z, name, (uint16_t)prio, (uint16_t)weight, (uint16_t)port,
				 target ? target : ".");
	}
	for (size_t i = 0; i < nx_dns_txt_count(def); i++) {
		const char *name, *value;
		if (nx_dns_txt(def, i, &name, &value) == 0 && name)
			dns_zone_add_txt(z, name, value ? value : "");
	}
}

static struct dns_zone *build_zone(struct dns_net *d)
{
	struct dns_zone *z = dns_zone_new(nx_domain(d->def), nx_domain_local_only(d->def),
					  DNS_LOCAL_TTL);
	if (!z)
		return NULL;
	add_static(z, d->def);
	for (size_t i = 0; i < d->n_leases; i++)
		dns_zone_add_host(z, d->leases[i].name, 4, &d->leases[i].ip);
	return z;
}

static int configure(struct dns_net *d, const struct nx_network *def)
{
	struct nx_network *copy = nx_copy(def);
	if (!copy)
		return -ENOMEM;
	nx_free(d->def);
	d->def = copy;
	dns_server_clear_forwarders(d->srv);
	for (size_t i = 0; i < nx_dns_forwarder_count(def); i++) {
		const char *addr, *domain;
		if (nx_dns_forwarder(def, i, &addr, &domain) == 0 && (addr || domain))
			dns_server_add_forwarder(d->srv, domain, addr);
	}
	dns_server_set_plain_names(d->srv, nx_dns_forward_plain_names(def));
	struct dns_zone *z = build_zone(d);
	if (!z)
		return -ENOMEM;
	dns_server_set_zone(d->srv, z);
	return 0;
}

struct dns_net *dns_net_new(const struct nx_network *def, uint32_t gw, const uint8_t mac[6],
		const char *resolv, dns_send_fn send, void *ctx)
{
	struct dns_server_conf c = { .gw_ip = gw, .forward_plain_names = true,
				     .resolv = resolv, .send = send, .ctx = ctx };
	memcpy(c.gw_mac, mac, 6);
	struct dns_net *d = calloc(1, sizeof(*d));
	if (!d || !(d->srv = dns_server_new(&c)) || configure(d, def) < 0) {
		dns_net_free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

void dns_net_free(struct dns_net *d)
{
	if (!d)
		return;
	dns_server_free(d->srv);
	nx_free(d->def);
	free(d->leases);
	free(d);
}

int dns_net_reconfigure(struct dns_net *d, const struct nx_network *def)
{
	return configure(d, def);
}

void dns_net_leases(struct dns_net *d, const struct dhcp_lease_info *l, size_t n)
{
	uint64_t sig = 1469598103934665603ull;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!l[i].hostname[0])
			continue;
		for (const char *p = l[i].hostname; *p; p++)
			sig = (sig ^ (uint8_t)*p) * 1099511628211ull;
		sig = (sig ^ l[i].ip) * 1099511628211ull;
		k++;
	}
	if (sig == d->lease_sig && k == d->n_leases)
		return;
	struct lease_name *v = k ? calloc(k, sizeof(*v)) : NULL;
	if (k && !v)
		return;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!l[i].hostname[0])
			continue;
		snprintf(v[k].name, sizeof(v[k].name), "%s", l[i].hostname);
		v[k++].ip = l[i].ip;
	}
	free(d->leases);
	d->leases = v;
	d->n_leases = k;
	d->lease_sig = sig;
	struct dns_zone *z = build_zone(d);
	if (z)
		dns_server_set_zone(d->srv, z);
}

struct dns_server *dns_net_server(struct dns_net *d)
{
	return d->srv;
}
