#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# teamd under a real systemd (PID 1 in a systemd-nspawn container): started
# at boot when enabled, socket activation with named fds, Type=notify and STATUS=, the watchdog, the
# hardened unit (teamd must still work inside it), journald fields and the
# message catalog, clean stop and re-activation, exit 78 not restarted,
# and an elevated session held in a transient team-<id>.scope (runuser on a
# PAM service with session required pam_team.so) ended by KillUnit when its
# grant expires.
#
# Needs root, systemd-nspawn and a Debian root directory at
# $TEAM_NSPAWN_ROOT (default /var/tmp/pam_team-nspawn-root). With
# TEAM_NSPAWN_BOOTSTRAP=1 the test makes it with debootstrap (network, ~2
# min); otherwise it skips when the directory is missing.
set -uo pipefail

. "${top_srcdir:-${top_builddir:?run through make check}}/tests/lib/nspawn.sh"
nspawn_require teamd/teamd teamctl/teamctl tools/team-sign-grant systemd/teamd.service systemd/tmpfiles/teamd.conf \
        pam_team/.libs/pam_team.so
root=$(nspawn_base_root) || exit $?
nspawn_hold "$root"

nspawn_install_teamd "$root" nspawn1
# runuser's PAM service gates its session with pam_team (the container's own
# file, kept aside and put back at the end of every run).
[ -e "$root/etc/pam.d/runuser.teamtest-orig" ] || cp -p "$root/etc/pam.d/runuser" "$root/etc/pam.d/runuser.teamtest-orig"
cat >"$root/etc/pam.d/runuser" <<'EOPAM'
auth     sufficient pam_rootok.so
session  required   /usr/local/lib/security/pam_team.so role=sudo
session  required   pam_unix.so
EOPAM

nspawn_boot "$root"
show() { ct systemctl show teamd -p "$1" --value; }

ct systemctl is-active -q teamd.socket teamd-user.socket || fail "sockets not listening"
[ "$(ct stat -c %a /run/teamd/teamd.sock)" = 600 ] || fail "root socket mode"
[ "$(ct stat -c %a /run/teamd/user.sock)" = 666 ] || fail "user socket mode"

# teamd starts at boot, before any connection (the sync must not wait for
# the first sudo), and says READY=1 and STATUS=.
for ((i = 0; i < 300; i++)); do
        [ "$(show ActiveState)" = active ] && break
        sleep 0.1
done
[ "$(show ActiveState)" = active ] || fail "teamd not started at boot (ActiveState=$(show ActiveState))"
out=$(ct teamctl status) || fail "teamctl status: $out"
contains "status" "$out" "host: +nspawn1"
[ "$(show ActiveState)" = active ] || fail "teamd not active after activation"
contains "STATUS=" "$(show StatusText)" "^0 grants, api "
[ "$(show WatchdogUSec)" = 30s ] || fail "WatchdogUSec=$(show WatchdogUSec)"
out=$(ct journalctl -b -u teamd -o cat --no-pager)
contains "activated sockets" "$out" "activated sockets /run/teamd/teamd.sock and /run/teamd/user.sock"

# Grants work inside the sandbox; the store is private.
out=$(ct sh -c 'team-sign-grant sign --key /root/k.key --kid k1 --sub nobody --aud nspawn1 --role sudo --for 1h --reason unit-test | teamctl grant add -') \
        || fail "grant add: $out"
contains "StatusText after grant" "$(show StatusText)" "^1 grants"
out=$(ct setpriv --reuid=nobody --regid=nogroup --clear-groups teamctl status) || fail "user status: $out"
contains "user sees own grant" "$out" "unit-test"
[ "$(ct stat -c %a /var/lib/teamd)" = 700 ] || fail "state dir mode"
[ "$(ct stat -c %a /var/lib/teamd/grants.db)" = 600 ] || fail "grants.db mode"
[ "$(ct stat -c %u /var/lib/teamd/grants.db)" = 0 ] || fail "grants.db owner"

