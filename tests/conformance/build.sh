#!/bin/sh
# Build (and optionally run) the netxml module tests without meson.
#
#   tests/conformance/build.sh            build into $OUT (default build-netxml/)
#   tests/conformance/build.sh run        build, then run unit + conformance
#   tests/conformance/build.sh fuzz [s]   also build the libFuzzer target with
#                                         clang and run it for s seconds (default 60)
#
# Env: OUT (output dir), CORPUS (conformance dir, default
# /work/shared/conformance/libvirt), SAN=0 to build without ASan/UBSan.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-${TMPDIR:-/tmp}/vnetd-netxml-build}
CORPUS=${CORPUS:-/work/shared/conformance/libvirt}
mkdir -p "$OUT"

XML_CFLAGS=$(pkg-config --cflags libxml-2.0)
XML_LIBS=$(pkg-config --libs libxml-2.0)
CMOCKA_CFLAGS=$(pkg-config --cflags cmocka)
CMOCKA_LIBS=$(pkg-config --libs cmocka)

CFLAGS="-std=gnu11 -Wall -Wextra -Werror -g -O1 -I$ROOT -I$ROOT/control $XML_CFLAGS"
if [ "${SAN:-1}" = 1 ]; then
    CFLAGS="$CFLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
fi
SRCS="$ROOT/control/netxml/netxml.c $ROOT/control/netxml/netxml_elems.c $ROOT/control/netxml/netxml_util.c $ROOT/control/netxml/netxml_access.c $ROOT/control/netxml/netxml_format.c $ROOT/control/netxml/netxml_validate.c $ROOT/control/netxml/netxml_update.c"

set -x
gcc $CFLAGS -o "$OUT/test_netxml" "$ROOT/tests/unit/test_netxml.c" $SRCS \
    $CMOCKA_CFLAGS $CMOCKA_LIBS $XML_LIBS
gcc $CFLAGS -o "$OUT/test_conformance" "$ROOT/tests/conformance/test_conformance.c" \
    $SRCS $XML_LIBS
set +x

case "${1:-}" in
run)
    "$OUT/test_netxml"
    "$OUT/test_conformance" "$CORPUS"
    "$OUT/test_conformance" --captured "$CORPUS"
    ;;
fuzz)
    set -x
    clang -std=gnu11 -Wall -Wextra -Werror -g -O1 -I"$ROOT" -I"$ROOT/control" $XML_CFLAGS \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -o "$OUT/fuzz_netxml" "$ROOT/tests/fuzz/fuzz_netxml.c" $SRCS $XML_LIBS
    set +x
    mkdir -p "$OUT/fuzz-corpus"
    cp "$CORPUS"/tests/networkxml2xmlin/*.xml "$ROOT"/tests/data/netxml/*.xml \
        "$OUT/fuzz-corpus/" 2>/dev/null || true
    "$OUT/fuzz_netxml" -max_total_time="${2:-60}" -max_len=4096 \
        -dict="$ROOT/tests/data/netxml/fuzz.dict" "$OUT/fuzz-corpus"
    ;;
esac
