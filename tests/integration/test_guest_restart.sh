#!/bin/bash
# A restart of vnetd must not cut VMs off. Two real QEMU guests (tests/guest:
# TCG, busybox initramfs) on vnetd's 'default' network ping the gateway
# (answered by vnetd's dataplane) every 0.3 s and print "watch ok N" on their
# serial consoles for each answer (and "watch down/up" when that changes):
#   vm1  server-mode port: vnetd listens, QEMU is the client with
#        `-chardev socket,...,reconnect=1` (the line vnetd-up.sh prints)
#   vm2  client-mode port: QEMU listens (`server=on,wait=off`), vnetd
#        connects to it again when it starts
# Then vnetd is stopped with SIGTERM and started again, and later killed
# with SIGKILL and started again (same state dir). Each time, both guests'
# ports must be connected to the new vnetd and both guests must get two more
# answers after that, within RECOVER_MAX s of the new start (generous: the
# time is printed as a figure, it is not a pass/fail criterion), and the new
# vnetd's counters must show the guests' frames both ways. After the SIGTERM,
# vnetd's DPDK runtime dir (/var/run/dpdk/vnetd<pid>) must be gone.
# QEMU runs on CPU 0 ($VNET_GUEST_CPUS), vnetd's worker on CPU 1.
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRCDIR/tests/guest/guest.sh"    # GUEST_OUT = $T: cleaned up with it

RECOVER_MAX=${RECOVER_MAX:-60}      # seconds from the new start to 2 answers
GUEST_TIMEOUT=${GUEST_TIMEOUT:-400}
NET=192.168.122
GW=$NET.1
EAL_RUN=/var/run/dpdk

command -v "${QEMU:-qemu-system-x86_64}" >/dev/null ||
	fail "qemu-system-x86_64 not installed (package qemu-system-x86)"
