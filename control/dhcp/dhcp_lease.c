/*
 * dhcp_lease.c - DHCPv4 lease table (slab + intrusive hash chains by IP,
 * MAC and client-id), expiry and libvirt-compatible JSON persistence.
 * See dhcp_lease.h.
 */
#define _GNU_SOURCE
#include "dhcp_lease.h"
#include "control/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* a lease file larger than this is refused (10,000 leases are ~1.5 MB) */
#define DHCP_LEASE_FILE_MAX (64u << 20)

#define NIL UINT32_MAX
#define MAX_CAPACITY (1u << 24)

struct dhcp_lease_table {
	size_t capacity;
	size_t nbuckets; /* power of two */
	uint32_t free_head;
	size_t hw; /* slots [0, hw) have been used; the rest never touched */
	size_t count[DHCP_LEASE_EXPIRED + 1]; /* [0] = total */
	uint32_t *b_ip, *b_mac, *b_clid;
	struct dhcp_lease *slots;
};

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t hash_ip(uint32_t ip)
{
	ip ^= ip >> 16;
	ip *= 0x7feb352du;
	ip ^= ip >> 15;
	ip *= 0x846ca68bu;
	ip ^= ip >> 16;
	return ip;
}

static int mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t z[6];

	return memcmp(mac, z, 6) == 0;
}

struct dhcp_lease_table *dhcp_lease_table_create(size_t capacity)
{
	struct dhcp_lease_table *t;
	size_t nb = 16;

	if (capacity < 1 || capacity > MAX_CAPACITY) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < capacity)
		nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->capacity = capacity;
	t->nbuckets = nb;
	t->b_ip = malloc(nb * sizeof(uint32_t));
	t->b_mac = malloc(nb * sizeof(uint32_t));
	t->b_clid = malloc(nb * sizeof(uint32_t));
	/* calloc: untouched pages of a big table cost no RSS */
	t->slots = calloc(capacity, sizeof(struct dhcp_lease));
	if (!t->b_ip || !t->b_mac || !t->b_clid || !t->slots) {
		dhcp_lease_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	memset(t->b_ip, 0xff, nb * sizeof(uint32_t));
	memset(t->b_mac, 0xff, nb * sizeof(uint32_t));
	memset(t->b_clid, 0xff, nb * sizeof(uint32_t));
	/* Free list is threaded through next_ip; NIL-terminated.  Slots are
	 * handed out lazily (free_head counts up) to avoid touching them all. */
	t->free_head = NIL;
	return t;
}

void dhcp_lease_table_free(struct dhcp_lease_table *t)
{
	if (!t)
		return;
	free(t->b_ip);
	free(t->b_mac);
	free(t->b_clid);
	free(t->slots);
	free(t);
}

size_t dhcp_lease_table_capacity(const struct dhcp_lease_table *t)
{
	return t->capacity;
}

size_t dhcp_lease_count(const struct dhcp_lease_table *t, int state)
{
	if (state < 0 || state > DHCP_LEASE_EXPIRED)
		return 0;
	return t->count[state];
}

int dhcp_lease_active(const struct dhcp_lease *l, time_t now)
{
	if (l->state == DHCP_LEASE_EXPIRED)
		return 0;
	return l->expiry > now;
}

static uint32_t idx_of(const struct dhcp_lease_table *t, const struct dhcp_lease *l)
{
	return (uint32_t)(l - t->slots);
}

struct dhcp_lease *dhcp_lease_find_ip(const struct dhcp_lease_table *t, uint32_t ip)
{
	uint32_t i = t->b_ip[hash_ip(ip) & (t->nbuckets - 1)];

	while (i != NIL) {
		struct dhcp_lease *l = &t->slots[i];

		if (l->ip == ip)
			return l;
		i = l->next_ip;
	}
	return NULL;
}

