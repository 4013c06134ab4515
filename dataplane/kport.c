#include "dataplane/kport.h"
#include "dataplane/vnethdr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#define KPORT_BURST 32
#define KPORT_MAX_SEGS 8
#define KPORT_GSO_MAX (65536 + 256) /* a GSO frame: 64 KB of IP plus headers */

/* Per worker thread (allocated on its first receive): where recvmmsg puts
 * what does not fit the mbuf, and one frame put together. */
struct kport_scratch {
	uint8_t ovf[KPORT_BURST][KPORT_GSO_MAX];
	uint8_t frame[KPORT_GSO_MAX];
};
static __thread struct kport_scratch *scratch;

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

int kport_open(const char *ifname)
{
	struct ifreq ifr;
	int fd, one = 1;
	unsigned idx = if_nametoindex(ifname);

	if (!idx || strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -errno;
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)idx,
	};
	int bufsz = 4 << 20;
	/* A virtio-net header before each frame tells us which checksum the
	 * sender left to the "hardware" (CHECKSUM_PARTIAL); the aux data the
	 * VLAN tag the kernel took out of the frame. */
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	/* Up, and promiscuous: the port carries frames for every guest MAC. */
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_PROMISC;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	/* Drop what queued up between socket() and bind(). */
	char junk[64];
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	return fd;
}

void kport_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Put the tag the kernel took out (VLAN offload) back after the MACs. */
static int insert_vlan(struct rte_mbuf *m, const struct tpacket_auxdata *aux)
{
	uint16_t tpid = aux->tp_status & TP_STATUS_VLAN_TPID_VALID ? aux->tp_vlan_tpid
								  : ETH_P_8021Q;
	uint8_t *d = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	if (!d)
		return -ENOSPC;
	memmove(d, d + 4, 12);
	uint16_t tag[2] = { htons(tpid), htons(aux->tp_vlan_tci) };
	memcpy(d + 12, tag, 4);
	return 0;
}

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* A TCP GSO frame (a TSO sender's up to 64 KB, as the veth hands it over)
 * cut into gso_size segments with their own sequence numbers, lengths, IP
 * ids and complete checksums, as the NIC would have.  Returns the segments
 * stored in out (0: not a frame we can segment, or no room/buffers). */
static unsigned gso_segment(const uint8_t *f, uint32_t len, const struct virtio_net_hdr *vh,
			    struct rte_mempool *mp, struct rte_mbuf **out, unsigned room)
{
	uint8_t type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint32_t l4 = vh->csum_start, mss = vh->gso_size;
	uint16_t et;

	if ((type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    !(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || mss == 0 || len < 14 + 40 ||
	    l4 + 20 > len)
		return 0;
	memcpy(&et, f + 12, 2);
	if (type == VIRTIO_NET_HDR_GSO_TCPV4
		    ? et != htons(ETH_P_IP) || l4 != 14u + (f[14] & 0xf) * 4u || f[23] != IPPROTO_TCP
		    : et != htons(ETH_P_IPV6) || l4 != 14 + 40 || f[20] != IPPROTO_TCP)
		return 0; /* IPv6 extension headers, tunnels: not ours to cut */
	uint32_t hlen = l4 + (f[l4 + 12] >> 4) * 4u;
	if (hlen + 1 > len)
		return 0;
	uint32_t payload = len - hlen, nseg = (payload + mss - 1) / mss;
	if (nseg > room || hlen + mss > RTE_MBUF_DEFAULT_DATAROOM ||
	    rte_pktmbuf_alloc_bulk(mp, out, nseg) != 0)
		return 0;
	uint32_t seq0;
	uint16_t id0;
	memcpy(&seq0, f + l4 + 4, 4);
	memcpy(&id0, f + 18, 2);
	seq0 = ntohl(seq0);
	id0 = ntohs(id0);
	for (uint32_t i = 0; i < nseg; i++) {
		struct rte_mbuf *m = out[i];
		uint32_t off = i * mss, chunk = RTE_MIN(mss, payload - off);
		uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
		if (rte_pktmbuf_tailroom(m) < hlen + chunk) {
			rte_pktmbuf_free_bulk(out, nseg);
			return 0;
		}
		memcpy(d, f, hlen);
		memcpy(d + hlen, f + hlen + off, chunk);
		m->data_len = (uint16_t)(hlen + chunk);
		m->pkt_len = hlen + chunk;
		uint32_t seq = htonl(seq0 + off);
		memcpy(d + l4 + 4, &seq, 4);
		if (i != nseg - 1)
			d[l4 + 13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (i != 0)
			d[l4 + 13] &= (uint8_t)~TCP_CWR;
		memset(d + l4 + 16, 0, 2);
		uint16_t ck;
		if (type == VIRTIO_NET_HDR_GSO_TCPV4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + 14);
			ip->total_length = htons((uint16_t)(hlen - 14 + chunk));
			ip->packet_id = htons((uint16_t)(id0 + i));
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			ck = rte_ipv4_udptcp_cksum(ip, d + l4);
		} else {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(d + 14);
			ip6->payload_len = htons((uint16_t)(hlen - 54 + chunk));
			ck = rte_ipv6_udptcp_cksum(ip6, d + l4);
		}
		memcpy(d + l4 + 16, &ck, 2);
	}
	return nseg;
}

/* The VLAN tag the kernel took out, from the aux data; false when none. */
static bool aux_vlan(struct msghdr *mh, struct tpacket_auxdata *aux)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(*aux)))
			continue;
		memcpy(aux, CMSG_DATA(c), sizeof(*aux));
		return (aux->tp_status & TP_STATUS_VLAN_VALID) != 0;
	}
	return false;
}

