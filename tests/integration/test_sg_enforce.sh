#!/bin/bash
# Security groups enforced statefully between two guests of one network
# (namespaces on kernel ports, DHCP leases): the server's group admits TCP
# 2222 from anywhere and ICMP echo from members of "default"; the client is
# in "default" (whose ingress admits only its members).  Replies of an
# allowed connection pass although no rule admits them; what no rule admits
# is dropped and counted (acl); a rule removed cuts the connection it
# admitted (Neutron/OVN), and a rule added admits new ones.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "python3 not installed at $PY"

vnetd_start
NET=hfsg
MS=52:54:00:81:00:0a MC=52:54:00:81:00:0b
api_ok POST /v1/networks "{\"xml\":\"<network><name>$NET</name><ip address='10.81.0.1' netmask='255.255.255.0'><dhcp><range start='10.81.0.100' end='10.81.0.199'/></dhcp></ip></network>\"}" >/dev/null
api_ok POST "/v1/networks/$NET/start" >/dev/null
WEB=$(api_ok POST /v1/security-groups '{"security_group":{"name":"web"}}' | jq -r .security_group.id)
DEF=$(api_ok GET /v1/security-groups/default | jq -r .security_group.id)
rule() { api_ok POST /v1/security-group-rules "{\"security_group_rule\":{\"security_group_id\":\"$WEB\",\"direction\":\"ingress\",$1}}" | jq -r .security_group_rule.id; }
rule '"protocol":"tcp","port_range_min":2222,"port_range_max":2222,"remote_ip_prefix":"0.0.0.0/0"' >/dev/null
ICMP=$(rule "\"protocol\":\"icmp\",\"port_range_min\":8,\"remote_group_id\":\"$DEF\"")

S=hfS$$ C=hfC$$
kport_ns "$S" s0 "hfs$$" "$MS" "$NET" srv 1500 "\"mac\":\"$MS\",\"security_groups\":[\"web\"]"
kport_ns "$C" c0 "hfc$$" "$MC" "$NET" cli 1500 "\"mac\":\"$MC\",\"security_groups\":[\"default\"]"
wait_connected srv cli
assert_eq "client's groups" "$DEF" "$(api_ok GET /v1/ports/cli | jq -r '.port.security_groups | join(",")')"
udhcpc_script
lease() {
	ip netns exec "$1" busybox udhcpc -i "$2" -s "$T/udhcpc.sh" -n -q -t 5 -T 1 >/dev/null 2>&1 ||
		fail "no DHCP lease in $1"
	ip -n "$1" -4 -o addr show dev "$2" | awk '{print $4}' | cut -d/ -f1
}
IPS=$(lease "$S" s0) IPC=$(lease "$C" c0)
ok "server $IPS (group web), client $IPC (group default)"

# the server: TCP 2222 and 2223 answer "hello"
hello_servers "$S" 2222 2223
tcp() { # NS IP PORT: prints what the server said, or "refused"
	ip netns exec "$1" timeout 5 "$PY" -c "
import socket, sys
try:
    s = socket.create_connection(('$2', $3), timeout=2); print(s.recv(16).decode().strip())
except Exception: print('refused')" 2>/dev/null || echo refused
}
for _ in $(seq 50); do [ "$(ip netns exec "$S" ss -ltn | grep -c ':222[23] ')" = 2 ] && break; sleep 0.1; done
acl() { api_ok GET "/v1/ports/$1/stats" | jq -r .stats.drops.acl; }

