#!/bin/bash
# Real QEMU guests (tests/guest: TCG, busybox initramfs, virtio-net over
# vhost-user) on vnetd's 'default' network:
#  1. static addresses: a guest on a server-mode port and a guest on a
#     client-mode port ARP for and ping each other (and the gateway)
#     through vnetd; the ARP answers the guests cached carry the right MACs;
#     port counters moved; no unexpected drops.
#  2. DHCP: a guest runs udhcpc, gets a lease in 192.168.122.2-254 with
#     router 192.168.122.1, pings the gateway; the lease is listed by
#     GET /v1/networks/default/leases and `vnetctl net-dhcp-leases default`.
#     Prints "boot-to-lease: X.Y s" (host seconds from QEMU start).
#  3. DNS (issue 11): that guest resolves, with busybox nslookup and the
#     resolver its DHCP lease configured, a <dns><host> name added to the
#     network live (an address nothing else knows), answered locally by
#     vnetd's DNS server on the gateway (its "local" counter moves).
#     External names are not looked up: vnetd runs in the root namespace
#     here, so forwarding would reach the machine's real resolvers
#     (test_dns covers forwarding inside namespaces).
# QEMU runs on CPU 0 ($VNET_GUEST_CPUS), vnetd's worker on CPU 1.
# A missing QEMU or guest kernel is a failure (scripts/deps.sh --test
# installs them), never a skip.
. "$(dirname "$0")/lib.sh"
: "${VNETCTL:?path to the vnetctl binary}"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRCDIR/tests/guest/guest.sh"    # GUEST_OUT = $T: cleaned up with it

GUEST_TIMEOUT=${GUEST_TIMEOUT:-75}  # per guest, seconds (TCG under load)
NET=192.168.122
GW=$NET.1

if ! command -v "${QEMU:-qemu-system-x86_64}" >/dev/null; then
	fail "${QEMU:-qemu-system-x86_64} not installed (scripts/deps.sh --test: qemu-system-x86)"
fi
# build the guest kernel/initramfs before anything is timed
guest_prepare || fail "cannot prepare the guest kernel/initramfs (scripts/deps.sh --test: linux-image-amd64, busybox-static)"

# last lladdr the guest's neighbour table had for IP (from its vnet.debug=1
# dump: "VNET-DEBUG: 192.168.122.12 dev eth0 lladdr 52:54:00:.. REACHABLE")
neigh_mac() { # GUEST IP
	tr -d '\r' <"$GUEST_OUT/$1.serial" | awk -v ip="$2" '
		$1 == "VNET-DEBUG:" && $2 == ip && $3 == "dev" {
			for (i = 4; i < NF; i++) if ($i == "lladdr") m = $(i + 1) }
		END { print m }'
}

drops() { # -> "name=value ..." of the non-zero drop counters
	api_ok GET /v1/stats | jq -r '[.drops | to_entries[] | select(.value != 0)
		| "\(.key)=\(.value)"] | join(" ")'
}

vnetd_start
# the 'default' network vnetd defines on first start
assert_eq "default network active" true \
	"$(api_ok GET /v1/networks/default | jget .network.active)"
GWMAC=$(api_ok GET /v1/networks/default/xml | jget .xml |
	sed -n "s/.*<mac address=['\"]\([0-9a-fA-F:]*\)['\"].*/\1/p" | tr A-F a-f)
[ -n "$GWMAC" ] || fail "no gateway MAC in the default network's XML"

# ---- 1. static addresses: server-mode port + client-mode port -------------
M1=52:54:00:00:c1:01 M2=52:54:00:00:c1:02
IP1=$NET.11 IP2=$NET.12
port_add s1 default "\"mac\":\"$M1\""
port_add c1 default "\"mac\":\"$M2\",\"mode\":\"client\",\"path\":\"$T/c1.sock\""
assert_eq "c1 is a client-mode port" client "$(api_ok GET /v1/ports/c1 | jget .port.mode)"

# Each pings the other (1 probe + 3 requests) and stays up until it has
# answered the peer's 4 requests; vm2 also pings the gateway. QEMU connects
# at once, but vnetd attaches a port (and reports it "connected") only when
# the guest's virtio driver is up, ~3-7 s into the boot.
stats0=$(api_ok GET /v1/stats)
t0=$EPOCHREALTIME
guest_start vm1 "$(port_sock s1)" \
	"vnet.ip=$IP1/24 vnet.ping=$IP2 vnet.count=3 vnet.wait=40 vnet.waitpings=4 vnet.debug=1" \
	--mode client --mac "$M1" --timeout "$GUEST_TIMEOUT" \
	--expect "link up" --expect "addr $IP1/24" --expect "ping $IP2 ok" \
	--expect "wait-end" --expect "result pass" --expect "done" \
	--reject "ping $IP2 fail" --reject "result fail"
