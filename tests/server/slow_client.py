#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Slow HTTP clients against a loopback team-server (bounded count and time).

  slow_client.py PORT count SRC N WAIT
      open N connections from SRC, each with half a request's headers;
      after WAIT seconds print how many the server still keeps open.
  slow_client.py PORT drip SRC N DEADLINE
      open N half-sent requests from SRC and add a header line to each
      every half second; print the seconds until the server had closed
      them all, or "open" if some were still open at DEADLINE.
  slow_client.py PORT hold SRCS N SECONDS READY_FILE
      from each address in SRCS (comma-separated) keep N half-sent
      requests open for SECONDS, reopening those the server closes;
      touch READY_FILE once all were opened the first time.
"""
import errno
import socket
import sys
import time

HALF = b"GET /healthz HTTP/1.1\r\nHost: team\r\nX-Slow: "


def open_half(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(HALF)
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


def is_open(s):
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def drip(s):
    try:
        s.send(b"a\r\nX-Slow: ")
        return True
    except OSError as e:
        return e.errno in (errno.EAGAIN, errno.EWOULDBLOCK)


def count(port, src, n, wait):
    socks = [s for s in (open_half(port, src) for _ in range(n)) if s]
    time.sleep(wait)
    print(sum(1 for s in socks if is_open(s)))


def drip_until_closed(port, src, n, deadline):
    start = time.monotonic()
    socks = [s for s in (open_half(port, src) for _ in range(n)) if s]
    while time.monotonic() - start < deadline:
        socks = [s for s in socks if is_open(s) and drip(s)]
        if not socks:
            print(int(time.monotonic() - start + 1))
            return
        time.sleep(0.5)
    print("open")


def hold(port, srcs, n, seconds, ready):
    start = time.monotonic()
    socks = {src: [] for src in srcs}
    announced = False
    while time.monotonic() - start < seconds:
        for src in srcs:
            live = [s for s in socks[src] if is_open(s)]
            while len(live) < n and time.monotonic() - start < seconds:
                s = open_half(port, src)
                if s is None:
                    break
                live.append(s)
            socks[src] = live
        if not announced:
            open(ready, "w").close()
            announced = True
        time.sleep(0.2)


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    if mode == "count":
        count(port, sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    elif mode == "drip":
        drip_until_closed(port, sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    elif mode == "hold":
        hold(port, sys.argv[3].split(","), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
