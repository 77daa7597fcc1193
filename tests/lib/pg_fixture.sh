# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A private PostgreSQL server for one test: initdb + pg_ctl in a fresh
# mktemp directory, run by an unprivileged user (the caller, or "nobody"
# when the caller is root: postgres refuses to run as root), listening on a
# unix socket in that directory only (no TCP port, nothing shared with
# another test), password authentication (scram) with a 0600 passfile.
#
#   pg_fixture_start          # skips (exit 77) when the binaries are absent
#   pg_fixture_createdb NAME  # a fresh database owned by the test role
#   pg_fixture_uri [DB]       # postgresql://team@/DB?host=DIR (no password)
#   pg_fixture_psql DB SQL    # one statement, unaligned tuples only
#   pg_fixture_stop           # fast shutdown, directory removed
#   pg_fixture_pause / pg_fixture_resume   # stop / start the same cluster
#
# Sets TEAM_PG_DIR, TEAM_PG_BIN, and exports PGPASSFILE. The stop is
# registered with fixture_on_cleanup when teamd_fixture.sh is loaded, is
# left to the caller with PG_FIXTURE_CALLER_STOPS=1, else is an EXIT trap
# of its own (chained to any trap already set).

TEAM_PG_DIR=
TEAM_PG_BIN=
TEAM_PG_RUNAS=
TEAM_PG_ROLE=team

pg_fixture_find_bin() {
        local d
        if command -v pg_config >/dev/null 2>&1; then
                d=$(pg_config --bindir 2>/dev/null)
                [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { printf '%s\n' "$d"; return 0; }
        fi
        for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
                [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { printf '%s\n' "$d"; return 0; }
        done
        return 1
}

pg_fixture_skip() {
        echo "SKIP: ${0##*/}: $*" >&2
        exit 77
}

# Runs a PostgreSQL server program as the cluster's owner.
pg_fixture_as_owner() {
        if [ -n "$TEAM_PG_RUNAS" ]; then
                setpriv --reuid="$TEAM_PG_RUNAS" --regid="$(id -g "$TEAM_PG_RUNAS")" --clear-groups \
                        env -u PGPASSFILE HOME="$TEAM_PG_DIR" "$@"
        else
                "$@"
        fi
}

pg_fixture_start() {
        local pw
        TEAM_PG_BIN=$(pg_fixture_find_bin) ||
                pg_fixture_skip "PostgreSQL server binaries (initdb, pg_ctl) are not installed (Debian: postgresql-15)"
        if [ "$(id -u)" -eq 0 ]; then
                TEAM_PG_RUNAS=nobody
                id nobody >/dev/null 2>&1 || pg_fixture_skip "no unprivileged user 'nobody' to run postgres as"
        fi
        # Short path: the socket name must fit in sun_path.
        TEAM_PG_DIR=$(mktemp -d /tmp/pg.XXXXXX) || { echo "FAIL: mktemp" >&2; exit 1; }
        if [ "${PG_FIXTURE_CALLER_STOPS:-}" = 1 ]; then
                :
        elif declare -F fixture_on_cleanup >/dev/null; then
                fixture_on_cleanup pg_fixture_stop
        else
                # shellcheck disable=SC2064 # the old trap is expanded now on purpose
                trap "pg_fixture_stop; $(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")" EXIT
        fi
        mkdir -m 0700 "$TEAM_PG_DIR/data" "$TEAM_PG_DIR/client"
        pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
        printf '%s\n' "$pw" >"$TEAM_PG_DIR/pwfile"
        chmod 0600 "$TEAM_PG_DIR/pwfile"
        [ -z "$TEAM_PG_RUNAS" ] || chown -R "$TEAM_PG_RUNAS" "$TEAM_PG_DIR/data" "$TEAM_PG_DIR/pwfile"
        chmod 0711 "$TEAM_PG_DIR"
        if ! pg_fixture_as_owner "$TEAM_PG_BIN/initdb" -D "$TEAM_PG_DIR/data" -U "$TEAM_PG_ROLE" \
                --pwfile="$TEAM_PG_DIR/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
                >"$TEAM_PG_DIR/initdb.log" 2>&1; then
                cat "$TEAM_PG_DIR/initdb.log" >&2
                echo "FAIL: initdb" >&2
                exit 1
        fi
        rm -f "$TEAM_PG_DIR/pwfile"
        # The client's passfile: owned by the caller, 0600 (libpq and
        # team-server both refuse a group/world-readable one).
        printf '*:*:*:%s:%s\n' "$TEAM_PG_ROLE" "$pw" >"$TEAM_PG_DIR/client/pgpass"
        chmod 0600 "$TEAM_PG_DIR/client/pgpass"
        export PGPASSFILE=$TEAM_PG_DIR/client/pgpass
        pg_fixture_resume
}

pg_fixture_resume() {
        if ! pg_fixture_as_owner "$TEAM_PG_BIN/pg_ctl" -D "$TEAM_PG_DIR/data" -l "$TEAM_PG_DIR/data/server.log" \
                -w -t 60 -o "-c listen_addresses='' -c unix_socket_directories='$TEAM_PG_DIR/data' -c fsync=off -c max_connections=200" \
                start >/dev/null 2>&1; then
                tail -n 20 "$TEAM_PG_DIR/data/server.log" >&2
                echo "FAIL: pg_ctl start" >&2
                exit 1
        fi
}

pg_fixture_pause() {
        pg_fixture_as_owner "$TEAM_PG_BIN/pg_ctl" -D "$TEAM_PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1
}

# shellcheck disable=SC2317 # called from a cleanup trap
pg_fixture_stop() {
        [ -n "$TEAM_PG_DIR" ] && [ -d "$TEAM_PG_DIR" ] || return 0
        [ -f "$TEAM_PG_DIR/data/postmaster.pid" ] && pg_fixture_pause
        if [ "${KEEP_TMP:-}" ]; then echo "kept $TEAM_PG_DIR" >&2; else rm -rf "$TEAM_PG_DIR"; fi
        TEAM_PG_DIR=
}

pg_fixture_uri() {
        printf 'postgresql://%s@/%s?host=%s\n' "$TEAM_PG_ROLE" "${1:-postgres}" "$TEAM_PG_DIR/data"
}

pg_fixture_psql() {
        "$TEAM_PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$(pg_fixture_uri "$1")" -c "$2"
}

pg_fixture_createdb() {
        pg_fixture_psql postgres "CREATE DATABASE \"$1\"" >/dev/null
}
