#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every benchmark and prints one markdown report (also written to
# bench/results/latest.md, which is not committed). Builds first when needed:
# in $top_builddir if set (make bench sets it), else $TEAM_BENCH_BUILDDIR,
# else _build/bench beside the sources. Needs root: teamd's privileged
# socket only answers uid 0.
#
# By default the benchmarks run beside a real systemd-journald of their own
# (private mount namespace, tests/lib/journald_ns.sh), so teamd pays for its
# audit entries as on a real host; without unshare or journald they run
# without one and the report says so.
#
# usage: bench/run.sh [--no-build] [--quick] [--journald | --no-journald]
#   --no-build     use the build tree as it is
#   --quick        a short smoke run (fewer iterations, 1 s throughput runs)
#   --journald     insist on a private journald (fail without one)
#   --no-journald  run without one
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=1 quick=0 journald=auto
for a in "$@"; do
        case $a in
        --no-build) build=0 ;;
        --quick) quick=1 ;;
        --journald) journald=yes ;;
        --no-journald) journald=no ;;
        *) echo "usage: $0 [--no-build] [--quick] [--journald | --no-journald]" >&2; exit 2 ;;
        esac
done

if [ "$(id -u)" -ne 0 ]; then
        echo "bench/run.sh: run as root (teamd's privileged socket and PAM checks need uid 0)" >&2
        exit 1
fi

builddir=${top_builddir:-${TEAM_BENCH_BUILDDIR:-$top/_build/bench}}
builddir=$(mkdir -p "$builddir" && cd "$builddir" && pwd)
if [ "$build" = 1 ]; then
        if [ ! -f "$builddir/Makefile" ]; then
                [ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null)
                (cd "$builddir" && "$top/configure" -q) >&2
        fi
        make -C "$builddir" -j"$(nproc 2>/dev/null || echo 2)" >"$builddir/bench-build.log" 2>&1 \
                || { tail -30 "$builddir/bench-build.log" >&2; echo "bench/run.sh: build failed" >&2; exit 1; }
fi
export top_builddir=$builddir top_srcdir=$top
b=$builddir/bench

# A private journald: re-run this script once inside a new mount namespace
# (the shared e2e helpers do the mounts and undo everything at exit).
journald_note="none listening: teamd's journald writes fail fast (a real host pays a datagram per event)"
if [ "$journald" != no ]; then
        if [ "${TEAM_PRIVATE_MOUNT_NS:-}" != "$$" ]; then
                if [ -x /lib/systemd/systemd-journald ] && command -v unshare >/dev/null &&
                        unshare -m --propagation private true 2>/dev/null; then
                        # shellcheck source=tests/lib/teamd_fixture.sh
                        . "$top/tests/lib/teamd_fixture.sh"
                        # shellcheck source=tests/lib/journald_ns.sh
                        . "$top/tests/lib/journald_ns.sh"
                        journald_reexec_private "$0" "$@" --no-build
                elif [ "$journald" = yes ]; then
                        echo "bench/run.sh: --journald needs unshare -m and /lib/systemd/systemd-journald" >&2
                        exit 1
                fi
        else
                # shellcheck source=tests/lib/teamd_fixture.sh
                . "$top/tests/lib/teamd_fixture.sh"
                # shellcheck source=tests/lib/journald_ns.sh
                . "$top/tests/lib/journald_ns.sh"
                fixture_init
                journald_start
                journald_note="a private systemd-journald (tmpfs, default rate limits) receives every teamd event"
        fi
fi

if [ "$quick" = 1 ]; then
        lat_n=200 jws_n=2000 codec_n=5000 secs=1 fill=1000 bg_n=5
else
        lat_n=2000 jws_n=20000 codec_n=50000 secs=5 fill=10000 bg_n=30
fi

results=$top/bench/results
mkdir -p "$results"
tmpd=$(mktemp -d)
out=$tmpd/report.md verdict=$tmpd/verdict failed=$tmpd/failed
if [ -n "${TEAM_TMP:-}" ]; then
        fixture_on_cleanup rm -rf "$tmpd"   # the fixture owns the EXIT trap
else
        trap 'rm -rf "$tmpd"' EXIT
fi

