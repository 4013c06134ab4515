#!/bin/bash
# Packaging: `meson install` puts the binaries, the systemd unit, the manual
# pages and the bash completion in place; the unit passes systemd-analyze
# verify (and, where systemd is PID 1, would be started by the lead's
# machine-level test, not here: this test never touches the host's
# systemd); the manual pages render and list exactly the options and
# commands --help lists (they are generated from the same tables, and this
# fails if they drift); the completion loads and completes `vnetctl net-`.
#
# Needs meson, systemd-analyze (systemd), man (man-db), bash.
set -euo pipefail
: "${VNETD:?}" "${VNETCTL:?}" "${BUILDDIR:?}"
for b in meson systemd-analyze man bash; do
	command -v $b >/dev/null || { echo "FAIL: $b not installed" >&2; exit 1; }
done
T=$(mktemp -d /tmp/vnetd-pkg.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# --- meson install ---------------------------------------------------------------------
meson install -C "$BUILDDIR" --no-rebuild --destdir "$T/inst" >"$T/install.log" 2>&1 ||
	fail "meson install: $(tail -5 "$T/install.log")"
PFX=$(meson introspect "$BUILDDIR" --buildoptions | python3 -c '
import json, sys; o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], o["bindir"], o["mandir"], o["datadir"])')
read -r prefix bindir mandir datadir <<<"$PFX"
R=$T/inst$prefix
for f in "$bindir/vnetd" "$bindir/vnetctl" lib/systemd/system/vnetd.service \
	"$mandir/man8/vnetd.8" "$mandir/man1/vnetctl.1" "$datadir/bash-completion/completions/vnetctl"; do
	[ -s "$R/$f" ] || fail "meson install did not install $prefix/$f"
done
ok "meson install"

# --- the unit --------------------------------------------------------------------------
U=$R/lib/systemd/system/vnetd.service
grep -qx "ExecStart=$prefix/$bindir/vnetd \$VNETD_OPTS" "$U" || fail "ExecStart: $(grep ExecStart "$U")"
grep -q -- "--socket-group" <(grep -v '^#' "$U") && fail "the unit requires a socket group"
# verify against the installed tree (ExecStart must exist: point it there)
mkdir -p "$T/verify"
sed "s|^ExecStart=$prefix/$bindir/vnetd|ExecStart=$R/$bindir/vnetd|" "$U" >"$T/verify/vnetd.service"
systemd-analyze verify --man=no "$T/verify/vnetd.service" >"$T/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
grep -v -e '^$' "$T/verify.log" | grep -i "vnetd.service" && fail "systemd-analyze verify warns: $(cat "$T/verify.log")"
ok "systemd-analyze verify vnetd.service"
if [ "$(ps -o comm= -p 1)" = systemd ]; then
	# systemd runs this machine: start the unit for real, as a runtime unit
	# of its own name with private directories (never the host's vnetd)
	name=vnetd-test-$$
	sed -e "s|^ExecStart=.*|ExecStart=$VNETD --state-dir $T/state --run-dir $T/run --no-default-network --memory 256 --mbufs 8192|" \
		-e '/^EnvironmentFile=/d' "$U" >"/run/systemd/system/$name.service"
	trap 'systemctl stop "$name" 2>/dev/null; rm -f "/run/systemd/system/$name.service"; systemctl daemon-reload; rm -rf "$T"' EXIT
	systemctl daemon-reload
	systemctl start "$name" || fail "systemctl start: $(systemctl status "$name" | tail -5)"
	for _ in $(seq 100); do [ -S "$T/run/vnetd-ro.sock" ] && break; sleep 0.1; done
	curl -sf --unix-socket "$T/run/vnetd-ro.sock" http://vnetd/v1/version >/dev/null ||
		fail "the started unit does not answer: $(systemctl status "$name" | tail -5)"
	systemctl stop "$name"
	ok "systemd started and stopped the unit"
else
	echo "systemd is not PID 1 here ($(ps -o comm= -p 1)): unit verified, not started"
fi

