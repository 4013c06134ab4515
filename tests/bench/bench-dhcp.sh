#!/bin/bash
# tests/bench/bench-dhcp.sh — DHCPv4 server throughput: perfdhcp (Debian's
# kea-admin) against vnetd and against dnsmasq serving the same range, on the
# same machine, each over a veth pair into a namespace of its own:
#   vnetd:   ns bdV (perfdhcp) --veth--> vnetd kernel-interface port
#   dnsmasq: ns bdC (perfdhcp) --veth--> ns bdS (dnsmasq)
# perfdhcp runs DISCOVER/OFFER/REQUEST/ACK exchanges for RATE per second
# (0 = as fast as it can) from CLIENTS distinct MACs for SECONDS; the
# figure is its "Rate" of completed 4-way exchanges, plus drops and delays.
# dnsmasq runs as libvirt configures it (authoritative, no-override, lease
# max) but with a plain lease file (libvirt's lease helper script, forked
# per lease, would make it slower still).
# usage: tests/bench/bench-dhcp.sh [RATE] [SECONDS] [CLIENTS] [REPS]
set -u
RATE=${1:-0} SECS=${2:-10} CLIENTS=${3:-50000} REPS=${4:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/vnetd-bdhcp.XXXXXX)
cleanup() {
	[ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null
	wait 2>/dev/null
	for n in bdV bdC bdS; do ip netns del "$n$$" 2>/dev/null; done
	ip link del bdvh$$ 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
for c in perfdhcp dnsmasq; do command -v $c >/dev/null || { echo "need $c (scripts/deps.sh --bench)"; exit 77; }; done
NV=bdV$$ NC=bdC$$ NS=bdS$$
ip netns add $NV; ip netns add $NC; ip netns add $NS
ip link add bdvh$$ type veth peer name eth0 netns $NV
ip link add eth0 netns $NC type veth peer name eth0 netns $NS
ip netns exec $NV ip addr add 10.77.0.2/16 dev eth0
ip netns exec $NC ip addr add 10.77.0.2/16 dev eth0
ip netns exec $NS ip addr add 10.77.0.1/16 dev eth0
for n in $NV $NC $NS; do ip netns exec $n ip link set eth0 up; ip netns exec $n ip link set lo up; done
ip link set bdvh$$ up

# vnetd: the same subnet and range, DHCP frames not rate limited by port
"$top/build/control/vnetd" --state-dir "$T/vs" --run-dir "$T/vr" --no-default-network \
	--punt-rate 10000000 --log-level warning >"$T/vnetd.log" 2>&1 &
VPID=$!
v=("$top/build/cli/vnetctl" -q -s "$T/vr/vnetd.sock")
for _ in $(seq 100); do "${v[@]}" net-list >/dev/null 2>&1 && break; sleep 0.1; done
cat >"$T/pd.xml" <<'XML'
<network><name>pd</name><ip address='10.77.0.1' prefix='16'><dhcp>
<range start='10.77.1.0' end='10.77.250.255'/></dhcp></ip></network>
XML
"${v[@]}" net-create "$T/pd.xml" >/dev/null
"${v[@]}" port-add pd perf --interface bdvh$$ >/dev/null

start_dnsmasq() { # fresh lease file each time
	rm -f "$T/dnsmasq.leases"
	ip netns exec $NS dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces \
		--dhcp-range=10.77.1.0,10.77.250.255,1h --dhcp-authoritative --dhcp-no-override \
		--dhcp-lease-max=64000 --dhcp-leasefile="$T/dnsmasq.leases" --no-resolv --no-hosts \
		--quiet-dhcp --log-facility="$T/dnsmasq.log" --pid-file="$T/dnsmasq.pid" &
	DPID=$!
	sleep 1
}
start_dnsmasq

run() { # NS -> "rate drops avg_delay_ms"
	local args=(-4 -l eth0 -R "$CLIENTS" -p "$SECS")
	[ "$RATE" != 0 ] && args+=(-r "$RATE")
	[ "$RATE" = 0 ] && args+=(-r 1000000)
	ip netns exec "$1" timeout $((SECS + 30)) perfdhcp "${args[@]}" all >"$T/p.out" 2>&1
	awk '/^Rate:/ {r=$2} /drops:/ && !d {d=$2} /avg delay:/ && !a {a=$3} END {printf "%s %s %s\n", r, d, a}' "$T/p.out"
}
med() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
rv=() rd=()
for i in $(seq "$REPS"); do
	# fresh leases every repetition: restart both servers' state
	"${v[@]}" net-destroy pd >/dev/null; rm -f "$T/vs/dhcp/pd.status"
	"${v[@]}" net-create "$T/pd.xml" >/dev/null
	a=$(run $NV); echo "rep $i vnetd:   rate/s drops avg_delay_ms = $a"; rv+=("${a%% *}")
	kill "$DPID"; wait "$DPID" 2>/dev/null
	start_dnsmasq
	a=$(run $NC); echo "rep $i dnsmasq: rate/s drops avg_delay_ms = $a"; rd+=("${a%% *}")
done
mv=$(printf '%s\n' "${rv[@]}" | med) md=$(printf '%s\n' "${rd[@]}" | med)
awk -v a="$mv" -v b="$md" 'BEGIN { printf "RESULT vnetd %.0f leases/s, dnsmasq %.0f leases/s (medians), vnetd/dnsmasq = %.2f\n", a, b, (b > 0 ? a / b : 0) }'
