#!/bin/bash
# tests/bench/bench-sg.sh — stateful security groups: vnetd against OVS-DPDK
# with conntrack and the same rules as OpenFlow (what OVN programs), side by
# side in one run (doc/benchmarks.md, issue 10).
#
#   pktgen (virtio-user) port 0 = VM A, port 1 = VM B, one network / bridge;
#   64 B UDP from A to B, from 10.0.0.1-251 (ports 1024-17404) to 10.1.0.1
#   ports 5000-5060, and B's replies (pktgen --bidir: both directions, the
#   rate is their sum; without replies OVS's conntrack never calls a UDP
#   connection established: every packet would take the +new path).  B's port carries RULES stateful ingress rules
#   (tests/bench/sg_rules.py: a seeded mix of remote /32s, /24s, 0.0.0.0/0
#   with TCP ports, TCP/UDP/SCTP port ranges, ICMP, GRE/ESP/AH/VRRP, any
#   protocol); only the LAST rule (UDP 5000-5060 from 10.0.0.0/24) admits
#   the traffic.
#   vnetd-sg  vnetd (build/control/vnetd, 1 worker), ports p0 and p1, the
#             group loaded from its state files (<state-dir>/policy/<id>.json
#             and policy/rules/<seq>-<rule id>.json,
#             the format the API writes: the API's per-rule durable write is
#             too slow for 10,000 rules, see API_PROBE), bound to p1 with
#             PUT /v1/ports/p1 {"security_groups": ["sgbench"]}
#   ovs-sg    OVS-DPDK, netdev bridge, the rules as OVN's to-lport ACL flows
#             (ovs-ofctl add-flows from a file): ip -> ct(table=1,zone=1);
#             +est/+rel pass, one flow per rule and masked port match on
#             +new-est+trk -> ct(commit,zone=1),output; the rest drops.
#             (One conntrack pass per packet: OVN sends traffic between two
#             ports of a switch with stateful ACLs through conntrack twice,
#             in the sender's ingress and the receiver's egress pipeline;
#             this is OVS's cheapest form of the same policy.)
#   Established: A opens FLOWS connections (pktgen -f, one way, 2 s: see
#   sg_open in sg.sh for why A goes first), then both directions run
#   (--bidir: warm-up, measurement): the stateful fast path.  A round runs each
#   DUT once (fresh start, rules loaded, warm-up, measurement); the order
#   rotates.  Then new connections/s (pktgen --cps: every packet a new
#   5-tuple, CPS_N of them; destinations 10.1.0.1-241 for enough distinct
#   tuples, the rules do not look at the destination).
#   Prints per RULES the median of the rounds for each DUT, vnetd/OVS (the
#   median of the per-round ratios), cycles per packet each DUT counted
#   itself, vnetd(max RULES)/vnetd(min RULES), the load average.
#   API_PROBE=N (default 1000, 0: none): first, N rules POSTed one by one to
#   a fresh vnetd through the API (curl on the unix socket): the time.
#
# usage: tests/bench/bench-sg.sh [-r REPS] [-d SECONDS] [-w SECONDS]
#        env: RULES="10 100 1000 10000" FLOWS=10000 CPS_N=200000 (0: no cps)
#             DUTS="vnetd-sg ovs-sg" API_PROBE=1000
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovs.sh"

reps=3 dur=5 warm=3
while getopts "r:d:w:h" o; do
	case $o in
	r) reps=$OPTARG ;; d) dur=$OPTARG ;; w) warm=$OPTARG ;;
	*) sed -n '2,43p' "$0"; exit 2 ;;
	esac
done
RULES=${RULES:-10 100 1000 10000}
FLOWS=${FLOWS:-10000}
CPS_N=${CPS_N:-200000}
DUTS=${DUTS:-vnetd-sg ovs-sg}
API_PROBE=${API_PROBE:-1000}
export BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-3} BENCH_RETRIES=${BENCH_RETRIES:-1}

# every program this script runs (scripts/deps.sh --bench installs them)
for t in python3 curl jq ovsdb-tool ovsdb-server ovs-vsctl ovs-ofctl ovs-appctl timeout top; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/deps.sh --bench)"
done
[ -x "$OVS_VSWITCHD" ] || die "missing tool: $OVS_VSWITCHD (openvswitch-switch-dpdk; scripts/deps.sh --bench)"
[ -x "$BENCH_VNETD" ] || die "vnetd not built: $BENCH_VNETD (meson setup build && ninja -C build)"

. "$(dirname "$0")/sg.sh"
SG_DIR=$(mktemp -d /tmp/vnetd-bench-sg.XXXXXX)
OUT=$SG_DIR/results
trap 'rc=$?; [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$SG_DIR"; exit $rc' EXIT
trap 'log "interrupted"; exit 130' INT TERM
log "rule sets and results in $SG_DIR"
for n in $RULES; do sg_rules "$n"; done
load() { awk '{ print $1 }' /proc/loadavg; }

