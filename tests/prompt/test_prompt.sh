#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The prompt flow with the real sudo driven through a real pseudo-terminal
# (tests/prompt/pty_drive.py), team-server on loopback, teamd relaying, and
# the built pam_team.so on a test PAM service whose account line says
# `prompt wait=N`:
#   reason typed -> request filed -> approved with teamctl -> command runs
#   denied -> refused, the command never runs
#   no decision within wait= -> refused after wait= seconds
#   Ctrl-C while waiting, Ctrl-C at the question -> refused at once
#   a role that needs a ticket -> asked for one, then filed
#   sudo -n on a terminal, sudo without a terminal -> no question, no wait
#   teamctl request --wait without --server -> relayed by teamd, exit 0
#     once the grant is usable here; a request the policy refuses -> exit 1
# Root only (skips with 77 otherwise); never edits /etc/pam.d/sudo.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"
. "$top_srcdir/tests/lib/story_lib.sh"

fixture_require_root
sudo_service_require setsid python3
fixture_require_built "$PAM_TEAM_SO" "$SERVER_BIN"
# A sanitizer build's pam_team.so cannot load into the setuid sudo: then
# only the relay through teamctl runs (teamd under ASan/UBSan).
with_sudo=1
if [ -n "$(fixture_sanitizer_preload)" ]; then
        with_sudo=0
        fixture_log "pam_team.so is built with sanitizers: the sudo parts are skipped, the teamctl relay runs"
fi

fixture_init
fixture_make_traversable          # the user reaches user.sock for teamctl
user=teamprompt$$
approver=approver$$
fixture_add_user "$user"
sudo_service_install "$user"
pamfile=/etc/pam.d/$SUDO_PAM_SERVICE

# set_account_args ARGS...: the account line's pam_team arguments after
# socket= (sudo reads the file on every run).
set_account_args() {
        sed -i -E "/^account +required +[^ ]*pam_team/ s|role=[^ ]+ socket=[^ ]+.*\$|$*|" "$pamfile" \
                || fixture_fail "cannot edit $pamfile"
        grep -q "^account .*pam_team.so $*\$" "$pamfile" || { cat "$pamfile" >&2; fixture_fail "bad account line"; }
}

policy=$TEAM_TMP/policy.conf
{
        server_default_policy
        cat <<EOPOL
[role ticketed]
max_duration = 1h
approver_groups = admins
approvals_required = 1
request_ttl = 10m
ticket_pattern = ^INC-[0-9]+\$
EOPOL
} >"$policy"
server_init "$policy"
start_server || fixture_fail "team-server did not start"
teamd_use_server
server_add_user "$user" dev >/dev/null
approver_token=$(server_add_user "$approver" admins)
start_teamd || fixture_fail "teamd did not start"

# decide.sh approve|deny ID: the approver's teamctl against the server.
decide=$TEAM_TMP/decide.sh
cat >"$decide" <<EODECIDE
#!/bin/sh
TEAM_TOKEN=$approver_token exec "$TEAMCTL_BIN" --server "$TEAM_SERVER_URL" "\$1" "\$2" --comment "\${3:-ok}" </dev/null
EODECIDE
chmod 0700 "$decide"

n=0
# drive SCRIPT_TEXT COMMAND...: the steps (pty_drive.py) against COMMAND as $user;
# $drive_opts adds pty_drive.py options.
drive_opts=
drive() {
        local steps=$TEAM_TMP/steps.$((++n))
        printf '%s\n' "$1" >"$steps"
        shift
        # shellcheck disable=SC2086 # options, split on purpose
        python3 "$top_srcdir/tests/prompt/pty_drive.py" --user "$user" --timeout 20 $drive_opts \
                --log "$TEAM_TMP/pty.log" "$steps" -- "$@"
}

