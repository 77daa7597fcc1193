#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The pam_team story on this machine, in a few seconds after the build:
# team-server (the central approval API, embedded sqlite) and teamd (the
# host agent, syncing grants from the server) on loopback and temporary
# sockets, sudo gated by pam_team.so through a test PAM service. A user is
# refused, asks with teamctl, an approver approves with teamctl, the host
# lets the user in within a second, the approver revokes, the user is
# refused again; then the journald entries of teamd and the audit records of
# team-server.
#
# Run as root on Debian 12: `sudo tools/demo.sh`. It installs the build
# dependencies, builds out of tree into _build/demo, and changes nothing on
# the machine for good: team-server and teamd run with temporary state and a
# throwaway signing key, journald is a private one in a private mount
# namespace, and the demo user, PAM service and sudoers drop-in are removed
# at exit (also on failure). /etc/pam.d/sudo is never touched.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/_build/demo
script=$top/tools/demo.sh

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '    %s\n' "$*"; }
shown() { sed 's/^/    | /'; }
cmd() { printf '    %s$ %s%s\n' "$bold" "$*" "$plain"; }

if [ "$(id -u)" -ne 0 ]; then
        echo "The demo adds a user, a PAM service and a sudoers drop-in, and runs daemons." >&2
        echo "Run it as root: sudo $0" >&2
        exit 1
fi

# Outside the private namespace: dependencies and the build.
if [ "${TEAM_PRIVATE_MOUNT_NS:-}" != "$$" ]; then
        # shellcheck source=tools/deps.sh
        . "$top/tools/deps.sh"
        install_deps build || { echo "demo FAILED: cannot install the build dependencies" >&2; exit 1; }
        say "Building pam_team into $build"
        if [ -f "$top/config.status" ]; then
                echo "demo FAILED: $top was configured in the source tree; run 'make distclean' there first" >&2
                exit 1
        fi
        if [ ! -x "$top/configure" ]; then
                (cd "$top" && autoreconf -fi >/dev/null 2>&1) \
                        || { echo "demo FAILED: autoreconf -fi failed" >&2; exit 1; }
        fi
        mkdir -p "$build" || exit 1
        log=$build/demo-build.log
        # Only what the story runs: the module, the daemon, its client, the
        # central server and the signing tool (for the throwaway key).
        (cd "$build" && { [ -f Makefile ] || "$top/configure" -q; } &&
                make -j"$(nproc 2>/dev/null || echo 2)" pam_team/pam_team.la \
                        teamd/teamd teamctl/teamctl server/team-server tools/team-sign-grant) >"$log" 2>&1 \
                || { tail -n 40 "$log" >&2; echo "demo FAILED: the build failed (log: $log)" >&2; exit 1; }
        note "built (log: $log)"
fi

export top_builddir=$build top_srcdir=$top
# shellcheck source=tests/lib/teamd_fixture.sh
. "$top/tests/lib/teamd_fixture.sh"
# shellcheck source=tests/lib/sudo_service.sh
. "$top/tests/lib/sudo_service.sh"
# shellcheck source=tests/lib/journald_ns.sh
. "$top/tests/lib/journald_ns.sh"
# shellcheck source=tests/lib/server_fixture.sh
. "$top/tests/lib/server_fixture.sh"

# A skip is a failure here: the demo promises to run.
fixture_skip() { echo "demo FAILED: $*" >&2; exit 1; }
fixture_fail() { echo "demo FAILED: $*" >&2; exit 1; }

fixture_require_programs sudo visudo useradd userdel usermod runuser
fixture_require_built "$PAM_TEAM_SO" "$SERVER_BIN"
journald_reexec_private "$script" "$@"

# --- inside the private mount namespace from here on ---------------------
user=alice
getent passwd "$user" >/dev/null && user=teamdemo$$
approver=bob

now_ms() { local t=${EPOCHREALTIME/[.,]/}; printf '%s\n' "$((10#$t / 1000))"; }

# As the requester (a Unix user of this host, token in ~/.config/team/token)
# and as the approver (known only to team-server, token in TEAM_TOKEN):
# teamctl's central verbs. Tokens never appear on a command line.
as_user() {
        runuser -u "$user" -- "$TEAMCTL_BIN" --server "$TEAM_SERVER_URL" "$@" </dev/null 2>&1
}
as_approver() {
        TEAM_TOKEN=$approver_token "$TEAMCTL_BIN" --server "$TEAM_SERVER_URL" "$@" </dev/null 2>&1
}
# shellcheck disable=SC2317 # called through wait_for
sudo_ok() { run_sudo_as "$user" true >/dev/null; }
# shellcheck disable=SC2317 # called through wait_for
sudo_refused() { ! sudo_ok; }

