/* nl.c — rtnetlink requests with libmnl, and TAP creation; see nl.h. */
#include "control/host/nl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

struct nl_req {
	struct mnl_socket *nl;
	uint32_t seq, portid;
	char buf[32768]; /* MNL_SOCKET_BUFFER_SIZE is not a constant */
};

static int req_open(struct nl_req *r)
{
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl)
		return -errno;
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = -errno;
		mnl_socket_close(r->nl);
		return e;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (uint32_t)time(NULL);
	return 0;
}

static struct nlmsghdr *req_msg(struct nl_req *r, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++r->seq;
	return nlh;
}

/* Sends nlh and runs cb on every answer until done; closes the socket. */
static int req_run(struct nl_req *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int ret = 0;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(r->nl, r->buf, sizeof(r->buf));
		if (n < 0) {
			ret = -errno;
			break;
		}
		int c = mnl_cb_run(r->buf, (size_t)n, r->seq, r->portid, cb, data);
		if (c <= MNL_CB_STOP) {
			ret = c < 0 ? -errno : 0;
			break;
		}
	}
out:
	mnl_socket_close(r->nl);
	return ret;
}

static int request(uint16_t type, uint16_t flags, const void *hdr, size_t hlen,
		   void (*attrs)(struct nlmsghdr *, const void *), const void *arg, mnl_cb_t cb,
		   void *data)
{
	struct nl_req *r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	int e = req_open(r);
	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK; /* the answer (if any), then the ACK ends it */
	if (e == 0) {
		struct nlmsghdr *nlh = req_msg(r, type, flags);
		memcpy(mnl_nlmsg_put_extra_header(nlh, hlen), hdr, hlen);
		if (attrs)
			attrs(nlh, arg);
		e = req_run(r, nlh, cb, data);
	}
	free(r);
	return e;
}

/* ---- default route ---- */

struct route_pick { int oif; uint32_t gw, metric; bool found; };

int nl_route_pick(const struct nlmsghdr *nlh, int *oif, uint32_t *gw, uint32_t *metric)
{
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t table = rm->rtm_table, prio = 0, via = 0;
	int dev = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rm->rtm_family != AF_INET ||
	    rm->rtm_dst_len != 0 || rm->rtm_type != RTN_UNICAST)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*rm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_TABLE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				table = mnl_attr_get_u32(a);
			break;
		case RTA_PRIORITY:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				prio = mnl_attr_get_u32(a);
			break;
		case RTA_OIF:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				dev = (int)mnl_attr_get_u32(a);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(a) == 4)
				memcpy(&via, mnl_attr_get_payload(a), 4);
			break;
		}
	}
	if (table != RT_TABLE_MAIN || dev <= 0 || prio >= *metric)
		return 0;
	*oif = dev;
	*gw = via;
	*metric = prio;
	return 1;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_pick *p = data;
	if (nl_route_pick(nlh, &p->oif, &p->gw, &p->metric))
		p->found = true;
	return MNL_CB_OK;
}

int nl_default_route(char ifname[IF_NAMESIZE], uint32_t *gw)
{
	struct rtmsg rm = { .rtm_family = AF_INET };
	struct route_pick p = { .metric = UINT32_MAX };
	int e = request(RTM_GETROUTE, NLM_F_DUMP, &rm, sizeof(rm), NULL, NULL, route_cb, &p);
	if (e < 0)
		return e;
	if (!p.found || !if_indextoname((unsigned)p.oif, ifname))
		return -ENOENT;
	*gw = p.gw;
	return 0;
}

/* ---- interface ---- */

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ifinfo *o = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	o->ifindex = ifi->ifi_index;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_ADDRESS && mnl_attr_get_payload_len(a) == 6)
			memcpy(o->mac, mnl_attr_get_payload(a), 6);
		else if (mnl_attr_get_type(a) == IFLA_MTU && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			o->mtu = (uint16_t)mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ifinfo *o = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != o->ifindex || o->ip)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL && mnl_attr_get_payload_len(a) == 4) {
			memcpy(&o->ip, mnl_attr_get_payload(a), 4);
			o->plen = ifa->ifa_prefixlen;
		}
	}
	return MNL_CB_OK;
}

static void put_ifname(struct nlmsghdr *nlh, const void *name)
{
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
}

