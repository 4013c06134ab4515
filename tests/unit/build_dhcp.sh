#!/bin/sh
# Build and run the DHCP unit tests (gcc + ASan/UBSan) and run the DHCP
# fuzzer briefly (clang + libFuzzer).  Temporary: the lead moves this to meson.
#   usage: [OUT=dir] tests/unit/build_dhcp.sh [fuzz-seconds]   (default 20; 0 = skip)
# Needs: gcc, clang (libFuzzer), pkg-config, libcmocka-dev, libjansson-dev.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-${TMPDIR:-/tmp}/vnetd-dhcp-build}
FUZZ_SECS=${1:-20}
mkdir -p "$OUT"
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -I$ROOT -I$ROOT/control"
JANSSON=$(pkg-config --cflags --libs jansson)
CMOCKA=$(pkg-config --cflags --libs cmocka)
SRCS="$ROOT/control/dhcp/dhcp_proto.c $ROOT/control/dhcp/dhcp_lease.c $ROOT/control/dhcp/dhcp_server.c"

for t in proto lease server; do
	echo "== build test_dhcp_$t"
	# shellcheck disable=SC2086
	gcc $CFLAGS -o "$OUT/test_dhcp_$t" "$ROOT/tests/unit/test_dhcp_$t.c" $SRCS $JANSSON $CMOCKA
done
for t in proto lease server; do
	echo "== run test_dhcp_$t"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$OUT/test_dhcp_$t"
done

if [ "$FUZZ_SECS" != 0 ]; then
	echo "== build fuzz_dhcp"
	# shellcheck disable=SC2086
	clang -std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -I"$ROOT" -I"$ROOT/control" -o "$OUT/fuzz_dhcp" \
		"$ROOT/tests/fuzz/fuzz_dhcp.c" $SRCS $JANSSON
	mkdir -p "$OUT/fuzz_corpus"
	echo "== run fuzz_dhcp for ${FUZZ_SECS}s"
	"$OUT/fuzz_dhcp" -max_total_time="$FUZZ_SECS" -max_len=2048 -detect_leaks=1 \
		-print_final_stats=1 "$OUT/fuzz_corpus"
fi
echo "== all DHCP tests passed"
