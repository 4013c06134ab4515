#!/bin/bash
# vnetd with an uplink (control/host/uplink.c): vnetd runs in namespace H-hd
# ("the host": veth up-hd 10.77.0.1/24, default route via 10.77.0.2), the
# "internet" I-hd behind it (in-hd 10.77.0.2/24, 198.51.100.1 on lo), a
# guest G1-hd on a NAT network (<nat><port 20000-20999>), --uplink=auto:
#  - net-start attaches our XDP program to the default route's interface
#    and no longer reports 'no uplink yet';
#  - the guest fetches a page from a server in I (198.51.100.1, behind the
#    gateway): the server sees the uplink's address and a port in the range;
#  - the host's own connections over the uplink keep working meanwhile;
#  - the same in af_packet mode (VNETD_UPLINK_MODE=af_packet);
#  - net-destroy and a daemon stop remove the program.
. "$(dirname "$0")/lib.sh"
for t in ip python3 jq curl; do
	command -v $t >/dev/null || fail "missing tool: $t"
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

H=H-hd I=I-hd G=G1-hd NET=hdnat
for n in $H $I $G; do ip netns del $n 2>/dev/null || true; ip netns add $n; NETNS+=($n); done
for n in $H $I $G; do ip -n $n link set lo up; done
ip -n $H link add up-hd type veth peer name in-hd netns $I
ip -n $H addr add 10.77.0.1/24 dev up-hd
ip -n $I addr add 10.77.0.2/24 dev in-hd
ip -n $I addr add 198.51.100.1/32 dev lo
ip -n $H link set up-hd up
ip -n $I link set in-hd up
ip -n $H route add default via 10.77.0.2
# in-hd keeps its checksum offload: frames from I carry partial checksums,
# which the AF_XDP path completes (dataplane/uplink.c)
ip -n $H link add g1h-hd type veth peer name g1-hd netns $G
ip -n $G link set g1-hd address 52:54:00:0e:00:0a up
ip -n $G addr add 192.168.151.10/24 dev g1-hd
ip -n $G route add default via 192.168.151.1
ip -n $H link set g1h-hd up
# the kernel port's host end is not an IP interface: else H's kernel answers
# the guest's ARP for the gateway address (it is H's, on the TAP) with this
# veth's MAC, racing the gateway's answer
ip netns exec $H sysctl -qw net.ipv4.conf.g1h-hd.arp_ignore=8

# the "internet" server logs its clients' address:port
cat >"$T/srv.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(sys.argv[2], "a").write("%s %d\n" % self.client_address)
        b = b"hello-from-internet\n"
        self.send_response(200); self.send_header("Content-Length", str(len(b)))
        self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer((sys.argv[1], 8080), H).serve_forever()
EOF
ip netns exec $I python3 "$T/srv.py" 0.0.0.0 "$T/clients" >"$T/srv.log" 2>&1 &
PIDS+=($!)

printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' $H "$VNETD" >"$T/vnetd-in-h"
chmod +x "$T/vnetd-in-h"
VNETD=$T/vnetd-in-h
export VNETD_L3=1
has_xdp() { ip -n $H -d link show up-hd | grep -q 'prog/xdp'; }
has_tc() { ip netns exec $H tc filter show dev up-hd ingress 2>/dev/null | grep -q vnetd_tc; }

XML="<network><name>$NET</name><forward mode='nat'><nat><port start='20000' end='20999'/></nat></forward><bridge name='virbr-hd'/><mac address='52:54:00:0e:00:01'/><ip address='192.168.151.1' netmask='255.255.255.0'/></network>"

guest_fetch() { # MODE
	: >"$T/clients"
	local out=
	for _ in $(seq 30); do
		out=$(ip netns exec $G curl -s --max-time 2 http://198.51.100.1:8080/) && break
		sleep 0.3
	done
	[ "$out" = hello-from-internet ] || {
		api GET /v1/stats | jq -c '.drops' >&2 || true
		ip netns exec $G ping -c 1 -W 1 198.51.100.1 >&2 || true
		{ ip -n $G neigh; ip -n $H neigh; ip -n $I neigh; ip -n $I -s link show in-hd;
		  api GET /v1/ports/g1/stats | jq -c '.stats | del(.drops)'; api GET /v1/stats | jq -c 'del(.drops)'; } >&2 || true
		fail "$1: the guest cannot fetch from the internet through NAT (got '$out')"
	}
	read -r addr port <"$T/clients"
	assert_eq "$1: the server sees the uplink's address" 10.77.0.1 "$addr"
	[ "$port" -ge 20000 ] && [ "$port" -le 20999 ] || fail "$1: source port $port outside 20000-20999"
	# the host's own connection over the same interface, at the same time
	out=$(ip netns exec $H curl -s --max-time 5 http://198.51.100.1:8080/) || true
	assert_eq "$1: the host's own connection" hello-from-internet "$out"
	ok "$1: guest through NAT ($addr:$port), the host's own traffic unaffected"
}

run_mode() { # MODE
	vnetd_start --no-default-network
	api_ok POST /v1/networks "$(jq -n --arg x "$XML" '{xml:$x}')" >/dev/null
	local st
	st=$(api_ok POST /v1/networks/$NET/start)
	! echo "$st" | grep -q "no uplink yet" || fail "$1: net-start still says 'no uplink yet': $st"
	port_add g1 $NET '"type":"kernel","interface":"g1h-hd"'
	grep -q "uplink up-hd ($1)" "$T/vnetd.log" || fail "$1: uplink mode not logged as $1"
	if [ "$1" = af_xdp ]; then has_xdp || fail "no XDP program on up-hd"; else has_tc || fail "no tc filter"; fi
	guest_fetch "$1"
	api_ok POST /v1/networks/$NET/destroy >/dev/null
	! has_xdp || fail "$1: XDP program left after net-destroy"
	! has_tc || fail "$1: tc filter left after net-destroy"
	api_ok POST /v1/networks/$NET/start >/dev/null
	if [ "$1" = af_xdp ]; then has_xdp || fail "no XDP program after restart"; fi
	vnetd_stop
	! has_xdp || fail "$1: XDP program left after the daemon stopped"
	! has_tc || fail "$1: tc filter left after the daemon stopped"
	ok "$1: net-destroy and daemon stop remove the program"
	rm -rf "$T/state" "$T/run"
}

run_mode af_xdp
VNETD_UPLINK_MODE=af_packet run_mode af_packet
echo PASS