int nl_if_info(const char *ifname, struct nl_ifinfo *o)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	memset(o, 0, sizeof(*o));
	if (strlen(ifname) >= IF_NAMESIZE)
		return -EINVAL;
	int e = request(RTM_GETLINK, 0, &ifi, sizeof(ifi), put_ifname, ifname, link_cb, o);
	if (e < 0)
		return e == -ENODEV ? -ENOENT : e;
	if (o->ifindex <= 0)
		return -ENOENT;
	return request(RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa), NULL, NULL, addr_cb, o);
}

/* ---- neighbours ---- */

int nl_neigh_parse(const struct nlmsghdr *nlh, uint8_t mac[6])
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	bool have = false;
	if (nlh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_family != AF_INET)
		return -ENOENT;
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6) {
			memcpy(mac, mnl_attr_get_payload(a), 6);
			have = true;
		}
	}
	if (have && (nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
				      NUD_PERMANENT | NUD_NOARP)))
		return 0;
	return -EAGAIN;
}

struct neigh_q { uint8_t *mac; int r; };

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_q *q = data;
	if (nlh->nlmsg_type == RTM_NEWNEIGH)
		q->r = nl_neigh_parse(nlh, q->mac);
	return MNL_CB_OK;
}

static void put_dst(struct nlmsghdr *nlh, const void *ip)
{
	mnl_attr_put(nlh, NDA_DST, 4, ip);
}

int nl_neigh_lookup(int ifindex, uint32_t ip, uint8_t mac[6])
{
	struct ndmsg nd = { .ndm_family = AF_INET, .ndm_ifindex = ifindex };
	struct neigh_q q = { .mac = mac, .r = -ENOENT };
	int e = request(RTM_GETNEIGH, 0, &nd, sizeof(nd), put_dst, &ip, neigh_cb, &q);
	return e < 0 ? e : q.r;
}

int nl_neigh_resolve(int ifindex, uint32_t ip)
{
	struct ndmsg nd = { .ndm_family = AF_INET, .ndm_ifindex = ifindex,
			    .ndm_state = NUD_NONE, .ndm_flags = NTF_USE };
	return request(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK, &nd, sizeof(nd),
		       put_dst, &ip, NULL, NULL);
}

/* ---- the TAP and link settings ---- */

int nl_tap_create(const char *name)
{
	struct ifreq ifr;
	unsigned off = 0;
	if (strlen(name) >= IF_NAMESIZE || !*name)
		return -EINVAL;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, strlen(name));
	/* no offloads: the kernel completes checksums and segments for us */
	if (ioctl(fd, TUNSETIFF, &ifr) != 0 || ioctl(fd, TUNSETOFFLOAD, (unsigned long)off) != 0) {
		int e = errno == EINVAL || errno == EBUSY ? -EEXIST : -errno;
		close(fd);
		return e;
	}
	return fd;
}

struct link_set { const uint8_t *mac; unsigned mtu; };

static void put_link(struct nlmsghdr *nlh, const void *arg)
{
	const struct link_set *l = arg;
	if (l->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, l->mac);
	if (l->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, l->mtu);
}

int nl_link_set(int ifindex, const uint8_t *mac, unsigned mtu, bool up)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_flags = up ? IFF_UP : 0, .ifi_change = IFF_UP };
	struct link_set l = { mac, mtu };
	return request(RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi), put_link, &l, NULL, NULL);
}

struct addr_set { uint32_t ip; };

static void put_addr(struct nlmsghdr *nlh, const void *arg)
{
	const struct addr_set *a = arg;
	mnl_attr_put(nlh, IFA_LOCAL, 4, &a->ip);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &a->ip);
}

int nl_addr_add(int ifindex, uint32_t ip, uint8_t plen)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = plen,
				 .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (uint32_t)ifindex };
	struct addr_set a = { ip };
	if (plen > 32)
		return -EINVAL;
	return request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK, &ifa, sizeof(ifa),
		       put_addr, &a, NULL, NULL);
}

int nl_link_del(const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	if (strlen(name) >= IF_NAMESIZE)
		return -EINVAL;
	int e = request(RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi), put_ifname, name, NULL, NULL);
	return e == -ENODEV ? -ENOENT : e;
}
