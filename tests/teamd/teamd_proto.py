#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A raw client of teamd's wire protocol, for the shell tests.

  teamd_proto.py SOCKET JSON [SECS]   one request; prints the response JSON
                                      (waits SECS for it, default 10)
  teamd_proto.py SOCKET --raw HEXLEN  sends only a 4-byte header announcing HEXLEN
  teamd_proto.py SOCKET --idle SECS   connects, sends nothing; prints "closed
                                      after N s" when teamd hangs up
  teamd_proto.py SOCKET --hold N SECS opens N idle connections at once and holds
                                      them SECS; prints how many teamd refused
  teamd_proto.py SOCKET --send-close JSON  sends one request and closes at once,
                                      without reading the answer (a client
                                      that gave up)

Exit status: 0 answered, 3 closed without an answer, 4 cannot connect.
"""
import json
import socket
import struct
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
    except OSError as e:
        print(f"connect: {e}", file=sys.stderr)
        sys.exit(4)
    return s


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except (ConnectionResetError, socket.timeout):
            chunk = b""
        if not chunk:
            return None
        buf += chunk
    return buf


def hold(path, n, secs):
    conns = [connect(path) for _ in range(n)]
    time.sleep(0.5)
    refused = 0
    for s in conns:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                refused += 1
        except BlockingIOError:
            pass
        except ConnectionResetError:
            refused += 1
    print(f"refused {refused} of {n}", flush=True)
    time.sleep(secs)
    return 0


def main():
    path, arg = sys.argv[1], sys.argv[2]
    if arg == "--hold":
        return hold(path, int(sys.argv[3]), float(sys.argv[4]))
    s = connect(path)
    if arg == "--send-close":
        body = json.dumps(json.loads(sys.argv[3])).encode()
        s.sendall(struct.pack(">I", len(body)) + body)
        s.close()
        print("sent and closed")
        return 0
    if arg == "--idle":
        start = time.monotonic()
        s.settimeout(float(sys.argv[3]))
        try:
            data = s.recv(1)
        except socket.timeout:
            print("still open")
            return 0
        print(f"closed after {int(time.monotonic() - start)} s" if not data else "got data")
        return 0
    if arg == "--raw":
        data = struct.pack(">I", int(sys.argv[3], 16)) + b"{}"
    else:
        body = json.dumps(json.loads(arg)).encode()
        data = struct.pack(">I", len(body)) + body
        if len(sys.argv) > 3:
            s.settimeout(float(sys.argv[3]))
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # teamd hung up; whether it answered first is read below
    head = read_exact(s, 4)
    if head is None:
        print("closed without an answer")
        return 3
    (n,) = struct.unpack(">I", head)
    body = read_exact(s, n)
    if body is None:
        print("closed mid-answer")
        return 3
    print(body.decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
