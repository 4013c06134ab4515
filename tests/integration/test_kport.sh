#!/bin/bash
# Kernel ports (AF_PACKET on a veth end) between network namespaces, with the
# kernel's offloads left as they are by default:
#  - TCP and UDP work while the veths' TX checksum offload is on (vnetd
#    completes the checksum the sender left half done), bulk TCP too while
#    TSO is on (vnetd cuts the 64 KB GSO frames into segments);
#  - 802.1Q-tagged frames (broadcast and unicast) arrive tagged (the
#    kernel's VLAN offload takes the tag out of the frame; vnetd puts it
#    back; raw frames, since this kernel may lack the 8021q module);
#  - frames too big are dropped and counted by name: rx_oversize (bigger
#    than a packet buffer) and tx_oversize (bigger than the egress MTU), not
#    tx_full;
#  - a port spraying 100,000 source MACs learns only --mac-limit (1024) of
#    them, the rest are dropped as mac_limit; a guest that comes afterwards
#    is learned and its unicast traffic does not reach the sprayer;
#  - a guest taking over another's MAC is counted (mac_moves).
#
# Needs root, ip, ethtool, python3, jq, busybox (ping).  Touches only the namespaces and veths
# it creates (prefix $P).
. "$(dirname "$0")/lib.sh"

for b in ip ethtool python3 jq busybox; do
	command -v $b >/dev/null || fail "$b not installed"
done

P=vkp$(($$ % 10000)) # namespace/veth/port prefix, unique per run
NET=kport

ns() { echo "$P-$1"; }
ifn() { echo "${P}$1n"; }
mac() { printf '52:54:00:66:00:%02x' "$1"; }
ip4() { echo "10.66.0.$1"; }
inns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

# mkns ID [MTU]: namespace with veth ${P}IDn (MAC, 10.66.0.ID/24), host end
# ${P}IDh attached as kernel port ${P}ID
mkns() {
	kport_ns "$(ns "$1")" "$(ifn "$1")" "${P}$1h" "$(mac "$1")" "$NET" "${P}$1" "${2:-1500}"
	ip -n "$(ns "$1")" addr add "$(ip4 "$1")/24" dev "$(ifn "$1")"
}

gstat() { api_ok GET /v1/stats | jget "$1"; }

cat >"$T/kp.py" <<'PY'
import os, random, socket, struct, sys, time
cmd = sys.argv[1]
if cmd == "tcp-server":      # ADDR PORT READY: echo
    s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3]))); s.listen(4)
    open(sys.argv[4], "w").close()
    while True:
        c, _ = s.accept()
        while True:
            d = c.recv(65536)
            if not d: break
            c.sendall(d)
        c.close()
elif cmd == "tcp-client":    # ADDR PORT ROUNDS SIZE
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=5)
    for r in range(int(sys.argv[4])):
        m = bytes((r + i) % 251 for i in range(int(sys.argv[5])))
        s.sendall(m)
        got = b""
        while len(got) < len(m):
            d = s.recv(65536)
            if not d: sys.exit("connection closed")
            got += d
        if got != m: sys.exit("round %d: wrong data" % r)
    print("tcp ok")
elif cmd == "udp-server":    # ADDR PORT READY: echo
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[2], int(sys.argv[3])))
    open(sys.argv[4], "w").close()
    while True:
        d, a = s.recvfrom(65536); s.sendto(d[::-1], a)
elif cmd == "udp-client":    # ADDR PORT ROUNDS SIZE
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    ok = 0
    for r in range(int(sys.argv[4])):
        m = os.urandom(int(sys.argv[5]))
        s.sendto(m, (sys.argv[2], int(sys.argv[3])))
        try:
            d, _ = s.recvfrom(65536)
            ok += d == m[::-1]
        except socket.timeout:
            pass
    print("udp", ok)
elif cmd == "udp-send":      # ADDR PORT COUNT: fire and forget
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for r in range(int(sys.argv[4])):
        s.sendto(b"x" * 100, (sys.argv[2], int(sys.argv[3]))); time.sleep(0.002)
