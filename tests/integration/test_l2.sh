#!/bin/bash
# L2 switching between virtio-user "VMs": unicast to a known MAC reaches
# only its port; broadcast and unknown unicast flood inside the network,
# never back to the sender and never into another network; vnetd's port
# counters equal what was sent.
#
# WORKERS=2 QUEUES=2 (meson test l2_2w): two workers and guests with two
# queue pairs.  --cpus 0,1,1 puts both workers on CPU 1 (lcores 1@1,2@1),
# the control thread and the peers on CPU 0: oversubscribed, so nothing here
# depends on timing, only on counts.  Each guest sends round-robin over its
# two tx queues; the workers poll different queues, and each transmits on
# its own guest rx queue, so every receiving guest sees frames on both.
. "$(dirname "$0")/lib.sh"
WORKERS=${WORKERS:-1} QUEUES=${QUEUES:-1}
case $WORKERS in
1) ;;
2) VNETD_CPUS=0,1,1 ;;
*) fail "WORKERS=$WORKERS: 1 or 2" ;;
esac

vnetd_start
assert_eq "workers" "$WORKERS" "$(api_ok GET /v1/stats | jq .workers)"
api_ok POST /v1/networks '{"xml":"<network><name>net2</name><bridge name=\"vnbr2\"/></network>"}' >/dev/null
api_ok POST /v1/networks/net2/start >/dev/null

A1=52:54:00:00:0a:01 A2=52:54:00:00:0a:02 A3=52:54:00:00:0a:03
B1=52:54:00:00:0b:01 B2=52:54:00:00:0b:02
BC=ff:ff:ff:ff:ff:ff UNK=02:00:00:00:99:99
port_add a1 default "\"mac\":\"$A1\""
port_add a2 default "\"mac\":\"$A2\""
port_add a3 default            # no MAC: learned from its traffic
port_add b1 net2 "\"mac\":\"$B1\""
port_add b2 net2 "\"mac\":\"$B2\""

peer_start "$T/peer.out" l2peer$$ --queues "$QUEUES" \
	--port "a1,$(port_sock a1),$A1" --port "a2,$(port_sock a2),$A2" \
	--port "a3,$(port_sock a3),$A3" --port "b1,$(port_sock b1),$B1" \
	--port "b2,$(port_sock b2),$B2" \
	--send "a3,$A1,10" \
	--send "a1,$A2,100" --send "a1,$BC,50" --send "a1,$UNK,30" --send "a1,$A3,7" \
	--send "b1,$BC,20" --send "b2,$B1,5" \
	--go-file "$T/go" --settle-ms 400
wait_connected a1 a2 a3 b1 b2
# every queue pair served (the guest enables queue pair 0 before rte_vhost
# reports the device: those states must not be lost)
for p in a1 a2 a3 b1 b2; do
	for _ in $(seq 100); do # the guest enables the other pairs after start
		q=$(api_ok GET /v1/ports/$p | jget .port.queues)
		[ "$q" = "$QUEUES" ] && break
		sleep 0.05
	done
	assert_eq "$p queues" "$QUEUES" "$q"
done
touch "$T/go"
peer_wait "$T/peer.out"
O=$T/peer.out

# unicast to configured and learned MACs
assert_eq "a2 gets a1's unicast" 100 "$(rx_count $O a2 $A1 $A2)"
assert_eq "a3 does not get a1->a2" 0 "$(rx_count $O a3 $A1 $A2)"
assert_eq "a1 gets a3's unicast" 10 "$(rx_count $O a1 $A3 $A1)"
assert_eq "a3 (learned) gets a1's unicast" 7 "$(rx_count $O a3 $A1 $A3)"
assert_eq "a2 does not get a1->a3 after learning" 0 "$(rx_count $O a2 $A1 $A3)"
# flooding inside the network, not back to the sender
for p in a2 a3; do
	assert_eq "$p gets a1's broadcast" 50 "$(rx_count $O $p $A1 $BC)"
	assert_eq "$p gets a1's unknown unicast" 30 "$(rx_count $O $p $A1 $UNK)"
