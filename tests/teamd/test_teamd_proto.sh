#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# teamd's wire protocol from a raw client (teamd_proto.py): check and
# session ops, fail-open only under its conditions, the central API probe,
# which ops the user socket answers, SO_PEERCRED on the root socket,
# malformed and oversize requests, and the 5 s connection deadline.
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: ${0##*/} needs root (it runs teamd and switches to the user nobody)" >&2
        exit 77
fi
: "${top_builddir:?run through make check}"
: "${top_srcdir:=$top_builddir}"
# shellcheck source=tests/lib/teamd_fixture.sh
. "$top_srcdir/tests/lib/teamd_fixture.sh"
fixture_require_built
fixture_require_programs python3 runuser setpriv
PROTO=$top_srcdir/tests/teamd/teamd_proto.py
# Other users run it too: the system's python, not one under root's home.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

fixture_init
fixture_make_traversable
chmod 0644 "$TEAM_CONF"
base_conf=$(cat "$TEAM_CONF")
teamctl() { "$TEAMCTL_BIN" --config "$TEAM_CONF" "$@"; }
ask() { "$PY" "$PROTO" "$TEAM_SOCK" "$1"; }
check_req() { # USER ROLE FAILMODE_SAFE
        printf '{"v":1,"op":"check","user":"%s","role":"%s","service":"test","tty":"/dev/pts/9","failmode_safe":%s}' "$1" "$2" "$3"
}
wait_api() { # PATTERN: until teamctl status shows the API state
        local i
        for ((i = 0; i < 50; i++)); do
                teamctl status | grep -Eq "$1" && return 0
                sleep 0.1
        done
        fixture_fail "api state never matched /$1/: $(teamctl status)"
}

# ---------- the central API is configured and unreachable ----------
printf '%s\n[server]\nurl = http://127.0.0.1:1\nfail_open_after = 0\n' "$base_conf" >"$TEAM_CONF"
start_teamd || fixture_fail "teamd did not start"
wait_api "api: +unreachable since"

out=$(ask "$(check_req alice sudo true)"); rc=$?
[ "$rc" -eq 0 ] || fixture_fail "check: no answer ($out)"
check_contains "fail-open allows" "$out" '"decision": ?"allow"'
check_contains "fail-open is flagged" "$out" '"fail_open": ?true'
grep -q "FailOpen.*TEAM_USER=alice" "$TEAMD_LOG" || fixture_fail "no FailOpen event"
out=$(ask "$(check_req alice sudo false)")
check_contains "failmode=secure denies" "$out" '"decision": ?"deny"'
check_contains "deny says how to ask" "$out" 'teamctl request sudo'

# A grant that starts later is an answer: no fail-open for that user+role.
grant_for bob sudo --nbf now+1h --exp now+2h --jti "later-$$" || fixture_fail "future grant"
out=$(ask "$(check_req bob sudo true)")
check_contains "future grant denies even with failmode=safe" "$out" '"decision": ?"deny"'
check_contains "future grant: says when" "$out" "later-$$ for sudo on $TEAM_HOST starts at"

# ---------- an active grant: check, session open/close ----------
grant_for carol sudo --for 1h --jti "now-$$" || fixture_fail "active grant"
out=$(ask "$(check_req carol sudo false)")
check_contains "active grant allows" "$out" '"decision": ?"allow"'
check_contains "allow names the grant" "$out" "\"grant_id\": ?\"now-$$\""
grep -q "ElevationAllowed.*TEAM_GRANT_ID=now-$$.*TEAM_SERVICE=test.*TEAM_TTY=/dev/pts/9" "$TEAMD_LOG" \
        || fixture_fail "no ElevationAllowed event with its fields"
# A client that gave up before the answer (teamd stopped meanwhile, as
# under load): after the decision's event, the audit says what it got, a
# refusal.
kill -STOP "$TEAMD_PID"
"$PY" "$PROTO" "$TEAM_SOCK" --send-close "$(check_req carol sudo false | sed "s/\"service\":\"test\"/\"service\":\"gone-$$\"/")" \
        >/dev/null || { kill -CONT "$TEAMD_PID"; fixture_fail "send-close"; }
kill -CONT "$TEAMD_PID"
for ((i = 0; i < 100; i++)); do
        grep -q "ElevationDenied.*TEAM_SERVICE=gone-$$" "$TEAMD_LOG" && break
        sleep 0.1
done
gone=$(grep "TEAM_SERVICE=gone-$$" "$TEAMD_LOG")
check_contains "decision event of a client that had gone" "$(printf '%s\n' "$gone" | head -n 1)" "^teamd: ElevationAllowed"
check_contains "a check whose client had gone is audited as refused" "$(printf '%s\n' "$gone" | tail -n 1)" \
        "ElevationDenied.*the decision was allow: .*not delivered.*TEAM_DECISION=deny"
out=$(ask '{"v":1,"op":"session_open","user":"carol","role":"sudo","service":"test","rhost":"10.0.0.9"}')
check_contains "session_open allows" "$out" '"decision": ?"allow"'
sid=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])') \
        || fixture_fail "session_open: no session id in $out"
