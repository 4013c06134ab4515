#!/bin/bash
# tests/bench/bench-l2.sh — the foundation benchmark: L2 forwarding between
# two vhost-user ports, 64-byte frames, DPDK's virtio-user loopback (testpmd
# io + --tx-first on two net_virtio_user ports) through
#   1. vnetd (one worker) and
#   2. the zero-work forwarder (testpmd io between two net_vhost ports).
# The DUTs alternate repetition by repetition (vnetd, zero-work, vnetd, ...)
# so that the machine's slow drifts hit both alike; prints every pair, the
# medians and the median of the per-pair ratios.
# usage: tests/bench/bench-l2.sh [PAIRS (5)] [SECONDS (5)] [WARMUP (2)]
set -u
. "$(dirname "$0")/lib.sh"
pairs=${1:-5} dur=${2:-5} warm=${3:-2}
one() { # DUT -> median pps of one repetition
	bench_suite -S testpmd -s 64 -r 1 -d "$dur" -w "$warm" "$1" 2>/dev/null |
		awk '/^SUMMARY/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "median") print kv[2] } }'
}
vs=() zs=() rs=()
for i in $(seq "$pairs"); do
	v=$( (one vnetd) ) z=$( (one testpmd) )
	r=$(awk -v v="$v" -v z="$z" 'BEGIN { if (v > 0 && z > 0) printf "%.3f", v / z; else print "nan" }')
	printf 'pair %d: vnetd %.3f Mpps, zero-work %.3f Mpps, ratio %s\n' "$i" \
		"$(awk -v x="$v" 'BEGIN { print x / 1e6 }')" "$(awk -v x="$z" 'BEGIN { print x / 1e6 }')" "$r"
	vs+=("$v") zs+=("$z") rs+=("$r")
done
med() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mv=$(printf '%s\n' "${vs[@]}" | med) mz=$(printf '%s\n' "${zs[@]}" | med)
mr=$(printf '%s\n' "${rs[@]}" | grep -v nan | med)
awk -v v="$mv" -v z="$mz" -v r="$mr" -v n="$pairs" 'BEGIN {
	printf "RESULT vnetd %.3f Mpps, zero-work %.3f Mpps (medians of %d); median pair ratio vnetd/zero-work = %.3f\n",
		v / 1e6, z / 1e6, n, r }'
