#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The end of elevated sessions, timed: a real sudo on a test PAM service
# (account + session pam_team.so), a private teamd, a real team-server.
#   exp -> gone:         a grant ends at a whole second; the time from that
#                        second to the moment the session's sudo and its two
#                        sleeps (one setsid) are all gone
#   revocation -> gone:  `teamctl revoke` on team-server returns; the time
#                        from then until they are gone (feed + end)
#   baseline:            the same session ended by SIGHUP sent directly to
#                        its processes (what teamd's own signalling costs
#                        on top of the kernel's)
# RUNS (20, --quick 5) of each; prints markdown rows (ms). Root only.
#   top_builddir=BUILD top_srcdir=SRC bench/bench_session_end.sh [--quick] [--header]
set -uo pipefail

: "${top_builddir:?set top_builddir to a build tree}"
top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
quick=0 header=0
for a in "$@"; do
        case $a in
        --quick) quick=1 ;;
        --header) header=1 ;;
        *) echo "usage: $0 [--quick] [--header]" >&2; exit 2 ;;
        esac
done
runs=20
[ "$quick" = 0 ] || runs=5

. "$top_srcdir/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"
. "$top_srcdir/tests/lib/story_lib.sh"
fixture_require_root
sudo_service_require pgrep setsid
fixture_require_built "$PAM_TEAM_SO" "$SERVER_BIN"

fixture_init benchhost-$$
user=benchend$$
fixture_add_user "$user"
sudo_service_install "$user"
printf '\n[sessions]\ngrace = 2\nwarn_before = 1\n' >>"$TEAM_CONF"
server_init
start_server >&2 || fixture_fail "team-server did not start"
teamd_use_server
user_token=$(server_add_user "$user" dev)
approver_token=$(server_add_user "approver$$" admins)
# As teamd.service runs it: no --foreground mirror.
"$TEAMD_BIN" --config "$TEAM_CONF" </dev/null >>"$TEAMD_LOG" 2>&1 &
TEAMD_PID=$!
for ((i = 0; i < 100; i++)); do
        "$TEAMCTL_BIN" --config "$TEAM_CONF" status >/dev/null 2>&1 && break
        sleep 0.1
done

N=0 TAG= BG=
start_session() {
        N=$((N + 1))
        TAG=$((8000000 + $$ % 100000 * 10 + N % 10))$N
        runuser -u "$user" -- "$SUDO" -n sh -c "sleep ${TAG}1 & setsid sleep ${TAG}2 & wait" </dev/null \
                >>"$TEAM_TMP/sudo.log" 2>&1 &
        BG=$!
        for ((i = 0; i < 1000; i++)); do
                [ "$(pgrep -cf "^sleep ${TAG}[12]\$")" -eq 2 ] && return 0
                sleep 0.01
        done
        tail -n 3 "$TEAM_TMP/sudo.log" >&2
        fixture_fail "the session did not start"
}

# gone_at: waits until the session's processes are gone; prints the time (ms).
gone_at() {
        local t0
        t0=$(story_now_ms)
        while pgrep -f "^sleep ${TAG}[12]\$" >/dev/null || kill -0 "$BG" 2>/dev/null; do
                [ $(($(story_now_ms) - t0)) -lt 30000 ] || { fixture_log "session $TAG not gone after 30 s"; break; }
                sleep 0.002
        done
        story_now_ms
        wait "$BG" 2>/dev/null
}

# stats LABEL VALUES...: | label | n | p50 | p99 | max |
stats() {
        local label=$1
        shift
        printf '%s\n' "$@" | sort -n | awk -v l="$label" '{ v[NR] = $1 } END {
                p50 = v[int((NR * 50 + 99) / 100)]; p99 = v[int((NR * 99 + 99) / 100)]
                printf "| %s | %d | %d | %d | %d |\n", l, NR, p50, p99, v[NR] }'
}

exp_ms=() rev_ms=() base_ms=()
for ((r = 0; r < runs; r++)); do
        exp=$(($(date +%s) + 5))
        grant_for "$user" sudo --exp "$exp" --jti "bench-exp-$$-$r" 2>/dev/null || fixture_fail "grant add"
        start_session
        exp_ms+=($(($(gone_at) - exp * 1000)))
done
for ((r = 0; r < runs; r++)); do
        req=$(story_request "$user_token" sudo "bench $r") || exit 1
        grant=$(story_approve "$approver_token" "$req") || exit 1
        for ((i = 0; i < 500; i++)); do run_sudo_as "$user" true >/dev/null 2>&1 && break; sleep 0.01; done
        start_session
        central "$approver_token" revoke "$grant" --reason bench >/dev/null 2>&1 || fixture_fail "revoke"
        t0=$(story_now_ms)
        rev_ms+=($(($(gone_at) - t0)))
done
for ((r = 0; r < runs; r++)); do
        grant_for "$user" sudo --for 10m --jti "bench-base-$$-$r" 2>/dev/null || fixture_fail "grant add"
        start_session
        pids=$(pgrep -f "^sleep ${TAG}[12]\$"; pgrep -P "$BG")
        t0=$(story_now_ms)
        # shellcheck disable=SC2086
        kill -HUP $pids 2>/dev/null
        pkill -HUP -f "^sleep ${TAG}[12]\$"
        base_ms+=($(($(gone_at) - t0)))
done

if [ "$header" = 1 ]; then
        echo '| measurement (ms) | n | p50 | p99 | max |'
        echo '|---|---:|---:|---:|---:|'
fi
stats "exp -> session gone (sudo + sleep + setsid sleep)" "${exp_ms[@]}"
stats "revocation on team-server -> session gone" "${rev_ms[@]}"
stats "baseline: SIGHUP sent directly -> gone" "${base_ms[@]}"
