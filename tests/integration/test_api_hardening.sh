#!/bin/bash
# The API under abuse and at its limits: 10,000 DHCP leases and an FDB of
# more than 65,536 MACs are listed
# completely (through the API and vnetctl) and the daemon lives; 200 idle
# connections plus a slowloris do not lock a normal client out, and the
# daemon cuts them at its per-connection deadline; a URL that is not UTF-8
# and a path with %00 get a 400 in the API's error format (never the
# answer for a truncated name); a body shorter than its Content-Length is
# closed within the deadline; the 65th network gets an error that names the
# limit.
#
# Needs curl, jq, python3, ip.  Touches only its own unix socket, state dir and
# the namespace and veth it creates (h3fdb-PID, h3fPIDh).
. "$(dirname "$0")/lib.sh"
: "${VNETCTL:?path to the vnetctl binary}"
for b in curl jq python3 ip; do
	command -v $b >/dev/null || fail "$b not installed"
done

# --mac-limit 0: the 80,000 MACs come from one port, which the default
# per-port learning limit (1024) would stop; this test is about the listing.
vnetd_start --fdb-entries 262144 --mac-limit 0
NET=h3big

# ------------------------------------------------ 10,000 leases, listed whole
api_ok POST /v1/networks "$(jq -n --arg x "<network><name>$NET</name><bridge name='vh3big0'/>
<ip address='10.201.0.1' netmask='255.255.0.0'><dhcp><range start='10.201.0.2' end='10.201.255.254'/></dhcp></ip>
</network>" '{xml:$x}')" >/dev/null
# libvirt's dnsmasq status format, as a previous run would have left it
mkdir -p "$T/state/dhcp"
python3 - "$T/state/dhcp/$NET.status" <<'EOF'
import json, sys, time
exp = int(time.time()) + 86400
leases = []
for i in range(10000):
    n = 2 + i
    leases.append({"ip-address": "10.201.%d.%d" % (n >> 8, n & 255),
                   "mac-address": "52:54:00:%02x:%02x:%02x" % (0xc3, i >> 8, i & 255),
                   "hostname": "vm%d" % i, "expiry-time": exp})
json.dump(leases, open(sys.argv[1], "w"))
EOF
api_ok POST "/v1/networks/$NET/start" >/dev/null
n=$(api_ok GET "/v1/networks/$NET/leases" | jq '.leases | length')
assert_eq "leases through the API" 10000 "$n"
n=$(api_ok GET "/v1/networks/$NET/leases" | jq '[.leases[] | select(."ip-address" == "0.0.0.0")] | length')
assert_eq "zero rows in the API's lease list" 0 "$n"
"$VNETCTL" -s "$SOCK" net-dhcp-leases "$NET" >"$T/leases.out" || fail "net-dhcp-leases failed"
n=$(grep -c '52:54:00:c3:' "$T/leases.out" || true)
assert_eq "leases printed by vnetctl" 10000 "$n"
n=$(grep -c '10\.201\.' "$T/leases.out" || true)
assert_eq "addresses printed by vnetctl" 10000 "$n"
kill -0 "$VNETD_PID" || fail "vnetd died listing 10,000 leases"
m=$(api_ok GET "/v1/networks/$NET/leases?mac=52:54:00:c3:27:0f" | jq -r '.leases[0]."ip-address"')
assert_eq "one lease by MAC" 10.201.39.17 "$m"
ok "10,000 leases listed completely"

# ------------------------------------------------ an FDB over 65,536 MACs, listed whole
# 80,000 source MACs from a namespace's veth (a kernel port of $NET)
FNS=h3fdb-$$
FH=h3f$$h
ip netns add "$FNS"
NETNS+=("$FNS")
ip link add "$FH" type veth peer name h3fn netns "$FNS"
ip -n "$FNS" link set h3fn up
ip link set "$FH" up
port_add h3fport "$NET" "\"type\":\"kernel\",\"interface\":\"$FH\""
wait_connected h3fport
ip netns exec "$FNS" python3 - <<'EOF'
import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("h3fn", 0))
for i in range(80000):
    src = bytes([0x02, 0xf0]) + struct.pack("!I", i)
    s.send(b"\xff" * 6 + src + b"\x88\xb5" + b"\0" * 46)
    if i % 200 == 199:
        time.sleep(0.002)
EOF
prev=-1
for _ in $(seq 40); do
	n=$(api_ok GET "/v1/networks/$NET/fdb" | jq '.fdb | length')
	[ "$n" = "$prev" ] && break
	prev=$n
	sleep 0.5
done
[ "$n" -gt 65536 ] || fail "FDB listing: $n entries after 80,000 source MACs (cut at 65,536?)"
"$VNETCTL" -s "$SOCK" net-fdb "$NET" >"$T/fdb.out" || fail "net-fdb failed"
m=$(grep -Ec '^ *[0-9a-f]{2}(:[0-9a-f]{2}){5} ' "$T/fdb.out" || true)
assert_eq "FDB rows printed by vnetctl" "$n" "$m"
ok "FDB of $n MACs listed completely (API and vnetctl)"