struct dhcp_lease *dhcp_lease_find_client(const struct dhcp_lease_table *t, const uint8_t mac[6],
					  const uint8_t *clid, size_t clid_len)
{
	uint32_t i;

	if (clid && clid_len > 0 && clid_len <= DHCP_CLID_MAX) {
		i = t->b_clid[hash_bytes(clid, clid_len) & (t->nbuckets - 1)];
		while (i != NIL) {
			struct dhcp_lease *l = &t->slots[i];

			if (l->state != DHCP_LEASE_DECLINED && l->clid_len == clid_len &&
			    memcmp(l->clid, clid, clid_len) == 0)
				return l;
			i = l->next_clid;
		}
	} else {
		clid_len = 0;
	}
	if (!mac)
		return NULL;
	i = t->b_mac[hash_bytes(mac, 6) & (t->nbuckets - 1)];
	while (i != NIL) {
		struct dhcp_lease *l = &t->slots[i];

		if (l->state != DHCP_LEASE_DECLINED && (l->clid_len == 0 || clid_len == 0) &&
		    memcmp(l->mac, mac, 6) == 0)
			return l;
		i = l->next_mac;
	}
	return NULL;
}

static void unlink_chain(struct dhcp_lease_table *t, uint32_t *head, uint32_t idx, size_t off)
{
	uint32_t *pp = head;

	while (*pp != NIL) {
		if (*pp == idx) {
			*pp = *(uint32_t *)((char *)&t->slots[idx] + off);
			return;
		}
		pp = (uint32_t *)((char *)&t->slots[*pp] + off);
	}
}

void dhcp_lease_set_hostname(struct dhcp_lease *l, const char *hostname)
{
	size_t n = 0;

	if (hostname) {
		n = strnlen(hostname, DHCP_HOSTNAME_MAX - 1);
		memcpy(l->hostname, hostname, n);
	}
	l->hostname[n] = '\0';
}

int dhcp_lease_add(struct dhcp_lease_table *t, uint32_t ip, const uint8_t *mac, const uint8_t *clid,
		   size_t clid_len, const char *hostname, int state, time_t expiry,
		   struct dhcp_lease **out)
{
	struct dhcp_lease *l;
	uint32_t idx, h;

	if (state < DHCP_LEASE_OFFERED || state > DHCP_LEASE_EXPIRED || clid_len > DHCP_CLID_MAX ||
	    (clid_len && !clid))
		return -EINVAL;
	if (dhcp_lease_find_ip(t, ip))
		return -EEXIST;
	if (t->free_head != NIL) {
		idx = t->free_head;
		t->free_head = t->slots[idx].next_ip;
	} else if (t->count[0] < t->capacity) {
		/* free list empty and not full: slots [0, count) are all in use */
		idx = (uint32_t)t->count[0];
		t->hw = (size_t)idx + 1;
	} else {
		return -ENOSPC;
	}
	l = &t->slots[idx];
	memset(l, 0, sizeof(*l));
	l->in_use = 1;
	l->ip = ip;
	if (mac)
		memcpy(l->mac, mac, 6);
	l->clid_len = (uint8_t)clid_len;
	if (clid_len)
		memcpy(l->clid, clid, clid_len);
	dhcp_lease_set_hostname(l, hostname);
	l->state = (uint8_t)state;
	l->expiry = expiry;

	h = hash_ip(ip) & (uint32_t)(t->nbuckets - 1);
	l->next_ip = t->b_ip[h];
	t->b_ip[h] = idx;
	l->next_mac = NIL;
	if (mac && !mac_is_zero(mac)) {
		h = hash_bytes(mac, 6) & (uint32_t)(t->nbuckets - 1);
		l->next_mac = t->b_mac[h];
		t->b_mac[h] = idx;
	}
	l->next_clid = NIL;
	if (clid_len) {
		h = hash_bytes(clid, clid_len) & (uint32_t)(t->nbuckets - 1);
		l->next_clid = t->b_clid[h];
		t->b_clid[h] = idx;
	}
	t->count[0]++;
	t->count[state]++;
	if (out)
		*out = l;
	return 0;
}

