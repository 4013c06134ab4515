#!/bin/bash
# idle-cpu-nat.sh — vnetd's CPU with NAT active and no traffic: a NAT
# network with its uplink (af_xdp on a veth, XDP steering), the host TAP and
# one guest that leased an address and pinged through NAT once, then 20 s
# of nothing.  Uses the L3 test topology (tests/integration/lib_l3.sh:
# namespaces only, nothing in the root namespace).  Run as root with
# VNETD, VNETCTL, VNET_PEER, SRCDIR set as for the integration tests.
# Prints a figure; not a pass/fail test.
. "$(dirname "$0")/../integration/lib_l3.sh"
vnetd_l3_start --no-default-network
l3_net natidle "<network><name>natidle</name><forward mode='nat'/><bridge name='vhi$$'/><ip address='192.168.160.1' netmask='255.255.255.0'><dhcp><range start='192.168.160.100' end='192.168.160.199'/></dhcp></ip></network>"
l3_guest 1 52:54:00:16:00:01 natidle
l3_dhcp 1 >/dev/null
ing 1 ping -c 2 -W 2 "$REMOTE" >/dev/null || fail "ping through NAT failed"
sleep 3
tick=$(getconf CLK_TCK)
read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$VNETD_PID/stat")
sleep 20
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$VNETD_PID/stat")
t=$((u1 - u0 + s1 - s0))
echo "vnetd idle with NAT active: $t ticks of 1/$tick s in 20 s ($(awk -v t=$t -v k=$tick 'BEGIN { printf "%.2f", t * 100 / k / 20 }')% of a core)"
