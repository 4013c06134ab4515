#!/bin/bash
# The host port (control/host/hostport.c, nl.c; dataplane/tap.c): vnetd runs
# in namespace H-hd (VNETD_L3=1, --uplink=none), a guest namespace G1-hd is
# a kernel port of an isolated network with <bridge name='virbr-hd'>:
#  - at net-start a TAP virbr-hd appears in H-hd with the network's MAC,
#    address/prefix and MTU, up; none in the root namespace;
#  - H pings the guest over the TAP; the guest fetches a page from a server
#    in H bound to the gateway address; the guest's broadcasts reach H's
#    kernel on the TAP;
#  - net-destroy removes the TAP, net-start brings it back, a daemon stop
#    removes it, a kill -9 too (it is not persistent);
#  - --host-port=no: no TAP.
. "$(dirname "$0")/lib.sh"
for t in ip python3 jq curl; do
	command -v $t >/dev/null || fail "missing tool: $t"
done

H=H-hd G=G1-hd BR=virbr-hd NET=hdtap
GWMAC=52:54:00:0d:00:01 GMAC=52:54:00:0d:00:0a
ip netns del $H 2>/dev/null || true
ip netns del $G 2>/dev/null || true
ip netns add $H; NETNS+=($H)
ip netns add $G; NETNS+=($G)
ip -n $H link set lo up
ip -n $G link set lo up
ip -n $H link add g1h-hd type veth peer name g1-hd netns $G
ip -n $G link set g1-hd address $GMAC up
ip -n $G addr add 192.168.150.10/24 dev g1-hd
ip -n $H link set g1h-hd up
# the kernel port's host end is no IP interface (else H answers the
# guest's ARP for the gateway address with this veth's MAC)
ip netns exec $H sysctl -qw net.ipv4.conf.g1h-hd.arp_ignore=8

# vnetd inside H (the wrapper execs, so VNETD_PID is vnetd's)
printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' $H "$VNETD" >"$T/vnetd-in-h"
chmod +x "$T/vnetd-in-h"
VNETD=$T/vnetd-in-h
export VNETD_L3=1
vnetd_start --uplink=none --no-default-network

XML="<network><name>$NET</name><bridge name='$BR'/><mac address='$GWMAC'/><mtu size='1400'/><ip address='192.168.150.1' netmask='255.255.255.0'/></network>"
api_ok POST /v1/networks "$(jq -n --arg x "$XML" '{xml:$x}')" >/dev/null
api_ok POST /v1/networks/$NET/start >/dev/null
port_add g1 $NET '"type":"kernel","interface":"g1h-hd"'

tap_shown() { ip -n $H -d link show $BR 2>/dev/null; }
for _ in $(seq 50); do tap_shown | grep -q tun && break; sleep 0.1; done
l=$(tap_shown) || fail "no TAP $BR in $H after net-start"
echo "$l" | grep -q "tun type tap" || fail "$BR is not a TAP: $l"
echo "$l" | grep -q "link/ether $GWMAC" || fail "$BR MAC: $l"
echo "$l" | grep -q "mtu 1400" || fail "$BR MTU: $l"
echo "$l" | grep -q "[<,]UP[,>]" || fail "$BR not up: $l"
ip -n $H -br addr show $BR | grep -q "192.168.150.1/24" || fail "$BR address: $(ip -n $H -br addr show $BR)"
! ip link show $BR >/dev/null 2>&1 || fail "a $BR in the root namespace"
ok "net-start: TAP $BR in $H with the network's MAC, address, MTU, up"

# the host reaches the guest over the TAP (the gateway's identity is the
# host port's: H's ARP requests carry the gateway address)
ip netns exec $H ping -c 2 -W 2 -q 192.168.150.10 >/dev/null ||
	fail "H cannot ping the guest over $BR"
# the guest reaches a service of the host at the gateway address
mkdir -p "$T/www"; echo hello-from-host >"$T/www/index.html"
ip netns exec $H python3 -m http.server --bind 192.168.150.1 --directory "$T/www" 8081 \
	>"$T/http.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	out=$(ip netns exec $G curl -s --max-time 2 http://192.168.150.1:8081/index.html) && break
	sleep 0.1
done
assert_eq "the guest fetches from the host's server at the gateway address" hello-from-host "${out:-}"
# guest -> TAP: broadcast ARP requests for an address nobody has reach H's kernel
rx0=$(ip netns exec $H cat /sys/class/net/$BR/statistics/rx_packets)
ip netns exec $G ping -c 3 -W 1 192.168.150.77 >/dev/null 2>&1 || true
rx1=$(ip netns exec $H cat /sys/class/net/$BR/statistics/rx_packets)
[ "$rx1" -gt "$rx0" ] || fail "no frame of the guest reached $BR ($rx0 -> $rx1)"
ok "frames cross between $BR and the guest both ways ($((rx1 - rx0)) guest broadcasts on the TAP)"

api_ok POST /v1/networks/$NET/destroy >/dev/null
! tap_shown >/dev/null || fail "$BR left after net-destroy"
api_ok POST /v1/networks/$NET/start >/dev/null
tap_shown >/dev/null || fail "no $BR after the second net-start"
vnetd_stop
! tap_shown >/dev/null || fail "$BR left after the daemon stopped"
ok "net-destroy and daemon stop remove $BR"

# the network was running at the stop: the next start brings it back
vnetd_start --uplink=none --no-default-network
for _ in $(seq 50); do tap_shown >/dev/null && break; sleep 0.1; done
tap_shown >/dev/null || fail "no $BR after the restart (the network was running)"
vnetd_kill9
for _ in $(seq 30); do tap_shown >/dev/null || break; sleep 0.1; done
! tap_shown >/dev/null || fail "$BR left after kill -9"
ok "kill -9 leaves no TAP behind"

vnetd_start --uplink=none --no-default-network --host-port=no
sleep 0.5
api_ok GET /v1/networks/$NET | jq -e '.network.active == true' >/dev/null 2>&1 ||
	api_ok POST /v1/networks/$NET/start >/dev/null 2>&1 || true
! tap_shown >/dev/null || fail "--host-port=no created $BR"
ok "--host-port=no: no TAP"
echo PASS
