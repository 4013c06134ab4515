/* host/uplink.c — acquiring, steering and keeping resolved the networks'
 * uplinks; see uplink.h. */
#include "control/host/uplink.h"
#include "control/host/nl.h"
#include "control/ctl.h"
#include "control/nat/l3.h"
#include "control/log.h"
#include "control/netsvc.h"
#include "control/netxml/netxml.h"
#include "control/nat/portfwd.h"
#include "dataplane/dp.h"
#include "dataplane/uplink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UP_LOG(lvl, fmt, ...) VNETD_LOG("uplink", lvl, fmt, ##__VA_ARGS__)
#define UL_ENTRIES 8
#define UL_NEIGH 64

struct ul_entry {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct ul *u;         /* NULL: free slot */
	uint16_t port;
	unsigned refs;
	struct dp_uplink_conf conf;
	unsigned n_neigh;     /* on-link destinations the workers asked for */
	struct { uint32_t ip; uint8_t mac[6]; bool set; } neigh[UL_NEIGH];
};

#define UL_PF 64 /* port forwards steered per network */

struct uplink_use {
	struct uplink_use *next;
	uint16_t dp_net;
	struct ul_entry *e;
	bool pf_synced;
	unsigned pf_gen;
	size_t n_pf;
	struct portfwd_ext pf[UL_PF]; /* steered for the network's port forwards */
	struct dp_net_l3 l3;
	uint32_t addr_min, addr_max; /* steered NAT addresses, host order */
	uint16_t port_min, port_max;
};

struct ulreg {
	struct ul_entry e[UL_ENTRIES];
	struct uplink_use *uses;
};

static struct ulreg *reg(struct ctl *c)
{
	if (!c->uplinks)
		c->uplinks = calloc(1, sizeof(*c->uplinks));
	return c->uplinks;
}

/* The interface's address, MAC, MTU and gateway (the default route's if it
 * leaves by this interface) with its MAC if the kernel knows it. */
static int conf_read(struct ul_entry *e, struct dp_uplink_conf *cf)
{
	struct nl_ifinfo info;
	char dev[IF_NAMESIZE];
	uint32_t gw = 0;
	int r = nl_if_info(e->ifname, &info);
	if (r < 0)
		return r;
	memset(cf, 0, sizeof(*cf));
	cf->ip = info.ip;
	cf->plen = info.plen;
	memcpy(cf->mac, info.mac, 6);
	cf->mtu = info.mtu;
	if (nl_default_route(dev, &gw) == 0 && !strcmp(dev, e->ifname) && gw) {
		cf->gw_ip = gw;
		if (nl_neigh_lookup(e->ifindex, gw, cf->gw_mac) == 0)
			cf->gw_resolved = true;
		else
			nl_neigh_resolve(e->ifindex, gw);
	}
	return 0;
}

static void conf_refresh(struct ctl *c, struct ul_entry *e)
{
	struct dp_uplink_conf cf;
	if (conf_read(e, &cf) < 0 || !memcmp(&cf, &e->conf, sizeof(cf)))
		return;
	int r = dp_uplink_set(c->dp, e->port, &cf);
	if (r < 0) {
		UP_LOG(WARNING, "%s: cannot configure the uplink port: %s\n", e->ifname, strerror(-r));
		return;
	}
	if (cf.ip != e->conf.ip || cf.gw_ip != e->conf.gw_ip || cf.gw_resolved != e->conf.gw_resolved) {
		char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
		UP_LOG(INFO, "%s: address %s/%u, gateway %s%s\n", e->ifname,
		       inet_ntop(AF_INET, &cf.ip, a, sizeof(a)), cf.plen,
		       cf.gw_ip ? inet_ntop(AF_INET, &cf.gw_ip, g, sizeof(g)) : "none",
		       cf.gw_ip && !cf.gw_resolved ? " (resolving)" : "");
	}
	e->conf = cf;
}

static void entry_close(struct ctl *c, struct ul_entry *e)
{
	dp_port_detach(c->dp, e->port); /* no worker touches e->u after this */
	dp_port_destroy(c->dp, e->port);
	ul_close(e->u);
	UP_LOG(NOTICE, "%s: uplink released\n", e->ifname);
	memset(e, 0, sizeof(*e));
}

