#!/bin/bash
# DNS on the gateway address (issue 11), with namespaces as guests and vnetd
# itself inside a namespace (H) so that its upstream traffic stays within
# namespaces this test creates:
#
#   ns $P-h  vnetd; veth ${P}u 10.78.9.1/24 toward the "internet"
#   ns $P-i  veth ${P}w 10.78.9.2/24; dnsmasq: the upstream DNS server
#   ns $P-a, $P-b, $P-c  guests; their veth peers (in $P-h) are kernel ports
#
# Checked: a DHCP client's resolver configuration points at the gateway
# (option 6) with the domain (option 15); its hostname resolves (and is gone
# when it releases the lease); a static <host name>, <dns><host>, SRV, TXT,
# PTR; an external name through the upstream (then from the cache); a
# localOnly domain and a <forwarder domain> without address answered
# locally, never seen upstream (tcpdump there), nor a dotless name with
# forwardPlainNames='no';
# TCP queries (dig +tcp) for local and forwarded names; net-update of
# <dns><host> live; the counters (vnetctl net-dns-stats); <dns enable='no'>:
# no answer on port 53 and no option 6.
#
# Needs root, dig (bind9-dnsutils), dnsmasq (dnsmasq-base), tcpdump,
# busybox, jq.
. "$(dirname "$0")/lib.sh"

: "${VNETCTL:?path to the vnetctl binary}"
for b in dig dnsmasq tcpdump busybox jq ip; do
	command -v $b >/dev/null || fail "$b not installed"
done

P=ha$(($$ % 1000))
H=$P-h
I=$P-i
NET=dnst
OFF=dnsoff
GW=10.79.9.1
UP=10.78.9.2

vc() { "$VNETCTL" -s "$SOCK" "$@"; }

# vnetd runs inside $H (ip netns exec execs it: the pid is vnetd's)
ip netns add "$H"
NETNS+=("$H")
ip -n "$H" link set lo up
REAL_VNETD=$VNETD
cat >"$T/vnetd-ns.sh" <<EOF
#!/bin/sh
exec ip netns exec $H "$REAL_VNETD" "\$@"
EOF
chmod +x "$T/vnetd-ns.sh"
VNETD=$T/vnetd-ns.sh

# the "internet": dnsmasq with its own records, nothing else
ip netns add "$I"
NETNS+=("$I")
ip -n "$I" link set lo up
ip link add "${P}u" netns "$H" type veth peer name "${P}w" netns "$I"
ip -n "$H" addr add 10.78.9.1/24 dev "${P}u"
ip -n "$H" link set "${P}u" up
ip -n "$I" addr add $UP/24 dev "${P}w"
ip -n "$I" link set "${P}w" up
ip netns exec "$I" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
	--listen-address=$UP --port=53 --pid-file="$T/up.pid" --log-queries --log-facility="$T/up.log" \
	--local-ttl=300 --neg-ttl=60 --local=/ext.example/ --address=/www.ext.example/198.51.100.7 --txt-record=big.ext.example,"upstream txt" \
	--address=/plain/198.51.100.9 &
PIDS+=("$!")

# guest ID MAC NETWORK: namespace $P-ID with veth ${P}IDn, host end ${P}IDh
# in $H attached to vnetd as kernel port ${P}ID
guest() {
	local ns=$P-$1 n=${P}$1n h=${P}$1h
	ip netns add "$ns"
	NETNS+=("$ns")
	ip -n "$ns" link set lo up
	ip link add "$h" netns "$H" type veth peer name "$n" netns "$ns"
	ip netns exec "$H" sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1"
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$n.disable_ipv6=1"
	ip -n "$ns" link set "$n" address "$2" up
	ip -n "$H" link set "$h" up
	port_add "${P}$1" "$3" "\"type\":\"kernel\",\"interface\":\"$h\""
}

# udhcpc script: configures the address, records "<event> <ip> dns=<dns> domain=<domain>"
cat >"$T/udhcpc.sh" <<EOF
#!/bin/sh
case "\$1" in
deconfig) ip -4 addr flush dev "\$interface" ;;
bound|renew)
	ip -4 addr show dev "\$interface" | grep -q "inet \$ip/\$mask " ||
		{ ip -4 addr flush dev "\$interface"; ip addr add "\$ip/\$mask" dev "\$interface"; } ;;
esac
echo "\$1 \${ip:-} dns=\${dns:-} domain=\${domain:-}" >>"$T/ev.\$interface"
EOF
chmod +x "$T/udhcpc.sh"

