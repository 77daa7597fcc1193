#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole story with the real sudo: team-server (temporary sqlite, loopback)
# + teamd syncing its feed + the built pam_team.so on a test PAM service.
#   no grant -> refused
#   request filed with the user's token, approved with an approver's token
#     -> allowed on the host within 5 s of the approval (figure printed)
#   teamctl status (as the user) shows the synced grant
#   teamd restarted -> still allowed; the feed resumes from the stored
#     cursor: a later grant arrives, the first one is not accepted twice
#   team-server stopped -> the cached grant keeps working, teamctl status
#     says the API is unreachable; started again -> teamd reconnects
#   revoked with teamctl -> refused within 5 s; still refused after a
#     teamd restart (the revocation is stored too)
#   asked on the host (teamctl request --wait through teamd's user socket,
#     filed with the host token) -> approved -> it returns, and the very
#     next sudo works
# Root only (skips with 77 otherwise). Undoes everything at exit.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"
. "$top_srcdir/tests/lib/story_lib.sh"

fixture_require_root
sudo_service_require
fixture_require_built "$PAM_TEAM_SO" "$SERVER_BIN"
if [ -n "$(fixture_sanitizer_preload)" ]; then
        fixture_skip "pam_team.so is built with sanitizers; it cannot load into the setuid sudo (story_sshd covers the story under ASan)"
fi

fixture_init
fixture_make_traversable          # the user reaches user.sock for teamctl status
user=teamstory$$
fixture_add_user "$user"
sudo_service_install "$user"

server_init
start_server || fixture_fail "team-server did not start"
teamd_use_server
user_token=$(server_add_user "$user" dev)
approver_token=$(server_add_user "approver$$" admins)
other_token=$(server_add_user "other$$" dev)
start_teamd || fixture_fail "teamd did not start"

# shellcheck disable=SC2317 # called through story_wait_until
attempt_sudo() { run_sudo_as "$user" id -u >/dev/null; }

step "no grant: refused"
out=$(run_sudo_as "$user" id -u); rc=$?
fixture_log "$out"
[ "$rc" -ne 0 ] || fixture_fail "sudo worked without a grant"

step "$user asks with their own token; an approver approves"
story_approve_until "$user_token" sudo "INC-4711 disk full" "$approver_token" \
        "approval -> sudo allowed on the host" attempt_sudo || exit 1
grant=$STORY_GRANT
out=$(run_sudo_as "$user" id -u); rc=$?
if [ "$rc" -ne 0 ] || [ "$(printf '%s\n' "$out" | tail -n 1)" != 0 ]; then
        fixture_fail "sudo after approval: status $rc: $out"
fi