# --- the API's speed for bulk rule creation
if [ "$API_PROBE" != 0 ]; then
	top=0
	for n in $RULES; do [ "$n" -gt "$top" ] && top=$n; done
	[ "$API_PROBE" -le "$top" ] || die "API_PROBE=$API_PROBE > the largest rule set ($top)"
	(bench_init
	dut_vnetd_start >/dev/null || exit 1
	gid=$(sg_api POST /v1/security-groups '{"security_group": {"name": "probe"}}' | jq -r .security_group.id)
	t0=$(date +%s.%N) tp=$t0 k=0
	while read -r body && [ "$k" -lt "$API_PROBE" ]; do
		sg_api POST /v1/security-group-rules "${body//@GID@/$gid}" >/dev/null || exit 1
		k=$((k + 1))
		if [ $((k % 100)) = 0 ]; then
			echo "API k=$k ms_per_rule_last100=$(awk -v a="$tp" -v b="$(date +%s.%N)" \
				'BEGIN { printf "%.1f", (b - a) * 10 }')"
			tp=$(date +%s.%N)
		fi
	done <"$SG_DIR/a$top.txt"
	echo "API total rules=$k ms=$(ms_since "$t0") store_bytes=$(du -sb "$BENCH_DIR/vnetd/state/policy" | cut -f1) load=$(load)"
	dut_vnetd_stop) | tee -a "$OUT"
fi

# one repetition of one DUT -> "REP ..." line
rep() { # RULES FLOWS ROUND DUT WARM [extra pktgen args]
	local n=$1 f=$2 r=$3 d=$4 w=$5 line
	shift 5
	line=$( (SG_N=$n SG_OPEN=; [ "${f#cps}" = "$f" ] && SG_OPEN=$f; bench_suite -S pktgen -s 64 -f "${f#cps}" -P "$*" -r 1 -d "$dur" -w "$w" "$d") |
		awk -v n="$n" -v f="$f" -v r="$r" -v d="$d" -v l="$(load)" '
		{ delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		/^SUMMARY/ { pps = v["median"]; busy = v["busy_reps"]; loss = v["loss1"] }
		/^CPP/ { cpp = v["cycles_per_pkt"] }
		END { printf "REP rules=%s flows=%s round=%s dut=%s pps=%s cpp=%s loss=%s busy=%s load=%s\n",
			n, f, r, d, pps == "" ? "nan" : pps, cpp == "" ? "nan" : cpp,
			loss == "" ? "nan" : loss, busy == "" ? "nan" : busy, l }')
	echo "$line" | tee -a "$OUT"
}

read -ra dl <<<"$DUTS"
nd=${#dl[@]}
log "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $RULES; do
	for ((r = 1; r <= reps; r++)); do
		for ((k = 0; k < nd; k++)); do
			rep "$n" "$FLOWS" "$r" "${dl[$(((k + r - 1) % nd))]}" "$warm" $SG_PGX
		done
	done
	if [ "$CPS_N" != 0 ]; then
		for ((r = 1; r <= reps; r++)); do
			for ((k = 0; k < nd; k++)); do
				rep "$n" "cps$CPS_N" "$r" "${dl[$(((k + r - 1) % nd))]}" 1 $SG_PGX_CPS
			done
		done
	fi
done

vals() { rep_vals "$OUT" "rules=$1 flows=$2 dut=$3" "$4"; } # RULES FLOWS DUT KEY
med() { vals "$@" | stats_median; }
round_ratio() { rep_round_ratio "$OUT" "rules=$1 flows=$2" "$3" "$4"; } # RULES FLOWS A B

table() { # FLOWS TITLE
	local f=$1 n d
	echo
	echo "== $2, median of $reps rounds (spread %)"
	printf '%-7s' rules
	for d in $DUTS; do printf ' %18s %8s' "$d" cyc/pkt; done
	printf ' %10s %12s\n' "${dl[0]}/${dl[1]:-}" load
	for n in $RULES; do
		printf '%-7s' "$n"
		for d in $DUTS; do
			printf ' %18s %8s' "$(vals "$n" "$f" "$d" pps | stats_summary |
				awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
				       if (v["n"] == 0) print "-"; else printf "%.3f (%s%%)", v["median"] / 1e6, v["spread_pct"] }')" \
				"$(med "$n" "$f" "$d" cpp | sed 's/^nan$/-/')"
		done
		printf ' %10s %12s\n' "$(round_ratio "$n" "$f" "${dl[0]}" "${dl[1]:-}")" \
			"$(vals "$n" "$f" "${dl[0]}" load | sort -g | sed -n '1p;$p' | paste -sd-)"
	done
	local first=${RULES%% *} last=${RULES##* }
	for d in $DUTS; do
		echo "$d $last rules / $first rules: $(ratio "$(med "$last" "$f" "$d" pps)" "$(med "$first" "$f" "$d" pps)")"
	done
}
table "$FLOWS" "established, 64 B, $FLOWS connections, Mpps"
[ "$CPS_N" = 0 ] || table "cps$CPS_N" "new connections, 64 B, $CPS_N new 5-tuples, M connections/s"
grep '^API total' "$OUT" | sed 's/^API total/API (one POST per rule, curl):/'
echo "(cyc/pkt: processing cycles per packet each DUT counted itself over its busy polls;"
echo " the ratio column is the median over rounds of the two DUTs' ratio within a round)"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
