#!/bin/bash
# Paths vnetd builds from names and from port requests stay inside its own
# directories: a server-mode port's socket is <socket-dir>/<dir>/<file>.sock
# in a directory vnetd owns, never the API socket, never another service's
# socket or file; network names that would leave a directory ('.', '..') or
# not be listed again at start ('.x') are refused.  Each refusal: the exact
# error, the store byte-for-byte unchanged, the API and the foreign socket
# still there.  Every odd name that is accepted survives a restart (after a
# kill -9, so stale sockets are replaced), and port-del removes only the
# socket vnetd bound.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

NFAIL=0 NCASES=0
mismatch() { printf 'MISMATCH: %b\n' "$*" >&2; NFAIL=$((NFAIL + 1)); }
snap() { (cd "$T" && find state run/networks -type f -print0 | sort -z | xargs -0r sha256sum); }
inode() { stat -c '%d:%i:%F' "$1" 2>/dev/null || echo gone; }

# a listening unix socket of "another service", outside the run dir
mkdir -p "$T/other"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(3600)
' "$T/other/svc.sock" &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$T/other/svc.sock" ] && break; sleep 0.05; done
[ -S "$T/other/svc.sock" ] || fail "test socket not created"
echo keep >"$T/other/file.sock"

vnetd_start
api_ok POST /v1/networks '{"xml":"<network><name>base</name></network>"}' >/dev/null
api_ok POST /v1/networks/base/start >/dev/null # ports need an active network
port_add vm1 default
R=$T/run
mkdir -m 0775 "$R/gw"               # group-writable: not vnetd's own
ln -s "$T/other" "$R/lnk"           # a symlink out of the run dir
echo data >"$R/default/plain.sock"  # a file that is not a socket
snap >"$T/snap.base"
SVC0=$(inode "$T/other/svc.sock") API0=$(inode "$SOCK") PLAIN0=$(sha256sum <"$R/default/plain.sock")

after() { # DESC: nothing changed, nothing taken over, the API answers
	NCASES=$((NCASES + 1))
	snap >"$T/snap.now"
	diff -u "$T/snap.base" "$T/snap.now" >"$T/snap.diff" || mismatch "$1: the store changed\n$(cat "$T/snap.diff")"
	[ "$(inode "$T/other/svc.sock")" = "$SVC0" ] || mismatch "$1: the other service's socket was replaced"
	[ "$(inode "$SOCK")" = "$API0" ] || mismatch "$1: the API socket was replaced"
	[ "$(cat "$T/other/file.sock")" = keep ] || mismatch "$1: a file outside the run dir changed"
	[ "$(sha256sum <"$R/default/plain.sock")" = "$PLAIN0" ] || mismatch "$1: a plain file was replaced"
	kill -0 "$VNETD_PID" 2>/dev/null || fail "$1: vnetd died"
	curl -sf --unix-socket "$SOCK" http://vnetd/v1/version >/dev/null || mismatch "$1: the API does not answer"
}
# japi DESC STATUS CODE MESSAGE METHOD PATH [BODY]
japi() {
	local desc=$1 st=$2 code=$3 msg=$4
	shift 4
	api "$@" >"$T/body"
	[ "$API_STATUS" = "$st" ] || mismatch "$desc: status $API_STATUS, expected $st: $(head -c 300 "$T/body")"
	[ "$(jq -r '.error.code // empty' "$T/body")" = "$code" ] || mismatch "$desc: code: $(cat "$T/body")"
	[ "$(jq -r '.error.message // empty' "$T/body")" = "$msg" ] ||
		mismatch "$desc: message '$(jq -r .error.message "$T/body")', expected '$msg'"
	after "$desc"
}
padd() { # DESC STATUS CODE MESSAGE NAME NETWORK [PATH]
	local b="{\"name\":\"$5\",\"network\":\"$6\"${7:+,\"path\":\"$7\"}}"
	japi "$1" "$2" "$3" "$4" POST /v1/ports "$b"
}
xml() { jq -n --arg x "<network><name>$1</name></network>" "{xml: \$x${2:+, create: true}}"; }

