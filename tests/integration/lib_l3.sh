# shellcheck shell=bash
# lib_l3.sh — the L3 test topology (IFACE.md "Test topology"), on top of
# lib.sh.  Source it instead of lib.sh.
#
#  netns $HNS ("the host"): vnetd runs here (ip netns exec, VNETD_L3=1, so
#      it gets an uplink and host TAPs), uplink veth up0 10.77.0.1/24,
#      default route via 10.77.0.2; a network's host TAP (<bridge name>)
#      appears here.
#  netns $INS ("the internet"): veth in0 10.77.0.2/24 and 198.51.100.1/32 on
#      lo (a remote server behind the default gateway): l3_http_server,
#      l3_udp_server, tcpdump.
#  guests: namespaces G<id>-... with eth0, whose peer (g<id>) lives in $HNS
#      and is attached to vnetd as kernel port <id> (l3_guest); DHCP with a
#      udhcpc script that also installs the default route (l3_dhcp).
#
# Nothing is created in the root namespace: every veth is made inside the
# namespaces, which lib.sh's cleanup deletes (killing what runs in them).
# Names carry the helper tag "he" and the test's PID, so runs in parallel
# do not collide.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for b in ip python3 jq curl busybox tcpdump ethtool; do
	command -v $b >/dev/null || fail "$b not installed"
done

# as the uplink tests do (no network change; the uplink's BPF objects)
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

L3TAG=he$$
HNS=H-$L3TAG
INS=I-$L3TAG
UPLINK_IP=10.77.0.1
INET_GW=10.77.0.2
REMOTE=198.51.100.1
export VNETD_L3=1

inh() { ip netns exec "$HNS" "$@"; }
ini() { ip netns exec "$INS" "$@"; }
ing() { local g=$1; shift; ip netns exec "G$g-$L3TAG" "$@"; }
gns() { echo "G$1-$L3TAG"; }

mkns() { # NAME: a namespace with lo up and no IPv6 (no DAD/ND noise)
	ip netns add "$1"
	NETNS+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
}

# l3_setup: H and I with the veth between them
l3_setup() {
	mkns "$HNS"
	mkns "$INS"
	ip -n "$HNS" link add up0 type veth peer name in0 netns "$INS"
	ip -n "$HNS" addr add "$UPLINK_IP/24" dev up0
	ip -n "$HNS" link set up0 up
	ip -n "$HNS" route add default via "$INET_GW"
	ip -n "$INS" addr add "$INET_GW/24" dev in0
	ip -n "$INS" link set in0 up
	ip -n "$INS" addr add "$REMOTE/32" dev lo
	# the internet's frames reach vnetd's uplink (AF_XDP) with full
	# checksums: a veth leaves them partial while TX offload is on
	ini ethtool -K in0 tx off >/dev/null
	# the internet answers the host on the host's own address only
	ini sysctl -qw net.ipv4.icmp_ratelimit=0
	for _ in $(seq 40); do
		inh ping -c1 -W1 "$INET_GW" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "the host namespace cannot reach $INET_GW over the uplink veth"
}

# vnetd_l3_start [extra vnetd args]: vnetd inside $HNS, with the uplink
# (default route's interface, up0) and host TAPs.
vnetd_l3_start() {
	ip netns exec "$HNS" "$VNETD" --state-dir "$T/state" --run-dir "$T/run" \
		--cpus "${VNETD_CPUS:-0,1}" --memory 256 --mbufs 16384 "$@" >>"$T/vnetd.log" 2>&1 &
	VNETD_PID=$!
	for _ in $(seq 200); do
		[ -S "$SOCK" ] && curl -sf --unix-socket "$SOCK" http://vnetd/v1/version >/dev/null && return 0
		kill -0 "$VNETD_PID" 2>/dev/null || fail "vnetd exited during start"
		sleep 0.05
	done
	fail "vnetd did not start"
}

# l3_net NAME XML-BODY: define and start a network (the XML without quotes
# escaped: give it with single-quoted attributes)
l3_net() {
	api_ok POST /v1/networks "{\"xml\":\"$2\"}" >/dev/null
	api_ok POST "/v1/networks/$1/start" >/dev/null
}

# l3_guest ID MAC NETWORK [IP/PLEN GW]: namespace G<ID>-... with eth0 (MAC),
# its peer g<ID> in $HNS attached as kernel port <ID>-<tag>; a static
# address and default route when given.
l3_guest() {
	local g=$1 ns
	ns=$(gns "$1")
	mkns "$ns"
	ip -n "$HNS" link add "g$g" type veth peer name eth0 netns "$ns"
	ip -n "$ns" link set eth0 address "$2" up
	ip -n "$HNS" link set "g$g" up
	# the guest's host-side veth is no IP interface of the host: else the
	# host's kernel answers the guest's ARP for the gateway address (the
	# host's own, on the TAP) with this veth's MAC, racing the gateway
	ip netns exec "$HNS" sysctl -qw "net.ipv4.conf.g$g.arp_ignore=8"
	port_add "$g-$L3TAG" "$3" "\"type\":\"kernel\",\"interface\":\"g$g\""
	if [ -n "${4:-}" ]; then
		ip -n "$ns" addr add "$4" dev eth0
		ip -n "$ns" route add default via "$5"
	fi
	try_connected "$g-$L3TAG" || fail "guest $g's port did not connect"
}