static struct ul_entry *entry_get(struct ctl *c, const char *ifname)
{
	struct ulreg *rg = reg(c);
	struct ul_entry *e = NULL;
	if (!rg)
		return NULL;
	for (unsigned i = 0; i < UL_ENTRIES; i++)
		if (rg->e[i].u && !strcmp(rg->e[i].ifname, ifname))
			return &rg->e[i];
	for (unsigned i = 0; i < UL_ENTRIES && !e; i++)
		if (!rg->e[i].u)
			e = &rg->e[i];
	if (!e) {
		UP_LOG(ERR, "%s: too many uplinks\n", ifname);
		return NULL;
	}
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	e->ifindex = (int)if_nametoindex(ifname);
	const char *mode = getenv("VNETD_UPLINK_MODE"); /* tests: "af_packet" */
	struct ul_params p = { .ifname = ifname, .pool = dp_mempool(c->dp), .queues = 0,
			       .force_packet = mode && !strcmp(mode, "af_packet") };
	if (e->ifindex <= 0 || !(e->u = ul_open(&p))) {
		UP_LOG(ERR, "%s: cannot open the uplink: %s\n", ifname,
		       strerror(e->ifindex <= 0 ? ENODEV : errno));
		memset(e, 0, sizeof(*e));
		return NULL;
	}
	struct dp_port_params pp = { .role = DP_ROLE_UPLINK };
	int r = dp_port_create(c->dp, &pp, &e->port);
	if (r == 0 && (r = dp_port_attach_uplink(c->dp, e->port, e->u)) < 0)
		dp_port_destroy(c->dp, e->port);
	if (r < 0) {
		UP_LOG(ERR, "%s: no dataplane port for the uplink: %s\n", ifname, strerror(-r));
		ul_close(e->u);
		memset(e, 0, sizeof(*e));
		return NULL;
	}
	conf_refresh(c, e);
	return e;
}

/* "a-b,c,..." in ip_local_reserved_ports: is port reserved? */
static bool reserved(const char *list, unsigned port)
{
	for (const char *p = list; *p;) {
		unsigned a, b;
		int n = 0;
		if (sscanf(p, "%u-%u%n", &a, &b, &n) == 2 || (b = a, sscanf(p, "%u%n", &a, &n) == 1)) {
			if (n && b < a)
				b = a;
			if (port >= a && port <= b)
				return true;
		}
		p += n ? n : 1;
		while (*p == ',' || *p == '\n' || *p == ' ')
			p++;
	}
	return false;
}

/* Warns when the NAT ports overlap the host's ephemeral ports that are not
 * reserved: the host's own connections on them would be steered to us. */
static void check_ports(const char *net, unsigned pmin, unsigned pmax)
{
	unsigned lo = 0, hi = 0, clash = 0, first = 0;
	char res[4096] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (!f)
		return;
	if (fscanf(f, "%u %u", &lo, &hi) != 2)
		lo = hi = 0;
	fclose(f);
	if ((f = fopen("/proc/sys/net/ipv4/ip_local_reserved_ports", "r"))) {
		if (!fgets(res, sizeof(res), f))
			res[0] = 0;
		fclose(f);
	}
	for (unsigned p = pmin > lo ? pmin : lo; p <= pmax && p <= hi; p++)
		if (!reserved(res, p) && !clash++)
			first = p;
	if (clash)
		UP_LOG(WARNING, "network '%s': %u of its NAT ports %u-%u (from %u) are host ephemeral "
				"ports (net.ipv4.ip_local_port_range %u-%u) that are not reserved: "
				"reserve them (net.ipv4.ip_local_reserved_ports) or give the network "
				"<nat><port start end> outside that range\n",
		       net, clash, pmin, pmax, first, lo, hi);
}

/* Ports the host listens on (bit set in bm): TCP sockets in LISTEN and
 * bound UDP sockets of /proc/net/{tcp,udp}{,6} in our namespace whose
 * local address is the uplink's (ip, network order), INADDR_ANY, :: or
 * ::ffff:ip.  The kernel prints an IPv4 address as the hex of its
 * in-memory 32-bit word, so it compares with ip as read. */
