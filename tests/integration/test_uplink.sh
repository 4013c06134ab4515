#!/bin/bash
# The uplink (dataplane/uplink.c + dataplane/bpf/uplink.bpf.c) on a veth
# between two namespaces that this test creates: H-hd ("the host", runs
# ul-peer on up-hd 10.77.0.1/24) and I-hd ("the internet", in-hd
# 10.77.0.2/24).  In both modes (af_xdp, af_packet with the tc filter):
#  - steered traffic (UDP/TCP to 10.77.0.1 ports 40000-40099) reaches the
#    socket, UDP is echoed back through ul_tx, a TCP SYN gets no RST from
#    H's kernel (it never saw it);
#  - other traffic still reaches H's kernel: ping, TCP to a server on a
#    port outside the range, UDP to a port outside the range (not seen);
#  - a clean stop removes the program; after kill -9 it stays, and the
#    next start replaces it.
. "$(dirname "$0")/lib.sh"
: "${UL_PEER:?path to ul-peer}"
for t in ip ethtool tc python3 curl clang gcc; do
	command -v $t >/dev/null || fail "missing tool: $t"
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

H=H-hd I=I-hd
ip netns del $H 2>/dev/null || true
ip netns del $I 2>/dev/null || true
ip netns add $H; NETNS+=($H)
ip netns add $I; NETNS+=($I)
ip -n $H link add up-hd type veth peer name in-hd netns $I
ip -n $H addr add 10.77.0.1/24 dev up-hd
ip -n $I addr add 10.77.0.2/24 dev in-hd
ip -n $H link set up-hd up; ip -n $H link set lo up
ip -n $I link set in-hd up; ip -n $I link set lo up
# frames from I carry complete checksums, as from a real NIC (a veth
# leaves them to the offload, and AF_XDP hands frames over as they are)
ip netns exec $I ethtool -K in-hd tx off >/dev/null
inH() { ip netns exec $H "$@"; }
inI() { ip netns exec $I "$@"; }

# a server on H's kernel, on a port vnetd does not steer
mkdir -p "$T/www"; echo hello-from-H >"$T/www/index.html"
ip netns exec $H python3 -m http.server --bind 10.77.0.1 --directory "$T/www" 8080 >"$T/http.log" 2>&1 &
PIDS+=($!)

# udp_echo PORT: 0 when 10.77.0.1:PORT echoes a datagram within 2 s
udp_echo() {
	inI python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", 0)); s.settimeout(2)
s.sendto(b"ping-ul", ("10.77.0.1", int(sys.argv[1])))
try:
    d, a = s.recvfrom(100)
    sys.exit(0 if d == b"ping-ul" and a == ("10.77.0.1", int(sys.argv[1])) else 3)
except socket.timeout:
    sys.exit(1)
EOF
}
# tcp_try PORT: prints refused / timeout / connected
tcp_try() {
	inI python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("10.77.0.1", int(sys.argv[1]))); print("connected")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
EOF
}
has_xdp() { inH ip -d link show up-hd | grep -q 'prog/xdp'; }
has_tc() { inH tc filter show dev up-hd ingress 2>/dev/null | grep -q vnetd_tc; }

UL_PID=
ul_start() { # MODE
	: >"$T/ul.out"
	ip netns exec $H "$UL_PEER" up-hd "$1" 10.77.0.1 40000-40099 40000-40099 >"$T/ul.out" 2>"$T/ul.log" &
	UL_PID=$!
	PIDS+=($UL_PID)
	for _ in $(seq 100); do
		grep -q '^ready' "$T/ul.out" && return 0
		kill -0 $UL_PID 2>/dev/null || fail "ul-peer exited: $(cat "$T/ul.log")"
		sleep 0.1
	done
	fail "ul-peer not ready"
}
ul_stop() {
	kill $UL_PID; wait $UL_PID || fail "ul-peer exited with $? on SIGTERM"
}

