#!/bin/bash
# The whole test suite, as CI runs it: installs what it needs (Debian 12, as
# root), builds twice and runs every suite:
#   build-test (gcc)                    unit (DPDK), conformance, integration
#   build-san  (clang, ASan + UBSan)    pure and DPDK unit tests, conformance, fuzz targets
# Ends with one line "N passed, N failed".
# libvirt's conformance data is read where it lies, never copied into the
# repo: $VNETD_CONFORMANCE, else ../shared/conformance/libvirt beside this
# checkout, else beside the checkout it was cloned from (a clone made
# elsewhere on the same machine).  Missing data fails those tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test

conformance_dir() {
	local d origin
	origin=$(git remote get-url origin 2>/dev/null || true)
	for d in "${VNETD_CONFORMANCE:-}" "$PWD/../shared/conformance/libvirt" \
		"${origin:+$origin/../shared/conformance/libvirt}"; do
		if [ -n "$d" ] && [ -d "$d" ]; then
			(cd "$d" && pwd)
			return
		fi
	done
	echo "$PWD/../shared/conformance/libvirt"
}
VNETD_CONFORMANCE=$(conformance_dir)
export VNETD_CONFORMANCE

setup() { # DIR ARGS...
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}
setup build-test -Dtests=enabled -Dconformance_dir="$VNETD_CONFORMANCE"
CC=clang setup build-san -Dtests=enabled -Dconformance_dir="$VNETD_CONFORMANCE" \
	-Db_sanitize=address,undefined -Db_lundef=false \
	-Dfuzz=true -Dfuzz_seconds="${FUZZ_SECONDS:-15}"
ninja -C build-test
ninja -C build-san

rc=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
meson test -C build-san --no-rebuild --print-errorlogs --suite pure --suite fuzz --suite unit || rc=1
meson test -C build-test --no-rebuild --print-errorlogs --suite unit --suite integration || rc=1

python3 - build-san/meson-logs/testlog.json build-test/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for f in sys.argv[1:]:
    for line in open(f):
        r = json.loads(line)
        if r["result"] == "OK": passed += 1
        elif r["result"] == "SKIP": skipped += 1
        else:
            failed += 1
            print("failed: %s (%s)" % (r["name"], r["result"]))
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
PY
exit $rc
