#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Filing is rate-limited per identity, and request lists page instead of
# truncating (a real team-server on loopback):
#   - 600 pending requests: the pages of GET /v1/requests (limit, cursor,
#     next_cursor) hold every one exactly once, newest first, the oldest
#     included; bad limit/cursor are 400
#   - teamctl list --pending shows all 600
#   - with request_rate_limit = 5, a sixth request within the minute is
#     429 with Retry-After; another identity still files; a host's share
#     is per local user it files for
set -uo pipefail

: "${top_builddir:?run through make check}"
PY=${PYTHON3:-$(command -v python3 || true)}
CURL=${CURL_PROG:-$(command -v curl || true)}
[ -n "$PY" ] || { echo "SKIP: ${0##*/} needs python3" >&2; exit 77; }
[ -n "$CURL" ] || { echo "SKIP: ${0##*/} needs curl" >&2; exit 77; }
SERVER_BIN=$top_builddir/server/team-server
SIGN_BIN=$top_builddir/tools/team-sign-grant
TEAMCTL_BIN=$top_builddir/teamctl/teamctl
[ -x "$SERVER_BIN" ] && [ -x "$TEAMCTL_BIN" ] || { echo "FAIL: team-server or teamctl not built" >&2; exit 1; }

. "${top_srcdir:-$top_builddir}/tests/lib/server_http.sh"
server_http_init test_rate_pages
PORT=$(free_port)
API=http://127.0.0.1:$PORT
server_http_setup '[role sudo]\nmax_duration = 1h\napprover_groups = sre\nrequester_groups = dev\n' 'request_rate_limit = 0'
ALICE=$(admin user add alice --groups dev | tail -n 1)
CAROL=$(admin user add carol --groups dev | tail -n 1)
BOB=$(admin user add bob --groups sre | tail -n 1)
WEB1=$(admin host add web1 | tail -n 1)
[ -n "$WEB1" ] || die "admin host add"
start_server

# --- 600 requests, then every page ---
"$PY" - "$PORT" "$ALICE" "$BOB" >"$T/pages.out" 2>&1 <<'EOF'
import http.client, json, sys
port, alice, bob = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
def call(method, path, tok, body=None):
    h = {"Authorization": "Bearer " + tok}
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    return r.status, r.read()
filed = []
for i in range(600):
    st, b = call("POST", "/v1/requests", alice,
                 {"role": "sudo", "host": "web1", "duration": 600, "reason": "batch %d" % i})
    assert st == 201, (i, st, b)
    filed.append(json.loads(b)["id"])
seen, cursor, pages = [], "", 0
while True:
    st, b = call("GET", "/v1/requests?status=pending&limit=70" + ("&cursor=" + cursor if cursor else ""), bob)
    assert st == 200, (st, b)
    o = json.loads(b)
    assert len(o["requests"]) <= 70
    seen += [r["id"] for r in o["requests"]]
    pages += 1
    cursor = o.get("next_cursor")
    if not cursor:
        break
    assert pages < 50, "pages never end"
assert len(seen) == len(set(seen)) == 600, (len(seen), len(set(seen)))
assert seen == list(reversed(filed)), "not newest first"
st, b = call("GET", "/v1/requests", bob)
o = json.loads(b)
assert st == 200 and len(o["requests"]) == 100 and o["next_cursor"], "default page"
for q in ("limit=0", "limit=501", "limit=x", "cursor=bogus"):
    st, _ = call("GET", "/v1/requests?" + q, bob)
    assert st == 400, (q, st)
print("pages", pages)
EOF
if [ $? -eq 0 ]; then
        pass "600 requests over $(sed -n 's/^pages //p' "$T/pages.out") pages: each once, newest first; bad limit/cursor 400"
else
        fail "paging: $(tail -n 3 "$T/pages.out")"
fi
n=$(TEAM_SERVER=$API TEAM_TOKEN=$BOB "$TEAMCTL_BIN" list --pending 2>"$T/teamctl.err" | grep -c '^r_')
[ "$n" = 600 ] && pass "teamctl list --pending shows all 600" ||
        fail "teamctl list --pending showed $n of 600 ($(head -c 200 "$T/teamctl.err"))"

# --- rate limit ---
stop_server || fail "team-server did not stop cleanly"
server_http_write_conf "request_rate_limit = 5"
start_server
file() { # file TOKEN [FOR_USER] -> HTTP status; headers in $T/hdr
        local who=${2:+,\"user\":\"$2\"}
        "$CURL" -sS -o "$T/body" -D "$T/hdr" -w '%{http_code}' --max-time 30 -H "Authorization: Bearer $1" \
                -H 'Content-Type: application/json' \
                --data "{\"role\":\"sudo\",\"host\":\"web1\",\"duration\":600,\"reason\":\"rate\"$who}" \
                "$API/v1/requests" 2>>"$T/curl.log"
}
codes=
for i in 1 2 3 4 5; do codes+="$(file "$CAROL") "; done
[ "$codes" = "201 201 201 201 201 " ] && pass "5 requests within the limit" || fail "within the limit: $codes"
code=$(file "$CAROL")
ra=$(tr -d '\r' <"$T/hdr" | sed -n 's/^[Rr]etry-[Aa]fter: *//p')
if [ "$code" = 429 ] && [[ $ra =~ ^[0-9]+$ ]] && [ "$ra" -ge 1 ] && [ "$ra" -le 60 ] &&
        grep -q '"error":"too_many_requests"' "$T/body"; then
        pass "the sixth is 429 with Retry-After: $ra"
else
        fail "the sixth: $code, Retry-After '$ra', $(head -c 200 "$T/body")"
fi
out=$(TEAM_SERVER=$API TEAM_TOKEN=$CAROL "$TEAMCTL_BIN" request sudo --host web1 --for 10m --reason again 2>&1)
[[ $out == *"too many requests: user:carol files requests faster than 5 a minute"* ]] &&
        pass "teamctl says the server refused: too many requests" || fail "teamctl over the limit: $out"
code=$(file "$ALICE")
[ "$code" = 201 ] && pass "another identity still files" || fail "alice after carol's flood: $code"
# A host files for its local users: each user has a share of its own.
codes=
for i in 1 2 3 4 5 6; do codes+="$(file "$WEB1" carol) "; done
[ "$codes" = "201 201 201 201 201 429 " ] && pass "web1 for carol: 5 filed, the sixth 429" ||
        fail "web1 for carol: $codes ($(head -c 200 "$T/body"))"
code=$(file "$WEB1" alice)
[ "$code" = 201 ] && pass "web1 still files for alice" || fail "web1 for alice after carol's share: $code"

stop_server || fail "team-server did not stop cleanly"
[ "$fails" -eq 0 ] || exit 1
