#!/bin/bash
# Operating vnetd like libvirt: the log (lifecycle, API changes with the
# peer's uid/pid, VMM connect/disconnect by port and network name, dnsmasq's
# DHCP lines; DPDK's VHOST_CONFIG chatter gone at the default level and back
# at --log-level debug), the read-only API socket (GET yes, changes 403,
# vnetctl -r), and GET /metrics (Prometheus text format that parses and whose
# counters move with traffic and DHCP).
#
# Needs root, busybox, curl, jq, python3, ip.  Touches only the namespace and
# veth it creates (prefix $P).
. "$(dirname "$0")/lib.sh"

: "${VNETCTL:?path to the vnetctl binary}"
for b in busybox curl jq ip python3; do
	command -v $b >/dev/null || fail "$b not installed"
done
P=vh9o$(($$ % 10000))
NS=$P-ns
ops_cleanup() {
	local rc=$?
	set +e
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip link del "${P}h" 2>/dev/null
	(exit $rc)
	cleanup
}
trap ops_cleanup EXIT
RO=$T/run/vnetd-ro.sock
M1=52:54:00:78:00:01 M2=52:54:00:78:00:02 MK=52:54:00:78:00:0a

# metrics [SOCKET]: GET /metrics, checked against the text exposition format
metrics() {
	curl -sf --unix-socket "${1:-$SOCK}" http://vnetd/metrics >"$T/metrics" || fail "GET /metrics failed"
	python3 - "$T/metrics" <<'PY' || fail "/metrics does not parse: $(head -c 400 "$T/metrics")"
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
lab = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{(%s)(,%s)*\})? (-?[0-9.eE+]+|NaN|[+-]Inf)$' % (name, lab, lab))
types, helps, seen, samples = {}, set(), set(), 0
for ln in open(sys.argv[1]).read().split('\n')[:-1]:
    if ln.startswith('# HELP '):
        helps.add(ln.split(' ')[2]); continue
    if ln.startswith('# TYPE '):
        _, _, n, t = ln.split(' ')
        assert t in ('counter', 'gauge'), ln
        assert n not in types, 'TYPE twice: ' + ln
        types[n] = t; continue
    m = sample.match(ln)
    assert m, 'bad line: %r' % ln
    assert m.group(1) in types and m.group(1) in helps, 'no TYPE/HELP before: ' + ln
    assert types[m.group(1)] != 'counter' or m.group(1).endswith('_total'), ln
    key = ln.rsplit(' ', 1)[0]
    assert key not in seen, 'series twice: ' + ln
    seen.add(key); samples += 1
assert samples > 10, 'only %d samples' % samples
PY
}
mval() { # METRIC{labels} -> value from the last metrics call
	awk -v k="$1" '$1 == k { print $2 }' "$T/metrics"
}

vnetd_start
api_ok POST /v1/networks '{"xml":"<network><name>opsnet</name><ip address=\"10.78.0.1\" prefix=\"24\"><dhcp><range start=\"10.78.0.10\" end=\"10.78.0.20\"/></dhcp></ip></network>"}' >/dev/null
api_ok POST /v1/networks/opsnet/start >/dev/null
port_add v1 opsnet "\"mac\":\"$M1\""
port_add v2 opsnet "\"mac\":\"$M2\""