elif cmd == "raw":           # IF COUNT SRC|random DST [VLAN]: Ethernet frames
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((sys.argv[2], 0))
    dst = bytes.fromhex(sys.argv[5].replace(":", ""))
    tag = struct.pack("!HH", 0x8100, int(sys.argv[6])) if len(sys.argv) > 6 else b""
    rnd = random.Random(7)
    for i in range(int(sys.argv[3])):
        src = (b"\x02" + rnd.randbytes(5)) if sys.argv[4] == "random" else \
            bytes.fromhex(sys.argv[4].replace(":", ""))
        while True:
            try:
                s.send(dst + src + tag + b"\x88\xb5" + b"\0" * 46); break
            except BlockingIOError:
                time.sleep(0.001)
        if i % 500 == 499: time.sleep(0.002)   # do not outrun vnetd's socket buffer
elif cmd == "sniff":         # IF OUT: "dst src ethertype vlan" per frame, until OUT.stop exists
    # the kernel takes a VLAN tag out of the frame into the aux data
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3)); s.bind((sys.argv[2], 0))
    s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA
    s.settimeout(0.1); end = time.time() + 60; out = []
    open(sys.argv[3] + ".ready", "w").close()
    while time.time() < end and not os.path.exists(sys.argv[3] + ".stop"):
        try:
            d, anc, _, _ = s.recvmsg(65536, 256)
        except socket.timeout:
            continue
        vlan, et = -1, d[12:14].hex()
        for lvl, typ, data in anc:
            if lvl == 263 and typ == 8 and len(data) >= 20:
                st, tci = struct.unpack_from("I", data, 0)[0], struct.unpack_from("H", data, 16)[0]
                if st & 0x10: vlan = tci & 0xfff
        if d[12:14] == b"\x81\x00":  # tag still in the data
            vlan, et = struct.unpack("!H", d[14:16])[0] & 0xfff, d[16:18].hex()
        out.append("%s %s %s %d" % (d[:6].hex(":"), d[6:12].hex(":"), et, vlan))
    open(sys.argv[3], "w").write("".join(l + "\n" for l in out))
PY
PY="python3 $T/kp.py"

waitfile() { for _ in $(seq 400); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "$2 did not start"; }

vnetd_start --no-default-network
api_ok POST /v1/networks "{\"xml\":\"<network><name>$NET</name><bridge name='${P}b'/></network>\"}" >/dev/null
api_ok POST /v1/networks/$NET/start >/dev/null
mkns 1
mkns 2
mkns 3 9000
wait_connected "${P}1" "${P}2" "${P}3"

# ------------------------------------------------ checksum offload left on
for i in 1 2; do
	inns $i ethtool -k "$(ifn $i)" | grep -q '^tx-checksumming: on' ||
		fail "ns$i: TX checksum offload is not on: $(inns $i ethtool -k "$(ifn $i)" | head -3)"
done
inns 2 $PY tcp-server "$(ip4 2)" 5000 "$T/tcp.ready" >"$T/tcpsrv.log" 2>&1 &
inns 2 $PY udp-server "$(ip4 2)" 5001 "$T/udp.ready" >"$T/udpsrv.log" 2>&1 &
waitfile "$T/tcp.ready" "tcp server"
waitfile "$T/udp.ready" "udp server"
out=$(inns 1 timeout 20 $PY tcp-client "$(ip4 2)" 5000 20 1200 2>&1) ||
	fail "TCP ns1 -> ns2 with checksum offload on: $out"
ok "TCP request/response with TX checksum offload on"
# bulk: the sender's TSO hands the veth up to 64 KB frames (GSO), which
# vnetd cuts into segments
inns 1 ethtool -k "$(ifn 1)" | grep -q '^tcp-segmentation-offload: on' ||
	fail "ns1: TSO is not on"
