/* uplink.c — AF_XDP (af_packet fallback) I/O on the host's interface, and
 * the BPF program that keeps the host's own traffic with the host.  See
 * uplink.h for the design. */
#include "dataplane/uplink.h"
#include "dataplane/kport.h"
#include "control/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "uplink.skel.h"

#define UL_LOG(lvl, fmt, ...) VNETD_LOG("uplink", lvl, fmt, ##__VA_ARGS__)

#define UL_FRAME 4096u
#define UL_RX_FRAMES 1024u /* in the fill ring or received */
#define UL_TX_FRAMES 1024u /* free, in the tx ring or completed */
#define UL_TC_HANDLE 0x564e
#define UL_TC_PRIO 0x564e
#define UL_PROG_XDP "vnetd_xdp"
#define UL_PROG_TC "vnetd_tc"

struct ul_q {
	struct xsk_socket *xsk;
	struct xsk_umem *umem;
	struct xsk_ring_cons rx, comp;
	struct xsk_ring_prod tx, fill;
	uint8_t *area;
	int fd;
	rte_spinlock_t lock; /* tx: free frames, tx ring, completion ring */
	unsigned n_free;
	uint64_t free_frames[UL_TX_FRAMES];
	uint64_t rx_nombuf, rx_oversize, tx_full, tx_oversize;
};

struct ul {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct rte_mempool *pool;
	bool xdp;              /* af_xdp mode */
	uint32_t xdp_flags;    /* mode the program was attached in */
	bool tc_attached, tc_hook_created;
	struct uplink_bpf *skel;
	int pkt_fd;            /* af_packet mode */
	unsigned nq;
	struct ul_q *q;        /* nq queues (af_xdp) */
	uint16_t port_refs[3][65536]; /* ul_ports bits: references */
};

/* ---- the BPF program on the interface ------------------------------ */

static bool prog_named(uint32_t id, const char *name)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool yes = false;
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		yes = strncmp(info.name, name, sizeof(info.name)) == 0;
	close(fd);
	return yes;
}

/* A program of ours left behind by a vnetd that did not stop cleanly (kill
 * -9): its maps are gone with that process, its steering is not ours.
 * Removed; a foreign program is left alone (returns -EBUSY for XDP). */
static int remove_stale(struct ul *u)
{
	static const uint32_t modes[] = { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE };
	int busy = 0;
	for (unsigned i = 0; i < RTE_DIM(modes); i++) {
		uint32_t id = 0;
		if (bpf_xdp_query_id(u->ifindex, (int)modes[i], &id) != 0 || id == 0)
			continue;
		if (prog_named(id, UL_PROG_XDP)) {
			UL_LOG(NOTICE, "%s: replacing a stale XDP program of ours (id %u)\n",
			       u->ifname, id);
			bpf_xdp_detach(u->ifindex, modes[i], NULL);
		} else {
			busy = -EBUSY;
		}
	}
	struct bpf_tc_hook hook = { .sz = sizeof(hook), .ifindex = u->ifindex,
				    .attach_point = BPF_TC_INGRESS };
	struct bpf_tc_opts o = { .sz = sizeof(o), .handle = UL_TC_HANDLE, .priority = UL_TC_PRIO };
	if (bpf_tc_query(&hook, &o) == 0 && prog_named(o.prog_id, UL_PROG_TC)) {
		UL_LOG(NOTICE, "%s: removing a stale tc filter of ours (prog id %u)\n", u->ifname,
		       o.prog_id);
		struct bpf_tc_opts d = { .sz = sizeof(d), .handle = UL_TC_HANDLE,
					 .priority = UL_TC_PRIO };
		bpf_tc_detach(&hook, &d);
	}
	return busy;
}

