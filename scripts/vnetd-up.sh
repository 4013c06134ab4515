#!/bin/bash
# Installs what vnetd needs (Debian 12, as root), builds it and runs it in
# the foreground serving libvirt's 'default' network (192.168.122.0/24,
# gateway 192.168.122.1), with a port 'vm1' ready for a VM.  Ctrl-C stops it.
# 'default' is served as on a libvirt host: NAT to the outside over the
# interface of the host's default route (vnetd's XDP program on it steers
# only vnetd's return traffic; everything else stays the host's), and the
# host port virbr0 (192.168.122.1/24) so the host reaches its guests.
#   scripts/vnetd-up.sh [--netns NAME]
# --netns NAME: run vnetd inside network namespace NAME (its default route,
# its interfaces): how to try it without touching the host's own network.
# Environment: VNETD_STATE_DIR (default /var/lib/vnetd), VNETD_RUN_DIR
# (default /run/vnetd), VNETD_ARGS (more vnetd options, see vnetd --help).
set -euo pipefail
cd "$(dirname "$0")/.."
netns=
while [ $# -gt 0 ]; do
	case "$1" in
	--netns) netns=${2:?--netns needs a namespace name}; shift 2 ;;
	--netns=*) netns=${1#--netns=}; shift ;;
	*) echo "usage: $0 [--netns NAME]" >&2; exit 2 ;;
	esac
done
inns=()
if [ -n "$netns" ]; then
	ip netns list | grep -qw "^$netns" || { echo "no network namespace '$netns'" >&2; exit 1; }
	inns=(ip netns exec "$netns")
fi
scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
state=${VNETD_STATE_DIR:-/var/lib/vnetd}
run=${VNETD_RUN_DIR:-/run/vnetd}
sock=$run/vnetd.sock
vnetctl=(build/cli/vnetctl --socket "$sock")

# shellcheck disable=SC2086
"${inns[@]}" build/control/vnetd --state-dir "$state" --run-dir "$run" ${VNETD_ARGS:-} &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid' INT TERM
for _ in $(seq 100); do
	[ -S "$sock" ] && "${vnetctl[@]}" net-list >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { echo "vnetd failed to start" >&2; exit 1; }
	sleep 0.1
done
"${vnetctl[@]}" net-info default >/dev/null 2>&1 || {
	echo "network 'default' is not defined here (vnetd defines it only on a first start)" >&2
}
if ! "${vnetctl[@]}" port-info vm1 >/dev/null 2>&1; then
	"${vnetctl[@]}" port-add default vm1 --mac 52:54:00:12:34:01 >/dev/null
fi
path=$("${vnetctl[@]}" port-info vm1 --json | jq -r .port.path)
mac=$("${vnetctl[@]}" port-info vm1 --json | jq -r .port.mac)
uplink=$("${inns[@]}" ip -4 route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); exit}}')
cat <<MSG

vnetd is running (pid $pid${netns:+, in network namespace $netns}) and serving libvirt's 'default' network:
$("${vnetctl[@]}" net-list --all)
As libvirt does, 'default' NATs its guests to the outside over ${uplink:-the interface of the default route (none found: no NAT until there is one)},
the host's default-route interface (vnetd's XDP program there takes only vnetd's
return traffic; the host keeps its address and connections), and the host
reaches its guests over the TAP virbr0 (192.168.122.1/24).  The NAT source
ports are 1024-65535 unless the network says otherwise: if they overlap the
host's ephemeral ports (net.ipv4.ip_local_port_range) vnetd logs a warning;
reserve them with net.ipv4.ip_local_reserved_ports or give the network a
<nat><port start end> range outside it (doc/install.md).

A VM attaches to port 'vm1' through the vhost-user socket
  $path
with QEMU (guest memory must be shared with vnetd):

  qemu-system-x86_64 -accel tcg -m 1G \\
    -object memory-backend-memfd,id=mem,size=1G,share=on -numa node,memdev=mem \\
    -chardev socket,id=vnet0,path=$path,reconnect=1 \\
    -netdev vhost-user,id=net0,chardev=vnet0 \\
    -device virtio-net-pci,netdev=net0,mac=$mac,vectors=0 \\
    -drive file=YOUR-DISK.qcow2,if=virtio

That line runs anywhere (emulated CPU; vectors=0 because QEMU 7.2 under TCG
crashes with MSI-X on a vhost-user NIC). On a host with working KVM use
'-accel kvm' and drop ',vectors=0'. reconnect=1 makes QEMU connect again
(every second) when vnetd restarts: without it the VM's NIC stays dead
after a vnetd restart. The guest gets an address in 192.168.122.0/24 by
DHCP, gateway 192.168.122.1.  A libvirt domain uses the same socket:
  <interface type='vhostuser'>
    <mac address='$mac'/>
    <source type='unix' path='$path' mode='client'>
      <reconnect enabled='yes' timeout='1'/>
    </source>
    <model type='virtio'/>
  </interface>
More ports:
  build/cli/vnetctl port-add default vm2        (socket: $run/default/vm2.sock)
Ports, networks and statistics: build/cli/vnetctl --help.  Ctrl-C stops vnetd.
MSG
wait $pid
