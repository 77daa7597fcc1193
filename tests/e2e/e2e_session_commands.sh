#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end: what runs in an elevated session is recorded. A private
# systemd-journald (private mount namespace), a private teamd shipping to
# the CloudTrail Lake emulator, the real sudo and the real sshd, each on a
# test PAM service whose session phase is pam_team's.
#   sudo sh -c: a command, a double-forked background process (setsid, its
#     parent gone before it runs) and a script (its interpreter and its
#     child) -> each is a SessionCommand with the grant id, the session id,
#     its uid/euid and argv, in journald and at the emulator
#   sudo make -j2 of 600 targets, commands_per_second = 20, commands_max =
#     100 -> at most 100 SessionCommand events, and their count plus the
#     counts of the SessionCommandsSummarised events is every execve (601)
#   an SSH login with a command -> its commands, with the ssh grant's id
#   team-audit verify over the emulator's events: the chain holds
# Waits have generous deadlines; no latency is asserted. Root only (skips
# with 77 otherwise). Undoes everything at exit.
set -u

. "$top_srcdir/tests/aws/aws_lib.sh"
. "$top_srcdir/tests/lib/journald_ns.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"
. "$top_srcdir/tests/lib/sshd_service.sh"
. "$top_srcdir/tests/lib/story_lib.sh"

fixture_require_root
aws_require
sudo_service_require make setsid
sshd_service_require
fixture_require_built "$PAM_TEAM_SO" "$top_builddir/teamctl/team-audit"
if [ -n "$(fixture_sanitizer_preload)" ]; then
        fixture_skip "pam_team.so is built with sanitizers; it cannot load into the setuid sudo"
fi
journald_reexec_private "$0" "$@"

aws_init
journald_start
fixture_make_traversable
user=teamcmd$$
fixture_add_user "$user"
sudo_service_install "$user"
sshd_service_install "$user" ssh session

emu_start --static-key "$AWS_STATIC_ID:$AWS_STATIC_SECRET" --events-out "$TEAM_TMP/emu-events.jsonl"
aws_conf_cloudtrail "cloudtrail_region = us-east-1" "account_id = 123456789012"
aws_export_static_key
cat >>"$TEAM_CONF" <<EOCONF

[sessions]
commands_per_second = 20
commands_max = 100
EOCONF
start_teamd || fixture_fail "teamd did not start"
grep -q "commands run in elevated sessions are not recorded" "$TEAMD_LOG" \
        && fixture_fail "teamd cannot see the kernel's process events: $(grep -m1 'not recorded' "$TEAMD_LOG")"
start_sshd || fixture_fail "sshd did not start"

tag=$$
journal() { journald_json SYSLOG_IDENTIFIER=teamd "$@"; }

# wait_journal LABEL MATCH...: an entry matching reaches the journal (60 s).
wait_journal() {
        local label=$1 i
        shift
        for ((i = 0; i < 600; i++)); do
                [ -n "$(journalctl --no-pager -q -o cat SYSLOG_IDENTIFIER=teamd "$@" 2>/dev/null)" ] && return 0
                sleep 0.1
        done
        fixture_fail "$label: no journal entry with $*"
}

step "sudo: a command, a double-forked background process and a script"
grant_for "$user" sudo --for 1h --jti "cmd-sudo-$tag" || fixture_fail "teamctl grant add (sudo)"
script=$TEAM_TMP/work.sh
# Programs that run a moment: teamd reads /proc after their execve (one
# that has already ended is recorded without its argv, see docs/audit.md).
printf '#!/bin/sh\n/bin/sleep 0.%s\n' "$tag" >"$script"
chmod 0755 "$script"
out=$(run_sudo_as "$user" sh -c "/bin/sleep 0.1$tag; (setsid sh -c 'sleep 1; /bin/sleep 0.2$tag' &); $script") \
        || fixture_fail "sudo failed: $out"
fixture_log "$out"
wait_journal "the double-forked process's command" TEAM_EVENT=SessionCommand "TEAM_ARGV=/bin/sleep 0.2$tag"

step "sudo make -j2: bounded events, and the summaries count the rest"
project=$TEAM_TMP/project
mkdir -m 0755 "$project"
{
        printf 'all:'
        for ((i = 0; i < 600; i++)); do printf ' t%d' "$i"; done
        printf '\n'
        for ((i = 0; i < 600; i++)); do printf 't%d:\n\t@/bin/true %d\n' "$i" "$i"; done
        printf '.PHONY: all'
        for ((i = 0; i < 600; i++)); do printf ' t%d' "$i"; done
        printf '\n'
} >"$project/Makefile"
grant_for "$user" sudo --for 1h --jti "cmd-make-$tag" || fixture_fail "teamctl grant add (make)"
out=$(run_sudo_as "$user" make -s -j2 -C "$project" -f "$project/Makefile") || fixture_fail "sudo make failed: $out"

