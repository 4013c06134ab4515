#!/bin/bash
# Security groups over the API and vnetctl (issue 10): Neutron's resources,
# default group, validation and conflicts (each bad request a clear error
# and a byte-identical store), binding groups, port security and allowed
# address pairs to ports, "in use", the remote-group cascade, and the store
# surviving kill -9 (a malformed file is logged and skipped).
. "$(dirname "$0")/lib.sh"
: "${VNETCTL:?path to the vnetctl binary}"
V() { "$VNETCTL" -s "$SOCK" "$@"; }

vnetd_start
DEF=$(api_ok GET /v1/security-groups | jq -r '.security_groups[] | select(.name=="default") | .id')
[ -n "$DEF" ] || fail "no default group at first start"
assert_eq "default group rules" \
	'egress IPv4 null|egress IPv6 null|ingress IPv4 true|ingress IPv6 true' \
	"$(api_ok GET "/v1/security-groups/$DEF" | jq -r --arg d "$DEF" \
		'[.security_group.security_group_rules[] | "\(.direction) \(.ethertype) \(if .remote_group_id then .remote_group_id==$d else null end)"] | join("|")')"
ok "Neutron's default group"

WEB=$(api_ok POST /v1/security-groups '{"security_group":{"name":"web","description":"front"}}' | jq -r .security_group.id)
assert_eq "a new group's rules" "egress,egress" \
	"$(api_ok GET /v1/security-groups/web | jq -r '[.security_group.security_group_rules[].direction] | join(",")')"
rule() { echo "{\"security_group_rule\":{\"security_group_id\":\"${2:-$WEB}\",\"direction\":\"ingress\"$1}}"; }
SSH=$(api_ok POST /v1/security-group-rules "$(rule ',"protocol":"tcp","port_range_min":22,"port_range_max":22')" | jq -r .security_group_rule.id)
api_ok POST /v1/security-group-rules "$(rule ',"protocol":"icmp","port_range_min":8,"remote_ip_prefix":"10.9.8.7/8"')" >/dev/null
assert_eq "prefix normalised" "10.0.0.0/8" \
	"$(api_ok GET "/v1/security-group-rules?security_group_id=$WEB" | jq -r '.security_group_rules[] | select(.protocol=="icmp") | .remote_ip_prefix')"
ok "groups and rules created"