o0=$(gstat '.drops.rx_oversize')
out=$(inns 1 timeout 60 $PY tcp-client "$(ip4 2)" 5000 1 2000000 2>&1) ||
	fail "bulk TCP (2 MB echoed) ns1 -> ns2 with TSO on: $out; rx_oversize $o0 -> $(gstat '.drops.rx_oversize')"
assert_eq "rx_oversize after bulk TCP" "$o0" "$(gstat '.drops.rx_oversize')"
ok "bulk TCP with TSO on (GSO frames segmented)"
# the same over IPv6
for i in 1 2; do
	inns $i sysctl -qw "net.ipv6.conf.$(ifn $i).disable_ipv6=0"
	inns $i ip addr add "fd66::$i/64" dev "$(ifn $i)" nodad
done
inns 2 $PY tcp-server fd66::2 5003 "$T/tcp6.ready" >"$T/tcp6srv.log" 2>&1 &
waitfile "$T/tcp6.ready" "tcp6 server"
out=$(inns 1 timeout 60 $PY tcp-client fd66::2 5003 1 2000000 2>&1) ||
	fail "bulk TCP over IPv6 with TSO on: $out; rx_oversize $o0 -> $(gstat '.drops.rx_oversize')"
assert_eq "rx_oversize after bulk TCP over IPv6" "$o0" "$(gstat '.drops.rx_oversize')"
ok "bulk TCP over IPv6 with TSO on"
out=$(inns 1 timeout 20 $PY udp-client "$(ip4 2)" 5001 20 1000 2>&1)
[ "$out" = "udp 20" ] || fail "UDP ns1 -> ns2 with checksum offload on: $out"
ok "UDP with TX checksum offload on"

# ------------------------------------------------ VLAN tags survive
# Tagged frames (VLAN 5) from ns1, broadcast and unicast to ns2: the kernel
# takes the tag out on every veth (VLAN offload) and hands it over in the
# aux data; the sniffers in ns2 and ns3 read it the same way.
inns 2 $PY sniff "$(ifn 2)" "$T/sn2" &
s2=$!
inns 3 $PY sniff "$(ifn 3)" "$T/sn3" &
s3=$!
waitfile "$T/sn2.ready" "sniffer ns2"
waitfile "$T/sn3.ready" "sniffer ns3"
inns 1 $PY raw "$(ifn 1)" 5 "$(mac 1)" ff:ff:ff:ff:ff:ff 5
inns 1 $PY raw "$(ifn 1)" 5 "$(mac 1)" "$(mac 2)" 5
sleep 0.3
touch "$T/sn2.stop" "$T/sn3.stop"
wait $s2 $s3 || fail "sniffer failed"
tagged() { awk -v s="$(mac 1)" -v d="$2" -v v="$3" '$2==s && $1==d && $3=="88b5" && $4==v' "$1" | wc -l; }
assert_eq "tagged broadcasts at ns2" 5 "$(tagged "$T/sn2" ff:ff:ff:ff:ff:ff 5)"
assert_eq "tagged unicasts at ns2" 5 "$(tagged "$T/sn2" "$(mac 2)" 5)"
assert_eq "tagged broadcasts at ns3" 5 "$(tagged "$T/sn3" ff:ff:ff:ff:ff:ff 5)"
assert_eq "untagged copies at ns2" 0 "$(tagged "$T/sn2" ff:ff:ff:ff:ff:ff -1)"
assert_eq "untagged copies at ns3" 0 "$(tagged "$T/sn3" ff:ff:ff:ff:ff:ff -1)"
ok "VLAN 5 frames arrive tagged (broadcast and unicast)"

# ------------------------------------------------ oversize frames, counted
rx0=$(gstat '.drops.rx_oversize')
tx0=$(gstat '.drops.tx_oversize')
full0=$(gstat '.drops.tx_full')
# 8028-byte IP packet from ns3 (MTU 9000): bigger than a packet buffer
inns 3 busybox ping -c 2 -i 0.2 -W 1 -s 8000 "$(ip4 1)" >/dev/null 2>&1 &&
	fail "a 9000-MTU frame crossed vnetd (it should be counted as rx_oversize)"