static void listening(uint32_t ip, uint8_t *bm)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/udp", "/proc/net/tcp6",
					     "/proc/net/udp6" };
	char line[512], a[40];
	for (unsigned i = 0; i < 4; i++) {
		FILE *f = fopen(files[i], "r");
		if (!f)
			continue;
		bool tcp = i % 2 == 0, v6 = i >= 2;
		while (fgets(line, sizeof(line), f)) {
			unsigned port, st;
			if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", a, &port,
				   &st) != 3 || port > 65535 || (tcp && st != 0x0a))
				continue;
			bool match;
			if (!v6) {
				uint32_t w = (uint32_t)strtoul(a, NULL, 16);
				match = w == 0 || w == ip;
			} else {
				uint32_t w = (uint32_t)strtoul(a + 24, NULL, 16);
				match = strlen(a) == 32 &&
					(!strcmp(a, "00000000000000000000000000000000") ||
					 (!strncasecmp(a, "0000000000000000FFFF0000", 24) && w == ip));
			}
			if (match)
				bm[port / 8] |= (uint8_t)(1u << (port % 8));
		}
		fclose(f);
	}
}

static bool bit(const uint8_t *bm, unsigned p)
{
	return bm[p / 8] & (1u << (p % 8));
}

/* No <nat><port>: the NAT ports are the longest run in 1024-65535 that
 * holds neither a host ephemeral port (net.ipv4.ip_local_port_range) nor a
 * port the host listens on for the uplink's address now (one interval: the
 * allocator and the steering take a single range).  false: nothing left,
 * 1024-65535 as libvirt (warned). */
static bool default_ports(const char *net, uint32_t ip, uint16_t *pmin, uint16_t *pmax)
{
	static uint8_t bm[65536 / 8]; /* control thread only */
	unsigned lo = 0, hi = 0, best = 0, bstart = 0, n = 0, nlisten = 0;
	memset(bm, 0, sizeof(bm));
	listening(ip, bm);
	for (unsigned p = 1024; p < 65536; p++)
		nlisten += bit(bm, p);
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2 || hi > 65535 || lo > hi)
			lo = hi = 0;
		fclose(f);
	}
	for (unsigned p = lo; hi && p <= hi; p++)
		bm[p / 8] |= (uint8_t)(1u << (p % 8));
	for (unsigned p = 1024; p < 65536; p++) {
		if (bit(bm, p)) {
			n = 0;
			continue;
		}
		if (++n > best) {
			best = n;
			bstart = p + 1 - n;
		}
	}
	if (!best) {
		UP_LOG(WARNING, "network '%s': no NAT port in 1024-65535 outside the host's "
				"ephemeral (%u-%u) and listening ports: using 1024-65535\n",
		       net, lo, hi);
		*pmin = 1024;
		*pmax = 65535;
		return false;
	}
	*pmin = (uint16_t)bstart;
	*pmax = (uint16_t)(bstart + best - 1);
	UP_LOG(NOTICE, "network '%s': NAT ports %u-%u (no <nat><port>: 1024-65535 without the "
		       "host's ephemeral ports %u-%u and its %u listening ports)\n",
	       net, *pmin, *pmax, lo, hi, nlisten);
	return true;
}

/* An explicit <nat><port> range is honoured: warn about the host's
 * listening ports in it (their connections would be steered to us). */
static void check_listening(const char *net, uint32_t ip, unsigned pmin, unsigned pmax)
{
	static uint8_t bm[65536 / 8];
	unsigned clash = 0, first = 0;
	memset(bm, 0, sizeof(bm));
	listening(ip, bm);
	for (unsigned p = pmin; p <= pmax; p++)
		if (bit(bm, p) && !clash++)
			first = p;
	if (clash)
		UP_LOG(WARNING, "network '%s': the host listens on %u of its NAT ports %u-%u "
				"(first %u): their connections go to vnetd\n",
		       net, clash, pmin, pmax, first);
}

