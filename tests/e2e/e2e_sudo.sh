#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end with the real sudo: a test user with NOPASSWD sudo whose PAM
# service is gated by the built pam_team.so (role=sudo) and a private teamd.
#   no grant -> refused, and told how to ask
#   a role=ssh grant -> still refused
#   a role=sudo grant for ~6 s -> allowed, quietly, and each sudo recorded
#   as a session of that user; after its exp -> refused
#   teamd stopped -> refused; started again -> the stored grant still works
#   teamd killed (stale socket) -> refused; restarted -> works
# Root only (skips with 77 otherwise). Undoes everything at exit.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"

fixture_require_root
sudo_service_require
fixture_require_built "$PAM_TEAM_SO"
if [ -n "$(fixture_sanitizer_preload)" ]; then
        fixture_skip "pam_team.so is built with sanitizers; it cannot load into the setuid sudo (e2e_journald and e2e_sshd cover it under ASan)"
fi

fixture_init
user=teamtest$$
fixture_add_user "$user"
sudo_service_install "$user"
start_teamd || fixture_fail "teamd did not start"

step() { fixture_log "--- $*"; }

# Refused by the account phase (not by sudoers or a missing tty).
expect_refused() {
        local label=$1 out rc
        out=$(run_sudo_as "$user"); rc=$?
        fixture_log "$out"
        [ "$rc" -ne 0 ] || fixture_fail "$label: sudo succeeded, expected a refusal"
        check_contains "$label: refused by the PAM account phase" "$out" \
                'PAM account management error|account validation failure'
        check_contains "$label: pam_team says why" "$out" 'grant|teamd'
        printf '%s' "$out"
}

expect_allowed() {
        local label=$1 out rc
        out=$(run_sudo_as "$user" id -u); rc=$?
        fixture_log "$out"
        [ "$rc" -eq 0 ] || fixture_fail "$label: sudo refused (status $rc), expected success"
        check_contains "$label: runs as root" "$out" '^0$'
        # An allowed sudo is quiet: no refusal text from any PAM phase.
        if printf '%s' "$out" | grep -Eq 'no grant|cannot reach|refused'; then
                fixture_fail "$label: sudo ran, but a PAM phase complained: $out"
        fi
}

# teamd --foreground mirrors each journald entry as one line on stderr.
# count_events EVENT: entries of EVENT for the test user so far.
count_events() {
        grep -c "^teamd: $1: .*TEAM_USER=$user " "$TEAMD_LOG"
}

step "no grant: refused, and the message says how to ask"
out=$(expect_refused "no grant") || exit 1
check_contains "no grant: says how to ask" "$out" 'teamctl request'
# sudo ends every account-phase refusal with "a password is required"
# (whatever PAM code, even after the right password); the module's own
# last line says who refused and that it is not about a password, and the
# code is the one sudo names truly ("Permission denied"). See pam_team(8).
check_contains "no grant: pam_team's last line" "$out" \
        'pam_team: refused role sudo: no approved grant for it here \(not a password problem\)'
check_contains "no grant: sudo's line for PAM_PERM_DENIED" "$out" 'PAM account management error: Permission denied'

step "a role=ssh grant does not open sudo"
grant_for "$user" ssh --for 1h || fixture_fail "teamctl grant add (ssh) failed"
expect_refused "ssh grant only" >/dev/null || exit 1

step "a role=sudo grant ending in 6 s: allowed"
exp=$(($(date +%s) + 6))
grant_for "$user" sudo --exp "$exp" --jti "e2e-sudo-$$" || fixture_fail "teamctl grant add (sudo) failed"
opened=$(count_events SessionOpened)
expect_allowed "active sudo grant"
expect_allowed "active sudo grant, second run"
# The session phase records each sudo under the invoking user's grant (the
# grant teamd ends sessions by), although sudo sets PAM_USER to the target
# user (root) before it opens the session.
[ "$(count_events SessionOpened)" -ge $((opened + 2)) ] \
        || fixture_fail "sudo sessions were not recorded as SessionOpened for $user"
[ "$(count_events SessionClosed)" -ge 2 ] \
        || fixture_fail "sudo sessions were not recorded as SessionClosed for $user"

step "after the grant's exp: refused again"
while [ "$(date +%s)" -le "$exp" ]; do sleep 0.5; done
out=$(expect_refused "expired grant") || exit 1
check_contains "expired grant: says it expired" "$out" 'expired'

step "teamd stopped: refused (fail closed)"
grant_for "$user" sudo --for 1h || fixture_fail "teamctl grant add (sudo 1h) failed"
expect_allowed "fresh sudo grant"
stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
out=$(run_sudo_as "$user"); rc=$?
fixture_log "$out"
[ "$rc" -ne 0 ] || fixture_fail "teamd stopped: sudo succeeded"
check_contains "teamd stopped: says teamd is unreachable" "$out" 'cannot reach teamd'
check_contains "teamd stopped: pam_team's last line" "$out" \
        'pam_team: refused role sudo: teamd could not be asked \(not a password problem\)'
check_contains "teamd stopped: sudo's line for PAM_AUTHINFO_UNAVAIL" "$out" \
        'PAM account management error: Authentication service cannot retrieve authentication info'

step "teamd started again: the stored grant still opens sudo"
start_teamd || fixture_fail "teamd did not start again over its old sockets and state"
expect_allowed "grant kept across a teamd restart"

step "teamd crashed (stale socket left behind): refused; restarted: allowed"
kill_teamd
[ -S "$TEAM_SOCK" ] || fixture_log "(teamd's socket vanished with it; no stale socket to test)"
out=$(run_sudo_as "$user"); rc=$?
fixture_log "$out"
[ "$rc" -ne 0 ] || fixture_fail "teamd killed: sudo succeeded"
check_contains "teamd killed: says teamd is unreachable" "$out" 'cannot reach teamd'
start_teamd || fixture_fail "teamd did not start over a stale socket"
expect_allowed "after a crash and restart"

fixture_log "PASS: e2e_sudo"
exit 0
