#!/bin/bash
# A real QEMU guest (tests/guest: TCG, busybox initramfs, virtio-net over
# vhost-user) on vnetd's 'default' network with NAT to an uplink: vnetd runs
# inside a namespace standing for the host (lib_l3.sh; the vhost-user socket
# is a file, so QEMU runs as usual).  The guest gets a DHCP lease, pings a
# server in the "internet" namespace and fetches a file from it over HTTP
# with busybox wget; the server sees the uplink address.  net-start of the
# default network does not warn about NAT.
. "$(dirname "$0")/lib_l3.sh"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRCDIR/tests/guest/guest.sh"

GUEST_TIMEOUT=${GUEST_TIMEOUT:-90}
if ! command -v "${QEMU:-qemu-system-x86_64}" >/dev/null; then
	fail "${QEMU:-qemu-system-x86_64} not installed (scripts/deps.sh --test: qemu-system-x86)"
fi
guest_prepare || fail "cannot prepare the guest kernel/initramfs (scripts/deps.sh --test: linux-image-amd64, busybox-static)"

mkdir -p "$T/www"
head -c 200000 /dev/urandom >"$T/www/blob"
MD5=$(md5sum "$T/www/blob" | cut -d' ' -f1)
l3_http_server "$INS" "$REMOTE" 8000 "$T/www"

vnetd_l3_start
assert_eq "default network active" true "$(api_ok GET /v1/networks/default | jget .network.active)"
grep -Eq "no uplink|not implemented by vnetd yet:.*nat" "$T/vnetd.log" &&
	fail "the default network's start warns about NAT: $(grep -E 'no uplink|not implemented' "$T/vnetd.log")"

M=52:54:00:00:c2:01
port_add n1 default "\"mac\":\"$M\""
guest_start vmn "$(port_sock n1)" \
	"vnet.dhcp=1 vnet.dhcptimeout=30 vnet.ping=$REMOTE vnet.count=3 vnet.wget=http://$REMOTE:8000/blob" \
	--mode client --mac "$M" --timeout "$GUEST_TIMEOUT" \
	--expect "link up" --expect lease --expect "ping $REMOTE ok" --expect "wget ok" \
	--expect "result pass" --expect "done" \
	--reject "dhcp fail" --reject "ping $REMOTE fail" --reject "wget fail" --reject "result fail"
wait_connected n1
guest_wait vmn

info=$(guest_marker vmn "lease-info ")
case " $info " in *" router=192.168.122.1 "*) ;; *) fail "lease-info: want router=192.168.122.1: $info" ;; esac
assert_eq "what the guest fetched" "wget ok 200000 $MD5" "$(guest_marker vmn "wget ok")"
LIP=$(guest_marker vmn 'lease ' | cut -d' ' -f2)
grep -q "^$UPLINK_IP .*GET /blob" "$T/http.$INS.8000.log" || fail "the server saw no GET /blob from $UPLINK_IP"
grep -q "^$LIP " "$T/http.$INS.8000.log" && fail "the guest's own address $LIP reached the internet"
ok "QEMU guest ($LIP) fetched 200 KB from $REMOTE through NAT (seen from $UPLINK_IP)"

echo "PASS test_guest_nat"
