#!/bin/bash
# tests/bench/bench-all.sh — vnetd against the zero-work limit and OVS-DPDK,
# side by side in one run (see tests/bench/README.md, doc/benchmarks.md).
#
#   L2 forwarding between two vhost-user ports, pktgen (virtio-user, both
#   directions) as the VMs, frame sizes 64 and 1518, 1 / 1k / 100k / 1M
#   distinct flows (UDP 5-tuples; MACs fixed unless VARY_MAC=1), through
#     vnetd | testpmd io (zero-work) | OVS-DPDK NORMAL | OVS-DPDK port flows
#   each figure: warm-up, REPS repetitions, median and spread; then the
#   ratios vnetd/limit, vnetd/OVS NORMAL and vnetd(1M)/vnetd(1) from the
#   same run; then each DUT's own processing cycles per packet (what compares
#   DUTs when the one-core source, not the DUT, sets the rate); then vnetd's
#   memory (RSS idle, bytes per flow-table entry), pktgen latency through
#   vnetd at a fixed load, and instructions per packet under callgrind
#   (tests/bench/profile.sh; PROFILE=0 skips it).
#
# usage: tests/bench/bench-all.sh [-r REPS] [-d SECONDS] [-w SECONDS]
#        env: FLOWS="1 1000 100000 1000000" SIZES=64,1518
#             DUTS="vnetd testpmd ovs-normal ovs-flows" VARY_MAC=0|1
#             LAT_RATE=1000000 (pps for the latency run) PROFILE=1
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovs.sh"

reps=3 dur=5 warm=2
while getopts "r:d:w:h" o; do
	case $o in
	r) reps=$OPTARG ;; d) dur=$OPTARG ;; w) warm=$OPTARG ;;
	*) sed -n '2,18p' "$0"; exit 2 ;;
	esac
done
FLOWS=${FLOWS:-1 1000 100000 1000000}
SIZES=${SIZES:-64,1518}
DUTS=${DUTS:-vnetd testpmd ovs-normal ovs-flows}
PGX="--bidir"
[ "${VARY_MAC:-0}" = 1 ] && PGX="$PGX --vary-mac"
OUT=$(mktemp /tmp/vnetd-bench-all.XXXXXX)
log "results also in $OUT"

for f in $FLOWS; do
	for s in ${SIZES//,/ }; do
		# each bench_suite call starts and stops every DUT once, so the
		# cycles per packet a DUT reports at its stop are for (f, s)
		(bench_suite -S pktgen -s "$s" -f "$f" -P "$PGX" -r "$reps" -d "$dur" -w "$warm" \
			$DUTS) | grep -E '^(SUMMARY|CPP)' | tee -a "$OUT"
	done
done

val() { # DUT SIZE FLOWS -> median pps
	awk -v d="$1" -v s="$2" -v f="$3" '{ delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["dut"] == d && v["size"] == s && v["flows"] == f) { print v["median"]; exit } }' "$OUT"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo
echo "== Mpps (median of $reps, pktgen --bidir, both directions summed)"
printf '%-8s %6s' flows size
for d in $DUTS; do printf ' %11s' "$d"; done
printf ' %10s %10s\n' "v/limit" "v/ovsNORM"
for f in $FLOWS; do
	for s in ${SIZES//,/ }; do
		printf '%-8s %6s' "$f" "$s"
		for d in $DUTS; do
			printf ' %11s' "$(awk -v x="$(val "$d" "$s" "$f")" 'BEGIN { if (x == "") print "-"; else printf "%.3f", x / 1e6 }')"
		done
		printf ' %10s %10s\n' "$(ratio "$(val vnetd "$s" "$f")" "$(val testpmd "$s" "$f")")" \
			"$(ratio "$(val vnetd "$s" "$f")" "$(val ovs-normal "$s" "$f")")"
	done
done
cpp() { # DUT SIZE FLOWS -> cycles per packet
	awk -v d="$1" -v s="$2" -v f="$3" '$1 == "CPP" { delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["dut"] == d && v["sizes"] == s && v["flows"] == f) { print v["cycles_per_pkt"]; exit } }' "$OUT"
}
echo
echo "== processing cycles per packet, counted by each DUT (busy polls only)"
printf '%-8s %6s' flows size
for d in $DUTS; do printf ' %11s' "$d"; done
printf ' %10s %10s\n' "limit/v" "ovsNORM/v"
for f in $FLOWS; do
	for s in ${SIZES//,/ }; do
		printf '%-8s %6s' "$f" "$s"
		for d in $DUTS; do printf ' %11s' "$(cpp "$d" "$s" "$f" | grep . || echo -)"; done
		printf ' %10s %10s\n' "$(ratio "$(cpp testpmd "$s" "$f")" "$(cpp vnetd "$s" "$f")")" \
			"$(ratio "$(cpp ovs-normal "$s" "$f")" "$(cpp vnetd "$s" "$f")")"
	done
done
echo "(limit/v and ovsNORM/v: the other DUT's cycles over vnetd's, i.e. vnetd's capacity relative to it)"
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
