#!/bin/bash
# Boot one tiny test guest (QEMU TCG, busybox initramfs) whose only NIC is a
# virtio-net device backed by a vhost-user socket, and check the
# "VNET-GUEST: ..." markers it prints on its serial console.
#
# usage: run-guest.sh --sock PATH [options] [-- extra qemu args]
#   --sock PATH        vhost-user unix socket (required; < 108 chars)
#   --mode client      QEMU connects to a socket the switch listens on (default;
#                      QEMU retries every second until it exists)
#   --mode server      QEMU listens on PATH (server=on,wait=off); the switch
#                      connects as vhost-user client
#   --mac MAC          guest MAC (default: 52:54:00 + hash of --name)
#   --params "..."     guest kernel cmdline params, e.g.
#                      "vnet.ip=10.0.0.1/24 vnet.ping=10.0.0.2 vnet.count=3"
#                      (see tests/guest/init for the full list)
#   --name NAME        label for logs (default: basename of --sock)
#   --timeout S        overall deadline in seconds (default 60)
#   --log FILE         serial console log (default: $VNET_GUEST_CACHE/NAME.log);
#                      QEMU's own stderr goes to FILE.qemu
#   --expect STR       marker that must appear (repeatable). A marker matches
#                      if its text equals STR or starts with "STR ".
#                      Default: "link up", "result pass", "done"
#   --reject STR       marker that fails the run at once (repeatable).
#                      Default: "result fail", but only when neither --expect
#                      nor --reject is given (so negative tests such as
#                      --expect "ping 10.0.0.9 fail" --expect done work)
#   --cpus LIST        pin QEMU with taskset -c LIST (env VNET_GUEST_CPUS)
#   --mem SIZE         guest RAM, shared memfd (default 256M)
#   --kernel FILE      default: /boot/vmlinuz-<newest kver with virtio_net>
#                      (as PVH vmlinux); the initramfs modules come from
#                      /lib/modules/$KVER, so set KVER to match a custom kernel
#   --initrd FILE      default: built on demand by mkinitramfs.sh into
#                      $VNET_GUEST_CACHE (default ${TMPDIR:-/tmp}/vnetd-guest)
#   --times FILE       write "<seconds-since-qemu-start> <marker>" per marker
#   --quiet            do not copy the serial log to stdout
#   --prepare          only build/refresh the cached kernel+initramfs, print
#                      "KERNEL INITRD" and exit (no --sock needed)
#
# Exit status: 0 all expected markers seen before the deadline; 1 a reject
# marker was seen or QEMU exited without them; 124 timeout; 2 usage/setup.
# QEMU is always killed when this script exits (also on SIGKILL of this
# script, via PR_SET_PDEATHSIG).
#
# env: QEMU (binary), VNET_GUEST_CACHE, VNET_GUEST_CPUS, VNET_GUEST_TIMEOUT,
#      VNET_GUEST_KERNEL, VNET_GUEST_INITRD, VNET_GUEST_PVH=0 (boot the
#      bzImage instead of the extracted vmlinux), VNET_GUEST_APPEND (extra
#      kernel args)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QEMU=${QEMU:-qemu-system-x86_64}
CACHE=${VNET_GUEST_CACHE:-${TMPDIR:-/tmp}/vnetd-guest}

SOCK="" MODE=client MAC="" PARAMS="" NAME="" TIMEOUT=${VNET_GUEST_TIMEOUT:-60}
LOG="" CPUS=${VNET_GUEST_CPUS:-} MEM=256M KERNEL=${VNET_GUEST_KERNEL:-}
INITRD=${VNET_GUEST_INITRD:-} TIMES="" QUIET=0 PREPARE=0
EXPECT=() REJECT=() EXTRA=()

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-2}"; }
die() { echo "run-guest: error: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --sock) SOCK=$2; shift 2 ;;
        --mode) MODE=$2; shift 2 ;;
        --mac) MAC=$2; shift 2 ;;
        --params|--cmdline) PARAMS="$PARAMS $2"; shift 2 ;;
        --name) NAME=$2; shift 2 ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        --log) LOG=$2; shift 2 ;;
        --expect) EXPECT+=("$2"); shift 2 ;;
        --reject) REJECT+=("$2"); shift 2 ;;
        --cpus) CPUS=$2; shift 2 ;;
        --mem) MEM=$2; shift 2 ;;
        --kernel) KERNEL=$2; shift 2 ;;
        --initrd) INITRD=$2; shift 2 ;;
        --times) TIMES=$2; shift 2 ;;
        --quiet) QUIET=1; shift ;;
        --prepare) PREPARE=1; shift ;;
        -h|--help) usage 0 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) echo "run-guest: unknown argument: $1" >&2; usage 2 ;;
    esac
done