a0=$(acl cli)
assert_eq "client -> server TCP 2222 (and its reply)" hello "$(tcp "$C" "$IPS" 2222)"
assert_eq "client -> server TCP 2223" refused "$(tcp "$C" "$IPS" 2223)"
[ "$(acl cli)" -gt "$a0" ] || fail "the refused connection was not counted as acl on the client's port"
ip netns exec "$C" ping -c 2 -i 0.2 -W 2 "$IPS" >/dev/null || fail "client -> server ping (echo from default's members)"
s0=$(acl srv)
ip netns exec "$S" ping -c 2 -i 0.2 -W 1 "$IPC" >/dev/null && fail "server -> client ping passed: the client's default group admits only its members"
[ "$(acl srv)" -gt "$s0" ] || fail "server -> client ping not counted"
ok "matrix: TCP 2222 allowed with its replies, 2223 dropped, echo allowed from default's members only"

# vnetctl trace names the check and the rule
: "${VNETCTL:?path to the vnetctl binary}"
out=$("$VNETCTL" -s "$SOCK" trace cli "tcp dst=$IPS dport=2223")
grep -q "^acl ingress: port srv: no ingress rule of its 1 group(s) admits it (from $IPC): dropped (acl)$" <<<"$out" ||
	fail "trace of a refused connection: $out"
grep -q "^verdict: drop (acl)$" <<<"$out" || fail "trace verdict: $out"
TCP22=$(api_ok GET "/v1/security-group-rules?security_group_id=$WEB" | jq -r '.security_group_rules[] | select(.port_range_min==2222) | .id')
out=$("$VNETCTL" -s "$SOCK" trace cli "tcp dst=$IPS dport=2222")
grep -q "^acl ingress: port srv: allowed by rule $TCP22 of group web " <<<"$out" || fail "trace of an allowed connection: $out"
grep -q "^verdict: forward to srv$" <<<"$out" || fail "trace verdict: $out"
out=$("$VNETCTL" -s "$SOCK" trace cli "udp src=10.81.0.77 dst=$IPS dport=53")
grep -q "^port security: dropped (spoof_ip)$" <<<"$out" || fail "trace of a spoofed source: $out"
err=$("$VNETCTL" -s "$SOCK" trace cli "sctp dst=$IPS" 2>&1 >/dev/null) && fail "trace of a bad description succeeded"
grep -q "the first word must be tcp, udp, icmp, arp or ip, not 'sctp'" <<<"$err" || fail "trace error: $err"
ok "vnetctl trace names the check or rule that decides (acl rule, port security)"

# a connection established before a rule change is cut when the rule goes
ip netns exec "$C" ping -D -i 0.2 -c 25 -W 1 "$IPS" >"$T/ping.out" 2>&1 &
PING=$!
sleep 2
api_ok DELETE "/v1/security-group-rules/$ICMP" >/dev/null
cut=$(date +%s.%N) # applied when the call returns (taken before it, a loaded box flaked)
wait "$PING" || true
before=$(awk -F'[][]' -v t="$cut" '/bytes from/ && $2 < t' "$T/ping.out" | wc -l)
after=$(awk -F'[][]' -v t="$cut" '/bytes from/ && $2 > t + 0.05' "$T/ping.out" | wc -l)
[ "$before" -ge 5 ] || fail "the ping did not run before the change: $(cat "$T/ping.out")"
assert_eq "echo replies after the rule was removed" 0 "$after"
ok "rule removed: the ping it admitted is cut ($before replies before, 0 after)"

# TCP 2223 opened by a new rule
rule '"protocol":"tcp","port_range_min":2223,"port_range_max":2223' >/dev/null
assert_eq "client -> server TCP 2223 after the rule is added" hello "$(tcp "$C" "$IPS" 2223)"
# a port without groups is not filtered, and not admitted where rules do not say so
api_ok PUT /v1/ports/srv '{"security_groups":[]}' >/dev/null
ip netns exec "$S" ping -c 1 -W 2 "$IPC" >/dev/null && fail "server (no group now) -> client (default) passed"
api_ok PUT /v1/ports/cli '{"security_groups":[]}' >/dev/null
ip netns exec "$S" ping -c 1 -W 2 "$IPC" >/dev/null || fail "no groups on either side: not filtered"
ok "a rule added admits new connections; ports without groups are not filtered"