# bench NAME ARGS...: runs one benchmark; a failure is noted in the table
# (and in the exit status) and the others still run.
bench() {
        local name=$1
        shift
        "$b/$name" "$@" && return 0
        echo "| $name | failed, see stderr | | | | | | | |"
        echo "$name" >>"$failed"
}

report() {
        local cpu rev
        cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
        rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
        echo "# pam_team benchmarks"
        echo
        echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "- host: $(uname -sr), ${cpu:-unknown CPU}, $(nproc) CPUs"
        echo "- commit: $rev$( [ "$quick" = 1 ] && echo ' (quick run: smoke figures only)')"
        echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
        echo "- clock: CLOCK_MONOTONIC; percentiles are nearest-rank; warm-up runs are discarded"
        echo "- teamd runs as teamd.service runs it (no --foreground); grants signed in-process, stored with grant_add frames"
        echo "- journald: $journald_note; pam_team's pam_syslog has no /dev/log here"
        echo
        echo "## Latency (one operation, µs)"
        echo
        echo '| benchmark | n | p50 | p99 | max | baseline | baseline p50 | baseline p99 | overhead p50 |'
        echo '|---|---:|---:|---:|---:|---|---:|---:|---:|'
        bench bench_jws --no-header --iterations "$jws_n"
        bench bench_codec --no-header --iterations "$codec_n"
        bench bench_pam --no-header --iterations "$lat_n" --verdict-file "$verdict"
        bench bench_audit_latency --no-header --iterations "$lat_n"
        bench bench_breakglass --no-header --iterations "$bg_n"
        echo
        if [ -s "$verdict" ]; then
                cat "$verdict"
                echo
        fi
        echo "## teamd throughput (concurrent clients, one check per connection, ${secs} s each)"
        echo
        bench bench_teamd --seconds "$secs" --fill "$fill"
        echo
        # team-server: sets up its own server and identities (bench/bench_server.sh).
        local server_args=()
        [ "$quick" = 0 ] || server_args+=(--quick)
        if ! "$top/bench/bench_server.sh" "${server_args[@]}"; then
                echo "| bench_server | failed, see stderr | | | | | | | |"
                echo bench_server >>"$failed"
        fi
        echo
        echo "## Approval to usable on the host (team-server -> teamd sync -> pam_acct_mgmt)"
        echo
        local approval_args=(--header)
        [ "$quick" = 0 ] || approval_args+=(--quick)
        if ! "$top/bench/bench_approval.sh" "${approval_args[@]}"; then
                echo "| bench_approval | failed, see stderr | | | |"
                echo bench_approval >>"$failed"
        fi
        echo
        echo "## Ending sessions (real sudo; exp or revocation -> processes gone, beside SIGHUP sent directly)"
        echo
        local end_args=(--header)
        [ "$quick" = 0 ] || end_args+=(--quick)
        if ! "$top/bench/bench_session_end.sh" "${end_args[@]}"; then
                echo "| bench_session_end | failed, see stderr | | | |"
                echo bench_session_end >>"$failed"
        fi
        echo
        echo "## Commands recorded in sessions (real sudo; \`make -j2\` of this project inside an elevated session vs outside)"
        echo
        local cmd_args=(--header)
        [ "$quick" = 0 ] || cmd_args+=(--quick)
        if ! "$top/bench/bench_session_commands.sh" "${cmd_args[@]}"; then
                echo "| bench_session_commands | failed, see stderr | | | | |"
                echo bench_session_commands >>"$failed"
        fi
        echo
        echo "## Audit shipping (outbox -> local CloudTrail Lake emulator)"
        echo
        local ship_args=()
        [ "$quick" = 0 ] || ship_args+=(--quick)
        if ! "$top/bench/bench_ship.sh" "${ship_args[@]}"; then
                echo "| bench_ship | failed, see stderr | | |"
                echo bench_ship >>"$failed"
        fi
}

report | tee "$out"
cp "$out" "$results/latest.md"
echo >&2
echo "written to $results/latest.md" >&2
if [ -s "$failed" ]; then
        echo "bench/run.sh: failed: $(tr '\n' ' ' <"$failed")" >&2
        exit 1
fi
