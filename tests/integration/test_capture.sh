#!/bin/bash
# Per-port counters and packet capture.
#
# Counters: each port says where its received frames went (forwarded,
# flooded) and why it dropped what it dropped, by reason: a frame with a
# multicast source MAC from c2 is c2's src_mcast drop, nobody else's.
#
# Capture (GET /v1/ports/NAME/capture, vnetctl port-capture): what a
# virtio-user peer sent is in the pcap byte for byte (vnet-peer's frames are
# deterministic: DST SRC 88b5, then the count of frames left to send as a
# little-endian u32, zeros to 64 bytes); a filter keeps only what it names;
# ?count ends the stream; direction in/out captures what the port sent /
# was sent; tshark reads the file; `vnetctl port-capture | tcpdump -r -`
# works; a client that goes away ends the capture (the port can be captured
# again) and the port forwards as before.
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

for t in tcpdump tshark python3 curl; do
	command -v $t >/dev/null || fail "$t is not installed (scripts/deps.sh --test)"
done
# pcap_frames FILE [SRC DST]: frame count; with SRC DST also checks every
# frame is vnet-peer's SRC->DST frame, in sending order (left counting down
# from the first one's), byte for byte; prints "COUNT FIRST_LEFT"
pcap_frames() {
	python3 - "$@" <<'PY'
import struct, sys
f = open(sys.argv[1], 'rb').read()
magic, _, _, _, _, snap, link = struct.unpack('<IHHiIII', f[:24])
assert magic == 0xa1b2c3d4 and link == 1, ('bad pcap header', hex(magic), link)
off, frames = 24, []
while off < len(f):
    _, _, cap, orig = struct.unpack('<IIII', f[off:off + 16])
    frames.append((f[off + 16:off + 16 + cap], orig))
    off += 16 + cap
assert off == len(f), 'truncated record'
first = None
if len(sys.argv) > 3:
    mac = lambda s: bytes(int(x, 16) for x in s.split(':'))
    for i, (d, orig) in enumerate(frames):
        if first is None:
            first = struct.unpack('<I', d[14:18])[0]
        want = mac(sys.argv[3]) + mac(sys.argv[2]) + b'\x88\xb5' + struct.pack('<I', first - i)
        want += bytes(64 - len(want))
        assert d == want and orig == 64, ('frame %d differs' % i, d.hex(), want.hex())
print(len(frames), first if first is not None else '-')
PY
}
# bounded_wait PID WHAT: its exit status, or a failure after 20 s
bounded_wait() {
	for _ in $(seq 400); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$1" 2>/dev/null && fail "$2 did not end"
	wait "$1"
}
# cap_start OUT PORT QUERY: a capture in the background (curl: HTTP/1.1,
# chunked), once its pcap header arrived
cap_start() {
	curl -sfN --unix-socket "$SOCK" -o "$1" "http://vnetd/v1/ports/$2/capture?$3" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	for _ in $(seq 200); do
		[ -s "$1" ] && [ "$(stat -c %s "$1")" -ge 24 ] && return 0
		sleep 0.02
	done
	fail "capture of $2 ($3) did not start"
}

peer_start "$T/peer2.out" capeer2$$ \
	--port "c1,$(port_sock c1),$C1" --port "c2,$(port_sock c2),$MC" \
	--port "c3,$(port_sock c3),$C3" \
	--send "c1,$C3,20" --send "c1,$BC,4" --send "c3,$C1,6" \
	--go-file "$T/go2" --settle-ms 300
wait_connected c1 c2 c3
# c1 in, first 10 frames only; c3 out, filtered to c1's unicast; c2 out,
# by vnetctl to a file
cap_start "$T/a.pcap" c1 "direction=in&count=10"
A_PID=$CAP_PID
cap_start "$T/b.pcap" c3 "direction=out&filter=$(jq -rn --arg f "ether src $C1 and not broadcast" '$f|@uri')"
B_PID=$CAP_PID
vctl port-capture c2 --direction out --count 4 --write "$T/c.pcap" &
C_PID=$!
PIDS+=("$C_PID")
for _ in $(seq 200); do [ -s "$T/c.pcap" ] && break; sleep 0.02; done
touch "$T/go2"
peer_wait "$T/peer2.out"
O=$T/peer2.out
assert_eq "c3 gets c1's unicast while captured" 20 "$(rx_count $O c3 $C1 $C3)"
assert_eq "c1 gets c3's unicast while captured" 6 "$(rx_count $O c1 $C3 $C1)"
assert_eq "c2 gets c1's broadcast while captured" 4 "$(rx_count $O c2 $C1 $BC)"

