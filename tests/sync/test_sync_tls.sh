#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Grant sync over HTTPS: TLS verification is always on. team-server serves
# a certificate from a private CA (self-signed); teamd without ca_file
# refuses it (unreachable, the certificate problem logged, no grant); with
# ca_file pinning that CA the grant arrives; a URL naming a host the
# certificate does not carry is refused even with the right ca_file.
# Root only; skips (77) otherwise, or without openssl to make a certificate.
set -uo pipefail

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/sync/sync_lib.sh"

sync_require
fixture_require_programs openssl
fixture_init synchost
real_server_init
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$SRV_DIR/tls.key" -out "$SRV_DIR/tls.crt" >/dev/null 2>&1 \
        || fixture_skip "openssl cannot make a test certificate"
chmod 0600 "$SRV_DIR/tls.key"
printf 'tls_cert = %s\ntls_key = %s\n' "$SRV_DIR/tls.crt" "$SRV_DIR/tls.key" >>"$SRV_DIR/team-server.conf"
ALICE=$(real_server_admin user add alice --groups devs)
BOB=$(real_server_admin user add bob --groups admins)
SRV_URL=https://127.0.0.1:$SRV_PORT
real_server_host
cp "$TEAM_CONF" "$TEAM_TMP/teamd.conf.base"
start_real_server

# use_url URL [CA_FILE]: rewrites teamd.conf's [server] from the base.
use_url() {
        sed "s|^url = .*|url = $1|" "$TEAM_TMP/teamd.conf.base" >"$TEAM_CONF"
        [ $# -ge 2 ] && printf 'ca_file = %s\n' "$2" >>"$TEAM_CONF"
        return 0
}

RID=$(TEAM_TOKEN=$ALICE "$TEAMCTL_BIN" --server "$SRV_URL" --cacert "$SRV_DIR/tls.crt" --json request sudo \
        --host "$TEAM_HOST" --for 1h --reason "tls test" </dev/null |
        "$PY" -c 'import json, sys; print(json.load(sys.stdin)["id"])') || fixture_fail "alice's request"
TEAM_TOKEN=$BOB "$TEAMCTL_BIN" --server "$SRV_URL" --cacert "$SRV_DIR/tls.crt" approve "$RID" </dev/null >/dev/null \
        || fixture_fail "bob's approval"

echo "# no ca_file: the private CA is not trusted"
use_url "$SRV_URL"
log_mark
start_teamd || fixture_fail "teamd did not start"
wait_log 'is unreachable: cannot poll .*(SSL|certificate)' 15
check_contains "status without ca_file" "$(status_api)" 'unreachable since'
pam_expect alice sudo PAM_PERM_DENIED
stop_teamd || fixture_fail "teamd did not stop cleanly"

echo "# ca_file pins the CA: the grant arrives"
use_url "$SRV_URL" "$SRV_DIR/tls.crt"
log_mark
start_teamd || fixture_fail "teamd did not start"
wait_log 'GrantReceived: grant g_' 15
check_contains "status with ca_file" "$(status_api)" 'reachable since'
pam_expect alice sudo PAM_SUCCESS
stop_teamd || fixture_fail "teamd did not stop cleanly"

echo "# the right CA, but a name the certificate does not carry"
use_url "https://localhost:$SRV_PORT" "$SRV_DIR/tls.crt"
log_mark
start_teamd || fixture_fail "teamd did not start"
wait_log 'is unreachable: cannot poll .*(SSL|certificate|subject)' 15
stop_teamd || fixture_fail "teamd did not exit cleanly"
echo "ok - grant sync verifies TLS always; ca_file pins a private CA"
