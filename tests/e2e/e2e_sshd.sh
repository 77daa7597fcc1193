#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end with the real OpenSSH server: a copy of $SSHD named
# sshd-teamtestPID (OpenSSH takes its PAM service name from its binary name)
# on a free loopback port, whose PAM service is gated by the built
# pam_team.so (role=ssh) and a private teamd. Public-key logins:
#   no grant -> refused;  only a role=sudo grant -> refused;
#   a role=ssh grant -> allowed.
# Root only (skips with 77 otherwise). Undoes everything at exit.
# The private sshd lives in tests/lib/sshd_service.sh (shared with
# tests/story/story_sshd.sh).
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sshd_service.sh"

fixture_require_root
sshd_service_require
fixture_require_programs useradd userdel usermod
fixture_require_built "$PAM_TEAM_SO"

fixture_init
fixture_make_traversable          # sshd reads authorized keys as the user
user=teamtest$$
fixture_add_user "$user"
sshd_service_install "$user" ssh

step() { fixture_log "--- $*"; }

start_sshd || fixture_fail "sshd did not start"
start_teamd || fixture_fail "teamd did not start"

step "no grant: refused"
sshd_expect_refused "no grant"

step "only a role=sudo grant: refused"
grant_for "$user" sudo --for 1h || fixture_fail "teamctl grant add (sudo) failed"
sshd_expect_refused "sudo grant only"

step "a role=ssh grant: allowed"
grant_for "$user" ssh --for 1h || fixture_fail "teamctl grant add (ssh) failed"
out=$(try_ssh); rc=$?
fixture_log "$out"
if [ "$rc" -ne 0 ]; then
        tail -n 20 "$SSHD_LOG" >&2
        fixture_fail "ssh grant: login refused (status $rc), expected success"
fi

stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
stop_sshd
sshd_sanitizer_clean

fixture_log "PASS: e2e_sshd"
exit 0
