#!/bin/bash
# sg-latency.sh — time from a security group rule's API request to the
# dataplane judging frames by it, with 1,000 rules on the port.
#
# L3 test topology (tests/integration/lib_l3.sh: namespaces only): a NAT
# network, guest 1 (DHCP lease, port security) in a group of 999 egress TCP
# rules (ports 1..999) that do not admit UDP.  The guest sends UDP datagrams
# to the internet namespace's 198.51.100.1:7777 back to back, each carrying
# its send time; they are dropped (acl).  The client then POSTs the rule
# admitting egress UDP 7777 (the port's 1,000th); the internet's receiver
# records the first datagram that arrives.  Latency = the first admitted
# datagram's send time - the request's start (the sender's spacing, ~10-20
# us, is the resolution); also the API round trip (request -> response:
# parse, compile, publication, then the rule's store file written), and
# the compile + publish time vnetd logs for each change.  Then the rule is deleted
# (the session is cut) and it starts again: RUNS times (default 15).
# Run as root with VNETD, VNETCTL, VNET_PEER, SRCDIR set as for the
# integration tests.  Prints figures; not a pass/fail test.
. "$(dirname "$0")/../integration/lib_l3.sh"
PYB="python3 $(dirname "$0")/sg-latency.py"
RUNS=${RUNS:-15}
NET=sglat
vnetd_l3_start --no-default-network
l3_net $NET "<network><name>$NET</name><forward mode='nat'/><bridge name='vhl$$'/>\
<ip address='192.168.162.1' netmask='255.255.255.0'><dhcp>\
<range start='192.168.162.100' end='192.168.162.199'/></dhcp></ip></network>"
ns=$(gns 1)
mkns "$ns"
ip -n "$HNS" link add g1 type veth peer name eth0 netns "$ns"
ip -n "$ns" link set eth0 address 52:54:00:18:00:01 up
ip -n "$HNS" link set g1 up
ip netns exec "$HNS" sysctl -qw net.ipv4.conf.g1.arp_ignore=8
port_add "1-$L3TAG" $NET '"type":"kernel","interface":"g1","mac":"52:54:00:18:00:01","port_security_enabled":true'
try_connected "1-$L3TAG" || fail "guest port did not connect"
G1=$(l3_dhcp 1)
ing 1 ping -c 1 -W 2 "$REMOTE" >/dev/null || fail "guest 1 cannot ping $REMOTE through NAT"

GID=$(api_ok POST /v1/security-groups '{"security_group":{"name":"lat"}}' | jq -r .security_group.id)
for r in $(api_ok GET "/v1/security-group-rules?security_group_id=$GID" | jq -r '.security_group_rules[].id'); do
	api_ok DELETE "/v1/security-group-rules/$r" >/dev/null
done
for i in $(seq 1 999); do
	api_ok POST /v1/security-group-rules "{\"security_group_rule\":{\"security_group_id\":\"$GID\",\"direction\":\"egress\",\"protocol\":\"tcp\",\"port_range_min\":$i,\"port_range_max\":$i,\"remote_ip_prefix\":\"0.0.0.0/0\"}}" >/dev/null
done
api_ok PUT "/v1/ports/1-$L3TAG" '{"security_groups":["lat"]}' >/dev/null
echo "guest $G1: $(api_ok GET "/v1/security-group-rules?security_group_id=$GID" | jq '.security_group_rules | length') rules on its port"

ing 1 $PYB send "$REMOTE" 7777 $((RUNS * 10 + 60)) & # killed after the runs
SENDER=$!
PIDS+=("$SENDER")
sleep 1
a0=$(api_ok GET "/v1/ports/1-$L3TAG/stats" | jq -r .stats.drops.acl)
sleep 0.5
a1=$(api_ok GET "/v1/ports/1-$L3TAG/stats" | jq -r .stats.drops.acl)
echo "sender: $(( (a1 - a0) * 2 )) datagrams/s dropped (acl) before the rule"
BODY="{\"security_group_rule\":{\"security_group_id\":\"$GID\",\"direction\":\"egress\",\"protocol\":\"udp\",\"port_range_min\":7777,\"port_range_max\":7777,\"remote_ip_prefix\":\"0.0.0.0/0\"}}"
: >"$T/lat"
# STRACE=FILE: the daemon's file syscalls with their durations during the runs
if [ -n "${STRACE:-}" ]; then
	strace -f -tt -T -e trace=fsync,fdatasync,rename,openat,write -p "$VNETD_PID" -o "$STRACE" 2>/dev/null &
	STRACE_PID=$!
	PIDS+=("$STRACE_PID")
	sleep 0.5
fi
# PERF=FILE: the daemon's profile (perf record -g) during the runs, its report in FILE
if [ -n "${PERF:-}" ]; then
	perf record -g -p "$VNETD_PID" -o "$T/perf.data" >/dev/null 2>&1 &
	PERF_PID=$!
	PIDS+=("$PERF_PID")
fi
for run in $(seq "$RUNS"); do
	rm -f "$T/first" "$T/first.ready"
	ini $PYB recv "$REMOTE" 7777 "$T/first" &
	RECV=$!
	for _ in $(seq 100); do [ -e "$T/first.ready" ] && break; sleep 0.05; done
	sleep 0.1
	RID=$($PYB post "$SOCK" /v1/security-group-rules "$BODY" "$T/api" | jq -r .security_group_rule.id)
	wait "$RECV" || fail "receiver failed"
	read -r t0 t1 st <"$T/api"
	read -r sent got <"$T/first"
	[ "$st" = 201 ] || fail "POST rule: $st"
	pub=$(grep -o "published in [0-9]* us (at [0-9]* ns)" "$T/vnetd.log" | tail -1 | tr -d '(' | awk '{print $6}')
	echo "$(( (sent - t0) / 1000 )) $(( (got - t0) / 1000 )) $(( (t1 - t0) / 1000 )) $(( (pub - t0) / 1000 ))" >>"$T/lat"
	$PYB delete "$SOCK" "/v1/security-group-rules/$RID"
	sleep 0.3
done
kill "$SENDER" 2>/dev/null || true
[ -z "${STRACE:-}" ] || kill "$STRACE_PID" 2>/dev/null || true
if [ -n "${PERF:-}" ]; then
	kill -INT "$PERF_PID"
	wait "$PERF_PID" 2>/dev/null || true
	perf report -i "$T/perf.data" --stdio --no-children --sort comm,dso,sym 2>/dev/null >"$PERF" || true
fi
stats() { sort -n | awk '{v[NR]=$1} END {printf "median %d, p90 %d, min %d, max %d", v[int((NR+1)/2)], v[int((NR*9+9)/10)], v[1], v[NR]}'; }
echo "rule request -> first admitted frame sent (us, $RUNS runs): $(cut -d' ' -f1 "$T/lat" | stats)"
echo "rule request -> first admitted frame received (us): $(cut -d' ' -f2 "$T/lat" | stats)"
echo "API round trip (request -> response, us): $(cut -d' ' -f3 "$T/lat" | stats)"
echo "request -> rules published (vnetd's log, us): $(cut -d' ' -f4 "$T/lat" | stats)"
# control/policy/api_sg.c logs each publication's compile + publish time
grep -o "recompiled and published in [0-9]* us" "$T/vnetd.log" | awk '{print $5}' | tail -n $((RUNS * 2)) >"$T/compile"
echo "compile + publish of the port's rules (us, $(wc -l <"$T/compile") changes): $(stats <"$T/compile")"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
