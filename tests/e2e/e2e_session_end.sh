#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end: open elevated sessions end when their grant ends. The real
# sudo on a test PAM service (account + session required pam_team.so), a
# private teamd, and a real team-server for the revocation.
#   grant ending in a few seconds, `sudo sh -c 'sleep & setsid sleep & wait'`
#     -> after exp the sudo and both sleeps are gone (SessionTerminated)
#   the same grant revoked on team-server and synced over the feed -> gone
#   an extension (a grant that starts at the first one's exp) -> the session
#     survives the first grant's end and moves to it (SessionExtended)
#   teamd SIGKILLed, restarted after exp -> the session is ended at start
#   [sessions] hold = tree -> the /proc tree (pid + start time) is ended
#   on_expiry = warn, on a real pty -> the warning lines reach the pty and
#     the session keeps running
#   teamctl sessions (root) and teamctl status (the user) show the session
#     and its time left; teamctl session end (root only) ends it, audited
# Waits have generous deadlines; no latency is asserted here (bench/ times
# it). Root only (skips with 77 otherwise). Undoes everything at exit.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"
. "$top_srcdir/tests/lib/story_lib.sh"

fixture_require_root
sudo_service_require script pgrep setsid
fixture_require_built "$PAM_TEAM_SO" "$SERVER_BIN"
if [ -n "$(fixture_sanitizer_preload)" ]; then
        fixture_skip "pam_team.so is built with sanitizers; it cannot load into the setuid sudo"
fi

fixture_init
fixture_make_traversable
user=teamend$$
fixture_add_user "$user"
install -d -m 0700 -o "$user" "$TEAM_TMP/pty"
sudo_service_install "$user"
cat >>"$TEAM_CONF" <<EOCONF

[sessions]
grace = 2
warn_before = 3
EOCONF
server_init
start_server || fixture_fail "team-server did not start"
teamd_use_server
user_token=$(server_add_user "$user" dev)
approver_token=$(server_add_user "approver$$" admins)
start_teamd || fixture_fail "teamd did not start"

# Every session's sleeps carry a number of their own, so that pgrep finds
# them and nothing of another test.
SESSION_N=0
SESSION_TAG=
SUDO_BG=

# open_session [script]: the user runs `sudo sh -c 'sleep A & setsid sleep B
# & wait'` in the background (through `script` for a real pty when the
# argument is given); waits until both sleeps run.
open_session() {
        local i
        SESSION_N=$((SESSION_N + 1))
        SESSION_TAG=$((7000000 + $$ % 100000 * 10 + SESSION_N))
        local cmd="sleep ${SESSION_TAG}1 & setsid sleep ${SESSION_TAG}2 & wait"
        if [ "${1:-}" = script ]; then
                runuser -u "$user" -- script -qfec "${SUDO:-sudo} -n sh -c '$cmd'" "$TEAM_TMP/pty/$SESSION_N" \
                        </dev/null >/dev/null 2>&1 &
        else
                runuser -u "$user" -- "${SUDO:-sudo}" -n sh -c "$cmd" </dev/null >>"$TEAM_TMP/sudo.log" 2>&1 &
        fi
        SUDO_BG=$!
        fixture_on_cleanup pkill -KILL -f "sleep ${SESSION_TAG}[12]"
        for ((i = 0; i < 200; i++)); do
                [ "$(session_procs)" -eq 2 ] && return 0
                sleep 0.1
        done
        tail -n 5 "$TEAM_TMP/sudo.log" >&2
        fixture_fail "the session's two sleeps did not start"
}

session_procs() { pgrep -cf "^sleep ${SESSION_TAG}[12]\$"; }

# wait_gone LABEL LIMIT_S: the session's sleeps and its sudo are gone.
wait_gone() {
        local label=$1 limit=$2 t0 n
        t0=$(date +%s)
        while :; do
                n=$(session_procs)
                if [ "$n" -eq 0 ] && ! kill -0 "$SUDO_BG" 2>/dev/null; then
                        wait "$SUDO_BG" 2>/dev/null
                        fixture_log "$label: the session is gone"
                        return 0
                fi
                [ $(($(date +%s) - t0)) -le "$limit" ] || fixture_fail "$label: $n sleeps still run after $limit s"
                sleep 0.1
        done
}

wait_past() { while [ "$(date +%s)" -le "$1" ]; do sleep 0.2; done; }

step "a grant ending in 6 s: the session ends after exp"
exp=$(($(date +%s) + 6))
grant_for "$user" sudo --exp "$exp" --jti "end-exp-$$" || fixture_fail "teamctl grant add failed"
open_session
wait_past "$exp"
wait_gone "expiry" 30
story_wait_log "SessionTerminated is recorded" "SessionTerminated: .*TEAM_GRANT_ID=end-exp-$$ " 10000

step "a grant revoked on team-server: the session ends"
story_approve_until "$user_token" sudo "INC-1 revoke test" "$approver_token" \
        "approval -> sudo allowed" run_sudo_as "$user" true || exit 1
grant=$STORY_GRANT
open_session
out=$(central "$approver_token" revoke "$grant" --reason "session end test" 2>&1) \
        || fixture_fail "teamctl revoke failed: $out"
wait_gone "revocation" 30
story_wait_log "SessionTerminated after the revocation" "SessionTerminated: .*TEAM_GRANT_ID=$grant .*revoked" 10000

