/* hostport.c — the network's TAP; see hostport.h. */
#include "control/host/hostport.h"
#include "control/host/nl.h"
#include "control/ctl.h"
#include "control/log.h"
#include "control/netxml.h"
#include "dataplane/dp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HP_LOG(lvl, fmt, ...) VNETD_LOG("host", lvl, fmt, ##__VA_ARGS__)

struct hostport {
	uint16_t port;
	char name[IF_NAMESIZE];
};

uint16_t hostport_id(const struct hostport *h)
{
	return h->port;
}

struct hostport *hostport_start(struct ctl *c, const struct nx_network *def, uint16_t dp_net)
{
	const char *br = nx_bridge_name(def);
	uint32_t gw;
	int prefix, r;
	uint8_t mac[6];

	if (!c->host_port || !br || nx_ipv4(def, &gw, &prefix) < 0 || nx_mac(def, mac) < 0)
		return NULL;
	struct hostport *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->name, sizeof(h->name), "%s", br);
	struct dp_port_params pp = { .net = dp_net, .has_mac = true, .learning = false,
				     .role = DP_ROLE_HOST };
	memcpy(pp.mac, mac, 6);
	r = dp_port_create(c->dp, &pp, &h->port);
	if (r < 0) {
		HP_LOG(ERR, "network '%s': no host port: %s\n", nx_name(def), strerror(-r));
		free(h);
		return NULL;
	}
	int fd = nl_tap_create(br);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	int idx = (int)if_nametoindex(br);
	unsigned mtu = nx_mtu(def);
	if (idx <= 0 || (r = nl_link_set(idx, mac, mtu, true)) < 0 ||
	    (r = nl_addr_add(idx, htonl(gw), (uint8_t)prefix)) < 0 ||
	    (r = dp_port_attach_tap(c->dp, h->port, fd)) < 0) {
		if (idx <= 0)
			r = -ENODEV;
		close(fd); /* deletes the TAP */
		goto fail;
	}
	/* the gateway's identity: frames to its address go to the host */
	if ((r = dp_net_l3_host_port(c->dp, dp_net, h->port)) < 0)
		HP_LOG(WARNING, "network '%s': host port not the gateway's: %s\n", nx_name(def),
		       strerror(-r));
	char a[INET_ADDRSTRLEN];
	uint32_t ip = htonl(gw);
	HP_LOG(NOTICE, "network '%s': host port %s up with %s/%d\n", nx_name(def), br,
	       inet_ntop(AF_INET, &ip, a, sizeof(a)), prefix);
	return h;
fail:
	HP_LOG(ERR, "network '%s': no host port %s: %s\n", nx_name(def), br,
	       r == -EEXIST ? "the name belongs to another interface" : strerror(-r));
	dp_port_destroy(c->dp, h->port);
	free(h);
	return NULL;
}

void hostport_stop(struct ctl *c, struct hostport *h, uint16_t dp_net)
{
	if (!h)
		return;
	dp_net_l3_host_port(c->dp, dp_net, DP_PORT_NONE);
	dp_port_detach(c->dp, h->port); /* closes the fd: the TAP goes */
	dp_port_destroy(c->dp, h->port);
	HP_LOG(NOTICE, "host port %s removed\n", h->name);
	free(h);
}
