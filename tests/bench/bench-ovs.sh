#!/bin/bash
# tests/bench/bench-ovs.sh - OVS-DPDK (Debian openvswitch-switch-dpdk) as the
# DUT, with the same traffic sources as bench-zero-work.sh.
#
# Fully private: its own ovsdb-server and ovs-vswitchd-dpdk (the Debian
# alternative /usr/sbin/ovs-vswitchd is NOT switched), run/db/log dirs under
# the bench temp dir, killed and removed at exit.  No system OVS is touched.
#
#   bridge br0 (datapath_type=netdev), ports vhu0 (ofport 1), vhu1 (ofport 2)
#   of type dpdkvhostuserclient (OVS connects to sockets created by the
#   traffic source, which therefore runs virtio-user with server=1), or
#   dpdkvhostuser with BENCH_OVS_PORT_TYPE=dpdkvhostuser (OVS creates them).
#   One PMD thread: pmd-cpu-mask = BENCH_DUT_CPU.
#
# DUTs:
#   ovs-normal  the default flow table (actions=NORMAL: MAC learning switch)
#   ovs-flows   in_port=1,actions=output:2 and in_port=2,actions=output:1
#
# usage: tests/bench/bench-ovs.sh [bench options] [DUT...]
#   bench options as in bench-zero-work.sh (-r -d -w -s -S -f -P)
#   DUT... defaults to "ovs-normal ovs-flows"
# Memory: EAL runs with --no-huge -m 1024 (BENCH_MEM_ARGS) via
#   other_config:dpdk-extra; BENCH_OVS_HUGEPAGES=1 instead reserves 2 MB
#   hugepages for the run (and restores nr_hugepages afterwards).
set -u
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/ovs.sh"

# default DUT list when none given after the options
args=("$@")
has_dut=0
for a in "$@"; do case $a in ovs-*) has_dut=1 ;; esac; done
[ $has_dut = 1 ] || args+=(ovs-normal ovs-flows)
bench_suite "${args[@]}"
