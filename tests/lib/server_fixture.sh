# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A private team-server for the story tests and tools/demo.sh: loopback, a
# free port, a temporary sqlite database, and the fixture's throwaway key as
# its signing key (so the teamd of teamd_fixture.sh already trusts it).
# Source after teamd_fixture.sh; call after fixture_init.
#
#   server_init [POLICY_FILE]      # config, keys, policy (default below)
#   server_add_user NAME GROUPS    # prints the user's bearer token
#   server_add_host ID [GROUPS]    # prints the host's bearer token
#   start_server / stop_server / kill_server
#   teamd_use_server               # [server] url + token_file in teamd.conf
#   central TOKEN ARGS...          # teamctl --server URL ARGS with TOKEN
#
# Sets TEAM_SERVER_URL, TEAM_SERVER_CONF, TEAM_SERVER_DB, TEAM_SERVER_LOG,
# TEAM_HOST_TOKEN_FILE. Needs only bash (no python, no curl).

SERVER_BIN=${top_builddir:?}/server/team-server
TEAM_SERVER_PID=
TEAM_SERVER_PORT=
TEAM_SERVER_URL=
TEAM_SERVER_CONF=
TEAM_SERVER_DB=
TEAM_SERVER_LOG=
TEAM_HOST_TOKEN_FILE=

# The default policy: roles sudo and ssh, approved by one member of
# "admins", at most 1 hour, requests pending at most 10 minutes.
server_default_policy() {
        local role
        for role in sudo ssh; do
                cat <<EOPOL
[role $role]
max_duration = 1h
approver_groups = admins
approvals_required = 1
request_ttl = 10m

EOPOL
        done
}

