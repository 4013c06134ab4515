#!/bin/bash
# Security groups on a QEMU guest (issue 10's matrix; tests/guest: TCG,
# busybox, virtio-net over vhost-user): the guest's group admits ingress TCP
# 22 and ICMP echo only.  A namespace peer (kernel port, group "default") on
# the same network reaches the guest's TCP 22 (the guest's reply passes its
# egress statefully) and pings it; TCP 23, where the guest also listens, is
# dropped and counted (acl, on the peer's port: drops count where
# the frame came in).
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRCDIR/tests/guest/guest.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "python3 not installed at $PY"
command -v "${QEMU:-qemu-system-x86_64}" >/dev/null ||
	fail "${QEMU:-qemu-system-x86_64} not installed (scripts/deps.sh --test: qemu-system-x86)"
guest_prepare || fail "cannot prepare the guest kernel/initramfs (scripts/deps.sh --test: linux-image-amd64, busybox-static)"

vnetd_start
NET=hfsgg MG=52:54:00:7c:00:0a MP=52:54:00:7c:00:0b IPG=10.124.0.10 IPP=10.124.0.20
api_ok POST /v1/networks "{\"xml\":\"<network><name>$NET</name><ip address='10.124.0.1' netmask='255.255.255.0'><dhcp><range start='10.124.0.100' end='10.124.0.199'/><host mac='$MG' ip='$IPG'/><host mac='$MP' ip='$IPP'/></dhcp></ip></network>\"}" >/dev/null
api_ok POST "/v1/networks/$NET/start" >/dev/null
SSH=$(api_ok POST /v1/security-groups '{"security_group":{"name":"ssh"}}' | jq -r .security_group.id)
rule() { api_ok POST /v1/security-group-rules "{\"security_group_rule\":{\"security_group_id\":\"$SSH\",\"direction\":\"ingress\",$1}}" >/dev/null; }
rule '"protocol":"tcp","port_range_min":22,"port_range_max":22,"remote_ip_prefix":"0.0.0.0/0"'
rule '"protocol":"icmp","port_range_min":8,"remote_ip_prefix":"0.0.0.0/0"'
port_add vm "$NET" "\"mac\":\"$MG\",\"security_groups\":[\"ssh\"]"
P=hfP$$
kport_ns "$P" p0 "hfp$$" "$MP" "$NET" peer 1500 "\"mac\":\"$MP\",\"security_groups\":[\"default\"]"
ip -n "$P" addr add "$IPP/24" dev p0

# the guest listens on TCP 22 and 23 and stays up until it answered 3 echo
# requests (the peer's pings come last)
guest_start g1 "$(port_sock vm)" "vnet.ip=$IPG/24 vnet.listen=22,23 vnet.wait=45 vnet.waitpings=3" \
	--mode client --mac "$MG" --timeout "${GUEST_TIMEOUT:-75}" \
	--expect "link up" --expect "listen 23" --expect "wait-end" --expect "result pass" --expect "done" \
	--reject "result fail"
wait_connected vm peer
listening() { tr -d '\r' <"$GUEST_OUT/g1.serial" 2>/dev/null | grep -q "VNET-GUEST: listen 23"; }
for _ in $(seq 600); do listening && break; sleep 0.1; done
listening || fail "the guest did not start its listeners"

tcp() { # PORT: what the guest said, or "refused"
	ip netns exec "$P" timeout 5 "$PY" -c "
import socket
try:
    s = socket.create_connection(('$IPG', $1), timeout=2); print(s.recv(16).decode().strip())
except Exception: print('refused')" 2>/dev/null || echo refused
}
acl() { api_ok GET /v1/ports/peer/stats | jq -r .stats.drops.acl; }
# the first connection may race the guest's ARP for the peer: retry a little
for _ in $(seq 10); do got=$(tcp 22); [ "$got" = "hello 22" ] && break; sleep 0.5; done
assert_eq "peer -> guest TCP 22 (and the guest's reply)" "hello 22" "$got"
a0=$(acl)
assert_eq "peer -> guest TCP 23" refused "$(tcp 23)"
[ "$(acl)" -gt "$a0" ] || fail "TCP 23 to the guest was not counted as acl (on the port it came in on, the peer's)"
ip netns exec "$P" ping -c 3 -i 0.3 -W 2 "$IPG" >/dev/null || fail "peer -> guest ping (ICMP echo admitted)"
guest_wait g1
ok "guest matrix: TCP 22 and echo admitted with their replies, TCP 23 dropped (acl $(($(acl) - a0)))"
