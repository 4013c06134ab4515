#!/bin/bash
# Bad input through vnetctl and the JSON API: every case must fail with a
# clear error (vnetctl: exit 1 and virsh's text; API: 4xx and
# {"error":{"code","message"}} with libvirt's message where libvirt has one)
# AND leave the state dir byte-for-byte unchanged, and the run dir's
# networks too.  The transcript's bad inputs (../shared/conformance/libvirt/captured/
# virsh-9.0.0-test-driver.txt) are checked against virsh's exact output.
. "$(dirname "$0")/lib.sh"
transcript_setup
export LC_ALL=C

NFAIL=0 NCASES=0
mismatch() { printf 'MISMATCH: %b\n' "$*" >&2; NFAIL=$((NFAIL + 1)); }
tx() { awk -v c="===== \$ virsh -c test:///default '$1'" '$0==c {f=1; next} f && /^rc=[0-9]+$/ {exit} f' "$TX"; }

snap() { # hashes of every state file and of the run dir's network files
	(cd "$T" && find state run/networks -type f | sort | xargs -r sha256sum)
}
BASE=
unchanged() { # DESC
	NCASES=$((NCASES + 1))
	snap >"$T/snap.now"
	diff -u "$T/snap.base" "$T/snap.now" >"$T/snap.diff" ||
		mismatch "$1: the store changed\n$(cat "$T/snap.diff")"
	kill -0 "$VNETD_PID" 2>/dev/null || fail "$1: vnetd died"
}

# cli DESC ARGS... <<EOF (expected stderr): exit 1, stdout at most virsh's blank line
cli() {
	local desc=$1 rc=0
	shift
	cat >"$T/exp"
	(cd "$IN" && "$VNETCTL" -s "$SOCK" "$@") >"$T/o" 2>"$T/e" || rc=$?
	[ "$rc" = 1 ] || mismatch "$desc: vnetctl $*: exit $rc, expected 1"
	diff -u "$T/exp" "$T/e" >"$T/diff" || mismatch "$desc: vnetctl $*: stderr differs\n$(cat "$T/diff")"
	[ ! -s "$T/o" ] || [ "$(cat "$T/o")" = "" ] || mismatch "$desc: stdout: $(cat "$T/o")"
	unchanged "$desc"
}
# cli_tx 'net-define X.xml': virsh's exact text from the transcript; the same
# file through net-create must fail with the same message
cli_tx() {
	local t
	t=$(tx "$1")
	[ -n "$t" ] || fail "transcript has no '$1'"
	# shellcheck disable=SC2086
	# ($(...) dropped virsh's blank line, which goes to stdout)
	printf '%s\n' "$t" | cli "transcript $1" $1
	printf '%s\n' "$t" | sed '1s/Failed to define/Failed to create/' |
		cli "create ${1#net-define }" net-create "${1#net-define }"
}
# japi DESC STATUS CODE MESSAGE METHOD PATH [BODY]: MESSAGE '*' = any non-empty
japi() {
	local desc=$1 st=$2 code=$3 msg=$4
	shift 4
	api "$@" >"$T/body"
	[ "$API_STATUS" = "$st" ] || mismatch "$desc: $1 $2: status $API_STATUS, expected $st: $(head -c 300 "$T/body")"
	local c m
	c=$(jq -r '.error.code // empty' "$T/body" 2>/dev/null) || c=
	m=$(jq -r '.error.message // empty' "$T/body" 2>/dev/null) || m=
	[ "$(jq -r '.error | keys | join(",")' "$T/body" 2>/dev/null)" = "code,message" ] ||
		mismatch "$desc: error body is not {\"error\":{\"code\",\"message\"}}: $(head -c 300 "$T/body")"
	[ "$c" = "$code" ] || mismatch "$desc: code '$c', expected '$code'"
	if [ "$msg" = '*' ]; then
		[ -n "$m" ] || mismatch "$desc: empty message"
	else
		[ "$m" = "$msg" ] || mismatch "$desc: message '$m', expected '$msg'"
	fi
	unchanged "$desc"
}
xmlbody() { jq -Rs '{xml: .}' "$1"; }

