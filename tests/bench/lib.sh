# shellcheck shell=bash
# tests/bench/lib.sh - shared helpers for the vnetd benchmark scripts.
#
# Source it from bash:   . "$(dirname "$0")/lib.sh"
#
# Model: one DUT (device under test) exposes two vhost-user sockets; a
# traffic source (pktgen or testpmd's virtio-user loopback) attaches to them
# with net_virtio_user.  A DUT is a set of shell functions:
#
#   dut_<name>_start    start it; must set DUT_SOCK0, DUT_SOCK1,
#                       DUT_SOCK_ROLE=server|client (role of the DUT on the
#                       sockets: "client" => the source must use server=1)
#                       and DUT_PROC (bench_spawn name of the polling
#                       process, for CPU-share accounting)
#   dut_<name>_ready    (optional) called after the source attached
#   dut_<name>_stop     stop it and remove everything it created
#   dut_<name>_describe (optional) one line for the report
#
# A DUT's stop function may set DUT_CPP: the processing cycles per packet
# the DUT counted itself over its run (busy polls only: testpmd's
# --record-core-cycles, OVS's pmd-stats-show, vnetd's busy_cycles), and
# DUT_PPL: packets per busy polling loop (vnetd; 32 per port when the DUT
# is saturated, fewer when the source sets the pace).
#
# and bench_run_matrix / bench_rep do the rest.  vnetd's DUT function is
# meant to be added next to the testpmd/OVS ones (see README.md).
#
# Environment knobs (all optional):
#   BENCH_GEN_CPU      CPU for the traffic source        (default 0)
#   BENCH_DUT_CPU      CPU for the DUT's polling thread  (default: last CPU)
#   BENCH_MAIN_CPU     CPU for idle main lcores          (default GEN_CPU)
#   BENCH_MEM_ARGS     EAL memory args (default "--no-huge -m 1024")
#   BENCH_PKTGEN       pktgen binary (default tests/bench/build/pktgen,
#                      built on demand with build.sh)
#   BENCH_TESTPMD      testpmd binary (default dpdk-testpmd)
#   BENCH_KEEP=1       keep the temp dir (logs) after exit
#   BENCH_QUIET_WAIT   seconds to wait for foreign load to go away before
#                      each repetition (default 30)
#   BENCH_RETRIES      extra tries of a repetition during which a poller got
#                      < 90% of its CPU (default 2)
#   BENCH_VERBOSE=1    echo commands
#   BENCH_DUT_WRAP     command prefix for the DUT process (word-split), e.g.
#                      "valgrind --tool=callgrind" (tests/bench/profile.sh)
#   BENCH_START_TIMEOUT seconds a DUT may take to come up (default 30)
#   BENCH_VNETD_MODE   server (default) or client: vnetd's vhost-user role
#   BENCH_VNETD_FLOWS, BENCH_VNETD_FDB  vnetd's table sizes (default 2M each)
#   BENCH_VNETD_ARGS   more vnetd options (word-split)
#   BENCH_TAG_PREFIX   prepended to every DPDK --file-prefix the scripts pass
#   BENCH_VNETD_PRESTART command run with vnetd's state dir before it starts

BENCH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_TESTPMD=${BENCH_TESTPMD:-dpdk-testpmd}
# pktgen: meson's build (build/tests/bench/pktgen) if there, else build.sh's
if [ -z "${BENCH_PKTGEN:-}" ] && [ -x "$BENCH_LIB_DIR/../../build/tests/bench/pktgen" ]; then
	BENCH_PKTGEN=$BENCH_LIB_DIR/../../build/tests/bench/pktgen
fi
BENCH_PKTGEN=${BENCH_PKTGEN:-$BENCH_LIB_DIR/build/pktgen}
BENCH_MEM_ARGS=${BENCH_MEM_ARGS:---no-huge -m 1024}
BENCH_PIDS=()          # "name:pid" of everything we started
BENCH_CLEANUP_HOOKS=() # functions to run at exit (reverse order)
BENCH_DIR=

