#!/bin/bash
# tests/bench/dns.sh — DNS queries per second: dnsperf from a namespace
# against vnetd's DNS server and against dnsmasq configured as libvirt
# configures it (tests/networkxml2confdata: strict-order, domain, expand-hosts,
# domain-needed, local=/DOMAIN/, addn-hosts), same machine, same run:
#   vnetd:   ns C1 (dnsperf) --veth--> vnetd kernel port (vnetd in ns H)
#   dnsmasq: ns C2 (dnsperf) --veth--> ns S (dnsmasq)
#   both forward to ns U (an upstream dnsmasq with the "external" names)
# Two query mixes: "local" (a host of the network: <dns><host>, addn-hosts
# for dnsmasq) and "cached" (an external name, fetched once from the
# upstream and then answered from the cache).  Not a test: figures only.
# Then the same names from a vhost-user port (the way a VM reaches vnetd):
# vnet-peer's --dns-load (DPDK virtio-user, a few syscalls per burst, not
# per query) keeps WINDOW queries outstanding against vnetd alone: what
# vnetd answers when the client and the kernel's veth/socket path are not
# the limit.  dnsmasq has no such path (a guest reaches it through a tap and
# the kernel), so its figure stays the dnsperf one.
# usage: tests/bench/dns.sh [SECONDS] [CLIENTS]
# environment: THREADS (dnsperf -T, default 1), OUTSTANDING (dnsperf -q,
# default 200), PROCS (dnsperf processes at once, default 1), VNETD_ARGS
# (extra vnetd options, e.g. --idle-us 1), ROUNDS (default 2), WINDOW
# (vnet-peer's outstanding queries, default 200), ONLY=vhost (skip the
# dnsperf runs), VNETD (the vnetd binary, default $BUILD/control/vnetd)
set -u
SECS=${1:-10} CLIENTS=${2:-4}
WINDOW=${WINDOW:-200} THREADS=${THREADS:-1} OUTSTANDING=${OUTSTANDING:-200} PROCS=${PROCS:-1} ROUNDS=${ROUNDS:-2}
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
T=$(mktemp -d /tmp/vnetd-bdns.XXXXXX)
P=bdn$(($$ % 10000))
H=$P-h C1=$P-c1 C2=$P-c2 S=$P-s U=$P-u
VPID= DPID= UPID=
cleanup() {
	for p in $VPID $DPID $UPID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in $H $C1 $C2 $S $U; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap "exit 1" INT TERM
PEER=$BUILD/tests/integration/vnet-peer
[ -x "$PEER" ] || { echo "need $PEER (meson setup -Dtests=enabled)"; exit 1; }
for c in dnsperf dnsmasq; do
	command -v $c >/dev/null || { echo "need $c: scripts/deps.sh --bench"; exit 1; }
done
for n in $H $C1 $C2 $S $U; do ip netns add "$n"; ip -n "$n" link set lo up; done
# clients
ip link add eth0 netns $C1 type veth peer name ${P}v netns $H
ip link add eth0 netns $C2 type veth peer name eth0 netns $S
ip -n $C1 addr add 10.81.0.2/24 dev eth0
ip -n $C2 addr add 10.81.0.2/24 dev eth0
ip -n $S addr add 10.81.0.1/24 dev eth0
# the upstream, reachable from H and from S
ip link add up0 netns $U type veth peer name upl netns $H
ip link add up1 netns $U type veth peer name upl netns $S
ip -n $U addr add 10.82.0.2/24 dev up0
ip -n $U addr add 10.83.0.2/24 dev up1
ip -n $H addr add 10.82.0.1/24 dev upl
ip -n $S addr add 10.83.0.1/24 dev upl
for n in $C1 $C2 $S; do ip -n $n link set eth0 up; done
ip -n $H link set ${P}v up
ip -n $H link set upl up; ip -n $S link set upl up
ip -n $U link set up0 up; ip -n $U link set up1 up
ip netns exec $U dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.82.0.2 --listen-address=10.83.0.2 --local-ttl=3600 \
	--address=/www.ext.example/198.51.100.7 --log-facility=/dev/null &
UPID=$!

# dnsmasq as libvirt writes it for <domain name='lab.test' localOnly='yes'/>,
# a <dns><host> and <forwarder addr>
printf '10.81.0.50\tprinter.lab.test\tprinter\n' >"$T/addnhosts"
cat >"$T/dnsmasq.conf" <<EOF
strict-order
no-resolv
server=10.83.0.2
domain=lab.test
expand-hosts
domain-needed
local=/lab.test/
except-interface=lo
bind-dynamic
interface=eth0
addn-hosts=$T/addnhosts
EOF
ip netns exec $S dnsmasq --no-daemon --conf-file="$T/dnsmasq.conf" --log-facility=/dev/null &
DPID=$!

vc=("$BUILD/cli/vnetctl" -q -s "$T/vr/vnetd.sock")
ip netns exec $H "${VNETD:-$BUILD/control/vnetd}" --state-dir "$T/vs" --run-dir "$T/vr" \
	--no-default-network --punt-rate 10000000 --log-level warning ${VNETD_ARGS:-} >"$T/vnetd.log" 2>&1 &
VPID=$!
for _ in $(seq 100); do "${vc[@]}" net-list >/dev/null 2>&1 && break; sleep 0.1; done
cat >"$T/net.xml" <<'XML'
<network><name>bdns</name><domain name='lab.test' localOnly='yes'/>
<dns><forwarder addr='10.82.0.2'/><host ip='10.81.0.50'><hostname>printer</hostname></host></dns>
<ip address='10.81.0.1' prefix='24'/></network>
XML
"${vc[@]}" net-create "$T/net.xml" >/dev/null || { cat "$T/vnetd.log"; exit 1; }
"${vc[@]}" port-add bdns perf --interface ${P}v >/dev/null || exit 1
"${vc[@]}" port-add bdns vu --mac 52:54:00:00:0d:01 >/dev/null || exit 1
GWMAC=$("${vc[@]}" net-dumpxml bdns | sed -n "s/.*<mac address=['\"]\([0-9a-fA-F:]*\)['\"].*/\1/p")
sleep 1

echo "printer.lab.test A" >"$T/q.local"
echo "www.ext.example A" >"$T/q.cached"
# CPU time (utime + stime, clock ticks) of the thread that answers: vnetd's
# control thread (the main thread; the workers poll and are not counted) and
# dnsmasq's single thread.
# Also the whole process (vnetd: plus its worker, which does the AF_PACKET
# receive/send and the punt/inject rings, and polls: idle time counts too).
ticks() { awk '{print $14 + $15}' "/proc/$1/task/$1/stat"; }
pticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
run() { # NS MIX PID -> "qps thread-us/q process-us/q client-us/q"
	ip netns exec "$1" dig +short +time=1 @10.81.0.1 www.ext.example >/dev/null # warm the cache
	local t0 t1 p0 p1 i
	t0=$(ticks "$3")
	p0=$(pticks "$3")
	# the clients' CPU time (user + sys of all dnsperf processes): bash's time
	TIMEFORMAT='%U %S'
	{ time {
		for i in $(seq "$PROCS"); do
			ip netns exec "$1" dnsperf -s 10.81.0.1 -d "$T/q.$2" -l "$SECS" -c "$CLIENTS" \
				-T "$THREADS" -q "$OUTSTANDING" >"$T/perf.$i" 2>&1 &
		done
		wait
	}; } 2>"$T/client.cpu"
	t1=$(ticks "$3")
	p1=$(pticks "$3")
	cat "$T"/perf.[0-9]* | awk -v t=$((t1 - t0)) -v p=$((p1 - p0)) -v hz="$HZ" -v c="$(cat "$T/client.cpu")" '
		/Queries completed/ {q += $3} /Queries per second/ {qps += $4}
		END {split(c, cc, " "); printf "%.0f %.2f %.2f %.2f\n", qps, q ? t * 1e6 / hz / q : 0,
			q ? p * 1e6 / hz / q : 0, q ? (cc[1] + cc[2]) * 1e6 / q : 0}'
}
vrun() { # MIX NAME -> "qps thread-us/q process-us/q" (vnet-peer over vhost-user)
	local t0 t1 p0 p1 out
	t0=$(ticks "$VPID")
	p0=$(pticks "$VPID")
	"$PEER" --lcores '0@(0,1)' --no-huge -m 256 --no-shconf --file-prefix "bdns$$" --no-pci \
		--log-level 4 -- --port "vu,$T/vr/bdns/vu.sock,52:54:00:00:0d:01" \
		--dns-load "vu,$SECS,$WINDOW,$GWMAC" --dns-query "10.81.0.3,10.81.0.1,$2" \
		--settle-ms 10 >"$T/peer.out" 2>&1
	t1=$(ticks "$VPID")
	p1=$(pticks "$VPID")
	out=$(awk '$1 == "dns-load" {print $4, $5, $6}' "$T/peer.out")
	[ -n "$out" ] || { echo "vnet-peer failed: $(tail -3 "$T/peer.out")" >&2; echo "0 0 0"; return; }
	awk -v t=$((t1 - t0)) -v p=$((p1 - p0)) -v hz="$HZ" -v o="$out" 'BEGIN {
		split(o, v, " "); a = v[1]; ok = v[2]; s = v[3]
		if (ok < a) printf "(%d of %d answers not NOERROR) ", a - ok, a > "/dev/stderr"
		printf "%.0f %.2f %.2f\n", s ? a / s : 0, a ? t * 1e6 / hz / a : 0, a ? p * 1e6 / hz / a : 0 }'
}
printf '%-8s %-10s %10s %12s %13s %12s\n' mix server qps thread-us/q process-us/q client-us/q
for mix in local cached; do
	for round in $(seq "$ROUNDS"); do
		vq=- vcpu=- vproc=- vcl=- dq=- dc=- dproc=- dcl=-
		if [ "${ONLY:-}" != vhost ]; then
			read -r vq vcpu vproc vcl <<<"$(run $C1 $mix $VPID)"
			read -r dq dc dproc dcl <<<"$(run $C2 $mix $DPID)"
		fi
		read -r uq ucpu uproc <<<"$(vrun $mix "$(cut -d' ' -f1 "$T/q.$mix")")"
		printf '%-8s %-10s %10s %12s %13s %12s\n' "$mix" vnetd "$vq" "$vcpu" "$vproc" "$vcl" \
			"$mix" dnsmasq "$dq" "$dc" "$dproc" "$dcl" "$mix" vnetd-vhost "$uq" "$ucpu" "$uproc" -
	done
done
"${vc[@]}" net-dns-stats bdns | grep -v ": *0$"
# the dataplane's side: frames punted to the control thread and answers
# injected, punt ring overflows, the worker's idle sleeps and its busy
# cycles per frame (receive + send) -- whole run, both mixes
"$BUILD/cli/vnetctl" -s "$T/vr/vnetd.sock" stats --json 2>/dev/null | jq -r '
	"dataplane: punted \(.punted) injected \(.injected) punt_full \(.drops.punt_full)" +
	" punt_limit \(.drops.punt_limit) loops \(.loops) sleeps \(.sleeps) wakeups \(.wakeups)" +
	" busy ns/frame \(if .punted > 0 then (.busy_cycles / .tsc_hz * 1e9 / (.punted + .injected) | floor) else 0 end)"' ||
	echo "dataplane: (no stats)"