# wait_for WHAT LIMIT_MS COMMAND...: until COMMAND succeeds; prints the time.
wait_for() {
        local what=$1 limit=$2 t0 now
        shift 2
        t0=$(now_ms)
        until "$@"; do
                now=$(now_ms)
                [ $((now - t0)) -le "$limit" ] || fixture_fail "$what: not within $((limit / 1000)) s"
                sleep 0.02
        done
        note "$what after $(($(now_ms) - t0)) ms"
}

fixture_init "$(hostname -s 2>/dev/null || echo demo-host)"
fixture_make_traversable        # so that $user can read teamd.conf and reach user.sock
say "Setting up: a private journald, team-server, teamd, user '$user'"
journald_start
note "journald: private, in a mount namespace (the machine's journal is untouched)"
server_init
start_server || fixture_fail "team-server did not start (log: $TEAM_SERVER_LOG)"
note "team-server: $TEAM_SERVER_URL, sqlite database $TEAM_SERVER_DB"
note "policy: role sudo, at most 1h, one approval from group 'admins'"
user_token=$(server_add_user "$user" dev)
approver_token=$(server_add_user "$approver" admins)
note "people: $user (group dev, the requester), $approver (group admins, the approver); each has a token"
teamd_use_server
note "host: $TEAM_HOST registered; its token is in $TEAM_HOST_TOKEN_FILE (root, 0600)"
fixture_add_user "$user"
home=$(getent passwd "$user" | cut -d: -f6)
if ! { install -d -o "$user" -g "$user" -m 0700 "$home/.config" "$home/.config/team" &&
        (umask 077 && printf '%s\n' "$user_token" >"$home/.config/team/token") &&
        chown "$user:$user" "$home/.config/team/token"; }; then
        fixture_fail "cannot store $user's token"
fi
note "user: $user (no standing sudo; NOPASSWD for this demo, gated by pam_team)"
note "      her team-server token is in ~$user/.config/team/token (0600)"
sudo_service_install "$user"
note "sudoers drop-in: $SUDOERS_DROPIN -> PAM service /etc/pam.d/$SUDO_PAM_SERVICE"
note "PAM line: account required pam_team.so role=sudo socket=$TEAM_SOCK"
start_teamd || fixture_fail "teamd did not start (log: $TEAMD_LOG)"
note "teamd: host_id=$TEAM_HOST, long-polls $TEAM_SERVER_URL for its grants, trusts key '$TEAM_KID'"

say "1. $user has no grant and runs: sudo id -u"
out=$(run_sudo_as "$user" id -u); rc=$?
printf '%s\n' "$out" | shown
[ "$rc" -ne 0 ] || fixture_fail "sudo worked without a grant"
note "refused (exit status $rc), and told how to ask."

say "2. $user asks for sudo on $TEAM_HOST for 10 minutes"
note "(teamctl finds team-server in --server or TEAM_SERVER, her token in ~/.config/team/token)"
cmd "teamctl request sudo --host $TEAM_HOST --for 10m --reason 'INC-4711 disk full'"
out=$(as_user request sudo --host "$TEAM_HOST" --for 10m --reason "INC-4711 disk full"); rc=$?
printf '%s\n' "$out" | shown
[ "$rc" -eq 0 ] || fixture_fail "teamctl request failed (status $rc)"
req=$(printf '%s\n' "$out" | grep -oE 'r_[0-9a-f]{16}' | head -n 1)
[ -n "$req" ] || fixture_fail "teamctl request printed no request id"

say "3. $approver looks at the pending requests and approves"
cmd "teamctl list --pending"
out=$(as_approver list --pending); rc=$?
printf '%s\n' "$out" | shown
[ "$rc" -eq 0 ] || fixture_fail "teamctl list --pending failed (status $rc)"
cmd "teamctl approve $req --comment 'go ahead'"
out=$(as_approver approve "$req" --comment "go ahead"); rc=$?
printf '%s\n' "$out" | shown
[ "$rc" -eq 0 ] || fixture_fail "teamctl approve failed (status $rc)"
grant=$(printf '%s\n' "$out" | grep -oE 'g_[0-9a-f]{16}' | head -n 1)
[ -n "$grant" ] || fixture_fail "teamctl approve printed no grant id"
wait_for "the signed grant reached teamd and sudo opened" 5000 sudo_ok

