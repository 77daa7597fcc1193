#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# An SSH login ended with its grant through logind: a real sshd under a real
# systemd + logind (PID 1 in a systemd-nspawn container) takes a public-key
# login whose PAM stack has pam_systemd before pam_team's session line, so
# the session is a logind session led by sshd; teamd records it as held by
# logind and, at the grant's exp, ends it with TerminateSession. The client
# on this side sees its connection closed; logind no longer lists the
# session; the journal says SessionTerminated "through its logind".
#
# Needs root, systemd-nspawn, ssh and ssh-keygen here, and the container
# root of tests/lib/nspawn.sh with openssh-server in it (TEAM_NSPAWN_BOOTSTRAP=1
# makes one; an older cached root without sshd makes the test skip).
set -uo pipefail

. "${top_srcdir:-${top_builddir:?run through make check}}/tests/lib/nspawn.sh"
nspawn_require teamd/teamd teamctl/teamctl tools/team-sign-grant systemd/teamd.service systemd/tmpfiles/teamd.conf \
        pam_team/.libs/pam_team.so
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || skip "ssh or ssh-keygen is missing (openssh-client)"
root=$(nspawn_base_root) || exit $?
nspawn_hold "$root"
[ -x "$root/usr/sbin/sshd" ] ||
        skip "the container root $root has no sshd: it predates openssh-server in tests/lib/nspawn.sh; remove it and run with TEAM_NSPAWN_BOOTSTRAP=1"

tmp=$(mktemp -d "/tmp/${0##*/}.XXXXXX") || fail "mktemp"
ssh_pid=
# The container's own PAM file for sshd is kept aside and put back whatever
# happens; nspawn_boot's trap stops the container.
restore() {
        [ -n "$ssh_pid" ] && kill "$ssh_pid" 2>/dev/null
        [ -e "$root/etc/pam.d/sshd.teamtest-orig" ] && cp -p "$root/etc/pam.d/sshd.teamtest-orig" "$root/etc/pam.d/sshd"
        rm -rf "$tmp"
}

nspawn_install_teamd "$root" nspawn-ssh1
[ -e "$root/etc/pam.d/sshd.teamtest-orig" ] || cp -p "$root/etc/pam.d/sshd" "$root/etc/pam.d/sshd.teamtest-orig"
cat >"$root/etc/pam.d/sshd" <<'EOPAM'
account  required   /usr/local/lib/security/pam_team.so role=ssh
account  required   pam_unix.so
session  required   pam_unix.so
session  required   pam_systemd.so
session  required   /usr/local/lib/security/pam_team.so role=ssh
EOPAM
# The packaged sshd on port 22 would clash with this machine's (the
# container shares its network); the test runs its own on a free port.
chroot "$root" systemctl disable ssh.service ssh.socket >/dev/null 2>&1
chroot "$root" id tester >/dev/null 2>&1 || chroot "$root" useradd -m -s /bin/sh tester || fail "useradd"
chroot "$root" usermod -p '*' tester || fail "usermod"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/key" || fail "ssh-keygen"
install -d -m 0700 "$root/home/tester/.ssh"
install -m 0600 "$tmp/key.pub" "$root/home/tester/.ssh/authorized_keys"
chroot "$root" chown -R tester: /home/tester/.ssh || fail "chown"

nspawn_boot "$root"
trap 'restore; nspawn_cleanup' EXIT

port=$((20000 + $$ % 20000))
ct systemd-run --quiet --unit=teamtest-sshd -p RuntimeDirectory=sshd /usr/sbin/sshd -D -e -p "$port" \
        -o ListenAddress=127.0.0.1 -o UsePAM=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
        -o PidFile=none || fail "cannot start sshd in the container"
for ((i = 0; i < 100; i++)); do
        ct systemctl is-active -q teamtest-sshd && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
done
ct systemctl is-active -q teamtest-sshd || fail "sshd did not start: $(ct journalctl -b -u teamtest-sshd -o cat --no-pager | tail -n 5)"

# Without a grant the login is refused in the account phase.
out=$(timeout 60 ssh -F /dev/null -i "$tmp/key" -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR tester@127.0.0.1 true 2>&1) &&
        fail "logged in without a grant: $out"

# With a grant of 20 s the login is let in and held by logind.
out=$(ct sh -c 'team-sign-grant sign --key /root/k.key --kid k1 --sub tester --aud nspawn-ssh1 --role ssh --for 20 --reason logind-test | teamctl grant add -') \
        || fail "grant add: $out"
timeout 120 ssh -F /dev/null -i "$tmp/key" -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR tester@127.0.0.1 'echo logged-in; exec sleep 600' \
        >"$tmp/ssh.out" 2>&1 </dev/null &
ssh_pid=$!
for ((i = 0; i < 300; i++)); do
        grep -q logged-in "$tmp/ssh.out" && break
        kill -0 "$ssh_pid" 2>/dev/null || break
        sleep 0.1
done
grep -q logged-in "$tmp/ssh.out" || fail "the login with a grant failed: $(cat "$tmp/ssh.out"); $(ct journalctl -b -t teamd -o cat --no-pager | tail -n 5)"
out=$(ct teamctl sessions) || fail "teamctl sessions: $out"
contains "the session is held by logind" "$out" "logind"
contains "logind has the session" "$(ct loginctl list-sessions --no-legend)" "tester"

# At the grant's exp the connection ends: teamd asked logind to terminate it.
for ((i = 0; i < 600; i++)); do
        kill -0 "$ssh_pid" 2>/dev/null || break
        sleep 0.1
done
kill -0 "$ssh_pid" 2>/dev/null && fail "the SSH session outlived its grant by 40 s: $(ct teamctl sessions)"
ssh_pid=
nspawn_expect_event SessionTerminated "SessionTerminated through logind" "through its logind"
for ((i = 0; i < 100; i++)); do
        grep -q tester <<<"$(ct loginctl list-sessions --no-legend)" || break
        sleep 0.1
done
grep -q tester <<<"$(ct loginctl list-sessions --no-legend)" && fail "logind still lists the session"
echo "PASS: ${0##*/}"
