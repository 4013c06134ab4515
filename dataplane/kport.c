#include "dataplane/kport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0 ||
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

uint16_t kport_rx(int fd, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n)
{
	struct mmsghdr msg[KPORT_BURST];
	struct iovec iov[KPORT_BURST];
	if (n > KPORT_BURST)
		n = KPORT_BURST;
	if (rte_pktmbuf_alloc_bulk(mp, pkts, n) != 0)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		iov[i].iov_base = rte_pktmbuf_mtod(pkts[i], void *);
		iov[i].iov_len = rte_pktmbuf_tailroom(pkts[i]);
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	int got = recvmmsg(fd, msg, n, MSG_DONTWAIT, NULL);
	if (got < 0)
		got = 0;
	uint16_t kept = 0;
	for (int i = 0; i < got; i++) {
		/* Truncated (oversize) frames are not forwarded. */
		if (msg[i].msg_hdr.msg_flags & MSG_TRUNC || msg[i].msg_len < 14) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		pkts[i]->data_len = (uint16_t)msg[i].msg_len;
		pkts[i]->pkt_len = msg[i].msg_len;
		pkts[kept++] = pkts[i];
	}
	for (uint16_t i = (uint16_t)got; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	return kept;
}

uint16_t kport_tx(int fd, struct rte_mbuf **pkts, uint16_t n)
{
	struct mmsghdr msg[KPORT_BURST];
	struct iovec iov[KPORT_BURST][KPORT_MAX_SEGS];
	uint16_t sent = 0;

	while (sent < n) {
		unsigned cnt = 0;
		for (; cnt < KPORT_BURST && sent + cnt < n; cnt++) {
			struct rte_mbuf *m = pkts[sent + cnt];
			unsigned s = 0;
			for (struct rte_mbuf *seg = m; seg && s < KPORT_MAX_SEGS; seg = seg->next, s++) {
				iov[cnt][s].iov_base = rte_pktmbuf_mtod(seg, void *);
				iov[cnt][s].iov_len = seg->data_len;
			}
			memset(&msg[cnt], 0, sizeof(msg[cnt]));
			msg[cnt].msg_hdr.msg_iov = iov[cnt];
			msg[cnt].msg_hdr.msg_iovlen = s;
		}
		int r = sendmmsg(fd, msg, cnt, MSG_DONTWAIT);
		if (r <= 0)
			break;
		sent = (uint16_t)(sent + r);
		if ((unsigned)r < cnt)
			break;
	}
	return sent;
}
