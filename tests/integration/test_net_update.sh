#!/bin/bash
# vnetctl net-update (virsh's syntax and libvirt 9.0's semantics) against a
# running network with connected clients, each a busybox udhcpc in its own
# namespace behind a vnetd kernel port:
#  - ip-dhcp-host add/modify/delete --live: the client, renewing (SIGUSR1),
#    is NAKed and then bound to the new static address at once, or back to a
#    dynamic one; the network is never restarted and the port stays up;
#  - ip-dhcp-range add-first/delete: a removed range stops being offered
#    (its client moves into the remaining range);
#  - dns-host, dns-txt, dns-srv, forward-interface, portgroup: every
#    command, through net-dumpxml (live and --inactive);
#  - --live / --config / --current and virsh's messages, libvirt's errors
#    (duplicates, no match, refused sections), the XML given as a file;
#  - --config updates survive a vnetd restart, the live state too.
# Needs root, busybox, jq, ip, curl.  Namespaces/veths: prefix $P (h7).
. "$(dirname "$0")/lib.sh"

: "${VNETCTL:?path to the vnetctl binary}"
for b in busybox jq ip curl; do
	command -v $b >/dev/null || fail "$b not installed"
done

P=h7u$(($$ % 10000))
NET=updnet
MACA=52:54:00:78:00:0a
MACB=52:54:00:78:00:0b

upd_cleanup() {
	local rc=$?
	set +e
	if [ $rc -ne 0 ]; then
		for f in "$T"/ev.* "$T"/udhcpc.*.log; do
			[ -f "$f" ] && echo "--- ${f#"$T"/}: $(tail -8 "$f" | tr '\n' ';')"
		done
	fi
	(exit $rc)
	cleanup
}
trap upd_cleanup EXIT

vc() { "$VNETCTL" -s "$SOCK" "$@"; }

# ID MAC: namespace $P-ID, veth ${P}IDn inside, ${P}IDh as kernel port ${P}ID
mkns() {
	kport_ns "$P-$1" "${P}$1n" "${P}$1h" "$2" "$NET" "${P}$1"
}

udhcpc_script

declare -A UPID
udhcpc_start() { # ID
	ip netns exec "$P-$1" busybox udhcpc -f -i "${P}$1n" -s "$T/udhcpc.sh" \
		-t 10 -T 1 -A 1 >>"$T/udhcpc.$1.log" 2>&1 &
	UPID[$1]=$!
	PIDS+=("$!")
}
ev_mark() { local f=$T/ev.${P}$1n; if [ -f "$f" ]; then wc -l <"$f"; else echo 0; fi; }
ev_wait() { # ID AFTER REGEX: address of the first matching event after line AFTER
	local f=$T/ev.${P}$1n l
	for _ in $(seq 300); do
		l=$(tail -n +$(($2 + 1)) "$f" 2>/dev/null | grep -E -m1 "^($3) " || true)
		[ -n "$l" ] && { echo "${l#* }"; return 0; }
		sleep 0.05
	done
	fail "client $1: no '$3' event (events: $(tr '\n' ';' 2>/dev/null <"$f"))"
}
# renew ID: the client renews now (busybox udhcpc: SIGUSR1) and prints the
# address it holds afterwards: an ACK is a "renew" event; a NAK ("nak",
# "deconfig") makes it start over, up to a new "bound"
renew() {
	local m e
	m=$(ev_mark "$1")
	kill -USR1 "${UPID[$1]}"
	e=$(ev_wait "$1" "$m" "renew|nak|deconfig|bound" >/dev/null; tail -n +$((m + 1)) "$T/ev.${P}$1n" | grep -E -m1 '^(renew|nak|deconfig|bound) ')
	case "$e" in
	renew*|bound*) echo "${e#* }" ;;
	*) ev_wait "$1" "$m" bound ;;
	esac
}
has_addr() { ip -n "$P-$1" -4 -o addr show dev "${P}$1n" | grep -q "inet $2/24 "; }
lease_of() { api_ok GET "/v1/networks/$NET/leases?mac=$1" | jq -r '.leases[0]["ip-address"] // empty'; }
xml_live() { vc net-dumpxml $NET; }
xml_cfg() { vc net-dumpxml $NET --inactive; }
# expect_out "what" EXPECTED CMD...: stdout of a successful vnetctl
expect_out() {
	local what=$1 want=$2 got
	shift 2
	got=$(vc "$@") || fail "$what: vnetctl $* failed"
	assert_eq "$what" "$want" "$got"
}
# expect_err "what" EXPECTED_STDERR CMD...: a failing vnetctl and its stderr
expect_err() {
	local what=$1 want=$2
	shift 2
	if vc "$@" >"$T/out" 2>"$T/err"; then fail "$what: vnetctl $* succeeded"; fi
	assert_eq "$what" "$want" "$(cat "$T/err")"
}
# state of the ports and the network: nothing was restarted or dropped
still_up() {
	[ "$(vc net-info $NET --json | jq -r .network.active)" = true ] || fail "$NET is not active"
	for id in "$@"; do
		[ "$(api_ok GET "/v1/ports/${P}$id" | jget .port.connected)" = true ] ||
			fail "port ${P}$id is no longer connected"
	done
}