# --- server-mode socket paths ------------------------------------------------------
BADPATH="invalid argument: a server-mode socket path must be $R/<dir>/<file>.sock (<dir> and <file> not starting with '.')"
padd "the API socket" 400 invalid-arg "$BADPATH" hj default "$R/vnetd.sock"
padd "another service's socket" 400 invalid-arg "$BADPATH" hj default "$T/other/svc.sock"
padd "a file outside the run dir" 400 invalid-arg "$BADPATH" hj default "$T/other/file.sock"
padd "dot-dot out of a directory" 400 invalid-arg "$BADPATH" hj default "$R/default/../vnetd.sock"
padd "dot-dot out of the run dir" 400 invalid-arg "$BADPATH" hj default "$R/../other/svc.sock"
padd "a dot directory" 400 invalid-arg "$BADPATH" hj default "$R/./x/hj.sock"
padd "an empty component" 400 invalid-arg "$BADPATH" hj default "$R//default/hj.sock"
padd "two directories deep" 400 invalid-arg "$BADPATH" hj default "$R/a/b/hj.sock"
padd "not .sock" 400 invalid-arg "$BADPATH" hj default "$R/default/hj"
padd "a hidden file" 400 invalid-arg "$BADPATH" hj default "$R/default/.hj.sock"
padd "the run store's own files" 400 invalid-arg "$BADPATH" hj default "$R/networks/default.xml"
padd "a group-writable directory" 409 operation-failed \
	"operation failed: '$R/gw' is not a directory of vnetd's own (owned by its user, writable by no one else)" \
	hj default "$R/gw/hj.sock"
padd "a symlinked directory" 409 operation-failed \
	"operation failed: '$R/lnk' is not a directory of vnetd's own (owned by its user, writable by no one else)" \
	hj default "$R/lnk/svc.sock"
padd "a plain file in vnetd's directory" 409 operation-failed \
	"operation failed: '$R/default/plain.sock' exists and is not a socket" hj default "$R/default/plain.sock"
padd "another port's socket" 409 operation-failed \
	"operation failed: socket '$R/default/vm1.sock' is used by another port" hj default "$R/default/vm1.sock"
ok "server-mode socket paths"

# --- network and port names -----------------------------------------------------------
for n in . .. .hidden .tmp-x; do
	japi "define '$n'" 400 xml-error "XML error: network name '$n' must not start with '.'" POST /v1/networks "$(xml "$n")"
	japi "create '$n'" 400 xml-error "XML error: network name '$n' must not start with '.'" POST /v1/networks "$(xml "$n" c)"
done
LONG=$(printf 'n%.0s' $(seq 249))
japi "249-byte name" 400 xml-error "XML error: network name '$(printf 'n%.0s' $(seq 32))...' is longer than 248 bytes" \
	POST /v1/networks "$(xml "$LONG")"
padd "port on network '..'" 404 no-network "Network not found: no network with matching name '..'" hj ..
padd "port on network '.'" 404 no-network "Network not found: no network with matching name '.'" vnetd .
for p in . .. ../x; do
	padd "port named '$p'" 400 invalid-arg \
		"invalid argument: invalid port name '$p': use 1-64 characters of [A-Za-z0-9_.-], not starting with '.'" "$p" default
done
ok "names"

# --- a network whose name is not a usable socket directory --------------------------
api_ok POST /v1/networks "$(xml vnetd.sock c)" >/dev/null
snap >"$T/snap.base"
padd "socket directory is the API socket" 409 operation-failed \
	"operation failed: '$R/vnetd.sock' is not a directory of vnetd's own (owned by its user, writable by no one else)" \
	hj vnetd.sock
api_ok POST /v1/networks/vnetd.sock/destroy >/dev/null
ok "network named like the API socket"

