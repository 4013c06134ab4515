/* kport — kernel-interface ports: an existing netdev (a veth end, a tap)
 * attached to a network through an AF_PACKET socket.
 *
 * Design: one non-blocking SOCK_RAW socket bound to the interface, with
 * PACKET_IGNORE_OUTGOING so the frames we send are not read back.  Receive
 * copies frames into mbufs with recvmmsg; transmit sends mbufs (segments as
 * an iovec) with sendmmsg.  The socket is pollable, so an idle worker sleeps
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
uint16_t kport_rx(int fd, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n);
/* Sends up to n; returns how many were sent (the caller frees all). */
uint16_t kport_tx(int fd, struct rte_mbuf **pkts, uint16_t n);

#endif