vnetd_start
# a store with something in every place
api_ok POST /v1/networks '{"xml":"<network><name>base</name><ip address=\"10.70.0.1\" prefix=\"24\"/></network>"}' >/dev/null
api_ok PUT /v1/networks/base/autostart '{"autostart":true}' >/dev/null
api_ok POST /v1/networks '{"xml":"<network><name>tr</name></network>","create":true}' >/dev/null
port_add vm1 default '"mac":"52:54:00:00:71:01"'
# a port on an inactive network: added while it runs (port-add to an
# inactive network is refused, as libvirt refuses a domain interface)
api_ok POST /v1/networks/base/start >/dev/null
port_add vm2 base
api_ok POST /v1/networks/base/destroy >/dev/null
sleep 1.2 # let the first housekeeping tick pass
snap >"$T/snap.base"
grep -q "state/ports/vm1" "$T/snap.base" && grep -q "run/networks/tr.xml" "$T/snap.base" ||
	fail "baseline store incomplete: $(cat "$T/snap.base")"

# --- the transcript's bad network XML, through vnetctl (virsh's exact text) ----
for f in bad noname slash badrange revrange badmode badport openfwd natnoip mcastmac \
	bothmask netaddr bcast lease1 hostnomac bridgestp; do
	cli_tx "net-define $f.xml"
done
# name/uuid duplicates (the transcript's, against our "default")
U=$(api_ok GET /v1/networks/default | jget .network.uuid)
sed "s/11111111-2222-3333-4444-555555555555/$(uuidgen 2>/dev/null || echo 11111111-2222-4333-8444-555555555555)/" "$IN/dup.xml" >"$IN/dup2.xml"
cli "name taken" net-define dup2.xml <<EOF
error: Failed to define network from dup2.xml
error: operation failed: network 'default' already exists with uuid $U
EOF
sed "s/dd8fe884-6c02-601e-7551-cca97df1c5df/$U/" "$IN/dupuuid.xml" >"$IN/dupuuid2.xml"
cli "uuid taken" net-define dupuuid2.xml <<EOF
error: Failed to define network from dupuuid2.xml
error: operation failed: network 'default' is already defined with uuid $U
EOF
cli "uuid taken (create)" net-create dupuuid2.xml <<EOF
error: Failed to create network from dupuuid2.xml
error: operation failed: network 'default' is already defined with uuid $U
EOF
cli "uuid taken (create, absolute path)" net-create "$IN/../in/dupuuid2.xml" <<EOF
error: Failed to create network from $IN/../in/dupuuid2.xml
error: operation failed: network 'default' is already defined with uuid $U
EOF
printf "<network><name>default</name><uuid>%s</uuid></network>\n" "$U" >"$IN/again.xml"
cli "create of the running network" net-create again.xml <<'EOF'
error: Failed to create network from again.xml
error: Requested operation is not valid: network is already active as 'default'
EOF
# more semantically bad XML (libvirt's messages)
printf "<network><name>bu</name><bridge name='virbr0'/></network>\n" >"$IN/brinuse.xml"
cli "bridge in use" net-define brinuse.xml <<'EOF'
error: Failed to define network from brinuse.xml
error: internal error: bridge name 'virbr0' already in use.
EOF
printf "<network><name>bu</name><uuid>not-a-uuid</uuid></network>\n" >"$IN/baduuid.xml"
cli "malformed uuid" net-define baduuid.xml <<'EOF'
error: Failed to define network from baduuid.xml
error: internal error: malformed uuid element
EOF
printf "<domain><name>bu</name></domain>\n" >"$IN/root.xml"
cli "wrong root element" net-define root.xml <<'EOF'
error: Failed to define network from root.xml
error: XML error: expecting root element of 'network', not 'domain'
EOF
printf "<network><name>bu</name><ip address='10.0.0.300' prefix='24'/></network>\n" >"$IN/badip.xml"
cli "bad address" net-define badip.xml <<'EOF'
error: Failed to define network from badip.xml
error: XML error: Invalid address '10.0.0.300' in network 'bu'
EOF
printf "<network><name>bu</name><ip address='10.0.0.1' prefix='33'/></network>\n" >"$IN/badprefix.xml"
cli "bad prefix" net-define badprefix.xml <<'EOF'
error: Failed to define network from badprefix.xml
error: unsupported configuration: Invalid IPv4 prefix '33' in network 'bu'
EOF
printf "<network><name>bu</name><mac address='zz:00:00:00:00:01'/></network>\n" >"$IN/badmac.xml"
cli "bad bridge MAC" net-define badmac.xml <<'EOF'
error: Failed to define network from badmac.xml
error: XML error: Invalid bridge mac address 'zz:00:00:00:00:01' in network 'bu'
EOF
: >"$IN/empty.xml"
cli "empty file" net-define empty.xml <<'EOF'
error: Failed to define network from empty.xml
error: (network_definition):1: Document is empty