log() { printf '%s [bench] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- setup ----

bench_init() {
	[ "$(id -u)" = 0 ] || die "must run as root (vhost-user sockets, OVS)"
	BENCH_DIR=$(mktemp -d /tmp/vnetd-bench.XXXXXX)
	BENCH_TAG=${BENCH_TAG_PREFIX:-}b$$
	trap bench_cleanup EXIT
	trap 'log "interrupted"; exit 130' INT TERM
	local n
	n=$(nproc)
	BENCH_GEN_CPU=${BENCH_GEN_CPU:-0}
	BENCH_MAC0=${BENCH_MAC0:-02:00:00:00:00:01}
	BENCH_MAC1=${BENCH_MAC1:-02:00:00:00:00:02}
	BENCH_DUT_CPU=${BENCH_DUT_CPU:-$((n - 1))}
	BENCH_MAIN_CPU=${BENCH_MAIN_CPU:-$BENCH_GEN_CPU}
	if [ "$BENCH_GEN_CPU" = "$BENCH_DUT_CPU" ]; then
		log "WARNING: source and DUT share CPU $BENCH_GEN_CPU:" \
		    "two busy pollers on one CPU collapse to ~kpps"
	fi
	log "work dir $BENCH_DIR; source on CPU $BENCH_GEN_CPU," \
	    "DUT poller on CPU $BENCH_DUT_CPU ($n CPUs)"
	bench_warn_busy
}

# Wait (up to BENCH_QUIET_WAIT seconds, default 30) until no foreign
# process uses > 20% CPU, then record the state in BENCH_BUSY_NOTE.
bench_wait_quiet() {
	local t=${BENCH_QUIET_WAIT:-30} i
	for ((i = 0; i < t; i++)); do
		bench_warn_busy 2>/dev/null
		[ -z "$BENCH_BUSY_NOTE" ] && return 0
		sleep 1
	done
	bench_warn_busy
}

# Warn about other busy processes (current %CPU over 0.5 s, from top):
# the machine may be shared.  Sets BENCH_BUSY_NOTE ("" when quiet).
bench_warn_busy() {
	local busy mine="" e
	for e in "${BENCH_PIDS[@]}"; do mine="$mine ${e#*:}"; done
	busy=$(top -b -n 2 -d 0.5 -w 200 2>/dev/null |
	       awk -v mine="$mine" -v me=$$ '
	       BEGIN { n = split(mine, a, " "); for (i = 1; i <= n; i++) m[a[i]] = 1 }
	       /^top -/ { it++; hdr = 0; next }
	       it == 2 && $1 == "PID" { hdr = 1; next }
	       it == 2 && hdr && $9 + 0 > 20 && !($1 in m) && $1 != me &&
	           $12 != "top" { printf "%s(%s,%s%%) ", $12, $1, $9 }')
	# children of our processes (timeout -> pktgen) are ours too
	if [ -n "$busy" ] && [ -n "$mine" ]; then
		local p kids=""
		for p in $mine; do kids="$kids $(pgrep -P "$p" 2>/dev/null | tr '\n' ' ')"; done
		# shellcheck disable=SC2001
		for p in $kids; do busy=$(sed "s/[^ ]*($p,[^)]*) //" <<<"$busy"); done
	fi
	[ -z "$busy" ] || log "NOTE: other busy processes: $busy"
	BENCH_BUSY_NOTE=$busy
}

bench_at_exit() { BENCH_CLEANUP_HOOKS+=("$*"); }

bench_cleanup() {
	local rc=$? i
	for ((i = ${#BENCH_CLEANUP_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${BENCH_CLEANUP_HOOKS[$i]}" || true
	done
	BENCH_CLEANUP_HOOKS=()
	bench_stop_all
	if [ -n "$BENCH_DIR" ] && [ -d "$BENCH_DIR" ]; then
		if [ "${BENCH_KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
			log "logs kept in $BENCH_DIR"
		else
			rm -rf "$BENCH_DIR"
		fi
	fi
	return $rc
}

# EAL args common to every DPDK process we start: private file prefix,
# no PCI probing (never touch the machine's NICs), no hugepages by default.
#   bench_eal PREFIX LCORES
bench_eal() {
	# shellcheck disable=SC2086
	echo --no-pci $BENCH_MEM_ARGS --no-shconf \
	     --file-prefix "${BENCH_TAG}$1" --lcores "$2"
}

# ------------------------------------------------------------ processes ----

# bench_spawn NAME CMD...   start in background, log to $BENCH_DIR/NAME.log
bench_spawn() {
	local name=$1
	shift
	[ "${BENCH_VERBOSE:-0}" = 1 ] && log "spawn $name: $*"
	"$@" >"$BENCH_DIR/$name.log" 2>&1 </dev/null &
	local pid=$!
	BENCH_PIDS+=("$name:$pid")
	eval "BENCH_PID_${name//[^a-zA-Z0-9_]/_}=$pid"
}

bench_pid() {
	local v="BENCH_PID_${1//[^a-zA-Z0-9_]/_}"
	echo "${!v:-}"
}

bench_alive() {
	local pid
	pid=$(bench_pid "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# bench_stop NAME [TIMEOUT_S]: SIGINT, then SIGTERM, then SIGKILL.
bench_stop() {
	local name=$1 t=${2:-5} pid i sig
	pid=$(bench_pid "$name")
	[ -n "$pid" ] || return 0
	for sig in INT TERM KILL; do
		kill -0 "$pid" 2>/dev/null || break
		kill -s $sig "$pid" 2>/dev/null || true
		for ((i = 0; i < t * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	wait "$pid" 2>/dev/null || true
	eval "BENCH_PID_${name//[^a-zA-Z0-9_]/_}="
	local keep=() e
	for e in "${BENCH_PIDS[@]}"; do
		[ "${e%%:*}" = "$name" ] || keep+=("$e")
	done
	BENCH_PIDS=("${keep[@]}")
}

bench_stop_all() {
	local e
	for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
		e=${BENCH_PIDS[$i]}
		bench_stop "${e%%:*}" 3
	done
}

# bench_wait_sock PATH [TIMEOUT_S] [PROCNAME]
bench_wait_sock() {
	local path=$1 t=${2:-20} name=${3:-} i
	for ((i = 0; i < t * 10; i++)); do
		[ -S "$path" ] && return 0
		if [ -n "$name" ] && ! bench_alive "$name"; then
			log "$name died; last log lines:"
			tail -n 15 "$BENCH_DIR/$name.log" >&2
			return 1
		fi
		sleep 0.1
	done
	log "timeout waiting for socket $path"
	return 1
}

# bench_wait_log NAME REGEX [TIMEOUT_S]
bench_wait_log() {
	local name=$1 re=$2 t=${3:-20} i
	for ((i = 0; i < t * 10; i++)); do
		grep -aqE "$re" "$BENCH_DIR/$name.log" 2>/dev/null && return 0
		bench_alive "$name" || { log "$name died"; tail -n 15 \
			"$BENCH_DIR/$name.log" >&2; return 1; }
		sleep 0.1
	done
	log "timeout waiting for '$re' in $name.log"
	return 1
}

# --------------------------------------------------------------- parsing ----

# proc_cpu_ticks PID -> utime+stime (all threads) in clock ticks, or "".
proc_cpu_ticks() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 0
	# fields after the ")" of comm: utime is #14, stime #15 overall
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# testpmd_pps_samples LOG [PORTS] -> one line per stats period: the sum of
# Rx-pps over PORTS (default: all ports, e.g. "0 1").
testpmd_pps_samples() {
	local logf=$1 ports=${2:-all}
	awk -v ports="$ports" '
	BEGIN { n = split(ports, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
	/Port statistics =====/ { if (blk) print sum; blk = 1; sum = 0 }
	/NIC statistics for port/ { match($0, /port [0-9]+/);
		port = substr($0, RSTART + 5, RLENGTH - 5) }
	/Rx-pps:/ { if (ports == "all" || (port in want)) sum += $2 }
	END { if (blk) print sum }' "$logf"
}

# testpmd_rate LOG SKIP [PORTS]: median of the samples after the first SKIP
# samples (warm-up), in pps.
testpmd_rate() {
	testpmd_pps_samples "$1" "${3:-all}" | tail -n +"$(($2 + 1))" |
		stats_median
}

# result_field "RESULT a=1 b=2" b  -> 2
result_field() {
	local line=$1 key=$2
	sed -n "s/.*[[:space:]]$key=\([^[:space:]]*\).*/\1/p" <<<"$line"
}

# stdin: numbers, one per line -> median
stats_median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The side-by-side benches' "REP k=v ..." lines (bench-nat.sh, bench-sg.sh).
# rep_vals FILE "K=V ..." FIELD: FIELD of each REP line matching every K=V
rep_vals() {
	awk -v want="$2" -v k="$3" '$1 == "REP" {
		delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n = split(want, w, " "); for (i = 1; i <= n; i++) { split(w[i], kv, "="); if (v[kv[1]] != kv[2]) next }
		if (v[k] != "nan") print v[k] }' "$1"
}
# rep_round_ratio FILE "K=V ..." DUT-A DUT-B: the median over rounds of A's
# pps / B's pps within a round ("n/a" without both)
rep_round_ratio() {
	awk -v want="$2" -v a="$3" -v b="$4" '$1 == "REP" {
		delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n = split(want, w, " "); for (i = 1; i <= n; i++) { split(w[i], kv, "="); if (v[kv[1]] != kv[2]) next }
		if (v["pps"] != "nan") x[v["round"], v["dut"]] = v["pps"]; r[v["round"]] = 1 }
		END { for (i in r) if (x[i, a] > 0 && x[i, b] > 0) print x[i, a] / x[i, b] }' "$1" |
		stats_median | awk '{ if ($1 == "nan") print "n/a"; else printf "%.2f", $1 }'
}
# ratio A B: A / B with two decimals, "n/a" unless both are positive numbers
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { n = "^[0-9.]+(e[+-]?[0-9]+)?$"
	if (a ~ n && b ~ n && a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# stdin: numbers -> "median=M min=A max=B spread_pct=S n=N"
# spread_pct = (max - min) / median * 100
stats_summary() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "median=nan min=nan max=nan spread_pct=nan n=0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "median=%.6g min=%.6g max=%.6g spread_pct=%.1f n=%d\n",
			m, v[1], v[NR], m ? (v[NR] - v[1]) / m * 100 : 0, NR }'
}

mpps() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "") print "nan"; else printf "%.3f\n", x / 1e6 }'; }

# ------------------------------------------------------------- sources ----

bench_build_pktgen() {
	if [ ! -x "$BENCH_PKTGEN" ] ||
	   [ -n "$(find "$BENCH_LIB_DIR" -maxdepth 1 -name '*.[ch]' \
	           -newer "$BENCH_PKTGEN")" ]; then
		log "building pktgen"
		"$BENCH_LIB_DIR/build.sh" "$(dirname "$BENCH_PKTGEN")" >&2 ||
			die "pktgen build failed"
	fi
}

# virtio-user vdev args for the source, given the DUT's socket role.
#   src_vdevs -> "--vdev net_virtio_user0,... --vdev net_virtio_user1,..."
src_vdevs() {
	local extra=""
	[ "$DUT_SOCK_ROLE" = client ] && extra=",server=1"
	# Fixed MACs (pktgen's defaults): a learning switch sees the same two
	# stations whatever the source.
	echo --vdev "net_virtio_user0,path=$DUT_SOCK0,queues=1,mac=$BENCH_MAC0$extra" \
	     --vdev "net_virtio_user1,path=$DUT_SOCK1,queues=1,mac=$BENCH_MAC1$extra"
}

# When the source is the vhost-user server (DUT is client), its sockets are
# created by the source; remove stale ones first.
src_prepare() {
	if [ "$DUT_SOCK_ROLE" = client ]; then
		rm -f "$DUT_SOCK0" "$DUT_SOCK1"
	fi
}

# src_pktgen NAME DURATION WARMUP [pktgen options...]
# Runs pktgen in the foreground (bounded by timeout); sets BENCH_SRC_LINE to
# its RESULT line.  (Globals rather than $(...) so that cleanup traps see
# every process we start.)
src_pktgen() {
	local name=$1 dur=$2 warm=$3
	shift 3
	bench_build_pktgen
	src_prepare
	local budget
	budget=$(awk -v d="$dur" -v w="$warm" 'BEGIN { printf "%d", d + w + 25 }')
	# shellcheck disable=SC2046
	timeout -s INT -k 5 "$budget" "$BENCH_PKTGEN" \
		$(bench_eal "$name" "0@$BENCH_GEN_CPU") $(src_vdevs) -- \
		-d "$dur" -w "$warm" --interval 1 "$@" \
		>"$BENCH_DIR/$name.out" 2>"$BENCH_DIR/$name.log" </dev/null
	local rc=$?
	local line
	line=$(grep '^RESULT ' "$BENCH_DIR/$name.out" | tail -n 1)
	if [ -z "$line" ]; then
		log "pktgen $name failed (rc=$rc):"
		tail -n 15 "$BENCH_DIR/$name.log" >&2
		return 1
	fi
	grep -a '^pktgen: .*Mpps' "$BENCH_DIR/$name.log" >&2 || true
	BENCH_SRC_LINE=$line
}

# src_testpmd_loop NAME DURATION WARMUP [extra testpmd args]
# DPDK's virtio-user loopback: testpmd io mode on two virtio-user ports with
# --tx-first; packets circulate source -> DUT -> source.  Prints the median
# (after warm-up) of the summed Rx-pps of both source ports, i.e. packets per
# second forwarded by the DUT, both directions together.  Sets
# BENCH_SRC_VALUE (pps).
src_testpmd_loop() {
	local name=$1 dur=$2 warm=$3
	shift 3
	src_prepare
	# main lcore (sleeps) and forwarding lcore share the source CPU
	# shellcheck disable=SC2046
	bench_spawn "$name" "$BENCH_TESTPMD" \
		$(bench_eal "$name" "0@$BENCH_MAIN_CPU,1@$BENCH_GEN_CPU") \
		$(src_vdevs) -- \
		--forward-mode=io --auto-start --tx-first --stats-period 1 \
		--total-num-mbufs=16384 --nb-cores=1 \
		--eth-peer="0,$BENCH_MAC1" --eth-peer="1,$BENCH_MAC0" "$@"
	# wait for forwarding to start (links come up), bounded
	bench_wait_log "$name" "Rx-pps: +[1-9]" 20 || { bench_stop "$name"; return 1; }
	# warm-up, then only use stats blocks printed after it (testpmd prints
	# "since last show" rates; the period is not exactly 1 s)
	sleep "$warm"
	local skip pid k0 k1 t0 t1
	skip=$(testpmd_pps_samples "$BENCH_DIR/$name.log" | wc -l)
	pid=$(bench_pid "$name")
	k0=$(proc_cpu_ticks "$pid"); t0=$(date +%s.%N)
	sleep "$dur"
	k1=$(proc_cpu_ticks "$pid"); t1=$(date +%s.%N)
	BENCH_SRC_CPU=$(awk -v a="$k0" -v b="$k1" -v t0="$t0" -v t1="$t1" \
		-v hz="$(getconf CLK_TCK)" 'BEGIN {
		if (a == "" || b == "") print "na";
		else printf "%.0f", (b - a) / hz / (t1 - t0) * 100 }')
	bench_stop "$name" 5
	local r
	r=$(testpmd_rate "$BENCH_DIR/$name.log" "$skip")
	log "testpmd loop $name: $(mpps "$r") Mpps (samples: $(testpmd_pps_samples \
		"$BENCH_DIR/$name.log" | tail -n +"$((skip + 1))" |
		awk '{ printf "%.2f ", $1 / 1e6 }'))"
	BENCH_SRC_VALUE=$r
}

# ---------------------------------------------------------------- DUTs ----
# zero-work forwarder: testpmd, two net_vhost ports (vhost-user servers),
# io mode.  The lower bound of any vhost-user switch's cost.

dut_testpmd_start() {
	DUT_SOCK0=$BENCH_DIR/dut-vhost0.sock
	DUT_SOCK1=$BENCH_DIR/dut-vhost1.sock
	DUT_SOCK_ROLE=server
	DUT_PROC=dut
	# shellcheck disable=SC2046,SC2086
	bench_spawn dut ${BENCH_DUT_WRAP:-} "$BENCH_TESTPMD" \
		$(bench_eal dut "0@$BENCH_MAIN_CPU,1@$BENCH_DUT_CPU") \
		--vdev "net_vhost0,iface=$DUT_SOCK0,queues=1" \
		--vdev "net_vhost1,iface=$DUT_SOCK1,queues=1" -- \
		--forward-mode=io --auto-start --stats-period 1 \
		--total-num-mbufs=16384 --nb-cores=1 --record-core-cycles
	bench_wait_sock "$DUT_SOCK1" "${BENCH_START_TIMEOUT:-30}" dut
}

dut_testpmd_stop() {
	bench_stop dut 5
	rm -f "$DUT_SOCK0" "$DUT_SOCK1"
	DUT_CPP=$(sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$BENCH_DIR/dut.log" | tail -n 1)
}
dut_testpmd_describe() { echo "testpmd io (zero-work), 2x net_vhost, 1 fwd lcore on CPU $BENCH_DUT_CPU"; }

# vnetd: two server-mode vhost-user ports on one network, with the
# sources' MACs configured (unicast forwarding through the flow table), one
# worker on the DUT CPU, the control thread on the main CPU.  --idle-us 0:
# the worker polls like every other DUT here.
BENCH_VNETD=${BENCH_VNETD:-$BENCH_LIB_DIR/../../build/control/vnetd}
BENCH_VNETCTL=${BENCH_VNETCTL:-$BENCH_LIB_DIR/../../build/cli/vnetctl}
dut_vnetd_start() {
	local d=$BENCH_DIR/vnetd
	rm -rf "$d"
	mkdir -p "$d"
	# BENCH_VNETD_PRESTART: a command run with the state dir before vnetd
	# starts (tests/bench/bench-sg.sh puts a security group there)
	if [ -n "${BENCH_VNETD_PRESTART:-}" ]; then
		$BENCH_VNETD_PRESTART "$d/state" || die "vnetd: $BENCH_VNETD_PRESTART failed"
	fi
	# BENCH_VNETD_MODE=client: vnetd's ports connect to the sources'
	# sockets (as OVS's dpdkvhostuserclient ports do)
	local mode=${BENCH_VNETD_MODE:-server}
	DUT_SOCK0=$d/run/bench/p0.sock
	DUT_SOCK1=$d/run/bench/p1.sock
	DUT_SOCK_ROLE=server
	if [ "$mode" = client ]; then
		DUT_SOCK0=$d/p0.sock DUT_SOCK1=$d/p1.sock DUT_SOCK_ROLE=client
	fi
	DUT_PROC=vnetd
	[ -x "$BENCH_VNETD" ] || die "vnetd not built: $BENCH_VNETD (meson setup build && ninja -C build)"
	# shellcheck disable=SC2086
	bench_spawn vnetd ${BENCH_DUT_WRAP:-} "$BENCH_VNETD" --state-dir "$d/state" --run-dir "$d/run" \
		--no-default-network --cpus "$BENCH_MAIN_CPU,$BENCH_DUT_CPU" --idle-us 0 \
		--memory 1024 --mbufs 32768 --flow-entries "${BENCH_VNETD_FLOWS:-2097152}" \
		--fdb-entries "${BENCH_VNETD_FDB:-2097152}" --log-level warning --uplink=none --host-port=no ${BENCH_VNETD_ARGS:-}
	local v=("$BENCH_VNETCTL" -q -s "$d/run/vnetd.sock") i
	for i in $(seq $((${BENCH_START_TIMEOUT:-30} * 10))); do "${v[@]}" net-list >/dev/null 2>&1 && break; sleep 0.1; done
	printf '<network><name>bench</name></network>\n' >"$d/bench.xml"
	"${v[@]}" net-create "$d/bench.xml" >/dev/null || die "vnetd: net-create failed"
	local px=(--mode "$mode")
	[ "$mode" = client ] && px+=(--path "$DUT_SOCK0")
	"${v[@]}" port-add bench p0 --mac "$BENCH_MAC0" "${px[@]}" >/dev/null || die "vnetd: port-add failed"
	[ "$mode" = client ] && px=(--mode client --path "$DUT_SOCK1")
	"${v[@]}" port-add bench p1 --mac "$BENCH_MAC1" "${px[@]}" >/dev/null || die "vnetd: port-add failed"
	[ "$mode" = client ] || bench_wait_sock "$DUT_SOCK1" "${BENCH_START_TIMEOUT:-30}" vnetd
}
dut_vnetd_stop() {
	# cycles per packet, and packets per busy polling loop (32 per port
	# and loop when saturated)
	local st
	st=$("$BENCH_VNETCTL" -s "$BENCH_DIR/vnetd/run/vnetd.sock" stats --json 2>/dev/null |
		jq -r '(.flow_hits + .flow_misses) as $p | if $p > 0 and .busy_loops > 0 then
			"\(.busy_cycles / $p * 100 | round / 100) \($p / .busy_loops * 100 | round / 100)"
			else empty end')
	DUT_CPP=${st% *} DUT_PPL=${st#* }
	bench_stop vnetd 10
}
dut_vnetd_describe() { echo "vnetd $("$BENCH_VNETD" --version | cut -d' ' -f2), 1 worker on CPU $BENCH_DUT_CPU, L2 flow table, ${BENCH_VNETD_MODE:-server}-mode ports"; }
# the same with the vhost-user roles swapped (as OVS's client ports)
dut_vnetd_client_start() { BENCH_VNETD_MODE=client dut_vnetd_start; }
dut_vnetd_client_stop() { dut_vnetd_stop; }
dut_vnetd_client_describe() { BENCH_VNETD_MODE=client dut_vnetd_describe; }

# ------------------------------------------------------------- running ----

# bench_reps DUT SOURCE REPS DURATION WARMUP [source args...]
# DUT must already be started.  SOURCE is "pktgen" or "testpmd".  Prints
# one summary line and sets BENCH_LAST_SUMMARY.
#   pktgen:  value = rx_pps of the RESULT line (extra args go to pktgen)
#   testpmd: value = summed Rx-pps at the source
bench_reps() {
	local dut=$1 src=$2 reps=$3 dur=$4 warm=$5 i v="" line="" vals=() extra=""
	shift 5
	local nbusy=0 try tries=$((1 + ${BENCH_RETRIES:-2})) clean
	local t0 t1 k0 k1 dcpu scpu score best_score best_v best_line
	for ((i = 1; i <= reps; i++)); do
	    for ((try = 1; try <= tries; try++)); do
		bench_wait_quiet
		t0=$(date +%s.%N)
		k0=$(proc_cpu_ticks "$(bench_pid "$DUT_PROC")")
		case $src in
		pktgen)
			src_pktgen "pg-$dut-$i-$try" "$dur" "$warm" "$@" || return 1
			line=$BENCH_SRC_LINE
			v=$(result_field "$line" rx_pps)
			if [ "$(result_field "$line" cps)" != na ]; then
				v=$(result_field "$line" cps)
			fi
			scpu=$(result_field "$line" cpu_pct)
			;;
		testpmd)
			src_testpmd_loop "tp-$dut-$i-$try" "$dur" "$warm" "$@" || return 1
			v=$BENCH_SRC_VALUE
			scpu=$BENCH_SRC_CPU
			;;
		*) die "unknown source $src" ;;
		esac
		t1=$(date +%s.%N)
		k1=$(proc_cpu_ticks "$(bench_pid "$DUT_PROC")")
		dcpu=$(awk -v a="$k0" -v b="$k1" -v t0="$t0" -v t1="$t1" \
		       -v hz="$(getconf CLK_TCK)" 'BEGIN {
			if (a == "" || b == "") print "na";
			else printf "%.0f", (b - a) / hz / (t1 - t0) * 100 }')
		# clean = both pollers got >= 90% of a CPU (no foreign load)
		clean=$(awk -v s="$scpu" -v d="$dcpu" 'BEGIN {
			print ((s == "na" || s >= 90) && (d == "na" || d >= 90)) ? 1 : 0 }')
		log "rep $i/$reps try $try: $dut/$src $(mpps "$v") M" \
		    "(source cpu ${scpu}%, DUT cpu ${dcpu}%$([ "$clean" = 1 ] ||
		      echo ", CONTAMINATED by other load"))"
		# keep the least disturbed try: score = min(source, DUT) CPU %
		score=$(awk -v s="$scpu" -v d="$dcpu" 'BEGIN {
			if (s == "na") s = 100; if (d == "na") d = 100;
			print (s < d) ? s : d }')
		if [ "$try" = 1 ] || awk -v a="$score" -v b="$best_score" \
		   'BEGIN { exit !(a > b) }'; then
			best_score=$score best_v=$v best_line=$line
		fi
		[ "$clean" = 1 ] && break
		[ "$try" -lt "$tries" ] && log "retrying after other load"
	    done
	    [ "$clean" = 1 ] || nbusy=$((nbusy + 1))
	    v=$best_v line=$best_line
	    vals+=("$v")
	    if [ "$src" = pktgen ]; then
		extra="$extra loss$i=$(result_field "$line" loss)"
		if [ "$(result_field "$line" p50_us)" != na ]; then
			extra="$extra p50_$i=$(result_field "$line" p50_us) p99_$i=$(result_field "$line" p99_us) p999_$i=$(result_field "$line" p999_us)"
		fi
	    fi
	done
	local s
	s=$(printf '%s\n' "${vals[@]}" | stats_summary)
	BENCH_LAST_SUMMARY="SUMMARY dut=$dut source=$src $s values=$(IFS=,; echo "${vals[*]}") busy_reps=$nbusy$extra"
	echo "$BENCH_LAST_SUMMARY"
}

# bench_suite [options] DUT...   parse the common options and run, for every
# DUT (functions dut_<DUT>_start/stop), every source and frame size, REPS
# repetitions.  Options:
#   -r REPS     repetitions (default 3)
#   -d SECONDS  measurement per repetition (default 5; keep d+w <= 15)
#   -w SECONDS  warm-up per repetition (default 2)
#   -s SIZES    frame sizes incl. FCS, comma separated (default 64)
#   -S SOURCES  comma separated: testpmd,pktgen (default both)
#   -f FLOWS    pktgen flows (default 1)
#   -P ARGS     extra pktgen arguments (one string, e.g. "--bidir")
# Prints SUMMARY lines (stdout) and a table at the end.
bench_suite() {
	local reps=3 dur=5 warm=2 sizes=64 sources=testpmd,pktgen flows=1
	local pgx="" opt OPTIND=1
	while getopts "r:d:w:s:S:f:P:h" opt; do
		case $opt in
		r) reps=$OPTARG ;; d) dur=$OPTARG ;; w) warm=$OPTARG ;;
		s) sizes=$OPTARG ;; S) sources=$OPTARG ;; f) flows=$OPTARG ;;
		P) pgx=$OPTARG ;;
		h) sed -n '/^# bench_suite/,/^# Prints/p' "$BENCH_LIB_DIR/lib.sh" >&2
		   exit 0 ;;
		*) exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -gt 0 ] || die "bench_suite: no DUT given"
	local t
	t=$(awk -v d="$dur" -v w="$warm" 'BEGIN { print (d + w > 15) }')
	[ "$t" = 0 ] || log "WARNING: d+w > 15 s per run (machine is shared)"
	bench_init
	local dut src size summaries=()
	for dut in "$@"; do
		declare -F "dut_${dut//-/_}_start" >/dev/null ||
			die "unknown DUT $dut"
	done
	for dut in "$@"; do
		local f=${dut//-/_}
		log "=== DUT $dut: $(declare -F "dut_${f}_describe" >/dev/null &&
		                    "dut_${f}_describe")"
		"dut_${f}_start" || die "DUT $dut failed to start"
		for src in ${sources//,/ }; do
			for size in ${sizes//,/ }; do
				local args=()
				if [ "$src" = pktgen ]; then
					# shellcheck disable=SC2206
					args=(-s "$size" -f "$flows" $pgx)
				else
					args=("--txpkts=$((size - 4))")
				fi
				if bench_reps "$dut" "$src" "$reps" "$dur" "$warm" \
				   "${args[@]}" >/dev/null; then
					local line="$BENCH_LAST_SUMMARY size=$size"
					[ "$src" = pktgen ] && line="$line flows=$flows"
					echo "$line"
					summaries+=("$line")
				else
					log "FAILED: $dut/$src/$size"
				fi
			done
		done
		DUT_CPP= DUT_PPL=
		"dut_${f}_stop"
		if [ -n "${DUT_CPP:-}" ]; then
			local cl="CPP dut=$dut cycles_per_pkt=$DUT_CPP sizes=$sizes sources=$sources flows=$flows"
			[ -n "${DUT_PPL:-}" ] && cl="$cl pkts_per_loop=$DUT_PPL"
			echo "$cl"
			log "$cl"
		fi
	done
	echo
	printf '%-12s %-8s %5s %10s %10s %10s %8s %5s\n' DUT SOURCE SIZE \
		MEDIAN_Mpps MIN MAX SPREAD% BUSY
	for t in "${summaries[@]}"; do
		awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		       printf "%-12s %-8s %5s %10.3f %10.3f %10.3f %8s %5s\n", v["dut"],
		       v["source"], v["size"], v["median"] / 1e6, v["min"] / 1e6,
		       v["max"] / 1e6, v["spread_pct"], v["busy_reps"] "/" v["n"] }' <<<"$t"
	done
}