uint16_t kport_rx(int fd, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n,
		  unsigned *oversize)
{
	struct mmsghdr msg[KPORT_BURST];
	struct iovec iov[KPORT_BURST][3];
	struct virtio_net_hdr vh[KPORT_BURST];
	struct rte_mbuf *head[KPORT_BURST];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl[KPORT_BURST];
	unsigned m = RTE_MIN(n, KPORT_BURST);

	*oversize = 0;
	if (!scratch)
		scratch = malloc(sizeof(*scratch)); /* once per thread */
	if (rte_pktmbuf_alloc_bulk(mp, head, m) != 0)
		return 0;
	for (unsigned i = 0; i < m; i++) {
		iov[i][0].iov_base = &vh[i];
		iov[i][0].iov_len = sizeof(vh[i]);
		iov[i][1].iov_base = rte_pktmbuf_mtod(head[i], void *);
		iov[i][1].iov_len = rte_pktmbuf_tailroom(head[i]);
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_iov = iov[i];
		msg[i].msg_hdr.msg_iovlen = 2;
		if (scratch) {
			iov[i][2].iov_base = scratch->ovf[i];
			iov[i][2].iov_len = sizeof(scratch->ovf[i]);
			msg[i].msg_hdr.msg_iovlen = 3;
		}
		msg[i].msg_hdr.msg_control = ctl[i].buf;
		msg[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
	}
	int got = recvmmsg(fd, msg, m, MSG_DONTWAIT, NULL);
	if (got < 0)
		got = 0;
	unsigned kept = 0;
	for (int i = 0; i < got; i++) {
		struct rte_mbuf *h = head[i];
		uint32_t len = msg[i].msg_len > sizeof(vh[i]) ? msg[i].msg_len - sizeof(vh[i]) : 0;
		uint32_t room1 = (uint32_t)iov[i][1].iov_len;
		unsigned first = kept, nseg = 1;
		/* every later message still needs a place */
		unsigned room = n - kept - (unsigned)(got - i - 1);

		if (msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
			nseg = 0; /* bigger than 64 KB */
			rte_pktmbuf_free(h);
		} else if (len > room1 || vh[i].gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			/* A GSO frame is cut into segments; a plain frame bigger
			 * than a buffer (jumbo) is not forwarded. */
			nseg = 0;
			if (vh[i].gso_type != VIRTIO_NET_HDR_GSO_NONE) {
				const uint8_t *f = rte_pktmbuf_mtod(h, const uint8_t *);
				if (len > room1) {
					memcpy(scratch->frame, f, room1);
					memcpy(scratch->frame + room1, scratch->ovf[i], len - room1);
					f = scratch->frame;
				}
				nseg = gso_segment(f, len, &vh[i], mp, &pkts[kept], room);
			}
			rte_pktmbuf_free(h);
		} else {
			/* short frames go on, to be dropped and counted as runts */
			h->data_len = (uint16_t)len;
			h->pkt_len = len;
			if (vh[i].flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
				vnethdr_complete_csum(h, &vh[i]);
			pkts[kept] = h;
		}
		if (nseg == 0) {
			(*oversize)++;
			continue;
		}
		kept += nseg;
		struct tpacket_auxdata aux;
		if (len >= 12 && aux_vlan(&msg[i].msg_hdr, &aux)) {
			/* fresh mbufs have RTE_PKTMBUF_HEADROOM: room for a tag */
			for (unsigned k = first; k < kept; k++)
				insert_vlan(pkts[k], &aux);
		}
	}
	for (unsigned i = (unsigned)got; i < m; i++)
		rte_pktmbuf_free(head[i]);
	return (uint16_t)kept;
}

uint16_t kport_tx(int fd, struct rte_mbuf **pkts, uint16_t n, unsigned *oversize)
{
	struct mmsghdr msg[KPORT_BURST];
	struct iovec iov[KPORT_BURST][1 + KPORT_MAX_SEGS];
	uint16_t sent = 0, over = 0;

	/* pkts[0, sent) went out, pkts[n - over, n) were too big for the
	 * interface (EMSGSIZE), what lies between was not sent (full). */
	while (sent + over < n) {
		unsigned cnt = 0;
		for (; cnt < KPORT_BURST && sent + over + cnt < n; cnt++) {
			struct rte_mbuf *m = pkts[sent + cnt];
			unsigned s = 1;
			iov[cnt][0].iov_base = (void *)(uintptr_t)&vnethdr_none;
			iov[cnt][0].iov_len = sizeof(vnethdr_none);
			for (struct rte_mbuf *seg = m; seg && s <= KPORT_MAX_SEGS; seg = seg->next, s++) {
				iov[cnt][s].iov_base = rte_pktmbuf_mtod(seg, void *);
				iov[cnt][s].iov_len = seg->data_len;
			}
			memset(&msg[cnt], 0, sizeof(msg[cnt]));
			msg[cnt].msg_hdr.msg_iov = iov[cnt];
			msg[cnt].msg_hdr.msg_iovlen = s;
		}
		int r = sendmmsg(fd, msg, cnt, MSG_DONTWAIT);
		if (r > 0) {
			sent = (uint16_t)(sent + r);
			if ((unsigned)r == cnt)
				continue;
			/* the next one failed: sending it alone tells why */
			r = sendmmsg(fd, &msg[r], 1, MSG_DONTWAIT);
			if (r > 0) {
				sent++;
				continue;
			}
		}
		if (r < 0 && errno == EMSGSIZE) {
			/* move it to the end, behind the ones still to send */
			over++;
			struct rte_mbuf *big = pkts[sent];
			memmove(&pkts[sent], &pkts[sent + 1], (size_t)(n - over - sent) * sizeof(*pkts));
			pkts[n - over] = big;
			continue;
		}
		break; /* socket buffer full (EAGAIN, ENOBUFS) or the link is gone */
	}
	*oversize = over;
	return sent;
}
