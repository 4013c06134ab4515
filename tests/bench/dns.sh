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
# usage: tests/bench/dns.sh [SECONDS] [CLIENTS]
set -u
SECS=${1:-10} CLIENTS=${2:-4}
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
ip netns exec $H "$BUILD/control/vnetd" --state-dir "$T/vs" --run-dir "$T/vr" \
	--no-default-network --punt-rate 10000000 --log-level warning >"$T/vnetd.log" 2>&1 &
VPID=$!
for _ in $(seq 100); do "${vc[@]}" net-list >/dev/null 2>&1 && break; sleep 0.1; done
cat >"$T/net.xml" <<'XML'
<network><name>bdns</name><domain name='lab.test' localOnly='yes'/>
<dns><forwarder addr='10.82.0.2'/><host ip='10.81.0.50'><hostname>printer</hostname></host></dns>
<ip address='10.81.0.1' prefix='24'/></network>
XML
"${vc[@]}" net-create "$T/net.xml" >/dev/null || { cat "$T/vnetd.log"; exit 1; }
"${vc[@]}" port-add bdns perf --interface ${P}v >/dev/null || exit 1
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
run() { # NS MIX PID -> "qps thread-cpu-us-per-query process-cpu-us-per-query"
	ip netns exec "$1" dig +short +time=1 @10.81.0.1 www.ext.example >/dev/null # warm the cache
	local t0 t1 p0 p1
	t0=$(ticks "$3")
	p0=$(pticks "$3")
	ip netns exec "$1" dnsperf -s 10.81.0.1 -d "$T/q.$2" -l "$SECS" -c "$CLIENTS" -q 200 >"$T/perf.out" 2>&1
	t1=$(ticks "$3")
	p1=$(pticks "$3")
	awk -v t=$((t1 - t0)) -v p=$((p1 - p0)) -v hz="$HZ" '/Queries completed/ {q=$3} /Queries per second/ {qps=$4}
		END {printf "%.0f %.2f %.2f\n", qps, q ? t * 1e6 / hz / q : 0, q ? p * 1e6 / hz / q : 0}' "$T/perf.out"
}
printf '%-8s %-10s %10s %14s %14s\n' mix server qps thread-us/q process-us/q
for mix in local cached; do
	for round in 1 2; do
		read -r vq vcpu vproc <<<"$(run $C1 $mix $VPID)"
		read -r dq dc dproc <<<"$(run $C2 $mix $DPID)"
		printf '%-8s %-10s %10s %14s %14s\n' "$mix" vnetd "$vq" "$vcpu" "$vproc" \
			"$mix" dnsmasq "$dq" "$dc" "$dproc"
	done
done
"${vc[@]}" net-dns-stats bdns | grep -v ": *0$"