# vnetd with a port capture running on p0 (vnetctl port-capture, both
# directions, to /dev/null): the cost of a capture (doc/benchmarks.md).
#   vnetd-capnone: filter "arp" (the UDP traffic never matches): the
#                  filter runs on every frame, nothing is copied
#   vnetd-capall:  no filter: every frame of p0 is copied and streamed
dut_vnetd_capture_start() { # FILTER
	dut_vnetd_start || return 1
	bench_spawn capture "$BENCH_VNETCTL" -s "$BENCH_DIR/vnetd/run/vnetd.sock" \
		port-capture p0 ${1:+"$1"} --write /dev/null
	sleep 0.5
	bench_alive capture || die "vnetctl port-capture: $(cat "$BENCH_DIR/capture.log")"
}
dut_vnetd_capture_stop() {
	log "p0 frames not copied (capture ring full): $("$BENCH_VNETCTL" -s \
		"$BENCH_DIR/vnetd/run/vnetd.sock" port-stats p0 | awk '$2 == "capture_dropped" { print $3 }')"
	bench_stop capture 5
	dut_vnetd_stop
}
dut_vnetd_capnone_start() { dut_vnetd_capture_start arp; }
dut_vnetd_capnone_stop() { dut_vnetd_capture_stop; }
dut_vnetd_capnone_describe() { echo "$(dut_vnetd_describe), capturing p0 with filter 'arp' (matches nothing)"; }
dut_vnetd_capall_start() { dut_vnetd_capture_start ""; }
dut_vnetd_capall_stop() { dut_vnetd_capture_stop; }
dut_vnetd_capall_describe() { echo "$(dut_vnetd_describe), capturing every frame of p0 (to /dev/null)"; }
