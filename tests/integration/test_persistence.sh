#!/bin/bash
# Persistence of the libvirt network model across daemon restarts: a clean
# stop/start keeps every network, the active set (transient networks too, the
# run dir survives), pending definitions, autostart and ports; kill -9 in the
# middle of define/undefine and start/destroy storms leaves only complete
# files that load; bad files in the store are reported and skipped; after a
# reboot (run dir gone) only autostart networks run.
. "$(dirname "$0")/lib.sh"
: "${VNETCTL:?path to the vnetctl binary}"
export LC_ALL=C

vc() { "$VNETCTL" -s "$SOCK" "$@"; }
names() { vc net-list --name "$@" | sed '/^$/d'; }
files() { # DIR: network names stored in DIR/networks
	find "$1/networks" -maxdepth 1 -type f -name '*.xml' -printf '%f\n' | sed 's/\.xml$//' | sort
}
ports_state() { # name network mac path bound, one port a line
	api_ok GET /v1/ports | jq -r '.ports[] | "\(.name) \(.network) \(.mac // "-") \(.path) \(.bound)"'
}
# snapshot FILE: everything a restart must keep
snapshot() {
	{
		vc net-list --all
		for n in $(names --all); do
			echo "== $n"
			vc net-dumpxml "$n"
			echo "== $n --inactive"
			vc net-dumpxml --inactive "$n"
		done
		ports_state
	} >"$1"
}
no_tmp() { # no temporary file of the atomic writes is left
	local t
	t=$(find "$T/state" "$T/run" -name '.tmp-*')
	[ -z "$t" ] || fail "$1: temporary files left: $t"
}
log_since() { tail -c +"$(($1 + 1))" "$T/vnetd.log"; }
logsize() { stat -c %s "$T/vnetd.log"; }

vnetd_start

# --- networks in every state, and ports ------------------------------------------
xml() { printf '{"xml":"<network><name>%s</name>%s</network>"%s}' "$1" "$2" "${3:+,$3}"; }
api_ok POST /v1/networks "$(xml p_act "<ip address='10.41.0.1' prefix='24'><dhcp><range start='10.41.0.10' end='10.41.0.20'/></dhcp></ip>")" >/dev/null
api_ok POST /v1/networks/p_act/start >/dev/null
api_ok POST /v1/networks "$(xml p_inact "<ip address='10.42.0.1' prefix='24'/>")" >/dev/null
api_ok POST /v1/networks "$(xml p_auto "<ip address='10.43.0.1' prefix='24'/>")" >/dev/null
api_ok PUT /v1/networks/p_auto/autostart '{"autostart":true}' >/dev/null
api_ok POST /v1/networks "$(xml t_trans "<ip address='10.44.0.1' prefix='24'/>" '"create":true')" >/dev/null
# active with a pending definition
api_ok POST /v1/networks "$(xml p_pend "<ip address='10.45.0.1' prefix='24'/>")" >/dev/null
api_ok POST /v1/networks/p_pend/start >/dev/null
U=$(api_ok GET /v1/networks/p_pend | jget .network.uuid)
api_ok POST /v1/networks "$(xml p_pend "<uuid>$U</uuid><forward mode='route'/><ip address='10.46.0.1' prefix='24'/>")" >/dev/null
# ports on an active, an inactive and a transient network
port_add vm1 default '"mac":"52:54:00:00:51:01"'
api_ok POST /v1/networks/p_inact/start >/dev/null # port-add needs an active network
port_add vm2 p_inact '"mac":"52:54:00:00:51:02"'
api_ok POST /v1/networks/p_inact/destroy >/dev/null
port_add vm3 t_trans
port_add vm4 p_act '"learning":false'
assert_eq "active set before" "default p_act p_pend t_trans" "$(names | xargs)"
snapshot "$T/before"
[ "$(grep -c ' true$' <(ports_state))" = 4 ] || fail "ports not bound: $(ports_state)"

vnetd_stop
no_tmp "after SIGTERM"
vnetd_start
snapshot "$T/after"
# the only change: p_auto was started by autostart
sed -i 's/^ p_auto    inactive   yes / p_auto    active     yes /' "$T/before"
diff -u "$T/before" "$T/after" || fail "state changed across a restart"
assert_eq "active set after restart" "default p_act p_auto p_pend t_trans" "$(names | xargs)"
assert_eq "transient stays transient" "t_trans" "$(names --transient | xargs)"
for p in vm1 vm2 vm3 vm4; do
	[ -S "$(port_sock $p)" ] || fail "port $p: no socket after restart"
