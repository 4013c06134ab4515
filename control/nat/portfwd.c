#include "control/nat/portfwd.h"

#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/log.h"
#include "control/net.h"
#include "control/netxml/netxml.h"
#include "control/store.h"
#include "dataplane/dp.h"

#define PF_LOG(lvl, ...) VNETD_LOG("portfwd", lvl, __VA_ARGS__)
#define PF_DIR "port-forwards"

struct portfwd {
	struct ctl *ctl;
	size_t n;
	struct portfwd_rule *v[PORTFWD_MAX]; /* sorted by id */
	unsigned next_id;
	unsigned gen;           /* bumped when the active set changes */
	/* the table last given to the dataplane (ids of the active rules and
	 * their dp network), to push only when it changes */
	size_t pushed_n;
	bool pushed_valid;
	struct pushed { unsigned id; uint16_t net; } pushed[PORTFWD_MAX];
};

const char *portfwd_proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

struct portfwd *portfwd_create(struct ctl *ctl)
{
	struct portfwd *pf = calloc(1, sizeof(*pf));
	if (pf) {
		pf->ctl = ctl;
		pf->next_id = 1;
	}
	return pf;
}

void portfwd_free(struct portfwd *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; i < pf->n; i++)
		free(pf->v[i]);
	free(pf);
}

size_t portfwd_count(const struct portfwd *pf) { return pf->n; }

const struct portfwd_rule *portfwd_at(const struct portfwd *pf, size_t i)
{
	return i < pf->n ? pf->v[i] : NULL;
}

static int validate_net(const struct portfwd *pf, const struct portfwd_rule *r,
			struct ctl_err *e);

/* The network a rule's traffic goes to, when the dataplane should have the
 * rule: active, NAT, with an IPv4 subnet. */
static struct net *active_net(const struct portfwd *pf, const struct portfwd_rule *r)
{
	struct net *n = netreg_find_name(pf->ctl->nets, r->network);
	struct ctl_err e;
	if (!n || !net_active(n) || validate_net(pf, r, &e) < 0)
		return NULL;
	return n;
}

bool portfwd_active(const struct portfwd *pf, const struct portfwd_rule *r)
{
	return active_net(pf, r) != NULL;
}

/* Gives the dataplane the table of active rules if it differs from the one
 * it has (or force). */
static int push(struct portfwd *pf, bool force)
{
	static struct pushed now[PORTFWD_MAX];
	size_t k = 0;
	for (size_t i = 0; i < pf->n; i++) {
		struct net *n = active_net(pf, pf->v[i]);
		if (n)
			now[k++] = (struct pushed){ pf->v[i]->id, net_dp_id(n) };
	}
	if (!force && pf->pushed_valid && k == pf->pushed_n &&
	    !memcmp(now, pf->pushed, k * sizeof(now[0])))
		return 0;
	static struct dp_portfwd t[PORTFWD_MAX];
	size_t j = 0;
	for (size_t i = 0; i < pf->n && j < k; i++) {
		const struct portfwd_rule *r = pf->v[i];
		if (r->id != now[j].id)
			continue;
		t[j] = (struct dp_portfwd){ .proto = r->proto, .ext_ip = htonl(r->ext_ip),
					    .ext_port = htons(r->ext_port), .net = now[j].net,
					    .int_ip = htonl(r->int_ip), .int_port = htons(r->int_port) };
		j++;
	}
	int rc = dp_portfwd_replace(pf->ctl->dp, t, (unsigned)k);
	if (rc < 0) {
		PF_LOG(ERR, "cannot give %zu port forward(s) to the dataplane: %s\n", k, strerror(-rc));
		return rc;
	}
	if (k != pf->pushed_n || force)
		PF_LOG(INFO, "%zu port forward(s) active in the dataplane\n", k);
	pf->gen++;
	memcpy(pf->pushed, now, k * sizeof(now[0]));
	pf->pushed_n = k;
	pf->pushed_valid = true;
	return 0;
}

unsigned portfwd_generation(const struct portfwd *pf)
{
	return pf ? pf->gen : 0;
}

