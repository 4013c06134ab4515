#!/bin/bash
# NAT to the uplink (forward mode 'nat'), vnetd inside a namespace standing
# for the host (lib_l3.sh):
#  - a guest gets a DHCP lease (router = the gateway) and fetches a file
#    over HTTP from a server in the "internet" namespace;
#  - tcpdump in the internet namespace sees only the uplink address as
#    source, TCP/UDP source ports inside the network's <nat><port> range;
#  - ping through NAT; UDP to a closed port there returns ICMP port
#    unreachable to the guest (the error translated back);
#  - the host namespace's own connections over the uplink keep working
#    while NAT runs (the XDP program passes what is not vnetd's);
#  - conntrack-list shows the sessions (an open TCP connection
#    ESTABLISHED, translated to the uplink address), conntrack-flush empties it;
#  - a new connection from the internet to the uplink address is not let in.
. "$(dirname "$0")/lib_l3.sh"
: "${VNETCTL:?path to the vnetctl binary}"
vc() { "$VNETCTL" -s "$SOCK" "$@"; }

NET=nat-he
GW=192.168.150.1
PMIN=20000 PMAX=20999

vnetd_l3_start --no-default-network
l3_net $NET "<network><name>$NET</name><forward mode='nat'><nat><port start='$PMIN' end='$PMAX'/></nat></forward>\
<bridge name='vhe$$'/><ip address='$GW' netmask='255.255.255.0'><dhcp><range start='192.168.150.100' end='192.168.150.199'/></dhcp></ip></network>"
grep -q "no uplink yet" "$T/vnetd.log" && fail "net-start still warns about the uplink: $(grep 'no uplink' "$T/vnetd.log")"
l3_guest 1 52:54:00:15:00:01 $NET
GIP=$(l3_dhcp 1)
[[ $GIP == 192.168.150.1[0-9][0-9] ]] || fail "lease $GIP outside the range"
assert_eq "guest's default route" "default via $GW dev eth0" "$(ip -n "$(gns 1)" route show default | awk '{print $1,$2,$3,$4,$5}')"
ok "guest 1 leased $GIP, default via $GW"

mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/blob"
l3_http_server "$INS" "$REMOTE" 8000 "$T/www"
l3_udp_server "$INS" "$REMOTE" 7000
l3_capture "$INS" in0 "$T/inet.pcap" ip

# ----------------------------------------------------------- through NAT
ing 1 curl -sf --max-time 20 -o "$T/got" "http://$REMOTE:8000/blob" || fail "guest: HTTP fetch through NAT failed"
cmp -s "$T/got" "$T/www/blob" || fail "guest: the fetched file differs"
ing 1 timeout 20 busybox wget -q -O "$T/got2" "http://$REMOTE:8000/blob" || fail "guest: busybox wget through NAT failed"
cmp -s "$T/got2" "$T/www/blob" || fail "guest: the file busybox wget fetched differs"
ok "HTTP (300 KB, curl and busybox wget) through NAT"
grep -q "^$UPLINK_IP " "$T/http.$INS.8000.log" || fail "the server saw no request from $UPLINK_IP: $(tail -3 "$T/http.$INS.8000.log")"
grep -q "^$GIP " "$T/http.$INS.8000.log" && fail "the server saw the guest's own address"

out=$(ing 1 busybox ping -c 3 -W 2 "$REMOTE") || fail "guest: ping $REMOTE through NAT: $out"
grep -q "3 packets received" <<<"$out" || fail "ping: $out"
ok "ping through NAT"

