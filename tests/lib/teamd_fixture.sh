# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Shell fixture for the end-to-end tests and tools/demo.sh: a private teamd on
# temporary sockets with a throwaway Ed25519 signing key.
#
#   . "$top_srcdir/tests/lib/teamd_fixture.sh"
#   fixture_require_root; fixture_require_programs sudo visudo
#   fixture_init              # TEAM_TMP, teamd.conf, keygen, cleanup trap
#   start_teamd               # background, bounded wait until it accepts
#   grant_for USER ROLE [team-sign-grant sign options]
#   stop_teamd
#   fixture_on_cleanup CMD... # run at exit (last registered runs first)
#
# Everything registered is undone by one EXIT trap, on success and failure.
# Needs bash. Reads $top_builddir (the build tree) and $top_srcdir.

: "${top_builddir:?top_builddir is not set (run through make check)}"
: "${top_srcdir:=$top_builddir}"

# shellcheck disable=SC2034 # used by the scripts that source this file
TEAMD_BIN=$top_builddir/teamd/teamd
TEAMCTL_BIN=$top_builddir/teamctl/teamctl
SIGNER_BIN=$top_builddir/tools/team-sign-grant
# shellcheck disable=SC2034
PAM_TEAM_SO=$top_builddir/pam_team/.libs/pam_team.so
# The build tree's break-glass helper: tests name it with breakglass_helper=.
# shellcheck disable=SC2034
PAM_TEAM_BG_HELPER=$top_builddir/pam_team/.libs/pam_team_breakglass.so

TEAM_TMP=
TEAMD_PID=
FIXTURE_CLEANUPS=()
FIXTURE_CLEANED=0

# Messages go to stderr so that tests can capture stdout freely.
fixture_log() { printf '%s\n' "$*" >&2; }
fixture_fail() { fixture_log "FAIL: $*"; exit 1; }
fixture_skip() { fixture_log "SKIP: $*"; exit 77; }

fixture_require_root() {
        [ "$(id -u)" -eq 0 ] || fixture_skip "${0##*/} needs root (it adds a user, a PAM service and runs daemons)"
}

