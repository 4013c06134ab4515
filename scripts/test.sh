#!/bin/bash
# The whole test suite, as CI runs it: installs what it needs (Debian 12, as
# root), builds twice and runs every suite:
#   build-test (gcc)                    unit (DPDK), conformance, integration
#   build-san  (clang, ASan + UBSan)    pure and DPDK unit tests, conformance, fuzz
#                                       targets, and the integration suite
#                                       against the sanitized vnetd (less the
#                                       tests in suite 'nosan': see
#                                       tests/integration/meson.build)
# Ends with one line "N passed, N failed".  A skipped test counts as failed:
# every program a test needs comes from scripts/deps.sh --test, so a skip
# means a broken install, never something to pass over.
#
# libvirt's data is read at test time, never copied into the repo:
#  - libvirt 9.0.0's network test data (networkxml2xmltest.c and its inputs
#    and outputs, the update data, the schemas) is fetched by
#    tests/conformance/fetch-libvirt.sh from Debian's libvirt source package
#    into /var/cache/vnetd-conformance; if that fails, ../shared's copy is
#    used instead ($VNETD_LIBVIRT overrides both);
#  - the captured virsh transcript exists only in ../shared: $VNETD_CONFORMANCE,
#    else ../shared/conformance/libvirt beside this checkout, else beside the
#    checkout it was cloned from (a clone made elsewhere on the same machine).
# Missing data fails the tests that need it.
#
# Sanitizer options: everything runs with detect_leaks=1 and aborts on the
# first error, vnetd included: DPDK's EAL memory is mmap()ed (hugepages or
# --no-huge), which LeakSanitizer does not track, and vnetd's clean SIGTERM
# exit (rte_eal_cleanup) leaves no malloc()ed blocks unreachable, so a leak
# report from vnetd is a real leak (the integration tests check vnetd's exit
# status on SIGTERM).  Should a DPDK version ever leak at exit, suppress that
# frame with LSAN_OPTIONS=suppressions=... rather than detect_leaks=0.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test

shared_dir() {
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
VNETD_CONFORMANCE=$(shared_dir)
export VNETD_CONFORMANCE
if [ -z "${VNETD_LIBVIRT:-}" ]; then
	VNETD_LIBVIRT=$(tests/conformance/fetch-libvirt.sh) || {
		echo "libvirt 9.0.0 test data could not be fetched; using $VNETD_CONFORMANCE" >&2
		VNETD_LIBVIRT=$VNETD_CONFORMANCE
	}
fi
export VNETD_LIBVIRT

setup() { # DIR ARGS...
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}
data=(-Dconformance_dir="$VNETD_LIBVIRT" -Dcaptured_dir="$VNETD_CONFORMANCE")
setup build-test -Dtests=enabled "${data[@]}"
CC=clang setup build-san -Dtests=enabled "${data[@]}" \
	-Db_sanitize=address,undefined -Db_lundef=false \
	-Dfuzz=true -Dfuzz_seconds="${FUZZ_SECONDS:-15}"
ninja -C build-test
ninja -C build-san

rc=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
meson test -C build-san --no-rebuild --print-errorlogs --suite pure --suite unit --suite fuzz \
	--logbase testlog-san || rc=1
meson test -C build-san --no-rebuild --print-errorlogs --suite integration \
	--no-suite nosan --logbase testlog-san-integration || rc=1
unset ASAN_OPTIONS UBSAN_OPTIONS
meson test -C build-test --no-rebuild --print-errorlogs --suite unit --suite integration || rc=1

python3 - build-san/meson-logs/testlog-san.json \
	build-san/meson-logs/testlog-san-integration.json \
	build-test/meson-logs/testlog.json <<'PY' || rc=1
import json, sys
passed = failed = 0
for f in sys.argv[1:]:
    tag = "san " if "build-san" in f else ""
    for line in open(f):
        r = json.loads(line)
        if r["result"] == "OK":
            passed += 1
        else:  # FAIL, SKIP, TIMEOUT, ERROR...: a skip is a failure too
            failed += 1
            print("failed: %s%s (%s)" % (tag, r["name"], r["result"]))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
exit $rc
