#include "dataplane/kport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#define KPORT_BURST 32
#define KPORT_MAX_SEGS 8

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

/* The sender left the checksum at csum_start + csum_offset half done (the
 * pseudo-header sum): sum from csum_start to the end and store it, as
 * skb_checksum_help() does. */
static void complete_csum(struct rte_mbuf *m, const struct virtio_net_hdr *vh)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = m->data_len, start = vh->csum_start, at = start + vh->csum_offset;
	if (start >= len || at + 2 > len)
		return; /* nonsense from the kernel: leave the frame as it is */
	uint16_t sum = (uint16_t)~rte_raw_cksum(d + start, len - start);
	memcpy(d + at, &sum, 2);
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

uint16_t kport_rx(int fd, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n,
		  unsigned *oversize)
{
	struct mmsghdr msg[KPORT_BURST];
	struct iovec iov[KPORT_BURST][2];
	struct virtio_net_hdr vh[KPORT_BURST];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl[KPORT_BURST];

	*oversize = 0;
	if (n > KPORT_BURST)
		n = KPORT_BURST;
	if (rte_pktmbuf_alloc_bulk(mp, pkts, n) != 0)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		iov[i][0].iov_base = &vh[i];
		iov[i][0].iov_len = sizeof(vh[i]);
		iov[i][1].iov_base = rte_pktmbuf_mtod(pkts[i], void *);
		iov[i][1].iov_len = rte_pktmbuf_tailroom(pkts[i]);
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_iov = iov[i];
		msg[i].msg_hdr.msg_iovlen = 2;
		msg[i].msg_hdr.msg_control = ctl[i].buf;
		msg[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
	}
	int got = recvmmsg(fd, msg, n, MSG_DONTWAIT, NULL);
	if (got < 0)
		got = 0;
	uint16_t kept = 0;
	for (int i = 0; i < got; i++) {
		struct rte_mbuf *m = pkts[i];
		/* Larger than a buffer: a jumbo frame, or a GSO frame (a TSO
		 * sender's up to 64 KB) that we do not segment: counted. */
		if (msg[i].msg_hdr.msg_flags & MSG_TRUNC || vh[i].gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			(*oversize)++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* short frames go on, to be dropped and counted as runts */
		uint32_t len = msg[i].msg_len > sizeof(vh[i]) ? msg[i].msg_len - sizeof(vh[i]) : 0;
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		if (vh[i].flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			complete_csum(m, &vh[i]);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg[i].msg_hdr); c;
		     c = CMSG_NXTHDR(&msg[i].msg_hdr, c)) {
			struct tpacket_auxdata aux;
			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
			    c->cmsg_len < CMSG_LEN(sizeof(aux)))
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if ((aux.tp_status & TP_STATUS_VLAN_VALID) && len >= 12 &&
			    insert_vlan(m, &aux) != 0) {
				/* no headroom: cannot happen with our pool */
				(*oversize)++;
				rte_pktmbuf_free(m);
				m = NULL;
			}
			break;
		}
		if (m)
			pkts[kept++] = m;
	}
	for (uint16_t i = (uint16_t)got; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	return kept;
}

uint16_t kport_tx(int fd, struct rte_mbuf **pkts, uint16_t n, unsigned *oversize)
{
	static const struct virtio_net_hdr none; /* checksums complete, no GSO */
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
			iov[cnt][0].iov_base = (void *)(uintptr_t)&none;
			iov[cnt][0].iov_len = sizeof(none);
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
