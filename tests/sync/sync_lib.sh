# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Helpers of the grant sync tests (tests/sync): a scriptable fake feed
# (fake_feed.py), teamd pointed at it, PAM checks through the built
# pam_team.so with their latency, and waiting for teamd's log lines.
# Source after tests/lib/teamd_fixture.sh and fixture_init.
#
#   sync_require                 # root, python3, the built pieces
#   feed_init                    # FEED_DIR, FEED_PORT, host token, [server] in teamd.conf
#   start_feed / kill_feed       # the fake server on FEED_PORT
#   feed_mode MODE               # see fake_feed.py
#   feed_grant USER ROLE [sign options]   # appends a signed grant, prints its id
#   feed_revoke ID
#   log_mark; wait_log REGEX SECONDS      # teamd's log after the mark
#   pam_expect USER ROLE RESULT [MAX_MS]  # one account check, bounded time

PAM_CHECK=${top_builddir:?}/tests/e2e/pam_check
FAKE_FEED=${top_srcdir:?}/tests/sync/fake_feed.py
FEED_DIR=
FEED_PORT=
FEED_PID=
LOG_MARK=0
PY=${PYTHON3:-$(command -v python3 || true)}

sync_require() {
        fixture_require_root
        [ -n "$PY" ] || fixture_skip "${0##*/} needs python3 for its fake feed server"
        fixture_require_built "$PAM_TEAM_SO" "$PAM_CHECK"
}

