#!/bin/bash
# Port forwarding rules and the conntrack routes, the control side only (no
# uplink, no traffic: test_portfwd.sh sends packets through them):
#  - POST/GET/DELETE /v1/port-forwards and vnetctl port-forward-add|list|
#    delete: every field validated with the API's error format (unknown
#    network 404, not NAT / no subnet 409, protocol, ports, addresses,
#    internal_ip in the network's subnet and not the gateway 400, duplicate
#    protocol/external port 409, unknown member 400); the read-only socket
#    refuses changes;
#  - rules persist (one atomic file each): kept across a restart and a
#    kill -9 in the middle of an add/delete storm; a malformed file, a
#    file named after another id and a duplicate rule are logged and
#    skipped, vnetd starts, a new rule never takes a skipped file's id;
#  - GET/DELETE /v1/conntrack check the network and the query.
. "$(dirname "$0")/lib.sh"
: "${VNETCTL:?path to the vnetctl binary}"
for b in jq curl; do command -v $b >/dev/null || fail "$b not installed"; done
export LC_ALL=C

vc() { "$VNETCTL" -s "$SOCK" "$@"; }
err_code() { jq -r .error.code; }
expect_err() { # STATUS CODE METHOD PATH [BODY]: the request fails so
	local out
	api "${@:3}" >"$T/err.out"
	out=$(cat "$T/err.out")
	[ "$API_STATUS" = "$1" ] && [ "$(err_code <<<"$out")" = "$2" ] ||
		fail "$3 $4 ${5:-}: want $1 $2, got $API_STATUS $out"
	echo "$out" | jq -r .error.message
}
rules() { # "id network proto ext int:port", one rule a line
	api_ok GET /v1/port-forwards | jq -r '.port_forwards[] |
		"\(.id) \(.network) \(.protocol) \(.external_address // "*"):\(.external_port) \(.internal_ip):\(.internal_port) \(.description)"'
}

vnetd_start --no-default-network
api_ok POST /v1/networks "{\"xml\":\"<network><name>pfnet</name><forward mode='nat'/>\
<ip address='10.99.0.1' netmask='255.255.255.0'/></network>\"}" >/dev/null
api_ok POST /v1/networks "{\"xml\":\"<network><name>iso</name>\
<ip address='10.98.0.1' netmask='255.255.255.0'/></network>\"}" >/dev/null
api_ok POST /v1/networks "{\"xml\":\"<network><name>rt</name><forward mode='route'/>\
<ip address='10.97.0.1' netmask='255.255.255.0'/></network>\"}" >/dev/null

# ------------------------------------------------------------------- add
api POST /v1/port-forwards '{"network":"pfnet","protocol":"tcp","external_port":8080,"internal_ip":"10.99.0.10","internal_port":80,"description":"web"}' >"$T/o"
o=$(cat "$T/o")
assert_eq "POST status" 201 "$API_STATUS"
assert_eq "first id" 1 "$(jq .port_forward.id <<<"$o")"
assert_eq "inactive network: rule not active" false "$(jq .port_forward.active <<<"$o")"
out=$(vc port-forward-add pfnet udp 5353 10.99.0.11 --description dns) || fail "vnetctl port-forward-add: $out"
grep -q "^Port forward 2 added: udp port 5353 to 10.99.0.11:5353 on network pfnet$" <<<"$out" ||
	fail "vnetctl port-forward-add output: $out"
api_ok POST /v1/port-forwards '{"network":"pfnet","protocol":"tcp","external_port":2222,"external_address":"203.0.113.7","internal_ip":"10.99.0.12","internal_port":22}' >/dev/null
assert_eq "rules" "1 pfnet tcp *:8080 10.99.0.10:80 web
2 pfnet udp *:5353 10.99.0.11:5353 dns
3 pfnet tcp 203.0.113.7:2222 10.99.0.12:22 " "$(rules)"
out=$(vc port-forward-list)
grep -Eq '^ 1 +pfnet +tcp +\*:8080 +10\.99\.0\.10:80 +no +web$' <<<"$out" || fail "port-forward-list: $out"
grep -Eq '^ Id +Network +Protocol +External +Internal +Active +Description$' <<<"$out" || fail "port-forward-list header: $out"
assert_eq "port-forward-list --json" 3 "$(vc port-forward-list pfnet --json | jq '.port_forwards | length')"
assert_eq "list of another network" 0 "$(api_ok GET '/v1/port-forwards?network=iso' | jq '.port_forwards | length')"
ok "port forwards added (API and vnetctl), listed"

