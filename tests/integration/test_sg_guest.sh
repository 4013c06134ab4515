#!/bin/bash
# Security groups on a QEMU guest (issue 10's matrix; tests/guest: TCG,
# busybox, virtio-net over vhost-user): the guest's group admits ingress TCP
# 22 and ICMP echo only.  A namespace peer (kernel port, group "default") on
# the same network reaches the guest's TCP 22 (the guest's reply passes its
# egress statefully) and pings it; TCP 23, where the guest also listens, is
# dropped and counted (acl, on the peer's port: drops count where
# the frame came in).
# UDP range and egress, seen from inside the guest: the group also admits
# ingress UDP 5000-5010 (the peer's datagrams to 4999..5011: the guest's
# kernel counts the 3 inside, udp-stat noports=3) and, its default egress
# rules deleted, egress TCP 80 and UDP 5000-5010 only: the guest's own
# probes (vnet.probe) reach the peer's TCP 80 and TFTP-like UDP 5000 and
# 5010, not TCP 81 nor UDP 4999 and 5011 (counted on the guest's port).
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
rule '"protocol":"udp","port_range_min":5000,"port_range_max":5010'
for r in $(api_ok GET "/v1/security-group-rules?security_group_id=$SSH" |
	jq -r '.security_group_rules[] | select(.direction=="egress") | .id'); do
	api_ok DELETE "/v1/security-group-rules/$r" >/dev/null
done
egress() { api_ok POST /v1/security-group-rules "{\"security_group_rule\":{\"security_group_id\":\"$SSH\",\"direction\":\"egress\",$1}}" >/dev/null; }
egress '"protocol":"tcp","port_range_min":80,"port_range_max":80'
egress '"protocol":"udp","port_range_min":5000,"port_range_max":5010'
# the peer admits what the guest's probes send (its own ingress is not under test)
SVC=$(api_ok POST /v1/security-groups '{"security_group":{"name":"svc"}}' | jq -r .security_group.id)
for r in '"protocol":"tcp","port_range_min":80,"port_range_max":81' '"protocol":"udp","port_range_min":4999,"port_range_max":5011'; do
	api_ok POST /v1/security-group-rules "{\"security_group_rule\":{\"security_group_id\":\"$SVC\",\"direction\":\"ingress\",$r}}" >/dev/null
done
port_add vm "$NET" "\"mac\":\"$MG\",\"security_groups\":[\"ssh\"]"
P=hfP$$
kport_ns "$P" p0 "hfp$$" "$MP" "$NET" peer 1500 "\"mac\":\"$MP\",\"security_groups\":[\"default\",\"svc\"]"
ip -n "$P" addr add "$IPP/24" dev p0
# the peer: TCP 80 and 81 answer "hello P"; UDP 4999, 5000, 5010, 5011 answer
# a TFTP read request with one data block "hello P" (once per client port)
ip netns exec "$P" "$PY" -c '
import socket, threading
def tcp(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(8)
    while True:
        c, _ = s.accept(); c.sendall(b"hello %d\n" % p); c.close()
def tftp(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", p)); seen = set()
    while True:
        d, a = s.recvfrom(2048)
        if d[:2] == b"\0\1" and a not in seen:
            seen.add(a); s.sendto(b"\0\3\0\1hello %d\n" % p, a)
for f, p in [(tcp, 80), (tcp, 81)] + [(tftp, p) for p in (4999, 5000, 5010, 5011)]:
    threading.Thread(target=f, args=(p,), daemon=True).start()
threading.Event().wait()' &
PIDS+=($!)
PROBES="tcp:$IPP:80 tcp:$IPP:81 udp:$IPP:5000 udp:$IPP:5010 udp:$IPP:4999 udp:$IPP:5011"
declare -A WANT=([80]=ok [81]=fail [5000]=ok [5010]=ok [4999]=fail [5011]=fail)
expects=()
for pr in $PROBES; do expects+=(--expect "probe $pr ${WANT[${pr##*:}]}"); done

# the guest listens on TCP 22 and 23 and stays up until it answered 3 echo
# requests (the peer's pings come last)
guest_start g1 "$(port_sock vm)" "vnet.ip=$IPG/24 vnet.listen=22,23 vnet.wait=45 vnet.waitpings=3 vnet.probe=$(tr ' ' , <<<"$PROBES") vnet.udpstat=1" \
	--mode client --mac "$MG" --timeout "${GUEST_TIMEOUT:-75}" \
	--expect "link up" --expect "listen 23" "${expects[@]}" --expect "wait-end" \
	--expect "udp-stat noports=3" --expect "result pass" --expect "done" \
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
# UDP to the guest's ports 4999..5011: its ingress admits 5000-5010; the
# guest's kernel counts what arrives (no listener: NoPorts)
for p in 4999 5000 5005 5010 5011; do
	u0=$(acl)
	ip netns exec "$P" "$PY" -c "
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$IPG', $p))"
	sleep 0.2
	case $p in
	4999 | 5011) [ "$(acl)" -gt "$u0" ] || fail "UDP $p to the guest was not counted as acl on the peer's port" ;;
	*) assert_eq "acl drops on the peer's port for UDP $p to the guest" "$u0" "$(acl)" ;;
	esac
done
ip netns exec "$P" ping -c 3 -i 0.3 -W 2 "$IPG" >/dev/null || fail "peer -> guest ping (ICMP echo admitted)"
guest_wait g1
ok "guest matrix: TCP 22 and echo admitted with their replies, TCP 23 dropped (acl $(($(acl) - a0)))"
for pr in $PROBES; do echo "   guest -> peer ${pr%%:*} ${pr##*:}: $(guest_marker g1 "probe $pr" | awk '{print $NF}')"; done
echo "   peer -> guest UDP 4999 5000 5005 5010 5011: the guest saw $(guest_marker g1 udp-stat)"
vm=$(api_ok GET /v1/ports/vm/stats | jq -r .stats.drops.acl)
[ "$vm" -gt 0 ] || fail "the guest's refused probes were not counted as acl on its port"
ok "guest matrix: ingress UDP 5000-5010 (3 of 5 datagrams reached the guest), egress TCP 80 and UDP 5000-5010 only, seen from inside the guest (acl on vm: $vm)"