# --- read-only socket ---------------------------------------------------------------
[ "$(stat -c %a "$RO")" = 666 ] || fail "read-only socket mode $(stat -c %a "$RO")"
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "API socket mode $(stat -c %a "$SOCK")"
code=$(curl -s -o "$T/b" -w '%{http_code}' --unix-socket "$RO" http://vnetd/v1/networks/opsnet)
assert_eq "GET on the read-only socket" 200 "$code"
assert_eq "GET answer" opsnet "$(jq -r .network.name "$T/b")"
code=$(curl -s -o "$T/b" -w '%{http_code}' --unix-socket "$RO" -X POST http://vnetd/v1/networks/opsnet/destroy)
assert_eq "POST on the read-only socket" 403 "$code"
assert_eq "403 error code" operation-denied "$(jq -r .error.code "$T/b")"
assert_eq "403 message" "operation forbidden: read only access prevents POST /v1/networks/opsnet/destroy" \
	"$(jq -r .error.message "$T/b")"
code=$(curl -s -o "$T/b" -w '%{http_code}' --unix-socket "$RO" -X DELETE http://vnetd/v1/ports/v1)
assert_eq "DELETE on the read-only socket" 403 "$code"
code=$(curl -s -m 5 -o "$T/b" -w '%{http_code}' --unix-socket "$RO" "http://vnetd/v1/ports/v1/capture?count=1")
assert_eq "a capture on the read-only socket (guests' traffic)" 403 "$code"
assert_eq "still active after the refused destroy" true "$(api_ok GET /v1/networks/opsnet | jq -r .network.active)"
assert_eq "port still there" v1 "$(api_ok GET /v1/ports/v1 | jq -r .port.name)"
"$VNETCTL" -s "$SOCK" -r net-list --all >"$T/o" 2>&1 || fail "vnetctl -r net-list: $(cat "$T/o")"
grep -q "^ opsnet .*active" "$T/o" || fail "vnetctl -r net-list: $(cat "$T/o")"
rc=0
"$VNETCTL" -s "$SOCK" -r net-destroy opsnet >"$T/o" 2>&1 || rc=$?
assert_eq "vnetctl -r net-destroy exit" 1 "$rc"
grep -q "error: operation forbidden: read only access prevents POST" "$T/o" || fail "vnetctl -r net-destroy: $(cat "$T/o")"
ok "read-only socket"

# --- traffic, VMM connect/disconnect, metrics move ----------------------------------
metrics "$RO"
rx0=$(mval "vnetd_port_rx_packets_total{port=\"v1\",network=\"opsnet\"}")
tx0=$(mval "vnetd_port_tx_packets_total{port=\"v2\",network=\"opsnet\"}")
assert_eq "v1 rx before traffic" 0 "$rx0"
peer_start "$T/peer.out" h9ops$$ --port "v1,$(port_sock v1),$M1" --port "v2,$(port_sock v2),$M2" \
	--send "v1,$M2,37" --go-file "$T/go" --settle-ms 300
wait_connected v1 v2
touch "$T/go"
peer_wait "$T/peer.out"
metrics
assert_eq "v1 rx counts the traffic" 37 "$(mval "vnetd_port_rx_packets_total{port=\"v1\",network=\"opsnet\"}")"
assert_eq "v2 tx counts the traffic" 37 "$(mval "vnetd_port_tx_packets_total{port=\"v2\",network=\"opsnet\"}")"
assert_eq "network active gauge" 1 "$(mval "vnetd_network_active{network=\"opsnet\"}")"
[ -n "$(mval "vnetd_drops_total{reason=\"no_dest\"}")$(grep -c '^vnetd_drops_total{reason=' "$T/metrics")" ] ||
	fail "no drop counters"
for _ in $(seq 100); do grep -q "port 'v2' on network 'opsnet': VMM disconnected" "$T/vnetd.log" && break; sleep 0.1; done # the 1 s tick
ok "metrics move with traffic"

# --- DHCP through a kernel port in a namespace ---------------------------------------
ip netns add "$NS"
NETNS+=("$NS")
ip link add "${P}h" type veth peer name "${P}n"
ip link set "${P}n" netns "$NS"
ip -n "$NS" link set "${P}n" address "$MK" up
ip link set "${P}h" up
port_add k1 opsnet "\"type\":\"kernel\",\"interface\":\"${P}h\""
cat >"$T/udhcpc.sh" <<'SH'
#!/bin/sh
exit 0
SH
chmod +x "$T/udhcpc.sh"
ip netns exec "$NS" busybox udhcpc -f -q -n -i "${P}n" -s "$T/udhcpc.sh" -x hostname:h9host \
	-t 10 -T 1 -A 1 >"$T/udhcpc.log" 2>&1 || fail "udhcpc got no lease: $(cat "$T/udhcpc.log")"
IP=$(api_ok GET /v1/networks/opsnet/leases | jq -r ".leases[] | select(.[\"mac-address\"] == \"$MK\") | .[\"ip-address\"]")
[ -n "$IP" ] || fail "no lease for $MK"
metrics
assert_eq "DHCP acks" 1 "$(mval "vnetd_dhcp_replies_total{network=\"opsnet\",type=\"ack\"}")"
assert_eq "DHCP offers" 1 "$(mval "vnetd_dhcp_replies_total{network=\"opsnet\",type=\"offer\"}")"
assert_eq "DHCP leases gauge" 1 "$(mval "vnetd_dhcp_leases{network=\"opsnet\"}")"
ok "DHCP counters"

# --- the log --------------------------------------------------------------------------
L=$T/vnetd.log
want() { grep -qF -- "$1" "$L" || fail "log has no line with '$1'"; }
want "network 'opsnet' defined"
want "network 'opsnet' started"
want "port 'v1' added to network 'opsnet'"
want "port 'v1' on network 'opsnet': VMM connected"
want "port 'v2' on network 'opsnet': VMM disconnected"
want "port 'k1' added to network 'opsnet' (kernel interface ${P}h)"
grep -qE "uid 0 pid [0-9]+: POST /v1/networks/opsnet/start: 200" "$L" || fail "no API change line with the peer"
want "DHCPDISCOVER(vnet-opsnet) $MK"
want "DHCPOFFER(vnet-opsnet) $IP $MK"
want "DHCPREQUEST(vnet-opsnet) $IP $MK"
want "DHCPACK(vnet-opsnet) $IP $MK h9host"
api_ok DELETE /v1/ports/v1 >/dev/null
want "port 'v1' removed from network 'opsnet'"
api_ok POST /v1/networks/opsnet/destroy >/dev/null
want "network 'opsnet' destroyed"
n=$(grep -c VHOST_CONFIG "$L" || true)
assert_eq "VHOST_CONFIG lines at the default log level" 0 "$n"
assert_eq "EAL start-up lines at the default log level" 0 "$(grep -c '^EAL: ' "$L" || true)"
ok "log: lifecycle, API, VMM, DHCP lines; no DPDK chatter"

# --- port-add to an inactive network: libvirt's answer -------------------------------
api POST /v1/ports '{"name":"late","network":"opsnet"}' >"$T/b"
assert_eq "port-add to an inactive network" 409 "$API_STATUS"
assert_eq "its message" "Requested operation is not valid: network 'opsnet' is not active" "$(jq -r .error.message "$T/b")"

# --- --log-level debug brings DPDK's own lines back (the count above can fail) -------
api_ok POST /v1/networks/opsnet/start >/dev/null
vnetd_stop
: >"$L"
vnetd_start --log-level debug # binds v2's socket: rte_vhost's VHOST_CONFIG lines
n=$(grep -c VHOST_CONFIG "$L" || true)
[ "$n" -gt 0 ] || fail "no VHOST_CONFIG lines at --log-level debug"
ok "--log-level debug shows DPDK's $n VHOST_CONFIG lines"