# ------------------------------------------------------------ validation
PF='"network":"pfnet","protocol":"tcp"'
m=$(expect_err 404 no-network POST /v1/port-forwards '{"network":"nope","protocol":"tcp","external_port":1,"internal_ip":"10.99.0.2"}')
assert_eq "unknown network message" "Network not found: no network with matching name 'nope'" "$m"
expect_err 409 operation-invalid POST /v1/port-forwards '{"network":"iso","protocol":"tcp","external_port":1,"internal_ip":"10.98.0.2"}' >/dev/null
expect_err 409 operation-invalid POST /v1/port-forwards '{"network":"rt","protocol":"tcp","external_port":1,"internal_ip":"10.97.0.2"}' >/dev/null
m=$(expect_err 400 invalid-arg POST /v1/port-forwards '{"network":"pfnet","protocol":"icmp","external_port":1,"internal_ip":"10.99.0.2"}')
assert_eq "protocol message" "invalid argument: protocol must be 'tcp' or 'udp', not 'icmp'" "$m"
for p in 0 65536 -1 '"80"' 80.5 true; do
	expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":$p,\"internal_ip\":\"10.99.0.2\"}" >/dev/null
	expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":81,\"internal_ip\":\"10.99.0.2\",\"internal_port\":$p}" >/dev/null
done
m=$(expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":81,\"internal_ip\":\"10.99.1.2\"}")
assert_eq "outside the subnet" "invalid argument: internal_ip 10.99.1.2 is not a host address of network 'pfnet' (10.99.0.0/24)" "$m"
for ip in 10.99.0.0 10.99.0.255 10.99.0.1 10.99.0 999.1.1.1 ::1 ""; do
	expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":81,\"internal_ip\":\"$ip\"}" >/dev/null
done
for ip in 0.0.0.0 224.0.0.1 255.255.255.255 127.0.0.1 x; do
	expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":81,\"external_address\":\"$ip\",\"internal_ip\":\"10.99.0.2\"}" >/dev/null
done
expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":81}" >/dev/null
expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":81,\"internal_ip\":\"10.99.0.2\",\"id\":7}" >/dev/null
expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":81,\"internal_ip\":\"10.99.0.2\",\"description\":\"a\\u0001b\"}" >/dev/null
expect_err 400 invalid-arg POST /v1/port-forwards "{$PF,\"external_port\":81,\"internal_ip\":\"10.99.0.2\",\"description\":\"$(printf 'x%.0s' $(seq 257))\"}" >/dev/null
expect_err 400 invalid-arg POST /v1/port-forwards '[1]' >/dev/null
# duplicates: the same protocol and external port on an overlapping address
m=$(expect_err 409 operation-failed POST /v1/port-forwards "{$PF,\"external_port\":8080,\"internal_ip\":\"10.99.0.20\"}")
assert_eq "duplicate message" "operation failed: tcp port 8080 is already forwarded by port forward 1" "$m"
expect_err 409 operation-failed POST /v1/port-forwards "{$PF,\"external_port\":2222,\"internal_ip\":\"10.99.0.20\"}" >/dev/null
expect_err 409 operation-failed POST /v1/port-forwards "{$PF,\"external_port\":8080,\"external_address\":\"203.0.113.9\",\"internal_ip\":\"10.99.0.20\"}" >/dev/null
# ... but another protocol or another explicit address is fine
api_ok POST /v1/port-forwards "{\"network\":\"pfnet\",\"protocol\":\"udp\",\"external_port\":8080,\"internal_ip\":\"10.99.0.20\"}" >/dev/null
api_ok POST /v1/port-forwards "{$PF,\"external_port\":2222,\"external_address\":\"203.0.113.8\",\"internal_ip\":\"10.99.0.20\"}" >/dev/null
assert_eq "rules after the refusals" "1 2 3 4 5" "$(api_ok GET /v1/port-forwards | jq -r '[.port_forwards[].id] | join(" ")')"
# vnetctl's own checks and vnetd's errors
out=$(vc port-forward-add pfnet tcp 99999 10.99.0.2:80 2>&1) && fail "port 99999 accepted"
grep -q "^error: invalid argument: external port '99999' must be a number from 1 to 65535$" <<<"$out" || fail "vnetctl: $out"
out=$(vc port-forward-add pfnet tcp 99 10.99.0.2:x 2>&1) && fail "port x accepted"
out=$(vc port-forward-add pfnet tcp 8080 10.99.0.2:80 2>&1) && fail "duplicate accepted by vnetctl"
assert_eq "vnetctl duplicate" "error: Failed to add port forward to network pfnet
error: operation failed: tcp port 8080 is already forwarded by port forward 1" "$out"
out=$(vc port-forward-add nope tcp 1 10.99.0.2 2>&1) && fail "unknown network accepted by vnetctl"
assert_eq "vnetctl unknown network" "error: failed to get network 'nope'
error: Network not found: no network with matching name 'nope'" "$out"
ok "validation: 404/409/400 with the API's error format, duplicates refused"