vnetd_start
cat >"$T/net.xml" <<EOF
<network>
  <name>$NET</name>
  <forward mode='nat'/>
  <bridge name='h7upd0'/>
  <ip address='10.78.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.78.0.100' end='10.78.0.150'/>
    </dhcp>
  </ip>
</network>
EOF
vc net-define "$T/net.xml" >/dev/null || fail "net-define"
vc net-start $NET >/dev/null 2>&1 || fail "net-start"
mkns a $MACA
mkns b $MACB
udhcpc_start a
udhcpc_start b
A0=$(ev_wait a 0 bound)
B0=$(ev_wait b 0 bound)
case "$A0 $B0" in 10.78.0.1[0-5]?" "10.78.0.1[0-5]?) ;; *) fail "first leases: $A0 $B0" ;; esac
ok "clients bound in the range: $A0 $B0"

# ---------------------------------------------------------------- ip-dhcp-host
expect_out "add host" "Updated network $NET persistent config and live state" \
	net-update $NET add ip-dhcp-host "<host mac='$MACA' name='vma' ip='10.78.0.20'/>" --live --config
xml_live | grep -q "<host mac='$MACA' name='vma' ip='10.78.0.20'/>" || fail "live XML lacks the host"
xml_cfg | grep -q "<host mac='$MACA' name='vma' ip='10.78.0.20'/>" || fail "inactive XML lacks the host"
A1=$(renew a)
assert_eq "client a after add ip-dhcp-host" 10.78.0.20 "$A1"
has_addr a 10.78.0.20 || fail "client a does not hold 10.78.0.20"
assert_eq "lease of a" 10.78.0.20 "$(lease_of $MACA)"
still_up a b
ok "add ip-dhcp-host --live --config: the client got its static address at once"

expect_err "duplicate host" "error: Failed to update network $NET
error: Requested operation is not valid: there is an existing dhcp host entry in network '$NET' that matches \"<host mac='$MACA' name='(null)' ip='10.78.0.30'/>\"" \
	net-update $NET add-last ip-dhcp-host "<host mac='$MACA' ip='10.78.0.30'/>"

# modify (current = live on an active network), the XML from a file
echo "<host mac='$MACA' name='vma' ip='10.78.0.21'/>" >"$T/host.xml"
expect_out "modify host" "Updated network $NET live state" \
	net-update $NET modify ip-dhcp-host "$T/host.xml"
