#!/bin/bash
# tests/bench/bench-capture.sh - what a running port capture costs vnetd:
# pktgen (both directions, 64 B) through
#   vnetd          no capture,
#   vnetd-capnone  a capture of p0 whose filter ('arp') matches nothing: the
#                  workers run the filter on every frame, copy nothing,
#   vnetd-capall   a capture of every frame of p0 (both directions: every
#                  forwarded frame), streamed by vnetctl to /dev/null.
# Each DUT's throughput (median of the repetitions), and at the end of each
# capture run the frames it could not copy (ring full: p0's capture_dropped).
# usage: tests/bench/bench-capture.sh [bench_suite options: -r 3 -d 5 -w 2 ...]
# The instructions per packet (stable on a shared machine):
#   tests/bench/profile.sh -d 10 -w 5 vnetd vnetd-capnone vnetd-capall
set -u
. "$(dirname "$0")/lib.sh"
bench_suite -S pktgen -P "--bidir" "$@" vnetd vnetd-capnone vnetd-capall
