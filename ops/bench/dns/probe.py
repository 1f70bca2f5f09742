#!/usr/bin/env python3
"""probe.py PORT NAME [DEADLINE_S=300] -- ask 127.0.0.1:PORT over UDP every 20 ms for "NAME TXT"
until a NOERROR answer with ANCOUNT > 0 arrives (exit 0) or DEADLINE_S passes (exit 1).
Times zone loading / start-up, as the performance anchors do."""
import random, socket, struct, sys, time

port, name = int(sys.argv[1]), sys.argv[2]
deadline = time.monotonic() + (float(sys.argv[3]) if len(sys.argv) > 3 else 300)
qname = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.02)
while time.monotonic() < deadline:
    qid = random.randrange(65536)
    try:
        s.sendto(struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + qname + struct.pack(">HH", 16, 1),
                 ("127.0.0.1", port))
        while True:
            d = s.recv(4096)
            i, fl, _, an = struct.unpack(">HHHH", d[:8])
            if i == qid:
                break
        if fl & 0xF == 0 and an > 0:
            sys.exit(0)
        time.sleep(0.02)
    except (socket.timeout, ConnectionRefusedError, OSError):
        time.sleep(0.005)
sys.exit(1)
