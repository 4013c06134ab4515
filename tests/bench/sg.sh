# shellcheck shell=bash
# shellcheck disable=SC2034 # SG_PGX* are read by the sourcing scripts
# tests/bench/sg.sh - the security group DUTs (sourced after lib.sh and
# ovs.sh; used by bench-sg.sh and profile.sh).  Two VM ports on one
# network / bridge; the receiving one (pktgen's port 1) carries SG_N
# stateful ingress rules from tests/bench/sg_rules.py, whose last rule
# alone admits the traffic of $SG_PGX:
#   vnetd-sg  vnetd, the group loaded from its state file (the format the
#             API writes), bound with PUT /v1/ports/p1 security_groups
#   ovs-sg    OVS-DPDK with the rules as OVN's ct ACL flows (add-flows)
# SG_DIR: where the rule files go (default $BENCH_DIR/sg); sg_rules N
# writes them (once).
SG_PGX="--bidir --sip 10.0.0.1 --sip-range 251 --dip 10.1.0.1 --dip-range 1 --dport 5000 --dport-range 61"
# new connections: destinations 10.1.0.1-241 for 2^32 distinct 5-tuples
# (pktgen --cps needs them; the rules do not look at the destination)
SG_PGX_CPS="--sip 10.0.0.1 --sip-range 251 --dip 10.1.0.1 --dip-range 241 --dport 5000 --dport-range 61 --cps"
SG_N=${SG_N:-1000}
SG_VNETD_ARGS=${SG_VNETD_ARGS-"--ct-sessions 1048576 --ct-port-limit 1048576"}

sg_dir() { echo "${SG_DIR:-$BENCH_DIR/sg}"; }
# sg_rules N: the rule files for N rules (vnetd group, API bodies, OVS flows)
sg_rules() {
	local d
	d=$(sg_dir)
	[ -s "$d/o$1.txt" ] && return 0
	mkdir -p "$d" || return 1
	python3 "$BENCH_LIB_DIR/sg_rules.py" "$1" --vnetd "$d/v$1" --ovs "$d/o$1.txt" \
		--api "$d/a$1.txt" >"$d/info$1" || die "sg_rules.py $1 failed"
	log "$(cat "$d/info$1")"
}
ms_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# sg_api METHOD PATH [BODY]: vnetd's API -> the body on stdout; fails unless 2xx
sg_api() {
	local st o=$BENCH_DIR/sg-api.out
	st=$(curl -s -o "$o" -w '%{http_code}' --unix-socket "$BENCH_DIR/vnetd/run/vnetd.sock" \
		-X "$1" -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "http://vnetd$2")
	cat "$o"
	[ "${st:0:1}" = 2 ] || { log "API $1 $2: $st $(cat "$o")"; return 1; }
}

# sg_open: when SG_OPEN (a flow count) is set, A opens that many
# connections (pktgen one way, SG_OPEN_S seconds, default 2) before the measurement's pktgen starts
# both directions.  Without it, B's first packet of a connection can reach
# the DUT before A's: vnetd caches that packet's drop (no session yet, B's
# egress admits nothing) in the flow table and keeps dropping B's side of
# the connection after A opened it (seen with 10,000 rules, where opening a
# connection takes longest; reported, acl_stage.c is not this script's).
sg_open() {
	[ -n "${SG_OPEN:-}" ] || return 0
	src_pktgen sg-open "${SG_OPEN_S:-2}" 0 -s 64 -f "$SG_OPEN" ${SG_PGX/--bidir /} || return 1
	log "opened $SG_OPEN connections: $(result_field "$BENCH_SRC_LINE" rx_pps) pps one way"
}

sg_prestart() { # STATE-DIR: the group as vnetd stores it
	local d
	d=$(sg_dir)
	mkdir -p "$1/policy" && cp -r "$d/v$SG_N/." "$1/policy/"
}
dut_vnetd_sg_start() {
	local t0 n
	sg_rules "$SG_N" || return 1
	t0=$(date +%s.%N)
	BENCH_VNETD_PRESTART=sg_prestart BENCH_VNETD_ARGS=$SG_VNETD_ARGS dut_vnetd_start || return 1
	log "vnetd up with the $SG_N-rule group in $(ms_since "$t0") ms"
	n=$(sg_api GET /v1/security-groups/sgbench | jq '.security_group.security_group_rules | length') || return 1
	[ "$n" = "$SG_N" ] || die "vnetd loaded $n rules, not $SG_N"
	t0=$(date +%s.%N)
	sg_api PUT /v1/ports/p1 '{"security_groups": ["sgbench"]}' >/dev/null || return 1
	log "PUT /v1/ports/p1 security_groups ($SG_N rules): $(ms_since "$t0") ms"
	sg_open
}
dut_vnetd_sg_stop() {
	log "vnetd: $(sg_api GET /v1/stats | jq -c '{flows, flow_misses, drops: (.drops | with_entries(select(.value > 0)))}')"
	dut_vnetd_stop
}
dut_vnetd_sg_describe() { echo "$(dut_vnetd_describe), $SG_N ingress rules on p1"; }

dut_ovs_sg_start() {
	local t0
	sg_rules "$SG_N" || return 1
	ovs_start explicit || return 1
	t0=$(date +%s.%N)
	ovs_ofctl del-flows br0 && ovs_ofctl add-flows br0 "$(sg_dir)/o$SG_N.txt" || return 1
	log "OVS: $(ovs_ofctl dump-flows br0 --no-stats | grep -c priority) flows added in $(ms_since "$t0") ms"
	ovs_appctl dpctl/ct-set-maxconns 3000000 >/dev/null || return 1
	sg_open
}
dut_ovs_sg_stop() {
	log "OVS conntrack entries: $(ovs_appctl dpctl/ct-get-nconns 2>/dev/null)"
	log "OVS table 1 hits: $(ovs_ofctl dump-flows br0 table=1 | awk '/n_packets=[1-9]/ {
		match($0, /n_packets=[0-9]+/); p = substr($0, RSTART, RLENGTH)
		match($0, /priority=[0-9]+,[^ ]*/); printf "%s %s; ", p, substr($0, RSTART, RLENGTH) }')"
	ovs_pmd_stats
	ovs_stop
}
dut_ovs_sg_describe() { echo "OVS-DPDK $(ovs-vsctl --version | head -1 | awk '{print $NF}'), netdev bridge, OVN-style ct ACL flows for $SG_N rules, $OVS_PORT_TYPE, 1 PMD on CPU $BENCH_DUT_CPU"; }
