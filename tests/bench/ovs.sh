# tests/bench/ovs.sh - OVS-DPDK DUTs for the bench suite (sourced after
# lib.sh): a private ovsdb-server + ovs-vswitchd-dpdk, see bench-ovs.sh.
#   ovs-normal  the default flow table (actions=NORMAL: MAC learning switch)
#   ovs-flows   in_port=1,actions=output:2 and in_port=2,actions=output:1
OVS_VSWITCHD=${BENCH_OVS_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
OVS_SCHEMA=${BENCH_OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
OVS_PORT_TYPE=${BENCH_OVS_PORT_TYPE:-dpdkvhostuserclient}

ovs_vsctl() { ovs-vsctl --db="unix:$OVS_R/db.sock" --timeout="${BENCH_OVS_VSCTL_TIMEOUT:-20}" "$@"; }
ovs_ofctl() { ovs-ofctl "$@"; }  # uses $OVS_RUNDIR/br0.mgmt
ovs_appctl() { ovs-appctl --target="$OVS_R/ovs-vswitchd.ctl" "$@"; }

# Optional hugepage mode: reserve N 2 MB pages, restore at exit.
ovs_hugepages_setup() {
	local want=${BENCH_OVS_HUGEPAGES_N:-1024}
	OVS_HP_SAVED=$(cat /proc/sys/vm/nr_hugepages)
	bench_at_exit "echo $OVS_HP_SAVED > /proc/sys/vm/nr_hugepages"
	echo "$want" >/proc/sys/vm/nr_hugepages
	local got
	got=$(cat /proc/sys/vm/nr_hugepages)
	[ "$got" -ge 512 ] || die "could only reserve $got hugepages"
	if ! grep -q ' /dev/hugepages hugetlbfs' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages
		bench_at_exit "umount /dev/hugepages"
	fi
	log "hugepages: $got x 2 MB (was $OVS_HP_SAVED)"
}

ovs_start() {
	local flows=$1
	OVS_R=$BENCH_DIR/ovs
	mkdir -p "$OVS_R"
	export OVS_RUNDIR=$OVS_R OVS_DBDIR=$OVS_R OVS_LOGDIR=$OVS_R \
	       OVS_SYSCONFDIR=$OVS_R
	rm -f "$OVS_R"/*
	ovsdb-tool create "$OVS_R/conf.db" "$OVS_SCHEMA" || return 1
	bench_spawn ovsdb ovsdb-server "$OVS_R/conf.db" \
		--remote="punix:$OVS_R/db.sock" \
		--pidfile="$OVS_R/ovsdb-server.pid" \
		--unixctl="$OVS_R/ovsdb-server.ctl" \
		--log-file="$OVS_R/ovsdb-server.log"
	bench_wait_sock "$OVS_R/db.sock" 10 ovsdb || return 1
	ovs_vsctl --no-wait init || return 1

	local eal
	if [ "${BENCH_OVS_HUGEPAGES:-0}" = 1 ]; then
		ovs_hugepages_setup
		eal="--no-pci --file-prefix ${BENCH_TAG}ovs"
		ovs_vsctl --no-wait set Open_vSwitch . \
			other_config:dpdk-socket-mem=1024 \
			other_config:dpdk-socket-limit=1024
	else
		# OVS appends --in-memory unless --in-memory or --legacy-mem is
		# already there, and --no-huge (implies legacy mem) refuses
		# --in-memory: so pass --legacy-mem explicitly.
		eal="--no-pci $BENCH_MEM_ARGS --legacy-mem --no-shconf --file-prefix ${BENCH_TAG}ovs"
	fi
	ovs_vsctl --no-wait set Open_vSwitch . \
		other_config:dpdk-init=true \
		other_config:dpdk-extra="$eal" \
		other_config:dpdk-lcore-mask="$(printf '0x%x' $((1 << BENCH_MAIN_CPU)))" \
		other_config:pmd-cpu-mask="$(printf '0x%x' $((1 << BENCH_DUT_CPU)))" \
		other_config:per-port-memory=true || return 1

	DUT_PROC=ovs
	# shellcheck disable=SC2086
	bench_spawn ovs ${BENCH_DUT_WRAP:-} "$OVS_VSWITCHD" "unix:$OVS_R/db.sock" \
		--pidfile="$OVS_R/ovs-vswitchd.pid" \
		--unixctl="$OVS_R/ovs-vswitchd.ctl" \
		--log-file="$OVS_R/ovs-vswitchd.log" -vconsole:warn
	bench_wait_sock "$OVS_R/ovs-vswitchd.ctl" $((${BENCH_START_TIMEOUT:-30} * 2)) ovs || return 1
	local i
	for ((i = 0; i < ${BENCH_START_TIMEOUT:-30} * 10; i++)); do
		[ "$(ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] && break
		bench_alive ovs || { tail -n 20 "$OVS_R/ovs-vswitchd.log" >&2; return 1; }
		sleep 0.1
	done
	[ "$(ovs_vsctl get Open_vSwitch . dpdk_initialized)" = true ] ||
		{ log "DPDK not initialized in OVS"; tail -n 20 "$OVS_R/ovs-vswitchd.log" >&2; return 1; }

	ovs_vsctl add-br br0 -- set bridge br0 datapath_type=netdev || return 1
	DUT_SOCK0=$OVS_R/vhu0.sock
	DUT_SOCK1=$OVS_R/vhu1.sock
	if [ "$OVS_PORT_TYPE" = dpdkvhostuser ]; then
		# OVS is the vhost-user server; socket = $OVS_RUNDIR/<port>
		# (vhost-sock-dir would be relative to OVS_RUNDIR)
		DUT_SOCK0=$OVS_R/vhu0
		DUT_SOCK1=$OVS_R/vhu1
		DUT_SOCK_ROLE=server
		ovs_vsctl add-port br0 vhu0 -- set Interface vhu0 \
			type=dpdkvhostuser ofport_request=1 -- \
			add-port br0 vhu1 -- set Interface vhu1 \
			type=dpdkvhostuser ofport_request=2 || return 1
		bench_wait_sock "$DUT_SOCK1" 20 ovs || return 1
	else
		DUT_SOCK_ROLE=client
		ovs_vsctl add-port br0 vhu0 -- set Interface vhu0 \
			type=dpdkvhostuserclient ofport_request=1 \
			options:vhost-server-path="$DUT_SOCK0" -- \
			add-port br0 vhu1 -- set Interface vhu1 \
			type=dpdkvhostuserclient ofport_request=2 \
			options:vhost-server-path="$DUT_SOCK1" || return 1
	fi
	if [ "$flows" = explicit ]; then
		ovs_ofctl del-flows br0 &&
		ovs_ofctl add-flow br0 in_port=1,actions=output:2 &&
		ovs_ofctl add-flow br0 in_port=2,actions=output:1 || return 1
	fi
	log "OVS up: $(ovs_ofctl dump-flows br0 --no-stats | tr '\n' ';')"
	log "OVS PMD: $(ovs_appctl dpif-netdev/pmd-rxq-show 2>/dev/null | grep -E 'pmd thread' | head -2 | tr '\n' ';')"
}

ovs_stop() {
	if bench_alive ovs; then
		ovs_appctl exit --cleanup 2>/dev/null ||
			ovs_appctl exit 2>/dev/null || true
		local i
		for ((i = 0; i < 50; i++)); do bench_alive ovs || break; sleep 0.1; done
	fi
	bench_stop ovs 5
	bench_stop ovsdb 5
	if [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -f "$OVS_R"/*.sock "$OVS_R"/vhu0 "$OVS_R"/vhu1
	fi
}

# PMD statistics in the log (for the report).
ovs_pmd_stats() {
	ovs_appctl dpif-netdev/pmd-stats-show 2>/dev/null >"$BENCH_DIR/ovs-pmd-stats.txt" || true
	DUT_CPP=$(sed -n 's/.*avg processing cycles per packet: *\([0-9.]*\).*/\1/p' \
		"$BENCH_DIR/ovs-pmd-stats.txt" | head -n 1)
}

dut_ovs_normal_start() { ovs_start normal; }
dut_ovs_normal_stop() { ovs_pmd_stats; ovs_stop; }
dut_ovs_normal_describe() { echo "OVS-DPDK $(ovs-vsctl --version | head -1 | awk '{print $NF}'), netdev bridge, NORMAL action, $OVS_PORT_TYPE, 1 PMD on CPU $BENCH_DUT_CPU"; }
# NORMAL with dpdkvhostuser (server) ports, the roles of vnetd's default
dut_ovs_normal_server_start() { local OVS_PORT_TYPE=dpdkvhostuser; ovs_start normal; }
dut_ovs_normal_server_stop() { ovs_pmd_stats; ovs_stop; }
dut_ovs_normal_server_describe() { local OVS_PORT_TYPE=dpdkvhostuser; dut_ovs_normal_describe; }
dut_ovs_flows_start() { ovs_start explicit; }
dut_ovs_flows_stop() { ovs_pmd_stats; ovs_stop; }
dut_ovs_flows_describe() { echo "OVS-DPDK $(ovs-vsctl --version | head -1 | awk '{print $NF}'), netdev bridge, in_port=1->2/2->1 flows, $OVS_PORT_TYPE, 1 PMD on CPU $BENCH_DUT_CPU"; }