say "4. $user looks at her grants on the host: teamctl status"
runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" status </dev/null 2>&1 | shown
[ "${PIPESTATUS[0]}" -eq 0 ] || fixture_fail "teamctl status as $user failed"

say "5. $user runs sudo id -u again"
out=$(run_sudo_as "$user" id -u); rc=$?
printf '%s\n' "$out" | shown
{ [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | tail -n 1)" = 0 ]; } \
        || fixture_fail "sudo was refused with an active grant"
note "allowed: she is root for the approved window."

say "6. $approver revokes the grant early"
cmd "teamctl revoke $grant --reason 'disk cleaned up'"
out=$(as_approver revoke "$grant" --reason "disk cleaned up"); rc=$?
printf '%s\n' "$out" | shown
[ "$rc" -eq 0 ] || fixture_fail "teamctl revoke failed (status $rc)"
wait_for "the revocation reached teamd and sudo closed" 5000 sudo_refused

say "7. $user runs sudo id -u after the revocation"
out=$(run_sudo_as "$user" id -u); rc=$?
printf '%s\n' "$out" | shown
[ "$rc" -ne 0 ] || fixture_fail "sudo still worked after the revocation"
note "refused again (exit status $rc)."

stop_teamd || note "(teamd exited with status $?)"
stop_server || note "(team-server exited with status $?)"

# journal_table IDENTIFIER: one line per entry of that program.
journal_table() {
        journalctl --no-pager -o export SYSLOG_IDENTIFIER="$1" | awk '
        BEGIN { OFS = "\037" }
        /^$/ { if (ev != "") print ts, ev, u, r, d, q, g, rs;
               ev = u = r = d = q = g = rs = ""; ts = 0; next }
        { k = $0; sub(/=.*/, "", k); v = substr($0, length(k) + 2) }
        k == "__REALTIME_TIMESTAMP" { ts = int(v / 1000000) }
        k == "TEAM_EVENT" { ev = v }  k == "TEAM_USER" { u = v }  k == "TEAM_ROLE" { r = v }
        k == "TEAM_DECISION" || k == "TEAM_ACTOR" { d = v }  k == "TEAM_REQUEST_ID" { q = v }
        k == "TEAM_GRANT_ID" { g = v }  k == "TEAM_REASON" { rs = v }
        END { if (ev != "") print ts, ev, u, r, d, q, g, rs }' |
        while IFS=$'\037' read -r ts ev u r d q g rs; do
                [ ${#rs} -le 50 ] || rs="${rs:0:47}..."
                printf '    %-8s  %-17s  %-9s  %-4s  %-10s  %-18s  %-18s  %s\n' \
                        "$(date -d "@$ts" +%T)" "$ev" "${u:--}" "${r:--}" "${d:--}" "${q:--}" "${g:--}" "${rs:--}"
        done
}

say "8. The audit trail teamd wrote to journald on the host"
journald_wait_for 2 SYSLOG_IDENTIFIER=teamd TEAM_EVENT=ElevationDenied \
        || fixture_fail "the decisions did not reach journald"
printf '    %-8s  %-17s  %-9s  %-4s  %-10s  %-18s  %-18s  %s\n' TIME EVENT USER ROLE RESULT REQUEST GRANT REASON
journal_table teamd

say "9. The audit records of team-server (one journald entry per row of its audit table)"
journald_wait_for 1 SYSLOG_IDENTIFIER=team-server TEAM_EVENT=GrantRevoked \
        || fixture_fail "team-server's audit records did not reach journald"
printf '    %-8s  %-17s  %-9s  %-4s  %-10s  %-18s  %-18s  %s\n' TIME EVENT USER ROLE BY REQUEST GRANT REASON
journal_table team-server

say "One decision in full: journalctl -o verbose MESSAGE_ID=1c1440b4c687432d9f55df0b792c6515 (ElevationAllowed)"
journalctl --no-pager -o verbose -n 1 MESSAGE_ID=1c1440b4c687432d9f55df0b792c6515 | shown
[ "${PIPESTATUS[0]}" -eq 0 ] || fixture_fail "journalctl failed"

say "Cleaning up: user, PAM service, sudoers drop-in, teamd, team-server, journald"
echo
echo "demo OK"
exit 0