step "ssh: a login with a command"
grant_for "$user" ssh --for 1h --jti "cmd-ssh-$tag" || fixture_fail "teamctl grant add (ssh)"
out=$(try_ssh "/bin/sleep 0.3$tag") || { tail -n 20 "$SSHD_LOG" >&2; fixture_fail "ssh login failed: $out"; }
wait_journal "the ssh session's command" TEAM_EVENT=SessionCommand "TEAM_ARGV=/bin/sleep 0.3$tag"

# The make session's summary is written when its last process is gone.
wait_journal "the make session's summary" TEAM_EVENT=SessionCommandsSummarised TEAM_GRANT_ID="cmd-make-$tag"
step "the emulator received the same commands"
python3 - "$TEAM_TMP/emu-events.jsonl" "$tag" <<'EOPY' || fixture_fail "the emulator's SessionCommand events are not as expected"
import json, sys, time
path, tag = sys.argv[1:3]

def received():
    """One CloudTrail Lake row per line: [{"eventData": "<the record>"}]."""
    events = []
    try:
        lines = open(path).readlines()
    except OSError:
        return events
    for l in lines:
        if l.strip():
            for row in json.loads(l):
                rec = json.loads(row["eventData"])
                events.append(dict(rec.get("requestParameters", {}), type=rec.get("eventName")))
    return events

want = {"/bin/sleep 0.1" + tag: "cmd-sudo-" + tag, "/bin/sleep 0.2" + tag: "cmd-sudo-" + tag,
        "/bin/sleep 0.3" + tag: "cmd-ssh-" + tag}
end = time.time() + 60
while True:
    events = received()
    bad = []
    for argv, grant in want.items():
        got = [e for e in events if e.get("type") == "SessionCommand" and e.get("argv") == argv]
        if len(got) < 1 or got[0].get("grant_id") != grant or not got[0].get("session_id"):
            bad.append("emulator: %r: %r" % (argv, got))
    if not bad:
        break
    if time.time() > end:
        print("\n".join(bad), file=sys.stderr)
        sys.exit(1)
    time.sleep(0.2)
EOPY
stop_sshd
stop_teamd || fixture_fail "teamd did not stop cleanly"
journal >"$TEAM_TMP/journal.json" || fixture_fail "journalctl"

python3 - "$TEAM_TMP/journal.json" "$tag" "$user" "$script" <<'EOPY' || fixture_fail "the journal's SessionCommand entries are not as expected"
import json, sys

path, tag, user, script = sys.argv[1:5]
entries = [json.loads(l) for l in open(path) if l.strip()]
problems = []

def of(event, grant):
    return [e for e in entries if e.get("TEAM_EVENT") == event and e.get("TEAM_GRANT_ID") == grant]

def session_of(grant):
    opened = of("SessionOpened", grant)
    if len(opened) != 1 or not opened[0].get("TEAM_SESSION_ID"):
        problems.append("%s: %d SessionOpened entries with a session id" % (grant, len(opened)))
        return None
    return opened[0]["TEAM_SESSION_ID"]

def expect_command(grant, argv, uid=None):
    sid = session_of(grant)
    got = [e for e in of("SessionCommand", grant) if e.get("TEAM_ARGV") == argv]
    if len(got) != 1:
        seen = [e.get("TEAM_ARGV") for e in of("SessionCommand", grant)]
        problems.append("%s: %d SessionCommand entries with argv %r (seen: %r)" % (grant, len(got), argv, seen))
        return
    e = got[0]
    for k in ("TEAM_PID", "TEAM_PPID", "TEAM_UID", "TEAM_EUID", "TEAM_EXE", "TEAM_CWD", "TEAM_EVENT_ID"):
        if not e.get(k):
            problems.append("%s %r: no %s" % (grant, argv, k))
    if e.get("TEAM_SESSION_ID") != sid or e.get("TEAM_USER") != user:
        problems.append("%s %r: session %r user %r, expected %r %r"
                        % (grant, argv, e.get("TEAM_SESSION_ID"), e.get("TEAM_USER"), sid, user))
    if uid is not None and e.get("TEAM_EUID") != uid:
        problems.append("%s %r: euid %r, expected %s" % (grant, argv, e.get("TEAM_EUID"), uid))

sudo = "cmd-sudo-" + tag
expect_command(sudo, "/bin/sleep 0.1" + tag, "0")
expect_command(sudo, "/bin/sleep 0.2" + tag, "0")
expect_command(sudo, "/bin/sh " + script, "0")
expect_command(sudo, "/bin/sleep 0." + tag, "0")
ssh = "cmd-ssh-" + tag
expect_command(ssh, "/bin/sleep 0.3" + tag)

make = "cmd-make-" + tag
sid = session_of(make)
recorded = len(of("SessionCommand", make))
summarised = sum(int(e.get("TEAM_SUMMARISED", "0")) for e in of("SessionCommandsSummarised", make))
if recorded > 100:
    problems.append("make: %d SessionCommand events, over commands_max = 100" % recorded)
