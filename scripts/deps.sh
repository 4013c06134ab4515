#!/bin/bash
# Installs what vnetd needs from Debian 12's packages.
#   scripts/deps.sh          build and run vnetd
#   scripts/deps.sh --test   also what the test suite drives (guests, DHCP clients, fuzzers):
#                            every program a test runs comes from here or is
#                            Essential in Debian (coreutils, util-linux, tar...)
#   scripts/deps.sh --bench  also what the benchmarks compare against (OVS-DPDK, dnsmasq, perfdhcp)
set -euo pipefail
build=(meson ninja-build pkg-config gcc libc6-dev
       libdpdk-dev dpdk libbpf-dev libxdp-dev libmnl-dev libjansson-dev libxml2-dev
       libmicrohttpd-dev libcmocka-dev clang llvm)
run=(curl jq iproute2 procps python3)
test=(dpdk-dev libclang-rt-14-dev libxml2-utils qemu-system-x86 linux-image-amd64 busybox-static
      cpio kmod xz-utils isc-dhcp-client dhcpcd-base udhcpc)
# tests/guest/mk{vmlinux,initramfs}.sh unpack zstd kernels/modules; the libvirt
# data fetch (tests/conformance/fetch-libvirt.sh) needs only apt, tar, xz
test+=(zstd)
# DNS (test_dns): dig and the upstream server in the "internet" namespace
test+=(bind9-dnsutils dnsmasq-base)
test+=(ethtool)
# port-capture: the filter compiler (build) and the pcap readers its test runs
build+=(libpcap0.8-dev)
test+=(tcpdump tshark)
test+=(python3-scapy) # test_portsec: spoofing guests
test+=(iputils-ping) # ping in namespaces (test_sg_enforce, test_sg_guest, ...): not in a minimal Debian
# packaging test: systemd-analyze verify, man -l
test+=(systemd man-db groff-base)
# the uplink's BPF program is embedded as a skeleton (bpftool gen skeleton);
# its test drives tc (iproute2), ethtool, clang, python3 and curl
build+=(bpftool)
bench=(openvswitch-switch-dpdk dnsmasq-base kea-admin linux-perf valgrind)
bench+=(dnsperf strace) # strace: tests/bench/sg-latency.sh STRACE=
want=("${build[@]}" "${run[@]}")
for a in "$@"; do
	case "$a" in
	--test) want+=("${test[@]}") ;;
	--bench) want+=("${test[@]}" "${bench[@]}") ;;
	*) echo "usage: $0 [--test] [--bench]" >&2; exit 2 ;;
	esac
done
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "Installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
