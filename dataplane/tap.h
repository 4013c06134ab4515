/* tap — I/O on a TAP file descriptor (the host port, control/host/hostport.c
 * creates it: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, non-blocking).
 *
 * Design: one read()/writev() per frame, each preceded by a virtio-net
 * header (vnethdr.h).  No offloads are enabled on the TAP (TUNSETOFFLOAD
 * 0), so the kernel hands over complete checksums and segments before
 * giving us a frame; a header asking for a checksum is completed all the
 * same.  A frame bigger than one packet buffer is dropped and counted.
 * The fd is pollable: an idle worker sleeps on it.
 * Threads: rx by the worker polling the port; tx by any worker (a write
 * to a TAP is atomic per frame).  Nothing allocated but mbufs.
 */
#ifndef VNETD_TAP_H
#define VNETD_TAP_H

#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

/* Up to n frames into pkts; *oversize: frames dropped as too big. */
uint16_t tap_rx(int fd, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n,
		unsigned *oversize);
/* Sends up to n; returns how many were written, pkts[0..sent).  The caller
 * frees all. */
uint16_t tap_tx(int fd, struct rte_mbuf **pkts, uint16_t n);

#endif