# --- manual pages render and match --help ----------------------------------------------
for m in "$R/$mandir/man8/vnetd.8" "$R/$mandir/man1/vnetctl.1"; do
	MANWIDTH=100 man -l "$m" >"$T/render" 2>"$T/render.err" || fail "man -l $m: $(cat "$T/render.err")"
	[ -s "$T/render.err" ] && fail "man -l $m warns: $(cat "$T/render.err")"
	grep -q "^NAME" "$T/render" && grep -q "^OPTIONS" "$T/render" || fail "$m renders without NAME/OPTIONS"
done
# options and commands, from the rendered page and from --help
opts_help() { { grep -oE -- '--[a-z][a-z-]*' || true; } | sort -u; }
MANWIDTH=200 man -l "$R/$mandir/man8/vnetd.8" 2>/dev/null | sed -n '/^OPTIONS/,/^FILES/p' | opts_help >"$T/man.vnetd"
"$VNETD" --help | opts_help >"$T/help.vnetd"
diff -u "$T/help.vnetd" "$T/man.vnetd" || fail "vnetd --help and vnetd.8 list different options"
MANWIDTH=200 man -l "$R/$mandir/man1/vnetctl.1" 2>/dev/null | sed -n '/^OPTIONS/,/^COMMANDS/p' | opts_help >"$T/man.vnetctl"
"$VNETCTL" --help | sed -n '/options:/,/commands (non/p' | opts_help >"$T/help.vnetctl"
diff -u "$T/help.vnetctl" "$T/man.vnetctl" || fail "vnetctl --help and vnetctl.1 list different options"
"$VNETCTL" help | awk '/^    [a-z]/ {print $1}' | sort >"$T/help.cmds"
MANWIDTH=200 man -l "$R/$mandir/man1/vnetctl.1" 2>/dev/null | sed -n '/^COMMANDS/,/^ENVIRONMENT/p' |
	awk '/^       [a-z][a-z-]*( |$)/ {print $1}' | sort >"$T/man.cmds"
[ "$(wc -l <"$T/help.cmds")" -gt 10 ] || fail "vnetctl help lists $(wc -l <"$T/help.cmds") commands"
diff -u "$T/help.cmds" "$T/man.cmds" || fail "vnetctl help and vnetctl.1 list different commands"
# each command's options too
for c in $(cat "$T/help.cmds"); do
	"$VNETCTL" help "$c" | sed -n '/^  SYNOPSIS/,/^$/p' | opts_help >"$T/h"
	MANWIDTH=400 man -l "$R/$mandir/man1/vnetctl.1" 2>/dev/null |
		awk -v c="$c" '$1 == c && /^       [a-z]/ {print; exit}' | opts_help >"$T/m"
	diff -u "$T/h" "$T/m" >/dev/null || fail "$c: options differ between help and vnetctl.1: $(diff "$T/h" "$T/m" | tr '\n' ' ')"
done
ok "vnetd.8 and vnetctl.1 render and list what --help lists"

# --- bash completion -------------------------------------------------------------------
C=$R/$datadir/bash-completion/completions/vnetctl
out=$(bash -c "source '$C' && complete -p vnetctl") || fail "completion does not load"
[ "$out" = "complete -F _vnetctl vnetctl" ] || fail "complete -p: $out"
got=$(bash -c "source '$C'; COMP_WORDS=(vnetctl net-); COMP_CWORD=1; _vnetctl; printf '%s\n' \"\${COMPREPLY[@]}\"" | sort)
want=$("$VNETCTL" help network | awk '/^    net-/ {print $1}' | sort)
[ -n "$want" ] && [ "$got" = "$want" ] || fail "vnetctl net-<TAB>: '$got', expected '$want'"
got=$(bash -c "source '$C'; COMP_WORDS=(vnetctl net-dhcp-leases --); COMP_CWORD=2; _vnetctl; printf '%s\n' \"\${COMPREPLY[@]}\"" | sort | xargs)
[ "$got" = "--help --json --mac --network" ] || fail "vnetctl net-dhcp-leases --<TAB>: '$got'"
ok "bash completion"