static int steer(struct ul *u, struct uplink_use *use, bool on)
{
	int r = 0;
	if (use->l3.mode == DP_FWD_NAT) {
		for (uint32_t a = use->addr_min; a && a <= use->addr_max && !r; a++)
			r = ul_steer_addr(u, htonl(a), on);
		static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
		for (unsigned i = 0; i < sizeof(protos) && !r; i++)
			r = ul_steer_ports(u, protos[i], use->port_min, use->port_max, on);
	} else if (use->l3.plen) {
		r = ul_steer_prefix(u, use->l3.prefix, use->l3.plen, on);
	}
	return r;
}

static int pf_steer(struct ul_entry *e, const struct portfwd_ext *x, bool on)
{
	int r = ul_steer_addr(e->u, x->ip ? x->ip : e->conf.ip, on);
	if (r == 0)
		r = ul_steer_ports(e->u, x->proto, ntohs(x->port), ntohs(x->port), on);
	return r;
}

static bool pf_has(const struct portfwd_ext *v, size_t n, const struct portfwd_ext *x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].proto == x->proto && v[i].ip == x->ip && v[i].port == x->port)
			return true;
	return false;
}

/* The network's port forwards (control/nat/portfwd.c): what changed since the last
 * look is steered on or off.  off: withdraw everything (network stop). */
static void pf_sync(struct ctl *c, struct uplink_use *use, bool off)
{
	struct portfwd_ext now[UL_PF];
	size_t n = 0;
	unsigned gen = 0;
	/* off: only what we steered (at daemon stop c->pf may be gone) */
	if (!off && (!c->pf || !use->e->conf.ip))
		return;
	if (!off && use->pf_synced && (gen = portfwd_generation(c->pf)) == use->pf_gen)
		return;
	if (!off)
		gen = portfwd_generation(c->pf);
	if (!off) {
		n = portfwd_external(c->pf, use->dp_net, now, UL_PF);
		if (n > UL_PF) {
			UP_LOG(WARNING, "network %u: %zu port forwards, only %u steered\n", use->dp_net,
			       n, UL_PF);
			n = UL_PF;
		}
	}
	for (size_t i = 0; i < use->n_pf; i++)
		if (!pf_has(now, n, &use->pf[i]))
			pf_steer(use->e, &use->pf[i], false);
	for (size_t i = 0; i < n; i++)
		if (!pf_has(use->pf, use->n_pf, &now[i]) && pf_steer(use->e, &now[i], true) < 0)
			UP_LOG(WARNING, "network %u: port forward %u not steered\n", use->dp_net,
			       ntohs(now[i].port));
	memcpy(use->pf, now, n * sizeof(now[0]));
	use->n_pf = n;
	use->pf_gen = gen;
	use->pf_synced = !off;
}

