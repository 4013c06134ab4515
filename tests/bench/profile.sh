#!/bin/bash
# tests/bench/profile.sh — instructions per forwarded packet, by function,
# through vnetd and through the zero-work forwarder (testpmd io), counted by
# callgrind.
#
# Packet rates on this shared VM move by 30% from one run to the next;
# instruction counts do not.  The DUT runs under callgrind (about 50x
# slower), so pktgen at full rate keeps its rings full and every poll gets a
# full burst: the count per packet is the cost of the forwarding work, not
# of empty polls.  Collection is switched on for a window in the middle of
# the run; pktgen's cumulative counters (SIGUSR1) at both ends of the window
# give the packets forwarded in it.
#
# Threads are counted apart: the busiest one is the forwarding thread
# (vnetd's worker, testpmd's forwarding lcore, OVS's PMD); the others
# (control, housekeeping, revalidators) are reported as one figure.  Work
# done once per second looks 25-50x bigger per packet under valgrind than
# at full speed, since packets arrive that much slower.
#
# usage: tests/bench/profile.sh [-d SECONDS] [-w SECONDS] [-f FLOWS]
#                               [-s SIZE] [-t TOP] [-P PKTGEN-ARGS] [DUT...]
#   DUT: vnetd testpmd ovs-normal ovs-flows (default: vnetd testpmd), or
#   "pktgen": the source itself under callgrind against a native zero-work
#   DUT (its instructions per packet sent and received), to tell whether
#   the source or the DUT sets the pace in the throughput runs.
#   Prints, per DUT, instructions per packet of the forwarding thread and
#   of the rest, and for the TOP functions of the forwarding thread
#   (inclusive and self); keeps the callgrind files in the work dir it
#   names.  CALLGRIND_OPTS adds callgrind options, e.g. "--cache-sim=yes"
#   (then the summary line also gives each event per packet).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovs.sh"
. "$(dirname "$0")/nat.sh" # vnetd-nat, ovs-nat (one direction: PROFILE_BIDIR=0)
. "$(dirname "$0")/sg.sh" # vnetd-sg, ovs-sg (SG_N rules; -P "$SG_PGX", SG_OPEN=FLOWS)

dur=20 warm=10 flows=1 size=64 top=20 pgx=""
while getopts "d:w:f:s:t:P:h" o; do
	case $o in
	d) dur=$OPTARG ;; w) warm=$OPTARG ;; f) flows=$OPTARG ;;
	s) size=$OPTARG ;; t) top=$OPTARG ;; P) pgx=$OPTARG ;;
	*) sed -n '2,18p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
duts=${*:-vnetd testpmd}
bidir=--bidir
[ "${PROFILE_BIDIR:-1}" = 1 ] || bidir=""
command -v valgrind >/dev/null || die "valgrind not installed (scripts/deps.sh --bench)"

BENCH_KEEP=1
bench_init
BENCH_START_TIMEOUT=300
# --instr-atstart=no: startup runs uninstrumented (fast) and is not counted;
# the window is switched on and off with callgrind_control -i.
BENCH_DUT_WRAP="valgrind --tool=callgrind --instr-atstart=no --dump-instr=no
	--separate-threads=yes --callgrind-out-file=$BENCH_DIR/callgrind.%p.out
	${CALLGRIND_OPTS:-}"

# pg_count -> "tx rx" cumulative at this instant
pg_count() {
	local pid n0 i
	pid=$(bench_pid pg)
	n0=$(grep -c '^COUNT ' "$BENCH_DIR/pg.log")
	kill -USR1 "$pid" || return 1
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c '^COUNT ' "$BENCH_DIR/pg.log")" -gt "$n0" ] && break
		sleep 0.05
	done
	grep '^COUNT ' "$BENCH_DIR/pg.log" | tail -n 1 |
		sed 's/.* tx=\([0-9]*\) rx=\([0-9]*\).*/\1 \2/'
}