size_t portfwd_external(const struct portfwd *pf, int net, struct portfwd_ext *v, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; pf && i < pf->n; i++) {
		const struct portfwd_rule *r = pf->v[i];
		struct net *n = active_net(pf, r);
		if (!n || (net >= 0 && net_dp_id(n) != net))
			continue;
		if (k < max)
			v[k] = (struct portfwd_ext){ .proto = r->proto, .ip = htonl(r->ext_ip),
						     .port = htons(r->ext_port) };
		k++;
	}
	return k;
}

void portfwd_tick(struct portfwd *pf)
{
	push(pf, false);
}

static bool addr_overlap(uint32_t a, uint32_t b)
{
	return !a || !b || a == b;
}

static const struct portfwd_rule *conflict(const struct portfwd *pf, const struct portfwd_rule *r)
{
	for (size_t i = 0; i < pf->n; i++) {
		const struct portfwd_rule *o = pf->v[i];
		if (o->id != r->id && o->proto == r->proto && o->ext_port == r->ext_port &&
		    addr_overlap(o->ext_ip, r->ext_ip))
			return o;
	}
	return NULL;
}

static bool bad_unicast(uint32_t a)
{
	return a == 0 || a == 0xffffffffu || (a >> 24) == 127 || (a >> 28) >= 14 || (a >> 24) == 0;
}

/* What makes a rule a rule (400). */
static int validate_rule(const struct portfwd_rule *r, struct ctl_err *e)
{
	if (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: protocol must be 'tcp' or 'udp'");
	if (!r->ext_port || !r->int_port)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: ports must be 1-65535");
	if (r->ext_ip && bad_unicast(r->ext_ip))
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: external_address must be a unicast IPv4 address");
	if (bad_unicast(r->int_ip))
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: internal_ip must be a unicast IPv4 address");
	if (strlen(r->desc) > PORTFWD_DESC_MAX)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: description longer than %d bytes", PORTFWD_DESC_MAX);
	for (const char *d = r->desc; *d; d++)
		if ((unsigned char)*d < 0x20 || *d == 0x7f)
			return ctl_fail(e, EINVAL, 400, "invalid-arg",
					"invalid argument: description contains a control character");
	return 0;
}

/* The rule against its network as defined now: the network exists (404),
 * uses NAT and has an IPv4 subnet (409), internal_ip is one of its host
 * addresses and not the gateway (400). */
static int validate_net(const struct portfwd *pf, const struct portfwd_rule *r, struct ctl_err *e)
{
	struct net *n = netreg_find_name(pf->ctl->nets, r->network);
	if (!n)
		return ctl_fail(e, ENOENT, 404, "no-network",
				"Network not found: no network with matching name '%s'", r->network);
	const struct nx_network *def = net_def(n);
	uint32_t gw;
	int plen;
	if (nx_forward_mode(def) != NX_FWD_NAT)
		return ctl_fail(e, EINVAL, 409, "operation-invalid",
				"Requested operation is not valid: network '%s' does not use forward mode 'nat': port forwarding needs NAT",
				r->network);
	if (nx_ipv4(def, &gw, &plen) < 0 || plen < 1 || plen > 30)
		return ctl_fail(e, EINVAL, 409, "operation-invalid",
				"Requested operation is not valid: network '%s' has no IPv4 subnet",
				r->network);
	char ip[INET_ADDRSTRLEN];
	struct in_addr in = { .s_addr = htonl(r->int_ip) };
	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	uint32_t mask = ~0u << (32 - plen), host = r->int_ip & ~mask, net = gw & mask;
	if ((r->int_ip & mask) != net || host == 0 || host == ~mask)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: internal_ip %s is not a host address of network '%s' (%u.%u.%u.%u/%d)",
				ip, r->network, net >> 24, net >> 16 & 255, net >> 8 & 255, net & 255,
				plen);
	if (r->int_ip == gw)
		return ctl_fail(e, EINVAL, 400, "invalid-arg",
				"invalid argument: internal_ip %s is the gateway of network '%s'", ip,
				r->network);
	return 0;
}

