/* capture — copies of a port's frames for `vnetctl port-capture`.
 *
 * Design: a capture is created by the control thread (dp_capture_start) and
 * published in the port's runtime struct (dp_port_rt.cap, the one the
 * workers already read for the device id): with no capture, a worker pays
 * one predictable branch per received burst and per transmitted burst,
 * nothing per frame.  With a capture, the worker runs the filter on each
 * frame of the burst (the tcpdump expression, compiled by libpcap to
 * classic BPF on the control thread and converted to DPDK's eBPF,
 * rte_bpf_convert/rte_bpf_load, executed on the mbuf: JIT when available),
 * and copies a match (up to snaplen bytes, across segments) into a record
 * taken from the capture's own mempool, which it enqueues on the capture's
 * ring (multi-producer: several workers; single consumer: the control
 * thread).  No record free or ring full: the frame is not copied, and
 * counted (dp_capture_dropped): the worker never waits.  The frame itself
 * is not touched: it goes where it would have gone.
 *
 * Writers: workers (records, dropped); the control thread (start, read,
 * stop).  dp_capture_stop() unpublishes the capture, waits for the workers'
 * quiescent state (rte_rcu_qsbr_synchronize: a worker holds it for one loop
 * iteration at most; a sleeping worker is offline) and frees it.  A port
 * destroyed while captured unpublishes it too: dp_capture_ended() then says
 * so; the control thread still calls dp_capture_stop().
 * Errors: 0 or a negative errno.
 */
#ifndef VNETD_CAPTURE_H
#define VNETD_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

struct dp;
struct dp_capture;
struct bpf_program; /* libpcap's (pcap_compile) */

enum { DP_CAP_IN = 1, DP_CAP_OUT = 2 }; /* from the VM / to the VM */

#define DP_CAP_SNAPLEN_MAX 9216u
#define DP_CAP_RECORDS 1024u /* records in flight per capture */

/* One captured frame, as the control thread reads it. */
struct dp_cap_rec {
	uint64_t ns;       /* CLOCK_REALTIME nanoseconds */
	uint32_t caplen;   /* bytes in data */
	uint32_t origlen;  /* the frame's length */
	uint8_t dir;       /* DP_CAP_IN or DP_CAP_OUT */
	uint8_t data[];
};

/* Starts capturing port's frames in directions dir (DP_CAP_* bits), at
 * most snaplen bytes of each (1..DP_CAP_SNAPLEN_MAX); filter: a classic BPF
 * program from pcap_compile (NULL: every frame).  -ENOENT: no such port,
 * -EBUSY: the port is being captured already. */
int dp_capture_start(struct dp *dp, uint16_t port, unsigned dir, unsigned snaplen,
		     const struct bpf_program *filter, struct dp_capture **out);
/* Up to n records (control thread); give each back with dp_capture_put. */
unsigned dp_capture_read(struct dp_capture *c, struct dp_cap_rec **recs, unsigned n);
void dp_capture_put(struct dp_capture *c, struct dp_cap_rec **recs, unsigned n);
bool dp_capture_pending(const struct dp_capture *c);
uint64_t dp_capture_dropped(const struct dp_capture *c);
bool dp_capture_ended(const struct dp_capture *c); /* the port was destroyed */
void dp_capture_stop(struct dp_capture *c);

#endif
