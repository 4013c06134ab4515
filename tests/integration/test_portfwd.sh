#!/bin/bash
# Port forwarding through the uplink (vnetd inside a namespace standing for
# the host, lib_l3.sh):
#  - from the internet namespace, the uplink address's TCP port 8080 reaches
#    guest 1's HTTP server on port 80, UDP port 5353 its UDP echo server
#    (which sees the internet's own address: DNAT only);
#  - hairpin: guest 2 reaches guest 1 through the public address:port;
#  - the rules are persisted: after a restart (and kill -9) the forward
#    works again without being added again;
#  - a deleted rule forwards nothing any more.
. "$(dirname "$0")/lib_l3.sh"
: "${VNETCTL:?path to the vnetctl binary}"
vc() { "$VNETCTL" -s "$SOCK" "$@"; }

NET=pf-he
GW=192.168.160.1
G1=192.168.160.11 G2=192.168.160.12

vnetd_l3_start --no-default-network
l3_net $NET "<network><name>$NET</name><forward mode='nat'/><bridge name='vhf$$'/>\
<ip address='$GW' netmask='255.255.255.0'/></network>"
l3_guest 1 52:54:00:16:00:01 $NET "$G1/24" $GW
l3_guest 2 52:54:00:16:00:02 $NET "$G2/24" $GW
# the guests make themselves known (vnetd learns a guest's address from its
# ARP, as a guest with a DHCP lease does anyway; a new vnetd process again)
announce() {
	local g
	for g in "$@"; do
		ip -n "$(gns $g)" neigh flush dev eth0
		ing $g busybox ping -c 1 -W 2 $GW >/dev/null || ing $g busybox ping -c 1 -W 2 $GW >/dev/null ||
			fail "guest $g cannot ping its gateway"
	done
}
announce 1 2
mkdir -p "$T/www1"
echo "guest one" >"$T/www1/who"
l3_http_server "$(gns 1)" 0.0.0.0 80 "$T/www1"
l3_udp_server "$(gns 1)" 0.0.0.0 5353

out=$(vc port-forward-add $NET tcp 8080 $G1:80 --description web) || fail "port-forward-add: $out"
TCPID=$(sed -n 's/^Port forward \([0-9]*\) added.*/\1/p' <<<"$out")
[ -n "$TCPID" ] || fail "port-forward-add output: $out"
vc port-forward-add $NET udp 5353 $G1 >/dev/null || fail "port-forward-add udp"
assert_eq "rules active" "true true" "$(api_ok GET /v1/port-forwards | jq -r '[.port_forwards[].active] | join(" ")')"

fetch() { # NS-RUNNER...: fetches http://UPLINK:8080/who
	"$@" curl -sf --max-time 5 "http://$UPLINK_IP:8080/who"
}
retry() { # CMD...: up to 5 s (the table reaches the dataplane at once; the tick is the fallback)
	local i
	for i in $(seq 10); do "$@" && return 0; sleep 0.5; done
	return 1
}

# ----------------------------------------------------- from the internet
out=$(retry fetch ini) || fail "internet -> $UPLINK_IP:8080: no answer"
assert_eq "internet -> $UPLINK_IP:8080" "guest one" "$out"
grep -q "^$INET_GW \|^$REMOTE " "$T/http.$(gns 1).80.log" ||
	fail "guest 1's server did not see the internet's address: $(tail -2 "$T/http.$(gns 1).80.log")"
out=$(ini $L3PY udp-ask "$UPLINK_IP" 5353 ping) || fail "internet -> $UPLINK_IP:5353 (udp): $out"
[[ $out == "echo ping from $INET_GW:"* ]] || fail "UDP forward answer: $out"
ok "internet reaches guest 1 through $UPLINK_IP:8080 (tcp) and :5353 (udp); the guest sees the client's address"

# -------------------------------------------------------------- hairpin
out=$(retry fetch ing 2) || fail "hairpin: guest 2 -> $UPLINK_IP:8080: no answer"
assert_eq "hairpin guest 2 -> $UPLINK_IP:8080" "guest one" "$out"
out=$(ing 2 $L3PY udp-ask "$UPLINK_IP" 5353 hair) || fail "hairpin udp: $out"
[[ $out == "echo hair from "* ]] || fail "hairpin UDP answer: $out"
ok "hairpin: guest 2 reaches guest 1 through the public address ($out)"
rows=$(ct_rows $NET)
grep -q " $UPLINK_IP:8080 " <<<"$rows" || fail "no session to $UPLINK_IP:8080 in conntrack: $rows"

# ------------------------------------------------------------- persisted
vnetd_stop
vnetd_l3_start --no-default-network
try_connected "1-$L3TAG" "2-$L3TAG" || fail "ports did not come back"
announce 1
out=$(retry fetch ini) || fail "after a restart: internet -> $UPLINK_IP:8080: no answer"
assert_eq "after restart" "guest one" "$out"
vnetd_kill9
vnetd_l3_start --no-default-network
try_connected "1-$L3TAG" || fail "ports did not come back after kill -9"
announce 1
out=$(retry fetch ini) || fail "after kill -9: internet -> $UPLINK_IP:8080: no answer"
ok "the forward works again after a restart and a kill -9"

# the network stops: the rule stays, inactive, and applies again at its start
api_ok POST /v1/networks/$NET/destroy >/dev/null
sleep 1.5
assert_eq "rule of a stopped network" "false" "$(api_ok GET /v1/port-forwards | jq -r ".port_forwards[] | select(.id == $TCPID) | .active")"
refused=$(ini $L3PY tcp-try "$UPLINK_IP" 8080) && fail "the forward of a stopped network still reaches the guest: $refused"
api_ok POST /v1/networks/$NET/start >/dev/null
try_connected "1-$L3TAG" || fail "port 1 did not come back with the network"
announce 1
assert_eq "rule of the restarted network" "true" "$(api_ok GET /v1/port-forwards | jq -r ".port_forwards[] | select(.id == $TCPID) | .active")"
out=$(retry fetch ini) || fail "after net-destroy/net-start: internet -> $UPLINK_IP:8080: no answer"
ok "a stopped network's forward is inactive ($refused); it works again once the network runs"

# --------------------------------------------------------------- delete
vc port-forward-delete "$TCPID" >/dev/null || fail "port-forward-delete"
vc conntrack-flush $NET >/dev/null
sleep 0.5
out=$(ini $L3PY tcp-try "$UPLINK_IP" 8080) && fail "deleted forward still reaches the guest: $out"
ini $L3PY udp-ask "$UPLINK_IP" 5353 still >/dev/null || fail "the UDP forward went with the TCP one"
ok "a deleted forward forwards nothing ($out); the other stays"

echo "PASS test_portfwd"