static int attach_xdp(struct ul *u)
{
	int fd = bpf_program__fd(u->skel->progs.vnetd_xdp);
	static const uint32_t modes[] = { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE };
	int r = -EOPNOTSUPP;
	for (unsigned i = 0; i < RTE_DIM(modes); i++) {
		r = bpf_xdp_attach(u->ifindex, fd, modes[i] | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (r == 0) {
			u->xdp_flags = modes[i];
			return 0;
		}
	}
	return r;
}

static void detach_xdp(struct ul *u)
{
	if (!u->xdp_flags)
		return;
	struct bpf_xdp_attach_opts o = { .sz = sizeof(o),
					 .old_prog_fd = bpf_program__fd(u->skel->progs.vnetd_xdp) };
	bpf_xdp_detach(u->ifindex, u->xdp_flags | XDP_FLAGS_REPLACE, &o);
	u->xdp_flags = 0;
}

static int attach_tc(struct ul *u)
{
	struct bpf_tc_hook hook = { .sz = sizeof(hook), .ifindex = u->ifindex,
				    .attach_point = BPF_TC_INGRESS };
	int r = bpf_tc_hook_create(&hook);
	if (r != 0 && r != -EEXIST)
		return r;
	u->tc_hook_created = r == 0;
	struct bpf_tc_opts o = { .sz = sizeof(o), .handle = UL_TC_HANDLE, .priority = UL_TC_PRIO,
				 .prog_fd = bpf_program__fd(u->skel->progs.vnetd_tc) };
	r = bpf_tc_attach(&hook, &o);
	if (r == 0)
		u->tc_attached = true;
	return r;
}

static void detach_tc(struct ul *u)
{
	struct bpf_tc_hook hook = { .sz = sizeof(hook), .ifindex = u->ifindex,
				    .attach_point = BPF_TC_INGRESS };
	if (u->tc_attached) {
		struct bpf_tc_opts o = { .sz = sizeof(o), .handle = UL_TC_HANDLE,
					 .priority = UL_TC_PRIO };
		bpf_tc_detach(&hook, &o);
		u->tc_attached = false;
	}
	if (u->tc_hook_created) {
		bpf_tc_hook_destroy(&hook);
		u->tc_hook_created = false;
	}
}

/* ---- AF_XDP ---------------------------------------------------------- */

static unsigned if_rx_queues(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	unsigned n = 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
		n = ch.rx_count > ch.combined_count ? ch.rx_count : ch.combined_count;
		if (n == 0)
			n = 1;
	}
	close(fd);
	return n;
}

static void xq_close(struct ul_q *q)
{
	if (q->xsk)
		xsk_socket__delete(q->xsk);
	if (q->umem)
		xsk_umem__delete(q->umem);
	if (q->area)
		munmap(q->area, (size_t)(UL_RX_FRAMES + UL_TX_FRAMES) * UL_FRAME);
	memset(q, 0, sizeof(*q));
	q->fd = -1;
}

static int xq_open(struct ul *u, unsigned qid)
{
	struct ul_q *q = &u->q[qid];
	size_t size = (size_t)(UL_RX_FRAMES + UL_TX_FRAMES) * UL_FRAME;
	struct xsk_umem_config uc = {
		.fill_size = UL_RX_FRAMES, .comp_size = UL_TX_FRAMES,
		.frame_size = UL_FRAME, .frame_headroom = 0,
	};
	int r;

	rte_spinlock_init(&q->lock);
	q->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		return -errno;
	}
	r = xsk_umem__create(&q->umem, q->area, size, &q->fill, &q->comp, &uc);
	if (r != 0)
		return r;
	struct xsk_socket_config sc = {
		.rx_size = UL_RX_FRAMES, .tx_size = UL_TX_FRAMES,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = u->xdp_flags,
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	/* zero-copy where the driver offers it, else copy (veth, generic XDP) */
	r = xsk_socket__create(&q->xsk, u->ifname, qid, q->umem, &q->rx, &q->tx, &sc);
	if (r != 0) {
		sc.bind_flags |= XDP_COPY;
		r = xsk_socket__create(&q->xsk, u->ifname, qid, q->umem, &q->rx, &q->tx, &sc);
	}
	if (r != 0) {
		q->xsk = NULL;
		return r;
	}
	q->fd = xsk_socket__fd(q->xsk);
	r = xsk_socket__update_xskmap(q->xsk, bpf_map__fd(u->skel->maps.ul_xsks));
	if (r != 0)
		return r;
	uint32_t idx;
	if (xsk_ring_prod__reserve(&q->fill, UL_RX_FRAMES, &idx) != UL_RX_FRAMES)
		return -ENOMEM;
	for (uint32_t i = 0; i < UL_RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = (uint64_t)i * UL_FRAME;
	xsk_ring_prod__submit(&q->fill, UL_RX_FRAMES);
	for (uint32_t i = 0; i < UL_TX_FRAMES; i++)
		q->free_frames[i] = (uint64_t)(UL_RX_FRAMES + i) * UL_FRAME;
	q->n_free = UL_TX_FRAMES;
	return 0;
}

static int open_xdp(struct ul *u, unsigned want)
{
	int r = remove_stale(u);
	if (r < 0)
		return r; /* somebody else's XDP program */
	r = attach_xdp(u);
	if (r < 0)
		return r;
	unsigned have = if_rx_queues(u->ifname);
	u->nq = want == 0 || want > have ? have : want;
	if (u->nq > UL_MAX_QUEUES)
		u->nq = UL_MAX_QUEUES;
	if (u->nq < have)
		UL_LOG(WARNING, "%s: %u of %u rx queues served: steered frames on the others "
				"go to the kernel\n", u->ifname, u->nq, have);
	u->q = calloc(u->nq, sizeof(*u->q));
	if (!u->q)
		return -ENOMEM;
	for (unsigned i = 0; i < u->nq; i++)
		u->q[i].fd = -1;
	for (unsigned i = 0; i < u->nq; i++)
		if ((r = xq_open(u, i)) < 0)
			return r;
	u->xdp = true;
	return 0;
}

static void close_xdp(struct ul *u)
{
	detach_xdp(u);
	if (u->q)
		for (unsigned i = 0; i < u->nq; i++)
			xq_close(&u->q[i]);
	free(u->q);
	u->q = NULL;
	u->xdp = false;
}

/* ---- af_packet --------------------------------------------------------- */

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int open_packet(struct ul *u)
{
	int one = 1, bufsz = 4 << 20, prog = bpf_program__fd(u->skel->progs.vnetd_sock);
	int r = remove_stale(u);
	(void)r; /* a foreign XDP program does not stop a packet socket */
	/* protocol 0: nothing queues before the filter is on */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = u->ifindex };
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)) != 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		r = -errno;
		close(fd);
		return r;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	u->pkt_fd = fd;
	/* the socket sees steered frames first; then the kernel must not */
	r = attach_tc(u);
	if (r < 0) {
		close(fd);
		u->pkt_fd = -1;
		return r;
	}
	u->nq = 1;
	return 0;
}

