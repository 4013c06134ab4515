# sg-latency.py — helpers of sg-latency.sh (see there).
#   send ADDR PORT SECS: UDP datagrams carrying time.time_ns(), back to back
#       (about one per 10-20 us), for SECS seconds
#   recv ADDR PORT OUT: bound, creates OUT.ready; waits for the first datagram;
#       writes "SENT_NS RECV_NS" to OUT
#   post SOCK PATH BODY OUT: an HTTP POST over vnetd's unix socket; writes
#       "T0_NS T1_NS STATUS" (request start, response received) to OUT
#   delete SOCK PATH: an HTTP DELETE
import socket, sys, time

cmd = sys.argv[1]
if cmd == "send":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = (sys.argv[2], int(sys.argv[3]))
    end = time.time() + float(sys.argv[4])
    while time.time() < end:
        try:
            s.sendto(str(time.time_ns()).encode(), dst)
        except OSError:
            pass
elif cmd == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    open(sys.argv[4] + ".ready", "w").close()
    d, _ = s.recvfrom(100)
    t = time.time_ns()
    open(sys.argv[4], "w").write("%s %d\n" % (d.decode(), t))
elif cmd in ("post", "delete"):
    body = sys.argv[4].encode() if cmd == "post" else b""
    req = ("%s %s HTTP/1.1\r\nHost: vnetd\r\nContent-Type: application/json\r\n"
           "Content-Length: %d\r\nConnection: close\r\n\r\n" %
           ("POST" if cmd == "post" else "DELETE", sys.argv[3], len(body))).encode() + body
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(sys.argv[2])
    t0 = time.time_ns()
    c.sendall(req)
    resp = b""
    while True:
        x = c.recv(65536)
        if not x:
            break
        resp += x
    t1 = time.time_ns()
    status = resp.split(b" ", 2)[1].decode()
    if cmd == "post":
        open(sys.argv[5], "w").write("%d %d %s\n" % (t0, t1, status))
        sys.stdout.write(resp.split(b"\r\n\r\n", 1)[1].decode())