# ---- bad input: a clear error, and nothing stored changes
snap() { (cd "$T/state" && find policy ports -type f -print0 | sort -z | xargs -0 sha256sum); }
before=$(snap)
n=0
bad() { # STATUS CODE MESSAGE-PREFIX METHOD PATH [BODY]
	local out st
	if [ $# -ge 6 ]; then api "$4" "$5" "$6" >"$T/bad.out"; else api "$4" "$5" >"$T/bad.out"; fi
	out=$(cat "$T/bad.out")
	st=$API_STATUS
	[ "$st" = "$1" ] || fail "bad input $4 $5 ${6:-}: status $st, want $1: $out"
	[ "$(jq -r .error.code <<<"$out")" = "$2" ] || fail "bad input $4 $5 ${6:-}: code $(jq -r .error.code <<<"$out"), want $2"
	case "$(jq -r .error.message <<<"$out")" in "$3"*) ;; *) fail "bad input $4 $5 ${6:-}: message '$(jq -r .error.message <<<"$out")', want '$3...'" ;; esac
	n=$((n + 1))
}
R=/v1/security-group-rules
bad 400 invalid-arg "Must also specify protocol if port range is given." POST $R "$(rule ',"port_range_min":1,"port_range_max":2')"
bad 400 invalid-arg "For TCP/UDP protocols, port_range_min must be <= port_range_max" POST $R "$(rule ',"protocol":"tcp","port_range_min":9,"port_range_max":2')"
bad 400 invalid-arg "Invalid value for port 0." POST $R "$(rule ',"protocol":"udp","port_range_min":0,"port_range_max":2')"
bad 400 invalid-arg "Invalid value for port 70000." POST $R "$(rule ',"protocol":"udp","port_range_min":1,"port_range_max":70000')"
bad 400 invalid-arg "Invalid protocol gre for port range" POST $R "$(rule ',"protocol":"gre","port_range_min":1,"port_range_max":2')"
bad 400 invalid-arg "Invalid value for ICMP type (port_range_min) 300." POST $R "$(rule ',"protocol":"icmp","port_range_min":300')"
bad 400 invalid-arg "Invalid value for ICMP code (port_range_max) 256." POST $R "$(rule ',"protocol":"icmp","port_range_min":3,"port_range_max":256')"
bad 400 invalid-arg "ICMP code (port-range-max) 1 is provided but ICMP type (port-range-min) is missing." POST $R "$(rule ',"protocol":"icmp","port_range_max":1')"
bad 400 invalid-arg "Security group rule protocol foo not supported." POST $R "$(rule ',"protocol":"foo"')"
bad 400 invalid-arg "Security group rule protocol 999 not supported." POST $R "$(rule ',"protocol":999')"
bad 400 invalid-arg "Security group rule for ethertype 'IPX' not supported." POST $R "$(rule ',"ethertype":"IPX"')"
bad 400 invalid-arg "Conflicting value ethertype IPv4 for CIDR 2001:db8::/32" POST $R "$(rule ',"remote_ip_prefix":"2001:db8::/32"')"
bad 400 invalid-arg "Conflicting value ethertype IPv6 for CIDR 10.0.0.0/8" POST $R "$(rule ',"ethertype":"IPv6","remote_ip_prefix":"10.0.0.0/8"')"
bad 400 invalid-arg "Only remote_ip_prefix or remote_group_id may be provided." POST $R "$(rule ",\"remote_ip_prefix\":\"10.0.0.0/8\",\"remote_group_id\":\"$DEF\"")"
bad 400 invalid-arg "Invalid ethertype IPv4 for protocol icmpv6." POST $R "$(rule ',"protocol":"icmpv6"')"
bad 400 invalid-arg "Invalid input for direction. Reason: 'in' is not in ['ingress', 'egress']." POST $R "{\"security_group_rule\":{\"security_group_id\":\"$WEB\",\"direction\":\"in\"}}"
bad 400 invalid-arg "Invalid input for remote_ip_prefix." POST $R "$(rule ',"remote_ip_prefix":"10.0.0.0/40"')"
bad 400 invalid-arg "Unrecognized attribute(s) 'port'" POST $R "$(rule ',"port":22')"
bad 400 invalid-arg "Unable to find 'security_group_rule' in request body" POST $R '{"direction":"ingress"}'
bad 400 invalid-arg "invalid argument: malformed JSON body" POST $R '{"security_group_rule":'
bad 404 no-security-group "Security group 00000000-0000-4000-8000-000000000000 does not exist" POST $R "$(rule '' 00000000-0000-4000-8000-000000000000)"
bad 404 no-security-group "Security group 00000000-0000-4000-8000-000000000001 does not exist" POST $R "$(rule ',"remote_group_id":"00000000-0000-4000-8000-000000000001"')"
bad 409 conflict "Security group rule already exists. Rule id is $SSH." POST $R "$(rule ',"protocol":"6","port_range_min":22,"port_range_max":22,"remote_ip_prefix":"0.0.0.0/0"')"
bad 404 no-security-group-rule "Security group rule nope does not exist" DELETE $R/nope
bad 409 conflict "Default security group already exists." POST /v1/security-groups '{"security_group":{"name":"default"}}'
bad 409 conflict "Insufficient rights for removing default security group." DELETE "/v1/security-groups/$DEF"
bad 409 conflict "Updating default security group not allowed." PUT /v1/security-groups/default '{"security_group":{"name":"x"}}'
bad 400 invalid-arg "Unrecognized attribute(s) 'rules'" POST /v1/security-groups '{"security_group":{"name":"x","rules":[]}}'
bad 400 invalid-arg "Invalid input for name." POST /v1/security-groups "{\"security_group\":{\"name\":\"$(printf 'n%.0s' $(seq 300))\"}}"
bad 404 no-security-group "Security group nosuch does not exist" GET /v1/security-groups/nosuch
bad 405 method-not-allowed "invalid argument: method PATCH not allowed" PATCH /v1/security-groups/web
# ports: Neutron's rules for the security attributes
port_add p1 default '"mac":"52:54:00:10:00:01","security_groups":["default"]'
port_add p2 default '"mac":"52:54:00:10:00:02"'
port_add p0 default
before=$(snap)
bad 409 conflict "Port Security must be enabled in order to have allowed address pairs on a port." PUT /v1/ports/p0 '{"allowed_address_pairs":[{"ip_address":"10.0.0.5"}]}'
bad 409 conflict "Port security must be enabled and port must have an IP address in order to use security groups." PUT /v1/ports/p1 '{"port_security_enabled":false,"security_groups":["web"]}'
bad 409 conflict "Port has security group associated. Cannot disable port security" PUT /v1/ports/p1 '{"port_security_enabled":false}'
bad 400 invalid-arg "invalid argument: port security needs the port's MAC address" PUT /v1/ports/p0 '{"port_security_enabled":true}'
bad 404 no-security-group "Security group nosuch does not exist" PUT /v1/ports/p1 '{"security_groups":["web","nosuch"]}'
bad 400 invalid-arg "The number of allowed address pair exceeds the maximum 10." PUT /v1/ports/p1 "{\"allowed_address_pairs\":[$(for i in $(seq 11); do printf '{"ip_address":"10.0.0.%d"},' "$i"; done | sed 's/,$//')]}"
bad 400 invalid-arg "Request contains duplicate address pair: mac_address None ip_address 10.0.0.5." PUT /v1/ports/p1 '{"allowed_address_pairs":[{"ip_address":"10.0.0.5"},{"ip_address":"10.0.0.5"}]}'
bad 400 invalid-arg "Invalid input for allowed_address_pairs. Reason: '10.0.0.300' is neither" PUT /v1/ports/p1 '{"allowed_address_pairs":[{"ip_address":"10.0.0.300"}]}'
bad 400 invalid-arg "Invalid input for allowed_address_pairs. Reason: 'xx' is not a valid MAC address." PUT /v1/ports/p1 '{"allowed_address_pairs":[{"ip_address":"10.0.0.3","mac_address":"xx"}]}'
bad 400 invalid-arg "AllowedAddressPair must contain ip_address" PUT /v1/ports/p1 '{"allowed_address_pairs":[{"mac_address":"52:54:00:10:00:09"}]}'
bad 400 invalid-arg "Allowed address pairs must be a list." PUT /v1/ports/p1 '{"allowed_address_pairs":"10.0.0.1"}'
bad 400 invalid-arg "invalid argument: unknown member 'mac'" PUT /v1/ports/p1 '{"mac":"52:54:00:10:00:09"}'
bad 404 no-port "Port not found" PUT /v1/ports/nope '{"port_security_enabled":false}'
[ "$(snap)" = "$before" ] || fail "a refused request changed the store"
[ "$n" -ge 30 ] || fail "only $n bad-input cases"
ok "$n bad requests refused with Neutron's messages; the store is byte-identical"