# shellcheck disable=SC2016 # $(id -u) is for the sh that sudo runs
sudo_steps() {
step "prompt: reason typed, approved with teamctl, the command runs"
set_account_args "role=sudo socket=$TEAM_SOCK prompt wait=30"
drive "expect Reason for sudo \\(empty gives up\\):
send disk full on /var
expect request (?P<id>r_[0-9a-f]{16}) filed; who can approve: .*$approver
expect waiting up to 0:30
run $decide approve \"\$M_id\"
expect request r_[0-9a-f]{16} approved
expect ^RAN-AS-UID-0
exit 0" "$SUDO" sh -c 'echo RAN-AS-UID-$(id -u)' || fixture_fail "approve path"
run_sudo_as "$user" true >/dev/null || fixture_fail "the approved grant does not allow a second sudo"
grep -Eq 'RequestSubmitted: request r_[0-9a-f]{16} filed for '"$user"'.*TEAM_SERVICE='"$SUDO_PAM_SERVICE"' TEAM_TTY=/dev/pts/' \
        "$TEAMD_LOG" || fixture_fail "teamd did not audit the relayed request with its service and tty"

# The first user now has a grant; the other paths need someone without one.
user=teamprompt2$$
fixture_add_user "$user"
server_add_user "$user" dev >/dev/null
sed -i "s/^Defaults:teamprompt$$ /Defaults:$user /; s/^teamprompt$$ ALL/$user ALL/" "$SUDOERS_DROPIN" \
        || fixture_fail "cannot edit $SUDOERS_DROPIN"
visudo -cq || fixture_fail "sudoers invalid after the edit"

step "prompt: denied -> refused, the command does not run"
drive "expect Reason for sudo
send testing the deny path
expect request (?P<id>r_[0-9a-f]{16}) filed
expect waiting up to
run $decide deny \"\$M_id\" 'not now'
expect access denied: request r_[0-9a-f]{16} was denied by $approver: not now
exit nonzero
absent RAN-COMMAND" "$SUDO" echo RAN-COMMAND || fixture_fail "deny path"

step "prompt: no decision within wait=3 -> refused after about 3 s"
set_account_args "role=sudo socket=$TEAM_SOCK prompt wait=3"
drive "expect Reason for sudo
send testing the timeout
expect request r_[0-9a-f]{16} filed
expect no decision on r_[0-9a-f]{16} within 0:03
exit nonzero
within 12
absent RAN-COMMAND" "$SUDO" echo RAN-COMMAND || fixture_fail "timeout path"

# Twice: sudo started with SIGINT at its default, and ignored (a background
# job of a non-interactive shell: sudo keeps it ignored, and the kernel
# drops an ignored signal that is not blocked, so the module must keep it
# blocked and watch for it).
set_account_args "role=sudo socket=$TEAM_SOCK prompt wait=120"
for drive_opts in "" --intr-ignored; do
step "prompt: Ctrl-C while waiting${drive_opts:+ ($drive_opts)} -> refused at once, the request cancelled through teamd"
drive "expect Reason for sudo
send testing ctrl-c
expect request (?P<id>r_[0-9a-f]{16}) filed
expect waiting up to 2:00
sleep 1
intr
expect stopped waiting; request r_[0-9a-f]{16} cancelled
expect interrupted
exit nonzero
within 16
absent RAN-COMMAND
absent stays open
run ! $decide approve \"\$M_id\" >/dev/null 2>&1" "$SUDO" echo RAN-COMMAND || fixture_fail "Ctrl-C while waiting${drive_opts:+ ($drive_opts)}"
done
drive_opts=

step "prompt: Ctrl-C at the question -> refused, nothing filed"
drive "expect Reason for sudo
sleep 0.5
intr
expect no request filed
exit nonzero
within 6
absent request r_
absent RAN-COMMAND" "$SUDO" echo RAN-COMMAND || fixture_fail "Ctrl-C at the question"

step "prompt: an empty reason -> refused, nothing filed"
drive "expect Reason for sudo
send
expect no reason given
exit nonzero
absent request r_" "$SUDO" echo RAN-COMMAND || fixture_fail "empty reason"

step "prompt: a role that needs a ticket asks for one"
set_account_args "role=ticketed socket=$TEAM_SOCK prompt wait=0"
drive "expect Reason for ticketed
send ticket path
expect needs a ticket
expect Ticket:
send INC-4711
expect request r_[0-9a-f]{16} filed
expect run the command again once it is approved
exit nonzero" "$SUDO" echo RAN-COMMAND || fixture_fail "ticket path"

step "sudo -n on a terminal: no question, no wait"
set_account_args "role=sudo socket=$TEAM_SOCK prompt wait=120"
drive "exit nonzero
within 6
absent Reason for
absent request r_
absent RAN-COMMAND" "$SUDO" -n echo RAN-COMMAND || fixture_fail "sudo -n"

step "sudo without a terminal: no question, no wait"
t0=$(story_now_ms)
out=$(timeout 20 setsid runuser -u "$user" -- "$SUDO" echo RAN-COMMAND </dev/null 2>&1); rc=$?
took=$(($(story_now_ms) - t0))
fixture_log "$out (status $rc, $took ms)"
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
        fixture_fail "sudo without a tty: status $rc"
fi
[ "$took" -lt 6000 ] || fixture_fail "sudo without a tty took $took ms"
case $out in *Reason*|*RAN-COMMAND*) fixture_fail "sudo without a tty prompted or ran: $out" ;; esac
}
if [ "$with_sudo" = 1 ]; then
        sudo_steps
fi

step "teamctl request --wait through teamd (no --server): exit 0 once usable here"
out_file=$TEAM_TMP/relay.out
env -u TEAM_SERVER runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" request sudo --for 15m \
        --reason "relay test" --wait >"$out_file" 2>&1 </dev/null &
