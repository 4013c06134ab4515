/* uplink — the interface to the outside world (the host's NIC), shared
 * with the host kernel.
 *
 * Design: our BPF program (dataplane/bpf/uplink.bpf.c, embedded as a
 * skeleton) decides which received frames are vnetd's: return traffic to
 * the NAT addresses and port ranges, ICMP errors quoting them, and
 * everything to the route/open networks' prefixes (ul_steer_*).  All other
 * frames, ARP included, go to the kernel: the host keeps using the
 * interface and its address.
 *  - af_xdp mode: the XDP program redirects steered frames to one AF_XDP
 *    socket per rx queue (libxdp's xsk API, its own UMEM per queue, copy or
 *    zero-copy as the driver offers).  ul_rx copies frames into mbufs and
 *    refills the fill ring; ul_tx copies mbufs into free UMEM frames and
 *    kicks the socket.
 *  - af_packet mode (AF_XDP unavailable, or force_packet): one packet
 *    socket whose socket filter (the same steering) copies only steered
 *    frames, and a tc ingress filter (the same again) that drops them
 *    afterwards: packet taps run before tc ingress, so the socket sees them
 *    and the kernel does not (it would reset TCP connections it does not
 *    know).  I/O is kport's (virtio-net header, GSO, VLAN aux data).
 * The program is attached at ul_open (a stale one of ours, left by a
 * kill -9, is recognised by its name and replaced; a foreign XDP program
 * makes AF_XDP fail, hence af_packet) and removed at ul_close.
 * Threads: ul_open/ul_close/ul_steer_* on the control thread; ul_rx(q) by
 * the worker that polls queue q; ul_tx by any worker (a spinlock per queue
 * in af_xdp mode; sendmmsg is thread-safe).  ul_fd(q) is pollable (POLLIN
 * when frames wait): an idle worker sleeps on it.
 * Memory: UMEM and rings are allocated at ul_open, freed at ul_close; the
 * hot path allocates only mbufs, from the caller's pool.
 * Errors: 0 or a negative errno; ul_open returns NULL and sets errno.
 */
#ifndef VNETD_UPLINK_H
#define VNETD_UPLINK_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;
struct ul;

#define UL_MAX_QUEUES 64

struct ul_params {
	const char *ifname;
	struct rte_mempool *pool;
	unsigned queues;            /* rx/tx queue pairs to open (<= the interface's) */
	bool force_packet;          /* af_packet even if AF_XDP works (tests, fallback) */
};

struct ul *ul_open(const struct ul_params *p);      /* NULL + errno; logs the mode chosen */
void ul_close(struct ul *u);                        /* removes the XDP program */
const char *ul_mode(const struct ul *u);            /* "af_xdp" or "af_packet" */
unsigned ul_queues(const struct ul *u);
int ul_fd(const struct ul *u, unsigned q);          /* pollable, for the idle sleep */
/* workers; copy frames in/out of mbufs; ul_tx does not free (the caller frees all) */
uint16_t ul_rx(struct ul *u, unsigned q, struct rte_mbuf **pkts, uint16_t n);
uint16_t ul_tx(struct ul *u, unsigned q, struct rte_mbuf **pkts, uint16_t n);
/* What the XDP program redirects to vnetd (everything else: XDP_PASS to the
 * kernel).  Control thread only.  Reference counted: two networks may steer
 * the same address or port; the last off removes it. */
int ul_steer_addr(struct ul *u, uint32_t ip, bool on);      /* NAT external addresses (net order) */
/* proto IPPROTO_TCP/UDP: destination port range to a steered address;
 * IPPROTO_ICMP: echo reply identifier range; ICMP errors whose quoted
 * packet's source port/id is in range follow. */
int ul_steer_ports(struct ul *u, uint8_t proto, uint16_t min, uint16_t max, bool on);
int ul_steer_prefix(struct ul *u, uint32_t prefix, uint8_t len, bool on); /* route/open: guest subnets */

/* Frames the socket dropped for want of mbufs or room (rx) and the
 * frames too big for a UMEM frame (tx), for the statistics. */
struct ul_stats { uint64_t rx_nombuf, rx_oversize, tx_full, tx_oversize; };
void ul_stats(const struct ul *u, struct ul_stats *s);

#endif