# ------------------------------------------------ malformed requests: 400
cat >"$T/raw.py" <<'EOF'
# raw.py SOCK REQUEST-BYTES(python literal): prints the status line's code
import socket, sys, ast
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(ast.literal_eval(sys.argv[2]))
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except socket.timeout:
    print("TIMEOUT")
    sys.exit(0)
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b" ")[1].decode() if head else "CLOSED", body.decode("utf-8", "replace").replace("\n", " "))
EOF
raw() { python3 "$T/raw.py" "$SOCK" "$1"; }

out=$(raw "b'GET /v1/networks/\\xff\\xfe HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'")
case "$out" in
400*'"code": "invalid-arg"'*'"message"'*) ;;
*) fail "invalid UTF-8 URL: $out" ;;
esac
ok "invalid UTF-8 URL: 400 with the error format"

api GET "/v1/networks/default%00x" >"$T/out"
[ "$API_STATUS" = 400 ] || [ "$API_STATUS" = 404 ] || fail "%00 path: $API_STATUS $(cat "$T/out")"
jq -e '.error.code and .error.message' "$T/out" >/dev/null || fail "%00 path: not an API error: $(cat "$T/out")"
api GET "/v1/networks/$NET%00x" >"$T/out"
[ "$API_STATUS" = 400 ] || [ "$API_STATUS" = 404 ] || fail "%00 path of an existing network: $API_STATUS $(cat "$T/out")"
api GET "/v1/networks/$NET%00x/leases" >"$T/out"
[ "$API_STATUS" = 400 ] || [ "$API_STATUS" = 404 ] || fail "%00 leases path: $API_STATUS"
ok "%00 in a path is refused ($API_STATUS), not answered for the truncated name"

# ------------------------------------------------ connections held open
cat >"$T/hold.py" <<'EOF'
# hold.py SOCK N: N idle connections and one slowloris (a byte a second);
# prints "ready" once connected, then per connection when the daemon closed
# it: "closed idle|slow|short SECONDS"
import socket, sys, time, select
path, n = sys.argv[1], int(sys.argv[2])
t0 = time.monotonic()
conns = {}
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    conns[s] = "idle"
slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
slow.connect(path)
conns[slow] = "slow"
short = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
short.connect(path)
short.sendall(b"POST /v1/networks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000\r\n\r\n{\"xml\":")
conns[short] = "short"
print("ready", flush=True)
req = b"GET /v1/version HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
k = 0
while conns and time.monotonic() - t0 < 40:
    r, _, _ = select.select(list(conns), [], [], 1.0)
    for s in r:
        try:
            d = s.recv(4096)
        except OSError:
            d = b""
        if not d:
            print("closed", conns.pop(s), round(time.monotonic() - t0), flush=True)
            s.close()
    if slow in conns and k < len(req):
        try:
            slow.send(req[k:k + 1])
            k += 1
        except OSError:
            pass
print("left", len(conns), flush=True)
EOF
python3 "$T/hold.py" "$SOCK" 200 >"$T/hold.out" 2>&1 &
HOLD=$!
PIDS+=("$HOLD")
for _ in $(seq 100); do grep -q ready "$T/hold.out" && break; sleep 0.1; done
grep -q ready "$T/hold.out" || fail "could not open 200 connections: $(cat "$T/hold.out")"
sleep 1
v=$(curl -s --max-time 5 --unix-socket "$SOCK" http://vnetd/v1/version | jq -r .version) ||
	fail "with 200 idle connections and a slowloris open, a request got no answer within 5 s"
[ -n "$v" ] && [ "$v" != null ] || fail "version: '$v'"
ok "a request is answered while 200 idle connections and a slowloris are open"
wait "$HOLD" || true
grep -q "closed slow" "$T/hold.out" || fail "the slowloris was never cut: $(tail -3 "$T/hold.out")"
grep -q "closed short" "$T/hold.out" || fail "the short body was never answered or closed"
grep -q "left 0" "$T/hold.out" || fail "connections still open after 40 s: $(tail -1 "$T/hold.out")"
# every connection went within the deadline (10 s) plus a tick
awk '$1=="closed" && $3 > 15 {print; bad=1} END {exit bad}' "$T/hold.out" >"$T/late" ||
	fail "connections held beyond the deadline: $(head -3 "$T/late")"
ok "idle, slowloris and short-body connections closed by the daemon within its deadline"

# ------------------------------------------------ the 65th network
# (with the default FDB size: 64 networks of 262,144 entries do not fit in
# the test's 256 MB)
vnetd_stop
vnetd_start
for i in $(seq 1 70); do
	api POST /v1/networks "{\"xml\":\"<network><name>h3n$i</name></network>\"}" >"$T/out"
	[ "$API_STATUS" = 201 ] || break
done
# default? no: this state dir starts empty; $NET plus 63 more make 64
[ "$API_STATUS" != 201 ] || fail "70 more networks were all accepted"
[ "$API_STATUS" != 500 ] || fail "the network over the limit: 500 $(cat "$T/out")"
jq -e '.error.message | test("64")' "$T/out" >/dev/null ||
	fail "the error does not name the limit: $API_STATUS $(cat "$T/out")"
cnt=$(api_ok GET /v1/networks | jq '.networks | length')
assert_eq "networks defined" 64 "$cnt"
ok "network 65: $API_STATUS $(jq -r .error.message "$T/out")"
kill -0 "$VNETD_PID" || fail "vnetd died"