# journald: structured fields and the catalog.
ct journalctl --update-catalog
out=$(ct journalctl -b -t teamd TEAM_EVENT=GrantReceived -o export --no-pager)
contains "MESSAGE_ID" "$out" "MESSAGE_ID=b89db6ea7d0b45e1b087cfc185aef1eb"
contains "TEAM_USER" "$out" "TEAM_USER=nobody"
if printf '%s' "$out" | grep -q '^CODE_FILE='; then fail "entries carry teamd's own source location"; fi
out=$(ct journalctl -b -x -t teamd TEAM_EVENT=GrantReceived --no-pager)
contains "catalog" "$out" "Subject: Grant received: nobody may use sudo on nspawn1"

# A clean stop is exit 0; the sockets stay and start teamd again.
ct systemctl stop teamd
[ "$(show ExecMainStatus)" = 0 ] || fail "stop: exit status $(show ExecMainStatus)"
ct test -S /run/teamd/teamd.sock || fail "socket gone after stop"
ct teamctl status >/dev/null || fail "re-activation after stop"
[ "$(show ActiveState)" = active ] || fail "not re-activated"

# An elevated session is held in team-<id>.scope and ended at its grant's
# exp, setsid'd child included. runuser records the session for PAM_RUSER
# (root), as sudo does for the invoking user.
out=$(ct sh -c 'team-sign-grant sign --key /root/k.key --kid k1 --sub root --aud nspawn1 --role sudo --for 6 --reason scope-test | teamctl grant add -') \
        || fail "grant add (scope): $out"
# The container has no procps: its processes are counted from this side.
tag=7$$
ct setsid runuser -u nobody -- sh -c "sleep ${tag}1 & setsid sleep ${tag}2 & wait" </dev/null >/dev/null 2>&1 &
for ((i = 0; i < 100; i++)); do
        [ "$(pgrep -c -f "^sleep ${tag}[12]\$")" = 2 ] && break
        sleep 0.1
done
[ "$(pgrep -c -f "^sleep ${tag}[12]\$")" = 2 ] || fail "the runuser session's sleeps did not start"
scope=$(ct systemctl list-units --type=scope --no-legend --plain 'team-*.scope' | awk '{ print $1 }' | head -n 1)
[ -n "$scope" ] || fail "no team-*.scope: $(ct journalctl -b -u teamd -o cat --no-pager | tail -n 5)"
contains "scope in team.slice" "$(ct systemctl show "$scope" -p Slice --value)" "^team.slice$"
contains "both sleeps in the scope" "$(ct systemd-cgls --no-pager -u "$scope")" "sleep ${tag}2"
for ((i = 0; i < 300; i++)); do
        [ "$(pgrep -c -f "^sleep ${tag}[12]\$")" = 0 ] && break
        sleep 0.1
done
[ "$(pgrep -c -f "^sleep ${tag}[12]\$")" = 0 ] || fail "the scope's processes survived the grant's exp"
nspawn_expect_event SessionTerminated "SessionTerminated through the scope" "through its scope"
cp -p "$root/etc/pam.d/runuser.teamtest-orig" "$root/etc/pam.d/runuser"

# A bad config: exit 78, no restart loop.
printf '[teamd]\nbogus = 1\n' >"$root/etc/team/teamd.conf"
ct systemctl restart teamd >/dev/null 2>&1
sleep 2
[ "$(show ExecMainStatus)" = 78 ] || fail "bad config: exit status $(show ExecMainStatus)"
[ "$(show NRestarts)" = 0 ] || fail "restarted after exit 78"
contains "config error in the journal" "$(ct journalctl -b -u teamd -o cat --no-pager)" "teamd.conf:2: \[teamd\] bogus"

out=$(nspawn_exposure teamd.service) || exit $?
echo "PASS: ${0##*/} (exposure $out)"
