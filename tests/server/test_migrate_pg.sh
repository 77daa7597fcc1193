#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# team-server admin migrate --from sqlite:PATH --to postgresql://...:
# a team-server on sqlite is populated over HTTP (users, hosts, pending,
# approved, denied, cancelled and revoked requests, a grant feed, queued
# webhook jobs), its API answers are recorded, it is stopped, the
# database is migrated into a real PostgreSQL server (tests/lib/
# pg_fixture.sh), twice (the second run changes nothing), and a
# team-server on PostgreSQL gives the same answers to the same tokens.
set -uo pipefail

: "${top_builddir:?run through make check}"
PY=${PYTHON3:-$(command -v python3 || true)}
CURL=${CURL_PROG:-$(command -v curl || true)}
[ -n "$PY" ] && [ -n "$CURL" ] || { echo "SKIP: ${0##*/} needs python3 and curl" >&2; exit 77; }
SERVER_BIN=$top_builddir/server/team-server
SIGN_BIN=$top_builddir/tools/team-sign-grant

. "${top_srcdir:-$top_builddir}/tests/lib/server_http.sh"
. "${top_srcdir:-$top_builddir}/tests/lib/pg_fixture.sh"
server_http_init test_migrate_pg
PG_FIXTURE_CALLER_STOPS=1 pg_fixture_start
pg_fixture_createdb team
PG_URI=$(pg_fixture_uri team)

PORT=$(free_port)
API=http://127.0.0.1:$PORT
# A webhook nobody listens on: its jobs stay queued.
DEAD=$(free_port)
server_http_setup '[role sudo]\nmax_duration = 8h\napprover_groups = sre\nrequester_groups = dev\n' \
        'request_rate_limit = 0' '' '[webhook chat]' "url = http://127.0.0.1:$DEAD/hook" 'format = json'
ALICE=$(admin user add alice --groups dev | tail -n 1)
BOB=$(admin user add bob --groups sre,dev | tail -n 1)
WEB1=$(admin host add web1 --groups web,prod | tail -n 1)
admin host add web2 >/dev/null
start_server

call() { http_call "$API" "$@"; }
jget() { json_get "$@"; }
file() {
        [ "$(call POST /v1/requests "$1" "{\"role\":\"sudo\",\"host\":\"$2\",\"duration\":600,\"reason\":\"migrate $3\"}")" = 201 ] ||
                die "file: $(cat "$T/resp")"
        jget 'o["id"]'
}
R_PENDING=$(file "$ALICE" web1 pending)
R_OK=$(file "$ALICE" web1 approved)
[ "$(call POST "/v1/requests/$R_OK/approve" "$BOB" '{"comment":"fine"}')" = 200 ] || die "approve"
R_DENIED=$(file "$ALICE" web denied) ; [ "$(call POST "/v1/requests/$R_DENIED/deny" "$BOB" '{}')" = 200 ] || die "deny"
R_CANCEL=$(file "$ALICE" web1 cancel) ; [ "$(call POST "/v1/requests/$R_CANCEL/cancel" "$ALICE" '{}')" = 200 ] || die "cancel"
R_REV=$(file "$ALICE" prod revoked)
[ "$(call POST "/v1/requests/$R_REV/approve" "$BOB" '{}')" = 200 ] || die "approve 2"
G_REV=$(jget 'o["grant"]["id"]')
[ "$(call POST "/v1/grants/$G_REV/revoke" "$BOB" '{"reason":"done"}')" = 200 ] || die "revoke: $(cat "$T/resp")"

# The answers to compare: each request, the lists, web1's feed from 0.
snapshot() {
        local out=$1 rid
        : >"$out"
        for rid in "$R_PENDING" "$R_OK" "$R_DENIED" "$R_CANCEL" "$R_REV"; do
                { call GET "/v1/requests/$rid" "$ALICE"; echo; cat "$T/resp"; echo; } >>"$out"
        done
        { call GET "/v1/requests" "$BOB"; echo; cat "$T/resp"; echo; } >>"$out"
        { call GET "/v1/hosts/web1/grants?cursor=0" "$WEB1"; echo; cat "$T/resp"; echo; } >>"$out"
}
snapshot "$T/before"
stop_server

"$SERVER_BIN" --config "$T/team-server.conf" admin migrate --from "sqlite:$T/team.db" --to "$PG_URI" >"$T/m1.out" 2>&1 &&
        pass "admin migrate: sqlite into PostgreSQL" || die "migrate: $(cat "$T/m1.out")"
grep -q DIFFERENT "$T/m1.out" && fail "counts differ: $(cat "$T/m1.out")" || pass "every table's count is equal"
grep -Eq '^webhook_jobs +sqlite +[1-9]' "$T/m1.out" && grep -Eq '^feed +sqlite +[1-9]' "$T/m1.out" &&
        pass "the webhook queue and the feed came along" || fail "queue/feed: $(cat "$T/m1.out")"
"$SERVER_BIN" --config "$T/team-server.conf" admin migrate --from "sqlite:$T/team.db" --to "$PG_URI" >"$T/m2.out" 2>&1 &&
        diff <(grep sqlite "$T/m1.out") <(grep sqlite "$T/m2.out") >/dev/null &&
        pass "a second migrate changes nothing (same counts)" || fail "second migrate: $(cat "$T/m2.out")"

SERVER_DB=$PG_URI
sed -i "s|^database = .*|database = $PG_URI|" "$T/team-server.conf"
start_server
snapshot "$T/after"
diff "$T/before" "$T/after" >"$T/diff" && pass "the same API answers before and after the migration" ||
        fail "answers differ: $(head -c 1500 "$T/diff")"
# The sequences continue above the copied keys.
R_NEW=$(file "$ALICE" web1 new)
[ "$(call POST "/v1/requests/$R_NEW/approve" "$BOB" '{}')" = 200 ] || fail "approve after the migration"
GID=$(jget 'o["grant"]["id"]')
C=$(pg_fixture_psql team "SELECT max(seq) FROM feed WHERE grant_id <> '$GID'")
[ "$(call GET "/v1/hosts/web1/grants?cursor=$C" "$WEB1")" = 200 ] && [ "$(jget '[g["id"] for g in o["grants"]]')" = "[\"$GID\"]" ] &&
        pass "a host's old cursor continues on PostgreSQL with the next grant" || fail "feed after migration: $(cat "$T/resp")"

[ "$fails" -eq 0 ] && echo "all migrate checks passed"
exit $((fails > 0))
