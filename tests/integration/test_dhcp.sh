#!/bin/bash
# DHCP service with real clients: busybox udhcpc, ISC dhclient and dhcpcd,
# each confined to a network namespace whose veth peer is a vnetd kernel
# port.  For every client: a lease inside the range that is configured in the
# namespace and lets the gateway answer ping; exactly the fixed address for a
# static host (and nobody else ever gets it); renew keeps the address and
# moves the expiry forward; release frees the lease so the address can be
# given again; a returning client keeps its address across a vnetd restart;
# concurrent clients get distinct addresses.  The default network serves too.
#
# Needs root, busybox, dhclient, dhcpcd, jq.  Touches only the namespaces and
# veths it creates (prefix $P); every client gets private config, lease, pid
# and run files under $T and is killed on exit.
. "$(dirname "$0")/lib.sh"

: "${VNETCTL:?path to the vnetctl binary}"
for b in busybox dhclient dhcpcd jq ip python3; do
	command -v $b >/dev/null || fail "$b not installed"
done

P=vdh$(($$ % 10000)) # namespace/veth/port prefix, unique per run
NET=dhcpt
GW=10.77.0.1
FIXMAC=52:54:00:77:00:64
FIXIP=10.77.0.100  # first address of the range: reserved for the static host
DEFGW=192.168.122.1
MADE_DHCPCD_RUN=

