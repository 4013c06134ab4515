#!/bin/bash
# A VMM disconnects and reconnects 50 times, in server mode and in client
# mode, while another pair of ports keeps a testpmd io loop running through
# vnetd: no crash, RSS stable, traffic resumes after every reconnection.
#
# WORKERS=2 QUEUES=2 (meson test reconnect_2w): two workers sharing CPU 1
# (--cpus 0,1,1 -> lcores 1@1,2@1) and reconnecting guests with two queue
# pairs; nothing depends on timing, only on counts.
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-50}
WORKERS=${WORKERS:-1} QUEUES=${QUEUES:-1}
case $WORKERS in
1) ;;
2) VNETD_CPUS=0,1,1 ;;
*) fail "WORKERS=$WORKERS: 1 or 2" ;;
esac

vnetd_start
assert_eq "workers" "$WORKERS" "$(api_ok GET /v1/stats | jq .workers)"
P1=52:54:00:00:01:01 P2=52:54:00:00:01:02
port_add p1 default "\"mac\":\"$P1\""
port_add p2 default "\"mac\":\"$P2\""
# The steady pair: testpmd io loop between two virtio-user ports (CPU 0).
# It is background load, not what is tested: if it does not come up (seen
# once on a loaded machine: one of its two ports never connected), it is
# restarted once, and said so; the reconnections below are the test.
start_pair() {
	dpdk-testpmd --lcores '0@0,1@0' --no-huge -m 256 --no-shconf --file-prefix rcpair$1$$ \
		--no-pci --log-level 4 \
		--vdev "net_virtio_user0,path=$(port_sock p1),mac=$P1" \
		--vdev "net_virtio_user1,path=$(port_sock p2),mac=$P2" \
		-- --forward-mode=io --tx-first --stats-period 5 --total-num-mbufs=8192 \
		--eth-peer=0,$P2 --eth-peer=1,$P1 </dev/null >"$T/testpmd$1.log" 2>&1 &
	PAIR=$!
	PIDS+=($PAIR)
}
start_pair 1
if ! try_connected p1 p2; then
	echo "steady pair: port $WAIT_FAILED did not connect; testpmd log:"
	tail -20 "$T/testpmd1.log"
	kill "$PAIR"; wait "$PAIR" 2>/dev/null || true
	start_pair 2
	wait_connected p1 p2
	echo "steady pair: connected after a restart of testpmd"
fi

round() { # MODE N
	local mode=$1 n=$2 extra=""
	[ "$mode" = client ] && extra=",server"
	peer_start "$T/r.out" "rc$mode$$" --queues "$QUEUES" \
		--port "q1,$S1,$Q1$extra" --port "q2,$S2,$Q2$extra" \
		--send "q1,$Q2,20" --send "q2,$Q1,20" --go-file "$T/go" --settle-ms 200
	wait_connected q1 q2
	touch "$T/go"
	peer_wait "$T/r.out"
	rm -f "$T/go"
	assert_eq "$mode round $n: q2 receives" 20 "$(rx_count "$T/r.out" q2 $Q1 $Q2)"
	assert_eq "$mode round $n: q1 receives" 20 "$(rx_count "$T/r.out" q1 $Q2 $Q1)"
	# vnetd notices the VMM is gone
	for _ in $(seq 200); do
		[ "$(api_ok GET /v1/ports/q1 | jget .port.connected)" = false ] && return 0
		sleep 0.05
	done
	fail "$mode round $n: q1 still connected after the VMM exited"
}

for mode in server client; do
	Q1=52:54:00:00:02:01 Q2=52:54:00:00:02:02
	if [ $mode = server ]; then
		port_add q1 default "\"mac\":\"$Q1\""
		port_add q2 default "\"mac\":\"$Q2\""
		S1=$(port_sock q1) S2=$(port_sock q2)
	else
		S1=$T/vmm-q1.sock S2=$T/vmm-q2.sock
		port_add q1 default "\"mac\":\"$Q1\",\"mode\":\"client\",\"path\":\"$S1\""
		port_add q2 default "\"mac\":\"$Q2\",\"mode\":\"client\",\"path\":\"$S2\""
	fi
	before=$(port_stat p2 tx_packets)
	for n in $(seq "$ROUNDS"); do
		round $mode "$n"
		[ "$n" = 5 ] && rss5=$(rss_kb "$VNETD_PID")
	done
	rss_end=$(rss_kb "$VNETD_PID")
	after=$(port_stat p2 tx_packets)
	[ "$after" -gt "$before" ] || fail "$mode: the steady pair stopped forwarding"
	# RSS after round 5 vs after the last round: allow 4 MiB of noise
	[ $((rss_end - rss5)) -lt 4096 ] || fail "$mode: RSS grew from $rss5 kB to $rss_end kB"
	ok "$mode mode: $ROUNDS reconnections, steady pair forwarded $((after - before)) packets meanwhile, RSS $rss5 -> $rss_end kB"
	api_ok DELETE /v1/ports/q1 >/dev/null
	api_ok DELETE /v1/ports/q2 >/dev/null
done
kill -0 "$VNETD_PID" || fail "vnetd died"
echo "PASS test_reconnect"