if recorded + summarised != 601:
    problems.append("make: %d recorded + %d summarised = %d, expected 601 executions"
                    % (recorded, summarised, recorded + summarised))
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("journal: sudo, script, background and ssh commands recorded; make: %d recorded + %d summarised"
      % (recorded, summarised), file=sys.stderr)
EOPY

step "teamctl session show and audit tail --session: the sudo session's timeline"
sid=$(journalctl --no-pager -q -o cat --output-fields=TEAM_SESSION_ID SYSLOG_IDENTIFIER=teamd \
        TEAM_EVENT=SessionOpened TEAM_GRANT_ID="cmd-sudo-$tag")
[ -n "$sid" ] || fixture_fail "no session id for the sudo session"
out=$("$TEAMCTL_BIN" session show "$sid" 2>&1) || fixture_fail "teamctl session show: $out"
fixture_log "$out"
check_contains "session show" "$out" "^session $sid: $user as sudo on $TEAM_HOST"
check_contains "session show" "$out" "^grant cmd-sudo-$tag, request [^:]*: asked for \"test\""
check_contains "session show" "$out" "SessionOpened: "
check_contains "session show" "$out" "pid [0-9]+ parent [0-9]+ uid 0 euid 0 in [^:]*: /bin/sleep 0\\.2$tag\$"
check_contains "session show" "$out" "SessionClosed: "
out=$("$TEAMCTL_BIN" audit tail --no-follow -n 1000 --session "$sid" 2>&1) || fixture_fail "teamctl audit tail: $out"
check_contains "audit tail --session" "$out" "SessionCommand +session $sid: $user ran /bin/sh $script"
if printf '%s\n' "$out" | grep -v " session $sid" | grep -q .; then
        fixture_fail "audit tail --session shows events of other sessions: $out"
fi
"$TEAMCTL_BIN" session show "no-such-session-$tag" >/dev/null 2>&1 \
        && fixture_fail "session show of an unknown session succeeded"

step "teamctl audit verify: the chain in journald holds; a forged entry breaks it"
out=$("$TEAMCTL_BIN" --config "$TEAM_CONF" audit verify 2>&1) || fixture_fail "teamctl audit verify: $out"
fixture_log "$out"
"$TEAMCTL_BIN" --json audit tail --no-follow -n 100000 >"$TEAM_TMP/tail.jsonl" || fixture_fail "audit tail --json"
out=$("$top_builddir/teamctl/team-audit" verify "$TEAM_TMP/tail.jsonl" 2>&1) \
        || fixture_fail "team-audit verify over teamctl --json audit tail: $out"
check_contains "team-audit over audit tail --json" "$out" "$TEAM_HOST: seq 1\\.\\.[0-9]+, .*: verified"
check_contains "audit verify" "$out" "$TEAM_HOST: seq 1\\.\\.[0-9]+, .*: verified"
seq=$(journalctl --no-pager -q -o cat --output-fields=TEAM_SEQ SYSLOG_IDENTIFIER=teamd \
        TEAM_EVENT=SessionCommand TEAM_GRANT_ID="cmd-ssh-$tag" | head -n 1)
prev=$(journalctl --no-pager -q -o cat --output-fields=TEAM_PREV SYSLOG_IDENTIFIER=teamd TEAM_SEQ="$seq" | head -n 1)
logger --journald <<EOJ || fixture_fail "logger --journald"
SYSLOG_IDENTIFIER=teamd
MESSAGE_ID=5b3f9a71c20d4e88a61be43790dc52af
MESSAGE=session forged: $user ran /bin/true
TEAM_EVENT=SessionCommand
TEAM_EVENT_ID=0123456789abcdef0123456789abcdef
TEAM_OUTCOME=success
TEAM_HOST=$TEAM_HOST
TEAM_USER=$user
TEAM_SEQ=$seq
TEAM_PREV=$prev
TEAM_TIME_USEC=1
TEAM_PID=4242
TEAM_ARGV=/bin/true
EOJ
wait_journal "the forged entry" TEAM_EVENT_ID=0123456789abcdef0123456789abcdef
out=$("$TEAMCTL_BIN" --config "$TEAM_CONF" audit verify 2>&1) && fixture_fail "teamctl audit verify passed a forged entry: $out"
check_contains "audit verify of a forged entry" "$out" "seq $seq"
fixture_log "audit verify on the forged entry: $(printf '%s\n' "$out" | grep -m1 "seq $seq")"

step "team-audit verify over the emulator's events"
out=$("$top_builddir/teamctl/team-audit" verify --any-order "$TEAM_TMP/emu-events.jsonl" 2>&1) \
        || fixture_fail "team-audit verify: $out"
fixture_log "$out"
fixture_log "PASS: e2e_session_commands"
exit 0
