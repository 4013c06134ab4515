#!/bin/bash
# tests/bench/bench-dhcp.sh — DHCPv4 server throughput: perfdhcp (Debian's
# kea-admin) against vnetd and against dnsmasq serving the same /16 range on
# the same machine, each through a veth pair into a namespace of its own:
#   vnetd:   ns V (perfdhcp) --veth--> vnetd kernel-interface port
#   dnsmasq: ns C (perfdhcp) --veth--> ns S (dnsmasq)
# dnsmasq runs twice: as libvirt configures it (authoritative, no-override,
# lease max; it pings every address before offering it) and with --no-ping
# (its best case).  For each server perfdhcp offers a ladder of rates (4-way
# DISCOVER..ACK exchanges per second from fresh MACs, SECONDS each, fresh
# server state each step); the figures are the highest offered rate served
# with < 1% DISCOVER drops, and the highest completed rate.
# usage: tests/bench/bench-dhcp.sh [SECONDS] ["RATES"]
set -u
SECS=${1:-5} RATES=${2:-"250 500 1000 2000 4000 8000 16000"}
top=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/vnetd-bdhcp.XXXXXX)
V= C= S= VPID= DPID=
cleanup() {
	[ -n "$VPID" ] && kill "$VPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	wait 2>/dev/null
	for n in $V $C $S; do ip netns del "$n" 2>/dev/null; done
	ip link del bdvh$$ 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
for c in perfdhcp dnsmasq; do
	command -v $c >/dev/null || { echo "need $c: scripts/deps.sh --bench"; exit 77; }
done
V=bdV$$ C=bdC$$ S=bdS$$
ip netns add $V; ip netns add $C; ip netns add $S
ip link add bdvh$$ type veth peer name eth0 netns $V
ip link add eth0 netns $C type veth peer name eth0 netns $S
ip netns exec $V ip addr add 10.77.0.2/16 dev eth0
ip netns exec $C ip addr add 10.77.0.2/16 dev eth0
ip netns exec $S ip addr add 10.77.0.1/16 dev eth0
for n in $V $C $S; do ip netns exec $n ip link set eth0 up; ip netns exec $n ip link set lo up; done
ip link set bdvh$$ up

vc=("$top/build/cli/vnetctl" -q -s "$T/vr/vnetd.sock")
cat >"$T/pd.xml" <<'XML'
<network><name>pd</name><ip address='10.77.0.1' prefix='16'><dhcp>
<range start='10.77.1.0' end='10.77.250.255'/></dhcp></ip></network>
XML
start_vnetd() { # fresh state, DHCP frames not limited per port
	rm -rf "$T/vs" "$T/vr"
	"$top/build/control/vnetd" --state-dir "$T/vs" --run-dir "$T/vr" --no-default-network \
		--punt-rate 10000000 --log-level warning >"$T/vnetd.log" 2>&1 &
	VPID=$!
	for _ in $(seq 100); do "${vc[@]}" net-list >/dev/null 2>&1 && break; sleep 0.1; done
	"${vc[@]}" net-create "$T/pd.xml" >/dev/null 2>&1
	"${vc[@]}" port-add pd perf --interface bdvh$$ >/dev/null
}
start_dnsmasq() { # ARGS: extra dnsmasq options; fresh lease file
	rm -f "$T/dnsmasq.leases"
	ip netns exec $S dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces \
		--dhcp-range=10.77.1.0,10.77.250.255,1h --dhcp-authoritative --dhcp-no-override \
		--dhcp-lease-max=64000 --dhcp-leasefile="$T/dnsmasq.leases" --no-resolv --no-hosts \
		--quiet-dhcp --log-facility="$T/dnsmasq.log" "$@" &
	DPID=$!
	sleep 1
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

perf() { # NS RATE -> "completed_rate discover_drop_pct avg_delay_ms"
	ip netns exec "$1" timeout $((SECS + 20)) perfdhcp -4 -l eth0 -r "$2" -R 60000 -p "$SECS" all \
		>"$T/p.out" 2>&1
	awk '/^Rate:/ {r = $2} /drops ratio:/ && !d {d = $3} /avg delay:/ && !a {a = $3}
	     END {printf "%s %s %s\n", r + 0, d + 0, a + 0}' "$T/p.out"
}

ladder() { # NAME NS START STOP [args for START]
	local name=$1 ns=$2 startf=$3 stopv=$4 best_ok=0 peak=0
	shift 4
	for r in $RATES; do
		$startf "$@"
		read -r got drop delay < <(perf "$ns" "$r")
		stop "${!stopv}"
		printf '%-16s offered %6d/s  completed %8.1f/s  discover drops %6.2f%%  avg delay %.2f ms\n' \
			"$name" "$r" "$got" "$drop" "$delay"
		awk -v d="$drop" 'BEGIN { exit !(d < 1) }' && best_ok=$r
		peak=$(awk -v a="$peak" -v b="$got" 'BEGIN { print (b > a) ? b : a }')
	done
	echo "RESULT $name max_rate_under_1pct_drops=$best_ok peak_completed=$peak"
}

ladder vnetd $V start_vnetd VPID | tee -a "$T/res"
ladder dnsmasq-libvirt $C start_dnsmasq DPID | tee -a "$T/res"
ladder dnsmasq-noping $C start_dnsmasq DPID --no-ping | tee -a "$T/res"
awk '/^RESULT/ { split($3, a, "="); split($4, b, "="); ok[$2] = a[2]; pk[$2] = b[2] }
     END { for (d in ok) if (d != "vnetd")
	printf "RATIO vnetd/%s: sustained %.1fx, peak %.1fx\n", d,
		(ok[d] > 0 ? ok["vnetd"] / ok[d] : 0), (pk[d] > 0 ? pk["vnetd"] / pk[d] : 0) }' "$T/res"
