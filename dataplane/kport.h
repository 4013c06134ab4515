/* kport — kernel-interface ports: an existing netdev (a veth end, a tap)
 * attached to a network through an AF_PACKET socket.
 *
 * Design: one non-blocking SOCK_RAW socket bound to the interface, with
 * PACKET_IGNORE_OUTGOING so the frames we send are not read back.  Receive
 * copies frames into mbufs with recvmmsg; transmit sends mbufs (segments as
 * an iovec) with sendmmsg.
 * The kernel hands a frame over as its stack left it: PACKET_VNET_HDR puts a
 * virtio-net header before it, and a checksum left to the offload
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM: the veth default) is completed here, else a
 * TCP/UDP peer drops the frame; PACKET_AUXDATA gives the VLAN tag the
 * kernel's VLAN offload took out of the frame, which is put back (else a
 * tagged frame would leave untagged: an isolation break).
 * A TSO sender's TCP frames arrive unsegmented (GSO, up to 64 KB, the veth
 * default): they are cut into gso_size segments here (sequence numbers, IP
 * lengths and ids, checksums), as a NIC would (a worker's own 2 MB scratch
 * holds what does not fit the first mbuf).
 * MTU policy: a frame must fit one packet buffer (2048 bytes of data room)
 * and, to leave, the egress interface's MTU.  Bigger received frames (jumbo,
 * or GSO frames we cannot cut: not TCP, IPv6 extension headers) are dropped
 * and counted (rx_oversize), as are frames the egress interface refuses as
 * too big (tx_oversize); neither is counted as a full queue.  The socket is pollable, so an idle worker sleeps
 * on it like on a vhost kick eventfd.  Containers and network namespaces
 * become first-class ports, and tests run real DHCP clients without a VM.
 * Threads: kport_open/close on the control thread; rx by the owning worker,
 * tx by any worker (sendmmsg is thread-safe).  Errors: negative errno.
 */
#ifndef VNETD_KPORT_H
#define VNETD_KPORT_H

#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

/* Opens the socket for interface ifname (brought up if down). Returns the fd. */
int kport_open(const char *ifname);
void kport_close(int fd);
/* Room kport_rx needs for a burst whose frames may be cut in segments. */
#define KPORT_RX_MAX (32 * 48)

/* Receives frames into pkts (up to n mbufs; n >= 1, KPORT_RX_MAX lets a
 * whole burst of GSO frames in); *oversize: how many frames were dropped as
 * too big. */
uint16_t kport_rx(int fd, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n,
		  unsigned *oversize);
/* Sends up to n; returns how many were sent, pkts[0..sent).  *oversize of
 * them, moved to pkts[n - *oversize .. n), were refused as larger than the
 * interface's MTU; the rest in between was not sent (socket buffer full).
 * The caller frees all. */
uint16_t kport_tx(int fd, struct rte_mbuf **pkts, uint16_t n, unsigned *oversize);

#endif