# ---- ports: defaults, binding, in use
assert_eq "p1 (with a MAC, the default group asked for)" "true $DEF" \
	"$(api_ok GET /v1/ports/p1 | jq -r '.port | "\(.port_security_enabled) \(.security_groups | join(","))"')"
assert_eq "p2 (with a MAC): port security, no group (not filtered, as libvirt)" "true " \
	"$(api_ok GET /v1/ports/p2 | jq -r '.port | "\(.port_security_enabled) \(.security_groups | join(","))"')"
assert_eq "p0 (no MAC): no port security, no group" "false " \
	"$(api_ok GET /v1/ports/p0 | jq -r '.port | "\(.port_security_enabled) \(.security_groups | join(","))"')"
api_ok PUT /v1/ports/p1 '{"security_groups":["web","default","web"],"allowed_address_pairs":[{"ip_address":"10.0.0.0/24"},{"ip_address":"10.0.1.5","mac_address":"52:54:00:10:00:09"}]}' >/dev/null
assert_eq "p1 bound" "$WEB,$DEF 10.0.0.0/24=52:54:00:10:00:01,10.0.1.5=52:54:00:10:00:09" \
	"$(api_ok GET /v1/ports/p1 | jq -r '.port | "\(.security_groups | join(",")) \([.allowed_address_pairs[] | "\(.ip_address)=\(.mac_address)"] | join(","))"')"
