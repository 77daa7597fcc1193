#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What recording the commands of an elevated session (SessionCommand, the
# kernel's process connector followed fork by fork) costs a real build:
# a fresh `configure` of a snapshot of this project's sources, then
# `make -j2` of it, timed (wall clock), on a private teamd with a real sudo
# on a test PAM service (account + session pam_team.so) and a 1 h grant.
#   A:  `runuser -u USER -- make -j2` outside any session (teamd running,
#       recording on: it reads every process event of the machine)
#   B:  `runuser -u USER -- sudo -n make -j2` in an elevated session: every
#       execve of the build is seen, [sessions] defaults (20 a second,
#       10,000 a session recorded, the rest counted in summaries)
#   B': the same sudo with `[sessions] record_commands = no` (teamd
#       restarted): what sudo and the session cost without recording
#   A': A with `record_commands = no`: the build with no connector at all
# A and A' build a copy owned by USER, B and B' an identical copy owned by
# root (configured by its owner, `make clean` by its owner before each
# run, untimed); both copies are built once before the timed runs. RUNS
# rounds (4, --quick 1, --runs N), the order reversed every other round
# (A B B' A', then A' B' B A: an even RUNS puts every variant in every
# position alike) so that drift hits all alike; teamd is
# restarted only when the round needs the other configuration.
# teamd runs with --foreground (as the e2e tests run it): every event is
# also one line in its log, where they are counted. By default beside a
# private systemd-journald of its own (tests/lib/journald_ns.sh, as
# bench/run.sh does), or the caller's when run inside bench/run.sh's.
# Prints markdown rows (s) and the ratios. Root only (skips with 77).
#   top_builddir=BUILD top_srcdir=SRC bench/bench_session_commands.sh \
#       [--quick] [--runs N] [--header] [--journald | --no-journald]
set -uo pipefail

: "${top_builddir:?set top_builddir to a build tree}"
top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
quick=0 header=0 runs=4 journald=auto
argv=("$@")
while [ $# -gt 0 ]; do
        case $1 in
        --quick) quick=1 runs=1 ;;
        --header) header=1 ;;
        --runs)
                [[ ${2:-} =~ ^[1-9][0-9]?$ ]] || { echo "$0: --runs takes 1..99" >&2; exit 2; }
                runs=$2
                shift
                ;;
        --journald) journald=yes ;;
        --no-journald) journald=no ;;
        *) echo "usage: $0 [--quick] [--runs N] [--header] [--journald | --no-journald]" >&2; exit 2 ;;
        esac
        shift
done
set -- "${argv[@]}"

. "$top_srcdir/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"
. "$top_srcdir/tests/lib/journald_ns.sh"
fixture_require_root
sudo_service_require make tar
fixture_require_built "$PAM_TEAM_SO"
[ -x "$top_srcdir/configure" ] || fixture_skip "$top_srcdir/configure is missing (run autoreconf -fi there)"
if [ -n "$(fixture_sanitizer_preload)" ]; then
        fixture_skip "pam_team.so is built with sanitizers; it cannot load into the setuid sudo"
fi

# A private journald (re-run once in a new mount namespace), unless the
# caller (bench/run.sh) already runs us beside one.
journald_note="none listening: teamd's journald writes fail fast (a real host pays a datagram per event)"
if [ -n "${TEAM_PRIVATE_MOUNT_NS:-}" ] && [ "$TEAM_PRIVATE_MOUNT_NS" != "$$" ]; then
        [ -S /run/systemd/journal/socket ] && journald_note="the caller's private systemd-journald receives every teamd event"
elif [ "$journald" != no ]; then
        if [ -x "$JOURNALD_BIN" ] && command -v unshare >/dev/null && unshare -m --propagation private true 2>/dev/null; then
                journald_reexec_private "$0" "$@"
        elif [ "$journald" = yes ]; then
                fixture_fail "--journald needs unshare -m and $JOURNALD_BIN"
        fi
fi