free_port() {
        "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A 43-character base64url tail, as team-server makes them.
random_token() {
        printf 'tm_%s\n' "$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"
}

# feed_init: the fake feed's directory and port, the host token (root 0600,
# also required by the fake server), and [server] in teamd.conf.
feed_init() {
        FEED_DIR=$TEAM_TMP/feed
        mkdir -m 0700 "$FEED_DIR" || fixture_fail "mkdir $FEED_DIR"
        FEED_PORT=$(free_port) || fixture_fail "no free port"
        TEAM_HOST_TOKEN_FILE=$TEAM_TMP/host.token
        (umask 077 && random_token >"$TEAM_HOST_TOKEN_FILE")
        cp "$TEAM_HOST_TOKEN_FILE" "$FEED_DIR/token"
        : >"$FEED_DIR/feed.jsonl"
        : >"$FEED_DIR/requests.log"
        echo ok >"$FEED_DIR/mode"
        fixture_on_cleanup kill_feed
        cat >>"$TEAM_CONF" <<EOCONF

[server]
url = http://127.0.0.1:$FEED_PORT
token_file = $TEAM_HOST_TOKEN_FILE
EOCONF
}

feed_running() { [ -n "$FEED_PID" ] && kill -0 "$FEED_PID" 2>/dev/null; }

start_feed() {
        local i
        rm -f "$FEED_DIR/port"
        "$PY" "$FAKE_FEED" "$FEED_DIR" "$FEED_PORT" >>"$FEED_DIR/server.log" 2>&1 &
        FEED_PID=$!
        for ((i = 0; i < 100; i++)); do
                [ -s "$FEED_DIR/port" ] && return 0
                feed_running || break
                sleep 0.1
        done
        tail -n 20 "$FEED_DIR/server.log" >&2
        fixture_fail "the fake feed did not start on port $FEED_PORT"
}

# kill_feed: SIGKILL, as a crash (held connections are cut, not answered).
kill_feed() {
        [ -n "$FEED_PID" ] || return 0
        kill -KILL "$FEED_PID" 2>/dev/null
        wait "$FEED_PID" 2>/dev/null
        FEED_PID=
}

feed_mode() { echo "$1" >"$FEED_DIR/mode.tmp" && mv "$FEED_DIR/mode.tmp" "$FEED_DIR/mode"; }

# feed_grant_signed JWS ID: appends an already signed grant.
feed_grant_signed() {
        printf '{"id": "%s", "jws": "%s"}\n' "$2" "$1" >>"$FEED_DIR/feed.jsonl"
}

# feed_grant USER ROLE [sign options]: signs (fixture key, this host),
# appends, prints the grant id.
feed_grant() {
        local id jws
        id=g_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
        jws=$(sign_grant "$@" --jti "$id") || fixture_fail "team-sign-grant sign"
        feed_grant_signed "$jws" "$id"
        printf '%s\n' "$id"
}

feed_revoke() { printf '{"revoked": "%s"}\n' "$1" >>"$FEED_DIR/feed.jsonl"; }

log_mark() { LOG_MARK=0; if [ -f "$TEAMD_LOG" ]; then LOG_MARK=$(wc -l <"$TEAMD_LOG"); fi; }

log_since_mark() { tail -n +"$((LOG_MARK + 1))" "$TEAMD_LOG"; }

# wait_log REGEX SECONDS: until a line after the mark matches.
wait_log() {
        local re=$1 secs=$2 i
        for ((i = 0; i < secs * 10; i++)); do
                grep -Eq -- "$re" <<<"$(log_since_mark)" && return 0
                teamd_running || fixture_fail "teamd died while waiting for /$re/"
                sleep 0.1
        done
        log_since_mark | tail -n 15 >&2
        fixture_fail "no teamd log line /$re/ within $secs s"
}

now_ms() { date +%s%3N; }

# pam_conf ROLE: a PAM service "synctest" for ROLE in $TEAM_TMP/pam.d. The
# module's timeout is generous: on a loaded machine teamd may well take
# more than a second to answer while it applies a feed answer, and how
# fast it answers is measured in bench/, not asserted here.
pam_conf() {
        [ -d "$TEAM_TMP/pam.d" ] || mkdir -m 0755 "$TEAM_TMP/pam.d"
        cat >"$TEAM_TMP/pam.d/synctest-$1" <<EOPAM
account required $PAM_TEAM_SO role=$1 socket=$TEAM_SOCK timeout_ms=10000
EOPAM
}

# pam_expect USER ROLE RESULT: one account check must give RESULT
# (PAM_SUCCESS, PAM_PERM_DENIED, ...). A teamd too slow to answer shows as
# a wrong RESULT (the module's own timeout_ms denies), so no duration is
# asserted; PAM_LAST_MS reports the wall time, process start included.
pam_expect() {
        local user=$1 role=$2 want=$3 t0 t1 got
        [ -f "$TEAM_TMP/pam.d/synctest-$role" ] || pam_conf "$role"
        t0=$(now_ms)
        got=$("$PAM_CHECK" "synctest-$role" "$user" "$TEAM_TMP/pam.d" account 2>/dev/null)
        t1=$(now_ms)
        [ "$got" = "$want" ] || fixture_fail "PAM account check of $user for $role: $got, expected $want"
        # shellcheck disable=SC2034 # read by the scripts that source this file
        PAM_LAST_MS=$((t1 - t0))
}

# status_api: teamctl status's api line.
status_api() { "$TEAMCTL_BIN" --config "$TEAM_CONF" status 2>&1 | grep '^api:'; }

# count_log REGEX: matching lines in the whole teamd log (all runs).
count_log() { grep -Ec -- "$1" "$TEAMD_LOG"; }

# ---- a real team-server (the happy path) ----
# tests/lib/server_fixture.sh's team-server, on a port fixed up front (the
# TLS test writes it into URLs and adds tls_* lines to the config before
# the first start) and with the sync tests' policy.
# shellcheck source=../lib/server_fixture.sh
. "$top_srcdir/tests/lib/server_fixture.sh"
SRV_DIR=
SRV_PORT=
SRV_URL=

# real_server_init: config, the fixture's key as the server's signing key
# (teamd already trusts it), policy: role sudo approved by one of "admins".
real_server_init() {
        local port
        cat >"$TEAM_TMP/sync-policy.conf" <<EOPOL
[role sudo]
max_duration = 8h
approver_groups = admins
approvals_required = 1
EOPOL
        server_init "$TEAM_TMP/sync-policy.conf"
        port=$(free_port) || fixture_fail "no free port"
        server_write_conf "$port"
        SRV_DIR=$TEAM_TMP/server
        SRV_PORT=$TEAM_SERVER_PORT
        SRV_URL=$TEAM_SERVER_URL
}

# real_server_admin ARGS: the token printed last.
real_server_admin() { server_admin "$@"; }

# real_server_host: registers this host, writes its token, [server] in
# teamd.conf with $SRV_URL (the TLS test sets an https:// one).
real_server_host() {
        TEAM_SERVER_URL=$SRV_URL
        teamd_use_server
}

start_real_server() { start_server || fixture_fail "team-server did not start on $SRV_URL"; }
kill_real_server() { kill_server; }

# request_id TOKEN ROLE: files a request for this host, prints its id.
request_id() {
        central "$1" --json request "$2" --host "$TEAM_HOST" --for 1h --reason "sync test" |
                "$PY" -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

# grant_of TOKEN REQUEST_ID: the request's grant id.
grant_of() {
        central "$1" --json show "$2" |
                "$PY" -c 'import json, sys; print(json.load(sys.stdin)["grant"]["id"])'
}

# wait_pam USER ROLE RESULT SECONDS: polls every 20 ms; sets WAITED_MS.
wait_pam() {
        local user=$1 role=$2 want=$3 secs=$4 t0 got
        [ -f "$TEAM_TMP/pam.d/synctest-$role" ] || pam_conf "$role"
        t0=$(now_ms)
        while :; do
                got=$("$PAM_CHECK" "synctest-$role" "$user" "$TEAM_TMP/pam.d" account 2>/dev/null)
                WAITED_MS=$(($(now_ms) - t0))
                [ "$got" = "$want" ] && return 0
                [ "$WAITED_MS" -gt $((secs * 1000)) ] && return 1
                sleep 0.02
        done
}
