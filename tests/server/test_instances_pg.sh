#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Two team-server instances (A and B) on one real PostgreSQL server
# (tests/lib/pg_fixture.sh), driven over HTTP with curl:
#   - an approval on A wakes a host long-polling B (before its wait ends),
#     with the grant; the elapsed time is printed, bench/ measures it
#   - a quorum of two approvers split across A and B, raced ROUNDS times:
#     both decisions recorded, exactly one grant each time
#   - a cancel on A raced against an approval on B, ROUNDS times: exactly
#     one wins (200, the other 409) and the request ends in its state
#   - the feed cursor is global: read A, continue on B with A's cursor:
#     nothing missed, nothing repeated
#   - PostgreSQL stopped mid-run: 503 with Retry-After, a long-poll ends
#     with 503; started again: both instances answer without a restart and
#     cross-instance wake-up works again
#   - unreachable at start: exit 69 naming the URI; a password in the URI
#     or a passfile of mode 0644: exit 78
# Skips (77) only without PostgreSQL's server binaries, curl or python3.
set -uo pipefail

: "${top_builddir:?run through make check}"
PY=${PYTHON3:-$(command -v python3 || true)}
CURL=${CURL_PROG:-$(command -v curl || true)}
[ -n "$PY" ] && [ -n "$CURL" ] || { echo "SKIP: ${0##*/} needs python3 and curl" >&2; exit 77; }
SERVER_BIN=$top_builddir/server/team-server
SIGN_BIN=$top_builddir/tools/team-sign-grant
ROUNDS=${ROUNDS:-100}
export TEAM_TEST_STORE=postgresql

. "${top_srcdir:-$top_builddir}/tests/lib/server_http.sh"
server_http_init test_instances_pg
B_PID=
SERVER_HTTP_PIDS=B_PID

PORT=$(free_port)
API=http://127.0.0.1:$PORT
server_http_setup '[role sudo]\nmax_duration = 8h\napprover_groups = sre\nrequester_groups = dev\n[role quorum]\nmax_duration = 8h\napprover_groups = sre\nrequester_groups = dev\napprovals_required = 2\n' \
        'max_wait = 20s' 'request_rate_limit = 0'
ALICE=$(admin user add alice --groups dev | tail -n 1)
BOB=$(admin user add bob --groups sre | tail -n 1)
CAROL=$(admin user add carol --groups sre | tail -n 1)
WEB1=$(admin host add web1 --groups web | tail -n 1)
start_server
# B: the same database and signing keys, its own port.
B_PORT=$(free_port)
B_API=http://127.0.0.1:$B_PORT
sed -e "s/^listen = .*/listen = 127.0.0.1:$B_PORT/" "$T/team-server.conf" >"$T/b.conf"
chmod 0600 "$T/b.conf"
"$SERVER_BIN" --config "$T/b.conf" >>"$T/b.log" 2>&1 &
B_PID=$!
for ((i = 0; i < 100; i++)); do "$CURL" -fsS "$B_API/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
[ "$i" -lt 100 ] || die "instance B did not start: $(tail -n 5 "$T/b.log")"
pass "two instances on one PostgreSQL database"

