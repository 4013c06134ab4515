#!/bin/bash
# The security group store (issue 10): a file per group and per rule.
#  - upgrade: groups stored by an older vnetd (one file per group, rules
#    inline) load unchanged and are moved to a file per rule;
#  - a store that fails (a full disk, then a read-only one: a tiny tmpfs in
#    a private mount namespace) gives a clear API error, the dataplane keeps
#    the old rules (connections show it), nothing is half-written;
#  - kill -9 during a burst of rule changes: every acknowledged change is
#    there after the restart and the store loads cleanly.
# The failing store: vnetd alone runs in a private mount namespace
# (unshare -m) with a tmpfs on its policy dir; the test reaches it with nsenter.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "python3 not installed at $PY"
for t in unshare nsenter; do command -v $t >/dev/null || fail "$t (util-linux) not installed"; done
sgs() { api_ok GET /v1/security-groups | jq -S .; }
snap() { $INNS sh -c "cd '$T/state' && find policy -type f ! -name fill -print0 | sort -z | xargs -0 sha256sum"; }
INNS=

# ---- upgrade from one file per group
vnetd_start
WEB=$(api_ok POST /v1/security-groups '{"security_group":{"name":"web"}}' | jq -r .security_group.id)
R=/v1/security-group-rules
rule() { echo "{\"security_group_rule\":{\"security_group_id\":\"$WEB\",\"direction\":\"ingress\",$1}}"; }
for p in 2222 80 443 22; do
	api_ok POST $R "$(rule "\"protocol\":\"tcp\",\"port_range_min\":$p,\"port_range_max\":$p")" >/dev/null
