#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Hosts' signed audit checkpoints against a real team-server on loopback
# (POST /v1/hosts/{id}/checkpoints, docs/api.md), with checkpoints signed
# by real Ed25519 keys (openssl) over the statement of docs/audit.md and
# tests/server/webhook_receiver.py as the alert webhook:
#   - the first checkpoint registers the host's key (200), a newer one is
#     200, the same one again is 200 and changes nothing
#   - a lower seq, or the recorded seq with another head: 409 chain_fork
#     and one host.chain_fork alert (not one per refusal)
#   - another key: 409 key_mismatch and a host.key_mismatch alert
#   - a user token, another host's token or path: 403; a body that is not
#     a valid, correctly signed checkpoint of this host: 400; oversize: 413
#   - no checkpoint for [audit] checkpoint_alert_after (2 s here): one
#     host.checkpoints_stopped alert, and host.checkpoints_resumed when
#     one comes again; with TEAM_TEST_STORE=postgresql two instances share
#     the database and the alert is still raised once
#   - team-server admin host-key: show, --clear (the next key is trusted
#     on first use), set (a pinned key refuses another)
#   - the record survives a restart; no token is ever logged
set -uo pipefail

: "${top_builddir:?run through make check}"
srcdir=${top_srcdir:-$top_builddir}
PY=${PYTHON3:-$(command -v python3 || true)}
CURL=${CURL_PROG:-$(command -v curl || true)}
if [ -z "$PY" ] || ! "$PY" -c 'import http.server, json' 2>/dev/null; then
        echo "SKIP: ${0##*/} needs python3 (the webhook receiver is python's http.server)" >&2
        exit 77