now_ms() {
        local t=${EPOCHREALTIME/[.,]/}
        printf '%s\n' "$((10#$t / 1000))"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
teamds_before=$(pgrep -xc teamd || true)
fixture_init benchcmd-$$
if [ "${TEAM_PRIVATE_MOUNT_NS:-}" = "$$" ]; then
        journald_start
        journald_note="a private systemd-journald (tmpfs, default rate limits) receives every teamd event"
fi
fixture_make_traversable
user=benchcmd$$
fixture_add_user "$user"
sudo_service_install "$user"
cp "$TEAM_CONF" "$TEAM_TMP/teamd-on.conf"
{ cat "$TEAM_CONF"; printf '\n[sessions]\nrecord_commands = no\n'; } >"$TEAM_TMP/teamd-off.conf"

# The same environment for every build (sudo's env_reset and Debian's
# secure_path give B and B' the same PATH; LC_ALL passes sudo).
clean_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C)

mode=
teamd_mode() {
        local want=$1 from
        [ "$mode" = "$want" ] && return 0
        stop_teamd || fixture_fail "teamd did not stop cleanly"
        cp "$TEAM_TMP/teamd-$want.conf" "$TEAM_CONF"
        : >>"$TEAMD_LOG"
        from=$(($(wc -l <"$TEAMD_LOG") + 1))
        start_teamd || fixture_fail "teamd did not start ($want)"
        if [ "$want" = on ] && tail -n +"$from" "$TEAMD_LOG" | grep -q "commands run in elevated sessions are not recorded"; then
                fixture_fail "teamd cannot see the kernel's process events: $(grep -m1 'not recorded' "$TEAMD_LOG")"
        fi
        mode=$want
}

