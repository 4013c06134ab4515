#!/bin/bash
# tests/bench/bench-nat.sh — NAT end to end: vnetd's dataplane against
# OVS-DPDK conntrack + NAT, side by side in one run (doc/benchmarks.md).
#
#   pktgen (virtio-user) port 0 = the guests, port 1 = the outside:
#     guest socket -> DUT -> uplink socket, unidirectional UDP, source NAT
#   vnetd-nat  tests/bench/nat_dut: vnetd's dataplane (worker, pipeline,
#              session table, NAT, vhost module) as the daemon builds it for a
#              <forward mode='nat'> network, the uplink being a vhost-user
#              socket that stands for the outside (see nat_dut.c for why)
#   ovs-nat    OVS-DPDK, netdev bridge, flow
#                in_port=1,ip: ct(commit,zone=1,nat(src=192.0.2.1-192.0.2.16:1024-65535)),
#                mod_dl_src, mod_dl_dst, dec_ttl, output:2
#              (one conntrack pass per packet, no recirculation: the cheapest
#              ct+nat pipeline OVS has; the usual ct(table=1,nat) + commit on
#              +new costs a recirculation more)
#   Throughput: frame sizes x connections (pktgen -f; --sport-range 256: the
#   guests use 251 x 256 = 64256 source endpoints, a connection is one of
#   them to one of 241 x 4093 destinations, so 1M connections need 64256
#   NAT mappings, not 1M: vnetd's 16 NAT addresses hold 1.03M).  A round
#   runs each DUT once (fresh start, warm-up that creates every connection,
#   measurement); the order rotates.  Then new connections per second
#   (pktgen --cps: every packet a new 5-tuple, 1M of them, same endpoints).
#   Prints per DUT the median of the rounds, vnetd/OVS (median of the
#   per-round ratios), vnetd's 1M/1 ratio, cycles per packet each DUT
#   counted itself, and the load average with each figure.
#
# usage: tests/bench/bench-nat.sh [-r REPS] [-d SECONDS] [-w SECONDS]
#        env: CONNS="1 10000 1000000" SIZES=64,1518 DUTS="vnetd-nat ovs-nat"
#             CPS_N=1000000 (0: no cps run)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovs.sh"

reps=3 dur=5 warm=2
while getopts "r:d:w:h" o; do
	case $o in
	r) reps=$OPTARG ;; d) dur=$OPTARG ;; w) warm=$OPTARG ;;
	*) sed -n '2,30p' "$0"; exit 2 ;;
	esac
done
CONNS=${CONNS:-1 10000 1000000}
SIZES=${SIZES:-64,1518}
DUTS=${DUTS:-vnetd-nat ovs-nat}
CPS_N=${CPS_N:-1000000}
# a shared machine: do not wait long for quiet, note the load instead
export BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-3} BENCH_RETRIES=${BENCH_RETRIES:-1}
. "$(dirname "$0")/nat.sh"
PGX=$NAT_PGX

OUT=$(mktemp /tmp/vnetd-bench-nat.XXXXXX)
log "results also in $OUT"
load() { awk '{ print $1 }' /proc/loadavg; }

# one repetition of one DUT -> "REP ..." line
rep() { # CONNS SIZE ROUND DUT WARM [extra pktgen args]
	local c=$1 s=$2 r=$3 d=$4 w=$5 line
	shift 5
	line=$( (bench_suite -S pktgen -s "$s" -f "${c#cps}" -P "$PGX $*" -r 1 -d "$dur" -w "$w" "$d") |
		awk -v f="$c" -v s="$s" -v r="$r" -v d="$d" -v l="$(load)" '
		{ delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		/^SUMMARY/ { pps = v["median"]; busy = v["busy_reps"]; loss = v["loss1"] }
		/^CPP/ { cpp = v["cycles_per_pkt"] }
		END { printf "REP conns=%s size=%s round=%s dut=%s pps=%s cpp=%s loss=%s busy=%s load=%s\n",
			f, s, r, d, pps == "" ? "nan" : pps, cpp == "" ? "nan" : cpp,
			loss == "" ? "nan" : loss, busy == "" ? "nan" : busy, l }')
	echo "$line" | tee -a "$OUT"
}

read -ra dl <<<"$DUTS"
nd=${#dl[@]}
for c in $CONNS; do
	# the warm-up must create every connection (at a few 100 kpps)
	w=$warm
	[ "$c" -ge 1000000 ] && w=$((warm > 6 ? warm : 6))
	for s in ${SIZES//,/ }; do
		for ((r = 1; r <= reps; r++)); do
			for ((k = 0; k < nd; k++)); do
				rep "$c" "$s" "$r" "${dl[$(((k + r - 1) % nd))]}" "$w"
			done
		done
	done
done
if [ "$CPS_N" != 0 ]; then
	for ((r = 1; r <= reps; r++)); do
		for ((k = 0; k < nd; k++)); do
			rep "cps$CPS_N" 64 "$r" "${dl[$(((k + r - 1) % nd))]}" 1 --cps
		done
	done
fi

vals() { rep_vals "$OUT" "conns=$1 size=$2 dut=$3" "$4"; } # CONNS SIZE DUT KEY
med() { vals "$@" | stats_median; }
round_ratio() { rep_round_ratio "$OUT" "conns=$1 size=$2" "$3" "$4"; } # CONNS SIZE A B

echo
echo "== NAT, guest -> uplink, Mpps (new conn/s for cps), median of $reps rounds (spread %), load avg range"
printf '%-12s %5s' conns size
for d in $DUTS; do printf ' %18s %8s' "$d" cyc/pkt; done
printf ' %10s %12s\n' "${dl[0]}/${dl[1]:-}" load
todo="$(for c in $CONNS; do for s in ${SIZES//,/ }; do echo "$c $s"; done; done)"
[ "$CPS_N" != 0 ] && todo="$todo
cps$CPS_N 64"
while read -r c s; do
	printf '%-12s %5s' "$c" "$s"
	for d in $DUTS; do
		printf ' %18s %8s' "$(vals "$c" "$s" "$d" pps | stats_summary |
			awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			       if (v["n"] == 0) print "-"; else printf "%.3f (%s%%)", v["median"] / 1e6, v["spread_pct"] }')" \
			"$(med "$c" "$s" "$d" cpp | sed 's/^nan$/-/')"
	done
	printf ' %10s %12s\n' "$(round_ratio "$c" "$s" "${dl[0]}" "${dl[1]:-}")" \
		"$(vals "$c" "$s" "${dl[0]}" load | sort -g | sed -n '1p;$p' | paste -sd-)"
done <<<"$todo"
first=${CONNS%% *} last=${CONNS##* }
for s in ${SIZES//,/ }; do
	for d in $DUTS; do
		echo "$d ${last} / ${first} connections, ${s} B: $(ratio "$(med "$last" "$s" "$d" pps)" "$(med "$first" "$s" "$d" pps)")"
	done
done
echo "(cyc/pkt: processing cycles per packet each DUT counted itself over its busy polls;"
echo " the ratio column is the median over rounds of the two DUTs' ratio within a round)"