done
DEF=$(api_ok GET /v1/security-groups/default | jq -r .security_group.id)
api_ok POST $R "$(rule "\"protocol\":\"icmp\",\"port_range_min\":8,\"remote_group_id\":\"$DEF\"")" >/dev/null
want=$(sgs)
vnetd_stop
# the layout before: policy/<id>.json with the group's rules in their order
for f in "$T"/state/policy/*.json; do
	id=$(jq -r .id "$f")
	rules=$(grep -l "\"security_group_id\": \"$id\"" "$T"/state/policy/rules/*.json | sort | xargs cat | jq -s .)
	jq --argjson r "$rules" '. + {security_group_rules: $r}' "$f" >"$f.new" && mv "$f.new" "$f"
done
rm -rf "$T/state/policy/rules"
[ "$(jq '.security_group_rules | length' "$T/state/policy/$WEB.json")" = 7 ] || fail "layout 1 file not made"
vnetd_start
assert_eq "groups loaded from the one-file-per-group store" "$want" "$(sgs)"
[ "$(ls "$T/state/policy/rules" | wc -l)" = 11 ] || fail "rules not moved to a file each: $(ls "$T/state/policy/rules")"
jq -e 'has("security_group_rules") | not' "$T/state/policy/$WEB.json" >/dev/null || fail "the group file still has its rules"
grep -q "security group $WEB: its 7 rules moved to policy/rules/" "$T/vnetd.log" || fail "the move was not logged"
vnetd_kill9
vnetd_start
assert_eq "groups after the move and a restart" "$want" "$(sgs)"
ok "a one-file-per-group store loads unchanged and moves to a file per rule"

# ---- kill -9 during a burst of rule changes
(
	for i in $(seq 1 400); do
		out=$(curl -s -w '\n%{http_code}' --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' \
			--data-binary "$(rule "\"protocol\":\"udp\",\"port_range_min\":$((3000 + i)),\"port_range_max\":$((3000 + i))")" \
			http://vnetd$R) || exit 0
		[ "$(tail -1 <<<"$out")" = 201 ] || { echo "POST: $out" >&2; exit 0; }
		id=$(sed '$d' <<<"$out" | jq -r .security_group_rule.id)
		if [ $((i % 3)) = 0 ]; then
			st=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X DELETE "http://vnetd$R/$id") || exit 0
			[ "$st" = 200 ] || exit 0
			echo "- $id"
		else
			echo "+ $id"
		fi
	done
) >"$T/acked" 2>"$T/burst.log" &
BURST=$!
for _ in $(seq 300); do [ "$(wc -l <"$T/acked")" -ge 30 ] && break; sleep 0.1; done
vnetd_kill9
wait "$BURST" || true
n=$(wc -l <"$T/acked")
[ "$n" -ge 10 ] || fail "only $n rule changes acknowledged before the kill: $(cat "$T/burst.log")"
: >"$T/vnetd.log"
vnetd_start
have=$(api_ok GET "$R?security_group_id=$WEB" | jq -r '.security_group_rules[].id' | sort)
while read -r op id; do
	if [ "$op" = + ]; then
		grep -qx "$id" <<<"$have" || fail "acknowledged rule $id lost by kill -9"
	else
		grep -qx "$id" <<<"$have" && fail "acknowledged delete of $id undone by kill -9"
	fi
done <"$T/acked"
if grep -E "skipped|removed|ERR" "$T/vnetd.log" | grep -i "policy"; then fail "the store did not load cleanly"; fi
ok "kill -9 during a burst: all $n acknowledged rule changes kept, the store loads cleanly"

# ---- a store that fails: the dataplane keeps the old rules, nothing half-written
# vnetd again, in a mount namespace of its own with a 4 MB tmpfs holding a
# copy of policy/
vnetd_stop
want=$(cd "$T/state/policy" && cat ./*.json | jq -S -s 'map({id, name, description}) | sort_by(.id)')
cat >"$T/vnetd-tmpfs" <<EOS
#!/bin/bash
exec unshare -m --propagation private bash -c 'cp -a "\$0" "\$0.disk" && mount -t tmpfs -o size=4m sbstore "\$0" &&
	cp -a "\$0.disk/." "\$0/" && exec "\$@"' "$T/state/policy" "$VNETD" "\$@"
EOS
chmod +x "$T/vnetd-tmpfs"
VNETD=$T/vnetd-tmpfs vnetd_start
INNS="nsenter -t $VNETD_PID -m"
$INNS mountpoint -q "$T/state/policy" || fail "vnetd's policy dir is not its tmpfs"
NET=sbst
MS=52:54:00:5b:00:0a MC=52:54:00:5b:00:0b
api_ok POST /v1/networks "{\"xml\":\"<network><name>$NET</name><ip address='10.91.0.1' netmask='255.255.255.0'><dhcp><range start='10.91.0.100' end='10.91.0.199'/></dhcp></ip></network>\"}" >/dev/null
api_ok POST "/v1/networks/$NET/start" >/dev/null
S=sbS$$ C=sbC$$
kport_ns "$S" s0 "sbs$$" "$MS" "$NET" srv 1500 "\"mac\":\"$MS\",\"security_groups\":[\"web\"]"
kport_ns "$C" c0 "sbc$$" "$MC" "$NET" cli 1500 "\"mac\":\"$MC\",\"security_groups\":[\"default\"]"
wait_connected srv cli
udhcpc_script
lease() {
	ip netns exec "$1" busybox udhcpc -i "$2" -s "$T/udhcpc.sh" -n -q -t 5 -T 1 >/dev/null 2>&1 ||
		fail "no DHCP lease in $1"
	ip -n "$1" -4 -o addr show dev "$2" | awk '{print $4}' | cut -d/ -f1
}
IPS=$(lease "$S" s0) IPC=$(lease "$C" c0)
hello_servers "$S" 2222 2223
for _ in $(seq 50); do [ "$(ip netns exec "$S" ss -ltn | grep -c ':222[23] ')" = 2 ] && break; sleep 0.1; done
tcp() { # PORT: what the server said, or "refused"
	ip netns exec "$C" timeout 5 "$PY" -c "
import socket
try:
    s = socket.create_connection(('$IPS', $1), timeout=2); print(s.recv(16).decode().strip())
except Exception: print('refused')" 2>/dev/null || echo refused
}
assert_eq "TCP 2222 (a rule of web)" hello "$(tcp 2222)"
assert_eq "TCP 2223 (no rule)" refused "$(tcp 2223)"

# a full disk
$INNS dd if=/dev/zero of="$T/state/policy/fill" bs=64k 2>/dev/null || true
before=$(snap)
nr=$(api_ok GET "$R?security_group_id=$WEB" | jq '.security_group_rules | length')
api POST $R "$(rule '"protocol":"tcp","port_range_min":2223,"port_range_max":2223')" >"$T/err.out"
assert_eq "rule add on a full disk: status" 500 "$API_STATUS"
case "$(jq -r .error.message "$T/err.out")" in
"internal error: cannot save security group rule "*": No space left on device") ;;
*) fail "rule add on a full disk: $(cat "$T/err.out")" ;;
esac
assert_eq "TCP 2223 after the failed add (the dataplane has the old rules)" refused "$(tcp 2223)"
[ "$(snap)" = "$before" ] || fail "the failed add changed the store"
[ -z "$($INNS find "$T/state" -name '.tmp-*')" ] || fail "a temporary file was left: $($INNS find "$T/state" -name '.tmp-*')"
assert_eq "rules of web after the failed add" "$nr" "$(api_ok GET "$R?security_group_id=$WEB" | jq '.security_group_rules | length')"
$INNS rm -f "$T/state/policy/fill"
ok "a full disk: the add refused with the store's error, TCP 2223 still dropped, the store unchanged"

# a read-only store
R2222=$(api_ok GET "$R?security_group_id=$WEB" | jq -r '.security_group_rules[] | select(.port_range_min==2222) | .id')
before=$(snap)
$INNS mount -o remount,ro "$T/state/policy" || fail "cannot remount the state dir read-only"
api DELETE "$R/$R2222" >"$T/err.out"
assert_eq "rule delete on a read-only store: status" 500 "$API_STATUS"
case "$(jq -r .error.message "$T/err.out")" in
"internal error: cannot delete security group rule $R2222: Read-only file system") ;;
*) fail "rule delete on a read-only store: $(cat "$T/err.out")" ;;
esac
assert_eq "TCP 2222 after the failed delete" hello "$(tcp 2222)"
api POST $R "$(rule '"protocol":"tcp","port_range_min":2223,"port_range_max":2223')" >"$T/err.out"
assert_eq "rule add on a read-only store: status" 500 "$API_STATUS"
assert_eq "TCP 2223 after the failed add" refused "$(tcp 2223)"
api PUT "/v1/security-groups/$WEB" '{"security_group":{"description":"x"}}' >"$T/err.out"
assert_eq "group update on a read-only store: status" 500 "$API_STATUS"
$INNS mount -o remount,rw "$T/state/policy"
[ "$(snap)" = "$before" ] || fail "the failed changes changed the store"
assert_eq "groups after the failed changes" "$want" "$(api_ok GET /v1/security-groups | jq -S '.security_groups | map({id, name, description}) | sort_by(.id)')"
api_ok POST $R "$(rule '"protocol":"tcp","port_range_min":2223,"port_range_max":2223')" >/dev/null
assert_eq "TCP 2223 once the store works" hello "$(tcp 2223)"
ok "a read-only store: delete, add and update refused, TCP 2222 still admitted, 2223 dropped, the store unchanged"