done
assert_eq "a1 gets nothing of its own" 0 "$(rx_from $O a1 $A1)"
# isolation between networks
for p in b1 b2; do
	assert_eq "$p gets nothing from network default" 0 \
		"$(( $(rx_from $O $p $A1) + $(rx_from $O $p $A2) + $(rx_from $O $p $A3) ))"
done
for p in a1 a2 a3; do
	assert_eq "$p gets nothing from net2" 0 "$(( $(rx_from $O $p $B1) + $(rx_from $O $p $B2) ))"
done
assert_eq "b2 gets b1's broadcast" 20 "$(rx_count $O b2 $B1 $BC)"
assert_eq "b1 gets b2's unicast" 5 "$(rx_count $O b1 $B2 $B1)"
ok "forwarding decisions"

if [ "$QUEUES" = 2 ] && [ "$WORKERS" = 2 ]; then
	# a2 got 180 frames from a1, sent over a1's two queues, so both
	# workers forwarded some; each used its own queue of a2 (worker 1's
	# is queue 1 only if vnetd recorded that the guest enabled it, which
	# rte_vhost reports before the device is up)
	rxq() { awk -v p="$2" -v q="$3" '$1=="rxq" && $2==p && $3==q {print $4}' "$1"; }
	q0=$(rxq $O a2 0) q1=$(rxq $O a2 1)
	assert_eq "a2 frames over both queues" 180 "$((q0 + q1))"
	[ "$q0" -gt 0 ] && [ "$q1" -gt 0 ] || fail "a2 received on queue 0: $q0, queue 1: $q1 (each worker has its own tx queue)"
	ok "two workers, two queues: a2 received $q0 + $q1 frames on its queues"
fi

# counters equal what was sent
assert_eq "a1 rx_packets" 187 "$(port_stat a1 rx_packets)"
assert_eq "a1 tx_packets" 10 "$(port_stat a1 tx_packets)"
assert_eq "a2 tx_packets" 180 "$(port_stat a2 tx_packets)"
assert_eq "a3 rx_packets" 10 "$(port_stat a3 rx_packets)"
assert_eq "a3 tx_packets" 87 "$(port_stat a3 tx_packets)"
assert_eq "b1 tx_packets" 5 "$(port_stat b1 tx_packets)"
assert_eq "b2 tx_packets" 20 "$(port_stat b2 tx_packets)"
assert_eq "a1 rx_bytes" $((187 * 64)) "$(port_stat a1 rx_bytes)"
stats=$(api_ok GET /v1/stats)
assert_eq "no drops" 0 "$(jq '[.drops[]] | add' <<<"$stats")"
ok "counters"

# the FDB shows the configured MACs as static and a3's as learned
fdb=$(api_ok GET /v1/networks/default/fdb)
assert_eq "a3 learned" "a3 false" "$(jq -r --arg m $A3 '.fdb[] | select(.mac==$m) | "\(.port) \(.static)"' <<<"$fdb")"
assert_eq "a1 static" "a1 true" "$(jq -r --arg m $A1 '.fdb[] | select(.mac==$m) | "\(.port) \(.static)"' <<<"$fdb")"
ok "fdb"

# a destroyed network forwards nothing; its ports stay attached
api_ok POST /v1/networks/net2/destroy >/dev/null
peer_start "$T/peer2.out" l2peer2$$ --queues "$QUEUES" \
	--port "b1,$(port_sock b1),$B1" --port "b2,$(port_sock b2),$B2" \
	--send "b1,$B2,9" --go-file "$T/go2" --settle-ms 300
wait_connected b1 b2
touch "$T/go2"
peer_wait "$T/peer2.out"
assert_eq "nothing crosses an inactive network" 0 "$(rx_from "$T/peer2.out" b2 $B1)"
assert_eq "counted as net_down" 9 "$(api_ok GET /v1/stats | jq .drops.net_down)"
ok "inactive network"
echo "PASS test_l2"
