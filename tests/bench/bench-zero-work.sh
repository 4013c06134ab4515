#!/bin/bash
# tests/bench/bench-zero-work.sh - the upper limit for any vhost-user switch
# on this machine: DPDK testpmd forwarding between two net_vhost ports in io
# mode (no lookup, no header access: the "zero-work" forwarder), fed by
#   - testpmd io + --tx-first on two net_virtio_user ports (DPDK's
#     virtio-user loopback; the result is the summed Rx-pps of both source
#     ports = both directions through the DUT), and
#   - tests/bench pktgen (unidirectional by default; rx_pps of the RESULT).
#
# usage: tests/bench/bench-zero-work.sh [-r 3] [-d 5] [-w 2] [-s 64,1518]
#            [-S testpmd,pktgen] [-f FLOWS] [-P "pktgen args"]
# Needs root.  Each run is short (d + w seconds); two busy CPUs are used:
# BENCH_DUT_CPU (default last CPU) and BENCH_GEN_CPU (default 0).
set -u
. "$(dirname "$0")/lib.sh"
bench_suite "$@" testpmd
