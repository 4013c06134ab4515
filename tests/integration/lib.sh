# lib.sh — shared helpers for vnetd integration tests (bash).
#
# Each test gets a private state dir, run dir and API socket under $T, runs
# vnetd's worker on CPU 1 and the peers on CPU 0, and cleans up everything it
# started on exit.  Tests touch only unix sockets and namespaces they create.
set -euo pipefail

: "${VNETD:?path to the vnetd binary}"
: "${VNET_PEER:=}"
T=$(mktemp -d /tmp/vnetd-test.XXXXXX)
SOCK=$T/run/vnetd.sock
PIDS=()
NETNS=()
VETHS=() # host ends of veth pairs the test made (deleted on exit)
VNETD_PID=

cleanup() {
	local rc=$?
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$VNETD_PID" ]; then kill "$VNETD_PID" 2>/dev/null || true; fi
	for p in "${PIDS[@]}" $VNETD_PID; do wait "$p" 2>/dev/null || true; done
	# every process left in our namespaces is one the test started
	for n in "${NETNS[@]}"; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
	done
	for v in "${VETHS[@]}"; do ip link del "$v" 2>/dev/null || true; done
	for n in "${NETNS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	if [ $rc -ne 0 ] && [ -f "$T/vnetd.log" ]; then
		echo "--- vnetd log (last 40 lines)"; tail -40 "$T/vnetd.log"
		for f in "$T"/*.log "$T"/*.out; do
			[ -f "$f" ] && [ "$f" != "$T/vnetd.log" ] || continue
			echo "--- $(basename "$f") (last 15 lines)"; tail -15 "$f"
		done
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# The virsh transcript the lifecycle and bad-input tests compare against
# (libvirt's data is read from ../shared at test time, never copied into the
# repo): sets VNETCTL (absolute), TX (the transcript) and IN (a directory
# with the transcript's input files, as captured).
transcript_setup() {
	: "${VNETCTL:?path to the vnetctl binary}"
	VNETCTL=$(cd "$(dirname "$VNETCTL")" && pwd)/$(basename "$VNETCTL")
	TX=${VNETD_CONFORMANCE:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/conformance/libvirt}/captured/virsh-9.0.0-test-driver.txt
	[ -r "$TX" ] || fail "virsh transcript not found: $TX"
	IN=$T/in
	mkdir -p "$IN"
	awk -v d="$IN" '/^===== input file /{f=d"/"$4; next} /^=====/{f=""} f!="" && NF {print > f}' "$TX"
	[ -s "$IN/nat1.xml" ] && [ -s "$IN/bridgestp.xml" ] || fail "cannot extract the transcript's input files"
}

assert_eq() { # what expected actual
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# vnetd_start [extra vnetd args...]
# Tests run vnetd in the root namespace: no uplink, no host TAP there unless
# the test sets VNETD_L3=1 (and runs vnetd inside a namespace of its own).
vnetd_start() {
	local l3=(--uplink=none --host-port=no)
	[ "${VNETD_L3:-0}" = 1 ] && l3=()
	"$VNETD" --state-dir "$T/state" --run-dir "$T/run" --cpus "${VNETD_CPUS:-0,1}" \
		--memory 256 --mbufs 8192 "${l3[@]}" "$@" >>"$T/vnetd.log" 2>&1 &
	VNETD_PID=$!
	for _ in $(seq 200); do
		[ -S "$SOCK" ] && curl -sf --unix-socket "$SOCK" http://vnetd/v1/version >/dev/null && return 0
		kill -0 "$VNETD_PID" 2>/dev/null || fail "vnetd exited during start"
		sleep 0.05
	done
	fail "vnetd did not start"
}

vnetd_stop() { # SIGTERM and wait
	kill "$VNETD_PID"
	wait "$VNETD_PID" || fail "vnetd exited with $? on SIGTERM"
	VNETD_PID=
}

vnetd_kill9() {
	kill -9 "$VNETD_PID"
	wait "$VNETD_PID" 2>/dev/null || true
	VNETD_PID=
}

# api METHOD PATH [JSON]: prints the body and sets API_STATUS (call it without
# $(...) when the status matters, e.g. api GET /v1/x >"$T/out")
api() {
	# a file per call: a command substitution in a background job's
	# arguments runs concurrently with the test's next api call
	local body
	body=$(mktemp "$T/.body.XXXXXX")
	if [ $# -ge 3 ]; then
		API_STATUS=$(curl -s -o "$body" -w '%{http_code}' --unix-socket "$SOCK" -X "$1" \
			-H 'Content-Type: application/json' --data-binary "$3" "http://vnetd$2")
	else
		API_STATUS=$(curl -s -o "$body" -w '%{http_code}' --unix-socket "$SOCK" -X "$1" \
			"http://vnetd$2")
	fi
	cat "$body"
	rm -f "$body"
}

# api_ok METHOD PATH [JSON]: prints the body; fails the test unless 2xx
api_ok() {
	local out
	out=$(mktemp "$T/.ok.XXXXXX")
	api "$@" >"$out"
	case "$API_STATUS" in 2*) ;; *) fail "$1 $2 -> $API_STATUS: $(cat "$out")" ;; esac
	cat "$out"
	rm -f "$out"
}

jget() { jq -r "$1"; }

port_add() { # NAME NETWORK [json extra members]
	api_ok POST /v1/ports "{\"name\":\"$1\",\"network\":\"$2\"${3:+,$3}}" >/dev/null
}

port_sock() { api_ok GET "/v1/ports/$1" | jget .port.path; }

port_stat() { # PORT FIELD
	api_ok GET "/v1/ports/$1/stats" | jget ".stats.$2"
}

wait_connected() { # PORT... (up to 30 s)
	try_connected "$@" || fail "port $WAIT_FAILED did not connect: $(api GET "/v1/ports/$WAIT_FAILED")"
}

try_connected() { # PORT...: 0 when all connected within 30 s, else 1 ($WAIT_FAILED)
	for p in "$@"; do
		for _ in $(seq 600); do
			[ "$(api_ok GET "/v1/ports/$p" | jget .port.connected)" = true ] && continue 2
			sleep 0.05
		done
		WAIT_FAILED=$p
		return 1
	done
}

# peer_start OUTFILE PREFIX ARGS...: vnet-peer on CPU 0 in the background
peer_start() {
	local out=$1 prefix=$2
	shift 2
	"$VNET_PEER" --lcores 0@0 --no-huge -m 128 --no-shconf --file-prefix "$prefix" \
		--no-pci --log-level 4 -- "$@" >"$out" 2>&1 &
	PEER_PID=$!
	PIDS+=("$PEER_PID")
}

peer_wait() { # waits for the last peer; fails on a non-zero exit
	wait "$PEER_PID" || fail "vnet-peer exited with $?: $(tail -5 "$1")"
}

# rx_count OUTFILE PORT SRC DST -> frames PORT received from SRC to DST
rx_count() {
	awk -v p="$2" -v s="$3" -v d="$4" '$1=="rx" && $2==p && $3==s && $4==d {n+=$5} END {print n+0}' "$1"
}

# rx_from OUTFILE PORT SRC -> all frames PORT received from SRC
rx_from() {
	awk -v p="$2" -v s="$3" '$1=="rx" && $2==p && $3==s {n+=$5} END {print n+0}' "$1"
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# kport_ns NS NSIF HOSTIF MAC NETWORK PORT [MTU]: namespace NS holding veth
# end NSIF (MAC set, up, no IPv6), the other end HOSTIF attached to vnetd as
# kernel port PORT of NETWORK; both are removed on exit.
kport_ns() {
	local ns=$1 n=$2 h=$3 mtu=${7:-1500}
	ip netns add "$ns"
	NETNS+=("$ns")
	ip link add "$h" mtu "$mtu" type veth peer name "$n" mtu "$mtu"
	VETHS+=("$h")
	sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1"
	ip link set "$n" netns "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$n.disable_ipv6=1"
	ip -n "$ns" link set "$n" address "$4" up
	ip link set "$h" up
	port_add "$6" "$5" "\"type\":\"kernel\",\"interface\":\"$h\"${8:+,$8}" # $8: more port members
}

# udhcpc_script: $T/udhcpc.sh, a udhcpc script that configures the address and
# appends "<event> <ip>" to $T/ev.<interface>
udhcpc_script() {
	cat >"$T/udhcpc.sh" <<EOF
#!/bin/sh
case "\$1" in
deconfig) ip -4 addr flush dev "\$interface" ;;
bound|renew)
	ip -4 addr show dev "\$interface" | grep -q "inet \$ip/\$mask " ||
		{ ip -4 addr flush dev "\$interface"; ip addr add "\$ip/\$mask" dev "\$interface"; } ;;
esac
echo "\$1 \${ip:-}" >>"$T/ev.\$interface"
EOF
	chmod +x "$T/udhcpc.sh"
}

# hello_servers NS PORT...: TCP servers in NS that answer "hello" and close
# (python3; killed at exit)
hello_servers() {
	local ns=$1
	shift
	ip netns exec "$ns" /usr/bin/python3 -c '
import socket, sys, threading
def serve(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(b"hello\n"); c.close()
for p in sys.argv[1:]: threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()' "$@" &
	PIDS+=($!)
}