grep -q "SessionOpened.*TEAM_USER=carol.*TEAM_RHOST=10.0.0.9" "$TEAMD_LOG" || fixture_fail "no SessionOpened"
out=$(ask "{\"v\":1,\"op\":\"session_close\",\"user\":\"carol\",\"role\":\"sudo\",\"service\":\"test\",\"session_id\":\"$sid\"}")
check_contains "session_close" "$out" '"ok": ?true'
grep -q "SessionClosed.*TEAM_GRANT_ID=now-$$" "$TEAMD_LOG" || fixture_fail "no SessionClosed"
out=$(ask "{\"v\":1,\"op\":\"session_close\",\"user\":\"carol\",\"role\":\"sudo\",\"service\":\"test\",\"session_id\":\"$sid\"}")
check_contains "second close refused" "$out" 'already closed'
out=$(ask '{"v":1,"op":"session_open","user":"dave","role":"sudo","service":"test"}')
check_contains "session_open without a grant denies" "$out" '"decision": ?"deny"'

# ---------- a grant ends: GrantExpired within a second, then deny ----------
grant_for frank sudo --nbf now-1m --exp now+2 --jti "short-$$" || fixture_fail "short grant"
ask "$(check_req frank sudo false)" | grep -q '"allow"' || fixture_fail "short grant not active"
for ((i = 0; i < 50; i++)); do
        grep -q "GrantExpired.*TEAM_GRANT_ID=short-$$" "$TEAMD_LOG" && break
        sleep 0.1
done
grep -q "GrantExpired.*TEAM_USER=frank" "$TEAMD_LOG" || fixture_fail "no GrantExpired event within 5 s"
out=$(ask "$(check_req frank sudo true)")
check_contains "ended grant denies (even failmode=safe)" "$out" '"decision": ?"deny"'
check_contains "ended grant: says when" "$out" "short-$$ for sudo on $TEAM_HOST expired at"

# ---------- malformed, oversize, idle, wrong socket, wrong peer ----------
out=$(ask '{"v":1,"op":"check","user":"carol","role":"sudo","service":"x","color":"red"}')
check_contains "unknown field refused" "$out" '"ok": ?false'
out=$("$PY" "$PROTO" "$TEAM_SOCK" --raw 1000000); rc=$?
[ "$rc" -eq 3 ] || fixture_fail "oversize frame answered: $out"
out=$("$PY" "$PROTO" "$TEAM_SOCK" --idle 8)
check_contains "idle connection closed by the deadline" "$out" "closed after [45] s"
out=$(runuser -u nobody -- "$PY" "$PROTO" "$TEAM_USER_SOCK" "$(check_req nobody sudo true)")
check_contains "user socket refuses check" "$out" "only answered on teamd's root socket"
chmod 0666 "$TEAM_SOCK"
out=$(runuser -u nobody -- "$PY" "$PROTO" "$TEAM_SOCK" '{"v":1,"op":"status"}'); rc=$?
chmod 0600 "$TEAM_SOCK"
[ "$rc" -eq 3 ] || fixture_fail "non-root peer on the root socket was answered: $out"
grep -q "refused uid" "$TEAMD_LOG" || fixture_fail "refused peer not logged"
# Users holding the user socket cannot crowd out the root socket: 4 per
# user, 32 in all, and pam_team's socket has its own budget.
out=$(runuser -u nobody -- "$PY" "$PROTO" "$TEAM_USER_SOCK" --hold 10 0)
check_contains "per-user cap" "$out" "refused 6 of 10"
hold_pids=()
for uid in 60001 60002 60003 60004 60005 60006 60007 60008; do
        setpriv --reuid=$uid --regid=$uid --clear-groups "$PY" "$PROTO" "$TEAM_USER_SOCK" --hold 4 3 \
                >"$TEAM_TMP/hold.$uid" &
        hold_pids+=($!)
done
sleep 1.5
out=$(setpriv --reuid=60009 --regid=60009 --clear-groups "$PY" "$PROTO" "$TEAM_USER_SOCK" --hold 1 0)
check_contains "user socket cap (32)" "$out" "refused 1 of 1"
ask "$(check_req carol sudo false)" | grep -q '"allow"' || fixture_fail "root socket starved by user connections"
wait "${hold_pids[@]}"
check_contains "32 held" "$(cat "$TEAM_TMP"/hold.600*)" "refused 0 of 4"
if grep -q "refused [1-9]" "$TEAM_TMP"/hold.600*; then fixture_fail "a user's 4 connections were refused"; fi
grep -q "too many connections on the user socket" "$TEAMD_LOG" || fixture_fail "refusals not logged"
# teamd still answers after all that.
ask "$(check_req carol sudo false)" | grep -q '"allow"' || fixture_fail "teamd stopped answering"
stop_teamd || fixture_fail "SIGTERM: exit status $?"

# ---------- the central API is reachable: never fail-open ----------
mkdir -p "$TEAM_TMP/www" && echo ok >"$TEAM_TMP/www/healthz"
python3 -u -m http.server --bind 127.0.0.1 --directory "$TEAM_TMP/www" 0 >"$TEAM_TMP/http.log" 2>&1 &
http_pid=$!
fixture_on_cleanup kill "$http_pid"
port=
for ((i = 0; i < 50; i++)); do
        port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TEAM_TMP/http.log" | head -1)
        [ -n "$port" ] && break
        sleep 0.1
done
[ -n "$port" ] || fixture_fail "http.server did not start"
printf '%s\n[server]\nurl = http://127.0.0.1:%s/\n' "$base_conf" "$port" >"$TEAM_CONF"
start_teamd || fixture_fail "teamd did not restart"
wait_api "api: +reachable since"
out=$(ask "$(check_req erin sudo true)")
check_contains "reachable API: no fail-open" "$out" '"decision": ?"deny"'
out=$(teamctl status --json)
check_contains "json api state" "$out" '"api_state": ?"reachable"'
stop_teamd || fixture_fail "SIGTERM: exit status $?"
echo "PASS: ${0##*/}"