/* ---- open / close ------------------------------------------------------ */

struct ul *ul_open(const struct ul_params *p)
{
	struct ul *u;
	int r;

	if (!p || !p->ifname || !p->pool || strlen(p->ifname) >= IF_NAMESIZE) {
		errno = EINVAL;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	u->pkt_fd = -1;
	u->pool = p->pool;
	snprintf(u->ifname, sizeof(u->ifname), "%s", p->ifname);
	u->ifindex = (int)if_nametoindex(p->ifname);
	if (u->ifindex == 0) {
		free(u);
		errno = ENODEV;
		return NULL;
	}
	u->skel = uplink_bpf__open_and_load();
	if (!u->skel) {
		r = errno ? errno : EINVAL;
		UL_LOG(ERR, "%s: cannot load the BPF program: %s\n", p->ifname, strerror(r));
		free(u);
		errno = r;
		return NULL;
	}
	r = -EPERM;
	if (!p->force_packet) {
		r = open_xdp(u, p->queues);
		if (r < 0) {
			UL_LOG(WARNING, "%s: AF_XDP unavailable (%s): falling back to af_packet\n",
			       p->ifname, strerror(-r));
			close_xdp(u);
		}
	}
	if (r < 0 && (r = open_packet(u)) < 0) {
		UL_LOG(ERR, "%s: af_packet: %s\n", p->ifname, strerror(-r));
		detach_tc(u);
		uplink_bpf__destroy(u->skel);
		free(u);
		errno = -r;
		return NULL;
	}
	UL_LOG(NOTICE, "%s: uplink in %s mode, %u queue(s)%s\n", p->ifname, ul_mode(u), u->nq,
	       u->xdp ? (u->xdp_flags == XDP_FLAGS_DRV_MODE ? ", native XDP" : ", generic XDP")
		      : ", tc ingress filter");
	return u;
}

void ul_close(struct ul *u)
{
	if (!u)
		return;
	close_xdp(u);
	detach_tc(u);
	if (u->pkt_fd >= 0)
		close(u->pkt_fd);
	uplink_bpf__destroy(u->skel);
	UL_LOG(NOTICE, "%s: uplink closed, BPF program removed\n", u->ifname);
	free(u);
}

const char *ul_mode(const struct ul *u)
{
	return u->xdp ? "af_xdp" : "af_packet";
}

unsigned ul_queues(const struct ul *u)
{
	return u->nq;
}

int ul_fd(const struct ul *u, unsigned q)
{
	if (q >= u->nq)
		return -EINVAL;
	return u->xdp ? u->q[q].fd : u->pkt_fd;
}

void ul_stats(const struct ul *u, struct ul_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; u->xdp && i < u->nq; i++) {
		s->rx_nombuf += u->q[i].rx_nombuf;
		s->rx_oversize += u->q[i].rx_oversize;
		s->tx_full += u->q[i].tx_full;
		s->tx_oversize += u->q[i].tx_oversize;
	}
}