xml_live | grep -q "ip='10.78.0.21'" || fail "live XML: host not modified"
xml_cfg | grep -q "<host mac='$MACA' name='vma' ip='10.78.0.20'/>" || fail "inactive XML changed by a live update"
assert_eq "client a after modify" 10.78.0.21 "$(renew a)"
still_up a b
ok "modify ip-dhcp-host (current = live, XML from a file): live only, client moved"

expect_err "delete missing host" "error: Failed to update network $NET
error: Requested operation is not valid: couldn't locate a matching dhcp host entry in network '$NET'" \
	net-update $NET delete ip-dhcp-host "<host mac='$MACB'/>"
expect_out "delete host" "Updated network $NET live state" \
	net-update $NET delete ip-dhcp-host "<host mac='$MACA'/>" --live
xml_live | grep -q "$MACA" && fail "live XML still has the host"
A2=$(renew a)
case "$A2" in 10.78.0.1[0-5]?) ;; *) fail "client a after delete: $A2" ;; esac
ok "delete ip-dhcp-host: the client is back in the range ($A2)"

# --------------------------------------------------------------- ip-dhcp-range
expect_out "add range" "Updated network $NET live state" \
	net-update $NET add-first ip-dhcp-range "<range start='10.78.0.200' end='10.78.0.210'/>" --live
expect_err "modify range" "error: Failed to update network $NET
error: Operation not supported: dhcp ranges cannot be modified, only added or deleted" \
	net-update $NET modify ip-dhcp-range "<range start='10.78.0.200' end='10.78.0.210'/>"
expect_err "range outside" "error: Failed to update network $NET
error: internal error: range 10.0.0.10 - 10.0.0.100 is not entirely within network 10.78.0.1/24" \
	net-update $NET add ip-dhcp-range "<range start='10.0.0.10' end='10.0.0.100'/>"
expect_out "delete range" "Updated network $NET live state" \
	net-update $NET delete ip-dhcp-range "<range start='10.78.0.100' end='10.78.0.150'/>" --live
xml_live | grep -q "10.78.0.150" && fail "live XML still has the deleted range"
xml_cfg | grep -q "<range start='10.78.0.100' end='10.78.0.150'/>" || fail "inactive XML lost the range"
for id in a b; do
	x=$(renew $id)
	case "$x" in 10.78.0.20[0-9]|10.78.0.210) ;; *) fail "client $id after the range was removed: $x" ;; esac
done
leases=$(api_ok GET "/v1/networks/$NET/leases" | jq -r '.leases[]["ip-address"]')
grep -q '^10\.78\.0\.1[0-5].$' <<<"$leases" && fail "a lease in the removed range is still listed: $leases"
still_up a b
ok "ip-dhcp-range add-first/delete --live: the removed range is no longer offered"

# -------------------------------------------------------------------- dns-*
expect_out "add dns-host" "Updated network $NET persistent config and live state" \
	net-update $NET add dns-host "<host ip='10.78.0.5'><hostname>db</hostname></host>" --live --config
expect_err "dup dns-host" "error: Failed to update network $NET
error: Requested operation is not valid: there is already at least one DNS HOST record with a matching field in network $NET" \
	net-update $NET add dns-host "<host ip='10.78.0.5'><hostname>db2</hostname></host>"
expect_err "modify dns-host" "error: Failed to update network $NET
error: Operation not supported: DNS HOST records cannot be modified, only added or deleted" \
	net-update $NET modify dns-host "<host ip='10.78.0.5'><hostname>db2</hostname></host>"
expect_out "add dns-txt" "Updated network $NET persistent config" \
	net-update $NET add-first dns-txt "<txt name='example' value='v1'/>" --config
expect_out "add dns-srv" "Updated network $NET live state" \
	net-update $NET add-last dns-srv "<srv service='ldap' protocol='tcp' target='db' port='389'/>"