static int validate(const struct portfwd *pf, const struct portfwd_rule *r, struct ctl_err *e)
{
	int rc = validate_rule(r, e);
	return rc < 0 ? rc : validate_net(pf, r, e);
}

static char *to_json(const struct portfwd_rule *r)
{
	char ip[INET_ADDRSTRLEN], ext[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = htonl(r->int_ip) }, b = { .s_addr = htonl(r->ext_ip) };
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	inet_ntop(AF_INET, &b, ext, sizeof(ext));
	json_t *o = json_pack("{s:I, s:s, s:s, s:i, s:s, s:i, s:s}", "id", (json_int_t)r->id,
			      "network", r->network, "protocol", portfwd_proto_name(r->proto),
			      "external_port", (int)r->ext_port, "internal_ip", ip,
			      "internal_port", (int)r->int_port, "description", r->desc);
	if (!o)
		return NULL;
	if (r->ext_ip)
		json_object_set_new(o, "external_address", json_string(ext));
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static void insert_sorted(struct portfwd *pf, struct portfwd_rule *r)
{
	size_t i = 0;
	while (i < pf->n && pf->v[i]->id < r->id)
		i++;
	memmove(&pf->v[i + 1], &pf->v[i], (pf->n - i) * sizeof(pf->v[0]));
	pf->v[i] = r;
	pf->n++;
	if (r->id >= pf->next_id)
		pf->next_id = r->id + 1;
}

int portfwd_add(struct portfwd *pf, const struct portfwd_rule *in,
		const struct portfwd_rule **out, struct ctl_err *e)
{
	int rc = validate(pf, in, e);
	if (rc < 0)
		return rc;
	const struct portfwd_rule *o = conflict(pf, in);
	if (o)
		return ctl_fail(e, EEXIST, 409, "operation-failed",
				"operation failed: %s port %u%s is already forwarded by port forward %u",
				portfwd_proto_name(in->proto), in->ext_port,
				in->ext_ip && o->ext_ip ? " of this address" : "", o->id);
	if (pf->n == PORTFWD_MAX || pf->next_id == 0 || pf->next_id > 999999999)
		return ctl_fail(e, ENOSPC, 507, "limit-exceeded",
				"operation failed: too many port forwards: vnetd holds at most %d",
				PORTFWD_MAX);
	struct portfwd_rule *r = malloc(sizeof(*r));
	if (!r)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	*r = *in;
	r->id = pf->next_id;
	char rel[64], *js = to_json(r);
	snprintf(rel, sizeof(rel), PF_DIR "/%u.json", r->id);
	rc = js ? store_mkdir(pf->ctl->state, PF_DIR) : -ENOMEM;
	if (rc == 0)
		rc = store_write(pf->ctl->state, rel, js, strlen(js));
	free(js);
	if (rc < 0) {
		free(r);
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot save port forward: %s", strerror(-rc));
	}
	insert_sorted(pf, r);
	PF_LOG(NOTICE, "port forward %u added: %s port %u to %s %u.%u.%u.%u:%u\n", r->id,
	       portfwd_proto_name(r->proto), r->ext_port, r->network, r->int_ip >> 24,
	       r->int_ip >> 16 & 255, r->int_ip >> 8 & 255, r->int_ip & 255, r->int_port);
	push(pf, false);
	if (out)
		*out = r;
	return 0;
}

int portfwd_remove(struct portfwd *pf, unsigned id, struct portfwd_rule *removed,
		   struct ctl_err *e)
{
	size_t i;
	for (i = 0; i < pf->n && pf->v[i]->id != id; i++)
		;
	if (i == pf->n)
		return ctl_fail(e, ENOENT, 404, "no-port-forward",
				"Port forward not found: no port forward with id '%u'", id);
	char rel[64];
	snprintf(rel, sizeof(rel), PF_DIR "/%u.json", id);
	int rc = store_remove(pf->ctl->state, rel);
	if (rc < 0)
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot delete port forward: %s", strerror(-rc));
	struct portfwd_rule *r = pf->v[i];
	memmove(&pf->v[i], &pf->v[i + 1], (pf->n - i - 1) * sizeof(pf->v[0]));
	pf->n--;
	if (removed)
		*removed = *r;
	PF_LOG(NOTICE, "port forward %u removed\n", id);
	free(r);
	push(pf, false);
	return 0;
}

static int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

/* A stored rule; NULL (logged) when malformed or invalid now. */
static struct portfwd_rule *from_json(struct portfwd *pf, const char *file, const char *text)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	json_int_t id = 0, ep = 0, ip_ = 0;
	const char *net = NULL, *proto = NULL, *iip = NULL, *eip = NULL, *desc = "";
	struct portfwd_rule *r = NULL;
	struct ctl_err e;

	if (!o || json_unpack_ex(o, &je, JSON_STRICT,
				 "{s:I, s:s, s:s, s:I, s?s, s:s, s:I, s?s}", "id", &id, "network",
				 &net, "protocol", &proto, "external_port", &ep, "external_address",
				 &eip, "internal_ip", &iip, "internal_port", &ip_, "description",
				 &desc) != 0) {
		PF_LOG(ERR, "%s: %s; skipped\n", file, je.text);
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	char want[64];
	snprintf(want, sizeof(want), "%lld.json", (long long)id);
	const char *base = strrchr(file, '/');
	if (id < 1 || id > 999999999 || strcmp(base ? base + 1 : file, want) ||
	    strlen(net) >= sizeof(r->network) || strlen(desc) > PORTFWD_DESC_MAX ||
	    ep < 1 || ep > 65535 || ip_ < 1 || ip_ > 65535 || parse_ip(iip, &r->int_ip) < 0 ||
	    (eip && parse_ip(eip, &r->ext_ip) < 0) ||
	    (strcmp(proto, "tcp") && strcmp(proto, "udp"))) {
		PF_LOG(ERR, "%s: invalid port forward (id, ports, addresses or protocol); skipped\n",
		       file);
		goto bad;
	}
	r->id = (unsigned)id;
	snprintf(r->network, sizeof(r->network), "%s", net);
	snprintf(r->desc, sizeof(r->desc), "%s", desc);
	r->proto = strcmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
	r->ext_port = (uint16_t)ep;
	r->int_port = (uint16_t)ip_;
	/* a rule whose network is gone (or changed) is kept: it applies again
	 * when the network fits it again; only what cannot be a rule is refused */
	if (validate_rule(r, &e) < 0) {
		PF_LOG(ERR, "%s: %s; skipped\n", file, e.msg);
		goto bad;
	}
	if (validate_net(pf, r, &e) < 0)
		PF_LOG(WARNING, "%s: port forward %u kept, inactive: %s\n", file, r->id, e.msg);
	if (conflict(pf, r)) {
		PF_LOG(ERR, "%s: duplicates port forward %u; skipped\n", file, conflict(pf, r)->id);
		goto bad;
	}
	goto out;
bad:
	free(r);
	r = NULL;
out:
	json_decref(o);
	return r;
}

int portfwd_load(struct portfwd *pf)
{
	char **names;
	size_t cnt;
	store_mkdir(pf->ctl->state, PF_DIR);
	int rc = store_list(pf->ctl->state, PF_DIR, ".json", &names, &cnt);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cnt && pf->n < PORTFWD_MAX; i++) {
		char rel[300], *text;
		snprintf(rel, sizeof(rel), PF_DIR "/%s", names[i]);
		/* never give a new rule the id of a file skipped here */
		unsigned long fid = strtoul(names[i], NULL, 10);
		if (fid >= pf->next_id && fid < 999999999)
			pf->next_id = (unsigned)fid + 1;
		if ((rc = store_read(pf->ctl->state, rel, &text, NULL)) < 0) {
			PF_LOG(ERR, "%s: %s; skipped\n", rel, strerror(-rc));
			continue;
		}
		struct portfwd_rule *r = from_json(pf, rel, text);
		free(text);
		if (r)
			insert_sorted(pf, r);
	}
	store_list_free(names, cnt);
	if (pf->n)
		PF_LOG(NOTICE, "%zu port forward(s) loaded\n", pf->n);
	push(pf, true);
	return (int)pf->n;
}