/* ---- I/O ---------------------------------------------------------------- */

/* AF_XDP hands frames over without the kernel's checksum state: a frame a
 * local sender left to the offload (CHECKSUM_PARTIAL: a veth peer, a
 * virtual NIC) carries in its TCP/UDP checksum field only the pseudo-header
 * sum.  Such a field is completed here, as the NIC would have; recomputing
 * a checksum that was already right changes nothing. */
static void complete_partial(uint8_t *d, uint32_t len)
{
	if (len < 14 + 20 || d[12] != 0x08 || d[13] != 0x00)
		return;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + 14);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u, tot = rte_be_to_cpu_16(ip->total_length);
	uint32_t at = ip->next_proto_id == IPPROTO_TCP ? 16 : ip->next_proto_id == IPPROTO_UDP ? 6 : 0;
	if (!at || (ip->version_ihl >> 4) != 4 || ihl < 20 || tot < ihl + at + 2 ||
	    14 + tot > len || (rte_be_to_cpu_16(ip->fragment_offset) & 0x3fff))
		return; /* not TCP/UDP, truncated, or a fragment */
	uint8_t *l4 = d + 14 + ihl;
	uint16_t ck;
	memcpy(&ck, l4 + at, 2);
	if (ck == 0 || ck != rte_ipv4_phdr_cksum(ip, 0))
		return; /* UDP without checksum, or not a partial one */
	memset(l4 + at, 0, 2);
	ck = rte_ipv4_udptcp_cksum(ip, l4);
	memcpy(l4 + at, &ck, 2);
}

static uint16_t xq_rx(struct ul *u, struct ul_q *q, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t idx, fidx = 0;
	unsigned got = xsk_ring_cons__peek(&q->rx, n, &idx);
	if (got == 0) {
		if (xsk_ring_prod__needs_wakeup(&q->fill))
			recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		return 0;
	}
	bool have = rte_pktmbuf_alloc_bulk(u->pool, pkts, got) == 0;
	unsigned kept = 0;
	/* the fill ring holds every rx frame: room for what we give back */
	xsk_ring_prod__reserve(&q->fill, got, &fidx);
	for (unsigned i = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
		*xsk_ring_prod__fill_addr(&q->fill, fidx + i) = xsk_umem__extract_addr(d->addr);
		if (!have) {
			q->rx_nombuf++;
			continue;
		}
		struct rte_mbuf *m = pkts[i];
		if (d->len > rte_pktmbuf_tailroom(m)) {
			q->rx_oversize++;
			rte_pktmbuf_free(m);
			continue;
		}
		memcpy(rte_pktmbuf_mtod(m, void *), xsk_umem__get_data(q->area, addr), d->len);
		complete_partial(rte_pktmbuf_mtod(m, uint8_t *), d->len);
		m->data_len = (uint16_t)d->len;
		m->pkt_len = d->len;
		pkts[kept++] = m;
	}
	xsk_ring_cons__release(&q->rx, got);
	xsk_ring_prod__submit(&q->fill, got);
	return (uint16_t)kept;
}

uint16_t ul_rx(struct ul *u, unsigned q, struct rte_mbuf **pkts, uint16_t n)
{
	if (u->xdp)
		return q < u->nq ? xq_rx(u, &u->q[q], pkts, n) : 0;
	unsigned over = 0;
	/* kport_rx may cut a GSO frame into many: it keeps within n */
	return kport_rx(u->pkt_fd, u->pool, pkts, n, &over);
}