# settle: waits until teamd's log has not grown for 1.5 s (30 s at most),
# so that a session's last events are in before counting or restarting.
settle() {
        local last=-1 n quiet=0 i
        for ((i = 0; i < 300 && quiet < 15; i++)); do
                n=$(wc -c <"$TEAMD_LOG")
                if [ "$n" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0 last=$n; fi
                sleep 0.1
        done
}

# The build: one snapshot of the sources, unpacked twice (same filesystem).
step() { fixture_log "--- $*"; }
step "snapshot of $top_srcdir, configured twice"
src_tar=$TEAM_TMP/src.tar
exclude=(--exclude=./.git --exclude=./_build --exclude=./autom4te.cache --exclude=./bench/results)
case $top_builddir in "$top_srcdir"/*) exclude+=("--exclude=./${top_builddir#"$top_srcdir"/}") ;; esac
tar -C "$top_srcdir" "${exclude[@]}" -cf "$src_tar" . || fixture_fail "tar of $top_srcdir"
dir_user=$TEAM_TMP/build-user dir_root=$TEAM_TMP/build-root
mkdir -m 0755 "$dir_user" "$dir_root" || fixture_fail "mkdir"
for d in "$dir_user" "$dir_root"; do tar -C "$d" -xf "$src_tar" || fixture_fail "tar -x in $d"; done
chown -R "$user:$user" "$dir_user" || fixture_fail "chown"
as_user() { "${clean_env[@]}" runuser -u "$user" -- "$@"; }
as_root() { "${clean_env[@]}" "$@"; }
as_user sh -c 'cd "$1" && ./configure -q' sh "$dir_user" >"$TEAM_TMP/configure-user.log" 2>&1 \
        || { tail -n 20 "$TEAM_TMP/configure-user.log" >&2; fixture_fail "configure (user copy)"; }
as_root sh -c 'cd "$1" && ./configure -q' sh "$dir_root" >"$TEAM_TMP/configure-root.log" 2>&1 \
        || { tail -n 20 "$TEAM_TMP/configure-root.log" >&2; fixture_fail "configure (root copy)"; }

teamd_mode on
grant_for "$user" sudo --for 1h --jti "bench-cmd-$$" || fixture_fail "teamctl grant add"
out=$(run_sudo_as "$user" true) || fixture_fail "sudo with the grant failed: $out"

# build VARIANT: one clean + timed `make -j2`; prints the wall time (ms).
build() {
        local v=$1 t0 t1 rc log=$TEAM_TMP/make-$1.log
        case $v in
        A | A\' | warm-user)
                as_user make -s -C "$dir_user" clean >/dev/null 2>&1
                sync; settle
                t0=$(now_ms)
                as_user make -j2 -C "$dir_user" </dev/null >"$log" 2>&1; rc=$?
                ;;
        B | B\')
                as_root make -s -C "$dir_root" clean >/dev/null 2>&1
                sync; settle
                t0=$(now_ms)
                as_user "$SUDO" -n make -j2 -C "$dir_root" </dev/null >"$log" 2>&1; rc=$?
                ;;
        warm-root)
                as_root make -s -C "$dir_root" clean >/dev/null 2>&1
                t0=$(now_ms)
                as_root make -j2 -C "$dir_root" </dev/null >"$log" 2>&1; rc=$?
                ;;
        esac
        t1=$(now_ms)
        if [ "$rc" -ne 0 ]; then
                tail -n 20 "$log" >&2
                fixture_fail "make -j2 ($v) failed"
        fi
        echo $((t1 - t0))
}

# events FROM_LINE: "recorded summaries summarised overflows" in teamd's
# log from that line on.
events() {
        tail -n +"$1" "$TEAMD_LOG" | awk '
                / \[TEAM_EVENT=SessionCommand / { rec++ }
                / \[TEAM_EVENT=SessionCommandsSummarised / {
                        ns++
                        if (match($0, /TEAM_SUMMARISED=[0-9]+/)) sum += substr($0, RSTART + 16, RLENGTH - 16)
                }
                /process event queue overflowed/ { lost++ }
                END { printf "%d %d %d %d\n", rec, ns, sum, lost }'
}

# teamd_cpu_ms: the CPU time teamd has used so far (user + system, ms).
teamd_cpu_ms() {
        local tck
        tck=$(getconf CLK_TCK)
        awk -v t="$tck" '{ sub(/^.*\) /, ""); printf "%d\n", ($12 + $13) * 1000 / t }' "/proc/$TEAMD_PID/stat"
}

A=() B=() Bx=() Ax=() ev_B=() ev_Bx=() cpu_A=() cpu_B=() cpu_Bx=() cpu_Ax=()
# run VARIANT: the build in its teamd configuration; B's events counted,
# teamd's CPU time during it measured.
run() {
        local v=$1 from ms e c0 c1
        case $v in A | B) teamd_mode on ;; *) teamd_mode off ;; esac
        from=$(($(wc -l <"$TEAMD_LOG") + 1))
        c0=$(teamd_cpu_ms)
        ms=$(build "$v") || exit 1
        settle
        c1=$(teamd_cpu_ms)
        e=$(events "$from")
        fixture_log "$v: $ms ms, teamd CPU $((c1 - c0)) ms; events (recorded summaries summarised overflows): $e"
        case $v in
        A) A+=("$ms") cpu_A+=($((c1 - c0))) ;;
        B) B+=("$ms") ev_B+=("$e") cpu_B+=($((c1 - c0))) ;;
        B\') Bx+=("$ms") ev_Bx+=("$e") cpu_Bx+=($((c1 - c0))) ;;
        A\') Ax+=("$ms") cpu_Ax+=($((c1 - c0))) ;;
        esac
}

step "warm-up: one build of each copy (discarded)"
build warm-user >/dev/null || exit 1
build warm-root >/dev/null || exit 1
for ((r = 0; r < runs; r++)); do
        step "round $((r + 1)) of $runs"
        if ((r % 2 == 0)); then order=(A B "B'" "A'"); else order=("A'" "B'" B A); fi
        for v in "${order[@]}"; do run "$v"; done
done
stop_teamd || fixture_fail "teamd did not stop cleanly"
mode=
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
teamds_after=$(pgrep -xc teamd || true)
total_rec=$(grep -c ' \[TEAM_EVENT=SessionCommand ' "$TEAMD_LOG")
total_sum=$(grep -c ' \[TEAM_EVENT=SessionCommandsSummarised ' "$TEAMD_LOG")

# median MS...: seconds, 2 decimals.
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m / 1000 }'; }
minimum() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { printf "%.2f", $1 / 1000 }'; }
secs() { printf '%s\n' "$@" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / 1000 }'; }
# pct X Y: (X - Y) / Y in %, signed, 1 decimal.
pct() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%+.1f %%", (x - y) * 100 / y }'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.3f", x / y }'; }
mA=$(median "${A[@]}") mB=$(median "${B[@]}") mBx=$(median "${Bx[@]}") mAx=$(median "${Ax[@]}")
nA=$(minimum "${A[@]}") nB=$(minimum "${B[@]}") nBx=$(minimum "${Bx[@]}") nAx=$(minimum "${Ax[@]}")
pairs=
for ((r = 0; r < runs; r++)); do pairs+="${pairs:+ }$(ratio "${B[r]}" "${A[r]}")"; done
rB=$(ratio "$mB" "$mA")
verdict=$(awk -v r="$rB" 'BEGIN { print (r <= 1.05) ? "met" : "NOT met" }')
evsum() { printf '%s\n' "$@" | awk '{ for (i = 1; i <= 4; i++) t[i] += $i; r = r (NR > 1 ? "," : "") $1 "+" $3 }
        END { printf "%d %d %d %d %s\n", t[1], t[2], t[3], t[4], r }'; }
read -r bRec bNs bSum bLost bRuns <<<"$(evsum "${ev_B[@]}")"
read -r xRec xNs _ _ _ <<<"$(evsum "${ev_Bx[@]}")"

if [ "$header" = 1 ]; then
        cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
        rev=$(git -C "$top_srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown)
        echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "- host: $(uname -sr), ${cpu:-unknown CPU}, $(nproc) CPUs (nproc)"
        echo "- commit: $rev (the build timed is a snapshot of the working tree at the start)$( [ "$quick" = 1 ] && echo '; quick run: smoke figures only')"
        echo "- journald: $journald_note"
        echo
        echo '| `make -j2` of this project, fresh configure (s) | n | median | min | runs | median vs A |'
        echo '|---|---:|---:|---:|---|---:|'
fi
echo "| A: runuser -u USER -- make, no session (recording on) | ${#A[@]} | $mA | $nA | $(secs "${A[@]}") | baseline |"
echo "| B: runuser -u USER -- sudo -n make, elevated session, recorded | ${#B[@]} | $mB | $nB | $(secs "${B[@]}") | $(pct "$mB" "$mA") |"
echo "| B': the same sudo, record_commands = no | ${#Bx[@]} | $mBx | $nBx | $(secs "${Bx[@]}") | $(pct "$mBx" "$mA") |"
echo "| A': A with record_commands = no (no connector) | ${#Ax[@]} | $mAx | $nAx | $(secs "${Ax[@]}") | $(pct "$mAx" "$mA") |"
echo
echo "- B / A (medians): $rB, target <= 1.050: **$verdict**; per round B / A: $pairs"
echo "- B / A (minimums): $(ratio "$nB" "$nA"); (B - B') / B' (minimums): $(pct "$nB" "$nBx")"
echo "- recording itself, (B - B') / B': $(pct "$mB" "$mBx"); sudo + session without recording, B' / A: $(ratio "$mBx" "$mA"); the connector outside sessions, (A - A') / A': $(pct "$mA" "$mAx")"
echo "- teamd's CPU time per build (user + system, ms; includes the 1.5 s settle): A $(printf '%s ' "${cpu_A[@]}")| B $(printf '%s ' "${cpu_B[@]}")| B' $(printf '%s ' "${cpu_Bx[@]}")| A' $(printf '%s ' "${cpu_Ax[@]}")"
echo "- events over the ${#B[@]} B builds: $bRec SessionCommand + $bNs SessionCommandsSummarised counting $bSum more = $((bRec + bSum)) executions (per build recorded+summarised: $bRuns); queue overflows: $bLost; B' builds: $xRec SessionCommand, $xNs summaries"
echo "- in teamd's log over the whole run, the setup's \`sudo true\` included (grep -c): $total_rec TEAM_EVENT=SessionCommand lines, $total_sum TEAM_EVENT=SessionCommandsSummarised lines ([sessions] defaults: commands_per_second 20, commands_max 10000)"
echo "- load average (1 5 15 min) before: $load_before, after: $load_after; nproc $(nproc); other teamd processes on the machine (they read the connector too) before / after: $teamds_before / $teamds_after"
echo "- fairness: A/A' build a copy owned by the user, B/B' an identical copy owned by root (root is who builds under sudo); same snapshot, same filesystem, same PATH and LC_ALL=C, each configured by its owner; \`make clean\` and 1.5 s of quiet before every timed build; one warm-up build of each copy first; wall time includes sudo's PAM path"
exit 0