check_mode() { # MODE(auto|packet) EXPECTED(af_xdp|af_packet)
	ul_start "$1"
	grep -q "^ready $2" "$T/ul.out" || fail "mode: $(cat "$T/ul.out")"
	if [ "$2" = af_xdp ]; then
		has_xdp || fail "$2: no XDP program on up-hd"
	else
		has_tc || fail "$2: no tc filter on up-hd"
		grep -q "falling back\|af_packet" "$T/ul.log" || true
	fi
	# steered UDP reaches the socket and ul_tx answers
	udp_echo 40000 || fail "$2: steered UDP not echoed (rc $?)"
	grep -q '^rx 17 40000$' "$T/ul.out" || fail "$2: ul-peer did not see UDP 40000"
	# steered TCP: the SYN reaches the socket and H's kernel never answers it
	r=$(tcp_try 40001)
	assert_eq "$2: TCP to a steered port (no RST from the kernel)" timeout "$r"
	grep -q '^rx 6 40001$' "$T/ul.out" || fail "$2: ul-peer did not see the SYN to 40001"
	# the host keeps its interface: ARP + ping, TCP to its own server, a
	# closed port outside the range is refused by its kernel
	inI ping -c 2 -W 2 -q 10.77.0.1 >/dev/null || fail "$2: ping to H's address"
	out=$(inI curl -s --max-time 5 http://10.77.0.1:8080/index.html) || true
	assert_eq "$2: TCP to H's own server on 8080" hello-from-H "$out"
	r=$(tcp_try 39999)
	assert_eq "$2: TCP to a port outside the range reaches H's kernel" refused "$r"
	! udp_echo 40100 || fail "$2: UDP outside the range was echoed"
	! grep -q '^rx 17 40100$' "$T/ul.out" || fail "$2: ul-peer saw UDP 40100"
	! grep -q '^rx 1 ' "$T/ul.out" || fail "$2: ul-peer saw the host's ICMP"
	ok "$2: steered traffic to the socket, the rest to H's kernel"

	# clean stop removes the program
	ul_stop
	! has_xdp || fail "$2: XDP program left after a clean stop"
	! has_tc || fail "$2: tc filter left after a clean stop"
	ok "$2: clean stop removes the program"

	# kill -9 leaves it; the next start replaces it
	ul_start "$1"
	kill -9 $UL_PID; wait $UL_PID 2>/dev/null || true
	if [ "$2" = af_xdp ]; then has_xdp; else has_tc; fi || fail "$2: kill -9 removed the program?"
	ul_start "$1"
	grep -q "stale" "$T/ul.log" || fail "$2: restart did not replace the stale program"
	udp_echo 40002 || fail "$2: steered UDP after the restart (rc $?)"
	ul_stop
	! has_xdp || fail "$2: XDP program left after restart + stop"
	! has_tc || fail "$2: tc filter left after restart + stop"
	out=$(inI curl -s --max-time 5 http://10.77.0.1:8080/index.html) || true
	assert_eq "$2: H's server after stop" hello-from-H "$out"
	ok "$2: kill -9 leftover replaced at the next start, removed at stop"
}

check_mode auto af_xdp
check_mode packet af_packet

# Somebody else's XDP program on the interface: AF_XDP cannot be set up,
# the fallback to af_packet is automatic and logged; theirs stays.
cat >"$T/other.c" <<'EOF'
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int other_pass(struct xdp_md *c) { return XDP_PASS; }
char _l[] __attribute__((section("license"), used)) = "GPL";
EOF
clang -O2 -target bpf -I/usr/include/"$(gcc -print-multiarch)" -c "$T/other.c" -o "$T/other.o" ||
	fail "cannot build the foreign XDP program"
inH ip link set dev up-hd xdpgeneric obj "$T/other.o" sec xdp
ul_start auto
grep -q '^ready af_packet' "$T/ul.out" || fail "foreign XDP: mode $(cat "$T/ul.out")"
grep -q 'AF_XDP unavailable.*falling back to af_packet' "$T/ul.log" || fail "fallback not logged"
udp_echo 40003 || fail "foreign XDP: steered UDP not echoed (rc $?)"
assert_eq "foreign XDP: TCP to a steered port" timeout "$(tcp_try 40004)"
ul_stop
inH ip -d link show up-hd | grep -q 'prog/xdp' || fail "the foreign XDP program was removed"
! has_tc || fail "tc filter left after stop"
ok "foreign XDP program: automatic af_packet fallback, logged; theirs left alone"
echo "PASS"
