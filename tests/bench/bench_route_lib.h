/* bench_route_lib — what the in-process route-stage benches (bench_nat,
 * bench_sg) share: the MACs of their one guest and gateway, the UDP test
 * frame, and the retired-instructions counter.
 *
 * Design: plain functions over caller buffers, no allocation; the counter's
 * file descriptor is the process's one (opened once by bench_insn_open,
 * closed at exit).  Single-threaded: the benches run on one core.
 */
#ifndef VNETD_BENCH_ROUTE_LIB_H
#define VNETD_BENCH_ROUTE_LIB_H

#include <stdint.h>

extern const uint8_t BENCH_GW_MAC[6];
extern const uint8_t BENCH_A_MAC[6];

/* A 64-byte UDP/IPv4 frame guest -> gateway; addresses and ports network
 * order, IP checksum set, UDP checksum 0. */
void bench_frame(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport);
/* Connection c's frame: one of 65536 guest (address, port) pairs to UDP 53
 * of 100.64.0.0 + c / 65536. */
void bench_conn_frame(uint8_t *f, uint32_t c);

/* A dataplane (one worker on lcore 0, room for @sessions sessions) routing
 * network *net (10.0.0.0/8, gateway 10.0.0.1 at BENCH_GW_MAC, guest port *a
 * with BENCH_A_MAC) through NAT on 16 addresses (198.51.100.16-31) to uplink
 * *u, synced.  NULL when dp_create fails. */
struct dp;
struct dp *bench_nat_router(unsigned sessions, uint16_t *net, uint16_t *a, uint16_t *u);

/* Instructions retired (user space, this thread): stable on a busy machine,
 * where cycles are not.  bench_insn() returns 0 when perf events are not
 * available (bench_insn_open says so once). */
void bench_insn_open(void);
uint64_t bench_insn(void);

#endif