step "teamd SIGKILLed, restarted after exp: it ends the session at start"
exp=$(($(date +%s) + 5))
grant_for "$user" sudo --exp "$exp" --jti "end-restart-$$" || fixture_fail "teamctl grant add failed"
open_session
kill_teamd
wait_past $((exp + 1))
[ "$(session_procs)" -eq 2 ] || fixture_fail "the session ended while teamd was down"
start_teamd || fixture_fail "teamd did not start again"
wait_gone "restart after exp" 30
story_wait_log "SessionTerminated after the restart" "SessionTerminated: .*TEAM_GRANT_ID=end-restart-$$ " 10000

step "hold = tree (no scope, no cgroup): the /proc tree is ended after exp"
stop_teamd || fixture_fail "teamd did not stop"
sed -i 's/^grace = 2$/grace = 2\nhold = tree/' "$TEAM_CONF"
start_teamd || fixture_fail "teamd did not start with hold = tree"
exp=$(($(date +%s) + 5))
grant_for "$user" sudo --exp "$exp" --jti "end-tree-$$" || fixture_fail "teamctl grant add failed"
open_session
grep -q "held as the process tree of pid" "$TEAMD_LOG" || fixture_fail "the session is not held as a tree"
wait_past "$exp"
wait_gone "expiry, held as a tree" 30
story_wait_log "SessionTerminated through the tree" "SessionTerminated: .*TEAM_GRANT_ID=end-tree-$$ " 10000
sed -i '/^hold = tree$/d' "$TEAM_CONF"

step "on_expiry = warn: the pty is warned, the session keeps running"
stop_teamd || fixture_fail "teamd did not stop"
sed -i 's/^grace = 2$/grace = 2\non_expiry = warn/' "$TEAM_CONF"
start_teamd || fixture_fail "teamd did not start with on_expiry = warn"
exp=$(($(date +%s) + 6))
grant_for "$user" sudo --exp "$exp" --jti "end-warn-$$" || fixture_fail "teamctl grant add failed"
open_session script
pty_log=$TEAM_TMP/pty/$SESSION_N
wait_past $((exp + 2))
story_wait_log "SessionWarned is recorded" "SessionWarned: .*TEAM_GRANT_ID=end-warn-$$ .*written to the terminal" 10000
for ((i = 0; i < 100; i++)); do
        grep -q "grant end-warn-$$ ended at" "$pty_log" 2>/dev/null && break
        sleep 0.1
done
fixture_log "pty: $(tr -d '\r' <"$pty_log")"
check_contains "the warning ahead of exp reaches the pty" "$(cat "$pty_log")" \
        "pam_team: your sudo grant end-warn-$$ ends at .*teamctl extend end-warn-$$"
check_contains "the end is told on the pty" "$(cat "$pty_log")" "grant end-warn-$$ ended at"
[ "$(session_procs)" -eq 2 ] || fixture_fail "on_expiry = warn ended the session"
if grep -q "SessionTerminated: .*TEAM_GRANT_ID=end-warn-$$ " "$TEAMD_LOG"; then
        fixture_fail "on_expiry = warn recorded a termination"
fi
pkill -KILL -f "^sleep ${SESSION_TAG}[12]\$"
wait_gone "warned session, ended by the test" 30

# Last: the 1 h grant it leaves would let later sessions run under it.
step "an extension: the session moves to the next grant and survives"
exp=$(($(date +%s) + 8))
grant_for "$user" sudo --exp "$exp" --jti "end-ext1-$$" || fixture_fail "teamctl grant add failed"
open_session
# Approved while the session runs: it starts where the first one ends.
grant_for "$user" sudo --nbf "$exp" --for 1h --jti "end-ext2-$$" || fixture_fail "teamctl grant add failed"
wait_past $((exp + 4))
story_wait_log "SessionExtended is recorded" "SessionExtended: .*TEAM_GRANT_ID=end-ext2-$$ " 10000
[ "$(session_procs)" -eq 2 ] || fixture_fail "the extended session was ended"
pkill -KILL -f "^sleep ${SESSION_TAG}[12]\$"
wait_gone "extended session, ended by the test" 30

step "teamctl sessions / status show it with its time left; teamctl session end ends it"
# Under the 1 h grant the extension left.
open_session
out=$("$TEAMCTL_BIN" --config "$TEAM_CONF" sessions 2>&1) || fixture_fail "teamctl sessions failed: $out"
fixture_log "$out"
check_contains "teamctl sessions lists it" "$out" "$user +sudo +end-ext2-$$ .*(cgroup|tree|scope)"
check_contains "teamctl sessions says when it ends" "$out" "\\(in [0-9]"
sid=$(printf '%s\n' "$out" | awk -v u="$user" '$2 == u && $4 == "end-ext2-'"$$"'" { print $1 }' | head -n 1)
[ -n "$sid" ] || fixture_fail "no session id in teamctl sessions"
out=$(runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" status </dev/null 2>&1) \
        || fixture_fail "teamctl status as $user failed: $out"
check_contains "teamctl status shows the user's session" "$out" "$sid +sudo +end-ext2-$$"
out=$(runuser -u "$user" -- "$TEAMCTL_BIN" --socket "$TEAM_SOCK" session end "$sid" </dev/null 2>&1) \
        && fixture_fail "a user ended a session: $out"
out=$("$TEAMCTL_BIN" --config "$TEAM_CONF" session end "$sid" 2>&1) || fixture_fail "teamctl session end failed: $out"
wait_gone "teamctl session end" 30
story_wait_log "SessionTerminated names who ended it" "SessionTerminated: .*$sid .*teamctl session end \\(uid 0" 10000
out=$("$TEAMCTL_BIN" --config "$TEAM_CONF" session end "$sid" 2>&1) && fixture_fail "a closed session was ended again"
check_contains "ending it again says it is not open" "$out" "not open"

fixture_log "PASS: e2e_session_end"
exit 0