^
EOF
printf '\xff\xfe<network/>' >"$IN/nonutf.xml"
cli "not UTF-8" net-define nonutf.xml <<'EOF'
error: Failed to define network from nonutf.xml
error: XML error: file 'nonutf.xml' is not valid UTF-8 text
EOF
printf "<network><name>%s</name></network>\n" "$(printf 'n%.0s' $(seq 300))" >"$IN/longname.xml"
vc_rc=0
(cd "$IN" && "$VNETCTL" -s "$SOCK" net-define longname.xml) >/dev/null 2>"$T/e" || vc_rc=$?
[ "$vc_rc" = 1 ] && head -1 "$T/e" | grep -qx "error: Failed to define network from longname.xml" ||
	mismatch "300-character name: exit $vc_rc: $(cat "$T/e")"
unchanged "300-character name"
ok "bad network XML"

# --- bad XML through the API: libvirt's message, 400, nothing stored -------------
japi "api: malformed XML" 400 xml-error "$(tx 'net-define bad.xml' | sed -n '2,$p' | sed '$d' | sed '1s/^error: //')" \
	POST /v1/networks "$(xmlbody "$IN/bad.xml")"
japi "api: range outside" 400 xml-error "internal error: range 192.168.2.2 - 192.168.2.254 is not entirely within network 192.168.1.1/24" \
	POST /v1/networks "$(xmlbody "$IN/badrange.xml")"
japi "api: unknown forward mode" 400 config-unsupported "unsupported configuration: unknown forwarding type 'foo'" \
	POST /v1/networks "$(jq -Rs '{xml: ., create: true}' "$IN/badmode.xml")"
japi "api: slash in name" 400 xml-error "invalid char in name: /" POST /v1/networks "$(xmlbody "$IN/slash.xml")"
japi "api: name taken" 409 operation-failed "operation failed: network 'default' already exists with uuid $U" \
	POST /v1/networks "$(xmlbody "$IN/dup2.xml")"
japi "api: create of a running network" 409 operation-invalid \
	"Requested operation is not valid: network is already active as 'default'" \
	POST /v1/networks "$(jq -Rs '{xml: ., create: true}' "$IN/again.xml")"
ok "bad XML through the API"

# --- bad JSON bodies ------------------------------------------------------------
japi "malformed JSON" 400 invalid-arg '*' POST /v1/networks '{"xml": "<network/>"'
japi "not an object" 400 invalid-arg "invalid argument: the request body must be a JSON object" POST /v1/networks '["xml"]'
japi "empty body" 400 invalid-arg '*' POST /v1/networks ''
japi "xml not a string" 400 invalid-arg "invalid argument: member 'xml' (a string) is required" POST /v1/networks '{"xml": 5}'
japi "xml missing" 400 invalid-arg "invalid argument: member 'xml' (a string) is required" POST /v1/networks '{"create": true}'
japi "create not a boolean" 400 invalid-arg "invalid argument: member 'create' must be true or false" \
	POST /v1/networks '{"xml": "<network><name>j1</name></network>", "create": "yes"}'
japi "unknown member" 400 invalid-arg "invalid argument: unknown member 'autostart'" \
	POST /v1/networks '{"xml": "<network><name>j2</name></network>", "autostart": true}'
japi "duplicate member" 400 invalid-arg '*' \
	POST /v1/networks '{"xml": "<network><name>j3</name></network>", "xml": "<network><name>j4</name></network>"}'
japi "NUL in xml" 400 invalid-arg '*' \
	POST /v1/networks '{"xml": "<network><name>j5</name></network>\u0000"}'
japi "autostart not a boolean" 400 invalid-arg "invalid argument: member 'autostart' must be true or false" \
	PUT /v1/networks/base/autostart '{"autostart": "no"}'