call() { http_call "$@"; }
jget() { json_get "$@"; }
file() {
        [ "$(call "$API" POST /v1/requests "$ALICE" "{\"role\":\"$1\",\"host\":\"web1\",\"duration\":600,\"reason\":\"race\"}")" = 201 ] ||
                die "filing a $1 request: $(cat "$T/resp")"
        jget 'o["id"]'
}

# --- the feed's starting point, and a long-poll on B woken by A ---
[ "$(call "$B_API" GET /v1/hosts/web1/grants "$WEB1")" = 200 ] || die "feed on B: $(cat "$T/resp")"
CURSOR0=$(jget 'o["cursor"]')
RID=$(file sudo)
(
        OUT=$T/lp.out call "$B_API" GET "/v1/hosts/web1/grants?cursor=$CURSOR0&wait=20" "$WEB1" >"$T/lp.code"
        "$PY" -c 'import time; print(time.time())' >"$T/lp.end"
) &
LP=$!
for ((i = 0; i < 50; i++)); do
        "$CURL" -fsS "$B_API/metrics" | grep -q '^team_server_open_long_polls 1$' && break
        sleep 0.1
done
[ "$i" -lt 50 ] || fail "the long-poll on B is not held"
T0=$("$PY" -c 'import time; print(time.time())')
[ "$(call "$API" POST "/v1/requests/$RID/approve" "$BOB" '{}')" = 200 ] || fail "approve on A: $(cat "$T/resp")"
GID=$(jget 'o["grant"]["id"]')
wait "$LP"
EL=$("$PY" -c 'import sys; print("%.3f" % (float(open(sys.argv[1]).read()) - float(sys.argv[2])))' "$T/lp.end" "$T0")
# Held with wait=20: it carries the grant only if A's approval woke it.
[ "$(cat "$T/lp.code")" = 200 ] && [ "$(jget '[g["id"] for g in o["grants"]]' "$T/lp.out")" = "[\"$GID\"]" ] &&
        pass "approve on A woke the long-poll on B with grant $GID (after ${EL}s)" ||
        fail "long-poll on B after approval on A: $(cat "$T/lp.code") $(cat "$T/lp.out")"
CURSOR1=$(jget 'o["cursor"]' "$T/lp.out")

# race VERB_A TOKEN_A VERB_B TOKEN_B: on request $RID, VERB_A on A and
# VERB_B on B at once; statuses in $T/a.code, $T/b.code, then the
# request as it ends in $T/resp.
race() {
        OUT=$T/a.resp call "$API" POST "/v1/requests/$RID/$1" "$2" '{}' >"$T/a.code" &
        local pa=$!
        OUT=$T/b.resp call "$B_API" POST "/v1/requests/$RID/$3" "$4" '{}' >"$T/b.code" &
        wait "$pa" $!
        call "$API" GET "/v1/requests/$RID" "$ALICE" >/dev/null
}

# --- quorum split across A and B ---
bad=0
for ((r = 0; r < ROUNDS; r++)); do
        RID=$(file quorum)
        race approve "$BOB" approve "$CAROL"
        if [ "$(cat "$T/a.code") $(cat "$T/b.code")" != "200 200" ] || [ "$(jget 'o["status"]')" != active ] ||
                [ "$(jget 'len(o["decisions"])')" != 2 ] || [ "$(jget 'o["grant"] is not None')" != True ]; then
                bad=$((bad + 1))
                echo "# round $r: A $(cat "$T/a.code") B $(cat "$T/b.code"): $(head -c 300 "$T/resp")" >&2
        fi
done
n=$(pg_fixture_psql team "SELECT count(*) FROM grants g JOIN requests r ON r.id = g.request_id WHERE r.role = 'quorum'")
[ "$bad" = 0 ] && [ "$n" = "$ROUNDS" ] && pass "quorum split over A and B, $ROUNDS races: exactly one grant each" ||
        fail "quorum races: $bad bad rounds, $n grants for $ROUNDS requests"

# --- cancel on A against approve on B ---
bad=0
for ((r = 0; r < ROUNDS; r++)); do
        RID=$(file sudo)
        race cancel "$ALICE" approve "$CAROL"
        case "$(cat "$T/a.code") $(cat "$T/b.code") $(jget 'o["status"]')" in
        "200 409 cancelled" | "409 200 active") ;;
        *) bad=$((bad + 1)); echo "# round $r: cancel $(cat "$T/a.code") approve $(cat "$T/b.code") -> $(jget 'o["status"]')" >&2 ;;
        esac
done
[ "$bad" = 0 ] && pass "cancel on A vs approve on B, $ROUNDS races: one winner, its state kept" ||
        fail "cancel/approve races: $bad rounds without exactly one winner"

# --- one cursor for both instances ---
expect=$(pg_fixture_psql team "SELECT count(*) FROM feed WHERE aud IN ('web1', 'web') AND seq > $CURSOR1")
[ "$(call "$API" GET "/v1/hosts/web1/grants?cursor=$CURSOR1" "$WEB1")" = 200 ] || fail "feed on A"
got=$(jget 'len(o["grants"]) + len(o["revoked"])')
CUR_A=$(jget 'o["cursor"]')
[ "$(call "$B_API" GET "/v1/hosts/web1/grants?cursor=$CUR_A" "$WEB1")" = 200 ] || fail "feed on B"
[ "$got" = "$expect" ] && [ "$(jget 'len(o["grants"]) + len(o["revoked"])')" = 0 ] &&
        [ "$(jget 'o["cursor"]')" = "$CUR_A" ] &&
        pass "A's feed from the cursor has all $expect entries; B continues from A's cursor with none repeated" ||
        fail "cursor across instances: A gave $got of $expect, then B: $(head -c 300 "$T/resp")"