relay_pid=$!
id=
for ((i = 0; i < 100; i++)); do
        id=$(grep -oE 'r_[0-9a-f]{16}' "$out_file" | head -n 1)
        [ -n "$id" ] && break
        sleep 0.1
done
[ -n "$id" ] || { cat "$out_file" >&2; fixture_fail "teamctl request printed no request id"; }
"$decide" approve "$id" >/dev/null || fixture_fail "approve $id"
wait "$relay_pid"; rc=$?
cat "$out_file" >&2
[ "$rc" -eq 0 ] || fixture_fail "teamctl request --wait: status $rc"
grep -q 'usable on this host' "$out_file" || fixture_fail "teamctl request --wait did not say the grant is usable"
if [ "$with_sudo" = 1 ]; then
        run_sudo_as "$user" true >/dev/null || fixture_fail "sudo refused after the relayed approval"
fi

step "teamctl request through teamd that the policy refuses: exit 1 with the reason"
out=$(env -u TEAM_SERVER runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" request sudo --for 5h \
        --reason "too long" </dev/null 2>&1); rc=$?
fixture_log "$out"
[ "$rc" -eq 1 ] || fixture_fail "refused relay: status $rc"
check_contains "refusal reason" "$out" 'refused the request'

step "teamctl cancel through teamd (no --server): only the user it was filed for"
out=$(env -u TEAM_SERVER runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" request sudo --for 15m \
        --reason "cancel test" </dev/null 2>&1) || fixture_fail "relay request for the cancel test: $out"
id=$(printf '%s' "$out" | grep -oE 'r_[0-9a-f]{16}' | head -n 1)
[ -n "$id" ] || fixture_fail "no request id: $out"
out=$(runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" status </dev/null 2>&1)
check_contains "teamctl status lists the open request" "$out" "^$id +sudo +"
other=teamother$$
fixture_add_user "$other"
out=$(env -u TEAM_SERVER runuser -u "$other" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" cancel "$id" </dev/null 2>&1); rc=$?
fixture_log "$out"
[ "$rc" -ne 0 ] || fixture_fail "another user cancelled $id through teamd"
check_contains "another user's cancel" "$out" "teamd did not file request $id for $other"
out=$(env -u TEAM_SERVER runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" cancel "$id" </dev/null 2>&1); rc=$?
fixture_log "$out"
[ "$rc" -eq 0 ] || fixture_fail "teamctl cancel through teamd: status $rc: $out"
check_contains "cancel through teamd" "$out" "cancelled $id through teamd"
"$decide" approve "$id" >/dev/null 2>&1 && fixture_fail "a request cancelled through teamd could still be approved"
out=$(runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" status </dev/null 2>&1)
printf '%s' "$out" | grep -q "$id" && fixture_fail "teamctl status still lists the cancelled request: $out"

step "a user files at most 10 requests a minute through teamd"
flood=teamflood$$
fixture_add_user "$flood"
server_add_user "$flood" dev >/dev/null
for ((k = 1; k <= 11; k++)); do
        out=$(env -u TEAM_SERVER runuser -u "$flood" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" request sudo \
                --for 5m --reason "flood $k" </dev/null 2>&1); rc=$?
        if [ "$k" -le 10 ] && [ "$rc" -ne 0 ]; then
                fixture_fail "request $k of 10 refused: $out"
        fi
done
[ "$rc" -eq 1 ] || fixture_fail "the 11th request in a minute: status $rc: $out"
check_contains "rate limit message" "$out" 'in the last minute'

# The same flow in-process (prompt_conv: pam_start_confdir, PAM_SILENT, a
# SIGINT handler without SA_RESTART, like sudo) under valgrind: no invalid
# access, no definite leak on the approve, Ctrl-C and sudo -n paths.
conv_bin=$top_builddir/tests/prompt/prompt_conv
if [ "$with_sudo" = 1 ] && command -v valgrind >/dev/null 2>&1 && [ -x "$conv_bin" ]; then
        confdir=$TEAM_TMP/pam.d
        mkdir -p "$confdir"
        printf 'account required %s role=sudo socket=%s prompt wait=60\n' "$PAM_TEAM_SO" "$TEAM_SOCK" \
                >"$confdir/teamtest-conv"
        # one server user per run: an approved one would just be allowed
        for v in 1 2 3; do
                server_add_user "teamval$v$$" dev >/dev/null
        done
        vg=(valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite)
        # conv_started FILE PATTERN: waits (30 s, valgrind is slow) for PATTERN in FILE.
        conv_started() {
                local i
                for ((i = 0; i < 300; i++)); do
                        grep -qsE -- "$2" "$1" && return 0
                        sleep 0.1
                done
                cat "$1" >&2
                fixture_fail "prompt_conv: no /$2/"
        }

        step "valgrind: prompt approved in-process"
        "${vg[@]}" "$conv_bin" teamtest-conv "teamval1$$" "$confdir" "valgrind approve" >"$TEAM_TMP/conv.1" 2>&1 &
        conv_pid=$!
        conv_started "$TEAM_TMP/conv.1" 'waiting up to'
        id=$(grep -oE 'r_[0-9a-f]{16}' "$TEAM_TMP/conv.1" | head -n 1)
        "$decide" approve "$id" >/dev/null || fixture_fail "approve $id"
        wait "$conv_pid"; rc=$?
        cat "$TEAM_TMP/conv.1" >&2
        [ "$rc" -eq 0 ] || fixture_fail "prompt_conv approve: status $rc (3: valgrind error, 4: signal mask left changed)"

        step "valgrind: SIGINT while waiting ends the wait at once"
        "${vg[@]}" "$conv_bin" teamtest-conv "teamval2$$" "$confdir" "valgrind ctrl-c" >"$TEAM_TMP/conv.2" 2>&1 &
        conv_pid=$!
        conv_started "$TEAM_TMP/conv.2" 'waiting up to'
        sleep 1
        t0=$(story_now_ms)
        kill -INT "$conv_pid"
        wait "$conv_pid"; rc=$?
        took=$(($(story_now_ms) - t0))
        cat "$TEAM_TMP/conv.2" >&2
        [ "$rc" -eq 1 ] || fixture_fail "prompt_conv SIGINT: status $rc (3: valgrind error, 4: signal mask left changed)"
        grep -q 'interrupted' "$TEAM_TMP/conv.2" || fixture_fail "prompt_conv SIGINT: no 'interrupted' message"
        [ "$took" -lt 5000 ] || fixture_fail "prompt_conv SIGINT: the wait went on for $took ms"

        step "valgrind: a conversation that cannot ask (sudo -n) refuses"
        out=$("${vg[@]}" "$conv_bin" teamtest-conv "teamval3$$" "$confdir" '!fail' 2>&1); rc=$?
        fixture_log "$out"
        [ "$rc" -eq 1 ] || fixture_fail "prompt_conv !fail: status $rc (3: valgrind error, 4: signal mask left changed)"
        case $out in *"request r_"*) fixture_fail "a request was filed without a reason" ;; esac

        step "no terminal (sshd's PAM_TTY=ssh, or none): never asked, even with answers ready"
        for tty in ssh ""; do
                out=$(PROMPT_CONV_TTY=$tty "${vg[@]}" "$conv_bin" teamtest-conv "teamval3$$" "$confdir" \
                        "should not be asked" 2>&1); rc=$?
                fixture_log "$out"
                [ "$rc" -eq 1 ] || fixture_fail "PAM_TTY='$tty': status $rc (3: valgrind error, 4: signal mask left changed)"
                case $out in *question:*|*"request r_"*) fixture_fail "PAM_TTY='$tty': asked or filed" ;; esac
        done
else
        fixture_log "valgrind, prompt_conv or a plain build missing: in-process valgrind steps skipped"
fi

# relay_wait_started OUT_FILE: waits until teamctl printed its request id.
relay_wait_started() {
        local i
        for ((i = 0; i < 100; i++)); do
                grep -qsE 'r_[0-9a-f]{16}' "$1" && return 0
                sleep 0.1
        done
        cat "$1" >&2
        fixture_fail "teamctl request printed no request id"
}

step "a waiting teamctl that goes away: teamd forgets the wait"
env -u TEAM_SERVER runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" request sudo --for 15m \
        --reason "interrupted wait" --wait --timeout 60 >"$out_file.2" 2>&1 </dev/null &
relay_pid=$!
relay_wait_started "$out_file.2"
# (a background job ignores SIGINT; SIGTERM to teamctl ends it the same way:
# the connection closes mid-wait)
pkill -TERM -P "$relay_pid" || kill -TERM "$relay_pid"
wait "$relay_pid"
story_wait_log "teamd notices the hang-up" "stopped waiting for request" 5000

step "teamd stops while a teamctl waits: teamctl fails with a message, teamd exits 0"
env -u TEAM_SERVER runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" request sudo --for 15m \
        --reason "wait across a stop" --wait --timeout 60 >"$out_file.3" 2>&1 </dev/null &
relay_pid=$!
relay_wait_started "$out_file.3"
sleep 0.5
stop_teamd || fixture_fail "teamd did not exit 0 on SIGTERM with a wait pending (status $?)"
wait "$relay_pid"; rc=$?
cat "$out_file.3" >&2
[ "$rc" -ne 0 ] || fixture_fail "teamctl --wait succeeded although teamd stopped"
if grep -E 'Sanitizer|runtime error' "$TEAMD_LOG" >&2; then
        fixture_fail "teamd's log has a sanitizer report"
fi

step "done"
exit 0
