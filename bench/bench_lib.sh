# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The team-server setup shared by bench/bench_server.sh and
# bench/bench_approval.sh: a free loopback port, a signing key, the bench
# policy (role sudo, approved by "admins", 8 h) and team-server.conf in $T.
#
#   bench_free_port
#   bench_server_files PRIVATE_KEY_DIR PUBLIC_KEY_FILE [CONF_LINE...]
#                                  # needs SIGN_BIN, T, PORT
#   admin ARGS...                  # team-server admin, last line (the token)

bench_free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

bench_server_files() {
        local priv=$1 pub=$2 line
        shift 2
        "$SIGN_BIN" keygen --private "$priv/k1.pem" --public "$pub" >/dev/null
        chmod 0600 "$priv/k1.pem"
        cat >"$T/policy.conf" <<'POLICY'
[role sudo]
max_duration = 8h
approver_groups = admins
request_ttl = 8h
POLICY
        {
                printf '[server]\nlisten = 127.0.0.1:%s\ndatabase = %s\nsigning_keys = %s\npolicy = %s\n' \
                        "$PORT" "$T/team.db" "$priv" "$T/policy.conf"
                # Every load comes from one loopback address and one requester:
                # no per-address or per-identity limit in a benchmark.
                printf 'max_connections_per_address = 0\nrequest_rate_limit = 0\n'
                for line in "$@"; do printf '%s\n' "$line"; done
        } >"$T/team-server.conf"
        chmod 0600 "$T/policy.conf" "$T/team-server.conf"
}

admin() { "$SERVER_BIN" --config "$T/team-server.conf" admin "$@" 2>>"$T/admin.log" | tail -n 1; }