dhcp_cleanup() {
	local rc=$?
	set +e
	[ -n "$MADE_DHCPCD_RUN" ] && rmdir /run/dhcpcd 2>/dev/null
	if [ $rc -ne 0 ]; then
		for f in "$T"/ev.* "$T"/*.log; do
			[ -f "$f" ] && [ "$f" != "$T/vnetd.log" ] && echo "--- ${f#"$T"/}: $(tail -8 "$f" | tr '\n' ';')"
		done
	fi
	(exit $rc)
	cleanup
}
trap dhcp_cleanup EXIT

# ---------------------------------------------------------------- helpers
# shellcheck disable=SC2086 # split on dots
ip2n() { local IFS=.; set -- $1; echo $(((($1 * 256 + $2) * 256 + $3) * 256 + $4)); }
in_range() { # IP LO HI
	local i
	i=$(ip2n "$1")
	[ "$i" -ge "$(ip2n "$2")" ] && [ "$i" -le "$(ip2n "$3")" ]
}
ns_of() { echo "$P-$1"; }
if_of() { echo "${P}$1n"; }

# mkns ID MAC NETWORK: namespace $P-ID holding veth ${P}IDn (MAC set), host
# end ${P}IDh attached to vnetd as kernel port ${P}ID
mkns() {
	kport_ns "$P-$1" "${P}$1n" "${P}$1h" "$2" "$3" "${P}$1"
}

set_mac() { # ID MAC
	ip -n "$(ns_of "$1")" link set "$(if_of "$1")" down
	ip -n "$(ns_of "$1")" link set "$(if_of "$1")" address "$2" up
}

mac_of() { ip -n "$(ns_of "$1")" -br link show "$(if_of "$1")" | awk '{print $3}'; }

# Client scripts append "<event> <ip>" to $T/ev.<interface>.
udhcpc_script
cat >"$T/dhclient.sh" <<EOF
#!/bin/sh
case "\$reason" in
BOUND|RENEW|REBIND|REBOOT)
	ip -4 addr show dev "\$interface" | grep -q "inet \$new_ip_address/" ||
		{ ip -4 addr flush dev "\$interface"
		  ip addr add "\$new_ip_address/\$new_subnet_mask" dev "\$interface"; } ;;
RELEASE|EXPIRE|FAIL) ip -4 addr flush dev "\$interface" ;;
esac
echo "\$reason \${new_ip_address:-\${old_ip_address:-}}" >>"$T/ev.\$interface"
EOF
cat >"$T/dhcpcd.sh" <<EOF
#!/bin/sh
echo "\$reason \${new_ip_address:-\${old_ip_address:-}}" >>"$T/ev.\$interface"
EOF
chmod +x "$T/udhcpc.sh" "$T/dhclient.sh" "$T/dhcpcd.sh"
cat >"$T/dhclient.conf" <<EOF
timeout 20;
retry 1;
initial-interval 1;
backoff-cutoff 2;
request subnet-mask, broadcast-address, routers;
EOF
# dhcpcd: our script replaces the system hooks (so nothing touches
# resolv.conf, hostname, ntp...); dhcpcd itself configures the address.
cat >"$T/dhcpcd.conf" <<EOF
script $T/dhcpcd.sh
nohook resolv.conf
ipv4only
noipv4ll
noipv6rs
noarp
nodelay
timeout 20
EOF

ev_mark() { # ID -> number of events so far
	local f
	f=$T/ev.$(if_of "$1")
	if [ -f "$f" ]; then wc -l <"$f"; else echo 0; fi
}

# ev_wait ID AFTER REGEX [SECS]: first event after line AFTER matching REGEX;
# prints its address
ev_wait() {
	local f l
	f=$T/ev.$(if_of "$1")
	for _ in $(seq $((${4:-15} * 20))); do
		l=$(tail -n +$(($2 + 1)) "$f" 2>/dev/null | grep -E -m1 "^($3) " || true)
		[ -n "$l" ] && { echo "${l#* }"; return 0; }
		sleep 0.05
	done
	fail "client $1: no '$3' event (events: $(tr '\n' ';' 2>/dev/null <"$f"))"
}

# udhcpc in the foreground (of a background job)
declare -A UPID
udhcpc_start() { # ID [udhcpc args]
	local id=$1
	shift
	ip netns exec "$(ns_of "$id")" busybox udhcpc -f -i "$(if_of "$id")" -s "$T/udhcpc.sh" \
		-t 10 -T 1 -A 1 "$@" >>"$T/udhcpc.$id.log" 2>&1 &
	UPID[$id]=$!
	PIDS+=("$!")
}
udhcpc_stop() { # ID: SIGTERM, no release
	kill "${UPID[$1]}"
	wait "${UPID[$1]}" || true
}

dhclient_run() { # ID [dhclient args]: -1, returns once bound (then daemon)
	local id=$1
	shift
	ip netns exec "$(ns_of "$id")" dhclient -4 -cf "$T/dhclient.conf" -lf "$T/dhclient.$id.leases" \
		-pf "$T/dhclient.$id.pid" -sf "$T/dhclient.sh" "$@" "$(if_of "$id")" \
		>>"$T/dhclient.$id.log" 2>&1 || fail "dhclient $* on $id exited with $?: $(tail -3 "$T/dhclient.$id.log")"
}

# dhcpcd with private run and db dirs: bind-mounted over /run/dhcpcd and
# /var/lib/dhcpcd inside the mount namespace 'ip netns exec' makes
if [ ! -d /run/dhcpcd ]; then
	mkdir /run/dhcpcd
	MADE_DHCPCD_RUN=1
fi
dhcpcd_run() { # ID [dhcpcd args]
	local id=$1 d=$T/dhcpcd.$1
	shift
	mkdir -p "$d/run" "$d/db"
	# shellcheck disable=SC2016 # expanded by the inner sh
	ip netns exec "$(ns_of "$id")" sh -c 'd=$1; shift
		mount --bind "$d/run" /run/dhcpcd && mount --bind "$d/db" /var/lib/dhcpcd &&
		exec dhcpcd -f "$@"' sh "$d" "$T/dhcpcd.conf" -4 "$@" "$(if_of "$id")" \
		>>"$T/dhcpcd.$id.log" 2>&1 || fail "dhcpcd $* on $id exited with $?: $(tail -3 "$T/dhcpcd.$id.log")"
}

lease() { # NETWORK MAC -> "ip expiry" (empty when none)
	api_ok GET "/v1/networks/$1/leases?mac=$2" |
		jq -r '.leases[] | "\(.["ip-address"]) \(.["expiry-time"])"'
}

has_addr() { # ID IP
	ip -n "$(ns_of "$1")" -4 -o addr show dev "$(if_of "$1")" | grep -q "inet $2/24 "
}

# the fixed address never belongs to another MAC; no address is leased twice
check_leases() {
	local l
	l=$(api_ok GET "/v1/networks/$NET/leases")
	assert_eq "fixed address held only by $FIXMAC" "" \
		"$(jq -r --arg ip $FIXIP --arg m $FIXMAC \
			'.leases[] | select(.["ip-address"]==$ip and .["mac-address"]!=$m) | .["mac-address"]' <<<"$l")"
	assert_eq "no address leased twice" "" \
		"$(jq -r '[.leases[]["ip-address"]] | group_by(.)[] | select(length>1)[0]' <<<"$l")"
}

# bound ID IP NETWORK GATEWAY LO HI: lease in range, in the API for the
# client's MAC, configured in the namespace, gateway answers ping
check_bound() {
	local id=$1 ip=$2 mac
	mac=$(mac_of "$id")
	in_range "$ip" "$5" "$6" || fail "client $id: $ip outside $5-$6"
	assert_eq "client $id lease in the API" "$ip" "$(lease "$3" "$mac" | cut -d' ' -f1)"
	has_addr "$id" "$ip" || fail "client $id: $ip not configured: $(ip -n "$(ns_of "$id")" -4 -o addr)"
	ip netns exec "$(ns_of "$id")" busybox ping -c 1 -W 2 "$4" >/dev/null ||
		ip netns exec "$(ns_of "$id")" busybox ping -c 1 -W 2 "$4" >/dev/null ||
		fail "client $id ($ip): gateway $4 does not answer ping"
}
dyn_bound() { # ID IP
	[ "$2" != "$FIXIP" ] || fail "client $1 ($(mac_of "$1")) got the static host's address"
	check_bound "$1" "$2" $NET $GW 10.77.0.100 10.77.0.199
}

wait_lease_gone() { # NETWORK MAC
	for _ in $(seq 60); do
		[ -z "$(lease "$1" "$2")" ] && return 0
		sleep 0.05
	done
	fail "lease of $2 still in the API after release: $(lease "$1" "$2")"
}

# ------------------------------------------------------------------ setup
vnetd_start
assert_eq "default network active" true "$(api_ok GET /v1/networks/default | jget .network.active)"
api_ok POST /v1/networks "{\"xml\":\"<network><name>$NET</name><bridge name='vnbrdt'/>\
<ip address='$GW' netmask='255.255.255.0'><dhcp>\
<range start='10.77.0.100' end='10.77.0.199'><lease expiry='2' unit='minutes'/></range>\
<host mac='$FIXMAC' name='fixed' ip='$FIXIP'/>\
</dhcp></ip></network>\"}" >/dev/null
api_ok POST /v1/networks/$NET/start >/dev/null

# u: udhcpc, d: dhclient, c: dhcpcd, x and y*: more udhcpc, f: the static
# host (every client in turn), g: udhcpc on the default network
mkns u 52:54:00:77:01:01 $NET
mkns d 52:54:00:77:01:02 $NET
mkns c 52:54:00:77:01:03 $NET
mkns x 52:54:00:77:01:04 $NET
mkns y1 52:54:00:77:01:05 $NET
mkns y2 52:54:00:77:01:06 $NET
mkns f $FIXMAC $NET
mkns g 52:54:00:77:01:07 default
wait_connected "${P}u" "${P}d" "${P}c" "${P}x" "${P}y1" "${P}y2" "${P}f" "${P}g"
ok "namespaces and kernel ports"

# ------------------------------------- concurrent leases, all three clients
declare -A IP
udhcpc_start u -x hostname:uclient
udhcpc_start x -r $FIXIP # asks for the static host's address
udhcpc_start y1
udhcpc_start y2
udhcpc_start g
dhclient_run d &
DHC=$!
dhcpcd_run c -w &
DCC=$!
wait $DHC || fail "dhclient did not get a lease"
wait $DCC || fail "dhcpcd did not get a lease"
IP[u]=$(ev_wait u 0 bound)
IP[d]=$(ev_wait d 0 'BOUND|REBOOT')
IP[c]=$(ev_wait c 0 BOUND)
IP[x]=$(ev_wait x 0 bound)
IP[y1]=$(ev_wait y1 0 bound)
IP[y2]=$(ev_wait y2 0 bound)
IP[g]=$(ev_wait g 0 bound)
for id in u d c x y1 y2; do dyn_bound $id "${IP[$id]}"; done
check_bound g "${IP[g]}" default $DEFGW 192.168.122.2 192.168.122.254
assert_eq "distinct addresses for concurrent clients" 6 \
	"$(printf '%s\n' "${IP[u]}" "${IP[d]}" "${IP[c]}" "${IP[x]}" "${IP[y1]}" "${IP[y2]}" | sort -u | wc -l)"
assert_eq "hostname in the lease" uclient \
	"$(api_ok GET "/v1/networks/$NET/leases?mac=52:54:00:77:01:01" | jq -r '.leases[0].hostname')"
check_leases
for id in x y1 y2 g; do udhcpc_stop $id; done
ok "leases: udhcpc ${IP[u]} dhclient ${IP[d]} dhcpcd ${IP[c]}, default network ${IP[g]}"

# ------------------------------------------------------------------ renew
declare -A EXP M
for id in u d c; do EXP[$id]=$(lease $NET "$(mac_of $id)" | cut -d' ' -f2); done
sleep 1.5
for id in u d c; do M[$id]=$(ev_mark $id); done
kill -USR1 "${UPID[u]}"                          # udhcpc: renew (unicast)
dhcpcd_run c -N                                  # dhcpcd: renew (unicast)
dhclient_run d -x && dhclient_run d -1           # dhclient: rerun (INIT-REBOOT)
assert_eq "udhcpc renew keeps the address" "${IP[u]}" "$(ev_wait u "${M[u]}" renew)"
assert_eq "dhclient renew keeps the address" "${IP[d]}" "$(ev_wait d "${M[d]}" 'REBOOT|BOUND|RENEW')"
assert_eq "dhcpcd renew keeps the address" "${IP[c]}" "$(ev_wait c "${M[c]}" 'RENEW|BOUND|REBIND')"
for id in u d c; do
	l=$(lease $NET "$(mac_of $id)")
	assert_eq "client $id lease after renew" "${IP[$id]}" "${l% *}"
	[ "${l#* }" -gt "${EXP[$id]}" ] || fail "client $id: expiry did not move forward (${EXP[$id]} -> ${l#* })"
	has_addr $id "${IP[$id]}" || fail "client $id: address gone after renew"
done
check_leases
ok "renew keeps the address and extends the lease"

# ---------------------------------------------- restart: returning clients
# stop every client without releasing and forget the clients' own lease
# state, so each comes back with a plain DISCOVER
udhcpc_stop u
dhclient_run d -x
dhcpcd_run c -x
rm -f "$T/dhclient.d.leases" "$T"/dhcpcd.c/db/*.lease
for id in u d c; do
	ip -n "$(ns_of $id)" -4 addr flush dev "$(if_of $id)"
	assert_eq "client $id lease kept without release" "${IP[$id]}" \
		"$(lease $NET "$(mac_of $id)" | cut -d' ' -f1)"
done
vnetd_stop
vnetd_start
wait_connected "${P}u" "${P}d" "${P}c" "${P}x" "${P}y1" "${P}y2" "${P}f" "${P}g"
assert_eq "$NET active after restart" true "$(api_ok GET /v1/networks/$NET | jget .network.active)"
for id in u d c; do
	assert_eq "client $id lease after restart" "${IP[$id]}" "$(lease $NET "$(mac_of $id)" | cut -d' ' -f1)"
	M[$id]=$(ev_mark $id)
done
udhcpc_start u
dhclient_run d -1 &
DHC=$!
dhcpcd_run c -w &
DCC=$!
wait $DHC || fail "dhclient did not get a lease after restart"
wait $DCC || fail "dhcpcd did not get a lease after restart"
assert_eq "udhcpc returns to its address" "${IP[u]}" "$(ev_wait u "${M[u]}" bound)"
assert_eq "dhclient returns to its address" "${IP[d]}" "$(ev_wait d "${M[d]}" BOUND)"
assert_eq "dhcpcd returns to its address" "${IP[c]}" "$(ev_wait c "${M[c]}" BOUND)"
for id in u d c; do dyn_bound $id "${IP[$id]}"; done
check_leases
ok "returning clients keep their addresses across a restart"

# ----------------------------------------------------------------- release
for id in u d c; do M[$id]=$(ev_mark $id); done
kill -USR2 "${UPID[u]}"  # udhcpc: release, deconfigure, stay idle
dhclient_run d -r
dhcpcd_run c -k
ev_wait u "${M[u]}" deconfig >/dev/null
udhcpc_stop u
for id in u d c; do
	wait_lease_gone $NET "$(mac_of $id)"
	has_addr $id "${IP[$id]}" && fail "client $id: ${IP[$id]} still configured after release"
done
# each released address can be given again: a new client asks for it
n=0
for id in u d c; do
	n=$((n + 1))
	set_mac x 52:54:00:77:02:0$n
	m=$(ev_mark x)
	udhcpc_start x -r "${IP[$id]}"
	assert_eq "released ${IP[$id]} given again" "${IP[$id]}" "$(ev_wait x "$m" bound)"
	dyn_bound x "${IP[$id]}"
	udhcpc_stop x
done
check_leases
ok "release frees the lease; the address is given again"

# ------------------------------------------- static host, with each client
m=$(ev_mark f)
udhcpc_start f
assert_eq "udhcpc static host" $FIXIP "$(ev_wait f "$m" bound)"
check_bound f $FIXIP $NET $GW $FIXIP $FIXIP
m=$(ev_mark f)
kill -USR2 "${UPID[f]}"
ev_wait f "$m" deconfig >/dev/null
udhcpc_stop f
wait_lease_gone $NET $FIXMAC

m=$(ev_mark f)
dhclient_run f -1
assert_eq "dhclient static host" $FIXIP "$(ev_wait f "$m" 'BOUND|REBOOT')"
check_bound f $FIXIP $NET $GW $FIXIP $FIXIP
dhclient_run f -r
wait_lease_gone $NET $FIXMAC

m=$(ev_mark f)
dhcpcd_run f -w
assert_eq "dhcpcd static host" $FIXIP "$(ev_wait f "$m" BOUND)"
check_bound f $FIXIP $NET $GW $FIXIP $FIXIP
check_leases
dhcpcd_run f -k
wait_lease_gone $NET $FIXMAC

# free again, still not given to anybody else
set_mac x 52:54:00:77:02:09
m=$(ev_mark x)
udhcpc_start x -r $FIXIP
dyn_bound x "$(ev_wait x "$m" bound)"
udhcpc_stop x
check_leases
ok "static host gets exactly $FIXIP with every client; nobody else does"

# --------------------------------------------------------------- hardening
RAW=$(dirname "$0")/dhcpraw.py
raw() { # ID ARGS...: dhcpraw.py on the client end of namespace ID
	local id=$1
	shift
	ip netns exec "$(ns_of "$id")" python3 "$RAW" "$(if_of "$id")" "$@"
}
dstat() { # COUNTER: one of the network's DHCP counters
	local v
	v=$(api_ok GET /v1/networks/$NET | jq -r ".network.dhcp.$1")
	[ "$v" != null ] || fail "no DHCP counter '$1' in GET /v1/networks/$NET"
	echo "$v"
}

# siaddr is the server (the gateway), as dnsmasq sends it
set_mac x 52:54:00:77:03:01
o=$(raw x offer)
assert_eq "OFFER siaddr" "$GW" "${o#* }"
in_range "${o% *}" 10.77.0.100 10.77.0.199 || fail "OFFER yiaddr ${o% *}"
ok "OFFER to ${o% *}: siaddr $GW"

# malformed frames and the per-client rate limiter are counted
m0=$(dstat malformed)
r0=$(dstat rate_limited)
raw x malformed 10
raw x same 40
sleep 0.5
m1=$(dstat malformed)
r1=$(dstat rate_limited)
[ $((m1 - m0)) -eq 10 ] || fail "malformed DHCP counted $((m1 - m0)) of 10 ($(api_ok GET /v1/networks/$NET | jq -c .network.dhcp.drops))"
[ $((r1 - r0)) -ge 15 ] || fail "40 DISCOVERs of one client: $((r1 - r0)) rate-limited (burst is 20)"
"$VNETCTL" -s "$SOCK" net-dhcp-stats $NET >"$T/dstats" || fail "vnetctl net-dhcp-stats failed"
grep -Eq "^Malformed: +$m1$" "$T/dstats" || fail "vnetctl net-dhcp-stats: $(tr '\n' ';' <"$T/dstats")"
grep -Eq "^Rate limited: +$r1$" "$T/dstats" || fail "vnetctl net-dhcp-stats: $(tr '\n' ';' <"$T/dstats")"
ok "malformed ($((m1 - m0))) and rate-limited ($((r1 - r0))) DHCP counted, in the API and vnetctl"

# DHCP and ARP for the gateway from multicast/zero source MACs: dropped as
# src_mcast, never answered
s0=$(api_ok GET /v1/stats | jq .drops.src_mcast)
rx0=$(dstat received)
n=$(raw x mcast-src $GW)
assert_eq "replies to multicast/zero sources" 0 "$n"
s1=$(api_ok GET /v1/stats | jq .drops.src_mcast)
[ $((s1 - s0)) -ge 6 ] || fail "src_mcast drops: $((s1 - s0)) of 6"
assert_eq "DHCP from bad sources never reaches the server" "$rx0" "$(dstat received)"
ok "DHCP/ARP from multicast or zero source MACs dropped as src_mcast ($((s1 - s0)))"

# 300 DISCOVERs with random chaddr from one port (never followed up) do not
# lock a new client out of the pool
n0=$(dstat no_address)
o0=$(dstat offers)
raw x burst 300
sleep 0.5
o=$(($(dstat offers) - o0))
assert_eq "DISCOVERs of the burst left without an address" 0 $(($(dstat no_address) - n0))
set_mac y1 52:54:00:77:03:02
o1=$(raw y1 offer)
[ "$o1" != none ] || fail "right after the burst ($o of 300 offered), a new client gets no OFFER"
m=$(ev_mark y1)
udhcpc_start y1
ip1=$(ev_wait y1 "$m" bound)
dyn_bound y1 "$ip1"
udhcpc_stop y1
check_leases
ok "after a burst of 300 DISCOVERs ($o offered) a new client is offered ${o1% *} and gets $ip1"

# <ip> without <dhcp>: the guests' DHCP is switched to the other ports (to a
# DHCP server a guest runs), as a Linux bridge would
api_ok POST /v1/networks "{\"xml\":\"<network><name>h3nodhcp</name><bridge name='vnbrnd'/>\
<ip address='10.78.0.1' netmask='255.255.255.0'/></network>\"}" >/dev/null
api_ok POST /v1/networks/h3nodhcp/start >/dev/null
mkns na 52:54:00:78:00:01 h3nodhcp
mkns nb 52:54:00:78:00:02 h3nodhcp
wait_connected "${P}na" "${P}nb"
raw nb listen 3 >"$T/listen.out" &
L=$!
for _ in $(seq 40); do grep -q listening "$T/listen.out" && break; sleep 0.05; done
raw na discover
wait $L || true
grep -q "discover 52:54:00:78:00:01" "$T/listen.out" ||
	fail "a DISCOVER on a network without <dhcp> did not reach the other port: $(cat "$T/listen.out")"
ok "a network with <ip> but no <dhcp> switches DHCP between guests"

echo "PASS test_dhcp"