# server_init [POLICY_FILE]
# shellcheck disable=SC2120 # POLICY_FILE is optional
server_init() {
        local dir=$TEAM_TMP/server
        [ -x "$SERVER_BIN" ] || fixture_skip "$SERVER_BIN is not built"
        mkdir -m 0700 "$dir" "$dir/signing-keys" || fixture_fail "mkdir $dir"
        fixture_on_cleanup stop_server
        # The server signs with the fixture's key under the fixture's kid:
        # teamd's trusted_keys already holds its public half.
        install -m 0600 "$TEAM_KEY" "$dir/signing-keys/$TEAM_KID.pem" \
                || fixture_fail "cannot install the server's signing key"
        if [ $# -ge 1 ]; then
                install -m 0600 "$1" "$dir/policy.conf" || fixture_fail "cannot install $1"
        else
                server_default_policy >"$dir/policy.conf"
                chmod 0600 "$dir/policy.conf"
        fi
        TEAM_SERVER_CONF=$dir/team-server.conf
        TEAM_SERVER_DB=$dir/team.db
        TEAM_SERVER_LOG=$dir/team-server.log
        server_write_conf 0
}

# server_write_conf PORT: (re)writes team-server.conf for PORT.
server_write_conf() {
        TEAM_SERVER_PORT=$1
        TEAM_SERVER_URL=http://127.0.0.1:$1
        cat >"$TEAM_SERVER_CONF" <<EOCONF
[server]
listen = 127.0.0.1:$1
database = $TEAM_SERVER_DB
signing_keys = $TEAM_TMP/server/signing-keys
policy = $TEAM_TMP/server/policy.conf
# Story tests file many requests for one user in a burst (prompt stress);
# the per-identity limit has its own test (tests/server/test_rate_pages.sh).
request_rate_limit = 0
EOCONF
        chmod 0600 "$TEAM_SERVER_CONF"
}

server_admin() {
        "$SERVER_BIN" --config "$TEAM_SERVER_CONF" admin "$@" 2>>"$TEAM_TMP/server/admin.log" | tail -n 1
}

# server_add_user NAME GROUPS: prints the token (tm_...).
server_add_user() {
        local tok
        tok=$(server_admin user add "$1" --groups "$2")
        [[ $tok == tm_* ]] || { cat "$TEAM_TMP/server/admin.log" >&2; fixture_fail "team-server admin user add $1"; }
        printf '%s\n' "$tok"
}

# server_add_host ID [GROUPS]: prints the token (tm_...).
server_add_host() {
        local tok
        if [ $# -ge 2 ]; then
                tok=$(server_admin host add "$1" --groups "$2")
        else
                tok=$(server_admin host add "$1")
        fi
        [[ $tok == tm_* ]] || { cat "$TEAM_TMP/server/admin.log" >&2; fixture_fail "team-server admin host add $1"; }
        printf '%s\n' "$tok"
}

team_server_running() {
        [ -n "$TEAM_SERVER_PID" ] && kill -0 "$TEAM_SERVER_PID" 2>/dev/null
}

# server_accepts: a TCP connection to the port succeeds (bash's /dev/tcp).
server_accepts() {
        (exec 3<>"/dev/tcp/127.0.0.1/$TEAM_SERVER_PORT") 2>/dev/null
}

# start_server: the first time on a random free port (a few tries), later
# on the same port again (teamd.conf holds the URL); waits (10 s at most)
# until it says it listens and accepts.
start_server() {
        local try i mark fixed=$TEAM_SERVER_PORT
        : >>"$TEAM_SERVER_LOG"
        for ((try = 0; try < 8; try++)); do
                if [ "$fixed" = 0 ]; then
                        server_write_conf $((20000 + RANDOM % 40000))
                fi
                mark=$(wc -l <"$TEAM_SERVER_LOG")
                "$SERVER_BIN" --config "$TEAM_SERVER_CONF" </dev/null >>"$TEAM_SERVER_LOG" 2>&1 &
                TEAM_SERVER_PID=$!
                for ((i = 0; i < 100; i++)); do
                        if ! team_server_running; then
                                wait "$TEAM_SERVER_PID" 2>/dev/null
                                TEAM_SERVER_PID=
                                break
                        fi
                        if tail -n +"$((mark + 1))" "$TEAM_SERVER_LOG" | grep -q 'listening on' &&
                                server_accepts; then
                                return 0
                        fi
                        sleep 0.1
                done
                if team_server_running; then
                        stop_server
                        break
                fi
                # Only a taken port is worth another try (the same port a
                # moment later, or another one the first time).
                tail -n +"$((mark + 1))" "$TEAM_SERVER_LOG" | grep -qi 'in use' || break
                [ "$fixed" = 0 ] || sleep 0.5
        done
        fixture_log "team-server did not start:"
        tail -n 20 "$TEAM_SERVER_LOG" >&2
        return 1
}

# stop_server: SIGTERM, 5 s to exit, then SIGKILL. Returns its status.
stop_server() {
        local rc
        [ -n "$TEAM_SERVER_PID" ] || return 0
        fixture_term "$TEAM_SERVER_PID" team-server; rc=$?
        TEAM_SERVER_PID=
        return "$rc"
}

kill_server() {
        [ -n "$TEAM_SERVER_PID" ] || return 0
        fixture_kill "$TEAM_SERVER_PID"
        TEAM_SERVER_PID=
}

# teamd_use_server: registers this host with the server (host id
# $TEAM_HOST), writes its token (root, 0600) and points teamd.conf at the
# server. Call after start_server (the URL carries the port) and before
# start_teamd.
teamd_use_server() {
        TEAM_HOST_TOKEN_FILE=$TEAM_TMP/host.token
        (umask 077 && server_add_host "$TEAM_HOST" >"$TEAM_HOST_TOKEN_FILE") \
                || fixture_fail "cannot register host $TEAM_HOST"
        chmod 0600 "$TEAM_HOST_TOKEN_FILE"
        cat >>"$TEAM_CONF" <<EOCONF

[server]
url = $TEAM_SERVER_URL
token_file = $TEAM_HOST_TOKEN_FILE
EOCONF
}

# central TOKEN ARGS...: a central teamctl verb as the token's owner.
central() {
        local tok=$1
        shift
        TEAM_TOKEN=$tok "$TEAMCTL_BIN" --server "$TEAM_SERVER_URL" "$@" </dev/null
}
