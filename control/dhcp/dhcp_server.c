/*
 * dhcp_server.c - DHCPv4 server state machine, address allocation, rate
 * limiting and counters.  See dhcp_server.h.
 */
#define _GNU_SOURCE
#include "dhcp_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RL_SLOTS 1024 /* direct-mapped per-MAC token buckets */

struct rl_slot {
	uint8_t mac[6];
	uint8_t used;
	uint32_t tokens;
	time_t last;
};

struct bucket_cfg {
	uint32_t rate, burst; /* rate == DHCP_RL_OFF: unlimited */
};

/* Everything derived from a validated config. */
struct srv_cfg {
	struct dhcp_config cfg; /* cfg.hosts points to hosts below */
	struct dhcp_host *hosts;
	uint32_t *static_ips; /* sorted */
	uint32_t netmask, network, bcast;
	size_t pool_size;
	size_t max_leases;
	uint32_t default_lease;
	uint32_t decline_secs, offer_hold;
	struct bucket_cfg rl_client, rl_global;
	uint8_t routes_opt[255];
	size_t routes_opt_len;
};

struct dhcp_server {
	struct srv_cfg c;
	struct dhcp_lease_table *leases;
	char *lease_file;
	int load_rc;
	int dirty;
	struct dhcp_stats st;
	struct rl_slot rl[RL_SLOTS];
	uint32_t g_tokens;
	time_t g_last;
	int g_init;
};

/* Per-message client context. */
struct client {
	const uint8_t *mac;
	const uint8_t *clid;
	size_t clid_len;
	const struct dhcp_host *host;
	struct dhcp_lease *lease;
	char hostname[DHCP_HOSTNAME_MAX]; /* sanitized option 12, may be "" */
};

/* ------------------------------------------------------------------ */
/* configuration                                                      */
/* ------------------------------------------------------------------ */

void dhcp_config_init(struct dhcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dns_enabled = 1;
	cfg->authoritative = 1;
	cfg->default_lease_secs = DHCP_DEFAULT_LEASE_SECS;
}

static uint32_t prefix_mask(int prefix)
{
	return prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int dhcp_config_validate(const struct dhcp_config *cfg)
{
	uint32_t mask, net, bc;
	size_t rlen = 0;
	uint64_t pool = 0;

	if (!cfg || cfg->prefix < 1 || cfg->prefix > 30)
		return -EINVAL;
	mask = prefix_mask(cfg->prefix);
	net = cfg->server_ip & mask;
	bc = net | ~mask;
	if (cfg->server_ip == net || cfg->server_ip == bc)
		return -EINVAL;
	if (cfg->n_ranges > DHCP_MAX_RANGES || cfg->n_routes > DHCP_MAX_ROUTES)
		return -EINVAL;
	if (cfg->n_hosts && !cfg->hosts)
		return -EINVAL;
	if (memchr(cfg->domain, '\0', sizeof(cfg->domain)) == NULL)
		return -EINVAL;
	if (cfg->mtu && cfg->mtu < 68)
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_ranges; i++) {
		const struct dhcp_range *r = &cfg->ranges[i];

		if (r->start > r->end || (r->start & mask) != net || (r->end & mask) != net ||
		    r->start == net || r->end == bc)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (r->start <= cfg->ranges[j].end && cfg->ranges[j].start <= r->end)
				return -EINVAL; /* overlap */
		pool += (uint64_t)r->end - r->start + 1;
	}
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct dhcp_host *h = &cfg->hosts[i];
		static const uint8_t zero[6];

		if ((h->ip & mask) != net || h->ip == net || h->ip == bc || h->ip == cfg->server_ip)
			return -EINVAL;
		if (memchr(h->name, '\0', sizeof(h->name)) == NULL)
			return -EINVAL;
		if (memcmp(h->mac, zero, 6) == 0 && h->name[0] == '\0')
			return -EINVAL;
		for (size_t j = 0; j < i; j++) {
			if (cfg->hosts[j].ip == h->ip)
				return -EINVAL;
			if (memcmp(h->mac, zero, 6) != 0 && memcmp(cfg->hosts[j].mac, h->mac, 6) == 0)
				return -EINVAL;
		}
	}
	for (size_t i = 0; i < cfg->n_routes; i++) {
		if (cfg->routes[i].prefix < 0 || cfg->routes[i].prefix > 32)
			return -EINVAL;
		rlen += 1 + (size_t)(cfg->routes[i].prefix + 7) / 8 + 4;
	}
	if (cfg->n_routes && rlen + 5 > 255) /* +5: possible default route */
		return -EINVAL;
	if (pool + cfg->n_hosts > (1u << 24))
		return -EINVAL;
	return 0;
}

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

static void srv_cfg_clear(struct srv_cfg *c)
{
	free(c->hosts);
	free(c->static_ips);
	memset(c, 0, sizeof(*c));
}