xml_live | grep -q "<hostname>db</hostname>" || fail "live XML lacks the dns host"
xml_live | grep -q "<srv service='ldap' protocol='tcp' target='db' port='389'/>" || fail "live XML lacks the srv"
xml_live | grep -q "example" && fail "a --config dns-txt reached the live XML"
xml_cfg | grep -q "<txt name='example' value='v1'/>" || fail "inactive XML lacks the txt"
xml_cfg | grep -q "<hostname>db</hostname>" || fail "inactive XML lacks the dns host"
expect_out "delete dns-host" "Updated network $NET live state" \
	net-update $NET delete dns-host "<host><hostname>db</hostname></host>"
expect_out "delete dns-srv" "Updated network $NET live state" \
	net-update $NET delete dns-srv "<srv protocol='tcp'/>"
expect_out "delete dns-txt" "Updated network $NET persistent config" \
	net-update $NET delete dns-txt "<txt name='example'/>" --config
xml_live | grep -qE "<srv |hostname>db<" && fail "live XML still has dns entries"
xml_cfg | grep -q "example" && fail "inactive XML still has the txt"
ok "dns-host, dns-txt, dns-srv add/delete (live, config, both)"

# ------------------------------------------------ forward-interface, portgroup
expect_out "add forward-interface" "Updated network $NET live state" \
	net-update $NET add forward-interface "<interface dev='eth47'/>"
xml_live | grep -q "<forward dev='eth47' mode='nat'>" || fail "live XML: no forward dev"
expect_err "modify forward-interface" "error: Failed to update network $NET
error: Operation not supported: forward interface entries cannot be modified, only added or deleted" \
	net-update $NET modify forward-interface "<interface dev='eth47'/>"
expect_out "delete forward-interface" "Updated network $NET live state" \
	net-update $NET delete forward-interface "<interface dev='eth47'/>"
expect_out "add portgroup" "Updated network $NET persistent config and live state" \
	net-update $NET add portgroup "<portgroup name='eng'><bandwidth><inbound average='1000'/></bandwidth></portgroup>" --config --live
expect_out "modify portgroup" "Updated network $NET persistent config and live state" \
	net-update $NET modify portgroup "<portgroup name='eng' default='yes'/>" --config --live
xml_cfg | grep -q "<portgroup name='eng' default='yes'" || fail "inactive XML: portgroup not modified"
expect_err "dup portgroup" "error: Failed to update network $NET
error: Requested operation is not valid: there is an existing portgroup entry in network '$NET' that matches \"<portgroup name='eng'>\"" \
	net-update $NET add portgroup "<portgroup name='eng'/>"
expect_out "delete portgroup" "Updated network $NET persistent config" \
	net-update $NET delete portgroup "<portgroup name='eng'/>" --config
xml_live | grep -q "portgroup name='eng'" || fail "a --config delete reached the live XML"
xml_cfg | grep -q "portgroup" && fail "inactive XML still has the portgroup"
ok "forward-interface and portgroup: every command"

# ----------------------------------------------- refused and malformed requests
for s in bridge domain ip forward forward-pf; do
	what=$s
	[ $s = forward-pf ] && what="forward pf"
	expect_err "section $s" "error: Failed to update network $NET
error: Operation not supported: can't update '$what' section of network '$NET'" \
		net-update $NET add $s "<x/>"
done
expect_err "unknown command" "error: unrecognized command name 'insert'" \
	net-update $NET insert ip-dhcp-host "<host/>"
expect_err "unknown section" "error: unrecognized section name 'dhcp'" \
	net-update $NET add dhcp "<host/>"
expect_err "current and live" "error: Options --current and --live are mutually exclusive" \
	net-update $NET add dns-txt "<txt name='a' value='b'/>" --current --live
expect_err "wrong element" "error: Failed to update network $NET
error: XML error: unexpected element <range>, expecting <host>, while updating network '$NET'" \
	net-update $NET add ip-dhcp-host "<range start='10.78.0.2' end='10.78.0.3'/>"