japi "autostart missing" 400 invalid-arg "invalid argument: missing member 'autostart'" PUT /v1/networks/base/autostart '{}'
japi "autostart of a transient network" 409 operation-invalid \
	"Requested operation is not valid: cannot set autostart for transient network" PUT /v1/networks/tr/autostart '{"autostart": true}'
japi "body on start" 400 invalid-arg "invalid argument: this request takes no body" POST /v1/networks/base/start '{"force": true}'
japi "unknown filter" 400 invalid-arg "invalid argument: unknown filter 'running'" GET '/v1/networks?filter=active,running'
japi "unknown query parameter" 400 invalid-arg "invalid argument: unknown query parameter 'force'" POST '/v1/networks/base/destroy?force=1'
japi "bad inactive value" 400 invalid-arg "invalid argument: inactive must be 0 or 1, not 'yes'" GET '/v1/networks/base/xml?inactive=yes'
japi "unknown path" 404 not-found '*' GET /v1/netwerks
japi "wrong method" 405 method-not-allowed '*' PATCH /v1/networks/base
japi "wrong method on a collection" 405 method-not-allowed '*' DELETE /v1/networks
# > 1 MiB: 413 before anything is parsed
head -c $((1024 * 1024 + 100)) /dev/zero | tr '\0' ' ' >"$T/big"
{ printf '{"xml": "<network><name>big</name></network>"'; cat "$T/big"; printf '}'; } >"$T/big.json"
API_STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
	-H 'Content-Type: application/json' --data-binary @"$T/big.json" http://vnetd/v1/networks)
[ "$API_STATUS" = 413 ] && [ "$(jq -r .error.code "$T/body")" = too-large ] ||
	mismatch "oversize body: $API_STATUS $(head -c 300 "$T/body")"
unchanged "oversize body"
{ printf '{"name": "big", "network": "default", "path": "'; head -c $((1024 * 1024)) /dev/zero | tr '\0' a; printf '"}'; } >"$T/big2.json"
API_STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
	-H 'Content-Type: application/json' --data-binary @"$T/big2.json" http://vnetd/v1/ports)
[ "$API_STATUS" = 413 ] && [ "$(jq -r .error.code "$T/body")" = too-large ] ||
	mismatch "oversize port body: $API_STATUS $(head -c 300 "$T/body")"
