#!/bin/bash
# Self-check of the guest harness, independent of vnetd: two guests attached
# to a dpdk-testpmd net_vhost io-forwarder (port 0 <-> port 1) ping each
# other with static addresses.
#   vm1: QEMU vhost-user client (testpmd port 0 listens, client=0)
#   vm2: QEMU vhost-user server (testpmd port 1 connects, client=1)
#
# usage: test_guest_testpmd.sh [--dhcp] [--keep]
#   --dhcp   also run a second round: vm1 serves DHCP (busybox udhcpd),
#            vm2 gets a lease with udhcpc and pings vm1
#   --keep   keep the work dir (logs) even on success
# env: TESTPMD_LCORES (default 0,1: main lcore 0, busy-polling fwd lcore 1)
#      VNET_GUEST_CPUS (default 0: both QEMUs share CPU 0, away from the
#      polling lcore), GUEST_TIMEOUT (default 45)
# Exit: 0 pass, 1 fail (a missing program is a failure: scripts/deps.sh --test).
# The suite runs it (the static round) as the integration test guest_harness,
# so a broken harness shows apart from a vnetd failure in test_guest.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN="$HERE/run-guest.sh"
LCORES=${TESTPMD_LCORES:-0,1}
export VNET_GUEST_CPUS=${VNET_GUEST_CPUS:-0}
GTO=${GUEST_TIMEOUT:-45}
DHCP=0 KEEP=0
for a in "$@"; do
    case "$a" in
        --dhcp) DHCP=1 ;;
        --keep) KEEP=1 ;;
        *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
    esac
done

for c in dpdk-testpmd qemu-system-x86_64; do
    command -v "$c" >/dev/null || { echo "FAIL: $c not installed (scripts/deps.sh --test)"; exit 1; }
done

W=$(mktemp -d /tmp/vnetg.XXXXXX)     # short: AF_UNIX path limit
export GUEST_OUT=$W
. "$HERE/guest.sh"
export VNET_GUEST_CACHE=${VNET_GUEST_CACHE:-/tmp/vnetd-guest}
TP_PID=""
cleanup() {
    if [ -n "$TP_PID" ] && kill -0 "$TP_PID" 2>/dev/null; then
        kill -INT "$TP_PID" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$TP_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$TP_PID" 2>/dev/null
    fi
    wait 2>/dev/null
    TP_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Prebuild guest artifacts so the boot timings below exclude them.
ART=$("$RUN" --prepare) || { echo "FAIL: cannot build guest kernel/initramfs"; exit 1; }
echo "guest artifacts: $ART"

start_testpmd() { # LOG
    # --stats-period keeps testpmd running without a terminal; it stops on
    # SIGINT and prints the forward statistics.
    setpriv --pdeathsig KILL -- timeout -s INT 170 \
        dpdk-testpmd -l "$LCORES" --no-huge -m 1024 --no-shconf \
        --file-prefix "vnetg$$" --no-pci \
        --vdev "net_vhost0,iface=$W/vm1.sock,client=0" \
        --vdev "net_vhost1,iface=$W/vm2.sock,client=1" \
        -- --total-num-mbufs=16384 --forward-mode=io --auto-start \
        --stats-period 3600 </dev/null >"$1" 2>&1 &
    TP_PID=$!
    for _ in $(seq 100); do
        [ -S "$W/vm1.sock" ] && return 0
        kill -0 "$TP_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL: testpmd did not create $W/vm1.sock"; tail -n 20 "$1"; return 1
}

round() { # NAME VM1PARAMS VM2PARAMS VM1EXPECTS... -- VM2EXPECTS...
    local name=$1 p1=$2 p2=$3; shift 3
    local e1=() e2=() side=1 a
    for a in "$@"; do
        if [ "$a" = -- ]; then side=2; continue; fi
        if [ $side = 1 ]; then e1+=(--expect "$a"); else e2+=(--expect "$a"); fi
    done
    echo "=== round '$name' ==="
    rm -f "$W"/vm*.sock
    start_testpmd "$W/testpmd-$name.log" || return 1
    guest_start "$name-vm1" "$W/vm1.sock" "$p1" --mode client --mac 52:54:00:00:00:01 \
        --timeout "$GTO" "${e1[@]}"
    guest_start "$name-vm2" "$W/vm2.sock" "$p2" --mode server --mac 52:54:00:00:00:02 \
        --timeout "$GTO" "${e2[@]}"
    local r1=0 r2=0
    guest_wait "$name-vm1" >/dev/null || r1=1
    guest_wait "$name-vm2" >/dev/null || r2=1
    cleanup
    cat "$W/$name-vm1.out" "$W/$name-vm2.out"
    if [ $r1 != 0 ] || [ $r2 != 0 ]; then
        for a in vm1 vm2; do
            echo "--- serial log $name-$a ---"; tr -d '\r' < "$W/$name-$a.serial"
        done
    fi
    echo "--- testpmd forward stats ---"
    grep -E 'Forward statistics for port|RX-packets|TX-packets' "$W/testpmd-$name.log" | tail -n 8
    echo "--- timings (host seconds since QEMU start; guest uptime in 'times') ---"
    local vm t tl tp
    for vm in vm1 vm2; do
        t="$W/$name-$vm.times"
        tl=$(guest_time "$name-$vm" 'lease ')
        tp=$(awk '$2 == "ping" && $4 == "ok" { print $1; exit }' "$t")
        printf '%-11s boot-to-init %5ss  boot-to-link %5ss  %s%s | guest uptime: %s\n' \
            "$name-$vm" "$(guest_time "$name-$vm" init)" "$(guest_time "$name-$vm" 'link up')" \
            "${tl:+boot-to-lease ${tl}s  }" "${tp:+boot-to-ping-ok ${tp}s  }" \
            "$(guest_marker "$name-$vm" 'times ' | cut -d' ' -f2-)"
    done
    [ $r1 = 0 ] && [ $r2 = 0 ]
}

RC=0
round static \
    "vnet.ip=10.77.0.1/24 vnet.ping=10.77.0.2 vnet.count=3 vnet.wait=20 vnet.waitpings=4" \
    "vnet.ip=10.77.0.2/24 vnet.ping=10.77.0.1 vnet.count=3 vnet.wait=20 vnet.waitpings=4" \
    "link up" "ping 10.77.0.2 ok" "result pass" "done" -- \
    "link up" "ping 10.77.0.1 ok" "result pass" "done" || RC=1

if [ $DHCP = 1 ]; then
    round dhcp \
        "vnet.ip=10.77.0.1/24 vnet.dhcpd=10.77.0.50,10.77.0.50 vnet.wait=30 vnet.waitpings=4" \
        "vnet.dhcp=1 vnet.ping=10.77.0.1 vnet.count=3" \
        "link up" "dhcpd" "result pass" "done" -- \
        "link up" "lease 10.77.0.50" "ping 10.77.0.1 ok" "result pass" "done" || RC=1
fi

if [ $RC = 0 ]; then
    echo "PASS: guest harness works over testpmd vhost-user (logs: $W)"
    [ $KEEP = 1 ] || rm -rf "$W"
else
    echo "FAIL: guest harness self-check failed (logs kept in $W)"
fi
exit $RC
