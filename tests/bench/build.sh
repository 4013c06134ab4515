#!/bin/sh
# Build the benchmark packet generator without meson (meson builds it as
# build/tests/bench/pktgen, which lib.sh prefers).
# Usage: tests/bench/build.sh [OUTDIR]   (default: tests/bench/build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/build}
mkdir -p "$out"
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2 -g -Wall -Wextra -Wno-unused-parameter}
# shellcheck disable=SC2046,SC2086
$CC $CFLAGS $(pkg-config --cflags libdpdk) \
    -o "$out/pktgen" "$here/pktgen.c" "$here/pg_flow.c" \
    $(pkg-config --libs libdpdk) -lm
echo "built $out/pktgen"