# 1642-byte frame: fits a buffer, not ns1's 1500 MTU
inns 3 busybox ping -c 2 -i 0.2 -W 1 -s 1600 "$(ip4 1)" >/dev/null 2>&1 &&
	fail "a frame bigger than ns1's MTU was delivered"
rx1=$(gstat '.drops.rx_oversize')
tx1=$(gstat '.drops.tx_oversize')
full1=$(gstat '.drops.tx_full')
[ "$((rx1 - rx0))" -ge 2 ] || fail "rx_oversize: $rx0 -> $rx1"
[ "$((tx1 - tx0))" -ge 2 ] || fail "tx_oversize: $tx0 -> $tx1"
assert_eq "tx_full after oversize frames" "$full0" "$full1"
ok "oversize frames counted: rx_oversize +$((rx1 - rx0)), tx_oversize +$((tx1 - tx0))"

# ------------------------------------------------ MAC flood from one port
rx0=$(port_stat "${P}1" rx_packets)
inns 1 timeout 60 $PY raw "$(ifn 1)" 100000 random 02:00:00:00:00:99 ||
	fail "MAC flood sender failed"
sleep 0.5
fdb=$(api_ok GET /v1/networks/$NET/fdb)
n1=$(jq --arg p "${P}1" '[.fdb[] | select(.port == $p)] | length' <<<"$fdb")
assert_eq "MACs learned on the flooding port" 1024 "$n1"
lim=$(gstat '.drops.mac_limit')
rx=$(($(port_stat "${P}1" rx_packets) - rx0))
# what the socket buffer may have lost under load is not vnetd's to count;
# every flood frame vnetd got is learned (1023 new) or dropped as mac_limit
# (give or take ns1's own few frames)
[ "$rx" -ge 20000 ] || fail "vnetd received only $rx of the 100000 flood frames"
[ "$lim" -ge $((rx - 1023 - 100)) ] && [ "$lim" -le $((rx - 1023)) ] ||
	fail "mac_limit drops: $lim for $rx frames received from the flooding port"
ok "100000 source MACs: 1024 learned, $lim of $rx frames dropped as mac_limit"
# a guest that comes now is learned, and its unicast does not reach ns1
mkns 4
wait_connected "${P}4"
inns 4 busybox ping -c 2 -i 0.2 -W 2 "$(ip4 2)" >/dev/null 2>&1 || fail "new guest ns4 cannot reach ns2"
api_ok GET /v1/networks/$NET/fdb | jq -e --arg m "$(mac 4)" '.fdb[] | select(.mac == $m)' >/dev/null ||
	fail "new guest's MAC $(mac 4) not learned after the flood"
inns 1 $PY sniff "$(ifn 1)" "$T/sniff" &
sniffer=$!
waitfile "$T/sniff.ready" "sniffer"
tx4=$(port_stat "${P}4" tx_packets)
inns 2 $PY udp-send "$(ip4 4)" 5009 200
sleep 0.3
touch "$T/sniff.stop"
wait $sniffer || fail "sniffer failed"
[ "$(($(port_stat "${P}4" tx_packets) - tx4))" -ge 200 ] || fail "ns2's datagrams did not reach ns4"
assert_eq "frames to ns4 seen by the flooding ns1" 0 "$(awk -v d="$(mac 4)" '$1==d' "$T/sniff" | wc -l)"
ok "new guest learned after the flood; its unicast does not flood to ns1"

# ------------------------------------------------ MAC takeover counted
mv0=$(gstat '.mac_moves')
inns 3 $PY raw "$(ifn 3)" 1 "$(mac 2)" ff:ff:ff:ff:ff:ff
sleep 0.3
mv1=$(gstat '.mac_moves')
[ "$((mv1 - mv0))" -ge 1 ] || fail "mac_moves: $mv0 -> $mv1 after ns3 claimed ns2's MAC"
ok "MAC takeover counted (mac_moves $mv0 -> $mv1)"