# l3_dhcp ID: udhcpc in the guest until bound (address + default route);
# prints the address
l3_dhcp() {
	local g=$1
	cat >"$T/l3dhcp.sh" <<'EOF'
#!/bin/sh
case "$1" in
deconfig) ip -4 addr flush dev "$interface" ;;
bound|renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/$mask" dev "$interface"
	for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
	echo "$ip" >"$LEASE_OUT" ;;
esac
EOF
	chmod +x "$T/l3dhcp.sh"
	LEASE_OUT=$T/lease.$g ing "$g" busybox udhcpc -f -q -n -i eth0 -s "$T/l3dhcp.sh" \
		-t 10 -T 1 -A 1 >"$T/udhcpc.$g.log" 2>&1 || fail "guest $g: no DHCP lease: $(tail -3 "$T/udhcpc.$g.log")"
	cat "$T/lease.$g"
}

waitfile() { for _ in $(seq 400); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "$2 did not start"; }

# l3_http_server NS ADDR PORT DIR: python's http.server, in the background
l3_http_server() {
	ip netns exec "$1" python3 -m http.server "$3" --bind "$2" --directory "$4" \
		>>"$T/http.$1.$3.log" 2>&1 &
	PIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$1" curl -s -o /dev/null "http://$2:$3/" && return 0
		sleep 0.1
	done
	fail "HTTP server on $2:$3 in $1 did not start"
}

# l3_py: helpers in python (UDP echo server, closed-port probe, TCP hold)
cat >"$T/l3.py" <<'PY'
import os, socket, sys, time
cmd = sys.argv[1]
if cmd == "udp-echo":        # ADDR PORT READY: answers "echo <data> from <ip>:<port>"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[2], int(sys.argv[3])))
    open(sys.argv[4], "w").close()
    while True:
        d, a = s.recvfrom(65536)
        s.sendto(b"echo " + d + (" from %s:%d" % a).encode(), a)
elif cmd == "udp-ask":       # ADDR PORT MSG: prints the answer
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    for _ in range(3):
        s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
        try:
            print(s.recvfrom(65536)[0].decode()); sys.exit(0)
        except socket.timeout:
            pass
    sys.exit("no answer")
elif cmd == "udp-closed":    # ADDR PORT: "refused" when the ICMP port unreachable arrives
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.setsockopt(socket.IPPROTO_IP, 11, 1)   # IP_RECVERR
    s.connect((sys.argv[2], int(sys.argv[3])))
    for _ in range(3):
        s.send(b"anyone?")
        try:
            s.recv(100); print("answered")
        except ConnectionRefusedError:
            print("refused"); sys.exit(0)
        except socket.timeout:
            pass
    print("timeout"); sys.exit(1)
elif cmd == "tcp-hold":      # ADDR PORT SECS READY: keep a connection open
    # (an HTTP server waits for the request: the connection stays ESTABLISHED)
    c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=5)
    open(sys.argv[5], "w").write("%s %d\n" % c.getsockname())
    time.sleep(float(sys.argv[4]))
elif cmd == "tcp-try":       # ADDR PORT: "open" or the error (1 s)
    try:
        socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=1).close(); print("open")
    except OSError as e:
        print(type(e).__name__); sys.exit(1)
PY
L3PY="python3 $T/l3.py"

# l3_udp_server NS ADDR PORT: the UDP echo server, in the background
l3_udp_server() {
	rm -f "$T/udp.ready"
	ip netns exec "$1" $L3PY udp-echo "$2" "$3" "$T/udp.ready" >>"$T/udp.$1.log" 2>&1 &
	PIDS+=("$!")
	waitfile "$T/udp.ready" "UDP server on $2:$3"
}

# l3_capture NS IF FILE [filter]: tcpdump in the background until l3_capture_stop
l3_capture() {
	ip netns exec "$1" tcpdump -i "$2" -n -U -s 128 -w "$3" ${4:+"$4"} >"$3.log" 2>&1 &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	for _ in $(seq 100); do grep -q "listening on" "$3.log" 2>/dev/null && return 0; sleep 0.05; done
	fail "tcpdump on $2 in $1 did not start: $(cat "$3.log")"
}
l3_capture_stop() {
	sleep 0.3
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
}

# conntrack rows of a network as "proto state src:sport dst:dport nat_src:nat_sport"
ct_rows() {
	api_ok GET "/v1/conntrack${1:+?network=$1}" | jq -r '.conntrack[] |
		"\(.protocol) \(.state) \(.src):\(.sport) \(.dst):\(.dport) \(.nat_src // "-"):\(.nat_sport // 0)"'
}

l3_setup