declare -A UPID
udhcpc_start() { # ID [args]
	local id=$1
	shift
	ip netns exec "$P-$id" busybox udhcpc -f -i "${P}${id}n" -s "$T/udhcpc.sh" -t 10 -T 1 -A 1 \
		"$@" >>"$T/udhcpc.$id.log" 2>&1 &
	UPID[$id]=$!
	PIDS+=("$!")
}
lease_ev() { # ID: waits for the lease, prints the event line
	local id=$1
	for _ in $(seq 300); do
		grep -m1 '^bound ' "$T/ev.${P}${id}n" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "client $id: no lease"
}

# q DIG-ARGS... ID: dig from guest ID at the gateway
q() {
	local id=${*: -1}
	ip netns exec "$P-$id" dig +time=2 +tries=2 "@$GW" "${@:1:$#-1}" 2>&1
}
qs() { q +short "$@"; }
status_of() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -1; }
stat_of() { api_ok GET /v1/networks/$NET | jq -r ".network.dns.$1"; }

vnetd_start --cpus 0,1
api_ok POST /v1/networks "{\"xml\":\"<network><name>$NET</name><bridge name='${P}br'/>\
<mac address='52:54:00:79:09:01'/><domain name='lab.test' localOnly='yes'/>\
<dns forwardPlainNames='no'><forwarder addr='$UP'/><forwarder domain='corp.test'/>\
<host ip='10.79.9.50'><hostname>printer</hostname><hostname>lp.other.test</hostname></host>\
<srv service='ldap' protocol='tcp' domain='lab.test' target='ldap.lab.test' port='389' priority='10' weight='5'/>\
<txt name='info.lab.test' value='hello world'/></dns>\
<ip address='$GW' netmask='255.255.255.0'><dhcp><range start='10.79.9.100' end='10.79.9.150'/>\
<host mac='52:54:00:79:09:30' name='fixed' ip='10.79.9.30'/></dhcp></ip></network>\"}" >/dev/null
api_ok POST /v1/networks/$NET/start >/dev/null
grep -q "not implemented by vnetd yet" "$T/vnetd.log" && fail "net-start still warns: $(grep 'not implemented' "$T/vnetd.log")"
ok "network with <dns> started without an 'unsupported' warning"

guest a 52:54:00:79:09:0a $NET
guest b 52:54:00:79:09:30 $NET # the static host 'fixed'

# 1. DHCP: options 6 and 15, the client's hostname
udhcpc_start a -x hostname:alpha
ev=$(lease_ev a)
AIP=$(echo "$ev" | awk '{print $2}')
case "$ev" in *" dns=$GW domain=lab.test") ;; *) fail "udhcpc resolver config: '$ev'" ;; esac
ok "DHCP client's resolver config points at the gateway: $ev"
udhcpc_start b
ev=$(lease_ev b)
assert_eq "static lease" 10.79.9.30 "$(echo "$ev" | awk '{print $2}')"

# 2. local names
assert_eq "lease hostname" "$AIP" "$(qs alpha.lab.test b)"
assert_eq "lease hostname, plain" "$AIP" "$(qs alpha b)"
assert_eq "static <host name>" 10.79.9.30 "$(qs fixed.lab.test a)"
assert_eq "<dns><host>" 10.79.9.50 "$(qs printer.lab.test a)"
assert_eq "<dns><host>, second name" 10.79.9.50 "$(qs lp.other.test a)"
assert_eq "SRV" "10 5 389 ldap.lab.test." "$(qs _ldap._tcp.lab.test SRV a)"
assert_eq "TXT" '"hello world"' "$(qs info.lab.test TXT a)"
assert_eq "PTR of a static host" fixed.lab.test. "$(qs -x 10.79.9.30 a)"
assert_eq "PTR of a lease" alpha.lab.test. "$(qs -x "$AIP" b)"
q fixed.lab.test a | grep -q "flags: qr aa rd ra" || fail "local answer not authoritative: $(q fixed.lab.test a)"
ok "lease hostname, static host, <dns><host>, SRV, TXT, PTR answered (authoritative)"

# 3. external names through the upstream, then the cache
assert_eq "external name" 198.51.100.7 "$(qs www.ext.example a)"
assert_eq "upstream TXT" '"upstream txt"' "$(qs big.ext.example TXT b)"
c0=$(stat_of cached)
assert_eq "external name again" 198.51.100.7 "$(qs www.ext.example b)"
[ "$(stat_of cached)" -gt "$c0" ] || fail "second query not answered from the cache"
assert_eq "unknown external name" NXDOMAIN "$(status_of nothing.ext.example a)"
ok "external names forwarded to the <forwarder>, cached"

