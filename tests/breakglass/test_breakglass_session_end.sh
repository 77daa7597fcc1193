#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A break-glass session ends when its window ends, even though teamd was
# down when it was let in: a real sudo under a pty (role=console
# breakglass, account and session pam_team.so) takes a code from a set with
# a 60 s window while teamd is stopped and the network is gone, and runs
# `sleep & setsid sleep & wait`. The use's spool record names sudo by pid
# and start time. teamd, started afterwards, adopts the session (teamctl
# sessions lists it under the use), leaves it running through the window,
# then ends sudo and both sleeps at the window's end, with a
# SessionTerminated "break-glass window ended". A record whose pid now names
# another process is not adopted and nothing is signalled. Root only (77
# otherwise); skipped in a sanitizer build (its module cannot load into the
# setuid sudo).
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"
. "$top_srcdir/tests/breakglass/bg_lib.sh"

fixture_require_root
fixture_require_programs python3 unshare pgrep setsid
fixture_require_built "$PAM_TEAM_SO" "$TEAMD_BIN" "$TEAMCTL_BIN"
[ -z "$(fixture_sanitizer_preload)" ] || fixture_skip "pam_team.so is built with sanitizers: it cannot load into the setuid sudo"
unshare -n true 2>/dev/null || fixture_skip "cannot create a network namespace (unshare -n)"
sudo_service_require setsid

fixture_init
bg_init
user=teambgend$$
fixture_add_user "$user"
mapfile -t codes < <(bg_new_set 2 1m)
[ "${#codes[@]}" -eq 2 ] || fixture_fail "init printed ${#codes[@]} lines, expected 2 codes"
sudo_service_install "$user"
pamfile=/etc/pam.d/$SUDO_PAM_SERVICE
sed -i -E -e "s|^(account +required +[^ ]*pam_team.so) .*\$|\\1 role=console socket=$TEAM_SOCK timeout_ms=500 breakglass breakglass_file=$BG_FILE breakglass_spool=$BG_SPOOL breakglass_helper=$PAM_TEAM_BG_HELPER|" \
        -e "s|^(session +required +[^ ]*pam_team.so) .*\$|\\1 role=console socket=$TEAM_SOCK timeout_ms=500|" \
        "$pamfile" || fixture_fail "cannot edit $pamfile"
sed -i "/^\[teamd\]/a breakglass_spool = $BG_SPOOL" "$TEAM_CONF"
printf '\n[sessions]\ngrace = 2\nwarn_before = 20\n' >>"$TEAM_CONF"

tag=$((7000000 + $$ % 100000))
steps=$TEAM_TMP/steps
printf '%s\n' "expect Break-glass code \\(leave empty to cancel\\):" "send ${codes[0]}" \
        "expect BREAK-GLASS access until" "expect SESSION-STARTED" "exit any" >"$steps"
# shellcheck disable=SC2016 # for the sh that sudo runs
unshare -n -- python3 "$top_srcdir/tests/prompt/pty_drive.py" --user "$user" --timeout 180 \
        --log "$TEAM_TMP/pty.log" "$steps" -- "$SUDO" sh -c \
        "sleep ${tag}1 & setsid sleep ${tag}2 & echo SESSION-STARTED; wait" >>"$TEAM_TMP/drive.log" 2>&1 &
drive=$!
for ((i = 0; i < 300; i++)); do
        [ "$(pgrep -cf "^sleep ${tag}[12]\$")" -eq 2 ] && break
        kill -0 "$drive" 2>/dev/null || { cat "$TEAM_TMP/pty.log" >&2; fixture_fail "sudo with a code ended early"; }
        sleep 0.1
done
[ "$(pgrep -cf "^sleep ${tag}[12]\$")" -eq 2 ] || fixture_fail "the break-glass session did not start"

rec=$(grep -l '"type":"BreakGlassUsed"' "$BG_SPOOL"/*.json) || fixture_fail "no use in the spool"
read -r use_id rec_pid window_end < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["id"], r["pid"], r["window_end"])' "$rec") || fixture_fail "the use record names no process: $(cat "$rec")"
[ "$(ps -o comm= -p "$rec_pid")" = sudo ] || fixture_fail "the record's pid $rec_pid is not the sudo: $(ps -o comm= -p "$rec_pid")"

# A second record, as if written by a process that is gone and whose pid
# now names this shell (another start time): never adopted.
python3 - "$rec" "$BG_SPOOL/0123456789abcdef0123456789abcdef.json" $$ <<'EOPY' || fixture_fail "fake record"
import json, os, sys
r = json.load(open(sys.argv[1]))
r["id"] = "0123456789abcdef0123456789abcdef"
r["pid"] = int(sys.argv[3])
r["pid_start"] = 1
with open(sys.argv[2], "w") as f:
    json.dump(r, f)
os.chmod(sys.argv[2], 0o600)
EOPY

start_teamd || fixture_fail "teamd did not start"
for ((i = 0; i < 100; i++)); do
        "$TEAMCTL_BIN" --config "$TEAM_CONF" sessions >"$TEAM_TMP/sessions" 2>&1
        grep -q "break-glass" "$TEAM_TMP/sessions" && break
        sleep 0.1
done
grep -q "break-glass" "$TEAM_TMP/sessions" ||
        { cat "$TEAM_TMP/sessions" >&2; tail -n 20 "$TEAMD_LOG" >&2; fixture_fail "teamd did not adopt the break-glass session"; }
[ "$(grep -c "break-glass" "$TEAM_TMP/sessions")" -eq 1 ] || fixture_fail "more than one break-glass session: $(cat "$TEAM_TMP/sessions")"
kill -0 $$ || fixture_fail "the stale record's pid was signalled"

# Running through the window...
while [ "$(date +%s)" -lt $((window_end - 2)) ]; do
        [ "$(pgrep -cf "^sleep ${tag}[12]\$")" -eq 2 ] || fixture_fail "the session ended before its window did"
        sleep 0.5
done
# ... and gone after it (generous: the machine may be busy).
for ((i = 0; i < 600; i++)); do
        pgrep -f "^sleep ${tag}[12]\$" >/dev/null || kill -0 "$rec_pid" 2>/dev/null || break
        sleep 0.1
done
pgrep -af "^sleep ${tag}[12]\$" && fixture_fail "the session's processes outlived the break-glass window"
kill -0 "$rec_pid" 2>/dev/null && fixture_fail "sudo outlived the break-glass window"
[ "$(date +%s)" -ge "$window_end" ] || fixture_fail "ended before the window's end"
wait "$drive"
for ((i = 0; i < 100; i++)); do
        grep -q "ended (break-glass window ended)" "$TEAMD_LOG" && break
        sleep 0.1
done
grep -q "ended (break-glass window ended)" "$TEAMD_LOG" ||
        { tail -n 20 "$TEAMD_LOG" >&2; fixture_fail "no SessionTerminated for the break-glass window"; }
grep -q "break-glass use $use_id: \|under break-glass use $use_id" "$TEAMD_LOG" ||
        fixture_fail "the session is not named by its use $use_id"
grep -q "0123456789abcdef0123456789abcdef: its session (pid $$) has already ended" "$TEAMD_LOG" ||
        { tail -n 20 "$TEAMD_LOG" >&2; fixture_fail "the stale record was not recognised as ended"; }
grep -o "held in .*" "$TEAMD_LOG" | head -n 1
fixture_log "PASS"
