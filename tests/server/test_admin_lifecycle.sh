#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# team-server admin: the identity lifecycle against a running server.
#   - user|host list show names, groups and creation times, never a token
#   - set-groups changes what a user may do (approver group) at once
#   - rotate-token prints a new token once: the old one gets 401, the new
#     one works (host feed and user API)
#   - remove: the identity's token gets 401 from the feed and the API
#   - only token hashes are in the database
set -uo pipefail

: "${top_builddir:?run through make check}"
PY=${PYTHON3:-$(command -v python3 || true)}
CURL=${CURL_PROG:-$(command -v curl || true)}
[ -n "$PY" ] && "$PY" -c 'import sqlite3' 2>/dev/null ||
        { echo "SKIP: ${0##*/} needs python3 with sqlite3" >&2; exit 77; }
[ -n "$CURL" ] || { echo "SKIP: ${0##*/} needs curl" >&2; exit 77; }
SERVER_BIN=$top_builddir/server/team-server
SIGN_BIN=$top_builddir/tools/team-sign-grant
[ -x "$SERVER_BIN" ] || { echo "FAIL: $SERVER_BIN not built" >&2; exit 1; }

. "${top_srcdir:-$top_builddir}/tests/lib/server_http.sh"
server_http_init test_admin_lifecycle
PORT=$(free_port)
API=http://127.0.0.1:$PORT
server_http_setup '[role sudo]\nmax_duration = 1h\napprover_groups = sre\nrequester_groups = dev\n'
token() { admin "$@" | tail -n 1; }
# status METHOD PATH TOKEN [BODY]: the HTTP status code
status() {
        local args=(-sS -o "$T/body" -w '%{http_code}' --max-time 30 -X "$1" -H "Authorization: Bearer $3")
        [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data "$4")
        "$CURL" "${args[@]}" "$API$2" 2>>"$T/curl.log"
}
expect() { # expect WANT GOT WHAT
        [ "$2" = "$1" ] && pass "$3 ($2)" || fail "$3: got $2, want $1 ($(head -c 300 "$T/body" 2>/dev/null))"
}

ALICE=$(token user add alice --groups dev)
BOB=$(token user add bob --groups dev)
WEB1=$(token host add web1 --groups web)
WEB2=$(token host add web2)
start_server

# --- list ---
admin user list >"$T/users" || fail "admin user list failed"
admin host list >"$T/hosts" || fail "admin host list failed"
grep -q $'^alice\tdev\t20[0-9-]*T[0-9:]*Z$' "$T/users" && grep -q $'^bob\tdev\t' "$T/users" &&
        pass "user list: name, groups, creation time" || fail "user list: $(cat "$T/users")"
grep -q $'^web1\tweb\t' "$T/hosts" && grep -q $'^web2\t-\t' "$T/hosts" && pass "host list" ||
        fail "host list: $(cat "$T/hosts")"
grep -q 'tm_' "$T/users" "$T/hosts" && fail "a list printed a token" || pass "lists print no token"

# --- set-groups: bob becomes an approver ---
expect 201 "$(status POST /v1/requests "$ALICE" '{"role":"sudo","host":"web1","duration":600,"reason":"disk full"}')" \
        "alice files a request"
RID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body" 2>/dev/null)
[ -n "$RID" ] || die "no request id"
expect 403 "$(status POST "/v1/requests/$RID/approve" "$BOB" '{}')" "bob (dev) may not approve"
admin user set-groups bob sre >/dev/null || fail "set-groups failed"
expect 200 "$(status POST "/v1/requests/$RID/approve" "$BOB" '{}')" "bob (now sre) approves at once"
admin user set-groups nobody sre >/dev/null && fail "set-groups of an unknown user succeeded" ||
        pass "set-groups of an unknown user fails"

# --- rotate-token ---
expect 200 "$(status GET "/v1/hosts/web1/grants?cursor=0&wait=0" "$WEB1")" "web1's feed with its token"
out=$(admin host rotate-token web1) || fail "host rotate-token failed"
NEW_WEB1=$(printf '%s\n' "$out" | tail -n 1)
[[ $NEW_WEB1 =~ ^tm_[A-Za-z0-9_-]{43}$ ]] && [ "$NEW_WEB1" != "$WEB1" ] &&
        pass "rotate-token prints a new token last" || fail "rotate-token printed '$out'"
expect 401 "$(status GET "/v1/hosts/web1/grants?cursor=0&wait=0" "$WEB1")" "the rotated host token gets 401 from the feed"
grep -q 'rotate-token' "$T/body" && pass "the 401 says how to reissue a token" || fail "401 text: $(cat "$T/body")"
expect 200 "$(status GET "/v1/hosts/web1/grants?cursor=0&wait=0" "$NEW_WEB1")" "the new host token reads the feed"
NEW_ALICE=$(token user rotate-token alice)
expect 401 "$(status GET /v1/requests "$ALICE")" "alice's old token gets 401"
expect 200 "$(status GET /v1/requests "$NEW_ALICE")" "alice's new token works"

# --- remove ---
out=$(admin host remove web1) || fail "host remove failed: $out"
expect 401 "$(status GET "/v1/hosts/web1/grants?cursor=0&wait=0" "$NEW_WEB1")" "a removed host's token gets 401 from the feed"
admin user remove bob >/dev/null || fail "user remove failed"
expect 401 "$(status GET /v1/requests "$BOB")" "a removed user's token gets 401"
grep -q '^web1' <<<"$(admin host list)" && fail "web1 still listed" || pass "web1 no longer listed"
admin host remove web1 >/dev/null && fail "removing web1 twice succeeded" || pass "removing an unknown host fails"
expect 200 "$(status GET "/v1/hosts/web2/grants?cursor=0&wait=0" "$WEB2")" "other hosts keep working"

# --- only hashes stored ---
"$PY" - "$T/team.db" "$NEW_ALICE" "$WEB2" <<'EOF' && pass "the database holds no token in clear" || fail "a token is stored in clear"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for table in ("users", "hosts"):
    for (h,) in db.execute(f"SELECT token_hash FROM {table}"):
        assert len(h) == 32
dump = "\n".join(db.iterdump())
assert all(t not in dump for t in sys.argv[2:])
EOF

stop_server || fail "team-server did not stop cleanly"
[ "$fails" -eq 0 ] || exit 1