bad 409 conflict "Security Group $WEB in use." DELETE /v1/security-groups/web
ok "groups bound to a port, in use"

# ---- the remote-group cascade
DB=$(api_ok POST /v1/security-groups '{"security_group":{"name":"db"}}' | jq -r .security_group.id)
api_ok POST $R "$(rule ',"protocol":"tcp","port_range_min":5432,"port_range_max":5432,"remote_group_id":"'"$DB"'"')" >/dev/null
api_ok DELETE /v1/security-groups/db >/dev/null
assert_eq "rules naming a deleted group go" 0 \
	"$(api_ok GET "$R?security_group_id=$WEB" | jq --arg d "$DB" '[.security_group_rules[] | select(.remote_group_id==$d)] | length')"
ok "remote-group rules deleted with their group"

# ---- vnetctl
out=$(V sg-create ops --description "operators")
grep -q "^Security group ops created" <<<"$out" || fail "sg-create: $out"
V sg-rule-create ops --protocol tcp --port 8000:8080 --remote-ip 192.0.2.0/24 >/dev/null
V sg-rule-add ops --direction egress --ethertype IPv6 --protocol icmpv6 --port-range-min 128 >/dev/null
out=$(V sg-show ops)
grep -q " tcp  *8000:8080  *192.0.2.0/24" <<<"$out" || fail "sg-show: $out"
grep -q " egress  *IPv6  *icmpv6  *type 128" <<<"$out" || fail "sg-show: $out"
V sg-list | grep -q " ops  *4  *operators" || fail "sg-list: $(V sg-list)"
err=$(V sg-rule-create ops --protocol tcp --port 9:1 2>&1 >/dev/null) && fail "sg-rule-create 9:1 succeeded"
assert_eq "CLI error" "error: Failed to create a rule in security group ops
error: For TCP/UDP protocols, port_range_min must be <= port_range_max" "$err"
RID=$(V sg-rule-list ops --json | jq -r '.security_group_rules[] | select(.protocol=="tcp") | .id')
V sg-rule-delete "$RID" >/dev/null
assert_eq "sg-rule-delete" 3 "$(V sg-rule-list ops --json | jq '.security_group_rules | length')"
V port-update p1 --security-group ops,web >/dev/null
assert_eq "port-update --security-group" "ops web" \
	"$(api_ok GET /v1/ports/p1 | jq -r '.port.security_groups[]' | while read -r g; do api_ok GET "/v1/security-groups/$g" | jq -r .security_group.name; done | xargs)"
err=$(V sg-delete ops 2>&1 >/dev/null) && fail "sg-delete of a group in use succeeded"
grep -q "in use" <<<"$err" || fail "sg-delete in use: $err"
ok "vnetctl sg-* and port-update"

# ---- persistence: kill -9, a malformed file, restart
want_sg=$(api_ok GET /v1/security-groups | jq -S .)
want_p1=$(api_ok GET /v1/ports/p1 | jq -S '.port | {port_security_enabled, security_groups, allowed_address_pairs}')
vnetd_kill9
echo '{"id": "broken' >"$T/state/policy/11111111-2222-4333-8444-555555555555.json"
vnetd_start
assert_eq "groups after kill -9" "$want_sg" "$(api_ok GET /v1/security-groups | jq -S .)"
assert_eq "p1's security after kill -9" "$want_p1" \
	"$(api_ok GET /v1/ports/p1 | jq -S '.port | {port_security_enabled, security_groups, allowed_address_pairs}')"
grep -q "policy/11111111-2222-4333-8444-555555555555.json: .*skipped" "$T/vnetd.log" ||
	fail "the malformed group file was not reported"
ok "security groups and port bindings survive kill -9; a malformed file is skipped"
