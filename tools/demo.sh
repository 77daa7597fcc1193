#!/usr/bin/env bash
# The pam_team story on this machine, in about 40 seconds after the build:
# a user is refused sudo, an approver signs a 30-second grant, sudo works,
# the grant expires, sudo is refused again; then the journald audit trail.
#
# Run as root on Debian 12: `sudo tools/demo.sh`. It installs the build
# dependencies, builds out of tree into _build/demo, and changes nothing on
# the machine for good: teamd runs on temporary sockets with a throwaway
# signing key, its own journald lives in a private mount namespace, and the
# demo user, PAM service and sudoers drop-in are removed at exit (also on
# failure). /etc/pam.d/sudo is never touched.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/_build/demo
script=$top/tools/demo.sh

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '    %s\n' "$*"; }
shown() { sed 's/^/    | /'; }

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
        # Only what the story runs: the module, the daemon, its client and
        # the signing tool.
        (cd "$build" && { [ -f Makefile ] || "$top/configure" -q; } &&
                make -j"$(nproc 2>/dev/null || echo 2)" pam_team/pam_team.la \
                        teamd/teamd teamctl/teamctl tools/team-sign-grant) >"$log" 2>&1 \
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

# A skip is a failure here: the demo promises to run.
fixture_skip() { echo "demo FAILED: $*" >&2; exit 1; }
fixture_fail() { echo "demo FAILED: $*" >&2; exit 1; }

fixture_require_programs sudo visudo useradd userdel usermod runuser
fixture_require_built "$PAM_TEAM_SO"
journald_reexec_private "$script" "$@"

# --- inside the private mount namespace from here on ---------------------
grant_seconds=30
user=alice
getent passwd "$user" >/dev/null && user=teamdemo$$

fixture_init "$(hostname -s 2>/dev/null || echo demo-host)"
fixture_make_traversable        # so that $user can read teamd.conf and reach user.sock
say "Setting up: a private journald, teamd on temporary sockets, user '$user'"
journald_start
note "journald: private, in a mount namespace (the machine's journal is untouched)"
fixture_add_user "$user"
note "user: $user (no standing sudo; NOPASSWD for this demo, gated by pam_team)"
sudo_service_install "$user"
note "sudoers drop-in: $SUDOERS_DROPIN -> PAM service /etc/pam.d/$SUDO_PAM_SERVICE"
note "PAM line: account required pam_team.so role=sudo socket=$TEAM_SOCK"
start_teamd || fixture_fail "teamd did not start (log: $TEAMD_LOG)"
note "teamd: host_id=$TEAM_HOST, trusts key '$TEAM_KID' (a throwaway Ed25519 key)"

say "1. $user has no grant and runs: sudo id -u"
out=$(run_sudo_as "$user" id -u); rc=$?
printf '%s\n' "$out" | shown
[ "$rc" -ne 0 ] || fixture_fail "sudo worked without a grant"
note "refused (exit status $rc), and told how to ask."

say "2. An approver signs a ${grant_seconds}-second sudo grant for $user on $TEAM_HOST"
exp=$(($(date +%s) + grant_seconds))
note "\$ team-sign-grant sign --key signing.key --kid $TEAM_KID --sub $user --aud $TEAM_HOST --role sudo --exp $exp --apr bob --reason 'INC-4711 disk full'"
token=$(sign_grant "$user" sudo --exp "$exp" --reason "INC-4711 disk full" --apr bob) \
        || fixture_fail "team-sign-grant sign failed"
note "${token:0:60}...  (a compact JWS, EdDSA)"
note "\$ teamctl grant add -     (root hands the signed grant to teamd)"
printf '%s\n' "$token" | "$TEAMCTL_BIN" --config "$TEAM_CONF" grant add - 2>&1 | shown
[ "${PIPESTATUS[1]}" -eq 0 ] || fixture_fail "teamctl grant add refused the grant"

say "3. $user looks at her grants: teamctl status"
runuser -u "$user" -- "$TEAMCTL_BIN" --config "$TEAM_CONF" status </dev/null 2>&1 | shown
[ "${PIPESTATUS[0]}" -eq 0 ] || fixture_fail "teamctl status as $user failed"

say "4. $user runs sudo id -u again"
out=$(run_sudo_as "$user" id -u); rc=$?
printf '%s\n' "$out" | shown
{ [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | tail -n 1)" = 0 ]; } \
        || fixture_fail "sudo was refused with an active grant"
note "allowed: she is root until $(date -d "@$exp" +%T)."

say "5. Waiting for the grant to expire at $(date -d "@$exp" +%T)"
while now=$(date +%s); [ "$now" -le "$exp" ]; do
        left=$((exp - now + 1))
        if [ -t 1 ]; then printf '\r    %2d s left ' "$left"
        elif [ $((left % 10)) -eq 0 ]; then note "$left s left"; fi
        sleep 1
done
if [ -t 1 ]; then printf '\r    expired.      \n'; else note "expired."; fi

say "6. $user runs sudo id -u after the grant ended"
out=$(run_sudo_as "$user" id -u); rc=$?
printf '%s\n' "$out" | shown
[ "$rc" -ne 0 ] || fixture_fail "sudo still worked after the grant expired"
note "refused again (exit status $rc)."

stop_teamd || note "(teamd exited with status $?)"

say "7. The audit trail teamd wrote to journald"
journald_wait_for 2 SYSLOG_IDENTIFIER=teamd TEAM_EVENT=ElevationDenied \
        || fixture_fail "the decisions did not reach journald"
printf '    %-8s  %-17s  %-8s  %-5s  %-6s  %-36s  %s\n' TIME EVENT USER ROLE RESULT GRANT REASON
journalctl --no-pager -o export SYSLOG_IDENTIFIER=teamd | awk '
        BEGIN { OFS = "\037" }
        /^$/ { if (ev != "") print ts, ev, u, r, d, g, rs;
               ev = u = r = d = g = rs = ""; ts = 0; next }
        { k = $0; sub(/=.*/, "", k); v = substr($0, length(k) + 2) }
        k == "__REALTIME_TIMESTAMP" { ts = int(v / 1000000) }
        k == "TEAM_EVENT" { ev = v }  k == "TEAM_USER" { u = v }  k == "TEAM_ROLE" { r = v }
        k == "TEAM_DECISION" { d = v }  k == "TEAM_GRANT_ID" { g = v }  k == "TEAM_REASON" { rs = v }
        END { if (ev != "") print ts, ev, u, r, d, g, rs }' |
while IFS=$'\037' read -r ts ev u r d g rs; do
        [ ${#rs} -le 70 ] || rs="${rs:0:67}..."
        printf '    %-8s  %-17s  %-8s  %-5s  %-6s  %-36s  %s\n' \
                "$(date -d "@$ts" +%T)" "$ev" "${u:--}" "${r:--}" "${d:--}" "${g:--}" "${rs:--}"
done
say "One decision in full: journalctl -o verbose MESSAGE_ID=1c1440b4c687432d9f55df0b792c6515 (ElevationAllowed)"
journalctl --no-pager -o verbose -n 1 MESSAGE_ID=1c1440b4c687432d9f55df0b792c6515 | shown
[ "${PIPESTATUS[0]}" -eq 0 ] || fixture_fail "journalctl failed"

say "Cleaning up: user, PAM service, sudoers drop-in, teamd, journald"
echo
echo "demo OK"
exit 0
