#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A scriptable stand-in for team-server's host feed (tests/sync).

    fake_feed.py DIR [PORT]

Listens on 127.0.0.1:PORT (default: a free port) and writes the port to
DIR/port once it accepts. Everything it does is driven by files in DIR, re-read at each
request, so a test changes its behaviour between polls with one echo:

  DIR/mode      one word (default "ok"):
                  ok           the feed of DIR/feed.jsonl (docs/api.md):
                               cursor = number of feed lines seen, wait
                               honoured (held at most 3 s), 400 for a bad
                               or future cursor
                  status:NNN   HTTP NNN with a JSON error body
                  garbage      200 with a body that is not JSON
                  huge         200 announcing and sending a 50 MB body
                  huge-chunked 200, 50 MB chunked (no Content-Length)
                  loris        200 with Content-Length 1000, then one byte
                               every 5 s, forever (a slow-loris server)
                  hang         reads the request, never answers
                  instant      like ok but ignores wait (answers at once)
  DIR/feed.jsonl  one entry per line: {"id": G, "jws": J} or {"revoked": G}
  DIR/token       when present, the bearer token required (else 401)
  DIR/requests.log  one line per request: "PATH auth=ok|bad|none"

Stdlib only. Stops on SIGTERM/SIGINT.
"""
import json
import os
import signal
import socket
import socketserver
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

DIR = sys.argv[1] if len(sys.argv) > 1 else "."
HUGE = 50 * 1024 * 1024
MAX_HOLD = 3.0


def read_file(name, default=""):
    try:
        with open(os.path.join(DIR, name), encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return default


def feed_entries():
    out = []
    for line in read_file("feed.jsonl").splitlines():
        line = line.strip()
        if line:
            out.append(json.loads(line))
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send_json(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def auth_state(self):
        want = read_file("token").strip()
        got = self.headers.get("Authorization")
        if got is None:
            return "none" if want else "ok"
        if not want:
            return "ok"
        return "ok" if got == "Bearer " + want else "bad"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        mode = read_file("mode", "ok").strip() or "ok"
        auth = self.auth_state()
        with open(os.path.join(DIR, "requests.log"), "a", encoding="utf-8") as f:
            f.write("%s auth=%s mode=%s\n" % (self.path, auth, mode))
        if auth != "ok":
            self.send_json(401, {"error": "unauthorized", "message": "bad token"})
            return
        try:
            if mode.startswith("status:"):
                self.send_json(int(mode[7:]), {"error": "internal", "message": "scripted failure"})
            elif mode == "garbage":
                body = b"<html>this is not the feed\x00\xff{{{"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif mode == "huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                self.stream_huge()
            elif mode == "huge-chunked":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.stream_huge(chunked=True)
            elif mode == "loris":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.flush()
                while True:
                    time.sleep(5)
                    self.wfile.write(b" ")
                    self.wfile.flush()
            elif mode == "hang":
                while True:
                    time.sleep(1)
            else:
                self.feed(hold=(mode != "instant"))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def stream_huge(self, chunked=False):
        chunk = b"[" + b"0," * 32767 + b"0"
        sent = 0
        while sent < HUGE:
            n = min(len(chunk), HUGE - sent)
            if chunked:
                self.wfile.write(b"%x\r\n" % n + chunk[:n] + b"\r\n")
            else:
                self.wfile.write(chunk[:n])
            sent += n
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def feed(self, hold):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        parts = url.path.split("/")
        if len(parts) != 5 or parts[1:3] != ["v1", "hosts"] or parts[4] != "grants":
            self.send_json(404, {"error": "not_found", "message": "no such endpoint"})
            return
        cursor_s = q.get("cursor", [""])[0]
        try:
            wait = int(q.get("wait", ["0"])[0])
            cursor = int(cursor_s) if cursor_s else 0
        except ValueError:
            self.send_json(400, {"error": "bad_request", "message": "bad cursor or wait"})
            return
        entries = feed_entries()
        if cursor < 0 or cursor > len(entries):
            self.send_json(400, {"error": "bad_request", "message": "cursor ahead of the feed"})
            return
        deadline = time.monotonic() + min(wait, MAX_HOLD)
        while hold and len(entries) == cursor and time.monotonic() < deadline:
            time.sleep(0.05)
            entries = feed_entries()
            if (read_file("mode", "ok").strip() or "ok") != "ok":
                break
        if cursor > len(entries):  # the feed shrank while the poll was held
            self.send_json(400, {"error": "bad_request", "message": "cursor ahead of the feed"})
            return
        grants = [e for e in entries[cursor:] if "jws" in e]
        revoked = [e["revoked"] for e in entries[cursor:] if "revoked" in e]
        self.send_json(200, {"grants": grants, "revoked": revoked, "cursor": str(len(entries))})


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    srv = Server(("127.0.0.1", int(sys.argv[2]) if len(sys.argv) > 2 else 0), Handler)
    port = srv.server_address[1]
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % port)
    os.rename(tmp, os.path.join(DIR, "port"))

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.server_close()


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    main()
