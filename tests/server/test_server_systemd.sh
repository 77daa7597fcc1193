#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# team-server under a real systemd (PID 1 in a systemd-nspawn container):
# the hardened systemd/team-server.service must still let it work
# (Type=notify READY=1 and STATUS=, its own user team-server made by
# systemd-sysusers owning StateDirectory and the database even after
# "team-server admin" ran as root, no capabilities,
# system call filter, MemoryDenyWriteExecute), a request is served and
# journaled, SIGTERM stops it with exit 0, a bad config exits 78 without a
# restart loop, and systemd-analyze security rates the unit <= 2.5.
#
# Needs root, systemd-nspawn and the Debian root of tests/teamd/test_systemd.sh
# ($TEAM_NSPAWN_ROOT, default /var/tmp/pam_team-nspawn-root); this test
# works on its own copy ($TEAM_SERVER_NSPAWN_ROOT, default
# /var/tmp/team-server-nspawn-root, made once) plus libmicrohttpd from
# this machine, and skips when neither exists.
set -uo pipefail

. "${top_srcdir:-${top_builddir:?run through make check}}/tests/lib/nspawn.sh"
nspawn_require server/team-server tools/team-sign-grant systemd/team-server.service
CURL=${CURL_PROG:-$(command -v curl || true)}
[ -n "$CURL" ] || skip "needs curl"

root=${TEAM_SERVER_NSPAWN_ROOT:-/var/tmp/team-server-nspawn-root}
# (while no test boots the base root: it holds the base's lock meanwhile)
copy_base_root() { flock -w 1800 "$2.lock" cp -a --reflink=auto "$2/." "$1/"; }
if [ ! -x "$root/lib/systemd/systemd" ]; then
        base=$(nspawn_base_root) || exit $?
        nspawn_make_root "$root" copy_base_root "$base"
fi
nspawn_hold "$root"
# Libraries team-server needs that the minimal root lacks (same Debian).
libdir=$root/usr/lib/x86_64-linux-gnu
for lib in $(ldd "$top_builddir/server/team-server" | awk '/=> \//{print $3}'); do
        b=${lib##*/}
        [ -e "$libdir/$b" ] || [ -e "$root/lib/x86_64-linux-gnu/$b" ] || cp -L "$lib" "$libdir/" || fail "copy $lib"
done

PORT=$("${PYTHON3:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null) ||
        PORT=18750
API=http://127.0.0.1:$PORT

# Install this build (overwriting the last run's), a key, policy, config.
install -D -m 0755 "$top_builddir/server/team-server" "$root/usr/local/sbin/team-server"
sed 's|^ExecStart=[^ ]*/team-server |ExecStart=/usr/local/sbin/team-server |' \
        "$top_builddir/systemd/team-server.service" >"$root/etc/systemd/system/team-server.service"
rm -rf "$root/var/lib/team-server" "$root/etc/team"
nspawn_forget_units "$root" 'team*'
install -d -m 0700 "$root/etc/team/signing-keys"
"$top_builddir/tools/team-sign-grant" keygen --private "$root/etc/team/signing-keys/k1.pem" \
        --public "$root/etc/team/k1.pub.pem" >/dev/null || fail keygen
chmod 0600 "$root/etc/team/signing-keys/k1.pem"
printf '[role sudo]\napprover_groups = sre\nrequester_groups = dev\n' >"$root/etc/team/policy.conf"
printf '[server]\nlisten = 127.0.0.1:%s\n' "$PORT" >"$root/etc/team/team-server.conf"
install -D -m 0644 "$top_srcdir/systemd/team-server.sysusers" "$root/usr/lib/sysusers.d/team-server.conf"

# The container shares this machine's network, so curl reaches it here.
nspawn_boot "$root"
show() { ct systemctl show team-server -p "$1" --value; }

# Its own user: made by sysusers, owning its keys; the config stays root's.
ct systemd-sysusers || fail "systemd-sysusers"
ct chown -R team-server:team-server /etc/team/signing-keys
ct chown root:team-server /etc/team/team-server.conf /etc/team/policy.conf
ct chmod 0640 /etc/team/team-server.conf /etc/team/policy.conf

# Type=notify: start returns once READY=1 came; STATUS= names the address.
ct systemctl start team-server || fail "systemctl start: $(ct journalctl -u team-server -o cat --no-pager | tail -5)"
[ "$(show ActiveState)" = active ] || fail "not active"
contains "STATUS=" "$(show StatusText)" "^listening on 127.0.0.1:$PORT"
[ "$(ct stat -c %a /var/lib/team-server)" = 700 ] || fail "state dir mode"
[ "$(ct stat -c %U "/proc/$(show MainPID)")" = team-server ] || fail "team-server does not run as its own user"
[ "$(ct stat -L -c %U /var/lib/team-server)" = team-server ] || fail "the state directory is not team-server's"

# It works inside the sandbox: admin, a request, the database 0600.
ALICE=$(ct team-server --config /etc/team/team-server.conf admin user add alice --groups dev | tail -n 1)
[[ $ALICE == tm_* ]] || fail "admin user add: $ALICE"
out=$("$CURL" -sS "$API/healthz") || fail "healthz"
contains "healthz" "$out" '"status":"ok"'
out=$("$CURL" -sS -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' \
        -d '{"role":"sudo","host":"any","duration":600,"reason":"nspawn check"}' "$API/v1/requests") || fail "POST"
contains "request filed or refused as JSON" "$out" '"(id|error)":'
[ "$(ct stat -c %a /var/lib/team-server/team.db)" = 600 ] || fail "team.db mode"
[ "$(ct stat -c %U /var/lib/team-server/team.db)" = team-server ] || fail "admin as root left team.db to root"
out=$("$CURL" -sS "$API/v1/keys")
contains "keys" "$out" '"kid":"k1"'

# A clean stop is exit 0.
ct systemctl stop team-server
[ "$(show ExecMainStatus)" = 0 ] || fail "stop: exit status $(show ExecMainStatus)"
contains "stop logged" "$(ct journalctl -u team-server -o cat --no-pager)" "stopped"

# A bad config: exit 78, no restart loop.
printf '[server]\nbogus = 1\n' >"$root/etc/team/team-server.conf"
ct systemctl start team-server >/dev/null 2>&1
sleep 2
[ "$(show ExecMainStatus)" = 78 ] || fail "bad config: exit status $(show ExecMainStatus)"
[ "$(show NRestarts)" = 0 ] || fail "restarted after exit 78"
contains "config error in the journal" "$(ct journalctl -u team-server -o cat --no-pager)" \
        "team-server.conf:2: \[server\] bogus"

out=$(nspawn_exposure team-server.service) || exit $?
echo "PASS: ${0##*/} (exposure $out)"