expect_err "malformed XML" "error: Failed to update network $NET
error: network_update_xml:1: Premature end of data in tag host line 1
<host mac='$MACA' ip='10.78.0.9'>
---------------------------------------------^" \
	net-update $NET add ip-dhcp-host "<host mac='$MACA' ip='10.78.0.9'>"
expect_err "no network" "error: failed to get network 'nonet'
error: Network not found: no network with matching name 'nonet'" \
	net-update nonet add dns-txt "<txt name='a' value='b'/>"
api POST "/v1/networks/$NET/update" '{"command":"add","section":"dns-txt","xml":"<txt name=\"a\" value=\"b\"/>","flags":["live","bogus"]}' >/dev/null
assert_eq "bad flag status" 400 "$API_STATUS"
api POST "/v1/networks/$NET/update" '{"command":"add","section":"dns-txt","xml":"<txt name=\"a\" value=\"b\"/>","parent_index":"x"}' >/dev/null
assert_eq "bad parent_index status" 400 "$API_STATUS"
still_up a b
ok "refused sections, unknown names, exclusive flags, bad XML: libvirt's messages, nothing changed"

# ----------------------------------------------- inactive and transient networks
cat >"$T/off.xml" <<EOF
<network><name>h7off</name><bridge name='h7off0'/><ip address='10.79.0.1' prefix='24'/></network>
EOF
vc net-define "$T/off.xml" >/dev/null || fail "define h7off"
expect_err "live on inactive" "error: Failed to update network h7off
error: Requested operation is not valid: network is not running" \
	net-update h7off add ip-dhcp-range "<range start='10.79.0.10' end='10.79.0.20'/>" --live
expect_out "current on inactive" "Updated network h7off persistent config" \
	net-update h7off add ip-dhcp-range "<range start='10.79.0.10' end='10.79.0.20'/>"
vc net-dumpxml h7off | grep -q "<range start='10.79.0.10' end='10.79.0.20'/>" || fail "h7off: range not added"
# a network without DHCP starts serving it when a host is added live
vc net-start h7off >/dev/null 2>&1 || fail "start h7off"
sed -e 's/h7off/h7tr/g; s/10\.79/10.80/g' "$T/off.xml" >"$T/tr.xml"
vc net-create "$T/tr.xml" >/dev/null 2>&1 || fail "create h7tr"
vc net-dhcp-stats h7tr >/dev/null 2>&1 && fail "h7tr serves DHCP before any was configured"
expect_err "config on transient" "error: Failed to update network h7tr
error: Requested operation is not valid: cannot change persistent config of a transient network" \
	net-update h7tr add dns-txt "<txt name='a' value='b'/>" --config
expect_out "live on transient" "Updated network h7tr live state" \
	net-update h7tr add ip-dhcp-host "<host mac='52:54:00:78:00:0c' ip='10.80.0.9'/>"
vc net-dhcp-stats h7tr >/dev/null 2>&1 || fail "h7tr serves no DHCP after an ip-dhcp-host was added"
ok "inactive (--live refused, current = config) and transient (--config refused) networks"

# --------------------------------------------------- persistence across restart
expect_out "config host" "Updated network $NET persistent config and live state" \
	net-update $NET add ip-dhcp-host "<host mac='$MACB' ip='10.78.0.30'/>" --config --live
cp "$T/state/networks/$NET.xml" "$T/saved.xml"
vnetd_stop
vnetd_start
xml_cfg | grep -q "<host mac='$MACB' ip='10.78.0.30'/>" || fail "inactive XML lost the host after restart"
xml_live | grep -q "<range start='10.78.0.200' end='10.78.0.210'/>" || fail "live XML lost the live range after restart"
xml_live | grep -q "10.78.0.150" && fail "live XML got the deleted range back after restart"
xml_cfg | grep -q "<range start='10.78.0.100' end='10.78.0.150'/>" || fail "inactive XML lost its range after restart"
ok "updates survive a vnetd restart (persistent and live)"
