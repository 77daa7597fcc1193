#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Grant sync against a real team-server (the happy path): alice files a
# request, bob approves, and the grant is usable on this host through
# pam_team within 5 s (measured and printed; the tight figure is the
# benchmark's, bench/bench_approval.sh); bob revokes and the host refuses
# within 5 s; the server is killed in the middle of a long poll and
# restarted, and the next approval still arrives; teamd restarts without
# accepting any grant twice. Root only; skips (77) otherwise.
set -uo pipefail

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/sync/sync_lib.sh"

sync_require
fixture_init synchost
real_server_init
ALICE=$(real_server_admin user add alice --groups devs)
BOB=$(real_server_admin user add bob --groups admins)
CAROL=$(real_server_admin user add carol --groups devs)
[[ $ALICE == tm_* && $BOB == tm_* && $CAROL == tm_* ]] || fixture_fail "team-server admin user add"
real_server_host
start_real_server
log_mark
start_teamd || fixture_fail "teamd did not start"
wait_log 'is reachable' 10

echo "# refused, request, approve, allowed"
pam_expect alice sudo PAM_PERM_DENIED
RID=$(request_id "$ALICE" sudo) || fixture_fail "alice's request"
central "$BOB" approve "$RID" >/dev/null || fixture_fail "bob's approval"
wait_pam alice sudo PAM_SUCCESS 5 || fixture_fail "alice not allowed within 5 s of the approval"
echo "#   approval to allowed on the host: $WAITED_MS ms (PAM checks every 20 ms)"
GID=$(grant_of "$ALICE" "$RID") || fixture_fail "no grant on $RID"
wait_log "GrantReceived: grant $GID " 2

echo "# revoke, refused"
central "$BOB" revoke "$GID" --reason "sync test done" >/dev/null || fixture_fail "revoke"
wait_pam alice sudo PAM_PERM_DENIED 5 || fixture_fail "alice still allowed 5 s after the revocation"
echo "#   revocation to refused on the host: $WAITED_MS ms"
wait_log "GrantRevoked: grant $GID " 2

echo "# the server is killed in the middle of a long poll and restarted"
sleep 1
log_mark
kill_real_server
wait_log 'is unreachable' 10
check_contains "status while the server is down" "$(status_api)" 'unreachable since'
start_real_server
wait_log 'reachable again' 70
RID2=$(request_id "$CAROL" sudo) || fixture_fail "carol's request"
central "$BOB" approve "$RID2" >/dev/null || fixture_fail "bob's approval of carol"
wait_pam carol sudo PAM_SUCCESS 5 || fixture_fail "carol not allowed within 5 s of the approval"
GID2=$(grant_of "$CAROL" "$RID2")

echo "# teamd restarts: carol's grant survives, alice's stays revoked, nothing twice"
stop_teamd || fixture_fail "teamd did not stop cleanly"
log_mark
start_teamd || fixture_fail "teamd did not restart"
wait_log 'is reachable' 10
sleep 1
pam_expect carol sudo PAM_SUCCESS
pam_expect alice sudo PAM_PERM_DENIED
for g in "$GID" "$GID2"; do
        n=$(count_log "GrantReceived: grant $g ")
        [ "$n" -eq 1 ] || fixture_fail "grant $g received $n times"
done
n=$(count_log "GrantRevoked: grant $GID ")
[ "$n" -eq 1 ] || fixture_fail "revocation of $GID applied $n times"

stop_teamd || fixture_fail "teamd did not exit cleanly"
echo "ok - team-server's grants reach the host, revocations end them, restarts lose nothing"