guest_start vm2 "$T/c1.sock" \
	"vnet.ip=$IP2/24 vnet.ping=$IP1,$GW vnet.count=3 vnet.wait=40 vnet.waitpings=4 vnet.debug=1" \
	--mode server --mac "$M2" --timeout "$GUEST_TIMEOUT" \
	--expect "link up" --expect "addr $IP2/24" --expect "ping $IP1 ok" --expect "ping $GW ok" \
	--expect "wait-end" --expect "result pass" --expect "done" \
	--reject "ping $IP1 fail" --reject "ping $GW fail" --reject "result fail"
wait_connected s1 c1
guest_wait vm1
guest_wait vm2
t1=$EPOCHREALTIME

# every answer really came through vnetd: 3 of 3 and 4+ echo replies served
# (guest_marker matches a prefix: "ping-info $NET.1 " needs its trailing
# space, or it would match "ping-info $NET.11 ...")
for g in "vm1 $IP2" "vm2 $IP1" "vm2 $GW"; do
	read -r vm ip <<<"$g"
	assert_eq "$vm ping-info $ip" "ping-info $ip tx=3 rx=3" \
		"$(guest_marker "$vm" "ping-info $ip " | cut -d' ' -f1-4)"
done
for g in vm1 vm2; do
	w=$(guest_marker $g "wait-end " | sed 's/.*pings=//')
	[ "${w:-0}" -ge 4 ] || fail "$g answered only ${w:-0} echo requests (want >= 4)"
done
# the guests' ARP caches hold the peers' real MACs (ARP went through vnetd
# and the gateway answered with its own MAC, no proxy ARP)
assert_eq "vm1's ARP entry for $IP2" "$M2" "$(neigh_mac vm1 "$IP2")"
assert_eq "vm2's ARP entry for $IP1" "$M1" "$(neigh_mac vm2 "$IP1")"
assert_eq "vm2's ARP entry for the gateway" "$GWMAC" "$(neigh_mac vm2 "$GW")"
ok "static: vm1 (server-mode port) <-> vm2 (client-mode port) and vm2 -> gateway"

# counters: both directions on both ports, nothing lost on the way in
rx=0 tx=0 txd=0 rxd=0 rxb=0 txb=0
for p in s1 c1; do
	st=$(api_ok GET "/v1/ports/$p/stats")
	echo "   $p: $(jq -c .stats <<<"$st")"
	for f in rx_packets tx_packets; do
		v=$(jget ".stats.$f" <<<"$st")
		# >= 4 echo requests + 4 echo replies + ARP
		[ "$v" -ge 9 ] || fail "$p $f = $v, want >= 9 after the pings"
	done
	rx=$((rx + $(jget .stats.rx_packets <<<"$st"))) tx=$((tx + $(jget .stats.tx_packets <<<"$st")))
	txd=$((txd + $(jget .stats.tx_dropped <<<"$st")))
	rxd=$((rxd + $(jget .stats.rx_dropped <<<"$st")))
	rxb=$((rxb + $(jget .stats.rx_bytes <<<"$st"))) txb=$((txb + $(jget .stats.tx_bytes <<<"$st")))
done
stats=$(api_ok GET /v1/stats)
# Expected drops: what one guest flooded (IPv6 ND/MLD, ARP) while the other
# guest was not attached yet or had powered off -- a flood with no attached
# destination is dropped on ingress ("no_dest", the port's rx_dropped) --
# or sent to a guest whose rx ring had no buffers yet in the moment between
# its driver's probe and `ip link set eth0 up` ("tx_full"), or whose device
# went away between flood and send ("port_down", egress). Anything else is
# a bug, and so is a lost ping (checked above).
assert_eq "unexpected drops after the static round" "" \
	"$(drops | tr ' ' '\n' | grep -Ev '^(port_down|tx_full|no_dest)=' | xargs)"
assert_eq "port_down + tx_full drops = the ports' tx_dropped" "$txd" \
	"$(jq '.drops.port_down + .drops.tx_full' <<<"$stats")"
