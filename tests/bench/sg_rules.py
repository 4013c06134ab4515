#!/usr/bin/env python3
"""sg_rules.py - the rule sets of tests/bench/bench-sg.sh, for both DUTs.

N ingress rules of one security group, a deterministic mix (seeded) of what
ports carry in practice:
  remote /32s (a remote group's members, expanded, as vnetd and OVN do),
  /24s, 0.0.0.0/0 with TCP ports, TCP/UDP port ranges, ICMP types/codes,
  other protocols (GRE, ESP, AH, VRRP, SCTP with ports), any protocol.
None of them admits the benchmark's traffic except the LAST rule:
  ingress UDP 5000-5060 from 10.0.0.0/24
(pktgen --sip 10.0.0.1 --sip-range 251 --dport 5000 --dport-range 61), so
a new connection meets every rule before the one that admits it.

Outputs:
  --vnetd DIR   the group as vnetd stores it, to copy into <state-dir>/policy/:
                DIR/<id>.json (the group) and DIR/rules/<seq>-<rule id>.json
                (a file per rule, the layout control/policy/api_sg.c writes
                and loads at start)
  --api FILE    the same rules as POST /v1/security-group-rules bodies, one
                per line, with the group id as @GID@
  --ovs FILE    the rules as OpenFlow the way OVN programs a to-lport ACL
                (ovs-ofctl add-flows format), for bridge ports 1 (the sender)
                and 2 (the port with the rules):
       table 0: ip -> ct(table=1,zone=1); other frames port to port
       table 1: +inv drop; +est / +rel pass; one flow per rule (per masked
                port match: port ranges expanded into value/mask pairs as
                OVN's expression normalisation does) on +new-est+trk ->
                ct(commit,zone=1),output:2; everything else drops
Prints "RULES n ovs_flows m group_id G" on stdout.
"""
import argparse
import json
import os
import random
import uuid

ADMIT = dict(proto="udp", pmin=5000, pmax=5060, prefix="10.0.0.0/24")


def rand_prefix(rnd, plen):
    """A prefix that never contains 10.0.0.0/24 (the generated sources)."""
    while True:
        first = rnd.choice([172, 192, 100, 10, 198])
        if first == 172:
            a = [172, rnd.randint(16, 31), rnd.randint(0, 255), rnd.randint(1, 254)]
        elif first == 192:
            a = [192, 168, rnd.randint(0, 255), rnd.randint(1, 254)]
        elif first == 100:
            a = [100, rnd.randint(64, 127), rnd.randint(0, 255), rnd.randint(1, 254)]
        elif first == 198:
            a = [198, 51, 100, rnd.randint(1, 254)]
        else:
            a = [10, rnd.randint(1, 255), rnd.randint(0, 255), rnd.randint(1, 254)]
        if plen == 24:
            a[3] = 0
        if a[0] == 10 and a[1] == 0:
            continue
        return "%d.%d.%d.%d/%d" % (a[0], a[1], a[2], a[3], plen)


def port_range(rnd):
    k = rnd.random()
    if k < 0.5:  # a well-known or random single port
        p = rnd.choice([22, 25, 53, 80, 110, 143, 443, 465, 587, 993, 995, 1433,
                        1521, 2049, 3306, 3389, 5432, 5672, 6379, 6443, 8080,
                        8443, 9090, 9200, 11211, 27017, rnd.randint(1, 65535)])
        return p, p
    if k < 0.8:  # a small range
        lo = rnd.randint(1, 65000)
        return lo, lo + rnd.randint(1, 500)
    lo = rnd.choice([1024, 8000, 10000, 30000, 32768, 49152])  # a service range
    return lo, min(65535, lo + rnd.choice([99, 767, 2767, 16383]))


def gen_rules(n, seed):
    rnd = random.Random(seed)
    rules, seen = [], set()
    admit = ("ingress", ADMIT["proto"], ADMIT["pmin"], ADMIT["pmax"], ADMIT["prefix"])
    while len(rules) < n - 1:
        k = rnd.random()
        pmin = pmax = None
        if k < 0.40:  # a remote group's member: /32, tcp/udp ports or anything
            prefix = rand_prefix(rnd, 32)
            proto = rnd.choice(["tcp", "tcp", "udp", None])
            if proto:
                pmin, pmax = port_range(rnd)
        elif k < 0.65:  # a /24: tcp or udp port ranges
            prefix = rand_prefix(rnd, 24)
            proto = rnd.choice(["tcp", "udp"])
            pmin, pmax = port_range(rnd)
        elif k < 0.78:  # from anywhere: TCP services
            prefix = "0.0.0.0/0"
            proto = "tcp"
            pmin, pmax = port_range(rnd)
        elif k < 0.90:  # ICMP: any, or a type (and code)
            prefix = rnd.choice(["0.0.0.0/0", rand_prefix(rnd, 24), rand_prefix(rnd, 32)])
            proto = "icmp"
            t = rnd.random()
            if t < 0.7:
                pmin = rnd.choice([0, 3, 8, 11, 12, 13])
                if t < 0.3:
                    pmax = rnd.randint(0, 15)
        else:  # other protocols
            prefix = rnd.choice([rand_prefix(rnd, 24), rand_prefix(rnd, 32)])
            proto = rnd.choice(["gre", "esp", "ah", "vrrp", "sctp", "sctp"])
            if proto == "sctp":
                pmin, pmax = port_range(rnd)
        key = ("ingress", proto, pmin, pmax, prefix)
        if key in seen or key == admit:
            continue
        seen.add(key)
        rules.append(dict(proto=proto, pmin=pmin, pmax=pmax, prefix=prefix))
    rules.append(dict(ADMIT))
    return rules[:n]


