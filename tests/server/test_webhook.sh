#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Webhook notifications end to end: a real team-server on loopback with a
# temporary database, and tests/server/webhook_receiver.py as Slack/Teams.
#   - request created -> a Slack body (and a Teams Adaptive Card) arrives;
#     approve -> another; deny and revoke -> theirs
#   - receiver down, a request created, receiver up -> delivered once,
#     nothing lost, no duplicate, still in order
#   - receiver answering 500 -> retried until it answers 200, recorded once
#   - server stopped with a job queued, receiver up, server started ->
#     delivered after the restart
#   - no body carries a JWS or a token, the URL is never logged; the queue
#     is empty at the end (/metrics)
#   - a json webhook gets our event object; a webhook that never answers
#     neither slows the API nor delays shutdown
set -uo pipefail

: "${top_builddir:?run through make check}"
srcdir=${top_srcdir:-$top_builddir}
PY=${PYTHON3:-$(command -v python3 || true)}
CURL=${CURL_PROG:-$(command -v curl || true)}
if [ -z "$PY" ] || ! "$PY" -c 'import http.server, json' 2>/dev/null; then
        echo "SKIP: ${0##*/} needs python3 (the webhook receiver is python's http.server)" >&2
        exit 77
fi
if [ -z "$CURL" ]; then
        echo "SKIP: ${0##*/} needs curl to drive the API" >&2
        exit 77
fi
command -v openssl >/dev/null || { echo "SKIP: ${0##*/} needs openssl to make a signing key" >&2; exit 77; }
SERVER_BIN=$top_builddir/server/team-server
RECEIVER=$srcdir/tests/server/webhook_receiver.py
[ -x "$SERVER_BIN" ] || { echo "FAIL: $SERVER_BIN not built" >&2; exit 1; }

. "$srcdir/tests/lib/server_http.sh"
server_http_init test_webhook
RECV_PID='' HANG_PID=''
SERVER_HTTP_PIDS="HANG_PID RECV_PID"

SPORT=$(free_port)
RPORT=$(free_port)
API=http://127.0.0.1:$SPORT
OUT=$T/bodies
ATTEMPTS=$T/attempts
STATUS=$T/status
: >"$OUT"; : >"$ATTEMPTS"

# --- config, policy, key ---
mkdir -m 0700 "$T/keys"
openssl genpkey -algorithm ed25519 -out "$T/keys/k1.pem" 2>/dev/null || die "openssl genpkey"
chmod 0600 "$T/keys/k1.pem"
cat >"$T/policy.conf" <<EOF
[role sudo]
max_duration = 8h
approver_groups = ops
requester_groups = dev
require_reason = yes
EOF
cat >"$T/team-server.conf" <<EOF
[server]
listen = 127.0.0.1:$SPORT
database = $T/team.db
signing_keys = $T/keys
policy = $T/policy.conf

[webhook chat]
url = http://127.0.0.1:$RPORT/slack/T000/B000/secretpart
format = slack

[webhook teams]
url = http://127.0.0.1:$RPORT/teams
format = teams
EOF
chmod 0600 "$T/policy.conf" "$T/team-server.conf"

admin() { "$SERVER_BIN" --config "$T/team-server.conf" admin "$@" 2>>"$T/admin.log" | tail -n 1; }
ALICE=$(admin user add alice --groups dev) || die "admin user add alice"
BOB=$(admin user add bob --groups ops) || die "admin user add bob"
admin host add web1 --groups web >/dev/null || die "admin host add web1"
[[ $ALICE == tm_* && $BOB == tm_* ]] || die "admin did not print tokens"

start_receiver() {
        rm -f "$T/rport"
        "$PY" "$RECEIVER" --port "$RPORT" --port-file "$T/rport" --out "$OUT" --attempts "$ATTEMPTS" \
                --status-file "$STATUS" 2>>"$T/receiver.log" &
        RECV_PID=$!
        for ((i = 0; i < 100; i++)); do
                [ -s "$T/rport" ] && return 0
                kill -0 "$RECV_PID" 2>/dev/null || die "receiver did not start"
                sleep 0.05
        done
        die "receiver not listening"
}
stop_receiver() {
        kill "$RECV_PID" 2>/dev/null
        wait "$RECV_PID" 2>/dev/null
        RECV_PID=
}

