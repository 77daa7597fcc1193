#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What failmode=safe may and may not open on (tests/sync/fake_feed.py as
# the central API, pam_team.so with failmode=safe on the PAM line):
#   - the API refuses the host token (401, 403): that is the API saying no,
#     not an outage: checks without a grant stay denied however long it
#     lasts, an alert-priority ApiRefused event is written, and teamctl
#     status says the token was refused and names token_file
#   - a real outage (connection refused) opens only after fail_open_after
#   - a revoked grant is a cached "no": its user stays denied through the
#     outage (a tombstone), and `teamctl grant add` of its JWS is refused
#   - root's teamctl status lists every active grant on the host
# Root only (token_file must be root-owned); skips (77) otherwise.
set -uo pipefail

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/sync/sync_lib.sh"

sync_require
fixture_init refusedhost
feed_init
# Long enough that "not yet" is seen on a loaded machine, short enough to wait for.
OPEN_AFTER=15
sed -i "s|^\[server\]$|[server]\nfail_open_after = ${OPEN_AFTER}s|" "$TEAM_CONF"
grep -q "^fail_open_after = ${OPEN_AFTER}s" "$TEAM_CONF" || fixture_fail "could not set fail_open_after"
mkdir -m 0755 "$TEAM_TMP/pam.d"
cat >"$TEAM_TMP/pam.d/synctest-sudo" <<EOPAM
account required $PAM_TEAM_SO role=sudo socket=$TEAM_SOCK timeout_ms=1000 failmode=safe
EOPAM
teamctl() { "$TEAMCTL_BIN" --config "$TEAM_CONF" "$@"; }
status_full() { teamctl status 2>&1; }

start_feed
log_mark
start_teamd || fixture_fail "teamd did not start"
wait_log 'is reachable' 15

echo "# a grant arrives and is revoked; another user holds an active one"
BOB=g_bob$$
BOB_JWS=$(sign_grant bob sudo --for 2h --jti "$BOB") || fixture_fail "sign bob"
feed_grant_signed "$BOB_JWS" "$BOB"
ALICE=$(feed_grant alice sudo --for 2h)
wait_log "GrantReceived: grant $ALICE" 15
pam_expect bob sudo PAM_SUCCESS
feed_revoke "$BOB"
wait_log "GrantRevoked: grant $BOB" 15
pam_expect bob sudo PAM_PERM_DENIED

echo "# a revoked grant handed over again is refused"
printf '%s\n' "$BOB_JWS" >"$TEAM_TMP/bob.jws"
out=$(teamctl grant add "$TEAM_TMP/bob.jws" 2>&1); rc=$?
[ "$rc" -ne 0 ] || fixture_fail "grant add of a revoked grant succeeded: $out"
check_contains "grant add of a revoked grant" "$out" "revoked"
pam_expect bob sudo PAM_PERM_DENIED

echo "# root's status lists every active grant on the host"
out=$(status_full)
check_contains "root status lists alice's grant" "$out" "$ALICE +sudo +alice "
if printf '%s' "$out" | grep -q "$BOB"; then
        fixture_fail "root status lists the revoked grant: $out"
fi

for code in 401 403; do
        echo "# the API refuses the host token (HTTP $code)"
        log_mark
        feed_mode "status:$code"
        wait_log "refused this host's token \(HTTP $code\)" 30
        out=$(status_full)
        check_contains "status on $code" "$out" "failing since"
        check_contains "status names the token file on $code" "$out" "refused this host's token.*$TEAM_HOST_TOKEN_FILE"
        grep -Eq "ApiRefused" <<<"$(log_since_mark)" || fixture_fail "no ApiRefused event on HTTP $code"
        pam_expect carol sudo PAM_PERM_DENIED
        pam_expect alice sudo PAM_SUCCESS
        log_mark
        feed_mode ok
        wait_log 'recovered after' 70
done

echo "# a refusal that lasts longer than fail_open_after still never opens"
log_mark
feed_mode status:401
wait_log "refused this host's token" 30
sleep $((OPEN_AFTER + 2))
pam_expect carol sudo PAM_PERM_DENIED
if grep -q "FailOpen" "$TEAMD_LOG"; then
        fixture_fail "teamd opened while the API refused its token"
fi

echo "# a real outage: closed for fail_open_after, then open, but never for a revoked grant"
log_mark
kill_feed
wait_log 'is unreachable' 70
t0=$(date +%s)
pam_expect carol sudo PAM_PERM_DENIED
[ $(($(date +%s) - t0)) -lt "$OPEN_AFTER" ] || fixture_log "note: the first check came late (loaded machine)"
wait_pam carol sudo PAM_SUCCESS $((OPEN_AFTER * 3)) || fixture_fail "no fail-open after fail_open_after"
[ $(($(date +%s) - t0)) -ge $((OPEN_AFTER - 2)) ] || fixture_fail "fail-open came before fail_open_after"
grep -q "FailOpen.*TEAM_USER=carol" "$TEAMD_LOG" || fixture_fail "no FailOpen event for carol"
pam_expect bob sudo PAM_PERM_DENIED
grep -q "FailOpen.*TEAM_USER=bob" "$TEAMD_LOG" && fixture_fail "fail-open let in bob, whose grant was revoked"
pam_expect alice sudo PAM_SUCCESS

teamd_running || fixture_fail "teamd is not running at the end"
stop_teamd || fixture_fail "teamd did not exit cleanly"
echo "ok - failmode=safe opens only on an outage, never on a refusal or a revocation"