struct uplink_use *uplink_net_start(struct ctl *c, struct netsvc *s, const struct nx_network *def,
				    uint16_t dp_net)
{
	enum nx_forward_mode m = nx_forward_mode(def);
	char ifname[IF_NAMESIZE];
	uint32_t gw;

	if ((m != NX_FWD_NAT && m != NX_FWD_ROUTE && m != NX_FWD_OPEN) || !s || !c->uplink ||
	    !strcmp(c->uplink, "none"))
		return NULL;
	if (strcmp(c->uplink, "auto"))
		snprintf(ifname, sizeof(ifname), "%s", c->uplink);
	else if (nx_forward_dev(def))
		snprintf(ifname, sizeof(ifname), "%s", nx_forward_dev(def));
	else if (nl_default_route(ifname, &gw) < 0) {
		UP_LOG(WARNING, "network '%s': no default route: started without an uplink\n",
		       nx_name(def));
		return NULL;
	}
	struct uplink_use *use = calloc(1, sizeof(*use));
	struct ul_entry *e = use ? entry_get(c, ifname) : NULL;
	if (!e) {
		free(use);
		return NULL;
	}
	use->e = e;
	use->dp_net = dp_net;
	e->refs++;
	use->next = c->uplinks->uses;
	c->uplinks->uses = use;
	if (l3_config(def, e->port, &use->l3) < 0)
		use->l3.mode = DP_FWD_ISOLATED;
	use->addr_min = use->l3.nat_addr_min ? use->l3.nat_addr_min : ntohl(e->conf.ip);
	use->addr_max = use->l3.nat_addr_min ? use->l3.nat_addr_max : ntohl(e->conf.ip);
	use->port_min = use->l3.nat_port_min ? use->l3.nat_port_min : 1024;
	use->port_max = use->l3.nat_port_max ? use->l3.nat_port_max : 65535;
	if (use->l3.mode == DP_FWD_NAT && !use->l3.nat_port_min &&
	    default_ports(nx_name(def), e->conf.ip, &use->port_min, &use->port_max))
		netsvc_set_nat_ports(s, use->port_min, use->port_max);
	int r = steer(e->u, use, true);
	if (r == 0)
		r = netsvc_set_uplink(c, s, def, dp_net, e->port);
	if (r < 0) {
		UP_LOG(ERR, "network '%s': uplink %s not usable: %s\n", nx_name(def), ifname,
		       strerror(-r));
		uplink_net_stop(c, use, dp_net); /* withdraws what was steered */
		return NULL;
	}
	if (use->l3.mode == DP_FWD_NAT && use->l3.nat_port_min) {
		check_ports(nx_name(def), use->port_min, use->port_max);
		check_listening(nx_name(def), e->conf.ip, use->port_min, use->port_max);
	}
	pf_sync(c, use, false);
	UP_LOG(NOTICE, "network '%s': uplink %s (%s)\n", nx_name(def), ifname, ul_mode(e->u));
	return use;
}

void uplink_net_stop(struct ctl *c, struct uplink_use *use, uint16_t dp_net)
{
	if (!use)
		return;
	struct ul_entry *e = use->e;
	struct dp_net_l3 none = { .mode = DP_FWD_ISOLATED, .uplink = DP_PORT_NONE };
	dp_net_set_l3(c->dp, dp_net, &none); /* before its uplink port goes */
	pf_sync(c, use, true);
	steer(e->u, use, false);
	for (struct uplink_use **p = &c->uplinks->uses; *p; p = &(*p)->next)
		if (*p == use) {
			*p = use->next;
			break;
		}
	if (--e->refs == 0)
		entry_close(c, e);
	free(use);
}

/* The on-link destinations the workers missed, and those known before:
 * resolved through the kernel and handed to the dataplane. */
static void neigh_refresh(struct ctl *c, struct ul_entry *e)
{
	uint32_t miss[32];
	unsigned n = dp_uplink_neigh_misses(c->dp, e->port, miss, 32);
	for (unsigned i = 0; i < n; i++) {
		bool known = false;
		for (unsigned k = 0; k < e->n_neigh && !known; k++)
			known = e->neigh[k].ip == miss[i];
		if (!known && e->n_neigh < UL_NEIGH)
			e->neigh[e->n_neigh++] = (typeof(e->neigh[0])){ .ip = miss[i] };
	}
	for (unsigned k = 0; k < e->n_neigh; k++) {
		uint8_t mac[6];
		int r = nl_neigh_lookup(e->ifindex, e->neigh[k].ip, mac);
		if (r == 0 && (!e->neigh[k].set || memcmp(mac, e->neigh[k].mac, 6))) {
			if (dp_uplink_neigh_set(c->dp, e->port, e->neigh[k].ip, mac) == 0) {
				memcpy(e->neigh[k].mac, mac, 6);
				e->neigh[k].set = true;
			}
		} else if (r < 0) {
			nl_neigh_resolve(e->ifindex, e->neigh[k].ip);
		}
	}
}

void uplink_tick(struct ctl *c)
{
	if (!c->uplinks)
		return;
	for (unsigned i = 0; i < UL_ENTRIES; i++) {
		struct ul_entry *e = &c->uplinks->e[i];
		if (!e->u)
			continue;
		conf_refresh(c, e);
		neigh_refresh(c, e);
	}
	for (struct uplink_use *u = c->uplinks->uses; u; u = u->next)
		pf_sync(c, u, false);
}