static uint16_t xq_tx(struct ul_q *q, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t idx;
	uint16_t sent = 0;

	rte_spinlock_lock(&q->lock);
	unsigned done = xsk_ring_cons__peek(&q->comp, UL_TX_FRAMES, &idx);
	for (unsigned i = 0; i < done; i++)
		q->free_frames[q->n_free++] = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
	xsk_ring_cons__release(&q->comp, done);
	unsigned k = RTE_MIN((unsigned)n, q->n_free);
	if (k && xsk_ring_prod__reserve(&q->tx, k, &idx) != k)
		k = 0;
	for (unsigned i = 0; i < n && sent < k; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		if (len > UL_FRAME) {
			q->tx_oversize++;
			continue;
		}
		uint64_t addr = q->free_frames[--q->n_free];
		uint8_t *dst = xsk_umem__get_data(q->area, addr);
		const void *src = rte_pktmbuf_read(m, 0, len, dst);
		if (src != dst)
			memcpy(dst, src, len);
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&q->tx, idx + sent);
		d->addr = addr;
		d->len = len;
		/* pkts[0, sent) went out: keep the order the caller counts by */
		pkts[i] = pkts[sent];
		pkts[sent++] = m;
	}
	if (k) {
		/* give back the slots reserved for oversize frames */
		q->tx.cached_prod -= k - sent;
		xsk_ring_prod__submit(&q->tx, sent);
		if (sent && xsk_ring_prod__needs_wakeup(&q->tx))
			sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
	}
	q->tx_full += n - sent;
	rte_spinlock_unlock(&q->lock);
	return sent;
}

uint16_t ul_tx(struct ul *u, unsigned q, struct rte_mbuf **pkts, uint16_t n)
{
	if (u->xdp)
		return xq_tx(&u->q[q % u->nq], pkts, n);
	unsigned over = 0;
	return kport_tx(u->pkt_fd, pkts, n, &over);
}

/* ---- steering ------------------------------------------------------------- */

int ul_steer_addr(struct ul *u, uint32_t ip, bool on)
{
	int fd = bpf_map__fd(u->skel->maps.ul_addrs);
	uint32_t refs = 0;
	bool had = bpf_map_lookup_elem(fd, &ip, &refs) == 0;
	if (!on && !had)
		return -ENOENT;
	refs = on ? refs + 1 : refs - 1;
	if (refs == 0)
		return bpf_map_delete_elem(fd, &ip);
	return bpf_map_update_elem(fd, &ip, &refs, BPF_ANY);
}

int ul_steer_ports(struct ul *u, uint8_t proto, uint16_t min, uint16_t max, bool on)
{
	unsigned slot = proto == IPPROTO_TCP ? 0 : proto == IPPROTO_UDP ? 1
				  : proto == IPPROTO_ICMP ? 2 : 3;
	int fd = bpf_map__fd(u->skel->maps.ul_ports);
	if (slot > 2 || min > max)
		return -EINVAL;
	/* all or nothing: a range that is not all on cannot be turned off */
	for (unsigned p = min; !on && p <= max; p++)
		if (u->port_refs[slot][p] == 0)
			return -ENOENT;
	for (unsigned p = min; on && p <= max; p++)
		if (u->port_refs[slot][p] == UINT16_MAX)
			return -EOVERFLOW;
	for (unsigned w = min / 64; w <= max / 64u; w++) {
		uint32_t key = slot * 1024 + w;
		uint64_t bits = 0;
		if (bpf_map_lookup_elem(fd, &key, &bits) != 0)
			return -EIO;
		for (unsigned b = 0; b < 64; b++) {
			unsigned p = w * 64 + b;
			if (p < min || p > max)
				continue;
			u->port_refs[slot][p] = (uint16_t)(u->port_refs[slot][p] + (on ? 1 : -1));
			if (u->port_refs[slot][p])
				bits |= 1ull << b;
			else
				bits &= ~(1ull << b);
		}
		if (bpf_map_update_elem(fd, &key, &bits, BPF_ANY) != 0)
			return -EIO;
	}
	return 0;
}

int ul_steer_prefix(struct ul *u, uint32_t prefix, uint8_t len, bool on)
{
	struct { uint32_t plen, addr; } key = { len, prefix };
	int fd = bpf_map__fd(u->skel->maps.ul_prefixes);
	uint32_t refs = 0;
	if (len > 32)
		return -EINVAL;
	if (len < 32)
		key.addr &= htonl(~(0xffffffffu >> len));
	bool had = bpf_map_lookup_elem(fd, &key, &refs) == 0;
	if (!on && !had)
		return -ENOENT;
	refs = on ? refs + 1 : refs - 1;
	if (refs == 0)
		return bpf_map_delete_elem(fd, &key) == 0 ? 0 : -errno;
	return bpf_map_update_elem(fd, &key, &refs, BPF_ANY) == 0 ? 0 : -errno;
}
