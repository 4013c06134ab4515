#!/bin/bash
# Security groups: the allow/deny matrix (issue 10), namespaces on kernel
# ports of one network.  Each row binds groups to ports, then sends real
# probes (TCP connect, UDP echo, ICMP by raw socket, UDP broadcast) and
# checks both the outcome and the per-port acl drop counter: a dropped
# probe moves the sender's counter (drops count where the frame came in),
# a passing one moves nobody's; a flooded copy a receiver's ingress refuses
# counts on that receiving port.  Rows: ingress TCP 22 only; ICMP by type,
# type+code and any; a UDP port range at its edges; egress restrictions
# (one egress rule; no egress rule, whose accepted connections' replies
# still pass); replies of allowed connections; remote_ip_prefix /32 and
# /24; remote_group_id kept current (a member passes, leaves, changes its
# address); union of two groups; a port attached after the rules; an
# established connection across rule changes (an unrelated rule keeps it,
# removing its rule cuts it); flooded UDP broadcasts and unknown unicast against each
# receiver's ingress; port_security_enabled=false with groups refused.
# vnetctl trace is checked on two rows.
. "$(dirname "$0")/lib.sh"
: "${VNETCTL:?path to the vnetctl binary}"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "python3 not installed at $PY"
command -v busybox >/dev/null || fail "busybox not installed (scripts/deps.sh --test: busybox-static)"
START=$(date +%s)

vnetd_start
NET=sdmx
declare -A MAC=([srv]=52:54:00:91:00:10 [a]=52:54:00:91:00:20 [b]=52:54:00:91:00:30
	[c]=52:54:00:91:00:40 [e]=52:54:00:91:00:50 [late]=52:54:00:91:00:60)
declare -A IP=([srv]=10.91.0.10 [a]=10.91.0.20 [b]=10.91.1.30 [c]=10.91.0.40 [e]=10.91.0.50
	[late]=10.91.0.60)
hosts=
for p in srv a c e late; do hosts+="<host mac='${MAC[$p]}' ip='${IP[$p]}'/>"; done
api_ok POST /v1/networks "{\"xml\":\"<network><name>$NET</name><ip address='10.91.0.1' netmask='255.255.0.0'><dhcp><range start='10.91.0.100' end='10.91.0.199'/>$hosts</dhcp></ip></network>\"}" >/dev/null
api_ok POST "/v1/networks/$NET/start" >/dev/null

# ---- groups -----------------------------------------------------------------
declare -A G
group() { # NAME [noegress]: a new group (Neutron's two egress rules deleted with noegress)
	G[$1]=$(api_ok POST /v1/security-groups "{\"security_group\":{\"name\":\"$1\"}}" | jq -r .security_group.id)
	if [ "${2:-}" = noegress ]; then
		for r in $(api_ok GET "/v1/security-group-rules?security_group_id=${G[$1]}" |
			jq -r '.security_group_rules[] | select(.direction=="egress") | .id'); do
			api_ok DELETE "/v1/security-group-rules/$r" >/dev/null
		done
	fi
}
rule() { # GROUP DIRECTION JSON-MEMBERS: prints the rule id
	api_ok POST /v1/security-group-rules "{\"security_group_rule\":{\"security_group_id\":\"${G[$1]}\",\"direction\":\"$2\",$3}}" |
		jq -r .security_group_rule.id
}
tcp() { echo "\"protocol\":\"tcp\",\"port_range_min\":$1,\"port_range_max\":${2:-$1}"; }
udp() { echo "\"protocol\":\"udp\",\"port_range_min\":$1,\"port_range_max\":${2:-$1}"; }
group g22;    R22=$(rule g22 ingress "$(tcp 22),\"remote_ip_prefix\":\"0.0.0.0/0\"")
group icmp8;  rule icmp8 ingress '"protocol":"icmp","port_range_min":8' >/dev/null
group icmp80; rule icmp80 ingress '"protocol":"icmp","port_range_min":8,"port_range_max":0' >/dev/null
group icmpany; rule icmpany ingress '"protocol":"icmp"' >/dev/null
group udprange; RUDP=$(rule udprange ingress "$(udp 5000 5010)")
group eg80 noegress; rule eg80 egress "$(tcp 80)" >/dev/null
group noeg noegress; rule noeg ingress "$(tcp 22)" >/dev/null
group noin  # Neutron's egress rules only
group p32;    rule p32 ingress "$(tcp 22),\"remote_ip_prefix\":\"${IP[a]}/32\"" >/dev/null
group p24;    rule p24 ingress "$(tcp 22),\"remote_ip_prefix\":\"10.91.0.0/24\"" >/dev/null
group mem
group rg;     rule rg ingress "$(tcp 22),\"remote_group_id\":\"${G[mem]}\"" >/dev/null
group est;    REST=$(rule est ingress "$(tcp 2200)")
group bc9999; rule bc9999 ingress "$(udp 9999)" >/dev/null