out=$(ing 1 $L3PY udp-ask "$REMOTE" 7000 hello) || fail "guest: UDP through NAT: $out"
[[ $out == "echo hello from $UPLINK_IP:"* ]] || fail "UDP answer: $out"
usport=${out##*:}
[ "$usport" -ge $PMIN ] && [ "$usport" -le $PMAX ] || fail "UDP source port $usport outside $PMIN-$PMAX"
out=$(ing 1 $L3PY udp-closed "$REMOTE" 7999) || fail "guest: UDP to a closed port: $out (no ICMP port unreachable)"
ok "UDP through NAT (seen from $UPLINK_IP:$usport); a closed port answers ICMP port unreachable to the guest"

# an open connection: ESTABLISHED in conntrack-list
ing 1 $L3PY tcp-hold "$REMOTE" 8000 30 "$T/hold" >"$T/hold.log" 2>&1 &
HOLD=$!
PIDS+=("$HOLD")
waitfile "$T/hold" "the held TCP connection"
read -r _ hport <"$T/hold"
l3_capture_stop

# --------------------------------------------------- what the internet saw
tcpdump -nn -t -r "$T/inet.pcap" 2>/dev/null >"$T/inet.txt"
[ -s "$T/inet.txt" ] || fail "nothing captured on in0"
# frames towards the internet: "IP SRC.SPORT > DST.DPORT: ..." (ICMP: "IP SRC > DST: ICMP")
awk -v r="$REMOTE" '$3 == ">" && index($4, r) == 1' "$T/inet.txt" >"$T/out.txt"
[ "$(wc -l <"$T/out.txt")" -gt 50 ] || fail "only $(wc -l <"$T/out.txt") packets towards $REMOTE captured"
bad=$(awk -v u="$UPLINK_IP" '{ s = $2; if (split(s, a, ".") == 5) s = a[1] "." a[2] "." a[3] "." a[4]; if (s != u) print }' "$T/out.txt" | head -3)
[ -z "$bad" ] || fail "packets towards the internet with another source than $UPLINK_IP: $bad"
grep -q "192\.168\.150\." "$T/inet.txt" && fail "a guest address leaked to the internet: $(grep -m2 '192\.168\.150\.' "$T/inet.txt")"
ports=$(awk '{ if (split($2, a, ".") == 5) print a[5] }' "$T/out.txt" | sort -un)
[ -n "$ports" ] || fail "no TCP/UDP source ports seen"
for p in $ports; do
	[ "$p" -ge $PMIN ] && [ "$p" -le $PMAX ] || fail "source port $p outside <nat><port> $PMIN-$PMAX"
done
grep -q "ICMP echo request" "$T/out.txt" || fail "no ICMP echo request captured"
ok "the internet saw only $UPLINK_IP, source ports $(head -1 <<<"$ports")..$(tail -1 <<<"$ports") (in $PMIN-$PMAX)"

# ---------------------------------------------------- conntrack-list
rows=$(ct_rows $NET)
echo "$rows" | sed 's/^/   ct| /' | head -10
grep -Eq "^tcp ESTABLISHED $GIP:$hport $REMOTE:8000 $UPLINK_IP:[0-9]+$" <<<"$rows" ||
	fail "no ESTABLISHED session for the held connection ($GIP:$hport): $rows"
grep -Eq "^udp [A-Z_]+ $GIP:[0-9]+ $REMOTE:7000 $UPLINK_IP:$usport$" <<<"$rows" ||
	fail "no UDP session to $REMOTE:7000 translated to $UPLINK_IP:$usport: $rows"
grep -Eq "^icmp [A-Z_]+ $GIP:" <<<"$rows" || fail "no ICMP session: $rows"
table=$(vc conntrack-list $NET) || fail "vnetctl conntrack-list: $table"
grep -Eq "^ $NET +tcp +ESTABLISHED +$GIP +$REMOTE +$hport +8000 +$UPLINK_IP:[0-9]+ +[0-9]+ +[0-9]+/[0-9]+ +[0-9]+/[0-9]+$" <<<"$table" ||
	fail "vnetctl conntrack-list: no ESTABLISHED row: $table"
grep -Eq "^[0-9]+ session\(s\): .*ESTABLISHED [0-9]+" <<<"$table" || fail "conntrack-list counts: $(tail -2 <<<"$table")"
j=$(vc conntrack-list $NET --json)
[ "$(jq '.counts.ESTABLISHED' <<<"$j")" -ge 1 ] || fail "counts.ESTABLISHED: $(jq -c .counts <<<"$j")"
assert_eq "total = rows" "$(jq '.conntrack | length' <<<"$j")" "$(jq .total <<<"$j")"
ok "conntrack-list shows the sessions ($(jq -c '.counts | with_entries(select(.value > 0))' <<<"$j"))"

# ----------------------- the host's own traffic over the same uplink
out=$(inh curl -sf --max-time 10 -o /dev/null -w '%{http_code}' "http://$REMOTE:8000/blob") ||
	fail "the host namespace's own HTTP over the uplink failed while NAT runs"
assert_eq "host's own fetch" 200 "$out"
inh busybox ping -c 2 -W 2 "$REMOTE" >/dev/null || fail "the host namespace's own ping over the uplink failed"
out=$(inh $L3PY udp-ask "$REMOTE" 7000 host) || fail "the host's own UDP: $out"
[[ $out == "echo host from $UPLINK_IP:"* ]] || fail "host's UDP answer: $out"
ok "the host's own TCP, ICMP and UDP over the uplink keep working"

# nothing comes in uninvited: a new connection from the internet to the
# uplink address reaches no guest
ing 1 python3 -m http.server 8081 --bind 0.0.0.0 >/dev/null 2>&1 &
PIDS+=("$!")
sleep 0.5
out=$(ini $L3PY tcp-try "$UPLINK_IP" 8081) && fail "a connection from the internet reached the guest: $out"
ok "no inbound connection without a port forward ($out)"

# ---------------------------------------------------- conntrack-flush
kill "$HOLD" 2>/dev/null || true
out=$(vc conntrack-flush $NET) || fail "conntrack-flush: $out"
[[ $out =~ ^([0-9]+)\ session\(s\)\ flushed ]] || fail "conntrack-flush output: $out"
[ "${BASH_REMATCH[1]}" -ge 2 ] || fail "conntrack-flush removed ${BASH_REMATCH[1]} sessions"
n=$(api_ok GET "/v1/conntrack?network=$NET" | jq .total)
[ "$n" -le 2 ] || fail "$n sessions left after the flush"
# and NAT still works for new connections
ing 1 curl -sf --max-time 10 -o /dev/null "http://$REMOTE:8000/blob" || fail "HTTP after the flush"
ok "conntrack-flush emptied the table; new connections work"

echo "PASS test_nat"
