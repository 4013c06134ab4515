/* vnethdr.c — virtio-net header handling shared by kport and tap. */
#include "dataplane/vnethdr.h"

#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

const struct virtio_net_hdr vnethdr_none;

void vnethdr_complete_csum(struct rte_mbuf *m, const struct virtio_net_hdr *vh)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = m->data_len, start = vh->csum_start, at = start + vh->csum_offset;
	if (start >= len || at + 2 > len)
		return; /* nonsense from the kernel: leave the frame as it is */
	uint16_t sum = (uint16_t)~rte_raw_cksum(d + start, len - start);
	memcpy(d + at, &sum, 2);
}
