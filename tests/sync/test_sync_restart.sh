#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# teamd restarts (clean stop and crash): grants and the feed cursor survive,
# the first poll after a restart carries the stored cursor, grants filed
# while teamd was down arrive, and no grant is accepted twice (one
# GrantReceived per grant id in the whole log). When the feed no longer
# knows the cursor (its database went back in time) teamd starts over from
# the beginning: already stored grants are recognised and a revoked grant
# stays revoked. Uses the fake feed (tests/sync/fake_feed.py) to see the
# cursor of every poll. Root only; skips (77) otherwise.
set -uo pipefail

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/sync/sync_lib.sh"

sync_require
fixture_init synchost
feed_init
start_feed

# first_cursor_after LINE: the cursor of the first poll after requests.log line LINE.
first_cursor_after() {
        tail -n +"$(($1 + 1))" "$FEED_DIR/requests.log" | head -n 1 | sed -n 's/.*cursor=\([0-9]*\).*/\1/p'
}

# once ID: exactly one GrantReceived for ID in the whole log.
once() {
        local n
        n=$(count_log "GrantReceived: grant $1 ")
        [ "$n" -eq 1 ] || fixture_fail "grant $1 was received $n times"
}

echo "# first start: two grants, one revoked"
A=$(feed_grant alice sudo)
B=$(feed_grant bob sudo)
log_mark
start_teamd || fixture_fail "teamd did not start"
wait_log "GrantReceived: grant $B " 15
feed_revoke "$B"
wait_log "GrantRevoked: grant $B " 15
pam_expect alice sudo PAM_SUCCESS
pam_expect bob sudo PAM_PERM_DENIED
sleep 0.5

echo "# clean restart"
stop_teamd || fixture_fail "teamd did not stop cleanly"
n=$(wc -l <"$FEED_DIR/requests.log")
log_mark
start_teamd || fixture_fail "teamd did not restart"
wait_log 'is reachable' 15
got=$(first_cursor_after "$n")
[ "$got" = 3 ] || fixture_fail "first poll after the restart used cursor '$got', expected 3"
pam_expect alice sudo PAM_SUCCESS
pam_expect bob sudo PAM_PERM_DENIED
once "$A"; once "$B"

echo "# a grant filed while teamd is down arrives after the restart"
stop_teamd || fixture_fail "teamd did not stop cleanly"
C=$(feed_grant carol sudo)
log_mark
start_teamd || fixture_fail "teamd did not restart"
wait_log "GrantReceived: grant $C " 15
pam_expect carol sudo PAM_SUCCESS
once "$A"; once "$B"; once "$C"

echo "# crash (SIGKILL) in the middle of a long poll"
sleep 1
kill_teamd
D=$(feed_grant dave sudo)
n=$(wc -l <"$FEED_DIR/requests.log")
log_mark
start_teamd || fixture_fail "teamd did not start after the crash"
wait_log "GrantReceived: grant $D " 15
got=$(first_cursor_after "$n")
[ "$got" = 4 ] || fixture_fail "first poll after the crash used cursor '$got', expected 4"
pam_expect alice sudo PAM_SUCCESS
pam_expect bob sudo PAM_PERM_DENIED
once "$A"; once "$B"; once "$C"; once "$D"

echo "# the feed went back in time: only A and B, no revocation"
log_mark
head -n 2 "$FEED_DIR/feed.jsonl" >"$FEED_DIR/feed.old"
mv "$FEED_DIR/feed.old" "$FEED_DIR/feed.jsonl"
wait_log 'refused cursor 5; starting again from the beginning' 15
sleep 1
pam_expect alice sudo PAM_SUCCESS
pam_expect bob sudo PAM_PERM_DENIED
pam_expect carol sudo PAM_SUCCESS
once "$A"; once "$B"; once "$C"; once "$D"
if grep -q 'GrantRejected' <<<"$(log_since_mark)"; then
        fixture_fail "a replayed grant was rejected instead of recognised"
fi

stop_teamd || fixture_fail "teamd did not exit cleanly"
echo "ok - grants and the cursor survive restarts; nothing is accepted twice"
