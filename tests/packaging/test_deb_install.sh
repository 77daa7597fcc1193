#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian packages in a fresh container (systemd as PID 1, from the
# cached root of tests/lib/nspawn.sh, copied so the shared one stays as it
# is): they install with nothing started and no PAM change; team-server
# runs as its system user in the hardened unit once it has a key; the steps of
# docs/deploy.md (a pinned key, pam-auth-update --enable team, the sockets
# started) put a real sudo behind pam_team: refused without a grant,
# allowed with one; an upgrade keeps configuration and grant; apt-get purge
# leaves no file behind.
#   tests/packaging/test_deb_install.sh DEBDIR    # the .debs of tools/build-deb.sh
# Needs root, systemd-nspawn, the container root and tools/team-sign-grant
# built in $top_builddir (default _build/default); skips (77) otherwise.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=${top_builddir:-$top/_build/default}
. "$top/tests/lib/nspawn.sh"
debs=${1:?usage: $0 DEBDIR}
[ "$(id -u)" -eq 0 ] || skip "needs root (boots a container)"
command -v systemd-nspawn >/dev/null 2>&1 || skip "systemd-nspawn is missing (apt-get install systemd-container)"
ls "$debs"/libpam-team_*.deb "$debs"/teamd_*.deb "$debs"/teamctl_*.deb "$debs"/team-server_*.deb >/dev/null 2>&1 ||
        skip "no packages in $debs (tools/build-deb.sh builds them)"
signer=$top_builddir/tools/team-sign-grant
[ -x "$signer" ] || skip "$signer is not built"
base=$(nspawn_base_root) || exit $?

work=$(mktemp -d "/var/tmp/${0##*/}.XXXXXX") || fail mktemp
root=$work/root