fi
[ -n "$CURL" ] || { echo "SKIP: ${0##*/} needs curl to drive the API" >&2; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: ${0##*/} needs openssl to sign checkpoints" >&2; exit 77; }
command -v basenc >/dev/null || { echo "SKIP: ${0##*/} needs basenc (coreutils) for base64url" >&2; exit 77; }
SERVER_BIN=$top_builddir/server/team-server
RECEIVER=$srcdir/tests/server/webhook_receiver.py
[ -x "$SERVER_BIN" ] || { echo "FAIL: $SERVER_BIN not built" >&2; exit 1; }

. "$srcdir/tests/lib/server_http.sh"
server_http_init test_checkpoints
RECV_PID='' SERVER2_PID=''
SERVER_HTTP_PIDS="RECV_PID SERVER2_PID"
PG=false
[ "${TEAM_TEST_STORE:-sqlite}" = postgresql ] && PG=true

PORT=$(free_port)
RPORT=$(free_port)
API=http://127.0.0.1:$PORT
HOOKS=$T/hooks
: >"$HOOKS"; : >"$T/attempts"

mkdir -m 0700 "$T/keys"
openssl genpkey -algorithm ed25519 -out "$T/keys/k1.pem" 2>/dev/null || die "openssl genpkey"
openssl genpkey -algorithm ed25519 -out "$T/host1.pem" 2>/dev/null || die "openssl genpkey"
openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null || die "openssl genpkey"
chmod 0600 "$T/keys/k1.pem"
printf '[role sudo]\nmax_duration = 1h\napprover_groups = ops\n' >"$T/policy.conf"
chmod 0600 "$T/policy.conf"
write_conf() { # PORT
        cat >"$T/team-server-$1.conf" <<EOF
[server]
listen = 127.0.0.1:$1
database = $SERVER_DB
signing_keys = $T/keys
policy = $T/policy.conf

[audit]
checkpoint_alert_after = 2

[webhook alerts]
url = http://127.0.0.1:$RPORT/alerts
format = json
EOF
        chmod 0600 "$T/team-server-$1.conf"
}
write_conf "$PORT"
cp "$T/team-server-$PORT.conf" "$T/team-server.conf"

ALICE=$(admin user add alice --groups ops | tail -n 1)
WEB1=$(admin host add web1 | tail -n 1)
WEB2=$(admin host add web2 | tail -n 1)
[[ $ALICE == tm_* && $WEB1 == tm_* && $WEB2 == tm_* ]] || die "admin did not print tokens"

"$PY" "$RECEIVER" --port "$RPORT" --port-file "$T/rport" --out "$HOOKS" --attempts "$T/attempts" \
        --status-file "$T/status" 2>>"$T/receiver.log" &
RECV_PID=$!
for ((i = 0; i < 100; i++)); do [ -s "$T/rport" ] && break; sleep 0.05; done
[ -s "$T/rport" ] || die "webhook receiver not listening"
start_server

# pubkey PEM: base64url of the raw 32-byte Ed25519 public key.
pubkey() { openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | basenc --base64url -w0 | tr -d '='; }
K1=$(pubkey "$T/host1.pem")
K2=$(pubkey "$T/other.pem")
# prev N: a chain head, 64 hex, different for each N.
prev() { printf '%s' "chain-$1" | sha256sum | cut -c1-64; }
# checkpoint KEY HOST SEQ PREV TIME_USEC [SIGNED_SEQ]: the AuditCheckpoint
# JSON (canonical: sorted keys, no blanks), signed by KEY over the
# statement; SIGNED_SEQ signs another seq than the one in the body.
checkpoint() {
        local sig pub
        printf 'pam_team-audit-checkpoint-v1\n%s\n%s\n%s\n%s\n' "$2" "${6:-$3}" "$4" "$5" >"$T/statement"
        openssl pkeyutl -sign -inkey "$1" -rawin -in "$T/statement" -out "$T/sig" || die "openssl pkeyutl -sign"
        sig=$(basenc --base64url -w0 <"$T/sig" | tr -d '=')
        pub=$(pubkey "$1")
        "$PY" - "$2" "$3" "$4" "$5" "$pub" "$sig" <<'EOF'
import datetime, json, sys, uuid
host, seq, prev, t, key, sig = sys.argv[1:]
t = int(t)
ev = {"v": 1, "id": uuid.uuid4().hex, "type": "AuditCheckpoint",
      "time": datetime.datetime.fromtimestamp(t / 1e6, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
      "time_usec": t, "message_id": "ef66100c43e8462abf983b1621d0c67f", "priority": 6, "outcome": "success",
      "host": host, "seq": int(seq), "prev": prev, "reason": "interval",
      "message": "signed checkpoint of the audit chain (interval)", "host_key": key, "signature": sig}
print(json.dumps(ev, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
EOF
}
# post TOKEN HOST BODY -> status; the answer in $T/resp
post() { http_call "$API" POST "/v1/hosts/$2/checkpoints" "$1" "$3"; }
expect() { # WHAT WANT GOT
        if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: want $2, got $3: $(head -c 400 "$T/resp")"; fi
}
# alerts TYPE HOST: webhook deliveries of that event for that host
alerts() {
        "$PY" - "$HOOKS" "$1" "$2" <<'EOF'
import json, sys
path, typ, host = sys.argv[1:]
n = 0
for line in open(path, encoding="utf-8"):
    _, _, body = line.rstrip("\n").partition("\t")
    try:
        o = json.loads(body.replace("\\\\", "\\"))
    except ValueError:
        continue
    if o.get("type") == typ and o.get("request", {}).get("host") == host:
        n += 1
print(n)
EOF
}
wait_alert() { # TYPE HOST COUNT SECONDS
        local end=$((SECONDS + $4))
        while ((SECONDS < end)); do
                [ "$(alerts "$1" "$2")" -ge "$3" ] && return 0
                sleep 0.2
        done
        return 1
}
now_usec() { echo $(($(date +%s) * 1000000 + 123456)); }

TU=$(now_usec)
# --- first checkpoint registers the key; newer; replay ---
code=$(post "$WEB1" web1 "$(checkpoint "$T/host1.pem" web1 5 "$(prev 5)" "$TU")")
expect "first checkpoint accepted" 200 "$code"
[ "$(json_get 'o["ok"] is True and o["seq"] == 5')" = True ] && pass "answer is {ok, seq}" || fail "answer: $(cat "$T/resp")"
admin host-key web1 >"$T/show"
if grep -q "^key	$K1	first-use" "$T/show" && grep -q "^checkpoint	5	$(prev 5)" "$T/show"; then
        pass "the first checkpoint registered the host's key (trust on first use)"
else
        fail "admin host-key web1 shows: $(cat "$T/show")"
fi
B9=$(checkpoint "$T/host1.pem" web1 9 "$(prev 9)" $((TU + 1000)))
expect "newer checkpoint accepted" 200 "$(post "$WEB1" web1 "$B9")"
expect "the same checkpoint again is idempotent" 200 "$(post "$WEB1" web1 "$B9")"
grep -q "^checkpoint	9	$(prev 9)" <(admin host-key web1) && pass "seq 9 is the record" || fail "record after seq 9"

# --- forks ---
code=$(post "$WEB1" web1 "$(checkpoint "$T/host1.pem" web1 7 "$(prev 7)" $((TU + 2000)))")
expect "lower seq refused" 409 "$code"
[ "$(json_get 'o["error"]')" = chain_fork ] && pass "error chain_fork" || fail "error: $(cat "$T/resp")"
[ "$(json_get 'o["recorded_seq"]')" = 9 ] && pass "answer names the recorded seq" || fail "recorded_seq: $(cat "$T/resp")"
wait_alert host.chain_fork web1 1 30 && pass "host.chain_fork alert delivered" || fail "no host.chain_fork alert"
code=$(post "$WEB1" web1 "$(checkpoint "$T/host1.pem" web1 9 "$(prev 99)" $((TU + 1000)))")
expect "same seq, other head refused" 409 "$code"
grep -q "^checkpoint	9	$(prev 9)" <(admin host-key web1) && pass "the recorded checkpoint is kept" \
        || fail "record changed by a fork"

# --- another key ---
code=$(post "$WEB1" web1 "$(checkpoint "$T/other.pem" web1 10 "$(prev 10)" $((TU + 3000)))")
expect "other key refused" 409 "$code"
[ "$(json_get 'o["error"]')" = key_mismatch ] && pass "error key_mismatch" || fail "error: $(cat "$T/resp")"
[ "$(json_get 'o["registered_key"]')" = "$K1" ] && pass "answer names the registered key" || fail "key: $(cat "$T/resp")"
wait_alert host.key_mismatch web1 1 30 && pass "host.key_mismatch alert delivered" || fail "no host.key_mismatch alert"
# One target's jobs go out in order: the mismatch came after the second
# fork, so a second fork alert would be here by now.
[ "$(alerts host.chain_fork web1)" = 1 ] && pass "one fork alert for two refusals" \
        || fail "fork alerts: $(alerts host.chain_fork web1)"
"$PY" - "$HOOKS" "$K2" "$K1" <<'EOF' && pass "alert payload: host, checkpoint, recorded, registered key, reason" || fail "alert payload"
import json, sys
path, k2, k1 = sys.argv[1:]
for line in open(path):
    o = json.loads(line.rstrip("\n").partition("\t")[2])
    if o["type"] == "host.key_mismatch":
        r = o["request"]
        assert o["actor"] == "host:web1" and r["host"] == "web1", o
        assert r["checkpoint"]["seq"] == 10 and r["checkpoint"]["host_key"] == k2, r
        assert r["recorded"]["seq"] == 9 and r["registered_key"] == k1, r
        assert "team-server admin host-key web1" in r["reason"], r
        sys.exit(0)
sys.exit(1)
EOF

# --- who may post, and what ---
expect "user token" 403 "$(post "$ALICE" web1 "$B9")"
expect "another host's token" 403 "$(post "$WEB2" web1 "$B9")"
expect "another host's path" 403 "$(post "$WEB1" web2 "$B9")"
expect "no token" 401 "$("$CURL" -sS -o "$T/resp" -w '%{http_code}' -X POST --data-binary "$B9" \
        "$API/v1/hosts/web1/checkpoints")"
expect "a checkpoint of another host (body host)" 400 "$(post "$WEB2" web2 "$B9")"
expect "not JSON" 400 "$(post "$WEB1" web1 'not json')"
expect "empty body" 400 "$(post "$WEB1" web1 '')"
expect "another event type" 400 "$(post "$WEB1" web1 "${B9/AuditCheckpoint/DaemonStarted}")"
expect "unknown member" 400 "$(post "$WEB1" web1 "${B9/\"v\":1/\"v\":1,\"x\":1}")"
nosig=$("$PY" -c 'import json,sys; o=json.loads(sys.argv[1]); del o["signature"]; print(json.dumps(o))' "$B9")
expect "no signature" 400 "$(post "$WEB1" web1 "$nosig")"
code=$(post "$WEB1" web1 "$(checkpoint "$T/host1.pem" web1 11 "$(prev 11)" $((TU + 4000)) 12)")
expect "signature over another statement" 400 "$code"
[ "$(json_get 'o["error"]')" = bad_signature ] && pass "error bad_signature" || fail "error: $(cat "$T/resp")"
big=$("$PY" -c 'print("{\"message\":\"" + "a" * 20000 + "\"}")')
expect "oversize body" 413 "$(post "$WEB1" web1 "$big")"
grep -q "^checkpoint	9	$(prev 9)" <(admin host-key web1) && pass "refused bodies changed nothing" \
        || fail "record changed by a refused body"

# --- the stop alert and its end ---
code=$(post "$WEB2" web2 "$(checkpoint "$T/other.pem" web2 1 "$(prev 201)" "$TU")")
expect "web2's first checkpoint" 200 "$code"
if $PG; then
        # A second instance on the same database sweeps too.
        PORT2=$(free_port)
        write_conf "$PORT2"
        "$SERVER_BIN" --config "$T/team-server-$PORT2.conf" >>"$T/server2.log" 2>&1 &
        SERVER2_PID=$!
        for ((i = 0; i < 100; i++)); do
                "$CURL" -fsS "http://127.0.0.1:$PORT2/healthz" >/dev/null 2>&1 && break
                sleep 0.1
        done
        "$CURL" -fsS "http://127.0.0.1:$PORT2/healthz" >/dev/null 2>&1 || die "second instance not answering"
        pass "second instance on the same database"
fi
wait_alert host.checkpoints_stopped web2 1 60 && pass "host.checkpoints_stopped alert after the quiet period" \
        || fail "no stop alert for web2"
grep -q "^stopped	20" <(admin host-key web2) && pass "the record says the alert was raised" \
        || fail "record: $(admin host-key web2)"
# Several sweeps of every instance pass over the stopped host meanwhile.
sleep 3
code=$(post "$WEB2" web2 "$(checkpoint "$T/other.pem" web2 2 "$(prev 202)" $((TU + 5000000)))")
expect "a checkpoint after the stop alert" 200 "$code"
wait_alert host.checkpoints_resumed web2 1 30 && pass "host.checkpoints_resumed alert" || fail "no resumed alert"
"$PY" - "$HOOKS" <<'EOF' && pass "one stop alert before it resumed$($PG && echo ', from two instances')" || fail "stop alerts before resumed"
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line.rstrip("\n").partition("\t")[2])
    if o["request"].get("host") != "web2":
        continue
    if o["type"] == "host.checkpoints_resumed":
        sys.exit(0 if n == 1 else 1)
    if o["type"] == "host.checkpoints_stopped":
        n += 1
sys.exit(1)
EOF
grep -q "^stopped	no" <(admin host-key web2) && pass "a new checkpoint clears the stop state" \
        || fail "record: $(admin host-key web2)"

# --- admin host-key ---
admin host-key web1 --clear >/dev/null && pass "host-key --clear" || fail "host-key --clear"
code=$(post "$WEB1" web1 "$(checkpoint "$T/other.pem" web1 3 "$(prev 303)" $((TU + 6000)))")
expect "after --clear the next key and chain are trusted on first use" 200 "$code"
grep -q "^key	$K2	first-use" <(admin host-key web1) && pass "new key registered" || fail "$(admin host-key web1)"
admin host-key web1 "ed25519:$K1" >/dev/null && pass "host-key HOST ed25519:KEY" || fail "host-key set"
grep -q "^key	$K1	admin" <(admin host-key web1) && pass "admin key registered" || fail "$(admin host-key web1)"
code=$(post "$WEB1" web1 "$(checkpoint "$T/other.pem" web1 4 "$(prev 304)" $((TU + 7000)))")
expect "the admin's key refuses the one it replaced" 409 "$code"
code=$(post "$WEB1" web1 "$(checkpoint "$T/host1.pem" web1 4 "$(prev 304)" $((TU + 7000)))")
expect "the admin's key is accepted, the chain goes on" 200 "$code"
admin host-key web1 not-a-key >/dev/null 2>&1; expect "host-key with a malformed key" 2 "$?"
admin host-key nosuch "$K1" >/dev/null 2>&1; expect "host-key of an unknown host" 1 "$?"

# --- restart: the record persists ---
stop_server
start_server
code=$(post "$WEB1" web1 "$(checkpoint "$T/host1.pem" web1 2 "$(prev 302)" $((TU + 8000)))")
expect "after a restart a lower seq is still a fork" 409 "$code"

# --- logs ---
grep -q "HostChainFork: host web1" "$T/server.log" && pass "the fork is in team-server's log" || fail "no fork log line"
leak=0
for tok in "$ALICE" "$WEB1" "$WEB2"; do
        grep -qF "$tok" "$T/server.log" "$T/server2.log" "$HOOKS" 2>/dev/null && leak=1
done
[ "$leak" = 0 ] && pass "no token in the logs or the alerts" || fail "a token was logged"

stop_server || fail "team-server exit status"
if [ -n "$SERVER2_PID" ]; then kill -TERM "$SERVER2_PID"; wait "$SERVER2_PID"; SERVER2_PID=; fi
echo "# $fails failure(s)"
[ "$fails" = 0 ]
