#!/bin/sh
# Build vnetctl and its cmocka unit tests by hand (until meson takes over).
# Usage: cli/build.sh [OUTDIR]     (default: /tmp/vnetctl-build)
#        RUN_TESTS=1 cli/build.sh  also runs the unit tests
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=${1:-/tmp/vnetctl-build}
mkdir -p "$out"

CC=${CC:-gcc}
CFLAGS=${CFLAGS:-"-std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE"}
JANSSON_CFLAGS=$(pkg-config --cflags jansson)
JANSSON_LIBS=$(pkg-config --libs jansson)
CMOCKA_CFLAGS=$(pkg-config --cflags cmocka)
CMOCKA_LIBS=$(pkg-config --libs cmocka)

set -x
$CC $CFLAGS $JANSSON_CFLAGS -I"$here" -o "$out/vnetctl" \
    "$here/vnetctl.c" "$here/http.c" "$here/table.c" \
    "$here/cmd_net.c" "$here/cmd_port.c" "$here/cmd_sg.c" $JANSSON_LIBS

$CC $CFLAGS $CMOCKA_CFLAGS -I"$here" -o "$out/test_cli_table" \
    "$top/tests/unit/test_cli_table.c" "$here/table.c" $CMOCKA_LIBS

$CC $CFLAGS $CMOCKA_CFLAGS -I"$here" -o "$out/test_cli_http" \
    "$top/tests/unit/test_cli_http.c" "$here/http.c" $CMOCKA_LIBS
set +x

if [ "${RUN_TESTS:-0}" = 1 ]; then
    "$out/test_cli_table"
    "$out/test_cli_http"
fi
echo "built: $out/vnetctl $out/test_cli_table $out/test_cli_http"