done
assert_eq "ports bound after restart" 4 "$(ports_state | grep -c ' true$')"
api_ok GET /v1/networks/p_pend/xml | jget .xml | grep -q "10.45.0.1" || fail "p_pend live definition lost"
api_ok GET '/v1/networks/p_pend/xml?inactive=1' | jget .xml | grep -q "10.46.0.1" || fail "p_pend pending definition lost"
# the pending definition still applies on the next destroy+start
api_ok POST /v1/networks/p_pend/destroy >/dev/null
api_ok POST /v1/networks/p_pend/start >/dev/null
api_ok GET /v1/networks/p_pend/xml | jget .xml | grep -q "<forward mode='route'/>" || fail "pending definition not applied"
ok "clean restart keeps networks, active set, autostart, pending definitions and ports"

# --- kill -9 during a define/undefine storm ----------------------------------------
storm_defs() { # background: define and undefine s0..s7 until killed
	local i=0 n
	while :; do
		n=s$((i % 8))
		curl -s -o /dev/null --unix-socket "$SOCK" -X POST --data-binary \
			"{\"xml\":\"<network><name>$n</name><ip address='10.50.$((i % 8)).1' prefix='24'/></network>\"}" \
			http://vnetd/v1/networks || true
		[ $((i % 3)) = 0 ] || curl -s -o /dev/null --unix-socket "$SOCK" -X DELETE "http://vnetd/v1/networks/$n" || true
		i=$((i + 1))
		echo $i >"$T/storm.count.new" && mv "$T/storm.count.new" "$T/storm.count" # atomic: readers never see it empty
	done
}
storm_runs() { # background: start and destroy r0..r5 until killed
	local i=0 n
	while :; do
		n=r$((i % 6))
		curl -s -o /dev/null --unix-socket "$SOCK" -X POST "http://vnetd/v1/networks/$n/start" || true
		[ $((i % 4)) = 0 ] || curl -s -o /dev/null --unix-socket "$SOCK" -X POST "http://vnetd/v1/networks/$n/destroy" || true
		i=$((i + 1))
		echo $i >"$T/storm.count.new" && mv "$T/storm.count.new" "$T/storm.count" # atomic: readers never see it empty
	done
}
steps() { local c; c=$(cat "$T/storm.count" 2>/dev/null) || true; echo "${c:-0}"; }
# check_store WHAT: the store after a kill -9 and restart is complete and loaded
check_store() {
	local f
	no_tmp "$1"
	for f in "$T"/state/networks/*.xml "$T"/run/networks/*.xml; do
		xmllint --noout "$f" 2>/dev/null || fail "$1: $f is not complete XML: $(cat "$f")"
		[ "$(xmllint --xpath 'string(/network/name)' "$f")" = "$(basename "$f" .xml)" ] ||
			fail "$1: $f names another network"
	done
	assert_eq "$1: persistent networks = state files" "$(files "$T/state" | xargs)" \
		"$(names --all --persistent | sort | xargs)"
	assert_eq "$1: active networks = run files" "$(files "$T/run" | xargs)" "$(names | sort | xargs)"
	for f in $(files "$T/state"); do
		cmp -s "$T/state/networks/$f.xml" <(api_ok GET "/v1/networks/$f/xml?inactive=1" | jq -j .xml) ||
			fail "$1: $f: loaded definition differs from its file"
	done
	! log_since "$2" | grep -E "skipped|cannot restart|cannot autostart" ||
		fail "$1: vnetd skipped files after the kill"
}
for round in 1 2 3; do
	rm -f "$T/storm.count"
	storm_defs &
	SP=$!
	PIDS+=("$SP")
	for _ in $(seq 1500); do [ "$(steps)" -ge $((20 * round)) ] && break; sleep 0.02; done # up to 30 s: a loaded machine is slow, not broken
	[ "$(steps)" -ge $((20 * round)) ] || fail "define storm made no progress"
	vnetd_kill9
	kill "$SP"
	wait "$SP" 2>/dev/null || true
	L=$(logsize)
	vnetd_start
	check_store "define storm $round (after $(steps) steps)" "$L"
done
ok "kill -9 during define/undefine"

for n in r0 r1 r2 r3 r4 r5; do
	api_ok POST /v1/networks "$(xml $n "<ip address='10.60.${n#r}.1' prefix='24'><dhcp><range start='10.60.${n#r}.10' end='10.60.${n#r}.20'/></dhcp></ip>")" >/dev/null
done
api_ok POST /v1/networks "$(xml r_t "<ip address='10.61.0.1' prefix='24'/>" '"create":true')" >/dev/null
for round in 1 2 3; do
	rm -f "$T/storm.count"
	storm_runs &
	SP=$!
	PIDS+=("$SP")
	for _ in $(seq 1500); do [ "$(steps)" -ge $((20 * round)) ] && break; sleep 0.02; done # up to 30 s: a loaded machine is slow, not broken
	[ "$(steps)" -ge $((20 * round)) ] || fail "start storm made no progress"
	vnetd_kill9
	kill "$SP"
	wait "$SP" 2>/dev/null || true
	L=$(logsize)
	vnetd_start
	check_store "start/destroy storm $round" "$L"
	names | grep -qx r_t || fail "transient r_t lost after kill -9"
done
ok "kill -9 during start/destroy"

# --- bad files in the store are reported and skipped ----------------------------------
vnetd_stop
printf "<network>\n  <name>broken</name>\n  <ip address='10.9.0.1'" >"$T/state/networks/broken.xml"
printf "<network><name>someone</name></network>\n" >"$T/state/networks/foreign.xml"
printf "<network><name>badip</name><ip address='10.9.0.1' prefix='24'><dhcp><range start='10.8.0.2' end='10.8.0.9'/></dhcp></ip></network>\n" >"$T/state/networks/badip.xml"
printf "not xml at all\n" >"$T/state/networks/junk.xml"
printf "<network><name>stray</name></network>\n" >"$T/state/networks/stray.conf"
: >"$T/state/networks/empty.xml"
printf "<network><name>gone</name></network>" >"$T/run/networks/gone.xml" # active, never defined
printf "<network><name>runbad</name>" >"$T/run/networks/runbad.xml"
cp -a "$T/state/networks" "$T/bad.before"
L=$(logsize)
vnetd_start
kill -0 "$VNETD_PID" || fail "vnetd died on bad files"
for f in broken foreign badip junk empty; do
	log_since "$L" | grep -q "^vnetd.net: .*networks/$f.xml: " || fail "$f.xml not reported: $(log_since "$L")"
done
log_since "$L" | grep -q "^vnetd.net: $T/run/networks/runbad.xml: " || fail "run/networks/runbad.xml not reported"
assert_eq "every bad file reported as skipped" 6 "$(log_since "$L" | grep -c 'skipped$')"
for n in broken someone badip junk empty stray runbad; do
	names --all | grep -qx "$n" && fail "bad file loaded as network $n"
done
assert_eq "the good networks load" "default p_act p_auto p_inact p_pend r0 r1 r2 r3 r4 r5 r_t t_trans" \
	"$(names --all | grep -v '^s[0-7]$' | grep -v '^gone$' | xargs)"
diff -r "$T/bad.before" "$T/state/networks" || fail "vnetd changed the bad files"
api_ok GET /v1/version >/dev/null
rm -f "$T"/state/networks/{broken,foreign,badip,junk,empty}.xml "$T/state/networks/stray.conf" "$T/run/networks/runbad.xml"
ok "bad files reported and skipped"

# --- reboot: the run dir is gone, only autostart networks run ------------------------
vc net-autostart r2 >/dev/null
vc net-destroy p_auto >/dev/null
want_auto=$(names --all --autostart | sort | xargs)
vnetd_stop
rm -rf "$T/run"
vnetd_start
assert_eq "after reboot only autostart networks are active" "$want_auto" "$(names | sort | xargs)"
assert_eq "autostart set" "default p_auto r2" "$want_auto"
[ -z "$(names --all --transient)" ] || fail "transient networks survived a reboot: $(names --all --transient)"
assert_eq "ports re-attached after reboot" "vm1 default true
vm2 p_inact true
vm4 p_act true" "$(ports_state | awk '$2 != "t_trans" {print $1, $2, $5}')"
for p in vm1 vm2 vm4; do [ -S "$(port_sock $p)" ] || fail "port $p has no socket after reboot"; done
ok "reboot"
echo "PASS test_persistence"