[ -n "$SOCK" ] || [ $PREPARE = 1 ] || die "--sock is required"
case "$SOCK" in /*) ;; *) SOCK="$PWD/$SOCK" ;; esac
[ ${#SOCK} -lt 108 ] || die "socket path too long for AF_UNIX (${#SOCK} >= 108): $SOCK"
case "$MODE" in client|server) ;; *) die "--mode must be client or server" ;; esac
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be whole seconds"
[ -n "$NAME" ] || NAME=$(basename "${SOCK:-guest}" .sock)
if [ -z "$MAC" ]; then
    h=$(printf '%s' "$NAME" | md5sum | cut -c1-6)
    MAC="52:54:00:${h:0:2}:${h:2:2}:${h:4:2}"
fi
if [ ${#EXPECT[@]} -eq 0 ] && [ ${#REJECT[@]} -eq 0 ]; then
    EXPECT=("link up" "result pass" "done"); REJECT=("result fail")
elif [ ${#EXPECT[@]} -eq 0 ]; then
    EXPECT=("link up" "result pass" "done")
fi
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-x86)"
mkdir -p "$CACHE" || die "cannot create $CACHE"
[ -n "$LOG" ] || LOG="$CACHE/$NAME.log"
mkdir -p "$(dirname "$LOG")"

# Guest artifacts are built once into $CACHE (serialized with flock, so
# parallel run-guest.sh invocations share them).
exec 9>"$CACHE/.build.lock"
flock 9
if [ -z "$KERNEL" ]; then
    BZ=$("$HERE/mkinitramfs.sh" --print-kernel) || die "no guest kernel"
    KERNEL=$BZ
    if [ "${VNET_GUEST_PVH:-1}" != 0 ]; then
        # uncompressed vmlinux booted via PVH: no in-guest decompression
        VMLINUX="$CACHE/vmlinux-$(basename "$BZ" | sed 's/^vmlinuz-//')"
        if [ -s "$VMLINUX" ] && [ ! "$BZ" -nt "$VMLINUX" ]; then
            KERNEL=$VMLINUX
        elif [ -e "$VMLINUX.bad" ] && [ ! "$BZ" -nt "$VMLINUX.bad" ] &&
             [ ! "$HERE/mkvmlinux.sh" -nt "$VMLINUX.bad" ]; then
            :   # extraction failed before: use the bzImage
        elif "$HERE/mkvmlinux.sh" "$VMLINUX" "$BZ" >/dev/null 2>"$CACHE/mkvmlinux.err"; then
            rm -f "$VMLINUX.bad"; KERNEL=$VMLINUX
        else
            echo "run-guest: warning: no PVH vmlinux ($(cat "$CACHE/mkvmlinux.err")), booting $BZ (slower)" >&2
            : > "$VMLINUX.bad"
        fi
    fi
fi
[ -r "$KERNEL" ] || die "kernel $KERNEL not readable"
if [ -z "$INITRD" ]; then
    # per kernel version: the modules inside must match the kernel
    KV=$("$HERE/mkinitramfs.sh" --print-kver) || die "no kernel modules"
    # named by the content of its inputs, not judged by their mtimes: two
    # checkouts with different guest scripts (worktrees, an older clone) share
    # the cache without one using the other's image
    SUM=$(cat "$HERE/init" "$HERE/udhcpc.script" "$HERE/mkinitramfs.sh" | sha256sum | cut -c1-12)
    INITRD="$CACHE/initramfs-$KV-$SUM.cpio.gz"
    if [ ! -s "$INITRD" ]; then
        "$HERE/mkinitramfs.sh" "$INITRD" >/dev/null || die "building initramfs failed"
    fi
fi
[ -r "$INITRD" ] || die "initrd $INITRD not readable"
flock -u 9; exec 9>&-
if [ $PREPARE = 1 ]; then echo "$KERNEL $INITRD"; exit 0; fi

if [ "$MODE" = client ]; then
    CHARDEV="socket,id=c0,path=$SOCK,reconnect=1"
else
    CHARDEV="socket,id=c0,path=$SOCK,server=on,wait=off"
fi

CMDLINE="console=ttyS0 quiet loglevel=3 panic=-1 i8042.noaux i8042.nopnp ${VNET_GUEST_APPEND:-} $PARAMS"
CMDLINE=$(echo $CMDLINE)

QEMU_ARGS=(
    -name "$NAME" -accel tcg -machine pc -smp 1 -m "$MEM"
    -nodefaults -no-user-config -nographic -monitor none -no-reboot
    -object "memory-backend-memfd,id=mem,size=$MEM,share=on" -numa node,memdev=mem
    -chardev "$CHARDEV"
    -netdev vhost-user,id=n0,chardev=c0
    -device "virtio-net-pci,netdev=n0,mac=$MAC,vectors=0,romfile="
    -kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE"
    -serial "file:$LOG"
    "${EXTRA[@]}"
)

PRE=()
command -v setpriv >/dev/null && PRE+=(setpriv --pdeathsig KILL --)
[ -n "$CPUS" ] && PRE+=(taskset -c "$CPUS")

: > "$LOG"
QPID=""
cleanup() {
    if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
        kill "$QPID" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$QPID" 2>/dev/null
        wait "$QPID" 2>/dev/null
    fi
    QPID=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "$QEMU ${QEMU_ARGS[*]}" > "$LOG.qemu"
START=$EPOCHREALTIME
"${PRE[@]}" "$QEMU" "${QEMU_ARGS[@]}" </dev/null >>"$LOG.qemu" 2>&1 &
QPID=$!

START_US=${START/./}
now_us() { echo $(( ${EPOCHREALTIME/./} - START_US )); }   # since START
elapsed() { # seconds since START, 2 decimals
    local us
    us=$(now_us)
    printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}
matches() { # matches MARKER PATTERN
    [ "$1" = "$2" ] || [ "${1#"$2 "}" != "$1" ]
}

declare -a SEEN=()      # marker texts in order
declare -a SEENT=()     # host time each was first seen
declare -A HIT=()       # expect index -> 1
RESULT="" RC=""
linger_until=""

scan() { # [final]: also take an unterminated last line (QEMU has exited)
    local lines i m p n=0 cut='$d'
    # QEMU writes the serial console a few bytes at a time: a marker line is
    # complete only with its newline (else "lease 10.0.0.5" may be read as
    # "lease 10.0.0." and never re-read). Append a newline and drop the last
    # line: an unterminated tail, or the empty line after a complete one.
    [ "${1:-}" = final ] && cut=''
    mapfile -t lines < <({ cat "$LOG" 2>/dev/null; echo; } | sed "$cut" |
        grep -a -o 'VNET-GUEST: .*' | tr -d '\r')
    for ((i = ${#SEEN[@]}; i < ${#lines[@]}; i++)); do
        m=${lines[$i]#VNET-GUEST: }
        m=${m%"${m##*[![:space:]]}"}
        SEEN+=("$m"); SEENT+=("$(elapsed)")
        for n in "${!EXPECT[@]}"; do
            matches "$m" "${EXPECT[$n]}" && HIT[$n]=1
        done
        for p in "${REJECT[@]}"; do
            if matches "$m" "$p" && [ -z "$RC" ]; then
                RESULT="FAIL (rejected marker: $m)"; RC=1
            fi
        done
    done
    if [ -z "$RC" ] && [ ${#HIT[@]} -eq ${#EXPECT[@]} ]; then
        RESULT="PASS"; RC=0
    fi
}

while :; do
    scan
    alive=1; kill -0 "$QPID" 2>/dev/null || alive=0
    if [ $alive = 0 ]; then
        wait "$QPID" 2>/dev/null; qrc=$?; QPID=""
        scan final
        if [ -z "$RC" ]; then
            RESULT="FAIL (QEMU exited with status $qrc before all expected markers; see $LOG.qemu)"; RC=1
        fi
        break
    fi
    if [ -n "$RC" ]; then
        # verdict known: give the guest a moment to finish/power off so the
        # log is complete, unless "done" was already seen
        # (up to 2 s after "done", else up to 5 s for the rest of the log)
        last=${SEEN[${#SEEN[@]}-1]:-}
        [ "$last" = "done" ] && [ -z "$linger_until" ] && linger_until=$(( $(now_us) + 2000000 ))
        [ -n "$linger_until" ] || linger_until=$(( $(now_us) + 5000000 ))
        [ "$(now_us)" -ge "$linger_until" ] && break
    fi
    if [ -z "$RC" ] && [ "$(now_us)" -ge $(( TIMEOUT * 1000000 )) ]; then
        RESULT="TIMEOUT after ${TIMEOUT}s"; RC=124
        break
    fi
    sleep 0.1
done
cleanup
TOTAL=$(elapsed)

missing=""
for n in "${!EXPECT[@]}"; do
    [ -n "${HIT[$n]:-}" ] || missing="$missing \"${EXPECT[$n]}\""
done

{
    if [ $QUIET = 0 ]; then
        echo "=== $NAME: serial log ($LOG) ==="
        tr -d '\r' < "$LOG"
    fi
    echo "=== $NAME: markers (seconds since QEMU start) ==="
    for i in "${!SEEN[@]}"; do
        printf '%7s  %s\n' "${SEENT[$i]}" "${SEEN[$i]}"
    done
    if [ -n "$missing" ]; then
        echo "missing:$missing"
        echo "--- QEMU stderr ($LOG.qemu) ---"
        tail -n 5 "$LOG.qemu"
        if [ ! -s "$LOG" ] && grep -q 'waiting for connection' "$LOG.qemu"; then
            echo "hint: QEMU (vhost-user server) blocks before booting until the switch connects to $SOCK"
        elif [ ! -s "$LOG" ] && [ "$MODE" = client ]; then
            echo "hint: QEMU (vhost-user client) blocks before booting until $SOCK accepts a connection"
        fi
    fi
    echo "run-guest: $NAME $RESULT (${TOTAL}s, mode=$MODE, mac=$MAC, kernel=$(basename "$KERNEL"))"
} 

if [ -n "$TIMES" ]; then
    for i in "${!SEEN[@]}"; do echo "${SEENT[$i]} ${SEEN[$i]}"; done > "$TIMES"
fi
exit "$RC"
