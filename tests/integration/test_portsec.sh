#!/bin/bash
# Port security (issue 10): a hostile guest (scapy in a namespace on a kernel
# port) cannot send with another source MAC or IP, poison another guest's
# neighbour table with ARP, deliver a forged DHCPACK, starve the DHCP pool
# with DISCOVERs for invented clients, or spray source MACs into the FDB;
# every drop is counted per reason on its port.  Each refusal is checked
# against a control: the same frames with port security off (or from an
# allowed address pair) do get through.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || fail "tcpdump not installed"
PY=/usr/bin/python3 # Debian's, which python3-scapy installs into (not a pyenv's)
"$PY" -c 'import scapy' 2>/dev/null || fail "python3-scapy not installed ($PY cannot import scapy)"

vnetd_start
NET=hfps
GWMAC=52:54:00:79:00:01 MA=52:54:00:79:00:0a MV=52:54:00:79:00:0b MC=52:54:00:79:00:0c
api_ok POST /v1/networks "{\"xml\":\"<network><name>$NET</name><mac address='$GWMAC'/><ip address='10.79.0.1' netmask='255.255.255.0'><dhcp><range start='10.79.0.100' end='10.79.0.199'/><host mac='$MC' ip='10.79.0.20'/></dhcp></ip></network>\"}" >/dev/null
api_ok POST "/v1/networks/$NET/start" >/dev/null
A=hfA$$ V=hfV$$ C=hfC$$
kport_ns "$A" a0 "hfa$$" "$MA" "$NET" atk 1500 "\"mac\":\"$MA\""
kport_ns "$V" v0 "hfv$$" "$MV" "$NET" vic 1500 "\"mac\":\"$MV\""
wait_connected atk vic
assert_eq "port security on by default (a MAC)" "true true" \
	"$(api_ok GET /v1/ports/atk | jq -r .port.port_security_enabled) $(api_ok GET /v1/ports/vic | jq -r .port.port_security_enabled)"

udhcpc_script
lease() { # NS IF: a DHCP lease, configured; prints the address
	ip netns exec "$1" busybox udhcpc -i "$2" -s "$T/udhcpc.sh" -n -q -t 5 -T 1 >/dev/null 2>&1 ||
		fail "no DHCP lease in $1"
	ip -n "$1" -4 -o addr show dev "$2" | awk '{print $4}' | cut -d/ -f1
}
IPA=$(lease "$A" a0) IPV=$(lease "$V" v0)
ip netns exec "$V" ping -c 1 -W 2 10.79.0.1 >/dev/null || fail "victim cannot ping the gateway"
ip netns exec "$A" ping -c 1 -W 2 "$IPV" >/dev/null || fail "attacker cannot ping the victim"
ok "guests leased $IPA (attacker) and $IPV (victim) and reach each other"

