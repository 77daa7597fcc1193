# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A private OpenSSH server for one test user, gated by the built pam_team.so
# and the fixture's teamd: a copy of $SSHD named sshd-teamtestPID (OpenSSH
# takes its PAM service name from its binary name) on a free loopback port,
# public-key logins only. Never touches /etc/pam.d/sshd or the system sshd.
# Source after teamd_fixture.sh; call after fixture_init and
# fixture_make_traversable (sshd reads the authorized keys as the user).
#
#   sshd_service_require          # skips (77) without sshd/ssh
#   sshd_service_install USER ROLE
#   start_sshd / stop_sshd
#   try_ssh [COMMAND]             # output on stdout, ssh's status
#   sshd_pam_denials              # account-phase refusals logged so far
#   sshd_expect_refused LABEL     # fails unless the PAM account phase refuses
#   sshd_sanitizer_clean          # fails if ASan/UBSan spoke inside sshd
#
# Sets SSHD_PORT, SSHD_LOG.

SSHD_PID=
SSHD_PORT=
SSHD_LOG=
SSHD_NAME=
SSHD_USER=

sshd_service_require() {
        SSHD=${SSHD:-}
        [ -n "$SSHD" ] || SSHD=$(PATH=$PATH:/usr/sbin:/sbin command -v sshd || true)
        [ -n "$SSHD" ] || fixture_skip "sshd is not installed"
        case $SSHD in /*) ;; *) fixture_skip "SSHD must be an absolute path (got $SSHD)" ;; esac
        fixture_require_programs "$SSHD" ssh ssh-keygen flock
}

# sshd's privilege separation directory, shared by concurrent runs: each
# holds a shared lock; the last one out removes it if a run created it.
SSHD_PRIVSEP_MARKER=/run/lock/teamtest-sshd.created
SSHD_PRIVSEP_LOCK=
# shellcheck disable=SC2317 # called from the cleanup trap
sshd_release_privsep_dir() {
        if flock -xn "$SSHD_PRIVSEP_LOCK" && [ -e "$SSHD_PRIVSEP_MARKER" ]; then
                rmdir /run/sshd
                rm -f "$SSHD_PRIVSEP_MARKER"
        fi
}

# sshd_service_install USER ROLE [session]: keys, the PAM service, the
# privsep dir; with "session", the session phase is pam_team's too.
sshd_service_install() {
        local pamfile session="optional pam_permit.so"
        [ "${3:-}" = session ] && session="required $PAM_TEAM_SO role=$2 socket=$TEAM_SOCK"
        SSHD_USER=$1
        SSHD_NAME=sshd-teamtest$$
        SSHD_LOG=$TEAM_TMP/sshd.log
        pamfile=/etc/pam.d/$SSHD_NAME
        exec {SSHD_PRIVSEP_LOCK}>/run/lock/teamtest-sshd.lock || fixture_fail "cannot open the /run/sshd lock"
        flock -s "$SSHD_PRIVSEP_LOCK" || fixture_fail "cannot lock /run/lock/teamtest-sshd.lock"
        fixture_on_cleanup sshd_release_privsep_dir
        if [ ! -d /run/sshd ]; then
                mkdir -m 0755 /run/sshd || fixture_fail "mkdir /run/sshd"
                : >"$SSHD_PRIVSEP_MARKER"
        fi
        cp "$SSHD" "$TEAM_TMP/$SSHD_NAME" || fixture_fail "cannot copy $SSHD"
        ssh-keygen -q -t ed25519 -N '' -C hostkey -f "$TEAM_TMP/hostkey" || fixture_fail "ssh-keygen (host)"
        ssh-keygen -q -t ed25519 -N '' -C "$SSHD_USER" -f "$TEAM_TMP/userkey" || fixture_fail "ssh-keygen (user)"
        mkdir -m 0755 "$TEAM_TMP/authorized_keys"
        install -m 0644 "$TEAM_TMP/userkey.pub" "$TEAM_TMP/authorized_keys/$SSHD_USER"

        [ -e "$pamfile" ] && fixture_fail "$pamfile already exists"
        fixture_on_cleanup rm -f "$pamfile"
        cat >"$pamfile" <<EOPAM
# Test service of the pam_team end-to-end tests (pid $$); removed at exit.
auth     required pam_deny.so
account  required $PAM_TEAM_SO role=$2 socket=$TEAM_SOCK
account  required pam_permit.so
password required pam_deny.so
session  $session
EOPAM
        fixture_on_cleanup stop_sshd
}

stop_sshd() {
        [ -n "$SSHD_PID" ] || return 0
        kill -TERM "$SSHD_PID" 2>/dev/null
        wait "$SSHD_PID" 2>/dev/null
        SSHD_PID=
}

# start_sshd: a few random free ports; sshd says "Server listening" when
# ready. A sanitizer build of pam_team.so needs its runtime loaded first:
# it is preloaded (sshd's own leaks are not ours to report).
start_sshd() {
        local try i preload
        preload=$(fixture_sanitizer_preload)
        for ((try = 0; try < 8; try++)); do
                SSHD_PORT=$((20000 + RANDOM % 40000))
                cat >"$TEAM_TMP/sshd_config" <<EOCONF
Port $SSHD_PORT
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
                : >"$SSHD_LOG"
                if [ -n "$preload" ]; then
                        LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 \
                                "$TEAM_TMP/$SSHD_NAME" -D -e -f "$TEAM_TMP/sshd_config" </dev/null >>"$SSHD_LOG" 2>&1 &
                else
                        "$TEAM_TMP/$SSHD_NAME" -D -e -f "$TEAM_TMP/sshd_config" </dev/null >>"$SSHD_LOG" 2>&1 &
                fi
                SSHD_PID=$!
                for ((i = 0; i < 50; i++)); do
                        grep -q 'Server listening on' "$SSHD_LOG" && return 0
                        kill -0 "$SSHD_PID" 2>/dev/null || break
                        sleep 0.1
                done
                stop_sshd
                grep -q 'Address already in use' "$SSHD_LOG" && continue
                cat "$SSHD_LOG" >&2
                return 1
        done
        return 1
}

# try_ssh [COMMAND]: a public-key login as the user (default command true).
# shellcheck disable=SC2120 # COMMAND is optional
try_ssh() {
        ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
                -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes \
                -o LogLevel=ERROR -o ConnectTimeout=10 -i "$TEAM_TMP/userkey" \
                -p "$SSHD_PORT" "$SSHD_USER@127.0.0.1" "${@:-true}" </dev/null 2>&1
}

sshd_pam_denials() { grep -c "by PAM account configuration" "$SSHD_LOG"; }

# sshd_expect_refused LABEL: a login attempt must fail, refused by the PAM
# account phase (sshd may log a moment after the client gives up).
sshd_expect_refused() {
        local label=$1 before out rc i
        before=$(sshd_pam_denials)
        out=$(try_ssh); rc=$?
        fixture_log "$out"
        [ "$rc" -ne 0 ] || fixture_fail "$label: ssh login succeeded, expected a refusal"
        for ((i = 0; i < 20; i++)); do
                [ "$(sshd_pam_denials)" -gt "$before" ] && return 0
                sleep 0.1
        done
        tail -n 20 "$SSHD_LOG" >&2
        fixture_fail "$label: refused, but not by the PAM account phase"
}

# sshd_sanitizer_clean: fails the test when ASan/UBSan spoke inside sshd.
sshd_sanitizer_clean() {
        if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$SSHD_LOG"; then
                cat "$SSHD_LOG" >&2
                fixture_fail "a sanitizer reported an error inside sshd (pam_team.so)"
        fi
}
