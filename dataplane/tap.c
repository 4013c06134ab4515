/* tap.c — frames in and out of a TAP with a virtio-net header; see tap.h. */
#include "dataplane/tap.h"
#include "dataplane/vnethdr.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_mbuf.h>

#define TAP_MAX_SEGS 8

uint16_t tap_rx(int fd, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n,
		unsigned *oversize)
{
	uint16_t got = 0;
	*oversize = 0;
	while (got < n) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		if (!m)
			break;
		struct virtio_net_hdr vh;
		uint8_t junk[64]; /* the tail of a frame too big for the buffer */
		struct iovec iov[3] = {
			{ &vh, sizeof(vh) },
			{ rte_pktmbuf_mtod(m, void *), rte_pktmbuf_tailroom(m) },
			{ junk, sizeof(junk) },
		};
		ssize_t r = readv(fd, iov, 3);
		if (r <= (ssize_t)sizeof(vh)) {
			rte_pktmbuf_free(m);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break; /* EAGAIN: nothing more */
			continue;
		}
		size_t len = (size_t)r - sizeof(vh);
		if (len > iov[1].iov_len || vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			(*oversize)++;
			rte_pktmbuf_free(m);
			continue;
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = (uint32_t)len;
		if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			vnethdr_complete_csum(m, &vh);
		pkts[got++] = m;
	}
	return got;
}

uint16_t tap_tx(int fd, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;
	for (; sent < n; sent++) {
		struct iovec iov[1 + TAP_MAX_SEGS];
		unsigned s = 1;
		iov[0].iov_base = (void *)(uintptr_t)&vnethdr_none;
		iov[0].iov_len = sizeof(vnethdr_none);
		for (struct rte_mbuf *seg = pkts[sent]; seg && s <= TAP_MAX_SEGS; seg = seg->next, s++) {
			iov[s].iov_base = rte_pktmbuf_mtod(seg, void *);
			iov[s].iov_len = seg->data_len;
		}
		if (writev(fd, iov, (int)s) < 0)
			break; /* EAGAIN: the TAP's queue is full (or the link is down) */
	}
	return sent;
}