# --- odd names that are accepted survive a restart ----------------------------------------
N248=$(printf 'm%.0s' $(seq 248))
for n in networks 'a b' x.y -lead "$N248" 'ü'; do
	api_ok POST /v1/networks "$(xml "$n")" >/dev/null
	api_ok PUT "/v1/networks/$(jq -rn --arg n "$n" '$n|@uri')/autostart" '{"autostart":true}' >/dev/null
	api_ok POST "/v1/networks/$(jq -rn --arg n "$n" '$n|@uri')/start" >/dev/null
done
port_add p.1 networks
port_add P_2-x x.y
port_add mine base "\"path\":\"$R/mine/m.sock\""
[ -S "$R/networks/p.1.sock" ] && [ -S "$R/x.y/P_2-x.sock" ] && [ -S "$R/mine/m.sock" ] || fail "port sockets missing"
[ "$(stat -c %a "$R/mine")" = 755 ] || fail "socket directory mode $(stat -c %a "$R/mine")"
state() {
	api_ok GET /v1/networks | jq -S '[.networks[] | {name, active, persistent, autostart}]'
	api_ok GET /v1/ports | jq -S '[.ports[] | {name, network, path, bound}]'
}
state >"$T/before"
vnetd_kill9 # stale sockets stay behind and are replaced at the next start
vnetd_start
state >"$T/after"
diff -u "$T/before" "$T/after" || fail "state changed across a restart"
for n in networks 'a b' x.y -lead "$N248" 'ü'; do
	[ "$(api_ok GET "/v1/networks/$(jq -rn --arg n "$n" '$n|@uri')" | jget '.network.active')" = true ] ||
		fail "network '${n:0:20}' not active after a restart"
done
[ -S "$R/networks/p.1.sock" ] && [ -S "$R/mine/m.sock" ] || fail "port sockets not bound again"
ok "accepted odd names survive a restart"

# --- port-del removes only the socket vnetd bound -----------------------------------------
rm "$R/mine/m.sock"
echo "not vnetd's" >"$R/mine/m.sock"
api_ok DELETE /v1/ports/mine >/dev/null
[ "$(cat "$R/mine/m.sock" 2>/dev/null)" = "not vnetd's" ] || fail "port-del removed a file vnetd did not create"
api_ok DELETE /v1/ports/p.1 >/dev/null
[ ! -e "$R/networks/p.1.sock" ] || fail "port-del left its own socket"
ok "port-del removes only its own socket"

# --- --socket-dir: the administrator's directory for server-mode sockets ----------------
vnetd_stop
rc=0
"$VNETD" --state-dir "$T/state" --run-dir "$R" --socket-dir rel >"$T/o" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -qx "vnetd: invalid value 'rel' for --socket-dir" "$T/o" ||
	fail "relative --socket-dir: exit $rc: $(cat "$T/o")"
L=$(wc -l <"$T/vnetd.log")
vnetd_start --socket-dir "$T/socks/"
port_add s1 base
assert_eq "default path under --socket-dir" "$T/socks/base/s1.sock" "$(port_sock s1)"
[ -S "$T/socks/base/s1.sock" ] || fail "no socket at $T/socks/base/s1.sock"
snap >"$T/snap.base"
API0=$(inode "$SOCK")
padd "run dir path with --socket-dir" 400 invalid-arg \
	"invalid argument: a server-mode socket path must be $T/socks/<dir>/<file>.sock (<dir> and <file> not starting with '.')" \
	hj base "$R/default/hj.sock"
# a port stored with a path outside the new socket dir stays defined, unbound, and says why
assert_eq "old port unbound" false "$(api_ok GET /v1/ports/P_2-x | jget .port.bound)"
tail -n +"$L" "$T/vnetd.log" | grep -q "port 'P_2-x': invalid argument: a server-mode socket path must be $T/socks/" ||
	fail "no log line for the unbound port"
ok "--socket-dir"

[ "$NFAIL" -eq 0 ] || fail "$NFAIL mismatch(es) in $NCASES cases, see above"
echo "ok: $NCASES refusals, store unchanged after each"
echo "PASS test_paths"
