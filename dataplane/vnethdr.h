/* vnethdr — the virtio-net header the kernel puts before a frame it hands
 * to a packet socket (PACKET_VNET_HDR) or a TAP (IFF_VNET_HDR), and takes
 * before a frame it is given: shared by kport (AF_PACKET) and tap.
 * Stateless helpers, any thread.
 */
#ifndef VNETD_VNETHDR_H
#define VNETD_VNETHDR_H

#include <linux/virtio_net.h>

struct rte_mbuf;

/* The sender left the checksum at csum_start + csum_offset half done
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM, CHECKSUM_PARTIAL): completes it in the
 * mbuf's first segment, as skb_checksum_help() does.  Nonsense offsets
 * leave the frame as it is. */
void vnethdr_complete_csum(struct rte_mbuf *m, const struct virtio_net_hdr *vh);

/* The header of a frame whose checksums are complete and which is not GSO. */
extern const struct virtio_net_hdr vnethdr_none;

#endif
