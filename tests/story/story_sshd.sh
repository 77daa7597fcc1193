#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole story with the real OpenSSH server (public-key login to a
# loopback port whose PAM service is gated by pam_team.so role=ssh), teamd
# syncing from a real team-server. There is no shell before access, so the
# request is filed from the central side with the user's own token.
#   no grant -> login refused by the PAM account phase
#   request + approval -> login works within 5 s of the approval (printed)
#   teamd restarted -> still works
#   revoked -> refused within 5 s
# Root only (skips with 77 otherwise). Undoes everything at exit. Also runs
# under the sanitizer build (pam_team.so inside sshd with ASan preloaded).
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sshd_service.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"
. "$top_srcdir/tests/lib/story_lib.sh"

fixture_require_root
sshd_service_require
fixture_require_programs useradd userdel usermod
fixture_require_built "$PAM_TEAM_SO" "$SERVER_BIN"

fixture_init
fixture_make_traversable          # sshd reads authorized keys as the user
user=teamstory$$
fixture_add_user "$user"
sshd_service_install "$user" ssh

server_init
start_server || fixture_fail "team-server did not start"
teamd_use_server
user_token=$(server_add_user "$user" dev)
approver_token=$(server_add_user "approver$$" admins)
start_sshd || fixture_fail "sshd did not start"
start_teamd || fixture_fail "teamd did not start"

# shellcheck disable=SC2317 # called through story_wait_until
login_works() { try_ssh >/dev/null; }

step "no grant: login refused"
sshd_expect_refused "no grant"

step "$user files a request from the central side; an approver approves"
story_approve_until "$user_token" ssh "INC-4712 bastion access" "$approver_token" \
        "approval -> ssh login allowed on the host" login_works || exit 1
grant=$STORY_GRANT
out=$(try_ssh id -un); rc=$?
[ "$rc" -eq 0 ] || fixture_fail "ssh after approval: status $rc: $out"
check_contains "the login runs as $user" "$out" "^$user\$"

step "teamd restarted: the synced grant still opens the login"
stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
start_teamd || fixture_fail "teamd did not start again"
out=$(try_ssh); rc=$?
[ "$rc" -eq 0 ] || fixture_fail "ssh after a teamd restart: status $rc: $out"
[ "$(story_received "$grant")" -eq 1 ] || fixture_fail "grant $grant was not received exactly once"

step "revoked with teamctl: refused"
story_revoke "$approver_token" "$grant" "revocation -> ssh login refused on the host" login_works || exit 1
sshd_expect_refused "revoked grant"

stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
stop_server || fixture_fail "team-server did not exit cleanly on SIGTERM (status $?)"
stop_sshd
sshd_sanitizer_clean
story_sanitizer_clean

fixture_log "PASS: story_sshd"
exit 0
