#!/bin/bash
# A rogue DHCP server (issue 10): a real dnsmasq in a namespace on a kernel
# port serves the network's subnet with its own range and router.
#  - On a network vnetd serves DHCP for, another client gets only vnetd's
#    lease (vnetd's range, router = the gateway), five times in a row: DHCP
#    to the server port goes to vnetd's server, not to other ports, and no
#    reply from the rogue reaches the client.
#  - On a network without vnetd's DHCP (broadcast DHCP is switched to every
#    port, so the rogue does get the DISCOVERs and offers), port security on
#    the rogue's port drops its replies (counted dhcp_server) and the client
#    gets no lease; control: port security off, the client takes the rogue's
#    lease (so the checks above can fail).
. "$(dirname "$0")/lib.sh"
command -v dnsmasq >/dev/null || fail "dnsmasq not installed (dnsmasq-base)"
command -v tcpdump >/dev/null || fail "tcpdump not installed"

vnetd_start
MR=52:54:00:7a:00:0a MC=52:54:00:7a:00:0b MR2=52:54:00:7a:00:1a MC2=52:54:00:7a:00:1b
api_ok POST /v1/networks "{\"xml\":\"<network><name>hfrd</name><ip address='10.122.0.1' netmask='255.255.255.0'><dhcp><range start='10.122.0.100' end='10.122.0.199'/><host mac='$MR' ip='10.122.0.2'/></dhcp></ip></network>\"}" >/dev/null
api_ok POST /v1/networks "{\"xml\":\"<network><name>hfrd2</name><ip address='10.123.0.1' netmask='255.255.255.0'/></network>\"}" >/dev/null
api_ok POST /v1/networks/hfrd/start >/dev/null
api_ok POST /v1/networks/hfrd2/start >/dev/null
R=hfR$$ C=hfC$$ R2=hfR2$$ C2=hfC2$$
kport_ns "$R" r0 "hfr$$" "$MR" hfrd rogue 1500 "\"mac\":\"$MR\""
kport_ns "$C" c0 "hfc$$" "$MC" hfrd cli 1500 "\"mac\":\"$MC\""
# on hfrd2 the rogue's address is an allowed address pair (no DHCP host to
# learn it from): only the DHCP server check stands in its way
kport_ns "$R2" r0 "hfq$$" "$MR2" hfrd2 rogue2 1500 "\"mac\":\"$MR2\",\"allowed_address_pairs\":[{\"ip_address\":\"10.123.0.2\"}]"
kport_ns "$C2" c0 "hfd$$" "$MC2" hfrd2 cli2 1500 "\"mac\":\"$MC2\""
wait_connected rogue cli rogue2 cli2
assert_eq "port security on the rogues' ports" "true true" \
	"$(api_ok GET /v1/ports/rogue | jq -r .port.port_security_enabled) $(api_ok GET /v1/ports/rogue2 | jq -r .port.port_security_enabled)"

# rogue NS PREFIX: the rogue's address PREFIX.2 and dnsmasq serving
# PREFIX.50-60 with itself as the router (log $T/dnsmasq.NS.log)
rogue() {
	local log=$T/dnsmasq.$1.log
	ip -n "$1" addr add "$2.2/24" dev r0
	ip netns exec "$1" dnsmasq -k -C /dev/null -u root --port=0 --interface=r0 --bind-interfaces \
		--dhcp-range="$2.50,$2.60,255.255.255.0,1h" --dhcp-option="3,$2.2" \
		--dhcp-authoritative --no-ping --dhcp-leasefile="$T/leases.$1" \
		--log-dhcp --log-facility="$log" &
	PIDS+=($!)
	for _ in $(seq 100); do grep -q "DHCP, sockets bound" "$log" 2>/dev/null && return 0; sleep 0.05; done
	fail "dnsmasq did not start in $1"
}
rogue "$R" 10.122.0
rogue "$R2" 10.123.0

cat >"$T/udhcpc.sh" <<EOF
#!/bin/sh
case "\$1" in
deconfig) ip -4 addr flush dev "\$interface" ;;
bound|renew) ip -4 addr flush dev "\$interface"; ip addr add "\$ip/\$mask" dev "\$interface" ;;
esac
echo "\$1 \${ip:-} \${router:-} \${serverid:-}" >>"$T/ev"
EOF
chmod +x "$T/udhcpc.sh"
# capture NS: DHCP replies reaching the client in NS (background)
capture() {
	ip netns exec "$1" tcpdump -i c0 -n -U -w "$T/cap.pcap" "udp src port 67" 2>"$T/cap.err" &
	CAP=$!
	for _ in $(seq 100); do grep -q listening "$T/cap.err" 2>/dev/null && return 0; sleep 0.05; done
	fail "tcpdump did not start"
}
stop_capture() { # SRC: prints the number of captured replies from SRC
	sleep 0.5
	kill "$CAP"
	wait "$CAP" 2>/dev/null || true
	tcpdump -r "$T/cap.pcap" -n "src host $1" 2>/dev/null | wc -l
}
lease() { # NS: a fresh DHCP exchange; prints "ip router serverid", or "none"
	rm -f "$T/ev"
	ip -n "$1" -4 addr flush dev c0
	ip netns exec "$1" busybox udhcpc -i c0 -s "$T/udhcpc.sh" -n -q -t 3 -T 1 >/dev/null 2>&1 || { echo none; return 0; }
	grep '^bound ' "$T/ev" | tail -1 | cut -d' ' -f2-
}
drops() { api_ok GET "/v1/ports/$1/stats" | jq -r .stats.drops.dhcp_server; }

# ---- vnetd serves DHCP: the client gets vnetd's lease, five times in a row
capture "$C"
for i in 1 2 3 4 5; do
	got=$(lease "$C")
	set -- $got
	case "$1" in 10.122.0.1[0-9][0-9]) ;; *) fail "run $i: the client got '$got' (ip router server), not a lease from vnetd's range" ;; esac
	assert_eq "run $i: router" 10.122.0.1 "$2"
	assert_eq "run $i: server id" 10.122.0.1 "$3"
done
assert_eq "rogue replies that reached the client" 0 "$(stop_capture 10.122.0.2)"
ok "5 leases in a row from vnetd ($got); no reply from the rogue reached the client"

# ---- no DHCP in vnetd: the rogue gets the DISCOVERs and offers
d0=$(drops rogue2)
capture "$C2"
got=$(lease "$C2")
assert_eq "client's lease on hfrd2 with port security on the rogue" none "$got"
assert_eq "rogue replies that reached the client" 0 "$(stop_capture 10.123.0.2)"
grep -q "DHCPOFFER(r0) 10.123.0.5" "$T/dnsmasq.$R2.log" || fail "dnsmasq never offered (the check proves nothing)"
d1=$(drops rogue2)
[ $((d1 - d0)) -ge 3 ] || fail "dhcp_server drops on the rogue's port: $((d1 - d0)), want >= 3"
ok "the rogue offered; its $((d1 - d0)) replies were dropped (dhcp_server) and the client got no lease"

# control: port security off on the rogue's port: the client takes its lease
api_ok PUT /v1/ports/rogue2 '{"security_groups":[],"allowed_address_pairs":[],"port_security_enabled":false}' >/dev/null
got=$(lease "$C2")
set -- $got
case "$1" in 10.123.0.5[0-9] | 10.123.0.60) ;; *) fail "control: with port security off the client should take the rogue's lease, got '$got'" ;; esac
assert_eq "control: the rogue's router" 10.123.0.2 "$2"
ok "control: with port security off the client took the rogue's lease ($got)"
