#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A webhook receiver for tests/server/test_webhook.sh, on loopback only.

Every POST is logged to --attempts as "STATUS PATH BYTES". A POST answered
with 2xx is also appended to --out as one line "PATH<TAB>BODY" (the body
with newlines escaped, so one delivery is one line). The answer code comes
from --status-file when it exists (e.g. "500"), else 200, read on every
request so a test can switch it without a restart. "Down" is simply: not
running. The bound port is written to --port-file once listening.
"""
import argparse
import http.server
import os
import sys

MAX_BODY = 1 << 20


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the files are the log
        pass

    def _status(self):
        try:
            with open(self.server.opts.status_file) as f:
                return int(f.read().strip() or "200")
        except (OSError, ValueError):
            return 200

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length)
        status = self._status()
        opts = self.server.opts
        with open(opts.attempts, "a") as f:
            f.write("%d %s %d %s\n" % (status, self.path, len(body),
                                       self.headers.get("Content-Type", "-")))
        if 200 <= status < 300:
            text = body.decode("utf-8", "backslashreplace")
            text = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            with open(opts.out, "a") as f:
                f.write("%s\t%s\n" % (self.path, text))
                f.flush()
                os.fsync(f.fileno())
        answer = b'{"ok":true}' if status < 300 else b'{"ok":false}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class Server(http.server.HTTPServer):
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--out", required=True)
    ap.add_argument("--attempts", required=True)
    ap.add_argument("--status-file", default="/nonexistent")
    opts = ap.parse_args()
    srv = Server(("127.0.0.1", opts.port), Handler)
    srv.opts = opts
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, opts.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