step "teamctl status as $user shows the synced grant"
out=$(runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" status </dev/null 2>&1) \
        || fixture_fail "teamctl status as $user failed: $out"
fixture_log "$out"
check_contains "status shows the grant" "$out" "${grant:0:8}"
check_contains "status shows the role" "$out" 'sudo'
[ "$(story_received "$grant")" -eq 1 ] || fixture_fail "grant $grant was not received exactly once"

step "teamd restarted: still allowed; the feed resumes where it was"
stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
start_teamd || fixture_fail "teamd did not start again"
run_sudo_as "$user" true >/dev/null || fixture_fail "sudo refused after a teamd restart"
# A grant for someone else, approved after the restart, proves that the
# feed is flowing again; by then a replay of the first would be in the log.
req2=$(story_request "$other_token" sudo "cursor check") || exit 1
grant2=$(story_approve "$approver_token" "$req2") || exit 1
story_wait_log "the grant approved after the restart arrives" "GrantReceived.*$grant2" 5000 || exit 1
n=$(story_received "$grant")
[ "$n" -eq 1 ] || fixture_fail "grant $grant accepted $n times across the restart (cursor not kept?)"

step "team-server stopped: the cached grant keeps working; status says so"
stop_server || fixture_fail "team-server did not exit cleanly on SIGTERM"
story_wait_status "teamd notices" '^api: +unreachable since' 15000 || exit 1
run_sudo_as "$user" true >/dev/null || fixture_fail "sudo refused while team-server is down (cached grant)"
start_server || fixture_fail "team-server did not start again on port $TEAM_SERVER_PORT"
story_wait_status "teamd reconnects" '^api: +reachable since' 40000 || exit 1

step "revoked with teamctl: refused"
story_revoke "$approver_token" "$grant" "revocation -> sudo refused on the host" attempt_sudo || exit 1

step "teamd restarted again: the revocation holds"
stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
start_teamd || fixture_fail "teamd did not start again"
sleep 1
out=$(run_sudo_as "$user" id -u); rc=$?
fixture_log "$out"
[ "$rc" -ne 0 ] || fixture_fail "sudo worked with a revoked grant after a teamd restart"
step "asked on the host: teamctl request --wait, relayed by teamd; approved -> it returns, sudo works at once"
wait_out=$TEAM_TMP/request-wait.out
runuser -u "$user" -- env -u TEAM_SERVER "$TEAMCTL_BIN" --config "$TEAM_CONF" \
        request sudo --for 5m --reason "INC-4713 relayed by teamd" --wait </dev/null >"$wait_out" 2>&1 &
wait_pid=$!
req3=
for ((i = 0; i < 100; i++)); do
        req3=$(central "$approver_token" list --pending 2>/dev/null | grep -oE 'r_[0-9a-f]{16}' | head -n 1)
        [ -n "$req3" ] && break
        kill -0 "$wait_pid" 2>/dev/null || break
        sleep 0.05
done
[ -n "$req3" ] || { cat "$wait_out" >&2; fixture_fail "the relayed request did not reach team-server"; }
check_contains "the relayed request is $user's" "$(central "$approver_token" show "$req3" 2>&1)" "$user"
story_approve "$approver_token" "$req3" >/dev/null || exit 1
t0=$(story_now_ms)
# shellcheck disable=SC2317 # called through story_wait_until
exited() { ! kill -0 "$1" 2>/dev/null; }
story_wait_until "approval -> teamctl request --wait returned" "$t0" 5000 exited "$wait_pid" || exit 1
wait "$wait_pid"; rc=$?
fixture_log "$(cat "$wait_out")"
[ "$rc" -eq 0 ] || fixture_fail "teamctl request --wait (relayed) ended with status $rc"
# "Returns once the grant is usable here": the very next sudo works.
out=$(run_sudo_as "$user" id -u); rc=$?
[ "$rc" -eq 0 ] || fixture_fail "sudo right after teamctl request --wait returned: status $rc: $out"

step "RequestSubmitted records what teamd saw of the requester (process, tty), and marks what it only claimed"
grep -Eq "RequestSubmitted: request $req3 .*TEAM_SERVICE=teamctl( |\])" "$TEAMD_LOG" \
        || fixture_fail "RequestSubmitted of $req3 does not name the requesting process: $(grep "$req3" "$TEAMD_LOG" | head -n 1)"
out=$(runuser -u "$user" -- /usr/bin/python3 "$top_srcdir/tests/teamd/teamd_proto.py" "$TEAM_USER_SOCK" \
        '{"v":1,"op":"request","role":"sudo","duration":300,"reason":"claims","service":"sshd","tty":"/dev/pts/99","rhost":"10.9.9.9"}' 2>&1)
req4=$(printf '%s' "$out" | grep -oE 'r_[0-9a-f]{16}' | head -n 1)
[ -n "$req4" ] || fixture_fail "a raw request on the user socket was not filed: $out"
line=$(grep "RequestSubmitted: request $req4 " "$TEAMD_LOG" | head -n 1)
check_contains "claimed service" "$line" "TEAM_SERVICE=python3 claimed:sshd"
check_contains "claimed tty" "$line" "TEAM_TTY=([^ ]+ )?claimed:/dev/pts/99"
check_contains "claimed rhost" "$line" "TEAM_RHOST=claimed:10.9.9.9"

stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
stop_server || fixture_fail "team-server did not exit cleanly on SIGTERM (status $?)"
story_sanitizer_clean

fixture_log "PASS: story_sudo"
exit 0