# 4. local domains never reach the upstream
ip netns exec "$I" tcpdump -n -i "${P}w" -w "$T/up.pcap" udp port 53 or tcp port 53 2>"$T/tcpdump.log" &
TD=$!
PIDS+=("$TD")
for _ in $(seq 100); do grep -q listening "$T/tcpdump.log" && break; sleep 0.05; done
assert_eq "unknown name in the localOnly domain" NXDOMAIN "$(status_of ghost.lab.test a)"
assert_eq "<forwarder domain> without addr" NXDOMAIN "$(status_of www.corp.test a)"
assert_eq "unknown type of a local name" NOERROR "$(status_of fixed.lab.test MX a)"
assert_eq "forwardPlainNames='no': a dotless name the upstream knows" NXDOMAIN "$(status_of plain a)"
sleep 0.5
kill -INT "$TD"
wait "$TD" || true
n=$(tcpdump -n -r "$T/up.pcap" 2>/dev/null | wc -l)
assert_eq "packets the upstream saw for local names" 0 "$n"
ok "localOnly domain, <forwarder domain/>, forwardPlainNames='no' answered locally, nothing upstream"

# 5. TCP
assert_eq "TCP, local" 10.79.9.30 "$(qs +tcp fixed.lab.test a)"
assert_eq "TCP, forwarded" 198.51.100.7 "$(qs +tcp www.ext.example a)"
assert_eq "TCP, forwarded, not cached" '"upstream txt"' "$(qs +tcp +norecurse big.ext.example TXT a)"
out=$(ip netns exec "$P-a" dig +time=2 +tries=1 +tcp +keepopen +short "@$GW" fixed.lab.test printer.lab.test)
assert_eq "two queries on one TCP connection" "10.79.9.30 10.79.9.50" "$(echo $out)"
[ "$(stat_of queries_tcp)" -ge 4 ] || fail "TCP queries not counted"
ok "TCP queries (dig +tcp) answered"

# 6. net-update of <dns><host>, live
vc net-update $NET add dns-host "<host ip='10.79.9.60'><hostname>scanner</hostname></host>" --live >/dev/null
assert_eq "host added live" 10.79.9.60 "$(qs scanner.lab.test a)"
vc net-update $NET delete dns-host "<host ip='10.79.9.60'><hostname>scanner</hostname></host>" --live >/dev/null
assert_eq "host deleted live" NXDOMAIN "$(status_of scanner.lab.test a)"
ok "net-update dns-host reconfigures the running server"

# 7. the lease goes, its name goes
kill -USR2 "${UPID[a]}" # udhcpc: release
for _ in $(seq 60); do [ "$(status_of alpha.lab.test b)" = NXDOMAIN ] && break; sleep 0.1; done
assert_eq "released lease's name" NXDOMAIN "$(status_of alpha.lab.test b)"
ok "a released lease's hostname no longer resolves"

# 8. counters
vc net-dns-stats $NET >"$T/stats.out" || fail "net-dns-stats failed"
grep -q '^queries: *[1-9]' "$T/stats.out" || fail "net-dns-stats: $(cat "$T/stats.out")"
grep -q '^cache (hits): *[1-9]' "$T/stats.out" || fail "net-dns-stats cache: $(cat "$T/stats.out")"
[ "$(vc net-dns-stats $NET --json | jq -r .upstream.servers)" = 1 ] || fail "upstream servers"
curl -sf --unix-socket "$T/run/vnetd-ro.sock" http://vnetd/metrics >"$T/metrics" || fail "GET /metrics"
grep -Eq '^vnetd_dns_queries_total\{network="'$NET'",answer="local"\} [1-9]' "$T/metrics" ||
	fail "no DNS metrics: $(grep dns "$T/metrics" | head -5)"
ok "net-dns-stats: $(grep -c . "$T/stats.out") counters"

# 9. <dns enable="no">
vc net-destroy $NET >/dev/null
api_ok POST /v1/networks "{\"xml\":\"<network><name>$OFF</name><bridge name='${P}b2'/>\
<mac address='52:54:00:79:0a:01'/><dns enable='no'/>\
<ip address='10.79.10.1' netmask='255.255.255.0'><dhcp><range start='10.79.10.100' end='10.79.10.150'/></dhcp></ip></network>\"}" >/dev/null
api_ok POST /v1/networks/$OFF/start >/dev/null
guest c 52:54:00:79:0a:0c $OFF
udhcpc_start c
ev=$(lease_ev c)
case "$ev" in *" dns= domain=") ;; *) fail "<dns enable='no'>: udhcpc got '$ev'" ;; esac
out=$(ip netns exec "$P-c" dig +time=1 +tries=1 @10.79.10.1 www.ext.example 2>&1 || true)
echo "$out" | grep -q "timed out\|no servers could be reached" || fail "<dns enable='no'> answered: $out"
[ "$(api_ok GET /v1/networks/$OFF | jq -r .network.dns)" = null ] || fail "dns counters on a network without DNS"
ok "<dns enable='no'>: no option 6/15, no answer on port 53"