# ---- namespaces -------------------------------------------------------------
declare -A NS
mkport() { # NAME [port members]: a namespace on a kernel port, its address static
	NS[$1]=sd$1$$
	kport_ns "${NS[$1]}" x0 "sd$1h$$" "${MAC[$1]}" "$NET" "$1" 1500 "\"mac\":\"${MAC[$1]}\"${2:+,$2}"
}
mkport srv; mkport a; mkport c; mkport e
mkport b '"port_security_enabled":false' # spoofs the address a member had
for p in srv a e b; do ip -n "${NS[$p]}" addr add "${IP[$p]}/16" dev x0; done
wait_connected srv a b c e

# every namespace serves: TCP 22 23 80 81 2222 ("hello P"), 2200 (line echo),
# UDP 4999 5000 5005 5010 5011 (echo), UDP 9999 (broadcasts, logged to $T/bc.NAME)
cat >"$T/srv.py" <<'EOF'
import socket, sys, threading
log = sys.argv[1]
def hello(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(64)
    while True:
        c, _ = s.accept(); c.sendall(b"hello %d\n" % p); c.close()
def echo_conn(c):
    f = c.makefile("rb")
    for line in f:
        c.sendall(line)
def lines(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(8)
    while True:
        c, _ = s.accept(); threading.Thread(target=echo_conn, args=(c,), daemon=True).start()
def uecho(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", p))
    while True:
        d, a = s.recvfrom(2048); s.sendto(d, a)
def bcast(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", p))
    while True:
        d, a = s.recvfrom(2048)
        with open(log, "a") as f: f.write("%s %s\n" % (a[0], d.decode(errors="replace")))
ts = [(hello, p) for p in (22, 23, 80, 81, 2222)] + [(lines, 2200)]
ts += [(uecho, p) for p in (4999, 5000, 5005, 5010, 5011)] + [(bcast, 9999)]
for f, p in ts: threading.Thread(target=f, args=(p,), daemon=True).start()
open(log + ".ready", "w").close()
threading.Event().wait()
EOF
# probe.py tcp|udp|icmp DST PORT|TYPE [CODE]: prints pass or drop (env SRC:
# the source address to use); bcast DST PORT N: sends N datagrams
cat >"$T/probe.py" <<'EOF'
import os, random, socket, struct, sys, time
kind, dst = sys.argv[1], sys.argv[2]
# a probe expected to be dropped waits 0.8 s, one expected to pass 3 s (the
# verdict "drop" also needs the acl counter to move: a late pass shows)
src, to = os.environ.get("SRC"), float(os.environ.get("WAIT", "3"))
def tcp(port):
    s = socket.socket(); s.settimeout(to)
    if src: s.bind((src, 0))
    try:
        s.connect((dst, port)); return s.recv(64).startswith(b"hello")
    except OSError:
        return False
def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(to)
    if src: s.bind((src, 0))
    tok = os.urandom(8).hex().encode(); s.sendto(tok, (dst, port))
    try:
        while s.recv(64) != tok: pass
        return True
    except OSError:
        return False
def csum(b):
    if len(b) % 2: b += b"\0"
    n = sum(struct.unpack("!%dH" % (len(b) // 2), b)); n = (n >> 16) + (n & 0xffff); n += n >> 16
    return ~n & 0xffff
def icmp(t, c):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = random.randrange(1, 65535)
    body = b"\0" * 12 if t == 13 else b"sd-probe"
    h = struct.pack("!BBHHH", t, c, 0, ident, 1)
    s.sendto(struct.pack("!BBHHH", t, c, csum(h + body), ident, 1) + body, (dst, 0))
    want, end = {8: 0, 13: 14}[t], time.time() + to
    while time.time() < end:
        s.settimeout(max(end - time.time(), 0.01))
        try:
            d, a = s.recvfrom(2048)
        except OSError:
            return False
        l = (d[0] & 15) * 4
        if a[0] == dst and d[l] == want and struct.unpack("!H", d[l + 4:l + 6])[0] == ident:
            return True
    return False
if kind == "bcast":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    for i in range(int(sys.argv[4])):
        s.sendto(b"bc%d" % i, (dst, int(sys.argv[3]))); time.sleep(0.1)
    sys.exit(0)
a = [int(x) for x in sys.argv[3:]]
ok = {"tcp": tcp, "udp": udp, "icmp": icmp}[kind](*a)
print("pass" if ok else "drop")
EOF
for p in srv a c e; do
	ip netns exec "${NS[$p]}" "$PY" "$T/srv.py" "$T/bc.$p" &
	PIDS+=($!)
done
for p in srv a c e; do
	for _ in $(seq 100); do [ -e "$T/bc.$p.ready" ] && break; sleep 0.05; done
	[ -e "$T/bc.$p.ready" ] || fail "the servers in $p did not start"
done

acl() { curl -sf --unix-socket "$SOCK" "http://vnetd/v1/ports/$1/stats" | jq -r .stats.drops.acl; }
# groups P=G1,G2 ...: binds these, every other port (b excepted) gets none
declare -A BOUND=()
groups() {
	local p spec
	declare -A want=()
	for spec in "$@"; do want[${spec%%=*}]=${spec#*=}; done
	for p in srv a c e ${LATE:-}; do
		local list=${want[$p]:-}
		[ "${BOUND[$p]-unset}" != "$list" ] || continue
		api_ok PUT "/v1/ports/$p" "{\"security_groups\":[$(sed 's/[^,][^,]*/"&"/g' <<<"$list")]}" >/dev/null
		BOUND[$p]=$list
	done
}
ROW= NROW=0 NPROBE=0
row() { ROW=$1; NROW=$((NROW + 1)); shift; groups "$@"; echo "-- row $NROW: $ROW [$*]"; }
# probe FROM[@SRC] TO tcp|udp|icmp PORT|TYPE [CODE] pass|drop
probe() {
	local from=${1%@*} src= to=$2 kind=$3 exp=${!#}
	[[ $1 == *@* ]] && src=${1#*@}
	local args=("${@:4:$#-4}")
	local f0 t0 f1 t1 got
	f0=$(acl "$from") t0=$(acl "$to")
	local wait=3
	[ "$exp" = drop ] && wait=0.8
	got=$(ip netns exec "${NS[$from]}" env WAIT=$wait ${src:+SRC=$src} "$PY" "$T/probe.py" "$kind" \
		"${IP[$to]}" "${args[@]}")
	f1=$(acl "$from") t1=$(acl "$to")
	local what="$1 -> $to $kind ${args[*]}"
	NPROBE=$((NPROBE + 1))
	printf '   %-34s expect %-4s got %-4s acl %s +%d, %s +%d\n' "$what" "$exp" "$got" "$from" \
		$((f1 - f0)) "$to" $((t1 - t0))
	[ "$got" = "$exp" ] || fail "row '$ROW': $what: expected $exp, got $got"
	[ $((t1 - t0)) = 0 ] || fail "row '$ROW': $what: the receiver's acl counter moved ($t0 -> $t1)"
	if [ "$exp" = drop ]; then
		[ "$f1" -gt "$f0" ] || fail "row '$ROW': $what: dropped but the sender's acl counter did not move"
	else
		[ "$f1" = "$f0" ] || fail "row '$ROW': $what: passed but the sender's acl counter moved ($f0 -> $f1)"
	fi
}

# ---- DHCP with groups: c's lease (its static host) while its group admits
# only TCP 22 and flooded frames are filtered by the receivers' ingress ------
groups c=g22 srv=bc9999
udhcpc_script
ip netns exec "${NS[c]}" busybox udhcpc -i x0 -s "$T/udhcpc.sh" -n -q -t 5 -T 1 >/dev/null 2>&1 ||
	fail "c (group g22) got no DHCP lease"
assert_eq "c's lease" "${IP[c]}" "$(ip -n "${NS[c]}" -4 -o addr show dev x0 | awk '{print $4}' | cut -d/ -f1)"
ok "DHCP: c got its lease with groups bound"

# ---- the matrix -------------------------------------------------------------
row "ingress TCP 22 only" srv=g22
probe a srv tcp 22 pass
probe a srv tcp 23 drop
probe a srv tcp 2222 drop
probe b srv tcp 23 drop    # a port without port security or groups: the receiver's rules apply
out=$("$VNETCTL" -s "$SOCK" trace a "tcp dst=${IP[srv]} dport=23")
grep -q "^acl ingress: port srv: no ingress rule of its 1 group(s) admits it (from ${IP[a]}): dropped (acl)$" <<<"$out" ||
	fail "trace a tcp 23: $out"
grep -q "^verdict: drop (acl)$" <<<"$out" || fail "trace a tcp 23 verdict: $out"
out=$("$VNETCTL" -s "$SOCK" trace a "tcp dst=${IP[srv]} dport=22")
grep -q "^acl ingress: port srv: allowed by rule $R22 of group g22 " <<<"$out" || fail "trace a tcp 22: $out"
echo "   vnetctl trace: tcp 23 drop (acl, no ingress rule of srv), tcp 22 forward (rule $R22 of g22)"

# a port attached after the rules exist is filtered like the others
mkport late; LATE=late
ip -n "${NS[late]}" addr add "${IP[late]}/16" dev x0
wait_connected late
row "a port attached after the rules" srv=g22
probe late srv tcp 22 pass
probe late srv tcp 23 drop

row "ICMP echo (type 8)" srv=icmp8
probe a srv icmp 8 0 pass
probe a srv icmp 13 0 drop  # timestamp
probe a srv tcp 22 drop
row "ICMP type 8 code 0" srv=icmp80
probe a srv icmp 8 0 pass
probe a srv icmp 8 1 drop
row "ICMP any" srv=icmpany
probe a srv icmp 13 0 pass
probe a srv icmp 8 1 pass
probe a srv udp 5005 drop

row "UDP 5000-5010" srv=udprange
probe a srv udp 4999 drop
probe a srv udp 5000 pass
probe a srv udp 5005 pass
probe a srv udp 5010 pass
probe a srv udp 5011 drop
out=$("$VNETCTL" -s "$SOCK" trace a "udp dst=${IP[srv]} dport=5005")
grep -q "^acl ingress: port srv: allowed by rule $RUDP of group udprange " <<<"$out" ||
	fail "trace a udp 5005: $out"
grep -q "^verdict: forward to srv$" <<<"$out" || fail "trace a udp 5005 verdict: $out"
out=$("$VNETCTL" -s "$SOCK" trace a "udp dst=${IP[srv]} dport=5011")
grep -q "^verdict: drop (acl)$" <<<"$out" || fail "trace a udp 5011 verdict: $out"
echo "   vnetctl trace: udp 5005 forward (rule $RUDP of udprange), udp 5011 drop (acl)"

row "egress TCP 80 only" e=eg80
probe e srv tcp 80 pass
probe e srv tcp 81 drop
probe e srv udp 5005 drop
row "no egress rules" e=noeg
probe e srv tcp 80 drop
probe e srv icmp 8 0 drop
probe a e tcp 22 pass      # accepted: its replies leave e although no egress rule admits them

row "replies of allowed connections" a=noin srv=noeg
probe a srv tcp 22 pass    # srv answers without an egress rule, a gets it without an ingress rule
probe a srv tcp 23 drop
probe srv a tcp 22 drop

# The reply side sent first (UDP peers on fixed ports: SIP, IKE, WireGuard):
# srv's datagram srv:5006 -> a:40006 is refused (a admits nothing in); then
# a opens a:40006 -> srv:5006 (srv admits UDP 5000-5010), and srv's next
# datagram on that 5-tuple is its reply and must pass.  A refused packet's
# verdict must not be cached as a drop flow.
row "the reply side sent first" a=noin srv=udprange
cat >"$T/first.py" <<'PYEOF'
import socket, sys, time
role, peer = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if role == "srv":
    s.bind(("0.0.0.0", 5006)); s.settimeout(8)
    for i in range(3):
        s.sendto(b"early", (peer, 40006)); time.sleep(0.05)
    open(sys.argv[3], "w").close()
    try:
        d, a = s.recvfrom(64)
        for i in range(3):
            s.sendto(b"reply", a); time.sleep(0.05)
    except OSError:
        pass
else:
    s.bind(("0.0.0.0", 40006)); s.settimeout(3)
    s.sendto(b"hello", (peer, 5006))
    got = "none"
    try:
        while True:
            d, a = s.recvfrom(64)
            if d == b"early": got = "early"; break
            if d == b"reply": got = "reply"; break
    except OSError:
        pass
    print(got)
PYEOF
f0=$(acl srv)
ip netns exec "${NS[srv]}" "$PY" "$T/first.py" srv "${IP[a]}" "$T/first.sent" &
FIRST=$!
for _ in $(seq 100); do [ -e "$T/first.sent" ] && break; sleep 0.05; done
[ -e "$T/first.sent" ] || fail "row '$ROW': srv's early datagrams were not sent"
f1=$(acl srv)
[ "$f1" -ge $((f0 + 3)) ] || fail "row '$ROW': srv's early datagrams to a were not refused ($f0 -> $f1)"
got=$(ip netns exec "${NS[a]}" "$PY" "$T/first.py" a "${IP[srv]}")
wait "$FIRST" || true
[ "$got" = reply ] || fail "row '$ROW': srv's reply on the connection a opened: expected 'reply', got '$got'"
NPROBE=$((NPROBE + 2))

row "remote_ip_prefix /32" srv=p32
probe a srv tcp 22 pass
probe c srv tcp 22 drop
row "remote_ip_prefix /24" srv=p24
probe a srv tcp 22 pass
probe c srv tcp 22 pass
probe b srv tcp 22 drop    # 10.91.1.30: outside 10.91.0.0/24

row "remote_group_id: a member" srv=rg c=mem
probe c srv tcp 22 pass
probe a srv tcp 22 drop
row "remote_group_id: the member left" srv=rg
probe c srv tcp 22 drop
# the member's addresses follow its port: a pair added is admitted, and
# when the pair moves, the old address no longer is
api_ok PUT /v1/ports/c '{"allowed_address_pairs":[{"ip_address":"10.91.0.41"}]}' >/dev/null
ip -n "${NS[c]}" addr add 10.91.0.41/16 dev x0
row "remote_group_id: a member's new address" srv=rg c=mem
probe c@10.91.0.41 srv tcp 22 pass
api_ok PUT /v1/ports/c '{"allowed_address_pairs":[{"ip_address":"10.91.0.42"}]}' >/dev/null
ip -n "${NS[c]}" addr del 10.91.0.41/16 dev x0
ip -n "${NS[c]}" addr add 10.91.0.42/16 dev x0
ip -n "${NS[b]}" addr add 10.91.0.41/16 dev x0
echo "   c's pair moved 10.91.0.41 -> 10.91.0.42; b (no port security) now uses 10.91.0.41"
probe c@10.91.0.42 srv tcp 22 pass
probe b@10.91.0.41 srv tcp 22 drop

row "union of two groups" srv=g22,udprange
probe a srv tcp 22 pass
probe a srv udp 5005 pass
probe a srv tcp 23 drop
probe a srv udp 5011 drop

# ---- flooded frames against each receiver's ingress -------------------------
row "UDP broadcast 9999 flooded" srv=bc9999 c=g22
rm -f "$T/bc.srv" "$T/bc.c" "$T/bc.e"
c0=$(acl c) s0=$(acl srv) a0=$(acl a) e0=$(acl e)
ip netns exec "${NS[a]}" "$PY" "$T/probe.py" bcast 10.91.255.255 9999 3
sleep 0.5
n() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
printf '   %-34s srv got %s (admits UDP 9999), c got %s (g22), e got %s (no groups); acl c +%d, srv +%d, a +%d\n' \
	"a -> 10.91.255.255 udp 9999 x3" "$(n "$T/bc.srv")" "$(n "$T/bc.c")" "$(n "$T/bc.e")" \
	$(($(acl c) - c0)) $(($(acl srv) - s0)) $(($(acl a) - a0))
assert_eq "broadcasts received by srv (its ingress admits UDP 9999)" 3 "$(n "$T/bc.srv")"
assert_eq "broadcasts received by e (no groups)" 3 "$(n "$T/bc.e")"
assert_eq "broadcasts received by c (its ingress admits only TCP 22)" 0 "$(n "$T/bc.c")"
assert_eq "acl drops on c's port (a copy per broadcast)" 3 $(($(acl c) - c0))
assert_eq "acl drops on srv's port" 0 $(($(acl srv) - s0))
assert_eq "acl drops on a's port (the sender)" 0 $(($(acl a) - a0))
assert_eq "acl drops on e's port" 0 $(($(acl e) - e0))
# unknown unicast (a MAC no port has) floods the same way: c refuses each copy
ip -n "${NS[a]}" neigh replace 10.91.0.77 lladdr 52:54:00:91:00:99 dev x0
c0=$(acl c) s0=$(acl srv) a0=$(acl a)
ip netns exec "${NS[a]}" "$PY" "$T/probe.py" bcast 10.91.0.77 9999 3
sleep 0.3
printf '   %-34s acl c +%d, srv +%d, a +%d\n' "a -> unknown MAC udp 9999 x3" \
	$(($(acl c) - c0)) $(($(acl srv) - s0)) $(($(acl a) - a0))
assert_eq "acl drops on c's port (unknown unicast, a copy per frame)" 3 $(($(acl c) - c0))
assert_eq "acl drops on srv's port (unknown unicast)" 0 $(($(acl srv) - s0))
assert_eq "acl drops on a's port (unknown unicast)" 0 $(($(acl a) - a0))
# ARP still floods to a port whose groups admit nothing of it
ip -n "${NS[srv]}" neigh flush dev x0
probe srv c tcp 22 pass

# ---- an established connection across rule changes --------------------------
row "established TCP across rule changes" srv=est
cat >"$T/est.py" <<'EOF'
import socket, struct, sys
s = socket.create_connection((sys.argv[1], 2200), timeout=3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)) # close: RST, no retransmits
s.settimeout(1.2)
f = s.makefile("rb")
print("connected", flush=True)
for line in sys.stdin:
    try:
        s.sendall(line.encode()); print("echo " + f.readline().decode().strip(), flush=True)
    except OSError:
        print("timeout", flush=True); break
EOF
coproc EST { ip netns exec "${NS[a]}" "$PY" "$T/est.py" "${IP[srv]}" 2>&1; }
PIDS+=("$EST_PID")
say() { echo "$1" >&"${EST[1]}"; local l; read -r -t 5 l <&"${EST[0]}" || l="no answer"; echo "$l"; }
read -r -t 5 l <&"${EST[0]}" || l="no answer"
assert_eq "a -> srv TCP 2200 (admitted by est)" connected "$l"
assert_eq "the connection carries data" "echo one" "$(say one)"
a0=$(acl a)
rule est ingress "$(udp 7000)" >/dev/null
assert_eq "after an unrelated rule was added" "echo two" "$(say two)"
assert_eq "acl drops on a's port after the unrelated rule" "$a0" "$(acl a)"
echo "   established a -> srv TCP 2200: survives an unrelated rule added"
api_ok DELETE "/v1/security-group-rules/$REST" >/dev/null
assert_eq "after its rule was removed" timeout "$(say three)"
[ "$(acl a)" -gt "$a0" ] || fail "the cut connection's packets were not counted as acl on a's port"
echo "   established a -> srv TCP 2200: cut when its rule is removed (acl a +$(($(acl a) - a0)))"
[ -z "${EST[1]:-}" ] || eval "exec ${EST[1]}>&-" # the client exits after its timeout

# ---- port_security_enabled=false with groups: refused (doc/api.md) -----------
row "port security off with groups" c=g22
api PUT /v1/ports/c '{"port_security_enabled":false}' >"$T/ps.out"
assert_eq "turning port security off on a port with groups" 409 "$API_STATUS"
grep -q "Port has security group associated. Cannot disable port security or ip address until security group is removed" "$T/ps.out" ||
	fail "message: $(cat "$T/ps.out")"
api PUT /v1/ports/b '{"security_groups":["g22"]}' >"$T/ps.out"
assert_eq "groups on a port without port security" 409 "$API_STATUS"
grep -q "Port security must be enabled and port must have an IP address in order to use security groups." "$T/ps.out" ||
	fail "message: $(cat "$T/ps.out")"
api POST /v1/ports "{\"name\":\"nops\",\"network\":\"$NET\",\"port_security_enabled\":false,\"security_groups\":[\"g22\"]}" >"$T/ps.out"
assert_eq "a new port without port security, with groups" 409 "$API_STATUS"
assert_eq "c's port security" true "$(api_ok GET /v1/ports/c | jq -r .port.port_security_enabled)"
probe a c tcp 23 drop      # c is still filtered
echo "   port_security_enabled=false with groups: 409 (PUT and POST), c still filtered"

ok "security group matrix: $NROW rows, $NPROBE probes, flooded broadcasts filtered per receiver ($(($(date +%s) - START)) s)"
