# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Shared setup of the standalone team-server HTTP tests in tests/server
# (no root, no teamd; curl drives the API). The private team-server of the
# story tests is tests/lib/server_fixture.sh; this one is for tests that
# write their own team-server.conf (webhooks, max_wait, TLS) in $T.
#
#   server_http_init NAME         # $T = a fresh temp dir, removed at exit
#                                 # (kept with KEEP_TMP=1); with
#                                 # TEAM_TEST_STORE=postgresql also a private
#                                 # PostgreSQL server (tests/lib/pg_fixture.sh)
#   $SERVER_DB                    # the `database =` value: $T/team.db, or
#                                 # the URI of a database on that server
#   server_db_file                # prints a file holding the database's
#                                 # bytes (sqlite: the file; PostgreSQL: a
#                                 # pg_dump), to look for what must not be
#                                 # stored
#   pass / fail / die MESSAGE     # TAP-ish lines; $fails counts failures
#   free_port                     # a free loopback TCP port
#   start_server / stop_server    # $T/team-server.conf, log $T/server.log;
#                                 # start waits for $API/healthz
#   server_http_setup POLICY [LINE...]
#                                 # a signing key in $T/keys, POLICY (printf
#                                 # %b text) in $T/policy.conf, and the conf
#   server_http_write_conf [LINE...]
#                                 # $T/team-server.conf on $PORT with the
#                                 # extra [server] LINEs
#   admin ARGS...                 # team-server admin ARGS (stderr to
#                                 # $T/admin.log)
#   http_call URL METHOD PATH TOKEN [BODY]
#                                 # the answer in ${OUT:-$T/resp}, prints
#                                 # the status (BODY: JSON)
#   json_get EXPR [FILE]          # a python expression over o, the JSON in
#                                 # FILE ($T/resp); lists and objects as JSON
#
# Set SERVER_BIN, CURL, PY and API before start_server. Extra process ids to
# stop at exit: list their variable names in SERVER_HTTP_PIDS.

SERVER_PID=
SERVER_DB=
SERVER_HTTP_PIDS=
fails=0

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*" >&2; fails=$((fails + 1)); }
die() {
        echo "FATAL: $*" >&2
        echo "--- server log" >&2; tail -n 40 "$T/server.log" >&2 2>/dev/null
        exit 1
}

# shellcheck disable=SC2317 # called from the EXIT trap
server_http_cleanup() {
        local v pid
        for v in $SERVER_HTTP_PIDS SERVER_PID; do
                pid=${!v}
                [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
        done
        declare -F pg_fixture_stop >/dev/null && pg_fixture_stop
        if [ "${KEEP_TMP:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}

server_http_init() {
        T=$(mktemp -d "/tmp/$1.XXXXXX") || { echo "FAIL: mktemp" >&2; exit 1; }
        trap server_http_cleanup EXIT
        SERVER_DB=$T/team.db
        if [ "${TEAM_TEST_STORE:-sqlite}" = postgresql ]; then
                # shellcheck source=tests/lib/pg_fixture.sh
                . "${top_srcdir:-$top_builddir}/tests/lib/pg_fixture.sh"
                PG_FIXTURE_CALLER_STOPS=1 pg_fixture_start
                pg_fixture_createdb team
                SERVER_DB=$(pg_fixture_uri team)
                echo "# backend: PostgreSQL ($SERVER_DB)"
        fi
}

server_db_file() {
        if [ "${TEAM_TEST_STORE:-sqlite}" = postgresql ]; then
                "$TEAM_PG_BIN/pg_dump" -d "$SERVER_DB" -f "$T/db.dump" || die "pg_dump"
                printf '%s\n' "$T/db.dump"
        else
                printf '%s\n' "$T/team.db"
        fi
}

free_port() {
        "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

server_http_write_conf() {
        {
                printf '[server]\nlisten = 127.0.0.1:%s\ndatabase = %s\n' "$PORT" "$SERVER_DB"
                printf 'signing_keys = %s/keys\npolicy = %s/policy.conf\n' "$T" "$T"
                [ $# -eq 0 ] || printf '%s\n' "$@"
        } >"$T/team-server.conf"
        chmod 0600 "$T/team-server.conf"
}

server_http_setup() {
        local policy=$1
        shift
        mkdir -m 0700 "$T/keys"
        "$SIGN_BIN" keygen --private "$T/keys/k1.pem" --public "$T/k1.pub.pem" >/dev/null || die "keygen"
        chmod 0600 "$T/keys/k1.pem"
        printf '%b' "$policy" >"$T/policy.conf"
        chmod 0600 "$T/policy.conf"
        server_http_write_conf "$@"
}

admin() { "$SERVER_BIN" --config "$T/team-server.conf" admin "$@" 2>>"$T/admin.log"; }

http_call() {
        local out=${OUT:-$T/resp}
        if [ $# -ge 5 ]; then
                "$CURL" -sS -o "$out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $4" \
                        -H 'Content-Type: application/json' --data-binary "$5" "$1$3"
        else
                "$CURL" -sS -o "$out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $4" "$1$3"
        fi
}

json_get() {
        "$PY" -c 'import json,sys; o=json.load(open(sys.argv[2])); r=eval(sys.argv[1]); print(json.dumps(r) if isinstance(r,(dict,list)) or r is None else r)' "$1" "${2:-$T/resp}"
}

start_server() {
        local i
        "$SERVER_BIN" --config "$T/team-server.conf" >>"$T/server.log" 2>&1 &
        SERVER_PID=$!
        for ((i = 0; i < 100; i++)); do
                "$CURL" -fsS "$API/healthz" >/dev/null 2>&1 && return 0
                kill -0 "$SERVER_PID" 2>/dev/null || die "team-server exited at start"
                sleep 0.1
        done
        die "team-server not answering /healthz"
}

# stop_server: SIGTERM and wait; returns the server's exit status.
stop_server() {
        local rc
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        rc=$?
        SERVER_PID=
        return $rc
}
