#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# team-server benchmarks: sets up a team-server on a free loopback port
# with a temporary database (users alice/bob, hosts h1..hN in the host group
# "fleet"), then runs bench/bench_server, which prints markdown (see its
# header comment). Called by bench/run.sh; alone:
#   top_builddir=BUILD bench/bench_server.sh [--quick]
set -euo pipefail

: "${top_builddir:?set top_builddir to a build tree}"
# shellcheck source=bench/bench_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
quick=0
[ "${1:-}" = --quick ] && quick=1
SERVER_BIN=$top_builddir/server/team-server
SIGN_BIN=$top_builddir/tools/team-sign-grant
BENCH_BIN=$top_builddir/bench/bench_server
for b in "$SERVER_BIN" "$SIGN_BIN" "$BENCH_BIN"; do
        [ -x "$b" ] || { echo "bench_server.sh: $b not built" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "bench_server.sh: needs python3 (free port)" >&2; exit 1; }

if [ "$quick" = 1 ]; then
        many=100 idle=1000 rounds=5 seconds=1 hold=3
else
        many=1000 idle=10000 rounds=20 seconds=5 hold=10
fi
nhosts=$((idle > many ? idle : many))

T=$(mktemp -d /tmp/bench_server.XXXXXX)
SERVER_PID=
cleanup() {
        if [ -n "$SERVER_PID" ]; then
                kill "$SERVER_PID" 2>/dev/null || true
                wait "$SERVER_PID" 2>/dev/null || true
        fi
        rm -rf "$T"
}
trap cleanup EXIT

PORT=$(bench_free_port)
mkdir -m 0700 "$T/keys"
bench_server_files "$T/keys" "$T/k1.pub.pem" "max_wait = 60" "connection_timeout = 120" \
        "max_connections = $((2 * nhosts + 2048))" "max_anonymous_connections = $((nhosts + 1024))" \
        "max_long_polls = $((nhosts + 16))"
{
        echo "user alice $(admin user add alice --groups dev)"
        echo "user bob $(admin user add bob --groups admins)"
} >"$T/tokens"
# Hosts: one admin process each, a few at a time (sqlite serializes them).
export SERVER_BIN T
seq 1 "$nhosts" | xargs -P 4 -n 50 sh -c '
for i in "$@"; do
        tok=$("$SERVER_BIN" --config "$T/team-server.conf" admin host add "h$i" --groups fleet 2>>"$T/admin.log" | tail -n 1)
        echo "host h$i $tok"
done' sh >>"$T/tokens"
if [ "$(grep -c '^host h[0-9]* tm_' "$T/tokens")" -ne "$nhosts" ]; then
        echo "bench_server.sh: creating $nhosts hosts failed:" >&2
        tail -5 "$T/admin.log" >&2
        exit 1
fi
sort -t h -k2 -n "$T/tokens" -o "$T/tokens" 2>/dev/null || true

# Descriptors: the server raises its soft limit to the hard one.
ulimit -Hn $((nhosts * 2 + 4096)) 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$SERVER_BIN" --config "$T/team-server.conf" >"$T/server.log" 2>&1 &
SERVER_PID=$!
for ((i = 0; i < 100; i++)); do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$PORT" \
                2>/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$T/server.log" >&2; exit 1; }
        sleep 0.1
done

echo "## team-server (loopback, temporary sqlite database, $(nproc) CPUs shared by server and client)"
echo
echo "Hosts h1..h$nhosts in host group \`fleet\`; requester alice, approver bob; the client is one"
echo "epoll thread speaking raw HTTP/1.1 (bench/bench_http.c). Times in µs."
echo
"$BENCH_BIN" --port "$PORT" --server-pid "$SERVER_PID" --tokens "$T/tokens" --hosts "$many" \
        --rounds "$rounds" --idle "$idle" --seconds "$seconds" --hold "$hold" || {
        echo "bench_server failed; server log:" >&2
        tail -20 "$T/server.log" >&2
        exit 1
}
