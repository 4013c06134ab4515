# shellcheck shell=bash
# shellcheck disable=SC2034 # DUT_* and NAT_PGX are read by lib.sh and the sourcing scripts
# tests/bench/nat.sh - the NAT DUTs (sourced after lib.sh and ovs.sh; used by
# bench-nat.sh and profile.sh):
#   vnetd-nat  tests/bench/nat_dut: vnetd's dataplane as a NAT router between
#              a guest socket and an uplink socket standing for the outside
#   ovs-nat    OVS-DPDK with one ct(commit,nat(src=...)) flow
# pktgen's arguments for them: $NAT_PGX (to the gateway's MAC; 64256 guest
# endpoints, see bench-nat.sh).
GW_MAC=52:54:00:00:00:fe   # the guests' gateway (vnetd: nat_dut.c; OVS: ignored)
UP_MAC=52:54:00:00:01:01   # the uplink's MAC (the translated frames' source)
NAT_PGX="--dmac $GW_MAC --sport-range 256"
BENCH_NAT_DUT=${BENCH_NAT_DUT:-$BENCH_LIB_DIR/../../build/tests/bench/nat_dut}

dut_vnetd_nat_start() {
	DUT_SOCK0=$BENCH_DIR/nat-g.sock DUT_SOCK1=$BENCH_DIR/nat-u.sock
	DUT_SOCK_ROLE=server DUT_PROC=natdut
	[ -x "$BENCH_NAT_DUT" ] || die "not built: $BENCH_NAT_DUT"
	# shellcheck disable=SC2046,SC2086
	bench_spawn natdut ${BENCH_DUT_WRAP:-} "$BENCH_NAT_DUT" \
		$(BENCH_MEM_ARGS="--no-huge -m 2048" bench_eal natdut "0@$BENCH_MAIN_CPU,1@$BENCH_DUT_CPU") \
		--log-level 3 -- "$DUT_SOCK0" "$DUT_SOCK1"
	bench_wait_sock "$DUT_SOCK1" "${BENCH_START_TIMEOUT:-30}" natdut
}
dut_vnetd_nat_stop() {
	bench_stop natdut 10
	local l
	l=$(grep -a '^NATDUT' "$BENCH_DIR/natdut.log" | tail -n 1)
	log "$l"
	DUT_CPP=$(result_field "$l" cycles_per_pkt) DUT_PPL=$(result_field "$l" pkts_per_loop)
	rm -f "$DUT_SOCK0" "$DUT_SOCK1"
}
dut_vnetd_nat_describe() { echo "vnetd dataplane (nat_dut), NAT network, 1 worker on CPU $BENCH_DUT_CPU, server-mode vhost-user"; }

BENCH_MAC1_DEFAULT=02:00:00:00:00:02 # pktgen's port 1: the outside's next hop
OVS_NAT_FLOW="in_port=1,ip,actions=ct(commit,zone=1,nat(src=192.0.2.1-192.0.2.16:1024-65535)),mod_dl_src:$UP_MAC,mod_dl_dst:$BENCH_MAC1_DEFAULT,dec_ttl,output:2"
dut_ovs_nat_start() {
	ovs_start explicit || return 1
	ovs_ofctl del-flows br0 &&
		ovs_ofctl add-flow br0 "$OVS_NAT_FLOW" || return 1
	ovs_appctl dpctl/ct-set-maxconns 3000000 >/dev/null || return 1
	log "OVS flows: $(ovs_ofctl dump-flows br0 --no-stats | tr '\n' ';')"
}
dut_ovs_nat_stop() {
	log "OVS conntrack entries: $(ovs_appctl dpctl/ct-get-nconns 2>/dev/null)"
	ovs_pmd_stats
	ovs_stop
}
dut_ovs_nat_describe() { echo "OVS-DPDK $(ovs-vsctl --version | head -1 | awk '{print $NF}'), netdev bridge, ct(commit,nat(src=...)) flow, $OVS_PORT_TYPE, 1 PMD on CPU $BENCH_DUT_CPU"; }