static int srv_cfg_build(struct srv_cfg *c, const struct dhcp_config *cfg)
{
	int has_default = 0;

	memset(c, 0, sizeof(*c));
	if (dhcp_config_validate(cfg) < 0)
		return -EINVAL;
	c->cfg = *cfg;
	if (cfg->n_hosts) {
		c->hosts = calloc(cfg->n_hosts, sizeof(*c->hosts));
		c->static_ips = calloc(cfg->n_hosts, sizeof(uint32_t));
		if (!c->hosts || !c->static_ips) {
			srv_cfg_clear(c);
			return -ENOMEM;
		}
		memcpy(c->hosts, cfg->hosts, cfg->n_hosts * sizeof(*c->hosts));
		for (size_t i = 0; i < cfg->n_hosts; i++)
			c->static_ips[i] = cfg->hosts[i].ip;
		qsort(c->static_ips, cfg->n_hosts, sizeof(uint32_t), cmp_u32);
	}
	c->cfg.hosts = c->hosts;
	c->netmask = prefix_mask(cfg->prefix);
	c->network = cfg->server_ip & c->netmask;
	c->bcast = c->network | ~c->netmask;
	for (size_t i = 0; i < cfg->n_ranges; i++)
		c->pool_size += (size_t)(cfg->ranges[i].end - cfg->ranges[i].start) + 1;
	c->max_leases = cfg->max_leases ? cfg->max_leases : c->pool_size;
	c->default_lease = or_default(cfg->default_lease_secs, DHCP_DEFAULT_LEASE_SECS);
	if (c->default_lease < DHCP_MIN_LEASE_SECS)
		c->default_lease = DHCP_MIN_LEASE_SECS;
	c->decline_secs = or_default(cfg->decline_secs, DHCP_DEFAULT_DECLINE_SECS);
	c->offer_hold = or_default(cfg->offer_hold_secs, DHCP_DEFAULT_OFFER_HOLD_SECS);
	c->rl_client.rate = or_default(cfg->rl_client_rate, DHCP_DEFAULT_RL_CLIENT_RATE);
	c->rl_client.burst = or_default(cfg->rl_client_burst, DHCP_DEFAULT_RL_CLIENT_BURST);
	c->rl_global.rate = or_default(cfg->rl_global_rate, DHCP_DEFAULT_RL_GLOBAL_RATE);
	c->rl_global.burst = or_default(cfg->rl_global_burst, DHCP_DEFAULT_RL_GLOBAL_BURST);
	for (size_t i = 0; i < cfg->n_routes; i++) {
		const struct dhcp_route *r = &cfg->routes[i];
		int n = dhcp_encode_classless_route(c->routes_opt + c->routes_opt_len, r->dst, r->prefix,
						    r->gw);

		if (n < 0) {
			srv_cfg_clear(c);
			return -EINVAL;
		}
		c->routes_opt_len += (size_t)n;
		if (r->prefix == 0)
			has_default = 1;
	}
	if (cfg->n_routes && !has_default) {
		int n = dhcp_encode_classless_route(c->routes_opt + c->routes_opt_len, 0, 0,
						    cfg->server_ip);
		c->routes_opt_len += (size_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* address predicates                                                 */
/* ------------------------------------------------------------------ */

static int in_subnet(const struct srv_cfg *c, uint32_t ip)
{
	return (ip & c->netmask) == c->network;
}

static int addr_usable(const struct srv_cfg *c, uint32_t ip)
{
	return in_subnet(c, ip) && ip != c->network && ip != c->bcast && ip != c->cfg.server_ip;
}

static const struct dhcp_range *range_of(const struct srv_cfg *c, uint32_t ip)
{
	for (size_t i = 0; i < c->cfg.n_ranges; i++)
		if (ip >= c->cfg.ranges[i].start && ip <= c->cfg.ranges[i].end)
			return &c->cfg.ranges[i];
	return NULL;
}

static int is_static_ip(const struct srv_cfg *c, uint32_t ip)
{
	return c->cfg.n_hosts &&
	       bsearch(&ip, c->static_ips, c->cfg.n_hosts, sizeof(uint32_t), cmp_u32) != NULL;
}

static const struct dhcp_host *host_by_ip(const struct srv_cfg *c, uint32_t ip)
{
	for (size_t i = 0; i < c->cfg.n_hosts; i++)
		if (c->hosts[i].ip == ip)
			return &c->hosts[i];
	return NULL;
}

static int mac_zero(const uint8_t *mac)
{
	static const uint8_t z[6];

	return memcmp(mac, z, 6) == 0;
}

static const struct dhcp_host *host_for_client(const struct srv_cfg *c, const uint8_t *mac,
					       const char *hostname)
{
	for (size_t i = 0; i < c->cfg.n_hosts; i++)
		if (!mac_zero(c->hosts[i].mac) && memcmp(c->hosts[i].mac, mac, 6) == 0)
			return &c->hosts[i];
	if (hostname && hostname[0])
		for (size_t i = 0; i < c->cfg.n_hosts; i++)
			if (mac_zero(c->hosts[i].mac) && strcasecmp(c->hosts[i].name, hostname) == 0)
				return &c->hosts[i];
	return NULL;
}

static int quarantined(const struct dhcp_server *s, uint32_t ip, time_t now)
{
	const struct dhcp_lease *l = dhcp_lease_find_ip(s->leases, ip);

	return l && l->state == DHCP_LEASE_DECLINED && dhcp_lease_active(l, now);
}

/* Static address of this client, unless quarantined after a DECLINE (then
 * the client gets a dynamic address meanwhile, like dnsmasq). */
static uint32_t static_addr(const struct dhcp_server *s, const struct client *cl, time_t now)
{
	if (cl->host && !quarantined(s, cl->host->ip, now))
		return cl->host->ip;
	return 0;
}

/* An OFFER reserves its address against other DISCOVERs only while the pool
 * has other free addresses, and never against a REQUEST (see
 * allocate_addr() and doc/design.md): a burst of DISCOVERs that are never
 * followed up cannot make the pool unavailable. */
static int held_by_other_offer(const struct dhcp_lease *l, const struct client *cl, time_t now)
{
	return l && l != cl->lease && l->state == DHCP_LEASE_OFFERED && dhcp_lease_active(l, now);
}

/* May @ip be bound to this client right now?  (A REQUEST may take an
 * address another client was only offered: @offers_block = 0.) */
static int addr_ok_as(const struct dhcp_server *s, const struct client *cl, uint32_t ip, time_t now,
		      int offers_block)
{
	const struct srv_cfg *c = &s->c;
	const struct dhcp_lease *l;
	uint32_t st = static_addr(s, cl, now);

	if (!addr_usable(c, ip))
		return 0;
	if (st)
		return ip == st; /* static hosts get exactly their address */
	if (is_static_ip(c, ip) || !range_of(c, ip))
		return 0;
	l = dhcp_lease_find_ip(s->leases, ip);
	if (l && l != cl->lease && dhcp_lease_active(l, now) &&
	    (offers_block || !held_by_other_offer(l, cl, now)))
		return 0;
	return 1;
}

static int addr_ok_for(const struct dhcp_server *s, const struct client *cl, uint32_t ip, time_t now)
{
	return addr_ok_as(s, cl, ip, now, 1);
}

/* dnsmasq's SDBM hash of the hardware address. */
static uint32_t mac_hash(const uint8_t *mac)
{
	uint32_t j = 0;

	for (int i = 0; i < 6; i++)
		j = mac[i] + (j << 6) + (j << 16) - j;
	return j ? j : 1;
}

/* Pick a free dynamic address: start at a MAC-derived offset in each range
 * and scan linearly.  Pass 0 avoids addresses remembered for other
 * (expired) clients, pass 1 reclaims them, pass 2 (the pool is otherwise
 * exhausted) takes an address another client was offered but has not
 * requested. */
static uint32_t allocate_addr(const struct dhcp_server *s, const struct client *cl, time_t now)
{
	const struct srv_cfg *c = &s->c;
	uint32_t j = mac_hash(cl->mac);

	for (int pass = 0; pass < 3; pass++) {
		for (size_t r = 0; r < c->cfg.n_ranges; r++) {
			uint32_t start = c->cfg.ranges[r].start;
			uint64_t size = (uint64_t)c->cfg.ranges[r].end - start + 1;
			uint64_t off = j % size;

			for (uint64_t k = 0; k < size; k++) {
				uint32_t ip = start + (uint32_t)((off + k) % size);
				const struct dhcp_lease *l;

				if (!addr_usable(c, ip) || is_static_ip(c, ip))
					continue;
				l = dhcp_lease_find_ip(s->leases, ip);
				if (!l)
					return ip;
				if (pass == 1 && l != cl->lease && !dhcp_lease_active(l, now))
					return ip;
				if (pass == 2 && held_by_other_offer(l, cl, now))
					return ip;
			}
		}
	}
	return 0;
}

/* Dynamic (non-static) addresses currently bound (offers are not leases:
 * they do not count against dhcp-lease-max). */
static size_t dynamic_in_use(const struct dhcp_server *s, time_t now)
{
	size_t cur = 0, n = 0;
	struct dhcp_lease *l;

	if (dhcp_lease_count(s->leases, DHCP_LEASE_BOUND) < s->c.max_leases)
		return 0; /* fast path: cannot be at the limit */
	while ((l = dhcp_lease_iter(s->leases, &cur)))
		if (l->state == DHCP_LEASE_BOUND && dhcp_lease_active(l, now) &&
		    !is_static_ip(&s->c, l->ip))
			n++;
	return n;
}

/* Would giving @ip to this client exceed dhcp-lease-max? */
static int over_limit(const struct dhcp_server *s, const struct client *cl, uint32_t ip, time_t now)
{
	if (is_static_ip(&s->c, ip))
		return 0;
	if (cl->lease && dhcp_lease_active(cl->lease, now) && !is_static_ip(&s->c, cl->lease->ip) &&
	    cl->lease->state == DHCP_LEASE_BOUND)
		return 0; /* already counted */
	return dynamic_in_use(s, now) >= s->c.max_leases;
}

static uint32_t lease_secs_for(const struct dhcp_server *s, const struct client *cl,
			       const struct dhcp_msg *m, uint32_t ip)
{
	const struct dhcp_range *r;
	uint32_t t = s->c.default_lease;

	if (cl->host && cl->host->ip == ip && cl->host->lease_secs)
		t = cl->host->lease_secs;
	else if ((r = range_of(&s->c, ip)) && r->lease_secs)
		t = r->lease_secs;
	if (t != DHCP_LEASE_INFINITE && t < DHCP_MIN_LEASE_SECS)
		t = DHCP_MIN_LEASE_SECS;
	/* a client may ask for a shorter lease (dnsmasq, min 120 s) */
	if (m->has_lease_time && m->lease_time < t)
		t = m->lease_time < DHCP_MIN_LEASE_SECS ? DHCP_MIN_LEASE_SECS : m->lease_time;
	return t;
}

/* ------------------------------------------------------------------ */
/* lease file                                                         */
/* ------------------------------------------------------------------ */

static int save_now(struct dhcp_server *s)
{
	int rc;

	if (!s->lease_file) {
		s->dirty = 0;
		return 0;
	}
	rc = dhcp_lease_save(s->leases, s->lease_file);
	if (rc < 0) {
		s->st.save_errors++;
		s->dirty = 1;
		return rc;
	}
	s->st.saves++;
	s->dirty = 0;
	return 0;
}

/* A binding changed: write it now, or at the next tick (deferred_saves). */
static void persist(struct dhcp_server *s)
{
	if (s->c.cfg.deferred_saves)
		s->dirty = 1;
	else
		save_now(s);
}

/* Is a persisted/migrated lease acceptable under config @c? */
static int lease_valid_for(const struct srv_cfg *c, uint32_t ip, const uint8_t *mac)
{
	const struct dhcp_host *h;

	if (!addr_usable(c, ip))
		return 0;
	h = host_by_ip(c, ip);
	if (h)
		return mac_zero(h->mac) || (mac && memcmp(h->mac, mac, 6) == 0);
	return range_of(c, ip) != NULL;
}

static int load_accept(void *ctx, uint32_t ip, const uint8_t mac[6], const uint8_t *clid,
		       size_t clid_len)
{
	(void)clid;
	(void)clid_len;
	return lease_valid_for(ctx, ip, mac);
}

/* ------------------------------------------------------------------ */
/* lifecycle                                                          */
/* ------------------------------------------------------------------ */

static size_t table_capacity(const struct srv_cfg *c)
{
	size_t n = c->pool_size + c->cfg.n_hosts;

	return n ? n : 1;
}

struct dhcp_server *dhcp_server_create(const struct dhcp_config *cfg, const char *lease_file)
{
	struct dhcp_server *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return NULL;
	rc = srv_cfg_build(&s->c, cfg);
	if (rc < 0) {
		free(s);
		errno = -rc;
		return NULL;
	}
	s->leases = dhcp_lease_table_create(table_capacity(&s->c));
	if (!s->leases)
		goto fail;
	if (lease_file) {
		s->lease_file = strdup(lease_file);
		if (!s->lease_file)
			goto fail;
		s->load_rc = dhcp_lease_load(s->leases, lease_file, time(NULL), load_accept, &s->c,
					     NULL, NULL);
	}
	return s;
fail:
	dhcp_server_free(s);
	errno = ENOMEM;
	return NULL;
}

void dhcp_server_free(struct dhcp_server *s)
{
	if (!s)
		return;
	dhcp_lease_table_free(s->leases);
	srv_cfg_clear(&s->c);
	free(s->lease_file);
	free(s);
}

int dhcp_server_load_status(const struct dhcp_server *s)
{
	return s ? s->load_rc : -EINVAL;
}

int dhcp_server_reconfigure(struct dhcp_server *s, const struct dhcp_config *cfg)
{
	struct srv_cfg nc;
	struct dhcp_lease_table *nt;
	struct dhcp_lease *l;
	size_t cur = 0;
	int rc;

	if (!s)
		return -EINVAL;
	rc = srv_cfg_build(&nc, cfg);
	if (rc < 0)
		return rc;
	nt = dhcp_lease_table_create(table_capacity(&nc));
	if (!nt) {
		srv_cfg_clear(&nc);
		return -ENOMEM;
	}
	while ((l = dhcp_lease_iter(s->leases, &cur))) {
		const uint8_t *mac = l->state == DHCP_LEASE_DECLINED ? NULL : l->mac;

		if (!lease_valid_for(&nc, l->ip, mac))
			continue;
		/* -EEXIST/-ENOSPC cannot happen: addresses are distinct */
		(void)dhcp_lease_add(nt, l->ip, mac, l->clid, l->clid_len, l->hostname, l->state,
				     l->expiry, NULL);
	}
	dhcp_lease_table_free(s->leases);
	s->leases = nt;
	srv_cfg_clear(&s->c);
	s->c = nc;
	s->c.cfg.hosts = s->c.hosts;
	s->g_init = 0;
	save_now(s);
	return 0;
}

int dhcp_server_tick(struct dhcp_server *s, time_t now)
{
	if (!s)
		return -EINVAL;
	dhcp_lease_expire(s->leases, now);
	if (s->dirty)
		return save_now(s);
	return 0;
}

int dhcp_server_flush(struct dhcp_server *s)
{
	if (!s)
		return -EINVAL;
	return save_now(s);
}

size_t dhcp_server_static_ips(const struct dhcp_server *srv, const uint8_t *mac, uint32_t *out,
			      size_t max)
{
	size_t n = 0;
	for (size_t i = 0; srv && i < srv->c.cfg.n_hosts; i++) {
		const struct dhcp_host *h = &srv->c.hosts[i];
		if (h->ip && !memcmp(h->mac, mac, 6)) {
			if (n < max)
				out[n] = h->ip;
			n++;
		}
	}
	return n;
}

void dhcp_server_get_stats(const struct dhcp_server *s, struct dhcp_stats *out)
{
	if (s && out)
		*out = s->st;
}

size_t dhcp_server_leases(const struct dhcp_server *s, time_t now, const uint8_t *mac,
			  struct dhcp_lease_info *out, size_t max)
{
	if (!s)
		return 0;
	return dhcp_lease_list(s->leases, now, mac, out, max);
}

const struct dhcp_lease_table *dhcp_server_lease_table(const struct dhcp_server *s)
{
	return s ? s->leases : NULL;
}

/* ------------------------------------------------------------------ */
/* rate limiting                                                      */
/* ------------------------------------------------------------------ */

static void refill(uint32_t *tokens, time_t *last, time_t now, const struct bucket_cfg *b)
{
	if (now > *last) {
		uint64_t add = (uint64_t)(now - *last) * b->rate;
		uint64_t t = *tokens + add;

		*tokens = t > b->burst ? b->burst : (uint32_t)t;
	}
	*last = now;
}

static int rl_allow(struct dhcp_server *s, const uint8_t *mac, time_t now)
{
	struct rl_slot *slot = NULL;
	uint32_t h;

	if (s->c.rl_client.rate != DHCP_RL_OFF) {
		h = mac_hash(mac) * 2654435761u;
		slot = &s->rl[h >> 22]; /* 1024 slots */
		if (!slot->used || memcmp(slot->mac, mac, 6) != 0) {
			memcpy(slot->mac, mac, 6);
			slot->used = 1;
			slot->tokens = s->c.rl_client.burst;
			slot->last = now;
		} else {
			refill(&slot->tokens, &slot->last, now, &s->c.rl_client);
		}
		if (slot->tokens == 0)
			return 0;
	}
	if (s->c.rl_global.rate != DHCP_RL_OFF) {
		if (!s->g_init) {
			s->g_tokens = s->c.rl_global.burst;
			s->g_last = now;
			s->g_init = 1;
		}
		refill(&s->g_tokens, &s->g_last, now, &s->c.rl_global);
		if (s->g_tokens == 0)
			return 0;
		s->g_tokens--;
	}
	if (slot)
		slot->tokens--;
	return 1;
}

/* ------------------------------------------------------------------ */
/* replies                                                            */
/* ------------------------------------------------------------------ */

struct reply_spec {
	uint8_t type;       /* OFFER / ACK / NAK */
	int inform;         /* ACK to INFORM: no lease options, yiaddr 0 */
	uint32_t yiaddr;
	uint32_t lease_secs;
	const char *message; /* option 56 (NAK) */
	const char *hostname; /* option 12 if requested */
};

static int build_reply(struct dhcp_server *s, const struct dhcp_msg *m, const struct reply_spec *rs,
		       uint8_t *reply, size_t cap)
{
	const struct srv_cfg *c = &s->c;
	uint8_t *bp = reply + DHCP_FRAME_HDR_LEN;
	struct dhcp_opt_writer w;
	struct dhcp_frame_addr a;
	size_t max_payload, limit, plen;
	uint16_t flags = m->flags;
	int is_nak = rs->type == DHCP_NAK, rc;

	/* Largest datagram the client accepts (option 57, at least 576). */
	limit = m->max_msg_size >= DHCP_MIN_MAX_MSG_SIZE ? m->max_msg_size : DHCP_MIN_MAX_MSG_SIZE;
	if (c->cfg.mtu && limit > c->cfg.mtu)
		limit = c->cfg.mtu;
	if (limit > 1500)
		limit = 1500;
	max_payload = limit - DHCP_IP_HLEN - DHCP_UDP_HLEN;
	if (cap < DHCP_FRAME_HDR_LEN + DHCP_MIN_BOOTP_LEN) {
		s->st.reply_no_room++;
		return -ENOSPC;
	}
	if (max_payload > cap - DHCP_FRAME_HDR_LEN)
		max_payload = cap - DHCP_FRAME_HDR_LEN;

	memset(bp, 0, DHCP_MIN_BOOTP_LEN);
	bp[0] = DHCP_BOOTREPLY;
	bp[1] = m->htype;
	bp[2] = m->hlen;
	dhcp_put_be32(bp + 4, m->xid);
	if (is_nak && m->giaddr)
		flags |= DHCP_FLAG_BROADCAST; /* RFC 2131 4.3.2 */
	dhcp_put_be16(bp + 10, flags);
	if (rs->type == DHCP_ACK)
		dhcp_put_be32(bp + 12, m->ciaddr);
	if (!is_nak && !rs->inform)
		dhcp_put_be32(bp + 16, rs->yiaddr);
	if (!is_nak)
		dhcp_put_be32(bp + 20, c->cfg.server_ip); /* siaddr, as dnsmasq sets it */
	dhcp_put_be32(bp + 24, m->giaddr);
	memcpy(bp + 28, m->chaddr, 16);
	dhcp_put_be32(bp + 236, DHCP_MAGIC_COOKIE);

	dhcp_opt_writer_init(&w, bp + DHCP_OPTIONS_OFFSET, max_payload - DHCP_OPTIONS_OFFSET);
	/* mandatory options: must fit in 576 bytes, always do */
	dhcp_opt_put_u8(&w, DHCP_OPT_MSG_TYPE, rs->type);
	dhcp_opt_put_u32(&w, DHCP_OPT_SERVER_ID, c->cfg.server_ip);
	if (is_nak) {
		if (rs->message)
			dhcp_opt_put(&w, DHCP_OPT_MESSAGE, rs->message, strlen(rs->message));
	} else {
		if (!rs->inform) {
			dhcp_opt_put_u32(&w, DHCP_OPT_LEASE_TIME, rs->lease_secs);
			if (rs->lease_secs != DHCP_LEASE_INFINITE) {
				dhcp_opt_put_u32(&w, DHCP_OPT_T1, rs->lease_secs / 2);
				dhcp_opt_put_u32(&w, DHCP_OPT_T2,
						 (uint32_t)(((uint64_t)rs->lease_secs * 7) / 8));
			}
		}
		/* like dnsmasq: netmask and broadcast always, the rest when
		 * requested (or when no option 55 was sent) */
		dhcp_opt_put_u32(&w, DHCP_OPT_SUBNET_MASK, c->netmask);
		dhcp_opt_put_u32(&w, DHCP_OPT_BROADCAST, c->bcast);
		if (dhcp_msg_requests(m, DHCP_OPT_ROUTER))
			dhcp_opt_put_u32(&w, DHCP_OPT_ROUTER, c->cfg.server_ip);
		if (c->cfg.dns_enabled && dhcp_msg_requests(m, DHCP_OPT_DNS))
			dhcp_opt_put_u32(&w, DHCP_OPT_DNS, c->cfg.server_ip);
		if (c->cfg.domain[0] && dhcp_msg_requests(m, DHCP_OPT_DOMAIN))
			dhcp_opt_put(&w, DHCP_OPT_DOMAIN, c->cfg.domain, strlen(c->cfg.domain));
		if (rs->hostname && rs->hostname[0] && dhcp_msg_requests(m, DHCP_OPT_HOSTNAME))
			dhcp_opt_put(&w, DHCP_OPT_HOSTNAME, rs->hostname, strlen(rs->hostname));
		if (c->cfg.mtu && dhcp_msg_requests(m, DHCP_OPT_MTU))
			dhcp_opt_put_u16(&w, DHCP_OPT_MTU, c->cfg.mtu);
		if (c->routes_opt_len && dhcp_msg_requests(m, DHCP_OPT_CLASSLESS_ROUTE))
			dhcp_opt_put(&w, DHCP_OPT_CLASSLESS_ROUTE, c->routes_opt, c->routes_opt_len);
	}
	/* RFC 6842: echo the client identifier */
	if (m->client_id)
		dhcp_opt_put(&w, DHCP_OPT_CLIENT_ID, m->client_id, m->client_id_len);
	plen = DHCP_OPTIONS_OFFSET + dhcp_opt_end(&w);
	if (plen < DHCP_MIN_BOOTP_LEN)
		plen = DHCP_MIN_BOOTP_LEN; /* already zeroed */

	/* RFC 2131 4.1 addressing */
	memset(&a, 0, sizeof(a));
	memcpy(a.src_mac, c->cfg.server_mac, 6);
	a.src_ip = c->cfg.server_ip;
	a.src_port = DHCP_SERVER_PORT;
	a.dst_port = DHCP_CLIENT_PORT;
	if (m->giaddr) {
		a.dst_ip = m->giaddr;
		a.dst_port = DHCP_SERVER_PORT;
		memcpy(a.dst_mac, m->eth_src, 6);
	} else if (is_nak || (!m->ciaddr && (m->flags & DHCP_FLAG_BROADCAST))) {
		a.dst_ip = 0xffffffffu;
		memset(a.dst_mac, 0xff, 6);
	} else if (m->ciaddr) {
		a.dst_ip = m->ciaddr;
		memcpy(a.dst_mac, m->chaddr, 6);
	} else {
		a.dst_ip = rs->yiaddr;
		memcpy(a.dst_mac, m->chaddr, 6);
	}
	rc = dhcp_frame_finish(reply, cap, &a, plen);
	if (rc < 0) {
		s->st.reply_no_room++;
		return rc;
	}
	s->st.tx++;
	if (rs->type == DHCP_OFFER)
		s->st.tx_offer++;
	else if (rs->type == DHCP_ACK)
		s->st.tx_ack++;
	else
		s->st.tx_nak++;
	return rc;
}

static int send_nak(struct dhcp_server *s, const struct dhcp_msg *m, const char *why,
		    uint8_t *reply, size_t cap)
{
	struct reply_spec rs = { .type = DHCP_NAK, .message = why };

	return build_reply(s, m, &rs, reply, cap);
}

/* ------------------------------------------------------------------ */
/* message handlers                                                   */
/* ------------------------------------------------------------------ */

/* Keep option 12 if it is a plausible host label (dnsmasq drops the
 * domain part and ignores illegal names). */
static void sanitize_hostname(const struct dhcp_msg *m, char *out)
{
	size_t n = 0;

	out[0] = '\0';
	if (!m->hostname)
		return;
	for (size_t i = 0; i < m->hostname_len; i++) {
		uint8_t ch = m->hostname[i];

		if (ch == '.' || ch == '\0')
			break;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_'))
			return;
		if (n >= DHCP_HOSTNAME_MAX - 1)
			return;
		out[n++] = (char)ch;
	}
	out[n] = '\0';
}

static void client_init(struct dhcp_server *s, const struct dhcp_msg *m, struct client *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->mac = m->chaddr;
	cl->clid = m->client_id;
	cl->clid_len = m->client_id_len;
	sanitize_hostname(m, cl->hostname);
	cl->host = host_for_client(&s->c, cl->mac, cl->hostname);
	cl->lease = dhcp_lease_find_client(s->leases, cl->mac, cl->clid, cl->clid_len);
}

static const char *lease_name(const struct client *cl)
{
	if (cl->host && cl->host->name[0])
		return cl->host->name;
	if (cl->hostname[0])
		return cl->hostname;
	if (cl->lease && cl->lease->hostname[0])
		return cl->lease->hostname;
	return NULL;
}

static time_t expiry_of(time_t now, uint32_t secs)
{
	return secs == DHCP_LEASE_INFINITE ? DHCP_EXPIRY_NEVER : now + (time_t)secs;
}

/* Make room for a record of this client at @ip: drop the client's record
 * at another address and any stale record of someone else at @ip. */
static int place_record(struct dhcp_server *s, struct client *cl, uint32_t ip, int state,
			time_t expiry, const char *name)
{
	char keep[DHCP_HOSTNAME_MAX] = "";
	struct dhcp_lease *x;
	int rc;

	if (name) {
		strncpy(keep, name, sizeof(keep) - 1);
		name = keep;
	}
	if (cl->lease) {
		dhcp_lease_remove(s->leases, cl->lease);
		cl->lease = NULL;
	}
	x = dhcp_lease_find_ip(s->leases, ip);
	if (x)
		dhcp_lease_remove(s->leases, x);
	/* cannot fail with -ENOSPC: the table holds one record per address the
	 * config allows, and @ip's slot was just freed or never used */
	rc = dhcp_lease_add(s->leases, ip, cl->mac, cl->clid, cl->clid_len, name, state, expiry,
			    &cl->lease);
	return rc;
}

static int handle_discover(struct dhcp_server *s, const struct dhcp_msg *m, time_t now,
			   uint8_t *reply, size_t cap)
{
	struct client cl;
	struct reply_spec rs = { .type = DHCP_OFFER };
	uint32_t ip = 0;

	client_init(s, m, &cl);
	if ((ip = static_addr(s, &cl, now)) != 0) {
		/* static host */
	} else if (cl.lease && addr_ok_for(s, &cl, cl.lease->ip, now)) {
		ip = cl.lease->ip; /* returning client */
	} else if (m->has_requested_ip && addr_ok_for(s, &cl, m->requested_ip, now) &&
		   !over_limit(s, &cl, m->requested_ip, now)) {
		ip = m->requested_ip;
	} else {
		ip = allocate_addr(s, &cl, now);
		if (ip && over_limit(s, &cl, ip, now))
			ip = 0;
	}
	if (!ip) {
		s->st.no_address++;
		return 0;
	}
	if (over_limit(s, &cl, ip, now)) {
		s->st.no_address++;
		return 0;
	}
	/* Reserve the address for the OFFER, unless the client still holds an
	 * active binding (which the REQUEST will move). */
	if (cl.lease && cl.lease->ip == ip) {
		if (!(cl.lease->state == DHCP_LEASE_BOUND && dhcp_lease_active(cl.lease, now)))
			dhcp_lease_set_state(s->leases, cl.lease, DHCP_LEASE_OFFERED,
					     now + (time_t)s->c.offer_hold);
	} else if (!(cl.lease && cl.lease->state == DHCP_LEASE_BOUND &&
		     dhcp_lease_active(cl.lease, now))) {
		place_record(s, &cl, ip, DHCP_LEASE_OFFERED, now + (time_t)s->c.offer_hold,
			     lease_name(&cl));
	}
	rs.yiaddr = ip;
	rs.lease_secs = lease_secs_for(s, &cl, m, ip);
	rs.hostname = cl.host ? cl.host->name : NULL;
	return build_reply(s, m, &rs, reply, cap);
}

static int bind_and_ack(struct dhcp_server *s, const struct dhcp_msg *m, struct client *cl,
			uint32_t ip, time_t now, uint8_t *reply, size_t cap)
{
	struct reply_spec rs = { .type = DHCP_ACK, .yiaddr = ip };
	struct dhcp_lease *l = cl->lease;
	int renewal;

	rs.lease_secs = lease_secs_for(s, cl, m, ip);
	rs.hostname = cl->host ? cl->host->name : NULL;
	renewal = l && l->ip == ip && l->state == DHCP_LEASE_BOUND && dhcp_lease_active(l, now) &&
		  memcmp(l->mac, cl->mac, 6) == 0;
	if (renewal) {
		const char *name = lease_name(cl);

		dhcp_lease_set_state(s->leases, l, DHCP_LEASE_BOUND, expiry_of(now, rs.lease_secs));
		if (name && strcmp(name, l->hostname) != 0)
			dhcp_lease_set_hostname(l, name);
		s->dirty = 1;
	} else {
		if (place_record(s, cl, ip, DHCP_LEASE_BOUND, expiry_of(now, rs.lease_secs),
				 lease_name(cl)) < 0) {
			s->st.no_address++;
			return 0;
		}
		persist(s); /* new/moved binding: persist before answering */
	}
	return build_reply(s, m, &rs, reply, cap);
}

static int handle_request(struct dhcp_server *s, const struct dhcp_msg *m, time_t now,
			  uint8_t *reply, size_t cap)
{
	struct client cl;
	uint32_t ip;
	int auth = s->c.cfg.authoritative;

	client_init(s, m, &cl);
	if (m->has_server_id) {
		/* SELECTING */
		if (m->server_id != s->c.cfg.server_ip) {
			/* the client picked another server: free our offer */
			if (cl.lease && cl.lease->state == DHCP_LEASE_OFFERED)
				dhcp_lease_set_state(s->leases, cl.lease, DHCP_LEASE_EXPIRED, now);
			s->st.other_server++;
			return 0;
		}
		ip = m->has_requested_ip ? m->requested_ip : m->ciaddr;
		if (!ip) {
			s->st.drops[DHCP_DROP_BAD_REQUEST]++;
			return 0;
		}
	} else if (m->has_requested_ip) {
		/* INIT-REBOOT */
		ip = m->requested_ip;
		if (!in_subnet(&s->c, ip)) {
			if (!auth) {
				s->st.ignored++;
				return 0;
			}
			return send_nak(s, m, "wrong network", reply, cap);
		}
		if (!auth && (!cl.lease || cl.lease->ip != ip)) {
			s->st.ignored++;
			return 0;
		}
	} else if (m->ciaddr) {
		/* RENEWING (unicast) or REBINDING (broadcast) */
		ip = m->ciaddr;
		if ((cl.lease && cl.lease->ip != ip) || (!cl.lease && !auth)) {
			if (!auth) {
				s->st.ignored++;
				return 0;
			}
			return send_nak(s, m, "lease not found", reply, cap);
		}
	} else {
		s->st.drops[DHCP_DROP_BAD_REQUEST]++;
		return 0;
	}

	if (!addr_ok_as(s, &cl, ip, now, 0)) {
		if (!auth && !(cl.lease && cl.lease->ip == ip)) {
			s->st.ignored++;
			return 0;
		}
		return send_nak(s, m, "address not available", reply, cap);
	}
	if (over_limit(s, &cl, ip, now)) {
		s->st.no_address++;
		return send_nak(s, m, "no address available", reply, cap);
	}
	return bind_and_ack(s, m, &cl, ip, now, reply, cap);
}

static int handle_decline(struct dhcp_server *s, const struct dhcp_msg *m, time_t now)
{
	struct client cl;
	uint32_t ip;

	if (!m->has_server_id || m->server_id != s->c.cfg.server_ip) {
		s->st.other_server++;
		return 0;
	}
	if (!m->has_requested_ip) {
		s->st.drops[DHCP_DROP_BAD_REQUEST]++;
		return 0;
	}
	client_init(s, m, &cl);
	ip = m->requested_ip;
	/* only the holder of the address may decline it */
	if (!cl.lease || cl.lease->ip != ip) {
		s->st.ignored++;
		return 0;
	}
	dhcp_lease_remove(s->leases, cl.lease);
	if (dhcp_lease_add(s->leases, ip, NULL, NULL, 0, NULL, DHCP_LEASE_DECLINED,
			   now + (time_t)s->c.decline_secs, NULL) == 0)
		persist(s);
	return 0;
}

static int handle_release(struct dhcp_server *s, const struct dhcp_msg *m, time_t now)
{
	struct client cl;

	if (!m->has_server_id) {
		s->st.drops[DHCP_DROP_BAD_REQUEST]++;
		return 0;
	}
	if (m->server_id != s->c.cfg.server_ip) {
		s->st.other_server++;
		return 0;
	}
	client_init(s, m, &cl);
	if (!cl.lease || cl.lease->ip != m->ciaddr || m->ciaddr == 0 ||
	    cl.lease->state != DHCP_LEASE_BOUND) {
		s->st.ignored++;
		return 0;
	}
	/* keep the record (EXPIRED) so the client gets the same address back */
	dhcp_lease_set_state(s->leases, cl.lease, DHCP_LEASE_EXPIRED, now);
	persist(s);
	return 0;
}

static int handle_inform(struct dhcp_server *s, const struct dhcp_msg *m, uint8_t *reply,
			 size_t cap)
{
	struct reply_spec rs = { .type = DHCP_ACK, .inform = 1 };
	const struct dhcp_host *h;

	if (!m->ciaddr) {
		s->st.drops[DHCP_DROP_BAD_REQUEST]++;
		return 0;
	}
	if (!in_subnet(&s->c, m->ciaddr)) {
		s->st.ignored++;
		return 0;
	}
	h = host_for_client(&s->c, m->chaddr, NULL);
	rs.hostname = h && h->ip == m->ciaddr ? h->name : NULL;
	return build_reply(s, m, &rs, reply, cap);
}

int dhcp_server_handle(struct dhcp_server *s, const uint8_t *frame, size_t len, time_t now,
		       uint8_t *reply, size_t reply_cap)
{
	struct dhcp_msg m;
	enum dhcp_drop r;

	if (!s || !reply)
		return -EINVAL;
	s->st.rx++;
	r = dhcp_parse_frame(frame, len, &m);
	if (r != DHCP_DROP_NONE) {
		s->st.drops[r]++;
		return 0;
	}
	if (m.ip_dst != 0xffffffffu && m.ip_dst != s->c.cfg.server_ip && m.ip_dst != s->c.bcast) {
		s->st.drops[DHCP_DROP_BAD_DST]++;
		return 0;
	}
	if (m.giaddr && !in_subnet(&s->c, m.giaddr)) {
		s->st.drops[DHCP_DROP_FOREIGN_RELAY]++;
		return 0;
	}
	/* Per client: its hardware address, not the frame's source, which
	 * for relayed requests is the relay shared by all its clients.
	 * Floods of invented addresses are bounded per port upstream. */
	if (!rl_allow(s, m.chaddr, now)) {
		s->st.drops[DHCP_DROP_RATE_LIMITED]++;
		return 0;
	}
	s->st.rx_msg[m.msg_type]++;
	switch (m.msg_type) {
	case DHCP_DISCOVER:
		return handle_discover(s, &m, now, reply, reply_cap);
	case DHCP_REQUEST:
		return handle_request(s, &m, now, reply, reply_cap);
	case DHCP_DECLINE:
		return handle_decline(s, &m, now);
	case DHCP_RELEASE:
		return handle_release(s, &m, now);
	case DHCP_INFORM:
		return handle_inform(s, &m, reply, reply_cap);
	default: /* parse_frame only lets client types through */
		s->st.drops[DHCP_DROP_BAD_MSG_TYPE]++;
		return 0;
	}
}