# In a subshell: its EXIT trap (nspawn.sh) stops the container, then the
# copy of the root is removed.
run_test() {
cp -a "$base" "$root" || fail "copy of $base"
# tests/teamd/test_systemd.sh installs a build into the shared root and boots
# it there: the packages must meet a root without any of that.
rm -rf "$root/usr/local/sbin/teamd" "$root/usr/local/bin/teamctl" "$root/usr/local/bin/team-sign-grant" \
        "$root/usr/local/lib/security" "$root/etc/systemd/system/teamd.service" \
        "$root/etc/systemd/system/teamd.socket" "$root/etc/systemd/system/teamd-user.socket" \
        "$root"/etc/systemd/system/*.wants/teamd* "$root/usr/lib/systemd/catalog/teamd.catalog" \
        "$root/usr/lib/tmpfiles.d/teamd.conf" "$root/etc/team" "$root/var/lib/teamd" \
        "$root/var/spool/teamd" "$root/run/teamd" "$root/root/k.key"
rmdir "$root"/etc/systemd/system/*.wants 2>/dev/null   # only those left empty
if [ -e "$root/etc/pam.d/runuser.teamtest-orig" ]; then
        mv "$root/etc/pam.d/runuser.teamtest-orig" "$root/etc/pam.d/runuser"
fi

# sudo and team-server's libmicrohttpd and libpq are not in the base root: the
# host's packages of them.
host_deb() {
        local f
        f=$(find /var/cache/apt/archives -maxdepth 1 -name "$1_*.deb" | sort | tail -1)
        if [ -z "$f" ]; then
                (cd "$work" && apt-get download "$1" >/dev/null 2>&1) || return 1
                f=$(find "$work" -maxdepth 1 -name "$1_*.deb" | sort | tail -1)
        fi
        cp "$f" "$root/var/tmp/deps/"
}
mkdir -p "$root/var/tmp/debs" "$root/var/tmp/deps"
for p in sudo libmicrohttpd12 libpq5; do host_deb "$p" || skip "no $p package (apt-get download $p failed)"; done
cp "$debs"/libpam-team_*.deb "$debs"/teamd_*.deb "$debs"/teamctl_*.deb "$debs"/team-server_*.deb "$root/var/tmp/debs/"

nspawn_boot "$root"

out=$(ct env DEBIAN_FRONTEND=noninteractive sh -c 'dpkg -i /var/tmp/deps/*.deb' 2>&1) || fail "sudo, libmicrohttpd12, libpq5 do not install: $out"
snapshot() {
        ct find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /run \
                -o -path /var/log -o -path /var/cache -o -path /var/lib/dpkg -o -path /var/lib/systemd \
                -o -path /var/lib/apt -o -path /var/tmp -o -path /home \) -prune -o -print | sort
}
# The person who asks (before the snapshot: useradd leaves /etc/subuid-).
ct useradd -m -s /bin/sh debtest-alice || fail useradd
before=$(snapshot)

# Installed: nothing running, nothing gated.
out=$(ct env DEBIAN_FRONTEND=noninteractive sh -c 'dpkg -i /var/tmp/debs/*.deb' 2>&1) || fail "dpkg -i: $out"
[ "$(ct systemctl is-enabled teamd.service)" = enabled ] || fail "teamd.service not enabled"
[ "$(ct systemctl is-enabled teamd.socket)" = enabled ] || fail "teamd.socket not enabled"
[ "$(ct systemctl is-enabled teamd-user.socket)" = enabled ] || fail "teamd-user.socket not enabled"
ct systemctl is-active -q teamd.socket && fail "teamd.socket started at installation"
ct systemctl is-active -q teamd.service && fail "teamd started at installation"
# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
contains "conffile" "$(ct dpkg-query -W -f='${Conffiles}' teamd)" "/etc/team/teamd.conf"
ct test -f /usr/share/pam-configs/team || fail "no pam-auth-update profile"
ct grep -q pam_team /etc/pam.d/common-account && fail "pam_team enabled by default"
ct test -d /etc/team/keys || fail "tmpfiles did not make /etc/team/keys"

# team-server: its system user, nothing enabled; it starts as that user
# in the hardened unit once it has a signing key.
ct getent passwd _team-server >/dev/null || fail "no _team-server user"
ct systemctl is-enabled -q team-server.service && fail "team-server enabled at installation"
ct systemctl is-active -q team-server.service && fail "team-server started at installation"
install -d -m 0700 "$root/var/lib/team-server/signing-keys"
"$signer" keygen --private "$root/var/lib/team-server/signing-keys/s1.pem" --public "$work/s1.pub" || fail "server keygen"
ct chown -R _team-server:_team-server /var/lib/team-server
out=$(ct systemctl start team-server.service 2>&1) || fail "team-server does not start: $out $(ct journalctl -u team-server -o cat --no-pager | tail -5)"
[ "$(ct systemctl show -p User --value team-server.service)" = _team-server ] || fail "team-server not run as _team-server"
[ "$(ct stat -c %U "/proc/$(ct systemctl show -p MainPID --value team-server.service)")" = _team-server ] ||
        fail "team-server's process is not _team-server's"

# docs/deploy.md, "one host": pin the key, name the host, enable, start.
"$signer" keygen --private "$work/k.key" --public "$root/etc/team/keys/k1.pem" || fail keygen
chmod 0644 "$root/etc/team/keys/k1.pem"
ct sed -i 's/^# host_id = .*/host_id = debtest/' /etc/team/teamd.conf
ct pam-auth-update --enable team || fail "pam-auth-update --enable team"
contains "common-account" "$(ct cat /etc/pam.d/common-account)" "pam_team.so role=sudo"
ct systemctl start teamd || fail "teamd does not start"
printf 'debtest-alice ALL=(ALL) NOPASSWD: ALL\n' >"$root/etc/sudoers.d/debtest"
chmod 0440 "$root/etc/sudoers.d/debtest"
as_alice() { ct setpriv --reuid=debtest-alice --regid=debtest-alice --init-groups "$@"; }

out=$(as_alice sudo -n id -u 2>&1) && fail "sudo allowed without a grant: $out"
echo "without a grant: $out"
# common-account is in every service: the profile gates only sudo and sshd.
out=$(ct su -s /bin/sh -c 'echo su-ok' debtest-alice 2>&1) || fail "su (not gated) refused: $out"
contains "su" "$out" "su-ok"
# journald may still be storing the entries of the checks just made; a
# refusal is asked for again now and then (each is one more event).
teamd_entries() { ct journalctl --no-pager -o cat SYSLOG_IDENTIFIER=teamd + _SYSTEMD_UNIT=teamd.service; }
for i in $(seq 120); do
        [ -n "$(teamd_entries)" ] && break
        [ $((i % 20)) -eq 0 ] && as_alice sudo -n true >/dev/null 2>&1
        sleep 0.5
done
[ -n "$(teamd_entries)" ] ||
        fail "teamd wrote nothing to the journal; teamd: $(ct systemctl status --no-pager teamd 2>&1 | head -n 12);" \
                "journald: $(ct systemctl status --no-pager systemd-journald 2>&1 | head -n 8); last entries: $(ct journalctl --no-pager -n 20 2>&1)"

"$signer" sign --key "$work/k.key" --kid k1 --sub debtest-alice --aud debtest --role sudo \
        --for 1h --reason "package test" >"$root/var/tmp/grant" || fail "sign"
out=$(ct sh -c 'teamctl grant add - </var/tmp/grant' 2>&1) || fail "grant add: $out"
out=$(as_alice sudo -n id -u 2>&1) || fail "sudo refused with a grant: $out"
# (sudo may first warn that the container's host name does not resolve.)
[ "$(printf '%s\n' "$out" | tail -n 1)" = 0 ] || fail "sudo with a grant printed: $out"
echo "with a grant: sudo -n id -u = $(printf '%s\n' "$out" | tail -n 1)"

# Upgrade (the same packages again: prerm upgrade, postinst configure):
# the admin's configuration, the PAM profile and the grant stay.
pid_before=$(ct systemctl show -p MainPID --value teamd.service)
out=$(ct env DEBIAN_FRONTEND=noninteractive sh -c 'dpkg -i /var/tmp/debs/*.deb' 2>&1) || fail "upgrade: $out"
ct systemctl is-active -q teamd.socket || fail "teamd.socket stopped by the upgrade"
pid_after=$(ct systemctl show -p MainPID --value teamd.service)
[ "$pid_after" != 0 ] && [ "$pid_after" != "$pid_before" ] || fail "teamd not restarted by the upgrade ($pid_before, $pid_after)"
ct grep -q '^host_id = debtest' /etc/team/teamd.conf || fail "upgrade replaced teamd.conf"
contains "common-account after upgrade" "$(ct cat /etc/pam.d/common-account)" "pam_team.so role=sudo"
out=$(as_alice sudo -n id -u 2>&1) || fail "sudo refused after the upgrade: $out"

# Purge: the PAM lines go first, then every file.
rm -f "$root/etc/sudoers.d/debtest" "$root/var/tmp/grant"
out=$(ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q libpam-team teamd teamctl team-server 2>&1) || fail "purge: $out"
ct grep -q pam_team /etc/pam.d/common-account && fail "pam_team left in common-account after purge"
out=$(ct sudo -n true 2>&1) || fail "root's sudo broken after purge: $out"
left=$(comm -13 <(printf '%s\n' "$before") <(snapshot))
gone=$(comm -23 <(printf '%s\n' "$before") <(snapshot))
[ -z "$left" ] || fail "files left after purge: $left"
[ -z "$gone" ] || fail "files missing after purge: $gone"
# Left on purpose: the _team-server system user (Debian keeps system users).
echo "PASS: ${0##*/}: installed, gated sudo, purged without a trace"
}
(run_test)
rc=$?
rm -rf "$work"
exit $rc