# api METHOD PATH TOKEN [BODY] -> body on stdout; status in $T/code
api() {
        local data=${4:-}
        "$CURL" -sS -o "$T/resp" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3" \
                -H 'Content-Type: application/json' ${data:+--data-binary "$data"} "$API$2" >"$T/code" \
                || die "curl $1 $2 failed"
        cat "$T/resp"
}
jget() { "$PY" -c 'import json,sys; o=json.load(sys.stdin)
for k in sys.argv[1].split("."): o=o[k]
print(o)' "$1"; }

# count PATH_PREFIX EVENT_WORD ID: deliveries recorded for that path with both strings
count() {
        "$PY" - "$OUT" "$1" "$2" "$3" <<'EOF'
import sys
out, prefix, word, rid = sys.argv[1:]
n = 0
for line in open(out, encoding="utf-8", errors="replace"):
    path, _, body = line.rstrip("\n").partition("\t")
    if path.startswith(prefix) and word in body and rid in body:
        n += 1
print(n)
EOF
}
# wait_for PATH WORD ID SECONDS: until at least one delivery matches
wait_for() {
        local end=$((SECONDS + $4))
        while ((SECONDS < end)); do
                [ "$(count "$1" "$2" "$3")" -ge 1 ] && return 0
                sleep 0.2
        done
        return 1
}
new_request() { # REASON -> request id
        local body
        body=$(api POST /v1/requests "$ALICE" \
                "{\"role\":\"sudo\",\"host\":\"web1\",\"duration\":3600,\"reason\":\"$1\"}")
        [ "$(cat "$T/code")" = 201 ] || die "POST /v1/requests: $(cat "$T/code") $body"
        jget id <<<"$body"
}

start_receiver
start_server

# --- 1. created -> Slack body and Teams card ---
R1=$(new_request "disk full on web1")
if wait_for /slack "requests sudo" "$R1" 10; then pass "created: slack body delivered"; else fail "created: no slack body for $R1"; fi
if wait_for /teams "AdaptiveCard" "$R1" 10; then pass "created: teams card delivered"; else fail "created: no teams body for $R1"; fi
if "$PY" - "$OUT" "$R1" <<'EOF'; then pass "slack body is an incoming-webhook message (text + blocks)"; else fail "slack body shape"; fi
import json, sys
out, rid = sys.argv[1:]
for line in open(out):
    path, _, body = line.rstrip("\n").partition("\t")
    if path.startswith("/slack") and rid in body:
        o = json.loads(body)
        assert isinstance(o["text"], str) and "alice requests sudo on web1 for 1h" in o["text"], o["text"]
        assert isinstance(o["blocks"], list) and o["blocks"][0]["type"] == "section"
        assert any(rid in f["text"] for b in o["blocks"] for f in b.get("fields", []))
        sys.exit(0)
sys.exit(1)
EOF
if "$PY" - "$OUT" "$R1" <<'EOF'; then pass "teams body is a message with an Adaptive Card"; else fail "teams body shape"; fi
import json, sys
out, rid = sys.argv[1:]
for line in open(out):
    path, _, body = line.rstrip("\n").partition("\t")
    if path == "/teams" and rid in body:
        o = json.loads(body)
        a = o["attachments"][0]
        assert o["type"] == "message"
        assert a["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert a["content"]["type"] == "AdaptiveCard"
        sys.exit(0)
sys.exit(1)
EOF
if grep -q "application/json" "$ATTEMPTS"; then pass "posted as application/json"; else fail "content type"; fi

# --- 2. approve -> another body ---
body=$(api POST "/v1/requests/$R1/approve" "$BOB" '{"comment":"go ahead"}')
[ "$(cat "$T/code")" = 200 ] || die "approve: $(cat "$T/code") $body"
G1=$(jget grant.id <<<"$body")
if wait_for /slack "bob approved" "$R1" 10; then pass "approved: slack body delivered"; else fail "approved: no body"; fi

# --- 3. receiver down, request created, receiver up: delivered once ---
stop_receiver
t0=$SECONDS
R2=$(new_request "receiver down")
if ((SECONDS - t0 < 3)); then pass "API answers while the receiver is down"; else fail "API waited for the webhook"; fi
sleep 3
[ "$(count /slack requests "$R2")" = 0 ] || fail "delivered while down?"
start_receiver
if wait_for /slack "requests sudo" "$R2" 20; then pass "down then up: delivered"; else fail "down then up: $R2 lost"; fi
wait_for /teams "AdaptiveCard" "$R2" 10 || fail "down then up: teams $R2 lost"

# --- 4. receiver answers 500 -> retried, recorded once it answers 200 ---
echo 500 >"$STATUS"
R3=$(new_request "receiver failing")
end=$((SECONDS + 15))
while ((SECONDS < end)) && [ "$(grep -c '^500 /slack' "$ATTEMPTS")" -lt 2 ]; do sleep 0.2; done
n500=$(grep -c '^500 /slack' "$ATTEMPTS")
if [ "$n500" -ge 2 ]; then pass "500: retried ($n500 attempts)"; else fail "500: only $n500 attempts"; fi
rm -f "$STATUS"
if wait_for /slack "requests sudo" "$R3" 20; then pass "500 then 200: delivered"; else fail "500 then 200: $R3 lost"; fi

# --- 5. deny and revoke ---
api POST "/v1/requests/$R3/deny" "$BOB" '{"comment":"not now"}' >/dev/null
[ "$(cat "$T/code")" = 200 ] || fail "deny: $(cat "$T/code")"
if wait_for /slack "bob denied" "$R3" 10; then pass "denied: delivered"; else fail "denied: no body"; fi
api POST "/v1/grants/$G1/revoke" "$BOB" '{"reason":"done"}' >/dev/null
[ "$(cat "$T/code")" = 200 ] || fail "revoke: $(cat "$T/code")"
if wait_for /slack "revoked" "$G1" 10; then pass "revoked: delivered"; else fail "revoked: no body"; fi

# --- 6. restart with a queued job ---
stop_receiver
R4=$(new_request "queued across a restart")
sleep 1
stop_server
start_receiver
start_server
if wait_for /slack "requests sudo" "$R4" 20; then pass "restart: queued job delivered"; else fail "restart: $R4 lost"; fi
wait_for /teams "AdaptiveCard" "$R4" 10 || fail "restart: teams $R4 lost"

# --- 7. nothing lost, no duplicates, in order, no secrets ---
sleep 2
if "$PY" - "$OUT" "$R1" "$R2" "$R3" "$R4" "$G1" <<'EOF'; then pass "each event delivered exactly once per webhook, in order"; else fail "duplicates, losses or disorder"; fi
import json, sys
out, r1, r2, r3, r4, g1 = sys.argv[1:]
want = [(r1, "request.created"), (r1, "request.approved"), (r2, "request.created"),
        (r3, "request.created"), (r3, "request.denied"), (r1, "grant.revoked"), (r4, "request.created")]
for prefix in ("/slack", "/teams"):
    seen = []
    for line in open(out):
        path, _, body = line.rstrip("\n").partition("\t")
        if not path.startswith(prefix):
            continue
        for rid in (r1, r2, r3, r4):
            if rid in body:
                ev = [e for e in ("request.created", "request.approved", "request.denied", "grant.revoked") if e in body]
                seen.append((rid, ev[0] if ev else "?"))
    if seen != want:
        print(prefix, "got", seen, "want", want, file=sys.stderr)
        sys.exit(1)
EOF
if grep -q 'eyJ' "$OUT" || grep -q 'tm_' "$OUT"; then fail "a body carries a JWS or a token"; else pass "no JWS, no token in any body"; fi
if grep -q secretpart "$T/server.log"; then fail "the webhook URL was logged"; else pass "webhook URL never logged"; fi
metrics=$("$CURL" -fsS "$API/metrics")
if grep -Eq '^team_server_webhook_queue_depth 0$' <<<"$metrics"; then pass "queue empty at the end (metrics)"
else fail "queue depth: $(grep webhook_queue_depth <<<"$metrics")"; fi
stop_server

# --- 8. a json webhook added, and one that never answers: the API does not
#        wait for it, the json body is our event object, shutdown is prompt ---
HPORT=$(free_port)
# The hanging receiver accepts, never answers, and logs when the peer gave
# up on a connection: the order of those lines against the API's answer
# and the server's stop is checked, never a duration.
"$PY" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
log = open(sys.argv[2], "a", buffering=1)
while True:
    c, _ = s.accept()
    log.write("accepted %.6f\n" % time.time())
    while c.recv(65536):
        pass
    log.write("closed %.6f\n" % time.time())
    c.close()' "$HPORT" "$T/hang.log" &
HANG_PID=$!
# listening before the server's first POST, so every attempt reaches it
for ((i = 0; i < 300; i++)); do ss -Hltn "sport = :$HPORT" | grep -q . && break; sleep 0.1; done
cat >>"$T/team-server.conf" <<EOF

[webhook audit]
url = http://127.0.0.1:$RPORT/json
format = json

[webhook slow]
url = http://127.0.0.1:$HPORT/hang
format = json
EOF
start_server
R5=$(new_request "json and a hanging hook")
T_ANSWER=$("$PY" -c 'import time; print("%.6f" % time.time())')
# Had the API waited for the hanging POST, that POST's own timeout would
# have closed it before the answer: every close must come after it.
for ((i = 0; i < 300; i++)); do grep -q '^accepted ' "$T/hang.log" 2>/dev/null && break; sleep 0.1; done
if ! grep -q '^accepted ' "$T/hang.log" 2>/dev/null; then
        fail "the hanging webhook was never called"
elif "$PY" -c 'import sys
closed = [float(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("closed ")]
sys.exit(0 if all(t > float(sys.argv[2]) for t in closed) else 1)' "$T/hang.log" "$T_ANSWER"; then
        pass "API answered while the webhook POST hung"
else
        fail "API answered only after the hanging POST ended: $(cat "$T/hang.log")"
fi
if wait_for /json '"request.created"' "$R5" 10; then pass "json: delivered"; else fail "json: no body for $R5"; fi
if "$PY" - "$OUT" "$R5" <<'EOF'; then pass "json body is our event object (type, at, actor, request; no jws)"; else fail "json body shape"; fi
import json, sys
out, rid = sys.argv[1:]
for line in open(out):
    path, _, body = line.rstrip("\n").partition("\t")
    if path == "/json" and rid in body:
        o = json.loads(body)
        assert o["type"] == "request.created" and isinstance(o["at"], int)
        assert o["actor"] == "alice", o["actor"]
        r = o["request"]
        assert r["id"] == rid and r["user"] == "alice" and r["role"] == "sudo" and r["status"] == "pending"
        assert r["reason"] == "json and a hanging hook" and r["duration"] == 3600
        assert "jws" not in body
        sys.exit(0)
sys.exit(1)
EOF
# A POST hanging when the server stops is aborted by the stop and not
# counted as a failed attempt (without the abort the stop would sit out
# the POST's timeout, which counts). So once a POST is in flight, the
# slow job's attempts after the stop are the POSTs that ended, minus the
# aborted one. (How fast the stop is: bench/, not here.)
for ((i = 0; i < 300; i++)); do
        [ "$(grep -c '^accepted ' "$T/hang.log")" -gt "$(grep -c '^closed ' "$T/hang.log")" ] && break
        sleep 0.1
done
if stop_server; then pass "stopped (exit 0) with a POST hanging"; else fail "stop with a POST hanging failed"; fi
attempts=$("$PY" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
r = c.execute("SELECT attempts FROM webhook_jobs WHERE target = ? ORDER BY id LIMIT 1", ("slow",)).fetchone()
print(r[0] if r else "none")' "$T/team.db")
closed=$(grep -c '^closed ' "$T/hang.log")
if [ "$attempts" = "$((closed - 1))" ]; then
        pass "the hanging POST was aborted by the stop (attempts $attempts, not counting it)"
else
        fail "hanging POST at stop: attempts=$attempts with $closed POSTs ended: $(cat "$T/hang.log")"
fi
kill "$HANG_PID" 2>/dev/null; wait "$HANG_PID" 2>/dev/null; HANG_PID=

if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/server.log"; then
        fail "sanitizer report in the server log"
fi

if [ "$fails" -gt 0 ]; then
        echo "--- server log" >&2; tail -n 40 "$T/server.log" >&2
        echo "FAIL: $fails check(s) failed" >&2
        exit 1
fi
echo "PASS: ${0##*/}"
