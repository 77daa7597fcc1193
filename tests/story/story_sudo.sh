#!/usr/bin/env bash
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
# Root only (skips with 77 otherwise). Undoes everything at exit.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"
. "$top_srcdir/tests/lib/story_lib.sh"

fixture_require_root
SUDO=${SUDO:-$(command -v sudo || true)}
[ -n "$SUDO" ] || fixture_skip "sudo is not installed"
fixture_require_programs "$SUDO" visudo useradd userdel usermod runuser
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
req=$(story_request "$user_token" sudo "INC-4711 disk full") || exit 1
fixture_log "request $req filed"
grant=$(story_approve "$approver_token" "$req") || exit 1
t0=$(story_now_ms)
fixture_log "approved: grant $grant"
story_wait_until "approval -> sudo allowed on the host" "$t0" 5000 attempt_sudo || exit 1
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
out=$(central "$approver_token" revoke "$grant" --reason "story done" 2>&1) \
        || fixture_fail "teamctl revoke failed: $out"
t0=$(story_now_ms)
fixture_log "$out"
story_wait_until "revocation -> sudo refused on the host" "$t0" 5000 story_not attempt_sudo || exit 1

step "teamd restarted again: the revocation holds"
stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
start_teamd || fixture_fail "teamd did not start again"
sleep 1
out=$(run_sudo_as "$user" id -u); rc=$?
fixture_log "$out"
[ "$rc" -ne 0 ] || fixture_fail "sudo worked with a revoked grant after a teamd restart"
stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
stop_server || fixture_fail "team-server did not exit cleanly on SIGTERM (status $?)"
story_sanitizer_clean

fixture_log "PASS: story_sudo"
exit 0
