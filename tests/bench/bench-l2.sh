#!/bin/bash
# tests/bench/bench-l2.sh — the foundation benchmark: L2 forwarding between
# two vhost-user ports, 64-byte frames, DPDK's virtio-user loopback (testpmd
# io + --tx-first on two net_virtio_user ports) through
#   1. vnetd (one worker) and
#   2. the zero-work forwarder (testpmd io between two net_vhost ports),
# in one run; prints both medians and the ratio vnetd / zero-work.
# usage: tests/bench/bench-l2.sh [-r 3] [-d 5] [-w 2] [-s 64] [-S testpmd]
set -u
. "$(dirname "$0")/lib.sh"
out=$(bench_suite -S testpmd "$@" vnetd testpmd)
echo "$out"
med() { awk -v d="$1" '$1 == "SUMMARY" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	if (v["dut"] == d) { print v["median"]; exit } }' <<<"$out"; }
v=$(med vnetd) z=$(med testpmd)
awk -v v="$v" -v z="$z" 'BEGIN { if (v > 0 && z > 0)
	printf "RATIO vnetd/zero-work = %.3f  (vnetd %.3f Mpps, zero-work %.3f Mpps)\n", v / z, v / 1e6, z / 1e6 }'