# ---------------------------------------------------------------- delete
expect_err 404 no-port-forward DELETE /v1/port-forwards/99 >/dev/null
expect_err 404 no-port-forward DELETE /v1/port-forwards/abc >/dev/null
expect_err 404 no-port-forward DELETE /v1/port-forwards/-1 >/dev/null
expect_err 405 method-not-allowed PUT /v1/port-forwards/1 '{}' >/dev/null
out=$(vc port-forward-delete 5) || fail "port-forward-delete 5: $out"
grep -q "^Port forward 5 deleted$" <<<"$out" || fail "port-forward-delete output: $out"
out=$(vc port-forward-delete 5 2>&1) && fail "deleting twice worked"
assert_eq "delete twice" "error: Failed to delete port forward 5
error: Port forward not found: no port forward with id '5'" "$out"
[ ! -e "$T/state/port-forwards/5.json" ] || fail "rule 5's file is left"
# the read-only socket lists, never changes
RO=$T/run/vnetd-ro.sock
assert_eq "read-only list" 4 "$(curl -s --unix-socket "$RO" http://vnetd/v1/port-forwards | jq '.port_forwards | length')"
assert_eq "read-only add" 403 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$RO" -X POST \
	--data-binary "{$PF,\"external_port\":1,\"internal_ip\":\"10.99.0.2\"}" http://vnetd/v1/port-forwards)"
assert_eq "read-only delete" 403 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$RO" -X DELETE http://vnetd/v1/port-forwards/1)"
ok "delete (API and vnetctl), unknown ids 404, read-only socket refuses changes"

# ------------------------------------------------------------- conntrack
expect_err 404 no-network GET '/v1/conntrack?network=nope' >/dev/null
expect_err 404 no-network DELETE '/v1/conntrack?network=nope' >/dev/null
expect_err 400 invalid-arg GET '/v1/conntrack?limit=3' >/dev/null
out=$(vc conntrack-list nope 2>&1) && fail "conntrack-list of an unknown network worked"
assert_eq "conntrack-list unknown network" "error: failed to get network 'nope'
error: Network not found: no network with matching name 'nope'" "$out"
api GET '/v1/conntrack?network=pfnet' >"$T/ct"
assert_eq "conntrack of an idle network: status" 200 "$API_STATUS"
assert_eq "conntrack of an idle network" '0 0 [] 0' \
	"$(jq -c '"\(.total) \(.conntrack | length) \([.counts[] | select(. != 0)]) \(.stats.sessions)"' -r "$T/ct")"
jq -e '.counts | has("ESTABLISHED") and has("TIME_WAIT") and has("SYN_SENT")' "$T/ct" >/dev/null ||
	fail "conntrack counts: $(jq -c .counts "$T/ct")"
assert_eq "flush of an idle network" 0 "$(api_ok DELETE '/v1/conntrack?network=pfnet' | jq .flushed)"
out=$(vc conntrack-list pfnet) || fail "vnetctl conntrack-list: $out"
grep -q "^0 session(s)$" <<<"$out" || fail "vnetctl conntrack-list of an idle network: $out"
ok "conntrack routes check the network and the query"

# ----------------------------------------------------------- persistence
before=$(rules)
vnetd_stop
vnetd_start --no-default-network
assert_eq "rules after a restart" "$before" "$(rules)"
# kill -9 during an add/delete storm: every file left is complete
for _ in 1 2 3; do
	( for i in $(seq 200); do
		api POST /v1/port-forwards "{\"network\":\"pfnet\",\"protocol\":\"udp\",\"external_port\":$((20000 + i)),\"internal_ip\":\"10.99.0.30\"}" >/dev/null
	done ) &
	STORM=$!
	sleep 0.4
	vnetd_kill9
	wait $STORM || true
	vnetd_start --no-default-network
	n=$(find "$T/state/port-forwards" -name '*.json' | wc -l)
	assert_eq "rules loaded = files after kill -9" "$n" "$(api_ok GET /v1/port-forwards | jq '.port_forwards | length')"
	[ -z "$(find "$T/state" -name '.tmp-*')" ] || fail "temporary files left after kill -9"
	for id in $(api_ok GET /v1/port-forwards | jq -r '.port_forwards[] | select(.external_port > 20000) | .id'); do
		api_ok DELETE "/v1/port-forwards/$id" >/dev/null
	done
done
assert_eq "rules after the kill -9 storms" "$before" "$(rules)"
ok "rules survive a restart and kill -9 (no partial files)"

# bad files are logged and skipped, the rest loads
vnetd_stop
D=$T/state/port-forwards
echo '{"id": 40, "network": ' >"$D/40.json"                                   # truncated
sed 's/"id": 1,/"id": 41,/' "$D/1.json" >"$D/42.json"                          # id is not the name
sed 's/"id": 1,/"id": 43,/' "$D/1.json" >"$D/43.json"                          # duplicates rule 1
sed 's/"id": 2,/"id": 44,/; s/"udp"/"sctp"/' "$D/2.json" >"$D/44.json"          # bad protocol
sed 's/"id": 2,/"id": 45,/; s/5353/53535353/' "$D/2.json" >"$D/45.json"        # bad port
printf '\xff\xfe' >"$D/46.json"                                                   # not JSON
sed 's/"id": 2,/"id": 47,/; s/5353/5354/; s/"network": "pfnet"/"network": "gone"/' "$D/2.json" >"$D/47.json" # network gone: kept
: >"$T/vnetd.log"
vnetd_start --no-default-network
for f in 40 42 43 44 45 46; do
	grep -q "port-forwards/$f.json: .*skipped" "$T/vnetd.log" || fail "$f.json not reported: $(grep portfwd "$T/vnetd.log")"
done
assert_eq "rules after bad files" "$before
47 gone udp *:5354 10.99.0.11:5354 dns" "$(rules)"
o=$(api_ok POST /v1/port-forwards "{$PF,\"external_port\":7000,\"internal_ip\":\"10.99.0.40\"}")
assert_eq "a new rule after skipped files" 48 "$(jq .port_forward.id <<<"$o")"
[ "$(head -c 20 "$D/40.json")" = '{"id": 40, "network"' ] || fail "a skipped file was overwritten"
ok "malformed, misnamed and duplicate files logged and skipped; others load"

# a network named by its UUID, as everywhere in the API
U=$(api_ok GET /v1/networks/pfnet | jq -r .network.uuid)
o=$(api_ok POST /v1/port-forwards "{\"network\":\"$U\",\"protocol\":\"udp\",\"external_port\":7001,\"internal_ip\":\"10.99.0.41\"}")
assert_eq "rule added by network UUID" "49 pfnet" "$(jq -r '"\(.port_forward.id) \(.port_forward.network)"' <<<"$o")"
assert_eq "listed by network UUID" 6 "$(api_ok GET "/v1/port-forwards?network=$U" | jq '.port_forwards | length')"
ok "networks named by UUID"

echo "PASS test_portfwd_api"
