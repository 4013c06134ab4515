#!/bin/bash
# Build the vnetd test-guest initramfs: busybox-static + the virtio-net
# kernel modules of the host kernel + tests/guest/init.
#
# usage: mkinitramfs.sh [--print-kver|--print-kernel] OUT.cpio.gz
#   KVER    env override; default: newest /lib/modules/* that has virtio_net
#   BUSYBOX env override; default: busybox-static's /bin/busybox
#
# Idempotent: the image is built in a temp dir and atomically renamed over
# OUT, with fixed timestamps, so the same inputs give the same bytes.
# Prints the absolute path of OUT on stdout.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULES="virtio_net virtio_pci"   # dependencies are resolved with modprobe

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

find_kver() {
    local d k best=""
    for d in /lib/modules/*/; do
        [ -d "$d" ] || continue
        k=$(basename "$d")
        # virtio_net as a module, or built in
        if [ -n "$(find "$d" -name 'virtio_net.ko*' 2>/dev/null)" ] ||
           grep -qs '/virtio_net.ko' "$d/modules.builtin"; then
            best=$(printf '%s\n%s\n' "$best" "$k" | sed '/^$/d' | sort -V | tail -n1)
        fi
    done
    [ -n "$best" ] || die "no /lib/modules/<kver> with virtio_net (apt-get install linux-image-amd64)"
    echo "$best"
}

PRINT=""
case "${1:-}" in
    --print-kver) PRINT=kver; shift ;;
    --print-kernel) PRINT=kernel; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac

KVER=${KVER:-$(find_kver)}
if [ "$PRINT" = kver ]; then echo "$KVER"; exit 0; fi
if [ "$PRINT" = kernel ]; then
    [ -r "/boot/vmlinuz-$KVER" ] || die "/boot/vmlinuz-$KVER missing or unreadable (apt-get install linux-image-amd64)"
    echo "/boot/vmlinuz-$KVER"; exit 0
fi

[ $# -eq 1 ] || die "usage: $0 [--print-kver|--print-kernel] OUT.cpio.gz"
OUT=$1
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac

# ---- prerequisites --------------------------------------------------------
# (no "cmd | grep -q": with pipefail, grep's early exit SIGPIPEs cmd)
is_static() {
    local out
    if command -v file >/dev/null; then
        out=$(file -L "$1" 2>/dev/null); [[ "$out" == *"statically linked"* ]]
    elif command -v ldd >/dev/null; then
        ! ldd "$1" >/dev/null 2>&1
    else
        true
    fi
}
BUSYBOX=${BUSYBOX:-}
if [ -z "$BUSYBOX" ]; then
    for b in /bin/busybox /usr/bin/busybox; do
        if [ -x "$b" ] && is_static "$b"; then BUSYBOX=$b; break; fi
    done
fi
[ -n "$BUSYBOX" ] || die "no statically linked busybox found (apt-get install busybox-static)"
is_static "$BUSYBOX" || die "$BUSYBOX is not statically linked (apt-get install busybox-static)"
APPLETS=" $("$BUSYBOX" --list | tr '\n' ' ') "
for a in sh insmod ip ping udhcpc udhcpd ipcalc awk wget nslookup md5sum timeout poweroff mount sleep grep sed setsid cttyhack nc; do
    [[ "$APPLETS" == *" $a "* ]] || die "$BUSYBOX lacks applet '$a'"
done
command -v modprobe >/dev/null || die "modprobe missing (apt-get install kmod)"
command -v gzip >/dev/null || die "gzip missing"
[ -d "/lib/modules/$KVER" ] || die "/lib/modules/$KVER missing"
[ -r "$HERE/init" ] || die "$HERE/init missing"
[ -r "$HERE/udhcpc.script" ] || die "$HERE/udhcpc.script missing"

# ---- staging --------------------------------------------------------------
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/vnet-initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules}

cp "$BUSYBOX" "$STAGE/bin/busybox"
for a in $APPLETS; do
    [ "$a" = busybox ] || ln -sf busybox "$STAGE/bin/$a"
done
install -m 0755 "$HERE/init" "$STAGE/init"
install -m 0755 "$HERE/udhcpc.script" "$STAGE/etc/udhcpc.script"

# Modules in dependency order (modprobe prints deps first); built-ins are
# skipped; compressed modules are decompressed here so busybox insmod
# never has to deal with .xz/.zst/.gz.
: > "$STAGE/lib/modules/order"
seen=" "
for m in $MODULES; do
    modprobe --show-depends -S "$KVER" "$m" \
        || die "modprobe --show-depends -S $KVER $m failed (run depmod $KVER?)"
done | while read -r kind path _rest; do
    [ "$kind" = insmod ] || continue          # "builtin foo" lines
    name=$(basename "$path"); name=${name%%.ko*}
    case "$seen" in *" $name "*) continue ;; esac
    seen="$seen$name "
    dst="$STAGE/lib/modules/$name.ko"
    case "$path" in
        *.ko)     cp "$path" "$dst" ;;
        *.ko.xz)  xz -dc "$path" > "$dst" || die "xz -d $path (apt-get install xz-utils)" ;;
        *.ko.zst) zstd -qdc "$path" > "$dst" || die "zstd -d $path (apt-get install zstd)" ;;
        *.ko.gz)  gzip -dc "$path" > "$dst" ;;
        *) die "unknown module format: $path" ;;
    esac
    echo "$name" >> "$STAGE/lib/modules/order"
done
grep -qx virtio_net "$STAGE/lib/modules/order" ||
    grep -qs '/virtio_net.ko' "/lib/modules/$KVER/modules.builtin" ||
    die "virtio_net module not collected"
echo "$KVER" > "$STAGE/etc/vnet-kver"

# ---- archive --------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
TMPOUT=$(mktemp "$OUT.XXXXXX")
find "$STAGE" -exec touch -h -d @0 {} + 2>/dev/null || true
(
    cd "$STAGE"
    if command -v cpio >/dev/null; then
        find . -mindepth 1 | LC_ALL=C sort |
            cpio --quiet -o -H newc -R 0:0 --reproducible
    else
        # fallback: minimal newc writer
        python3 - <<'EOF'
import os, sys, stat
out = sys.stdout.buffer
paths = sorted(p[2:] for p in os.popen("find . -mindepth 1").read().split("\n") if p)
def hdr(ino, mode, nlink, size, name):
    h = "070701" + "".join("%08X" % v for v in
        (ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name) + 1, 0))
    b = h.encode() + name.encode() + b"\0"
    return b + b"\0" * (-len(b) % 4)
for i, p in enumerate(paths, 1):
    st = os.lstat(p)
    if stat.S_ISLNK(st.st_mode):
        data = os.readlink(p).encode()
    elif stat.S_ISREG(st.st_mode):
        data = open(p, "rb").read()
    else:
        data = b""
    out.write(hdr(i, st.st_mode, 2 if stat.S_ISDIR(st.st_mode) else 1, len(data), p))
    out.write(data + b"\0" * (-len(data) % 4))
out.write(hdr(0, 0, 1, 0, "TRAILER!!!"))
EOF
    fi
) | gzip -9 -n > "$TMPOUT"
chmod 0644 "$TMPOUT"
mv -f "$TMPOUT" "$OUT"
echo "$OUT"
