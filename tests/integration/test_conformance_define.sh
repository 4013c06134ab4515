#!/bin/bash
# libvirt 9.0.0's whole network XML corpus through vnetd's real net-define and
# net-dumpxml --inactive: every input tests/networkxml2xmltest.c runs
# (DO_TEST, DO_TEST_FLAGS, DO_TEST_PARSE_ERROR, read from that file) is
# defined with vnetctl against a running vnetd; what it prints is compared
# with tests/networkxml2xmlout/NAME.xml, or with libvirt's error message.
# The data is $VNETD_LIBVIRT (tests/conformance/fetch-libvirt.sh, from
# Debian's libvirt source package; ../shared's copy as a fallback, which has
# no networkxml2xmltest.c: then every input with an out file is a DO_TEST and
# every other one a DO_TEST_PARSE_ERROR).
#
# networkxml2xmltest.c only parses and formats; net-define also runs the
# bridge driver's networkValidate() (libvirt 9.0.0 src/network/bridge_driver.c),
# which vnetd follows.  The differences that follow from it, and only these,
# are accounted for:
#  - driver defaults, added by net-define to what the out file holds, checked
#    for their format and then removed before the comparison:
#      <mac address='52:54:00:xx:xx:xx'/> after <bridge> (and <mtu>) for forward
#        none/nat/route/open when the input has no <mac>
#        (virNetworkSetBridgeMacAddr, a random MAC);
#      <bridge name='virbrN' stp='on' delay='0'/> for those modes when the
#        input names no bridge (networkBridgeNameValidate; no corpus input);
#      a generated <uuid> when there is none (every corpus input has one).
#  - inputs the parser accepts but networkValidate refuses, so libvirt's
#    bridge driver refuses them at net-define too (DRIVER_REFUSES below, with
#    libvirt's messages): 8021Qbh-net (a <vlan> on forward mode='private'),
#    openvswitch-net (its portgroups carry their own <virtualport> without a
#    type, which is not 'openvswitch', so a portgroup <vlan> is "bad vlan
#    use"), passthrough-address-crash (PCI addresses outside mode 'hostdev'),
#    passthrough-pf (<ip> with mode 'passthrough').
#  - hostdev and hostdev-pf: libvirt also checks in sysfs that each PCI
#    address is an SR-IOV VF; vnetd attaches no PCI devices and does not
#    (so on a host without those devices libvirt would refuse hostdev.xml).
#  - DO_TEST compares with flags 0, net-dumpxml --inactive formats with
#    VIR_NETWORK_XML_INACTIVE: that only drops connections='N' and the
#    interfaces filled in from a <pf> at run time, neither of which a network
#    just defined has.
#  - virsh prints one empty line after the XML and after an error.
# Every net-dumpxml output (defaults included) must also validate against
# libvirt's src/conf/schemas/network.rng (xmllint --relaxng).
# Each network is undefined after its check (many inputs share a name, a
# UUID or virbr0); the stock 'default' network is undefined first.
. "$(dirname "$0")/lib.sh"
: "${VNETCTL:?path to the vnetctl binary}"
VNETCTL=$(cd "$(dirname "$VNETCTL")" && pwd)/$(basename "$VNETCTL")
L=${VNETD_LIBVIRT:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/conformance/libvirt}
IN=$L/tests/networkxml2xmlin
OUT=$L/tests/networkxml2xmlout
RNG=$L/src/conf/schemas/network.rng
[ -d "$IN" ] && [ -d "$OUT" ] && [ -f "$RNG" ] ||
	fail "libvirt's test data not found in $L (tests/conformance/fetch-libvirt.sh)"
command -v xmllint >/dev/null || fail "xmllint not installed (scripts/deps.sh --test: libxml2-utils)"
export LC_ALL=C

# libvirt's messages: network_conf.c (parse errors) and networkValidate()
declare -A PARSE_ERROR=(
	[open-network-with-forward-dev]="XML error: forward dev not allowed for network 'open' with forward mode='open'"
	[routed-network-no-dns-extra-elements]="XML error: Extra data in disabled network 'local'"
	[hostdev-duplicate]="XML error: PCI device '0000:03:00.3' can only be listed once in network hostdev"
	[passthrough-duplicate]="XML error: interface 'eth3' can only be listed once in network passthrough-duplicate"
)
declare -A DRIVER_REFUSES=(
	[8021Qbh-net]="unsupported configuration: <vlan> element specified for network 8021Qbh-net, whose type doesn't support vlan configuration"
	[openvswitch-net]="unsupported configuration: <vlan> element specified for network openvswitch-net, whose type doesn't support vlan configuration"
	[passthrough-address-crash]="unsupported configuration: network 'passthrough_001' has forward mode 'passthrough' but lists a device by PCI address in the device pool. This is only supported for networks with forward mode 'hostdev'"
	[passthrough-pf]="unsupported configuration: Unsupported <ip> element in network local with forward mode='passthrough'"
)

NFAIL=0 NOK=0
mismatch() { printf 'MISMATCH: %b\n' "$*" >&2; NFAIL=$((NFAIL + 1)); }

# vc ARGS...: vnetctl in $IN; RC, $T/o (stdout), $T/e (stderr)
vc() {
	RC=0
	(cd "$IN" && "$VNETCTL" -s "$SOCK" "$@") >"$T/o" 2>"$T/e" || RC=$?
}