RID=$(file sudo)
[ "$(call "$B_API" POST "/v1/requests/$RID/approve" "$BOB" '{}')" = 200 ] || fail "approve on B"
GID=$(jget 'o["grant"]["id"]')
[ "$(call "$API" GET "/v1/hosts/web1/grants?cursor=$CUR_A" "$WEB1")" = 200 ] &&
        [ "$(jget '[g["id"] for g in o["grants"]]')" = "[\"$GID\"]" ] &&
        pass "a grant issued on B is the one new entry on A after the shared cursor" ||
        fail "A after B's grant: $(head -c 300 "$T/resp")"
CUR_B=$(jget 'o["cursor"]')

# --- the database goes away and comes back ---
pg_fixture_pause
code=$(call "$API" GET /v1/requests "$ALICE")
hdr=$("$CURL" -sS -o /dev/null -D - -H "Authorization: Bearer $ALICE" "$API/v1/requests" | tr -d '\r')
[ "$code" = 503 ] && grep -qi '^Retry-After: [0-9]' <<<"$hdr" &&
        pass "database down: the API answers 503 with Retry-After" || fail "database down: $code $(head -c 200 "$T/resp") $hdr"
code=$(OUT=$T/lp2.out call "$B_API" GET "/v1/hosts/web1/grants?cursor=$CUR_B&wait=2" "$WEB1")
[ "$code" = 503 ] && pass "database down: a long-poll ends with 503" || fail "long-poll with the database down: $code"
pg_fixture_resume
for ((i = 0; i < 50; i++)); do
        [ "$(call "$API" GET /v1/requests "$ALICE")" = 200 ] && [ "$(call "$B_API" GET /v1/requests "$ALICE")" = 200 ] && break
        sleep 0.2
done
[ "$i" -lt 50 ] && pass "database back: both instances answer again without a restart" ||
        fail "after the database came back: $(cat "$T/resp")"
# After the listener reconnected, a long-poll on B still wakes for A.
for ((i = 0; i < 50; i++)); do grep -q 'listening again' "$T/b.log" && break; sleep 0.2; done
RID=$(file sudo)
(
        OUT=$T/lp3.out call "$B_API" GET "/v1/hosts/web1/grants?cursor=$CUR_B&wait=20" "$WEB1" >"$T/lp3.code"
) &
LP=$!
sleep 0.5
[ "$(call "$API" POST "/v1/requests/$RID/approve" "$BOB" '{}')" = 200 ] || fail "approve on A after the outage"
GID=$(jget 'o["grant"]["id"]')
wait "$LP"
[ "$(jget '[g["id"] for g in o["grants"]]' "$T/lp3.out")" = "[\"$GID\"]" ] && pass "after the outage an approval on A still reaches a long-poll on B" ||
        fail "long-poll on B after the outage: $(cat "$T/lp3.code") $(head -c 300 "$T/lp3.out")"

# --- unreachable at start ---
sed -e "s|^database = .*|database = postgresql://team@/team?host=$T/nowhere|" "$T/b.conf" >"$T/c.conf"
chmod 0600 "$T/c.conf"
"$SERVER_BIN" --config "$T/c.conf" >"$T/c.log" 2>&1
rc=$?
[ "$rc" = 69 ] && grep -q "$T/nowhere" "$T/c.log" && grep -q 'cannot connect' "$T/c.log" &&
        pass "database unreachable at start: exit 69 (EX_UNAVAILABLE), the URI named" ||
        fail "unreachable at start: exit $rc, $(cat "$T/c.log")"
sed -e "s|^database = .*|database = postgresql://team:hunter2pw@/team?host=$T/nowhere|" "$T/b.conf" >"$T/c.conf"
"$SERVER_BIN" --config "$T/c.conf" >"$T/c.log" 2>&1
rc=$?
[ "$rc" = 78 ] && ! grep -q hunter2pw "$T/c.log" && grep -q passfile "$T/c.log" &&
        pass "a password in the URI: refused (exit 78), not repeated" || fail "password in URI: exit $rc, $(cat "$T/c.log")"
cp "$PGPASSFILE" "$T/loose.pgpass"
chmod 0644 "$T/loose.pgpass"
PGPASSFILE=$T/loose.pgpass "$SERVER_BIN" --config "$T/b.conf" >"$T/c.log" 2>&1
rc=$?
[ "$rc" = 78 ] && grep -q 'chmod 600' "$T/c.log" && pass "a passfile with mode 0644: refused (exit 78)" ||
        fail "0644 passfile: exit $rc, $(cat "$T/c.log")"

[ "$fails" -eq 0 ] && echo "all two-instance checks passed"
exit $((fails > 0))
