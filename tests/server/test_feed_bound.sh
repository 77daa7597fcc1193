#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A host feed answer is bounded in size on the server: 400 grants with
# long reasons (about 720 KB of JWS) come in answers of at most 512 KiB of
# entries, each carrying the cursor of its last entry, and following the
# cursors delivers every grant exactly once.
set -uo pipefail

: "${top_builddir:?run through make check}"
PY=${PYTHON3:-$(command -v python3 || true)}
CURL=${CURL_PROG:-$(command -v curl || true)}
[ -n "$PY" ] || { echo "SKIP: ${0##*/} needs python3" >&2; exit 77; }
[ -n "$CURL" ] || { echo "SKIP: ${0##*/} needs curl" >&2; exit 77; }
SERVER_BIN=$top_builddir/server/team-server
SIGN_BIN=$top_builddir/tools/team-sign-grant
[ -x "$SERVER_BIN" ] || { echo "FAIL: $SERVER_BIN not built" >&2; exit 1; }

. "${top_srcdir:-$top_builddir}/tests/lib/server_http.sh"
server_http_init test_feed_bound
PORT=$(free_port)
API=http://127.0.0.1:$PORT
server_http_setup '[role sudo]\nmax_duration = 8h\napprover_groups = sre\nrequester_groups = dev\n' 'request_rate_limit = 0'
ALICE=$(admin user add alice --groups dev | tail -n 1)
BOB=$(admin user add bob --groups sre | tail -n 1)
WEB1=$(admin host add web1 | tail -n 1)
start_server

if "$PY" - "$PORT" "$ALICE" "$BOB" "$WEB1" >"$T/feed.out" 2>&1 <<'EOF'
import http.client, json, sys
port, alice, bob, web1 = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
def call(method, path, tok, body=None):
    h = {"Authorization": "Bearer " + tok}
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    return r.status, r.read()
issued = set()
for i in range(400):
    st, b = call("POST", "/v1/requests", alice,
                 {"role": "sudo", "host": "web1", "duration": 3600, "reason": ("%04d " % i) + "x" * 1000})
    assert st == 201, (st, b)
    st, b = call("POST", "/v1/requests/%s/approve" % json.loads(b)["id"], bob, {})
    assert st == 200, (st, b)
    issued.add(json.loads(b)["grant"]["id"])
got, cursor, answers, biggest = [], "", 0, 0
while True:
    st, b = call("GET", "/v1/hosts/web1/grants?wait=0&cursor=" + cursor, web1)
    assert st == 200, (st, b)
    o = json.loads(b)
    biggest = max(biggest, len(b))
    answers += 1
    got += [g["id"] for g in o["grants"]]
    if not o["grants"] and not o["revoked"]:
        break
    cursor = o["cursor"]
    assert answers < 20, "the feed never ends"
assert biggest <= 512 * 1024 + 4096, "an answer of %d bytes" % biggest
assert len(got) == len(set(got)) and set(got) == issued, (len(got), len(set(got)), len(issued))
print("answers", answers - 1, "biggest", biggest)
EOF
then
        pass "400 large grants in $(sed -n 's/^answers \([0-9]*\).*/\1/p' "$T/feed.out") bounded answers ($(sed -n 's/.*biggest //p' "$T/feed.out") bytes at most), each once"
else
        fail "feed bound: $(tail -n 3 "$T/feed.out")"
fi
stop_server || fail "team-server did not stop cleanly"
[ "$fails" -eq 0 ] || exit 1
