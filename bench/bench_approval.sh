#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Approval-to-usable on the host: a real team-server and a real
# teamd syncing from it on loopback (teamd as teamd.service runs it: no
# --foreground), then bench/bench_approval (see its header comment):
#   1. approval -> first successful pam_acct_mgmt, RUNS times (200)
#   2. PAM account checks with sync idle, then while grants stream in
#   3. PAM account checks while teamd applies a backlog of every grant so
#      far in one feed answer (teamd restarted with an empty store while the
#      server is stopped with SIGSTOP, then SIGCONT)
# Prints markdown rows. Root (teamd's socket, token_file). Alone:
#   top_builddir=BUILD bench/bench_approval.sh [--quick] [--header]
set -euo pipefail

: "${top_builddir:?set top_builddir to a build tree}"
# shellcheck source=bench/bench_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
quick=0 header=
for a in "$@"; do
        case $a in
        --quick) quick=1 ;;
        --header) header=--header ;;
        *) echo "usage: $0 [--quick] [--header]" >&2; exit 2 ;;
        esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench_approval.sh: run as root" >&2; exit 1; }
SERVER_BIN=$top_builddir/server/team-server
TEAMD_BIN=$top_builddir/teamd/teamd
TEAMCTL_BIN=$top_builddir/teamctl/teamctl
SIGN_BIN=$top_builddir/tools/team-sign-grant
BENCH_BIN=$top_builddir/bench/bench_approval
MODULE=$top_builddir/pam_team/.libs/pam_team.so
for b in "$SERVER_BIN" "$TEAMD_BIN" "$TEAMCTL_BIN" "$SIGN_BIN" "$BENCH_BIN" "$MODULE"; do
        [ -e "$b" ] || { echo "bench_approval.sh: $b not built" >&2; exit 1; }
done
MODULE=$(realpath "$MODULE")
command -v python3 >/dev/null || { echo "bench_approval.sh: needs python3 (free port)" >&2; exit 1; }

if [ "$quick" = 1 ]; then
        runs=30 seconds=1 pool=20
else
        runs=200 seconds=5 pool=50
fi

T=$(mktemp -d /tmp/bench_approval.XXXXXX)
chmod 0700 "$T"
SERVER_PID="" TEAMD_PID=""
cleanup() {
        [ -n "$SERVER_PID" ] && kill -CONT "$SERVER_PID" 2>/dev/null
        for p in $TEAMD_PID $SERVER_PID; do
                kill "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
        rm -rf "$T"
}
trap cleanup EXIT

HOST=benchhost
PORT=$(bench_free_port)
mkdir -m 0700 "$T/skeys" "$T/keys" "$T/state"
bench_server_files "$T/skeys" "$T/keys/k1.pem"

# Users: 3 warm-up runs + RUNS, each used once, then the stream's pool.
echo "approver $(admin user add approver --groups admins)" >"$T/tokens"
export SERVER_BIN T
# shellcheck disable=SC2016 # expanded by the inner sh
seq 1 $((runs + 3 + pool)) | xargs -P 4 -n 25 sh -c '
for i in "$@"; do
        echo "user u$i $("$SERVER_BIN" --config "$T/team-server.conf" admin user add "u$i" --groups dev 2>>"$T/admin.log" | tail -n 1)"
done' sh | sort -t u -k2 -n >>"$T/tokens"
(umask 077 && admin host add "$HOST" >"$T/host.token")
if [ "$(grep -c ' tm_' "$T/tokens")" -ne $((runs + 4 + pool)) ] || ! grep -q '^tm_' "$T/host.token"; then
        echo "bench_approval.sh: creating the identities failed:" >&2
        tail -5 "$T/admin.log" >&2
        exit 1
fi

cat >"$T/teamd.conf" <<CONF
[teamd]
host_id = $HOST
state_dir = $T/state
socket = $T/run/teamd.sock
user_socket = $T/run/user.sock
trusted_keys = $T/keys
max_grants = 1000000
[server]
url = http://127.0.0.1:$PORT
token_file = $T/host.token
CONF

start_server() {
        "$SERVER_BIN" --config "$T/team-server.conf" </dev/null >>"$T/server.log" 2>&1 &
        SERVER_PID=$!
        for _ in $(seq 100); do
                (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
                sleep 0.1
        done
        echo "bench_approval.sh: team-server did not start" >&2
        tail -5 "$T/server.log" >&2
        exit 1
}

api_state() { "$TEAMCTL_BIN" --config "$T/teamd.conf" status 2>/dev/null | sed -n 's/^api: *\([a-z]*\).*/\1/p'; }

start_teamd() {
        "$TEAMD_BIN" --config "$T/teamd.conf" </dev/null >>"$T/teamd.log" 2>&1 &
        TEAMD_PID=$!
        for _ in $(seq 100); do
                [ -S "$T/run/teamd.sock" ] && [ -n "$(api_state)" ] && return 0
                sleep 0.1
        done
        echo "bench_approval.sh: teamd did not start" >&2
        tail -5 "$T/teamd.log" >&2
        exit 1
}

stop_teamd() {
        kill "$TEAMD_PID" 2>/dev/null || true
        wait "$TEAMD_PID" 2>/dev/null || true
        TEAMD_PID=
}

# A user whose grant is stored by hand: the checks of phases 2 and 3.
steady_grant() {
        "$SIGN_BIN" sign --key "$T/skeys/k1.pem" --kid k1 --sub steady --aud "$HOST" --role sudo --for 8h |
                "$TEAMCTL_BIN" --config "$T/teamd.conf" grant add - >/dev/null
}

common=(--port "$PORT" --tokens "$T/tokens" --host "$HOST" --role sudo --socket "$T/run/teamd.sock"
        --module "$MODULE" --confdir "$T/pam.d")

start_server
start_teamd
for _ in $(seq 50); do [ "$(api_state)" = reachable ] && break; sleep 0.1; done
[ "$(api_state)" = reachable ] || { echo "bench_approval.sh: teamd does not reach team-server" >&2; exit 1; }
steady_grant

"$BENCH_BIN" approval "${common[@]}" --runs "$runs" $header
"$BENCH_BIN" checks "${common[@]}" --skip $((runs + 3)) --user steady --seconds "$seconds" --approve-stream \
        --label "PAM account check while grants stream in from team-server"

# Phase 3: every grant so far, in one feed answer to a teamd with an empty store.
stop_teamd
rm -f "$T/state/grants.db" "$T/state/grants.db-wal" "$T/state/grants.db-shm"
kill -STOP "$SERVER_PID"
start_teamd
steady_grant
backlog=$(sqlite3 "$T/team.db" 'SELECT count(*) FROM grants' 2>/dev/null || echo "every")
"$BENCH_BIN" checks "${common[@]}" --user steady --seconds "$((seconds + 2))" \
        --label "PAM account check while teamd applies a backlog of $backlog grants (one feed answer)" &
bench_pid=$!
sleep 1
kill -CONT "$SERVER_PID"
wait "$bench_pid"
stored=$(sqlite3 "$T/state/grants.db" 'SELECT count(*) FROM grants' 2>/dev/null || echo "?")
echo "bench_approval.sh: teamd holds $stored grants after the backlog ($backlog in the feed + 1 by hand)" >&2
