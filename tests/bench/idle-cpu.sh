#!/bin/bash
# tests/bench/idle-cpu.sh — CPU used by an idle vnetd: one network, two
# vhost-user ports with connected virtio-user peers (vnet-peer) that send
# nothing, measured over SECONDS (default 20) from /proc/PID/stat.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
d=$(mktemp -d /tmp/vnetd-idle.XXXXXX)
trap 'kill $peer $vnetd 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
"$top/build/control/vnetd" --state-dir "$d/state" --run-dir "$d/run" --memory 256 --mbufs 8192 \
	--log-level warning >"$d/log" 2>&1 &
vnetd=$!
v=("$top/build/cli/vnetctl" -q -s "$d/run/vnetd.sock")
for _ in $(seq 100); do "${v[@]}" net-list >/dev/null 2>&1 && break; sleep 0.1; done
"${v[@]}" port-add default i1 --mac 52:54:00:00:09:01 >/dev/null
"${v[@]}" port-add default i2 --mac 52:54:00:00:09:02 >/dev/null
"$top/build/tests/integration/vnet-peer" --lcores 0@0 --no-huge -m 128 --no-shconf \
	--file-prefix idle$$ --no-pci --log-level 4 -- \
	--port "i1,$d/run/default/i1.sock,52:54:00:00:09:01" \
	--port "i2,$d/run/default/i2.sock,52:54:00:00:09:02" --go-file "$d/never" >"$d/peer" 2>&1 &
peer=$!
for _ in $(seq 100); do
	[ "$("${v[@]}" port-info i2 --json | jq -r .port.connected)" = true ] && break
	sleep 0.1
done
sleep 2
ticks() { awk '{print $14 + $15}' "/proc/$vnetd/stat"; }
a=$(ticks); sleep "$secs"; b=$(ticks)
hz=$(getconf CLK_TCK)
awk -v t=$((b - a)) -v hz="$hz" -v s="$secs" 'BEGIN {
	printf "vnetd idle CPU: %d ticks in %d s = %.2f%% of one core\n", t, s, t / hz / s * 100 }'
"${v[@]}" stats | grep -E "^(loops|sleeps|wakeups)"