drops() { api_ok GET "/v1/ports/$1/stats" | jq -r ".stats.drops.$2"; }
# delta PORT REASON BASE WANT: the counter's growth since BASE, once it
# reached WANT (the worker may still be reading the socket) or 5 s passed
delta() {
	local d
	for _ in $(seq 100); do
		d=$(($(drops "$1" "$2") - $3))
		[ "$d" -ge "$4" ] && break
		sleep 0.05
	done
	sleep 0.1
	echo $(($(drops "$1" "$2") - $3))
}
# scapy in a namespace: scapy NS <<EOF (python, scapy.all imported)
scapy() { ip netns exec "$1" "$PY" -c "from scapy.all import *
conf.verb = 0
$(cat)"; }
# capture NS FILTER: tcpdump in the victim's namespace (background) until stop_capture
capture() {
	ip netns exec "$1" tcpdump -i v0 -n -U -w "$T/cap.pcap" "$2" 2>"$T/cap.err" &
	CAP=$!
	for _ in $(seq 100); do grep -q listening "$T/cap.err" 2>/dev/null && return 0; sleep 0.05; done
	fail "tcpdump did not start"
}
stop_capture() { # prints the number of frames captured
	sleep 0.5
	kill "$CAP"
	wait "$CAP" 2>/dev/null || true
	tcpdump -r "$T/cap.pcap" -n 2>/dev/null | wc -l
}

# ---- spoofed source MAC and IP
m0=$(drops atk spoof_mac) i0=$(drops atk spoof_ip)
capture "$V" "udp port 7777"
scapy "$A" <<EOF
sendp([Ether(src='02:00:00:66:00:%02x' % i, dst='$MV')/IP(src='$IPA', dst='$IPV')/UDP(sport=7777, dport=7777) for i in range(20)], iface='a0')
sendp([Ether(src='$MA', dst='$MV')/IP(src='$IPV', dst='$IPV')/UDP(sport=7777, dport=7777)] * 20, iface='a0')
sendp([Ether(src='$MA', dst='$MV')/IP(src='10.79.0.250', dst='$IPV')/UDP(sport=7777, dport=7777)] * 20, iface='a0')
EOF
assert_eq "victim got spoofed frames" 0 "$(stop_capture)"
assert_eq "spoof_mac counted" 20 "$(delta atk spoof_mac $m0 20)"
assert_eq "spoof_ip counted" 40 "$(delta atk spoof_ip $i0 40)"
api_ok GET "/v1/networks/$NET/fdb" | jq -e '[.fdb[] | select(.mac | startswith("02:00:00:66"))] | length == 0' >/dev/null ||
	fail "spoofed source MACs were learned"
ok "spoofed source MAC and IP dropped and counted (spoof_mac 20, spoof_ip 40)"

# control: an allowed address pair makes 10.79.0.250 the attacker's
api_ok PUT /v1/ports/atk '{"allowed_address_pairs":[{"ip_address":"10.79.0.250"}]}' >/dev/null
capture "$V" "udp port 7777"
scapy "$A" <<EOF
sendp([Ether(src='$MA', dst='$MV')/IP(src='10.79.0.250', dst='$IPV')/UDP(sport=7777, dport=7777)] * 5, iface='a0')
EOF
assert_eq "frames from an allowed address pair" 5 "$(stop_capture)"
ok "an allowed address pair passes"

# ---- a forged broadcast DHCPACK from the attacker
d0=$(drops atk dhcp_server)
FORGE="sendp([Ether(src='$MA', dst='ff:ff:ff:ff:ff:ff')/IP(src='$IPA', dst='255.255.255.255')/UDP(sport=67, dport=68)/BOOTP(op=2, yiaddr='10.79.0.66', chaddr=bytes.fromhex('${MV//:/}'))/DHCP(options=[('message-type', 'ack'), ('router', '$IPA'), 'end'])] * 5, iface='a0')"
capture "$V" "udp src port 67"
scapy "$A" <<<"$FORGE"
assert_eq "victim got the forged DHCPACK" 0 "$(stop_capture)"
assert_eq "dhcp_server counted" 5 "$(delta atk dhcp_server $d0 5)"
ok "forged DHCPACK not delivered (dhcp_server 5)"

# ---- DHCP starvation: 300 DISCOVERs for invented clients
rx0=$(api_ok GET "/v1/networks/$NET" | jq .network.dhcp.received)
s0=$(drops atk dhcp_spoof) m0=$(drops atk spoof_mac)
scapy "$A" <<EOF
import random
f = []
for i in range(300):
    ch = bytes([0x02] + [random.randrange(256) for _ in range(5)])
    src = '$MA' if i % 2 else ':'.join('%02x' % b for b in ch)
    f.append(Ether(src=src, dst='ff:ff:ff:ff:ff:ff')/IP(src='0.0.0.0', dst='255.255.255.255')/UDP(sport=68, dport=67)/BOOTP(chaddr=ch, xid=random.randrange(1 << 32))/DHCP(options=[('message-type', 'discover'), 'end']))
sendp(f, iface='a0')
EOF
kport_ns "$C" v0 "hfc$$" "$MC" "$NET" cli 1500 "\"mac\":\"$MC\""
wait_connected cli
# the client's static host makes its address known before it asks for it
c0=$(drops cli spoof_ip)
scapy "$C" <<EOF
sendp([Ether(src='$MC', dst='$MV')/IP(src='10.79.0.21', dst='$IPV')/UDP(sport=7777, dport=7777)] * 3, iface='v0')
sendp([Ether(src='$MC', dst='$MV')/IP(src='10.79.0.20', dst='$IPV')/UDP(sport=7777, dport=7777)] * 3, iface='v0')
EOF
assert_eq "static host: other source dropped" 3 "$(delta cli spoof_ip $c0 3)"
t0=$(date +%s%N)
IPC=$(lease "$C" v0)
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq "dhcp_spoof counted" 150 "$(delta atk dhcp_spoof $s0 150)"
assert_eq "spoof_mac counted" 150 "$(delta atk spoof_mac $m0 150)"
rx1=$(api_ok GET "/v1/networks/$NET" | jq .network.dhcp.received)
[ $((rx1 - rx0)) -lt 20 ] || fail "the DHCP server received $((rx1 - rx0)) frames: the invented DISCOVERs reached it"
assert_eq "leases" 3 "$(api_ok GET "/v1/networks/$NET/leases" | jq '.leases | length')"
assert_eq "the client's static address" 10.79.0.20 "$IPC"
ok "300 invented DISCOVERs dropped (dhcp_spoof 150, spoof_mac 150); a new client leased $IPC (its static host) in ${ms} ms"

# ---- ARP poisoning: the attacker claims the gateway's and the victim's peers' addresses
a0=$(drops atk spoof_arp)
POISON="for ip in ('10.79.0.1', '$IPC'):
    sendp([Ether(src='$MA', dst='$MV')/ARP(op=2, hwsrc='$MA', psrc=ip, hwdst='$MV', pdst='$IPV')] * 5, iface='a0')
    sendp([Ether(src='$MA', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, hwsrc='$MA', psrc=ip, pdst=ip)] * 5, iface='a0')"
neigh() { ip -n "$V" neigh show "$1" dev v0 | awk '{print $3}'; }
ip netns exec "$V" ping -c 1 -W 2 "$IPC" >/dev/null || fail "victim cannot reach the client"
scapy "$A" <<<"$POISON"
sleep 0.3
assert_eq "victim's neighbour for the gateway" "$GWMAC" "$(neigh 10.79.0.1)"
assert_eq "victim's neighbour for the client" "$MC" "$(neigh "$IPC")"
assert_eq "spoof_arp counted" 20 "$(delta atk spoof_arp $a0 20)"
ip netns exec "$V" ping -c 1 -W 2 10.79.0.1 >/dev/null || fail "victim lost the gateway"
ok "ARP poisoning dropped (spoof_arp 20); the victim keeps the gateway's and the client's MACs"

# ---- MAC spray: other ports' flows are not made to reclassify
fdb0=$(api_ok GET "/v1/networks/$NET/fdb" | jq '.fdb | length')
m0=$(drops atk spoof_mac)
scapy "$A" <<EOF
sendp([Ether(src='02:00:%02x:%02x:00:01' % (i >> 8, i & 255), dst='$MV')/IP(src='$IPA', dst='$IPV')/UDP() for i in range(1000)], iface='a0')
EOF
assert_eq "spray counted" 1000 "$(delta atk spoof_mac $m0 1000)"
assert_eq "FDB size after the spray" "$fdb0" "$(api_ok GET "/v1/networks/$NET/fdb" | jq '.fdb | length')"
ip netns exec "$V" ping -c 1 -W 2 "$IPC" >/dev/null || fail "victim cannot reach the new client"
ok "1000 sprayed source MACs dropped before learning; the FDB keeps $fdb0 entries"

# ---- control: port security off lets the forged ACK and spoofed IPs through
api_ok PUT /v1/ports/atk '{"security_groups":[],"allowed_address_pairs":[],"port_security_enabled":false}' >/dev/null
capture "$V" "udp src port 67"
scapy "$A" <<<"$FORGE"
[ "$(stop_capture)" -gt 0 ] || fail "with port security off the forged ACK should arrive (the check above proves nothing)"
scapy "$A" <<<"$POISON"
sleep 0.3
assert_eq "control: victim's neighbour for the client with port security off" "$MA" "$(neigh "$IPC")"
ok "control: with port security off the same forged ACK reaches the victim and the ARP poisons it"

# the drops are in port-stats
"$VNETCTL" -s "$SOCK" port-stats atk | grep -q "^atk drop.spoof_mac 1170$" ||
	fail "port-stats: $("$VNETCTL" -s "$SOCK" port-stats atk | grep spoof)"
ok "port-stats shows the drops by reason"