profile_one() {
	local dut=$1 f=${1//-/_}
	log "=== $dut under callgrind: $("dut_${f}_describe")"
	"dut_${f}_start" || die "$dut failed to start under valgrind"
	local vpid
	vpid=$(bench_pid "$DUT_PROC")
	bench_build_pktgen
	src_prepare
	# shellcheck disable=SC2046,SC2086
	bench_spawn pg "$BENCH_PKTGEN" $(bench_eal pg "0@$BENCH_GEN_CPU") $(src_vdevs) -- \
		-d 3600 -w 0 --interval 5 -s "$size" -f "$flows" $bidir $pgx
	local i
	for ((i = 0; i < 120; i++)); do
		awk '/ rx / && $(NF - 1) > 0 { ok = 1 } END { exit !ok }' \
			"$BENCH_DIR/pg.log" && break
		bench_alive pg || die "pktgen died: $(tail -n 5 "$BENCH_DIR/pg.log")"
		sleep 1
	done
	[ "$i" -lt 120 ] || die "no traffic through $dut"
	log "traffic flows; warming up ${warm}s"
	sleep "$warm"
	local c0 c1
	callgrind_control -i on "$vpid" >/dev/null || die "callgrind_control failed"
	c0=$(pg_count)
	sleep "$dur"
	c1=$(pg_count)
	callgrind_control -i off "$vpid" >/dev/null
	callgrind_control -d "$vpid" >/dev/null
	bench_stop pg 5
	"dut_${f}_stop"

	local pkts
	pkts=$(awk -v a="${c0#* }" -v b="${c1#* }" 'BEGIN { print b - a }')
	[ "$pkts" -gt 0 ] 2>/dev/null || die "$dut forwarded nothing in the window"
	# one file per thread (and per dump): the busiest is the forwarding
	# thread, the rest is summed
	local cg best="" bestir=0 ir rest=0
	for cg in "$BENCH_DIR"/callgrind."$vpid".out*; do
		ir=$(awk '/^totals:/ { print $2; exit }' "$cg")
		ir=${ir:-0}
		if [ "$ir" -gt "$bestir" ]; then
			rest=$((rest + bestir)) best=$cg bestir=$ir
		else
			rest=$((rest + ir))
		fi
	done
	[ -n "$best" ] || die "no callgrind output for $dut"
	cp "$best" "$BENCH_DIR/$dut.callgrind"
	echo
	echo "== $dut: $pkts packets forwarded in the window ($(mpps "$((pkts / dur))") Mpps under valgrind), $size B, $flows flow(s), $bidir $pgx"
	awk -v ir="$bestir" -v r="$rest" -v p="$pkts" 'BEGIN {
		printf "PROFILE dut=%s ir_per_pkt=%.1f other_threads_ir_per_pkt=%.1f ir=%s packets=%s size=%s flows=%s\n",
			"'"$dut"'", ir / p, r / p, ir, p, "'"$size"'", "'"$flows"'" }'
	# every recorded event per packet (more than Ir with --cache-sim=yes)
	awk -v p="$pkts" -v d="$dut" '/^events:/ { n = split($0, ev, " ") }
		/^totals:/ { printf "EVENTS dut=%s", d
			for (i = 2; i <= n; i++) printf " %s=%.2f", ev[i], $i / p; print "" }' "$best"
	echo "-- forwarding thread, instructions per packet, inclusive (top $top)"
	callgrind_annotate --inclusive=yes "$BENCH_DIR/$dut.callgrind" 2>/dev/null |
		per_packet "$pkts" | head -n "$top"
	echo "-- forwarding thread, instructions per packet, self (top $top)"
	callgrind_annotate --inclusive=no "$BENCH_DIR/$dut.callgrind" 2>/dev/null |
		per_packet "$pkts" | head -n "$top"
}

# callgrind_annotate's function lines ("  1,234 (12.3%)  file:function [obj]")
# -> "  per-packet  function"
per_packet() {
	awk -v p="$1" '
	/^-+$/ { sep++; next }
	sep >= 4 && /^ *[0-9,]+ / {
		n = $1; gsub(",", "", n)
		fn = $0; sub(/^ *[0-9,]+ +(\([ 0-9.]+%\) +)?/, "", fn)
		sub(/^[^:]*:/, "", fn); sub(/ \[.*\]$/, "", fn)
		printf "%10.1f  %s\n", n / p, fn }'
}

# The source under callgrind (its worker function), a native testpmd DUT.
profile_source() {
	log "=== pktgen under callgrind, native zero-work DUT"
	dut_testpmd_start || die "testpmd failed to start"
	bench_build_pktgen
	local cg=$BENCH_DIR/pktgen.callgrind
	# shellcheck disable=SC2046,SC2086
	valgrind --tool=callgrind --toggle-collect=worker --callgrind-out-file="$cg" \
		"$BENCH_PKTGEN" $(bench_eal pg "0@$BENCH_GEN_CPU") $(src_vdevs) -- \
		-d "$dur" -w "$warm" --interval 5 -s "$size" -f "$flows" $bidir $pgx \
		>"$BENCH_DIR/pg.out" 2>"$BENCH_DIR/pg.log"
	dut_testpmd_stop
	local line ir pkts
	line=$(grep '^RESULT ' "$BENCH_DIR/pg.out") || die "pktgen under valgrind failed"
	pkts=$(( $(result_field "$line" rx_pkts) + $(result_field "$line" rx_warmup) +
		 $(result_field "$line" rx_late) ))
	ir=$(awk '/^totals:/ { print $2; exit }' "$cg")
	[ "$pkts" -gt 0 ] || die "pktgen received nothing"
	echo
	echo "== pktgen: $pkts packets sent and received through testpmd io, $size B, $flows flow(s), $bidir $pgx"
	awk -v ir="$ir" -v p="$pkts" 'BEGIN {
		printf "PROFILE dut=pktgen-source ir_per_pkt=%.1f ir=%s packets=%s size=%s flows=%s\n",
			ir / p, ir, p, "'"$size"'", "'"$flows"'" }'
	echo "-- pktgen, instructions per packet, inclusive (top $top)"
	callgrind_annotate --inclusive=yes "$cg" 2>/dev/null | per_packet "$pkts" | head -n "$top"
}

for d in $duts; do
	if [ "$d" = pktgen ]; then profile_source; else profile_one "$d"; fi
done
log "callgrind files: $BENCH_DIR/*.callgrind (callgrind_annotate, kcachegrind)"