# fixture_require_programs NAME|/ABS/PATH...: skip (77) when one is missing.
fixture_require_programs() {
        local p
        for p in "$@"; do
                case $p in
                /*) [ -x "$p" ] || fixture_skip "$p is missing" ;;
                *) command -v "$p" >/dev/null 2>&1 || fixture_skip "program '$p' is missing" ;;
                esac
        done
}

# The pieces of this project the fixture drives; skip when not built.
fixture_require_built() {
        local f
        for f in "$TEAMD_BIN" "$TEAMCTL_BIN" "$SIGNER_BIN" "$@"; do
                [ -e "$f" ] || fixture_skip "$f is not built"
        done
}

# The sanitizer runtimes the built pam_team.so needs (ASan/UBSan builds),
# as an LD_PRELOAD list; empty for a normal build. Such a module loads only
# into a process that has the runtime first: a daemon we start can preload
# it, a setuid program (sudo) cannot.
fixture_sanitizer_preload() {
        ldd "$PAM_TEAM_SO" 2>/dev/null |
                awk '$1 ~ /^lib(asan|ubsan)\.so/ && $3 ~ /^\// { printf "%s%s", sep, $3; sep = " " }'
}

fixture_on_cleanup() {
        FIXTURE_CLEANUPS+=("$(printf '%q ' "$@")")
}

fixture_cleanup() {
        local rc=$? i
        [ "$FIXTURE_CLEANED" -eq 1 ] && return
        FIXTURE_CLEANED=1
        set +e
        if [ -n "$TEAMD_PID" ]; then
                stop_teamd >/dev/null 2>&1
        fi
        for ((i = ${#FIXTURE_CLEANUPS[@]} - 1; i >= 0; i--)); do
                eval "${FIXTURE_CLEANUPS[i]}" >/dev/null 2>&1
        done
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$TEAM_TMP" ] && [ -s "$TEAM_TMP/teamd.log" ]; then
                fixture_log "--- last lines of teamd's log ---"
                tail -n 40 "$TEAM_TMP/teamd.log" >&2
        fi
        if [ -n "$TEAM_TMP" ] && [ -d "$TEAM_TMP" ]; then
                rm -rf -- "$TEAM_TMP"
        fi
        exit "$rc"
}

fixture_install_trap() {
        trap fixture_cleanup EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM HUP
}

# fixture_init [HOST_ID]: the temp dir (root, 0700), teamd.conf, a signing
# key pair (kid "e2e") and the cleanup trap. Sets TEAM_TMP, TEAM_CONF,
# TEAM_SOCK, TEAM_USER_SOCK, TEAM_HOST, TEAM_KID, TEAM_KEY, TEAMD_LOG.
# shellcheck disable=SC2120 # HOST_ID is optional
fixture_init() {
        fixture_install_trap
        TEAM_TMP=$(mktemp -d /tmp/teamtest.XXXXXXXX) || fixture_fail "mktemp"
        chmod 0700 "$TEAM_TMP"
        TEAM_HOST=${1:-teamtest-host-$$}
        TEAM_CONF=$TEAM_TMP/teamd.conf
        TEAM_SOCK=$TEAM_TMP/run/teamd.sock
        TEAM_USER_SOCK=$TEAM_TMP/run/user.sock
        TEAM_KID=e2e
        TEAM_KEY=$TEAM_TMP/signing.key
        TEAMD_LOG=$TEAM_TMP/teamd.log
        mkdir -m 0700 "$TEAM_TMP/state" "$TEAM_TMP/keys" || fixture_fail "mkdir"
        "$SIGNER_BIN" keygen --private "$TEAM_KEY" --public "$TEAM_TMP/keys/$TEAM_KID.pem" \
                || fixture_fail "team-sign-grant keygen"
        chmod 0644 "$TEAM_TMP/keys/$TEAM_KID.pem"
        cat >"$TEAM_CONF" <<EOCONF
[teamd]
host_id = $TEAM_HOST
state_dir = $TEAM_TMP/state
socket = $TEAM_SOCK
user_socket = $TEAM_USER_SOCK
trusted_keys = $TEAM_TMP/keys
EOCONF
}

# Lets other users reach the user socket and files under TEAM_TMP by name
# (0711: they can traverse, not list). Needed for sshd's authorized keys
# (read with the user's privileges) and for `teamctl status` as a user.
fixture_make_traversable() {
        chmod 0711 "$TEAM_TMP"
}

teamd_running() {
        [ -n "$TEAMD_PID" ] && kill -0 "$TEAMD_PID" 2>/dev/null
}

# start_teamd: background, stderr to $TEAMD_LOG; waits (10 s at most) until
# both sockets exist and a status query gets through.
start_teamd() {
        local i rc
        : >>"$TEAMD_LOG"
        "$TEAMD_BIN" --config "$TEAM_CONF" --foreground </dev/null >>"$TEAMD_LOG" 2>&1 &
        TEAMD_PID=$!
        for ((i = 0; i < 100; i++)); do
                if ! teamd_running; then
                        wait "$TEAMD_PID"; rc=$?
                        TEAMD_PID=
                        fixture_log "teamd exited with status $rc before it was ready:"
                        tail -n 20 "$TEAMD_LOG" >&2
                        return 1
                fi
                if [ -S "$TEAM_SOCK" ] && [ -S "$TEAM_USER_SOCK" ] &&
                        "$TEAMCTL_BIN" --config "$TEAM_CONF" status >/dev/null 2>&1; then
                        return 0
                fi
                sleep 0.1
        done
        fixture_log "teamd did not accept on $TEAM_SOCK within 10 s:"
        tail -n 20 "$TEAMD_LOG" >&2
        return 1
}

# fixture_term PID NAME: SIGTERM, 5 s to exit, then SIGKILL. Returns the
# process's status (PID must be a child of this shell).
fixture_term() {
        local pid=$1 i
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
                fixture_log "$2 ignored SIGTERM for 5 s; killing it"
                kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
}

# fixture_kill PID: SIGKILL (a crash) and reap.
fixture_kill() {
        kill -KILL "$1" 2>/dev/null
        wait "$1" 2>/dev/null
}

# stop_teamd: SIGTERM, 5 s to exit, then SIGKILL. Returns teamd's status.
stop_teamd() {
        local rc
        [ -n "$TEAMD_PID" ] || return 0
        fixture_term "$TEAMD_PID" teamd; rc=$?
        TEAMD_PID=
        return "$rc"
}

# kill_teamd: SIGKILL (a crash); its socket files stay behind, stale.
kill_teamd() {
        [ -n "$TEAMD_PID" ] || return 0
        fixture_kill "$TEAMD_PID"
        TEAMD_PID=
}

# sign_grant USER ROLE [options]: prints a compact JWS for this host.
sign_grant() {
        local user=$1 role=$2
        shift 2
        "$SIGNER_BIN" sign --key "$TEAM_KEY" --kid "$TEAM_KID" --sub "$user" \
                --aud "$TEAM_HOST" --role "$role" "$@"
}

# grant_for USER ROLE [sign options]: signs and hands the grant to teamd.
# teamctl's output goes to stderr; returns teamctl's exit status.
grant_for() {
        local token
        token=$(sign_grant "$@") || { fixture_log "team-sign-grant sign failed"; return 1; }
        printf '%s\n' "$token" | "$TEAMCTL_BIN" --config "$TEAM_CONF" grant add - >&2
}

# Unique test user with a shell and a home; removed at exit.
# fixture_add_user NAME
fixture_add_user() {
        local name=$1
        if getent passwd "$name" >/dev/null; then
                fixture_fail "user $name already exists"
        fi
        useradd --create-home --shell /bin/sh --user-group "$name" \
                || fixture_fail "useradd $name"
        fixture_on_cleanup userdel --remove --force "$name"
        # "*": no password, but not locked ("!"), so sshd accepts a key.
        usermod --password '*' "$name" || fixture_fail "usermod $name"
}

# check_contains LABEL TEXT PATTERN: fails the test when the extended regex
# PATTERN does not match TEXT.
check_contains() {
        if ! printf '%s' "$2" | grep -Eq -- "$3"; then
                fixture_log "output was: $2"
                fixture_fail "$1: expected /$3/"
        fi
}
