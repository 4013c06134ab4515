#!/bin/bash
# Extract the uncompressed ELF vmlinux from the host's bzImage so QEMU can
# boot it through the PVH entry point (-kernel vmlinux). Under TCG this
# skips the in-guest XZ decompression and saves ~4 s per boot.
#
# usage: mkvmlinux.sh OUT [BZIMAGE]
#   BZIMAGE defaults to /boot/vmlinuz-<KVER> (KVER as in mkinitramfs.sh).
# Prints OUT. Fails (status 1) if the payload cannot be extracted or the
# result has no PVH entry note; callers then fall back to the bzImage.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "mkvmlinux: error: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 OUT [BZIMAGE]"
OUT=$1
SRC=${2:-$("$HERE/mkinitramfs.sh" --print-kernel)}
[ -r "$SRC" ] || die "$SRC not readable"
command -v python3 >/dev/null || die "python3 missing"
mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp "$OUT.XXXXXX")
trap 'rm -f "$TMP"' EXIT

python3 - "$SRC" "$TMP" <<'EOF' || die "could not extract vmlinux from $SRC"
import sys, lzma, zlib, subprocess
src, dst = sys.argv[1], sys.argv[2]
d = open(src, "rb").read()
def try_xz(off):
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[off:])
def try_gz(off):
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(d[off:])
def try_zstd(off):
    return subprocess.run(["zstd", "-dcq"], input=d[off:], capture_output=True).stdout
for magic, fn in ((b"\xfd7zXZ\x00", try_xz), (b"\x28\xb5\x2f\xfd", try_zstd),
                  (b"\x1f\x8b\x08", try_gz)):
    off = d.find(magic)
    while off >= 0:
        try:
            out = fn(off)
        except Exception:
            out = b""
        if out[:4] == b"\x7fELF":
            open(dst, "wb").write(out)
            sys.exit(0)
        off = d.find(magic, off + 1)
sys.exit(1)
EOF
# XEN_ELFNOTE_PHYS32_ENTRY (18) marks a PVH-bootable kernel (CONFIG_PVH=y)
if command -v readelf >/dev/null; then
    notes=$(readelf -n "$TMP" 2>/dev/null)
    [[ "$notes" =~ Xen[^$'\n']*0x00000012 ]] || die "$SRC has no PVH entry (CONFIG_PVH)"
fi
chmod 0644 "$TMP"
mv -f "$TMP" "$OUT"
trap - EXIT
echo "$OUT"
