#!/bin/bash
# Security groups north-south (lib_l3.sh: vnetd in a "host" namespace with
# an uplink to an "internet" namespace; a NAT network, DHCP guests):
#  - guest 1's group admits egress TCP 80 only: it reaches the internet's
#    HTTP server through NAT, not its UDP echo (dropped as acl on its port);
#  - guest 2's group admits ingress TCP 22 from 10.77.0.0/24 (the internet's
#    side): a port forward 2222 -> guest 2:22 works from there (the rule sees
#    the translated port), 2223 -> guest 2:23 does not;
#  - a rule change reaches sessions: the ingress prefix changed to one the
#    client is not in, the forward no longer connects.
. "$(dirname "$0")/lib_l3.sh"
: "${VNETCTL:?path to the vnetctl binary}"
vc() { "$VNETCTL" -s "$SOCK" "$@"; }

NET=sgn-hf
vnetd_l3_start --no-default-network
l3_net $NET "<network><name>$NET</name><forward mode='nat'/><bridge name='vhf$$'/>\
<ip address='192.168.161.1' netmask='255.255.255.0'><dhcp>\
<range start='192.168.161.100' end='192.168.161.199'/></dhcp></ip></network>"
# l3_guest's, with the port's MAC and port security (security groups need them)
sg_guest() { # ID MAC
	local g=$1 ns
	ns=$(gns "$1")
	mkns "$ns"
	ip -n "$HNS" link add "g$g" type veth peer name eth0 netns "$ns"
	ip -n "$ns" link set eth0 address "$2" up
	ip -n "$HNS" link set "g$g" up
	ip netns exec "$HNS" sysctl -qw "net.ipv4.conf.g$g.arp_ignore=8"
	port_add "$g-$L3TAG" $NET "\"type\":\"kernel\",\"interface\":\"g$g\",\"mac\":\"$2\",\"port_security_enabled\":true"
	try_connected "$g-$L3TAG" || fail "guest $g's port did not connect"
}
sg_guest 1 52:54:00:17:00:01
sg_guest 2 52:54:00:17:00:02
G1=$(l3_dhcp 1)
G2=$(l3_dhcp 2)
ing 2 busybox ping -c 1 -W 2 192.168.161.1 >/dev/null || fail "guest 2 cannot ping its gateway"
mkdir -p "$T/www"
echo internet >"$T/www/who"
l3_http_server "$INS" "$REMOTE" 80 "$T/www"
l3_udp_server "$INS" "$REMOTE" 7777
l3_http_server "$(gns 2)" 0.0.0.0 22 "$T/www"
l3_http_server "$(gns 2)" 0.0.0.0 23 "$T/www"
vc port-forward-add $NET tcp 2222 "$G2:22" >/dev/null || fail "port-forward-add 2222"
vc port-forward-add $NET tcp 2223 "$G2:23" >/dev/null || fail "port-forward-add 2223"
retry() { local i; for i in $(seq 10); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
retry ini $L3PY tcp-try "$UPLINK_IP" 2223 || fail "without groups: internet -> $UPLINK_IP:2223 does not connect"
ing 1 $L3PY udp-ask "$REMOTE" 7777 hi >/dev/null || fail "without groups: guest 1's UDP echo"
ok "without groups: guest 1 ($G1) reaches UDP 7777, the internet reaches guest 2 ($G2) on 2223"

group() { # NAME: a group without its default egress rules; prints its id
	local id r
	id=$(api_ok POST /v1/security-groups "{\"security_group\":{\"name\":\"$1\"}}" | jq -r .security_group.id)
	for r in $(api_ok GET "/v1/security-group-rules?security_group_id=$id" | jq -r '.security_group_rules[].id'); do
		api_ok DELETE "/v1/security-group-rules/$r" >/dev/null
	done
	echo "$id"
}
rule() { # GROUP DIRECTION JSON-MEMBERS: prints the rule's id
	api_ok POST /v1/security-group-rules "{\"security_group_rule\":{\"security_group_id\":\"$1\",\"direction\":\"$2\",$3}}" |
		jq -r .security_group_rule.id
}
OUT=$(group out80-hf)
rule "$OUT" egress '"protocol":"tcp","port_range_min":80,"port_range_max":80,"remote_ip_prefix":"0.0.0.0/0"' >/dev/null
IN=$(group in22-hf)
rule "$IN" egress '"remote_ip_prefix":"0.0.0.0/0"' >/dev/null
SSH=$(rule "$IN" ingress '"protocol":"tcp","port_range_min":22,"port_range_max":22,"remote_ip_prefix":"10.77.0.0/24"')
api_ok PUT "/v1/ports/1-$L3TAG" '{"security_groups":["out80-hf"]}' >/dev/null
api_ok PUT "/v1/ports/2-$L3TAG" '{"security_groups":["in22-hf"]}' >/dev/null
sleep 0.3

acl() { api_ok GET "/v1/ports/$1/stats" | jq -r .stats.drops.acl; }
out=$(ing 1 curl -sf --max-time 5 "http://$REMOTE/who") || fail "guest 1 -> $REMOTE:80 (egress TCP 80 allowed): no answer"
assert_eq "guest 1 -> http://$REMOTE/who" internet "$out"
a0=$(acl "1-$L3TAG")
out=$(ing 1 $L3PY udp-ask "$REMOTE" 7777 hi) && fail "guest 1's UDP 7777 passed egress rules admitting TCP 80 only: $out"
[ "$(acl "1-$L3TAG")" -gt "$a0" ] || fail "guest 1's refused UDP was not counted as acl"
ok "egress TCP 80 only: guest 1 fetches $REMOTE's page through NAT, its UDP is dropped (acl $a0 -> $(acl "1-$L3TAG"))"

out=$(ini $L3PY tcp-try "$UPLINK_IP" 2222) || fail "internet -> $UPLINK_IP:2222 -> guest 2:22 (ingress 22 from 10.77.0.0/24): $out"
out=$(ini $L3PY tcp-try "$UPLINK_IP" 2223) && fail "internet -> $UPLINK_IP:2223 -> guest 2:23 passed an ingress admitting 22 only"
ok "ingress TCP 22 from 10.77.0.0/24: the forward to guest 2:22 connects, the one to :23 does not ($out)"

# the rule's prefix changed: the internet's address no longer in it
api_ok DELETE "/v1/security-group-rules/$SSH" >/dev/null
rule "$IN" ingress '"protocol":"tcp","port_range_min":22,"port_range_max":22,"remote_ip_prefix":"10.99.0.0/24"' >/dev/null
sleep 0.3
out=$(ini $L3PY tcp-try "$UPLINK_IP" 2222) && fail "internet -> $UPLINK_IP:2222 after the rule moved to 10.99.0.0/24: $out"
ok "the ingress rule moved to 10.99.0.0/24: the forward from 10.77.0.2 no longer connects ($out)"

api_ok PUT "/v1/ports/1-$L3TAG" '{"security_groups":[]}' >/dev/null
sleep 0.3
ing 1 $L3PY udp-ask "$REMOTE" 7777 again >/dev/null || fail "no groups again: guest 1's UDP still dropped"
ok "no groups again: guest 1 unfiltered"
echo "PASS test_sg_north"