bounded_wait "$A_PID" "capture with count=10" || fail "count=10 capture: curl exited with $?"
assert_eq "c1 in, count=10: the first 10 frames c1 sent, exact bytes" "10 20" "$(pcap_frames "$T/a.pcap" $C1 $C3)"
ok "capture: exact bytes, ?count ends the stream"
bounded_wait "$C_PID" "vnetctl port-capture --count 4" || fail "vnetctl port-capture c2 --count 4 exited with $?"
assert_eq "c2 out: c1's 4 broadcasts" "4 4" "$(pcap_frames "$T/c.pcap" $C1 $BC)"
assert_eq "tshark reads it" "4" "$(tshark -r "$T/c.pcap" -T fields -e eth.src 2>/dev/null | grep -c "^$C1\$")"
ok "vnetctl port-capture --direction out --count --write; tshark reads the file"

# the filtered capture runs until its client goes
sleep 0.2
kill "$B_PID"; wait "$B_PID" 2>/dev/null || true
assert_eq "c3 out, filter 'ether src c1 and not broadcast': only c1's 20 unicasts" "20 20" \
	"$(pcap_frames "$T/b.pcap" $C1 $C3)"
ok "capture filter"
# its client is gone: the capture stopped and the port can be captured again
for _ in $(seq 100); do
	code=$(curl -s -o /dev/null -w '%{http_code}' -m 0.5 --unix-socket "$SOCK" \
		"http://vnetd/v1/ports/c3/capture?count=1" || true)
	[ "$code" = 200 ] && break
	sleep 0.05
done
assert_eq "c3 can be captured again once the client went" 200 "$code"

# a filter libpcap refuses is a 400; a capture of a port being captured is a 409
cap_start "$T/d.pcap" c1 "direction=both"
D_PID=$CAP_PID
api GET "/v1/ports/c1/capture" >/dev/null
assert_eq "second capture of c1" 409 "$API_STATUS"
api GET "/v1/ports/c3/capture?filter=nosuchproto%20x" >"$T/err.json"
assert_eq "bad filter" 400 "$API_STATUS"
vctl port-capture c3 "nosuchproto x" >"$T/err.txt" 2>&1 && fail "vnetctl port-capture with a bad filter succeeded"
grep -q "filter 'nosuchproto x'" "$T/err.txt" || fail "vnetctl: no filter error in: $(cat "$T/err.txt")"
kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
ok "errors: bad filter 400, busy port 409"

# live to tcpdump; and forwarding as before once the captures are over
peer_start "$T/peer3.out" capeer3$$ \
	--port "c1,$(port_sock c1),$C1" --port "c3,$(port_sock c3),$C3" \
	--send "c3,$C1,6" --send "c1,$C3,5" --go-file "$T/go3" --settle-ms 300
wait_connected c1 c3
( vctl port-capture c1 --direction out --count 6 | tcpdump -e -n -r - >"$T/td.txt" 2>"$T/td.err" ) &
TD_PID=$!
PIDS+=("$TD_PID")
sleep 0.5
touch "$T/go3"
peer_wait "$T/peer3.out"
bounded_wait "$TD_PID" "vnetctl port-capture --count 6 | tcpdump" || fail "vnetctl port-capture | tcpdump -r -: $(cat "$T/td.err")"
assert_eq "tcpdump -r - sees c3's 6 frames to c1" 6 "$(grep -c "$C3 > $C1" "$T/td.txt")"
ok "vnetctl port-capture | tcpdump -r -"
# a capture of c3 with count=1 was left waiting above (curl -m ended it)
for _ in $(seq 100); do
	code=$(curl -s -o /dev/null -w '%{http_code}' -m 0.5 --unix-socket "$SOCK" \
		"http://vnetd/v1/ports/c1/capture?count=1" || true)
	[ "$code" = 200 ] && break
	sleep 0.05
done
assert_eq "c1 can be captured again" 200 "$code"
O=$T/peer3.out
assert_eq "c1 gets c3's unicast after the captures" 6 "$(rx_count $O c1 $C3 $C1)"
assert_eq "c3 gets c1's unicast after the captures" 5 "$(rx_count $O c3 $C1 $C3)"
ok "forwarding after the captures"

# a port deleted while captured ends its stream; vnetd stops cleanly with a
# capture running (libmicrohttpd must not be stopped with a suspended stream)
cap_start "$T/e.pcap" c3 "direction=both"
E_PID=$CAP_PID
api_ok DELETE /v1/ports/c3 >/dev/null
bounded_wait "$E_PID" "the capture of a deleted port" || fail "capture of the deleted port: curl exited with $?"
cap_start "$T/f.pcap" c1 "direction=both"
vnetd_stop
ok "a deleted port ends its capture; vnetd stops with a capture running"
echo "PASS test_capture"