assert_eq "no_dest drops = the ports' rx_dropped" "$rxd" "$(jq '.drops.no_dest' <<<"$stats")"
[ "$((txd + rxd))" -le 30 ] || fail "$((txd + rxd)) frames dropped, want a handful at most"
# s1 and c1 are the network's only ports: every frame one of them sent went
# to the other (a flood has at most one destination; sent, or dropped on
# either side) or was answered in place by the gateway (one reply of the
# same size).
assert_eq "frames in = frames out + drops" "$rx" "$((tx + txd + rxd))"
[ "$rxb" -ge "$txb" ] || fail "more bytes out ($txb) than in ($rxb)"
[ "$((txd + rxd))" -gt 0 ] || assert_eq "bytes in = bytes out" "$rxb" "$txb"
gwr=$(( $(jq .gw_replies <<<"$stats") - $(jq .gw_replies <<<"$stats0") ))
# vm2's ARP request for the gateway + 1 probe + 3 echo requests
[ "$gwr" -ge 5 ] || fail "gateway answered $gwr frames, want >= 5"
ok "static: counters and drops (egress $txd, no_dest $rxd; $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"

# the guests are gone: remove their ports so only the DHCP guest is left
api_ok DELETE /v1/ports/s1 >/dev/null
api_ok DELETE /v1/ports/c1 >/dev/null

# ---- 2. DHCP from vnetd ---------------------------------------------------
M3=52:54:00:00:c1:03
port_add d1 default "\"mac\":\"$M3\""
assert_eq "no lease before the guest" 0 \
	"$(api_ok GET "/v1/networks/default/leases?mac=$M3" | jq '.leases | length')"
# a name only the network's DNS server knows (round 3)
DNSNAME=vnetprobe DNSIP=$NET.250
"$VNETCTL" -q -s "$SOCK" net-update default add dns-host \
	"<host ip='$DNSIP'><hostname>$DNSNAME</hostname></host>" --live ||
	fail "net-update default add dns-host failed"
dns0=$(api_ok GET /v1/networks/default | jq .network.dns.local)
drops_before=$(api_ok GET /v1/stats)
t0=$EPOCHREALTIME
guest_start vm3 "$(port_sock d1)" \
	"vnet.dhcp=1 vnet.dhcptimeout=30 vnet.ping=$GW vnet.count=3 vnet.nslookup=$DNSNAME" \
	--mode client --mac "$M3" --timeout "$GUEST_TIMEOUT" \
	--expect "link up" --expect lease --expect lease-info --expect "ping $GW ok" \
	--expect "nslookup $DNSNAME ok" --expect "result pass" --expect "done" \
	--reject "dhcp fail" --reject "ping $GW fail" --reject "nslookup $DNSNAME fail" \
	--reject "result fail"
wait_connected d1
guest_wait vm3
t1=$EPOCHREALTIME

LIP=$(guest_marker vm3 'lease ' | cut -d' ' -f2)
[[ "$LIP" =~ ^192\.168\.122\.([0-9]+)$ ]] || fail "lease '$LIP' is not in $NET.0/24"
o=${BASH_REMATCH[1]}
[ "$o" -ge 2 ] && [ "$o" -le 254 ] || fail "lease $LIP outside the DHCP range $NET.2-254"
info=$(guest_marker vm3 "lease-info ")
case " $info " in
*" ip=$LIP/24 "*) ;; *) fail "lease-info: want ip=$LIP/24: $info" ;;
esac
case " $info " in
*" router=$GW "*) ;; *) fail "lease-info: want router=$GW: $info" ;;
esac
case " $info " in
*" server=$GW "*) ;; *) fail "lease-info: want server=$GW: $info" ;;
esac
case " $info " in # DHCP option 6: the gateway serves DNS (issue 11)
*" dns=$GW "*) ;; *) fail "lease-info: want dns=$GW: $info" ;;
esac
assert_eq "vm3 ping-info $GW" "ping-info $GW tx=3 rx=3" \
	"$(guest_marker vm3 "ping-info $GW " | cut -d' ' -f1-4)"
ok "dhcp: vm3 leased $LIP ($info) and pinged $GW"

# the lease as the API and vnetctl show it
L=$(api_ok GET "/v1/networks/default/leases?mac=$M3")
assert_eq "one lease for $M3" 1 "$(jq '.leases | length' <<<"$L")"
assert_eq "lease MAC" "$M3" "$(jq -r '.leases[0]["mac-address"]' <<<"$L")"
assert_eq "lease IP" "$LIP" "$(jq -r '.leases[0]["ip-address"]' <<<"$L")"
assert_eq "lease prefix" 24 "$(jq -r '.leases[0].prefix' <<<"$L")"
assert_eq "lease type" ipv4 "$(jq -r '.leases[0].type' <<<"$L")"
# the expiry is what the guest was told: now + leasetime (3600 s), roughly
lt=$(sed -n 's/.* leasetime=\([0-9]*\).*/\1/p' <<<"$info")
[ -n "$lt" ] && [ "$lt" -gt 0 ] || fail "no lease time in: $info"
exp=$(jq -r '.leases[0]["expiry-time"]' <<<"$L") now=$(date +%s)
[ "$exp" -gt $((now + lt - 120)) ] && [ "$exp" -le $((now + lt + 5)) ] ||
	fail "lease expiry-time $exp, want about now ($now) + $lt"
