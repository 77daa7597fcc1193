#!/usr/bin/env bash
# End to end with the real OpenSSH server: a copy of $SSHD named
# sshd-teamtestPID (OpenSSH takes its PAM service name from its binary name)
# on a free loopback port, whose PAM service is gated by the built
# pam_team.so (role=ssh) and a private teamd. Public-key logins:
#   no grant -> refused;  only a role=sudo grant -> refused;
#   a role=ssh grant -> allowed.
# Root only (skips with 77 otherwise). Undoes everything at exit.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"

fixture_require_root
SSHD=${SSHD:-}
[ -n "$SSHD" ] || SSHD=$(PATH=$PATH:/usr/sbin:/sbin command -v sshd || true)
[ -n "$SSHD" ] || fixture_skip "sshd is not installed"
case $SSHD in /*) ;; *) fixture_skip "SSHD must be an absolute path (got $SSHD)" ;; esac
fixture_require_programs "$SSHD" ssh ssh-keygen flock useradd userdel usermod
fixture_require_built "$PAM_TEAM_SO"

fixture_init
fixture_make_traversable          # sshd reads authorized keys as the user
user=teamtest$$
name=sshd-teamtest$$
pamfile=/etc/pam.d/$name
fixture_add_user "$user"

step() { fixture_log "--- $*"; }

# sshd's privilege separation directory. Runs of this test at the same time
# share it: each holds a shared lock; the last one out removes it if a run
# of this test created it (the marker says so).
privsep_marker=/run/lock/teamtest-sshd.created
# shellcheck disable=SC2317 # called from the cleanup trap
release_privsep_dir() {
        if flock -xn "$privsep_lock" && [ -e "$privsep_marker" ]; then
                rmdir /run/sshd
                rm -f "$privsep_marker"
        fi
}
exec {privsep_lock}>/run/lock/teamtest-sshd.lock || fixture_fail "cannot open the /run/sshd lock"
flock -s "$privsep_lock" || fixture_fail "cannot lock /run/lock/teamtest-sshd.lock"
fixture_on_cleanup release_privsep_dir
if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd || fixture_fail "mkdir /run/sshd"
        : >"$privsep_marker"
fi

cp "$SSHD" "$TEAM_TMP/$name" || fixture_fail "cannot copy $SSHD"
ssh-keygen -q -t ed25519 -N '' -C hostkey -f "$TEAM_TMP/hostkey" || fixture_fail "ssh-keygen (host)"
ssh-keygen -q -t ed25519 -N '' -C "$user" -f "$TEAM_TMP/userkey" || fixture_fail "ssh-keygen (user)"
mkdir -m 0755 "$TEAM_TMP/authorized_keys"
install -m 0644 "$TEAM_TMP/userkey.pub" "$TEAM_TMP/authorized_keys/$user"

[ -e "$pamfile" ] && fixture_fail "$pamfile already exists"
fixture_on_cleanup rm -f "$pamfile"
cat >"$pamfile" <<EOPAM
# Test service of the pam_team end-to-end tests (pid $$); removed at exit.
auth     required pam_deny.so
account  required $PAM_TEAM_SO role=ssh socket=$TEAM_SOCK
account  required pam_permit.so
password required pam_deny.so
session  optional pam_permit.so
EOPAM

sshd_log=$TEAM_TMP/sshd.log
sshd_pid=
stop_sshd() {
        [ -n "$sshd_pid" ] || return 0
        kill -TERM "$sshd_pid" 2>/dev/null
        wait "$sshd_pid" 2>/dev/null
        sshd_pid=
}
fixture_on_cleanup stop_sshd

preload=$(fixture_sanitizer_preload)

# Tries a few random free ports; sshd says "Server listening" when ready.
start_sshd() {
        local try i
        for ((try = 0; try < 8; try++)); do
                port=$((20000 + RANDOM % 40000))
                cat >"$TEAM_TMP/sshd_config" <<EOCONF
Port $port
ListenAddress 127.0.0.1
HostKey $TEAM_TMP/hostkey
PidFile $TEAM_TMP/sshd.pid
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $TEAM_TMP/authorized_keys/%u
StrictModes no
PermitRootLogin no
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
EOCONF
                : >"$sshd_log"
                # A sanitizer build of pam_team.so needs its runtime loaded
                # first: preload it (sshd's own leaks are not ours to report).
                if [ -n "$preload" ]; then
                        LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 \
                                "$TEAM_TMP/$name" -D -e -f "$TEAM_TMP/sshd_config" </dev/null >>"$sshd_log" 2>&1 &
                else
                        "$TEAM_TMP/$name" -D -e -f "$TEAM_TMP/sshd_config" </dev/null >>"$sshd_log" 2>&1 &
                fi
                sshd_pid=$!
                for ((i = 0; i < 50; i++)); do
                        grep -q 'Server listening on' "$sshd_log" && return 0
                        kill -0 "$sshd_pid" 2>/dev/null || break
                        sleep 0.1
                done
                stop_sshd
                grep -q 'Address already in use' "$sshd_log" && continue
                cat "$sshd_log" >&2
                return 1
        done
        return 1
}
start_sshd || fixture_fail "sshd did not start"
start_teamd || fixture_fail "teamd did not start"

try_ssh() {
        ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
                -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes \
                -o ConnectTimeout=10 -i "$TEAM_TMP/userkey" -p "$port" \
                "$user@127.0.0.1" true </dev/null 2>&1
}

pam_denials() { grep -c "by PAM account configuration" "$sshd_log"; }

expect_refused() {
        local label=$1 before out rc i
        before=$(pam_denials)
        out=$(try_ssh); rc=$?
        fixture_log "$out"
        [ "$rc" -ne 0 ] || fixture_fail "$label: ssh login succeeded, expected a refusal"
        # The key was accepted and PAM's account phase said no (sshd may log
        # a moment after the client gives up).
        for ((i = 0; i < 20; i++)); do
                [ "$(pam_denials)" -gt "$before" ] && return 0
                sleep 0.1
        done
        tail -n 20 "$sshd_log" >&2
        fixture_fail "$label: refused, but not by the PAM account phase"
}

step "no grant: refused"
expect_refused "no grant"

step "only a role=sudo grant: refused"
grant_for "$user" sudo --for 1h || fixture_fail "teamctl grant add (sudo) failed"
expect_refused "sudo grant only"

step "a role=ssh grant: allowed"
grant_for "$user" ssh --for 1h || fixture_fail "teamctl grant add (ssh) failed"
out=$(try_ssh); rc=$?
fixture_log "$out"
if [ "$rc" -ne 0 ]; then
        tail -n 20 "$sshd_log" >&2
        fixture_fail "ssh grant: login refused (status $rc), expected success"
fi

stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM (status $?)"
stop_sshd
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$sshd_log"; then
        cat "$sshd_log" >&2
        fixture_fail "a sanitizer reported an error inside sshd (pam_team.so)"
fi

fixture_log "PASS: e2e_sshd"
exit 0