void dhcp_lease_remove(struct dhcp_lease_table *t, struct dhcp_lease *l)
{
	uint32_t idx;

	if (!l || !l->in_use)
		return;
	idx = idx_of(t, l);
	unlink_chain(t, &t->b_ip[hash_ip(l->ip) & (t->nbuckets - 1)], idx,
		     offsetof(struct dhcp_lease, next_ip));
	if (!mac_is_zero(l->mac))
		unlink_chain(t, &t->b_mac[hash_bytes(l->mac, 6) & (t->nbuckets - 1)], idx,
			     offsetof(struct dhcp_lease, next_mac));
	if (l->clid_len)
		unlink_chain(t, &t->b_clid[hash_bytes(l->clid, l->clid_len) & (t->nbuckets - 1)],
			     idx, offsetof(struct dhcp_lease, next_clid));
	t->count[0]--;
	t->count[l->state]--;
	l->in_use = 0;
	l->state = 0;
	l->next_ip = t->free_head;
	t->free_head = idx;
}

void dhcp_lease_set_state(struct dhcp_lease_table *t, struct dhcp_lease *l, int state, time_t expiry)
{
	if (!l->in_use || state < DHCP_LEASE_OFFERED || state > DHCP_LEASE_EXPIRED)
		return;
	t->count[l->state]--;
	t->count[state]++;
	l->state = (uint8_t)state;
	l->expiry = expiry;
}

struct dhcp_lease *dhcp_lease_iter(const struct dhcp_lease_table *t, size_t *cursor)
{
	while (*cursor < t->hw) {
		struct dhcp_lease *l = &t->slots[(*cursor)++];

		if (l->in_use)
			return l;
	}
	return NULL;
}

size_t dhcp_lease_expire(struct dhcp_lease_table *t, time_t now)
{
	size_t cur = 0, n = 0;
	struct dhcp_lease *l;

	while ((l = dhcp_lease_iter(t, &cur))) {
		if (l->state == DHCP_LEASE_EXPIRED || l->expiry > now)
			continue;
		if (l->state == DHCP_LEASE_DECLINED) {
			dhcp_lease_remove(t, l);
			continue;
		}
		if (l->state == DHCP_LEASE_BOUND)
			n++;
		dhcp_lease_set_state(t, l, DHCP_LEASE_EXPIRED, l->expiry);
	}
	return n;
}

size_t dhcp_lease_list(const struct dhcp_lease_table *t, time_t now, const uint8_t *mac,
		       struct dhcp_lease_info *out, size_t max)
{
	size_t cur = 0, n = 0;
	struct dhcp_lease *l;

	while ((l = dhcp_lease_iter(t, &cur))) {
		if (l->state != DHCP_LEASE_BOUND || !dhcp_lease_active(l, now))
			continue;
		if (mac && memcmp(mac, l->mac, 6) != 0)
			continue;
		if (n < max) {
			struct dhcp_lease_info *o = &out[n];

			memset(o, 0, sizeof(*o));
			o->ip = l->ip;
			memcpy(o->mac, l->mac, 6);
			o->clid_len = l->clid_len;
			memcpy(o->clid, l->clid, l->clid_len);
			memcpy(o->hostname, l->hostname, sizeof(o->hostname));
			o->expiry = l->expiry == DHCP_EXPIRY_NEVER ? 0 : l->expiry;
		}
		n++;
	}
	return n;
}

/* ---- formatting helpers ---- */


int dhcp_parse_hex_colon(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		int hi = hex_digit((unsigned char)s[0]), lo;

		if (hi < 0)
			return -EINVAL;
		lo = hex_digit((unsigned char)s[1]);
		if (lo < 0) {
			/* dnsmasq prints single digits for some bytes? accept "a" */
			lo = hi;
			hi = 0;
			s += 1;
		} else {
			s += 2;
		}
		if (n >= max)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		if (*s == '\0')
			break;
		if (*s != ':')
			return -EINVAL;
		s++;
	}
	return (int)n;
}

