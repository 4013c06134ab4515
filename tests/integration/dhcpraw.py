#!/usr/bin/env python3
"""dhcpraw.py - hand-made DHCP and ARP frames for the DHCP tests.

Run inside a test namespace (ip netns exec NS python3 dhcpraw.py IFACE CMD...):
  burst N              N DISCOVERs, a random chaddr each, from IFACE's MAC
  same N               N DISCOVERs with one chaddr (the rate limiter's case)
  malformed N          N broken DHCP frames (bad cookie, option overrun)
  mcast-src            a DISCOVER and an ARP request for the gateway from a
                       multicast source MAC; prints how many replies came back
  offer GW             a DISCOVER; prints the OFFER's yiaddr and siaddr
  listen SECS          prints "discover CHADDR" per DHCP DISCOVER seen
  discover             one DISCOVER from IFACE's MAC (no wait)
Only IFACE is touched; frames go to broadcast in the test's own namespace.
"""
import os
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def mac_of(ifname):
    with open("/sys/class/net/%s/address" % ifname) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def dhcp_frame(src, chaddr, xid, mtype=1, cookie=0x63825363, opts=None):
    bootp = struct.pack("!BBBBIHHIIII", 1, 1, 6, 0, xid, 0, 0x8000, 0, 0, 0, 0)
    bootp += chaddr + b"\0" * 10 + b"\0" * 192 + struct.pack("!I", cookie)
    if opts is None:
        opts = bytes([53, 1, mtype, 55, 3, 1, 3, 6, 255])
    bootp += opts
    bootp += b"\0" * max(0, 300 - len(bootp))
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     b"\0\0\0\0", b"\xff\xff\xff\xff")
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\xff" * 6 + src + b"\x08\x00" + ip + udp


def arp_request(src, spa, tpa):
    a = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src + spa + b"\0" * 6 + tpa
    return b"\xff" * 6 + src + b"\x08\x06" + a + b"\0" * 18


def rand_mac():
    return bytes([0x02] + [random.randrange(256) for _ in range(5)])


def replies(s, secs, want):
    """Frames received for `secs` seconds that `want` accepts."""
    out = []
    end = time.monotonic() + secs
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            f = s.recv(2048)
        except socket.timeout:
            break
        if want(f):
            out.append(f)
    return out


def is_dhcp_reply(f, xid=None):
    if len(f) < 42 + 240 or f[12:14] != b"\x08\x00" or f[23] != 17:
        return False
    ihl = (f[14] & 15) * 4
    udp = 14 + ihl
    if struct.unpack("!H", f[udp + 2:udp + 4])[0] != 68 or f[udp + 8] != 2:
        return False
    return xid is None or struct.unpack("!I", f[udp + 12:udp + 16])[0] == xid


def main():
    ifname, cmd = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else None
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    me = mac_of(ifname)
    if cmd == "burst":
        for i in range(int(arg)):
            s.send(dhcp_frame(me, rand_mac(), random.getrandbits(32)))
            time.sleep(0.002)
    elif cmd == "same":
        ch = rand_mac()
        for i in range(int(arg)):
            s.send(dhcp_frame(me, ch, i + 1))
    elif cmd == "malformed":
        for i in range(int(arg)):
            if i % 2:
                f = dhcp_frame(me, me, i + 1, cookie=0x01020304)
            else:
                f = dhcp_frame(me, me, i + 1, opts=bytes([53, 1, 1, 12, 200, 0x41]))
            s.send(f)
            time.sleep(0.002)
    elif cmd == "mcast-src":
        gw = socket.inet_aton(arg)
        srcs = [bytes.fromhex("01005e000001"), b"\xff" * 6, b"\0" * 6]
        for src in srcs:
            s.send(dhcp_frame(src, me, 0x5eed0001))
            s.send(arp_request(src, b"\0\0\0\0", gw))
        got = replies(s, 1.5, lambda f: is_dhcp_reply(f, 0x5eed0001) or
                      (f[12:14] == b"\x08\x06" and f[21] == 2 and f[28:32] == gw))
        print(len(got))
    elif cmd == "offer":
        xid = random.getrandbits(32)
        s.send(dhcp_frame(me, me, xid))
        got = replies(s, 3, lambda f: is_dhcp_reply(f, xid))
        if not got:
            print("none")
            return
        f = got[0]
        b = 14 + (f[14] & 15) * 4 + 8
        print(socket.inet_ntoa(f[b + 16:b + 20]), socket.inet_ntoa(f[b + 20:b + 24]))
    elif cmd == "discover":
        s.send(dhcp_frame(me, me, 0xd15c0001))
    elif cmd == "listen":
        print("listening", flush=True)
        for f in replies(s, float(arg), lambda f: len(f) > 42 + 240 and f[12:14] == b"\x08\x00"
                         and f[23] == 17 and f[42] == 1 and
                         struct.unpack("!H", f[36:38])[0] == 67):
            print("discover", f[70:76].hex(":"), flush=True)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
