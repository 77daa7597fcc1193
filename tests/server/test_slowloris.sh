#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# team-server against slow clients (slowloris), on loopback with a real
# server and tests/server/slow_client.py (bounded count and time):
#   - one source address holds at most max_connections_per_address
#   - a request still sending its headers is cut at header_timeout even
#     when it drips a byte every half second (a deadline, not an idle timer)
#   - at most max_long_polls feed requests are held; past it one is
#     answered at once
#   - while 8 addresses keep 320 half-sent requests open (more than
#     max_connections), /healthz and an authenticated API call are still
#     answered and a host's long-poll held through it is answered:
#     unauthenticated connections share max_anonymous_connections and a
#     new one evicts the oldest; /metrics counts what was closed
set -uo pipefail

: "${top_builddir:?run through make check}"
PY=${PYTHON3:-$(command -v python3 || true)}
CURL=${CURL_PROG:-$(command -v curl || true)}
[ -n "$PY" ] || { echo "SKIP: ${0##*/} needs python3 for the slow clients" >&2; exit 77; }
[ -n "$CURL" ] || { echo "SKIP: ${0##*/} needs curl" >&2; exit 77; }
SERVER_BIN=$top_builddir/server/team-server
SIGN_BIN=$top_builddir/tools/team-sign-grant
SLOW="$PY ${top_srcdir:-$top_builddir}/tests/server/slow_client.py"
[ -x "$SERVER_BIN" ] || { echo "FAIL: $SERVER_BIN not built" >&2; exit 1; }

. "${top_srcdir:-$top_builddir}/tests/lib/server_http.sh"
server_http_init test_slowloris
HOLD_PID=
POLL_PID=
SERVER_HTTP_PIDS="HOLD_PID POLL_PID"

PORT=$(free_port)
API=http://127.0.0.1:$PORT
server_http_setup '[role sudo]\nmax_duration = 1h\napprover_groups = sre\n' 'threads = 2' 'max_connections = 200' 'max_anonymous_connections = 50' 'max_connections_per_address = 40' 'header_timeout = 4s' 'max_long_polls = 2' 'connection_timeout = 60s'
ALICE=$(admin user add alice --groups sre | tail -n 1)
[ -n "$ALICE" ] || die "admin user add"
start_server

# --- per-address limit ---
open=$($SLOW "$PORT" count 127.0.0.2 100 1)
if [ -n "$open" ] && [ "$open" -le 40 ]; then
        pass "one address holds at most 40 connections ($open of 100 kept)"
else
        fail "one address kept $open of 100 connections (limit 40)"
fi

# --- header deadline against a dripping client ---
took=$($SLOW "$PORT" drip 127.0.0.3 5 45)
if [[ $took =~ ^[0-9]+$ ]]; then
        pass "dripping half-sent requests were cut after about ${took}s (header_timeout 4s, idle timeout 60s)"
else
        fail "dripping half-sent requests were still open after 45s ($took)"
fi

# --- long-polls have a budget of their own ---
WEB1=$("$SERVER_BIN" --config "$T/team-server.conf" admin host add web1 2>>"$T/admin.log" | tail -n 1)
poll() { # poll N WAIT: a feed request in the background, status in $T/poll.N
        "$CURL" -sS -o /dev/null -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $WEB1" \
                "$API/v1/hosts/web1/grants?wait=$2" >"$T/poll.$1" 2>>"$T/curl.log" &
}
poll 1 10; P1=$!
poll 2 10; P2=$!
for ((i = 0; i < 200; i++)); do
        "$CURL" -sS --max-time 20 "$API/metrics" 2>/dev/null | grep -q '^team_server_open_long_polls 2$' && break
        sleep 0.1
done
poll 3 30; P3=$!
wait "$P3"
if [ "$(cat "$T/poll.3")" = 200 ] && kill -0 "$P1" 2>/dev/null && kill -0 "$P2" 2>/dev/null; then
        pass "past max_long_polls (2) a feed request is answered at once while the two are held"
else
        fail "the third long-poll: $(cat "$T/poll.3"), held ones still running: $(kill -0 "$P1" 2>/dev/null && echo yes)"
fi
wait "$P1" "$P2"
[ "$(cat "$T/poll.1")$(cat "$T/poll.2")" = 200200 ] && pass "the two held long-polls were answered at their wait" ||
        fail "held long-polls: $(cat "$T/poll.1") $(cat "$T/poll.2")"

# --- authenticated and health answers during a flood ---
# A host's long-poll held from before the flood is answered after it.
"$CURL" -sS -o "$T/poll.json" -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $WEB1" \
        "$API/v1/hosts/web1/grants?wait=8" >"$T/poll.code" 2>>"$T/curl.log" &
POLL_PID=$!
$SLOW "$PORT" hold 127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9,127.0.0.10,127.0.0.11 \
        40 40 "$T/held" &
HOLD_PID=$!
for ((i = 0; i < 600; i++)); do [ -e "$T/held" ] && break; sleep 0.1; done
[ -e "$T/held" ] || die "the slow clients did not open their connections"
code=$("$CURL" -sS -o /dev/null -w '%{http_code}' --max-time 20 "$API/healthz" 2>>"$T/curl.log")
[ "$code" = 200 ] && pass "/healthz answered during the flood" || fail "/healthz during the flood: $code"
code=$("$CURL" -sS -o "$T/list.json" -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $ALICE" \
        "$API/v1/requests" 2>>"$T/curl.log")
[ "$code" = 200 ] && pass "an authenticated API call answered during the flood" ||
        fail "GET /v1/requests during the flood: $code"
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null
HOLD_PID=
wait "$POLL_PID"
POLL_PID=
[ "$(cat "$T/poll.code")" = 200 ] && grep -q '"cursor"' "$T/poll.json" &&
        pass "a long-poll held through the flood was answered" ||
        fail "the held long-poll: $(cat "$T/poll.code") $(head -c 200 "$T/poll.json")"

"$CURL" -sS --max-time 20 "$API/metrics" >"$T/metrics" 2>>"$T/curl.log"
grep -Eq '^team_server_connections_evicted_total [1-9]' "$T/metrics" &&
        grep -Eq '^team_server_connections_timed_out_total [1-9]' "$T/metrics" &&
        pass "/metrics counts evicted and timed-out connections" ||
        fail "/metrics: $(grep '^team_server_connections' "$T/metrics")"
kill -0 "$SERVER_PID" 2>/dev/null && pass "team-server survived" || fail "team-server died"
stop_server || fail "team-server did not stop cleanly"
[ "$fails" -eq 0 ] || { tail -n 20 "$T/server.log" >&2; exit 1; }
