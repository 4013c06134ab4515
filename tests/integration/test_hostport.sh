#!/bin/bash
# The host port (as virbr0 on a libvirt host), vnetd inside a namespace
# standing for the host (lib_l3.sh):
#  - starting a network creates the TAP named by <bridge name> in the host
#    namespace with the network's <mac> and <ip> address/prefix, up;
#  - the host reaches a guest over it (ping, TCP), with the guest's ARP
#    entry for the gateway address being the network's MAC (one identity);
#  - a guest reaches a server the host runs on the gateway address;
#  - destroying the network removes the TAP; starting it again brings it back.
. "$(dirname "$0")/lib_l3.sh"

NET=hp-he
GW=192.168.180.1 GMAC=52:54:00:18:ff:01
G1=192.168.180.11
BR=vhh$$

vnetd_l3_start --no-default-network
l3_net $NET "<network><name>$NET</name><bridge name='$BR'/><mac address='$GMAC'/>\
<ip address='$GW' netmask='255.255.255.0'/></network>"
for _ in $(seq 50); do ip -n "$HNS" link show "$BR" >/dev/null 2>&1 && break; sleep 0.1; done
ip -n "$HNS" link show "$BR" >/dev/null 2>&1 || fail "no TAP $BR in the host namespace: $(ip -n "$HNS" -br link)"
assert_eq "TAP MAC" "$GMAC" "$(ip -n "$HNS" -j link show "$BR" | jq -r '.[0].address')"
assert_eq "TAP address" "$GW/24" "$(ip -n "$HNS" -j addr show dev "$BR" | jq -r '.[0].addr_info[] | select(.family=="inet") | "\(.local)/\(.prefixlen)"')"
ip -n "$HNS" -j link show "$BR" | jq -e '.[0].flags | index("UP")' >/dev/null || fail "TAP $BR is not up"
ok "TAP $BR: $GMAC, $GW/24, up"

l3_guest 1 52:54:00:18:00:01 $NET "$G1/24" $GW
mkdir -p "$T/www"
echo "guest" >"$T/www/who"
echo "host" >"$T/www/host"
l3_http_server "$(gns 1)" 0.0.0.0 80 "$T/www"

# host -> guest
inh busybox ping -c 3 -W 2 "$G1" >/dev/null || fail "host -> guest $G1: no ping over $BR"
assert_eq "host -> guest HTTP" guest "$(inh curl -sf --max-time 5 "http://$G1/who")"
r=$(inh ip -o route get "$G1")
[[ $r == *" dev $BR "* ]] || fail "the host routes $G1 elsewhere: $r"
ok "host -> guest over $BR (ping, HTTP)"

# guest -> a service of the host on the gateway address
l3_http_server "$HNS" "$GW" 8080 "$T/www"
assert_eq "guest -> host service on $GW" host "$(ing 1 curl -sf --max-time 5 "http://$GW:8080/host")"
ing 1 busybox ping -c 2 -W 2 "$GW" >/dev/null || fail "guest -> gateway ping"
assert_eq "guest's ARP entry for the gateway" "$GMAC" \
	"$(ip -n "$(gns 1)" -j neigh show "$GW" | jq -r '.[0].lladdr')"
ok "guest -> host service on $GW:8080; the gateway and the TAP are one identity ($GMAC)"

# the TAP goes with the network and comes back with it
api_ok POST /v1/networks/$NET/destroy >/dev/null
for _ in $(seq 50); do ip -n "$HNS" link show "$BR" >/dev/null 2>&1 || break; sleep 0.1; done
ip -n "$HNS" link show "$BR" >/dev/null 2>&1 && fail "TAP $BR left after net-destroy"
api_ok POST /v1/networks/$NET/start >/dev/null
for _ in $(seq 50); do ip -n "$HNS" link show "$BR" >/dev/null 2>&1 && break; sleep 0.1; done
try_connected "1-$L3TAG" || fail "guest port not back"
for _ in $(seq 20); do inh busybox ping -c 1 -W 1 "$G1" >/dev/null 2>&1 && break; done
inh busybox ping -c 1 -W 2 "$G1" >/dev/null || fail "host -> guest after restarting the network"
ok "net-destroy removes $BR; net-start brings it back"

echo "PASS test_hostport"
