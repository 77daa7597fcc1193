#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""PAM decisions against teamd's root socket, as pam_team sends them, for
the crash test: N requests, each tagged with a unique rhost ("TAG-i");
every 10th is a session_open (a state change) for USER with a grant, the
others checks. A request that gets no answer (teamd was killed) is sent
again under the same tag once teamd answers again. Each answered tag is
printed on stdout as it arrives.

usage: pam_load.py SOCKET USER N TAG [CONCURRENCY]
"""
import json
import socket
import struct
import sys
import threading
import time

path, user, n, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
conc = int(sys.argv[5]) if len(sys.argv) > 5 else 4
out_lock = threading.Lock()
next_i = [0]


def ask(body):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        data = json.dumps(body).encode()
        s.sendall(struct.pack(">I", len(data)) + data)
        head = b""
        while len(head) < 4:
            c = s.recv(4 - len(head))
            if not c:
                return None
            head += c
        (ln,) = struct.unpack(">I", head)
        buf = b""
        while len(buf) < ln:
            c = s.recv(ln - len(buf))
            if not c:
                return None
            buf += c
        return json.loads(buf)
    except (OSError, ValueError):
        return None
    finally:
        s.close()


def worker():
    while True:
        with out_lock:
            i = next_i[0]
            if i >= n:
                return
            next_i[0] += 1
        op = "session_open" if i % 10 == 0 else "check"
        body = {"v": 1, "op": op, "user": user, "role": "sudo", "service": "sudo",
                "rhost": "%s-%d" % (tag, i)}
        deadline = time.time() + 120
        while True:
            ans = ask(body)
            if ans is not None and ans.get("ok") and ans.get("decision") in ("allow", "deny"):
                break
            if time.time() > deadline:
                print("no answer for %s-%d in 120 s" % (tag, i), file=sys.stderr)
                sys.exit(1)
            time.sleep(0.02)
        with out_lock:
            sys.stdout.write("%s-%d\n" % (tag, i))
            sys.stdout.flush()


threads = [threading.Thread(target=worker) for _ in range(conc)]
for t in threads:
    t.start()
for t in threads:
    t.join()