# the test program's list: "KIND NAME" lines
if [ -f "$L/tests/networkxml2xmltest.c" ]; then
	sed -nE 's/^[[:space:]]*(DO_TEST|DO_TEST_FLAGS|DO_TEST_PARSE_ERROR)\("([^"]+)".*/\1 \2/p' \
		"$L/tests/networkxml2xmltest.c" >"$T/list"
else
	for f in "$IN"/*.xml; do
		b=$(basename "$f" .xml)
		if [ -f "$OUT/$b.xml" ]; then echo "DO_TEST $b"; else echo "DO_TEST_PARSE_ERROR $b"; fi
	done >"$T/list"
fi
[ "$(wc -l <"$T/list")" -ge 14 ] || fail "too few tests in networkxml2xmltest.c: $(cat "$T/list")"
# every input file is run, and every listed input exists
for f in "$IN"/*.xml; do
	grep -q " $(basename "$f" .xml)\$" "$T/list" || mismatch "$(basename "$f") is not run by networkxml2xmltest.c"
done

vnetd_start
vc net-destroy default
vc net-undefine default
[ "$RC" = 0 ] || fail "cannot undefine the stock default network: $(cat "$T/e")"

# strip_defaults EXPECTED <ACTUAL >ACTUAL': removes (after checking them) the
# bridge driver's defaults that EXPECTED lacks; see the header
strip_defaults() {
	local exp=$1 mode
	mode=$(sed -nE "s/^  <forward.* mode='([a-z]+)'.*/\1/p" "$exp" | head -1)
	case "${mode:-none}" in none | nat | route | open) ;; *) cat; return ;; esac
	awk -v hasmac="$(grep -c "^  <mac " "$exp")" -v hasbr="$(grep -c "^  <bridge" "$exp")" '
		!hasbr && /^  <bridge / {
			if ($0 !~ /^  <bridge name=.virbr[0-9]+. stp=.on. delay=.0.\/>$/) print "BAD DEFAULT " $0
			next }
		!hasmac && prev ~ /^  <(bridge|mtu) / && /^  <mac / {
			if ($0 !~ /^  <mac address=.52:54:00:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].\/>$/) print "BAD DEFAULT " $0
			prev = $0; next }
		{ prev = $0; print }'
}

while read -r kind b; do
	f=$b.xml
	[ -f "$IN/$f" ] || { mismatch "$b: listed by networkxml2xmltest.c but $IN/$f is missing"; continue; }
	name=$(sed -nE 's/^[[:space:]]*<name>(.*)<\/name>.*/\1/p' "$IN/$f" | head -1)
	vc net-define "$f"
	msg=
	if [ "$kind" = DO_TEST_PARSE_ERROR ]; then
		msg=${PARSE_ERROR[$b]:-}
		[ -n "$msg" ] || { mismatch "$b: DO_TEST_PARSE_ERROR without a known libvirt message"; continue; }
	elif [ -n "${DRIVER_REFUSES[$b]:-}" ]; then
		msg=${DRIVER_REFUSES[$b]}
	fi
	if [ -n "$msg" ]; then
		printf 'error: Failed to define network from %s\nerror: %s\n' "$f" "$msg" >"$T/exp"
		if [ "$RC" != 1 ] || ! diff -u "$T/exp" "$T/e" >"$T/diff" || [ "$(cat "$T/o")" != "" ]; then
			mismatch "$b: expected exit 1 and libvirt's error (exit $RC)\n$(cat "$T/diff" 2>/dev/null)$(cat "$T/o")"
			[ "$RC" = 0 ] && vc net-undefine "$name"
		else
			NOK=$((NOK + 1))
		fi
		continue
	fi
	if [ "$RC" != 0 ] || [ -s "$T/e" ] || [ "$(cat "$T/o")" != "Network $name defined from $f" ]; then
		mismatch "$b: net-define exit $RC: $(cat "$T/o" "$T/e")"
		continue
	fi
	vc net-dumpxml --inactive "$name"
	if [ "$RC" != 0 ] || [ -s "$T/e" ] || [ -n "$(tail -n 1 "$T/o")" ]; then
		mismatch "$b: net-dumpxml --inactive $name exit $RC: $(cat "$T/e")"
	else
		sed '$d' "$T/o" >"$T/dump.xml"
		xmllint --noout --relaxng "$RNG" "$T/dump.xml" >"$T/rng" 2>&1 ||
			mismatch "$b: net-dumpxml output does not validate against network.rng: $(cat "$T/rng")"
		strip_defaults "$OUT/$f" <"$T/dump.xml" >"$T/got"
		if diff -u "$OUT/$f" "$T/got" >"$T/diff"; then
			NOK=$((NOK + 1))
		else
			mismatch "$b: net-dumpxml --inactive differs from networkxml2xmlout/$f\n$(cat "$T/diff")"
		fi
	fi
	vc net-undefine "$name"
	[ "$RC" = 0 ] || mismatch "$b: net-undefine $name: $(cat "$T/e")"
done <"$T/list"

echo "$NOK of $(wc -l <"$T/list") corpus inputs as libvirt, $NFAIL mismatches"
[ "$NFAIL" -eq 0 ] || fail "$NFAIL mismatches with libvirt 9.0.0's corpus"
ok "libvirt 9.0.0 networkxml2xmltest corpus through net-define + net-dumpxml --inactive"