def range_masks(lo, hi):
    """[lo, hi] as (value, mask) pairs over 16 bits (OVN's expansion)."""
    out = []
    while lo <= hi:
        size = 1
        while lo % (size * 2) == 0 and lo + size * 2 - 1 <= hi and size < 65536:
            size *= 2
        out.append((lo, 0xffff & ~(size - 1)))
        lo += size
    return out


OVS_PROTO = {"tcp": "tcp", "udp": "udp", "sctp": "sctp", "icmp": "icmp",
             "gre": "ip,nw_proto=47", "esp": "ip,nw_proto=50",
             "ah": "ip,nw_proto=51", "vrrp": "ip,nw_proto=112", None: "ip"}


def ovs_flows(rules):
    head = "table=1,priority=2002,ct_state=+new-est+trk,in_port=1,"
    act = ",actions=ct(commit,zone=1),output:2"
    fl = ["table=0,priority=100,ip,actions=ct(table=1,zone=1)",
          "table=0,priority=10,in_port=1,actions=output:2",
          "table=0,priority=10,in_port=2,actions=output:1",
          "table=1,priority=65535,ct_state=+inv+trk,actions=drop",
          "table=1,priority=65534,ct_state=+est+trk,in_port=1,actions=output:2",
          "table=1,priority=65534,ct_state=+est+trk,in_port=2,actions=output:1",
          "table=1,priority=65534,ct_state=+rel+trk,in_port=1,actions=output:2",
          "table=1,priority=65534,ct_state=+rel+trk,in_port=2,actions=output:1",
          "table=1,priority=0,actions=drop"]
    for r in rules:
        m = OVS_PROTO[r["proto"]]
        if r["prefix"] != "0.0.0.0/0":
            m += ",nw_src=" + r["prefix"]
        if r["proto"] == "icmp":
            if r["pmin"] is not None:
                m += ",icmp_type=%d" % r["pmin"]
            if r["pmax"] is not None:
                m += ",icmp_code=%d" % r["pmax"]
            fl.append(head + m + act)
        elif r["pmin"] is not None:
            for v, mask in range_masks(r["pmin"], r["pmax"]):
                tp = "%d" % v if mask == 0xffff else "0x%x/0x%x" % (v, mask)
                fl.append(head + m + ",tp_dst=" + tp + act)
        else:
            fl.append(head + m + act)
    return fl


def rule_json(r, gid, rid=None):
    o = {"security_group_id": gid, "direction": "ingress", "ethertype": "IPv4",
         "protocol": r["proto"], "port_range_min": r["pmin"],
         "port_range_max": r["pmax"], "remote_ip_prefix": r["prefix"]}
    if rid:
        o.update(id=rid, remote_group_id=None, description="")
    return o


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--name", default="sgbench")
    ap.add_argument("--vnetd")
    ap.add_argument("--api")
    ap.add_argument("--ovs")
    a = ap.parse_args()
    if not 1 <= a.n <= 10000:
        ap.error("n must be 1..10000 (vnetd's rules per group)")
    rules = gen_rules(a.n, a.seed)
    rnd = random.Random(a.seed + 1)
    gid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    if a.vnetd:
        g = {"id": gid, "name": a.name, "description": "bench-sg.sh, %d rules" % a.n}
        os.makedirs(os.path.join(a.vnetd, "rules"), exist_ok=True)
        with open(os.path.join(a.vnetd, gid + ".json"), "w") as f:
            json.dump(g, f, indent=1)
        for seq, r in enumerate(rules):
            rid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            with open(os.path.join(a.vnetd, "rules", "%016x-%s.json" % (seq, rid)), "w") as f:
                json.dump(rule_json(r, gid, rid), f, indent=1)
    if a.api:
        with open(a.api, "w") as f:
            for r in rules:
                f.write(json.dumps({"security_group_rule": rule_json(r, "@GID@")}) + "\n")
    nf = 0
    if a.ovs:
        fl = ovs_flows(rules)
        nf = len(fl)
        with open(a.ovs, "w") as f:
            f.write("\n".join(fl) + "\n")
    print("RULES %d ovs_flows %d group_id %s" % (len(rules), nf, gid))


if __name__ == "__main__":
    main()