guest_prepare || fail "cannot prepare the guest kernel/initramfs (tests/guest/run-guest.sh --prepare)"

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# the guest's complete marker lines so far (QEMU writes the serial log a few
# bytes at a time: the last line counts only once its newline is there)
markers() { # GUEST
	[ -f "$GUEST_OUT/$1.serial" ] || return 0
	{ cat "$GUEST_OUT/$1.serial"; echo; } | sed '$d' | tr -d '\r' |
		grep -a -o 'VNET-GUEST: .*' | sed 's/^VNET-GUEST: //' || true
}
answers() { # GUEST -> answered watch pings so far (N of the last "watch ok N")
	markers "$1" | awk '$1 == "watch" && $2 == "ok" { n = $3 } END { print n + 0 }'
}
guest_dump() { # GUEST
	echo "--- $1 serial (last 30 lines)"
	tr -d '\r' <"$GUEST_OUT/$1.serial" | grep -v 'watch ok' | tail -n 30
	echo "--- $1 QEMU stderr"; tail -n 5 "$GUEST_OUT/$1.serial.qemu"
}
wait_answers() { # GUEST N SECONDS: 0 once the guest got N answers
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		[ "$(answers "$1")" -ge "$2" ] && return 0
		kill -0 "${GUEST_PID[$1]}" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

vnetd_start
M1=52:54:00:00:d6:01 M2=52:54:00:00:d6:02
port_add s1 default "\"mac\":\"$M1\""
port_add c1 default "\"mac\":\"$M2\",\"mode\":\"client\",\"path\":\"$T/c1.sock\""

# the guests watch until the test kills them (or for GUEST_TIMEOUT)
for g in "vm1 $(port_sock s1) client $M1 $NET.21" "vm2 $T/c1.sock server $M2 $NET.22"; do
	read -r vm sock mode mac ip <<<"$g"
	guest_start "$vm" "$sock" \
		"vnet.ip=$ip/24 vnet.watch=$GW vnet.watchtime=$((GUEST_TIMEOUT - 20))" \
		--mode "$mode" --mac "$mac" --timeout "$GUEST_TIMEOUT" \
		--expect "watch-end" --reject "result fail"
done
# (TCG boots on a loaded 2-CPU machine have taken a minute: be generous)
for vm in vm1 vm2; do
	wait_answers $vm 1 150 || { guest_dump $vm; fail "$vm: no answer from $GW before the restarts"; }
done
wait_connected s1 c1
ok "vm1 (QEMU client, reconnect=1) and vm2 (QEMU server) ping $GW through vnetd"

# restart HOW: stop vnetd (SIGTERM or SIGKILL), start it again; both ports
# connect to the new vnetd and both guests get 2 answers after that
restart() {
	local how=$1 pid=$VNETD_PID t0 t1 vm n down msg
	declare -A k=() d=()
	for vm in vm1 vm2; do d[$vm]=$(markers $vm | grep -c '^watch down' || true); done
	t0=$(now)
	if [ "$how" = SIGTERM ]; then
		vnetd_stop
		[ ! -e "$EAL_RUN/vnetd$pid" ] ||
			fail "after SIGTERM vnetd left its DPDK runtime dir $EAL_RUN/vnetd$pid behind (holding: $(find "$EAL_RUN/vnetd$pid" -mindepth 1 -printf '%f '))"
		ok "SIGTERM: $EAL_RUN/vnetd$pid removed at the clean stop"
	else
		vnetd_kill9
		# a SIGKILLed vnetd cannot remove its EAL runtime dir: the test does
		rm -rf "${EAL_RUN:?}/vnetd$pid"
	fi
	t1=$(now)
	vnetd_start
	echo "   $how: vnetd down for $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s," \
		"new vnetd (pid $VNETD_PID) answers its API after $(since "$t1") s"
	try_connected s1 c1 || {
		guest_dump vm1; guest_dump vm2
		fail "$how: port $WAIT_FAILED not connected to the new vnetd"
	}
	echo "   $how: both ports connected $(since "$t1") s after the new start"
	# answers counted from here came from the new vnetd: the old one is
	# gone and the port is attached to the new one (+2: one answer may
	# still have been on its way to the serial log)
	for vm in vm1 vm2; do k[$vm]=$(answers $vm); done
	for vm in vm1 vm2; do
		for n in 1 2; do
			wait_answers $vm $((k[$vm] + n)) $((RECOVER_MAX + ${t1%.*} - ${EPOCHREALTIME%.*})) || {
				guest_dump $vm
				fail "$how: $vm's pings to $GW not answered within $RECOVER_MAX s of the new start"
			}
			[ $n = 2 ] || msg="$(since "$t1") s after vnetd was started again ($(since "$t0") s after the $how"
		done
		down=$(( $(markers $vm | grep -c '^watch down' || true) - d[$vm] ))
		echo "   $how: $vm answered again $msg; the guest saw $down outage(s) of > 1 s)"
	done
	# the new vnetd carries the guests' frames both ways and answers them
	for p in s1 c1; do
		if [ "$(port_stat $p rx_packets)" -eq 0 ] || [ "$(port_stat $p tx_packets)" -eq 0 ]; then
			fail "$how: port $p: $(api_ok GET /v1/ports/$p/stats)"
		fi
	done
	[ "$(api_ok GET /v1/stats | jget .gw_replies)" -ge 4 ] || fail "$how: the new vnetd answered < 4 pings"
	ok "$how + start: both guests reconnected and answered again"
}
restart SIGTERM
restart SIGKILL

for vm in vm1 vm2; do
	n=$(answers $vm)
	wait_answers $vm $((n + 3)) 30 || { guest_dump $vm; fail "$vm: pings stopped being answered"; }
	ok "$vm: $(answers $vm) answers in all, $(markers $vm | grep -c '^watch down' || true) outage(s) of > 1 s seen"
	kill "${GUEST_PID[$vm]}"
	wait "${GUEST_PID[$vm]}" 2>/dev/null || true
done
vnetd_stop
echo "PASS test_guest_restart"