unchanged "oversize port body"
# exactly 1 MiB is accepted by the size check (then refused as bad XML)
pre='{"xml": "<network><name>big</name>' post='<bad></network>"}'
{ printf '%s' "$pre"; head -c $((1024 * 1024 - ${#pre} - ${#post})) /dev/zero | tr '\0' ' '; printf '%s' "$post"; } >"$T/mib.json"
[ "$(stat -c %s "$T/mib.json")" = $((1024 * 1024)) ] || fail "test bug: 1 MiB body is $(stat -c %s "$T/mib.json") bytes"
API_STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
	-H 'Content-Type: application/json' --data-binary @"$T/mib.json" http://vnetd/v1/networks)
[ "$API_STATUS" = 400 ] && [ "$(jq -r .error.code "$T/body")" = xml-error ] ||
	mismatch "1 MiB body: $API_STATUS $(head -c 300 "$T/body")"
unchanged "1 MiB body"
ok "bad JSON bodies"

# --- unknown networks --------------------------------------------------------------
for c in net-start net-destroy net-undefine net-info net-dumpxml net-autostart net-uuid net-dhcp-leases; do
	cli "$c unknown" $c nosuch <<'EOF'
error: failed to get network 'nosuch'
error: Network not found: no network with matching name 'nosuch'
EOF
done
japi "api: unknown network" 404 no-network "Network not found: no network with matching name 'nosuch'" DELETE /v1/networks/nosuch
japi "api: unknown network (start)" 404 no-network "Network not found: no network with matching name 'nosuch'" POST /v1/networks/nosuch/start
japi "api: name too long" 400 invalid-arg '*' GET "/v1/networks/$(printf 'n%.0s' $(seq 300))"
# state errors
cli "start an active network" net-start default <<'EOF'
error: Failed to start network default
error: Requested operation is not valid: network is already active
EOF
cli "destroy an inactive network" net-destroy base <<'EOF'
error: Failed to destroy network base
error: Requested operation is not valid: network 'base' is not active
EOF
cli "undefine a transient network" net-undefine tr <<'EOF'
error: Failed to undefine network tr
error: Requested operation is not valid: can't undefine transient network
EOF
cli "autostart a transient network" net-autostart tr <<'EOF'
error: failed to mark network tr as autostarted
error: Requested operation is not valid: cannot set autostart for transient network
EOF
ok "unknown networks and invalid operations"

# --- bad command lines ------------------------------------------------------------
cli "unknown command" net-frobnicate default <<'EOF'
error: unknown command: 'net-frobnicate'
EOF
cli "unknown option" net-start --force default <<'EOF'
error: command 'net-start' doesn't support option --force
EOF
cli "missing argument" net-destroy <<'EOF'
error: command 'net-destroy' requires <network> option
EOF
cli "extra argument" net-undefine base extra <<'EOF'
error: unexpected data 'extra'
EOF
cli "empty argument" net-undefine '' <<'EOF'
error: Failed to get option 'network': Option argument is empty
EOF
cli "option twice" net-list --all --all <<'EOF'
error: option --all already seen
EOF
cli "missing file" net-define /nonexistent/x.xml <<'EOF'
error: Failed to open file '/nonexistent/x.xml': No such file or directory
EOF
cli "--name and --uuid" net-list --name --uuid <<'EOF'
error: Only one argument from --table, --name and --uuid may be specified.
EOF
ok "bad command lines"

# --- bad port requests ---------------------------------------------------------------
japi "port: bad MAC" 400 invalid-arg "invalid argument: invalid MAC address 'zz:00:00:00:00:01'" \
	POST /v1/ports '{"name": "p1", "network": "default", "mac": "zz:00:00:00:00:01"}'
japi "port: multicast MAC" 400 invalid-arg '*' POST /v1/ports '{"name": "p1", "network": "default", "mac": "01:00:5e:00:00:01"}'
japi "port: bad name" 400 invalid-arg \
	"invalid argument: invalid port name '.p': use 1-64 characters of [A-Za-z0-9_.-], not starting with '.'" \
	POST /v1/ports '{"name": ".p", "network": "default"}'
japi "port: slash in name" 400 invalid-arg '*' POST /v1/ports '{"name": "a/b", "network": "default"}'
japi "port: name too long" 400 invalid-arg '*' POST /v1/ports "{\"name\": \"$(printf 'p%.0s' $(seq 65))\", \"network\": \"default\"}"
japi "port: unknown network" 404 no-network "Network not found: no network with matching name 'nosuch'" \
	POST /v1/ports '{"name": "p1", "network": "nosuch"}'
japi "port: duplicate" 409 operation-failed "operation failed: port 'vm1' already exists" \
	POST /v1/ports '{"name": "vm1", "network": "base"}'
japi "port: inactive network" 409 operation-invalid "Requested operation is not valid: network 'base' is not active" \
	POST /v1/ports '{"name": "p1", "network": "base"}'
japi "port: missing network" 400 invalid-arg "invalid argument: missing member 'network'" POST /v1/ports '{"name": "p1"}'
japi "port: learning not a boolean" 400 invalid-arg "invalid argument: member 'learning' must be true or false" \
	POST /v1/ports '{"name": "p1", "network": "default", "learning": 1}'
japi "port: bad mode" 400 invalid-arg "invalid argument: mode must be 'server' or 'client', not 'peer'" \
	POST /v1/ports '{"name": "p1", "network": "default", "mode": "peer"}'
japi "port: bad type" 400 invalid-arg "invalid argument: unsupported port type 'tap'" \
	POST /v1/ports '{"name": "p1", "network": "default", "type": "tap"}'
japi "port: unknown member" 400 invalid-arg "invalid argument: unknown member 'vlan'" \
	POST /v1/ports '{"name": "p1", "network": "default", "vlan": 5}'
japi "port: unknown port" 404 no-port "Port not found: no port with matching name 'nosuch'" DELETE /v1/ports/nosuch
japi "port: list of unknown network" 404 no-network "Network not found: no network with matching name 'nosuch'" GET '/v1/ports?network=nosuch'
ok "bad port requests"

[ "$NCASES" -ge 30 ] || fail "only $NCASES cases"
[ "$NFAIL" -eq 0 ] || fail "$NFAIL mismatch(es) in $NCASES bad-input cases, see above"
echo "ok: $NCASES bad inputs refused, store unchanged after each"
echo "PASS test_badinput"
