#!/bin/bash
# tests/bench/bench-all.sh — vnetd against the zero-work limit and OVS-DPDK,
# side by side in one run (see tests/bench/README.md, doc/benchmarks.md).
#
#   L2 forwarding between two vhost-user ports, pktgen (virtio-user, both
#   directions) as the VMs, frame sizes 64 and 1518, 1 / 1k / 100k / 1M
#   distinct flows (UDP 5-tuples; MACs fixed unless VARY_MAC=1), through
#     vnetd | testpmd io (zero-work) | OVS-DPDK NORMAL | OVS-DPDK port flows
#   For every (flows, size): REPS rounds; a round runs each DUT once (fresh
#   start, warm-up, measurement), in an order that rotates from round to
#   round, so the machine's drifts hit every DUT alike.  Prints per DUT the
#   median and spread, and the ratios vnetd/limit and vnetd/OVS NORMAL as
#   the median of the per-round ratios (and of the medians); then
#   vnetd(1M)/vnetd(1); each DUT's own processing cycles per packet and
#   vnetd's packets per busy polling loop (is it saturated?); vnetd's
#   memory (RSS idle, bytes per flow-table entry); pktgen latency through
#   vnetd at a fixed load; and instructions per packet under callgrind
#   (tests/bench/profile.sh; PROFILE=0 skips it).
#
# usage: tests/bench/bench-all.sh [-r REPS] [-d SECONDS] [-w SECONDS]
#        env: FLOWS="1 1000 100000 1000000" SIZES=64,1518
#             DUTS="vnetd testpmd ovs-normal ovs-flows" VARY_MAC=0|1
#               (also: vnetd-client, ovs-normal-server: vhost-user roles swapped)
#             LAT_RATE=1000000 (pps for the latency run) PROFILE=1
#             SG=1 (also tests/bench/bench-sg.sh, security groups vs OVS)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovs.sh"

reps=3 dur=5 warm=2
while getopts "r:d:w:h" o; do
	case $o in
	r) reps=$OPTARG ;; d) dur=$OPTARG ;; w) warm=$OPTARG ;;
	*) sed -n '2,23p' "$0"; exit 2 ;;
	esac
done
FLOWS=${FLOWS:-1 1000 100000 1000000}
SIZES=${SIZES:-64,1518}
DUTS=${DUTS:-vnetd testpmd ovs-normal ovs-flows}
PGX="--bidir"
[ "${VARY_MAC:-0}" = 1 ] && PGX="$PGX --vary-mac"
OUT=$(mktemp /tmp/vnetd-bench-all.XXXXXX)
log "results also in $OUT"

