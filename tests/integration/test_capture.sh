#!/bin/bash
# Per-port counters and packet capture.
#
# Counters: each port says where its received frames went (forwarded,
# flooded) and why it dropped what it dropped, by reason: a frame with a
# multicast source MAC from c2 is c2's src_mcast drop, nobody else's.
. "$(dirname "$0")/lib.sh"
: "${VNETCTL:?path to the vnetctl binary}"
vctl() { "$VNETCTL" -s "$SOCK" "$@"; }

vnetd_start
C1=52:54:00:00:0c:01 C3=52:54:00:00:0c:03
MC=03:00:00:00:0c:02 # c2's NIC has a multicast MAC: every frame it sends is a src_mcast drop
BC=ff:ff:ff:ff:ff:ff
port_add c1 default "\"mac\":\"$C1\""
port_add c2 default
port_add c3 default "\"mac\":\"$C3\""

peer_start "$T/peer.out" capeer$$ \
	--port "c1,$(port_sock c1),$C1" --port "c2,$(port_sock c2),$MC" \
	--port "c3,$(port_sock c3),$C3" \
	--send "c1,$C3,20" --send "c1,$BC,4" --send "c2,$C1,5" \
	--go-file "$T/go" --settle-ms 300
wait_connected c1 c2 c3
touch "$T/go"
peer_wait "$T/peer.out"
O=$T/peer.out
assert_eq "c3 gets c1's unicast" 20 "$(rx_count $O c3 $C1 $C3)"
assert_eq "c1 gets nothing from c2" 0 "$(rx_from $O c1 $MC)"

pstat() { api_ok GET "/v1/ports/$1/stats" | jget ".stats.$2"; }
assert_eq "c2 src_mcast drops" 5 "$(pstat c2 drops.src_mcast)"
assert_eq "c2 rx_dropped" 5 "$(pstat c2 rx_dropped)"
for p in c1 c3; do
	assert_eq "$p src_mcast drops" 0 "$(pstat $p drops.src_mcast)"
	assert_eq "$p drops" 0 "$(api_ok GET /v1/ports/$p/stats | jq '[.stats.drops[]] | add')"
done
assert_eq "c1 forwarded" 20 "$(pstat c1 forwarded)"
assert_eq "c1 flooded" 4 "$(pstat c1 flooded)"
assert_eq "c2 forwarded+flooded" 0 "$(( $(pstat c2 forwarded) + $(pstat c2 flooded) ))"
assert_eq "global src_mcast" 5 "$(api_ok GET /v1/stats | jq .drops.src_mcast)"
vctl port-stats c2 >"$T/ps.txt" || fail "vnetctl port-stats c2: $(cat "$T/ps.txt")"
grep -qx "c2 drop.src_mcast 5" "$T/ps.txt" || fail "vnetctl port-stats c2: no 'c2 drop.src_mcast 5' in: $(cat "$T/ps.txt")"
grep -qx "c1 flooded 4" <(vctl port-stats c1) || fail "vnetctl port-stats c1: no 'c1 flooded 4'"
ok "per-port counters by reason"
echo "PASS test_capture"
