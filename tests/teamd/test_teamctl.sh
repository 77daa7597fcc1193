#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# teamd + teamctl end to end on temporary sockets: grant add, status (human
# and --json), the rejections (bad signature, unknown key, other host,
# expired), what a non-root user may see and do, exit codes, a bad config
# (exit 78 naming FILE:LINE) and a clean SIGTERM (exit 0).
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: ${0##*/} needs root (it runs teamd and switches to the user nobody)" >&2
        exit 77
fi
: "${top_builddir:?run through make check}"
# shellcheck source=tests/lib/teamd_fixture.sh
. "${top_srcdir:-$top_builddir}/tests/lib/teamd_fixture.sh"
fixture_require_built
fixture_require_programs runuser
getent passwd nobody >/dev/null || fixture_skip "no user nobody"

fixture_init
fixture_make_traversable
chmod 0644 "$TEAM_CONF"
teamctl() { "$TEAMCTL_BIN" --config "$TEAM_CONF" "$@"; }
as_nobody() { runuser -u nobody -- "$TEAMCTL_BIN" --config "$TEAM_CONF" "$@"; }
expect_rc() { # LABEL WANT GOT
        [ "$3" -eq "$2" ] || fixture_fail "$1: exit status $3, expected $2"
}

# --- a bad config: exit 78 with FILE:LINE: key: why, nothing started ---
bad=$TEAM_TMP/bad.conf
printf '[teamd]\nhost_id = h1\nclock_skew = banana\n' >"$bad"
out=$("$TEAMD_BIN" --config "$bad" --foreground 2>&1); rc=$?
expect_rc "bad config" 78 "$rc"
check_contains "bad config names file, line and key" "$out" "bad.conf:3:.*clock_skew"
printf '[teamd]\nno_such_key = 1\n' >"$bad"
out=$("$TEAMD_BIN" --config "$bad" --foreground 2>&1); rc=$?
expect_rc "unknown key" 78 "$rc"
check_contains "unknown key named" "$out" "bad.conf:2:.*no_such_key"
"$TEAMD_BIN" --bogus >/dev/null 2>&1; expect_rc "teamd bad option" 64 $?

# --- teamctl without teamd: 69 and a hint ---
out=$("$TEAMCTL_BIN" --socket "$TEAM_TMP/nothing.sock" status 2>&1); rc=$?
expect_rc "teamd down" 69 "$rc"
check_contains "teamd down says what to check" "$out" "is teamd running"
"$TEAMCTL_BIN" frobnicate >/dev/null 2>&1; expect_rc "unknown verb" 2 $?
"$TEAMCTL_BIN" grant >/dev/null 2>&1; expect_rc "grant without add" 2 $?
out=$("$TEAMCTL_BIN" help grant); expect_rc "help grant" 0 $?
check_contains "help grant" "$out" "grant add FILE"
out=$("$TEAMCTL_BIN" --config "$bad" status 2>&1); expect_rc "teamctl bad config" 78 $?

# --- a socket served by someone other than root is not teamd ---
mkdir -m 1777 "$TEAM_TMP/fake"
setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen()
c, _ = s.accept(); time.sleep(1)' "$TEAM_TMP/fake/teamd.sock" &
for ((i = 0; i < 50; i++)); do [ -S "$TEAM_TMP/fake/teamd.sock" ] && break; sleep 0.1; done
out=$("$TEAMCTL_BIN" --socket "$TEAM_TMP/fake/teamd.sock" status 2>&1); expect_rc "fake teamd" 69 $?
check_contains "fake teamd refused" "$out" "not root's"
wait

# --- who may write teamd.conf or the socket directory decides who gets root ---
cp "$TEAM_CONF" "$TEAM_TMP/gw.conf"
chmod 0664 "$TEAM_TMP/gw.conf"
out=$(timeout 10 "$TEAMD_BIN" --config "$TEAM_TMP/gw.conf" --foreground 2>&1 </dev/null); rc=$?
expect_rc "group-writable teamd.conf" 78 "$rc"
check_contains "group-writable teamd.conf named" "$out" "gw.conf: writable by its group"
mkdir -m 0775 "$TEAM_TMP/gwrun"
sed "s|^socket = .*|socket = $TEAM_TMP/gwrun/teamd.sock|" "$TEAM_CONF" >"$TEAM_TMP/gwsock.conf"
out=$(timeout 10 "$TEAMD_BIN" --config "$TEAM_TMP/gwsock.conf" --foreground 2>&1 </dev/null); rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fixture_fail "teamd started with a group-writable socket directory ($rc): $out"
check_contains "group-writable socket directory named" "$out" "socket directory $TEAM_TMP/gwrun must be owned by uid 0"
[ ! -e "$TEAM_TMP/gwrun/teamd.sock" ] || fixture_fail "teamd listened in a group-writable directory"

# --- start; both sockets with the right modes ---
start_teamd || fixture_fail "teamd did not start"
[ "$(stat -c %a "$TEAM_SOCK")" = 600 ] || fixture_fail "root socket mode $(stat -c %a "$TEAM_SOCK")"
[ "$(stat -c %a "$TEAM_USER_SOCK")" = 666 ] || fixture_fail "user socket mode $(stat -c %a "$TEAM_USER_SOCK")"
grep -q "DaemonStarted" "$TEAMD_LOG" || fixture_fail "no DaemonStarted event"

out=$(teamctl status); expect_rc "status (empty)" 0 $?
check_contains "status: host" "$out" "host: +$TEAM_HOST"
check_contains "status: api" "$out" "api: +not configured"
check_contains "status: no grants" "$out" "grants: +none"

# --- grant add ---
jti=tc-root-$$
out=$(sign_grant root sudo --for 1h --jti "$jti" --reason "INC-4711 disk full" | teamctl grant add -); rc=$?
expect_rc "grant add" 0 "$rc"
check_contains "grant add message" "$out" "^grant $jti for sudo on $TEAM_HOST until .* stored"
grep -q "GrantReceived.*TEAM_GRANT_ID=$jti" "$TEAMD_LOG" || fixture_fail "no GrantReceived event"
# The same token again is fine (idempotent).
tok=$TEAM_TMP/root.jws
sign_grant root ssh --for 2h --jti "tc-file-$$" >"$tok"
teamctl grant add "$tok" >/dev/null; expect_rc "grant add FILE" 0 $?
teamctl grant add "$tok" >/dev/null; expect_rc "grant add again" 0 $?

out=$(teamctl status); expect_rc "status" 0 $?
check_contains "status lists the grant" "$out" "$jti +sudo"
check_contains "status shows the reason" "$out" "INC-4711 disk full"
check_contains "status shows time left" "$out" "in (59m|1h)"
out=$(teamctl status --json); expect_rc "status --json" 0 $?
check_contains "json ok" "$out" '"ok": ?true'
check_contains "json grant" "$out" "\"id\": ?\"$jti\""
out=$(teamctl --json status); expect_rc "--json before the verb" 0 $?
check_contains "json host" "$out" "\"host_id\": ?\"$TEAM_HOST\""

# --- rejections: exit 1 with teamd's reason ---
"$SIGNER_BIN" keygen --private "$TEAM_TMP/other.key" --public "$TEAM_TMP/other.pem" || fixture_fail keygen
out=$("$SIGNER_BIN" sign --key "$TEAM_TMP/other.key" --kid "$TEAM_KID" --sub root --aud "$TEAM_HOST" --role sudo |
        teamctl grant add - 2>&1); expect_rc "bad signature" 1 $?
check_contains "bad signature" "$out" "signature"
out=$("$SIGNER_BIN" sign --key "$TEAM_TMP/other.key" --kid nosuchkey --sub root --aud "$TEAM_HOST" --role sudo |
        teamctl grant add - 2>&1); expect_rc "unknown kid" 1 $?
check_contains "unknown kid" "$out" "not in $TEAM_TMP/keys"
out=$("$SIGNER_BIN" sign --key "$TEAM_KEY" --kid "$TEAM_KID" --sub root --aud other-host --role sudo |
        teamctl grant add - 2>&1); expect_rc "other host" 1 $?
check_contains "other host" "$out" "not for this host"
out=$(sign_grant root sudo --nbf now-2h --exp now-1h | teamctl grant add - 2>&1); expect_rc "expired" 1 $?
check_contains "expired" "$out" "expired"
out=$(echo "not.a.jws" | teamctl grant add - 2>&1); expect_rc "garbage" 1 $?
check_contains "garbage" "$out" "rejected"
out=$(sign_grant root sudo --for 1h --jti "$jti" | teamctl grant add - 2>&1); expect_rc "same jti, other token" 1 $?
check_contains "same jti" "$out" "already stored"
grep -q "GrantRejected" "$TEAMD_LOG" || fixture_fail "no GrantRejected event"
out=$(teamctl status)
if printf '%s' "$out" | grep -q "other-host"; then fixture_fail "a rejected grant was stored"; fi

# --- a user: own grants only, no grant add ---
sign_grant nobody sudo --for 30m --jti "tc-nobody-$$" | teamctl grant add - >/dev/null || fixture_fail "grant for nobody"
out=$(as_nobody status); expect_rc "nobody status" 0 $?
check_contains "nobody sees own grant" "$out" "tc-nobody-$$"
if printf '%s' "$out" | grep -q "$jti"; then fixture_fail "nobody sees root's grant"; fi
out=$(as_nobody status --json); expect_rc "nobody status --json" 0 $?
check_contains "nobody json" "$out" "tc-nobody-$$"
out=$(sign_grant nobody sudo --for 1h | as_nobody grant add - 2>&1); expect_rc "nobody grant add" 1 $?
check_contains "nobody grant add refused" "$out" "root socket"
out=$(sign_grant nobody sudo --for 1h | runuser -u nobody -- "$TEAMCTL_BIN" --socket "$TEAM_SOCK" grant add - 2>&1)
expect_rc "nobody on the root socket" 69 $?
check_contains "nobody on the root socket" "$out" "for root"

# --- status always fits one answer; reasons cannot drive a terminal ---
getent passwd daemon >/dev/null || fixture_fail "no user daemon"
out=$(sign_grant daemon sudo --for 1h --jti "ctl-$$" --reason "$(printf 'a\tb\033[31mc')" | teamctl grant add - 2>&1)
expect_rc "control characters in the reason" 1 $?
long=$(printf 'x%.0s' $(seq 1000))
for i in $(seq 1 40); do
        sign_grant daemon sudo --nbf "now+${i}m" --for 1h --jti "bulk-$i-$$" --reason "$long" >>"$TEAM_TMP/bulk"
done
while read -r t; do printf '%s\n' "$t" | teamctl grant add - >/dev/null || fixture_fail "bulk grant add"; done <"$TEAM_TMP/bulk"
out=$(setpriv --reuid=daemon --regid=daemon --clear-groups "$TEAMCTL_BIN" --config "$TEAM_CONF" status); rc=$?
expect_rc "status with 41 long grants" 0 "$rc"
[ "$(printf '%s\n' "$out" | grep -c "bulk-")" -ge 20 ] || fixture_fail "status lists too few grants: $out"

# --- SIGTERM: exit 0, sockets gone ---
stop_teamd; expect_rc "SIGTERM" 0 $?
[ ! -e "$TEAM_SOCK" ] || fixture_fail "root socket left behind"
[ ! -e "$TEAM_USER_SOCK" ] || fixture_fail "user socket left behind"

# --- the store survives a restart; a stale socket file is replaced ---
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$TEAM_SOCK" 2>/dev/null || true
start_teamd || fixture_fail "teamd did not restart over a stale socket"
out=$(teamctl status); check_contains "grant kept across restart" "$out" "$jti"
stop_teamd; expect_rc "SIGTERM after restart" 0 $?
# --- socket activation: fds named priv and user (as teamd.socket passes) ---
if command -v systemd-socket-activate >/dev/null 2>&1; then
        act=$TEAM_TMP/act
        mkdir -m 0755 "$act"
        systemd-socket-activate -l "$act/priv.sock" -l "$act/user.sock" --fdname=priv:user \
                "$TEAMD_BIN" --config "$TEAM_CONF" --foreground >>"$TEAMD_LOG" 2>&1 &
        TEAMD_PID=$!
        for ((i = 0; i < 50; i++)); do [ -S "$act/user.sock" ] && break; sleep 0.1; done
        chmod 0666 "$act/user.sock"
        out=$("$TEAMCTL_BIN" --socket "$act/priv.sock" status); expect_rc "activated: status" 0 $?
        check_contains "activated: root's grants" "$out" "$jti"
        out=$(runuser -u nobody -- "$TEAMCTL_BIN" --socket "$act/user.sock" status); expect_rc "activated: user" 0 $?
        check_contains "activated: nobody's grants" "$out" "tc-nobody-$$"
        grep -q "activated sockets $act/priv.sock and $act/user.sock" "$TEAMD_LOG" || fixture_fail "teamd did not use the activated sockets"
        stop_teamd; expect_rc "SIGTERM (activated)" 0 $?
fi
echo "PASS: ${0##*/}"