all=$(api_ok GET /v1/networks/default/leases)
assert_eq "the unfiltered list has exactly vm3's lease" "$M3 $LIP" \
	"$(jq -r '.leases[] | "\(.["mac-address"]) \(.["ip-address"])"' <<<"$all")"
out=$("$VNETCTL" -s "$SOCK" net-dhcp-leases default) || fail "vnetctl net-dhcp-leases failed"
echo "$out" | sed 's/^/   vnetctl| /'
grep -E "[[:space:]]${M3}[[:space:]]+ipv4[[:space:]]+${LIP}/24([[:space:]]|\$)" <<<"$out" >/dev/null ||
	fail "vnetctl net-dhcp-leases default does not list $M3 ipv4 $LIP/24"
out=$("$VNETCTL" -s "$SOCK" net-dhcp-leases default --mac "$M3") ||
	fail "vnetctl net-dhcp-leases --mac failed"
grep -q "$LIP/24" <<<"$out" || fail "vnetctl net-dhcp-leases --mac $M3 does not list $LIP"
# and persisted in the state dir (libvirt's dnsmasq status format)
st_file=$T/state/dhcp/default.status
[ -s "$st_file" ] || fail "no lease file $st_file"
assert_eq "persisted lease" "$LIP" \
	"$(jq -r --arg m "$M3" '.[] | select(.["mac-address"] == $m) | .["ip-address"]' "$st_file")"
ok "dhcp: lease listed by the API and vnetctl, persisted"

# counters and drops: d1 is alone in the network, so the guest's IPv6
# multicast (ND/MLD) has no destination ("no_dest" is expected); DHCP,
# ARP and ICMP for the gateway are answered, never dropped.
st=$(api_ok GET /v1/ports/d1/stats)
echo "   d1: $(jq -c . <<<"$st")"
for f in rx_packets tx_packets; do
	v=$(jget ".stats.$f" <<<"$st")
	# DISCOVER+REQUEST+ARP+4 echo requests in; OFFER+ACK+ARP+4 replies out
	[ "$v" -ge 7 ] || fail "d1 $f = $v, want >= 7"
done
assert_eq "d1 tx_dropped" 0 "$(jget .stats.tx_dropped <<<"$st")"
# d1 is alone: every frame not dropped (DHCP, ARP, ICMP for the gateway)
# got exactly one answer
assert_eq "d1: one answer per frame not dropped" \
	"$(( $(jget .stats.rx_packets <<<"$st") - $(jget .stats.rx_dropped <<<"$st") ))" \
	"$(jget .stats.tx_packets <<<"$st")"
after=$(api_ok GET /v1/stats)
punted=$(( $(jq .punted <<<"$after") - $(jq .punted <<<"$drops_before") ))
[ "$punted" -ge 2 ] || fail "only $punted DHCP frames reached the DHCP server (want >= 2)"
unexpected=$(jq -r --argjson b "$drops_before" '[.drops | to_entries[]
	| select(.key != "no_dest" and .value != ($b.drops[.key] // 0))
	| "\(.key)=\(.value - ($b.drops[.key] // 0))"] | join(" ")' <<<"$after")
assert_eq "unexpected drops in the DHCP round" "" "$unexpected"
assert_eq "d1 rx_dropped = no_dest drops" \
	"$(( $(jq .drops.no_dest <<<"$after") - $(jq .drops.no_dest <<<"$drops_before") ))" \
	"$(jget .stats.rx_dropped <<<"$st")"
ok "dhcp: counters and drops (punted $punted, no_dest $(jget .stats.rx_dropped <<<"$st"))"

# ---- 3. DNS: the guest resolved the network's <dns><host> ------------------
assert_eq "vm3 nslookup $DNSNAME" "nslookup $DNSNAME ok $DNSIP" \
	"$(guest_marker vm3 "nslookup $DNSNAME ")"
dns1=$(api_ok GET /v1/networks/default | jq .network.dns.local)
[ "$((dns1 - dns0))" -ge 1 ] || fail "vnetd's DNS server answered no local query ($dns0 -> $dns1)"
ok "dns: vm3 resolved $DNSNAME to $DNSIP through the gateway ($((dns1 - dns0)) local answers)"

tl=$(guest_time vm3 'lease ')
[ -n "$tl" ] || fail "no host time for vm3's lease marker"
echo "   vm3 host times: link up $(guest_time vm3 'link up') s, lease $tl s," \
	"ping ok $(guest_time vm3 "ping $GW ok") s; round $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
echo "boot-to-lease: $(printf '%.1f' "$tl") s"

echo "PASS test_guest"