int dhcp_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t tmp[6];
	int n = dhcp_parse_hex_colon(s, tmp, sizeof(tmp));

	if (n != 6)
		return -EINVAL;
	memcpy(mac, tmp, 6);
	return 6;
}

void dhcp_format_hex_colon(const uint8_t *in, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = hx[in[i] >> 4];
		out[o++] = hx[in[i] & 15];
	}
	out[o] = '\0';
}

static void format_ip(uint32_t ip, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

static int parse_ip(const char *s, uint32_t *ip)
{
	unsigned v = 0, parts = 0, acc = 0, digits = 0;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			acc = acc * 10 + (unsigned)(*s - '0');
			if (++digits > 3 || acc > 255)
				return -EINVAL;
		} else if (*s == '.' || *s == '\0') {
			if (!digits)
				return -EINVAL;
			v = v << 8 | acc;
			parts++;
			acc = digits = 0;
			if (*s == '\0')
				break;
			if (parts == 4)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	if (parts != 4)
		return -EINVAL;
	*ip = v;
	return 0;
}

/* ---- persistence ---- */

static json_t *lease_to_json(const struct dhcp_lease *l)
{
	char buf[3 * DHCP_CLID_MAX + 1];
	json_t *o = json_object();
	json_int_t exp = l->expiry == DHCP_EXPIRY_NEVER ? 0 : (json_int_t)l->expiry;

	if (!o)
		return NULL;
	format_ip(l->ip, buf, sizeof(buf));
	if (json_object_set_new(o, "ip-address", json_string(buf)))
		goto err;
	dhcp_format_hex_colon(l->mac, 6, buf);
	if (json_object_set_new(o, "mac-address", json_string(buf)))
		goto err;
	if (l->hostname[0] && json_object_set_new(o, "hostname", json_string(l->hostname)))
		goto err;
	if (l->clid_len) {
		dhcp_format_hex_colon(l->clid, l->clid_len, buf);
		if (json_object_set_new(o, "client-id", json_string(buf)))
			goto err;
	}
	if (json_object_set_new(o, "expiry-time", json_integer(exp)))
		goto err;
	return o;
err:
	json_decref(o);
	return NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int dhcp_lease_save(const struct dhcp_lease_table *t, const char *path)
{
	json_t *arr;
	struct dhcp_lease *l;
	size_t cur = 0, plen;
	char *text = NULL, *tmp = NULL, *dir = NULL, *slash;
	int fd = -1, dfd, rc = 0;

	if (!t || !path || !*path)
		return -EINVAL;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	while ((l = dhcp_lease_iter(t, &cur))) {
		json_t *o;

		if (l->state != DHCP_LEASE_BOUND && l->state != DHCP_LEASE_EXPIRED)
			continue;
		o = lease_to_json(l);
		if (!o || json_array_append_new(arr, o)) {
			rc = -ENOMEM;
			goto out;
		}
	}
	text = json_dumps(arr, JSON_INDENT(2));
	if (!text) {
		rc = -ENOMEM;
		goto out;
	}
	plen = strlen(path);
	tmp = malloc(plen + 16);
	dir = strdup(path);
	if (!tmp || !dir) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (fchmod(fd, 0644) < 0 || (rc = write_all(fd, text, strlen(text))) < 0 ||
	    (rc = write_all(fd, "\n", 1)) < 0 || fsync(fd) < 0) {
		if (!rc)
			rc = -errno;
		goto out_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0)
			rc = -errno;
		close(dfd);
	} else {
		rc = -errno;
	}
	goto out;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(text);
	free(tmp);
	free(dir);
	json_decref(arr);
	return rc;
}

static int load_entry(struct dhcp_lease_table *t, json_t *e, time_t now, dhcp_lease_accept_fn accept,
		      void *ctx)
{
	json_t *jip, *jmac, *jhost, *jclid, *jexp;
	uint32_t ip;
	uint8_t mac[6], clid[DHCP_CLID_MAX];
	int clid_len = 0;
	json_int_t exp;
	time_t expiry;
	const char *host = NULL;
	struct dhcp_lease *dup;

	if (!json_is_object(e))
		return -EINVAL;
	jip = json_object_get(e, "ip-address");
	jmac = json_object_get(e, "mac-address");
	jhost = json_object_get(e, "hostname");
	jclid = json_object_get(e, "client-id");
	jexp = json_object_get(e, "expiry-time");
	if (!json_is_string(jip) || parse_ip(json_string_value(jip), &ip) < 0)
		return -EINVAL;
	if (!json_is_string(jmac) || dhcp_parse_mac(json_string_value(jmac), mac) < 0)
		return -EINVAL;
	if (!json_is_integer(jexp))
		return -EINVAL;
	exp = json_integer_value(jexp);
	if (exp < 0)
		return -EINVAL;
	if (jclid && !json_is_null(jclid)) {
		if (!json_is_string(jclid))
			return -EINVAL;
		clid_len = dhcp_parse_hex_colon(json_string_value(jclid), clid, sizeof(clid));
		if (clid_len < 0)
			return -EINVAL;
	}
	if (jhost && json_is_string(jhost)) {
		host = json_string_value(jhost);
		/* refuse control characters; the name ends up in DNS/CLI output */
		for (const char *p = host; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return -EINVAL;
	}
	if (ip == 0 || ip == UINT32_MAX)
		return -EINVAL;
	if (accept && !accept(ctx, ip, mac, clid_len ? clid : NULL, (size_t)clid_len))
		return -EPERM;
	/* duplicate key: same client-id, or same MAC when neither has one */
	dup = dhcp_lease_find_client(t, mac, clid_len ? clid : NULL, (size_t)clid_len);
	if (dup && dup->clid_len == clid_len &&
	    (clid_len ? memcmp(dup->clid, clid, (size_t)clid_len) == 0 : memcmp(dup->mac, mac, 6) == 0))
		return -EEXIST;
	expiry = exp == 0 ? DHCP_EXPIRY_NEVER : (time_t)exp;
	return dhcp_lease_add(t, ip, mac, clid_len ? clid : NULL, (size_t)clid_len, host,
			      expiry > now ? DHCP_LEASE_BOUND : DHCP_LEASE_EXPIRED, expiry, NULL);
}

int dhcp_lease_load(struct dhcp_lease_table *t, const char *path, time_t now,
		    dhcp_lease_accept_fn accept, void *ctx, size_t *loaded, size_t *skipped)
{
	json_t *root, *e;
	json_error_t jerr;
	struct stat st;
	size_t i, nl = 0, ns = 0, len = 0;
	char *buf;
	int fd;

	if (loaded)
		*loaded = 0;
	if (skipped)
		*skipped = 0;
	if (!t || !path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EBADMSG;
	}
	if (st.st_size == 0) { /* dnsmasq/libvirt may leave an empty file */
		close(fd);
		return 0;
	}
	/* one read() for the whole file: json_loadfd reads a byte per syscall */
	if ((uint64_t)st.st_size > DHCP_LEASE_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* shrunk under us: parse what we have */
		len += (size_t)r;
	}
	close(fd);
	root = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (!root)
		return -EBADMSG;
	if (!json_is_array(root)) {
		json_decref(root);
		return -EBADMSG;
	}
	json_array_foreach(root, i, e) {
		if (load_entry(t, e, now, accept, ctx) == 0)
			nl++;
		else
			ns++;
	}
	json_decref(root);
	if (loaded)
		*loaded = nl;
	if (skipped)
		*skipped = ns;
	return 0;
}
