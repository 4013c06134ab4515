# shellcheck shell=bash
# guest.sh — source from a bash integration test (after tests/integration/lib.sh)
# to boot QEMU test guests on vhost-user ports. Works with `set -euo pipefail`.
#
#   . "$SRCDIR/tests/guest/guest.sh"
#   guest_prepare                                  # build kernel/initramfs once
#   guest_start vm1 "$(port_sock a1)" "vnet.ip=10.0.0.1/24 vnet.ping=10.0.0.2 vnet.wait=20 vnet.waitpings=4"
#   guest_start vm2 "$(port_sock a2)" "vnet.ip=10.0.0.2/24 vnet.ping=10.0.0.1 vnet.wait=20 vnet.waitpings=4"
#   guest_wait vm1; guest_wait vm2                 # fail() unless both pass
#   guest_time vm1 'link up'                       # host seconds to a marker
#
# guest_start NAME SOCK PARAMS [run-guest.sh options...] runs run-guest.sh in
# the background (QEMU on $VNET_GUEST_CPUS, default CPU 0); its pid goes to
# PIDS (lib.sh kills it on exit, run-guest.sh then kills QEMU). Output, serial
# log and marker times are kept in $GUEST_OUT (default $T or a temp dir).
GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GUEST_OUT=${GUEST_OUT:-${T:-$(mktemp -d /tmp/vnetd-guests.XXXXXX)}}
declare -A GUEST_PID=()

guest_prepare() {
	"$GUEST_DIR/run-guest.sh" --prepare >/dev/null
}

guest_start() { # NAME SOCK PARAMS [run-guest.sh options...]
	local name=$1 sock=$2 params=$3
	shift 3
	"$GUEST_DIR/run-guest.sh" --name "$name" --sock "$sock" --params "$params" \
		--cpus "${VNET_GUEST_CPUS:-0}" --log "$GUEST_OUT/$name.serial" \
		--times "$GUEST_OUT/$name.times" --quiet "$@" \
		>"$GUEST_OUT/$name.out" 2>&1 &
	GUEST_PID[$name]=$!
	if declare -p PIDS >/dev/null 2>&1; then PIDS+=("$!"); fi
}

guest_wait() { # NAME: 0 if the guest passed; else prints its output and fails
	local name=$1 rc=0
	wait "${GUEST_PID[$name]}" || rc=$?
	if [ $rc -ne 0 ]; then
		echo "--- guest $name (run-guest.sh exit $rc)"
		cat "$GUEST_OUT/$name.out"
		echo "--- serial log"
		tr -d '\r' <"$GUEST_OUT/$name.serial" | tail -n 60
		if declare -F fail >/dev/null; then fail "guest $name failed"; fi
		return 1
	fi
	if declare -F ok >/dev/null; then ok "guest $name: $(tail -n 1 "$GUEST_OUT/$name.out")"; fi
}

guest_time() { # NAME MARKER-PREFIX -> host seconds since QEMU start, or empty
	awk -v p="$2" '{ t = $1; $1 = ""; sub(/^ /, "") } index($0, p) == 1 { print t; exit }' \
		"$GUEST_OUT/$1.times"
}

guest_marker() { # NAME MARKER-PREFIX -> first matching marker text (e.g. "lease 10.0.0.50")
	awk -v p="$2" '{ $1 = ""; sub(/^ /, "") } index($0, p) == 1 { print; exit }' \
		"$GUEST_OUT/$1.times"
}