# one repetition of one DUT (own start and stop) -> "REP ..." line
rep() { # FLOWS SIZE ROUND DUT
	local line
	line=$( (bench_suite -S pktgen -s "$2" -f "$1" -P "$PGX" -r 1 -d "$dur" -w "$warm" "$4") |
		awk -v f="$1" -v s="$2" -v r="$3" -v d="$4" '
		{ delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		/^SUMMARY/ { pps = v["median"]; busy = v["busy_reps"]; loss = v["loss1"] }
		/^CPP/ { cpp = v["cycles_per_pkt"]; ppl = v["pkts_per_loop"] }
		END { printf "REP flows=%s size=%s round=%s dut=%s pps=%s cpp=%s ppl=%s loss=%s busy=%s\n",
			f, s, r, d, pps == "" ? "nan" : pps, cpp == "" ? "nan" : cpp,
			ppl == "" ? "nan" : ppl, loss == "" ? "nan" : loss, busy == "" ? "nan" : busy }')
	echo "$line" | tee -a "$OUT"
}

read -ra dl <<<"$DUTS"
nd=${#dl[@]}
for f in $FLOWS; do
	for s in ${SIZES//,/ }; do
		for ((r = 1; r <= reps; r++)); do
			for ((k = 0; k < nd; k++)); do
				rep "$f" "$s" "$r" "${dl[$(((k + r - 1) % nd))]}"
			done
		done
	done
done

vals() { rep_vals "$OUT" "flows=$1 size=$2 dut=$3" "$4"; } # FLOWS SIZE DUT KEY
med() { vals "$@" | stats_median; }
val() { med "$3" "$2" "$1" pps; } # DUT SIZE FLOWS -> median pps
round_ratio() { rep_round_ratio "$OUT" "flows=$1 size=$2" "$3" "$4"; } # FLOWS SIZE A B

echo
echo "== Mpps (median of $reps rounds, pktgen --bidir, both directions summed; spread = (max - min) / median)"
printf '%-8s %6s' flows size
for d in $DUTS; do printf ' %18s' "$d"; done
printf ' %10s %10s %10s\n' "v/limit" "v/ovsNORM" "(of medians)"
for f in $FLOWS; do
	for s in ${SIZES//,/ }; do
		printf '%-8s %6s' "$f" "$s"
		for d in $DUTS; do
			printf ' %18s' "$(vals "$f" "$s" "$d" pps | stats_summary |
				awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
				       if (v["n"] == 0) print "-"; else printf "%.3f (%s%%)", v["median"] / 1e6, v["spread_pct"] }')"
		done
		printf ' %10s %10s %5s %5s\n' "$(round_ratio "$f" "$s" vnetd testpmd)" \
			"$(round_ratio "$f" "$s" vnetd ovs-normal)" \
			"$(ratio "$(val vnetd "$s" "$f")" "$(val testpmd "$s" "$f")")" \
			"$(ratio "$(val vnetd "$s" "$f")" "$(val ovs-normal "$s" "$f")")"
	done
done
echo "(v/limit, v/ovsNORM: median over rounds of the ratio within a round; then the ratios of the medians)"
echo
echo "== processing cycles per packet, counted by each DUT over busy polls (median of rounds)"
printf '%-8s %6s' flows size
for d in $DUTS; do printf ' %11s' "$d"; done
echo
for f in $FLOWS; do
	for s in ${SIZES//,/ }; do
		printf '%-8s %6s' "$f" "$s"
		for d in $DUTS; do printf ' %11s' "$(med "$f" "$s" "$d" cpp | sed 's/^nan$/-/')"; done
		echo
	done
done
echo "(cycles per packet x rate = the core's clock when a DUT is saturated; a DUT that"
echo " polls small bursts pays its per-poll overhead on fewer packets: see doc/benchmarks.md)"
echo "vnetd packets per busy polling loop (2 ports; 64 when saturated), median of rounds:"
for f in $FLOWS; do
	for s in ${SIZES//,/ }; do
		echo "  $f flows, $s B: $(med "$f" "$s" vnetd ppl)"
	done
done
first=${FLOWS%% *} last=${FLOWS##* }
for s in ${SIZES//,/ }; do
	echo "vnetd ${last} flows / ${first} flow, ${s} B: $(ratio "$(val vnetd "$s" "$last")" "$(val vnetd "$s" "$first")")"
done

# ---- memory: RSS idle, then with its flow table and FDB populated by
# 1M 5-tuples over 65536 MAC pairs per direction (pktgen's --vary-mac range)
echo
echo "== vnetd memory"
(bench_init
	dut_vnetd_start >/dev/null 2>&1 || exit 1
	pid=$(bench_pid vnetd)
	v=("$BENCH_VNETCTL" -s "$BENCH_DIR/vnetd/run/vnetd.sock")
	r0=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
	echo "RSS idle (1 network, 2 ports, 2M-entry flow table, 2M-entry FDB): $r0 kB"
	src_pktgen mem 4 2 -s 64 -f 1000000 --bidir --vary-mac --mac-range 65536 >/dev/null 2>&1
	r1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
	fl=$("${v[@]}" stats --json | jq .flows)
	fdb=$("${v[@]}" net-fdb bench --json | jq '.fdb | length')
	echo "RSS after 1M flows over 65536 MAC pairs: $r1 kB; flow entries $fl, FDB entries $fdb"
	awk -v a="$r0" -v b="$r1" -v f="$fl" -v m="$fdb" 'BEGIN { if (f > 0)
		printf "bytes per flow entry (RSS growth / (flow entries + FDB entries)): %.0f\n", (b - a) * 1024 / (f + m) }'
	dut_vnetd_stop >/dev/null 2>&1) 2>/dev/null

# ---- latency through vnetd at a fixed load (one direction)
echo
echo "== latency through vnetd, 64 B, ${LAT_RATE:-1000000} pps, 1 flow"
(bench_init; dut_vnetd_start >/dev/null 2>&1 &&
	src_pktgen lat 5 2 -s 64 --rate "${LAT_RATE:-1000000}" --latency &&
	echo "$BENCH_SRC_LINE" | tr ' ' '\n' | grep -E '^(tx_pps|rx_pps|loss|p50_us|p99_us|p999_us)='
	dut_vnetd_stop) 2>/dev/null

# ---- instructions per packet under callgrind, saturated DUTs (1 flow, 64 B)
if [ "${PROFILE:-1}" = 1 ]; then
	echo
	echo "== instructions per packet (callgrind, forwarding thread, 64 B, 1 flow, bidir)"
	"$(dirname "$0")/profile.sh" -d 10 -w 5 -t 0 vnetd testpmd ovs-normal 2>/dev/null |
		grep '^PROFILE' | tee -a "$OUT"
fi

# ---- security groups against OVS-DPDK conntrack (SG=1; tests/bench/bench-sg.sh)
if [ "${SG:-0}" = 1 ]; then
	echo
	"$(dirname "$0")/bench-sg.sh" -r "$reps" -d "$dur" -w "$warm"
fi
