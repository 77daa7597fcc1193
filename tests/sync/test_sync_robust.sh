#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Grant sync against a misbehaving central API (tests/sync/fake_feed.py):
#   - the server is down when teamd starts, comes up later
#   - it answers 500, garbage, a 50 MB body (with and without
#     Content-Length), a grant signed by an unknown key, a grant for another
#     host, 401 for the token; a token_file with a loose mode is refused
#   - a slow-loris answer that never finishes
#   - it is killed mid long-poll and restarted
#   - it answers every long poll at once (ignores wait): no tight loop
# Through all of it teamd stays up, answers PAM account checks from its
# cache within their timeout (1 s, process start included), logs the
# problem, says "unreachable" in teamctl status, and recovers.
# Root only (token_file must be root-owned); skips (77) otherwise.
set -uo pipefail

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/sync/sync_lib.sh"

sync_require
fixture_init synchost
feed_init

# PAM checks from the cache while the API misbehaves: alice's grant came
# by hand (teamctl grant add), so it is there whatever the feed does.
cache_ok() { pam_expect alice sudo PAM_SUCCESS; }

echo "# the central API is down when teamd starts"
log_mark
start_teamd || fixture_fail "teamd did not start"
wait_log 'is unreachable' 10
check_contains "status while down" "$(status_api)" 'unreachable since'
grant_for alice sudo --for 2h || fixture_fail "grant add"
cache_ok
pam_expect bob sudo PAM_PERM_DENIED

echo "# the server comes up: the feed's grant arrives"
BOB=$(feed_grant bob sudo --for 1h)
log_mark
start_feed
wait_log "GrantReceived: grant $BOB" 15
wait_log 'recovered after' 5
check_contains "status once up" "$(status_api)" 'reachable since'
pam_expect bob sudo PAM_SUCCESS
grep -q 'auth=ok' "$FEED_DIR/requests.log" || fixture_fail "teamd did not send its host token"
if grep -q 'auth=\(bad\|none\)' "$FEED_DIR/requests.log"; then
        fixture_fail "teamd sent a request without the right token"
fi

# scripted MODE REGEX STATE: the fake answers MODE; teamd must log REGEX,
# keep answering from its cache, show STATE (unreachable for an outage,
# failing for an answer it cannot use), and recover once it is ok.
scripted() {
        local mode=$1 re=$2 state=$3
        echo "# the server answers: $mode"
        log_mark
        feed_mode "$mode"
        wait_log "$re" 20
        teamd_running || fixture_fail "teamd died on $mode"
        cache_ok
        check_contains "status on $mode" "$(status_api)" "$state since"
        log_mark
        feed_mode ok
        wait_log 'recovered after' 20
        cache_ok
}
scripted status:500 'answered HTTP 500' unreachable
scripted status:503 'answered HTTP 503' unreachable
scripted garbage 'malformed feed answer' failing
scripted huge 'larger than the cap' failing
scripted huge-chunked 'larger than the cap' failing

echo "# a grant signed by a key teamd does not trust, and one for another host"
mkdir -m 0700 "$TEAM_TMP/rogue"
"$SIGNER_BIN" keygen --private "$TEAM_TMP/rogue/k.pem" --public "$TEAM_TMP/rogue/k.pub" >/dev/null \
        || fixture_fail "keygen"
ROGUE=g_00000000000rogue
jws=$("$SIGNER_BIN" sign --key "$TEAM_TMP/rogue/k.pem" --kid rogue --sub carol --aud synchost --role sudo \
        --jti "$ROGUE") || fixture_fail "sign rogue"
log_mark
feed_grant_signed "$jws" "$ROGUE"
DAVE=$(feed_grant dave sudo)
OTHER2=g_0000000000other
jws=$("$SIGNER_BIN" sign --key "$TEAM_KEY" --kid "$TEAM_KID" --sub erin --aud otherhost --role sudo \
        --jti "$OTHER2") || fixture_fail "sign other host"
feed_grant_signed "$jws" "$OTHER2"
GOOD=$(feed_grant frank sudo)
wait_log "GrantReceived: grant $GOOD" 15
grep -Eq "GrantRejected: grant $ROGUE .*signed with a key that is not in" <<<"$(log_since_mark)" \
        || fixture_fail "the unknown-key grant was not rejected and audited"
grep -Eq "GrantRejected: grant $OTHER2 .*not for this host" <<<"$(log_since_mark)" \
        || fixture_fail "the other host's grant was not rejected and audited"
grep -q "GrantReceived: grant $DAVE" <<<"$(log_since_mark)" || fixture_fail "dave's grant was not stored"
pam_expect carol sudo PAM_PERM_DENIED
pam_expect erin sudo PAM_PERM_DENIED
pam_expect frank sudo PAM_SUCCESS

echo "# the server refuses the token; then a token_file others can read"
log_mark
echo "tm_$(printf 'x%.0s' {1..43})" >"$FEED_DIR/token"
wait_log "refused this host's token \(HTTP 401\)" 20
cache_ok
cp "$TEAM_HOST_TOKEN_FILE" "$FEED_DIR/token"
wait_log 'recovered after' 70
log_mark
chmod 0644 "$TEAM_HOST_TOKEN_FILE"
n_before=$(wc -l <"$FEED_DIR/requests.log")
wait_log 'must be owned by root with mode 0600 or 0400' 40
sleep 2
n_after=$(wc -l <"$FEED_DIR/requests.log")
# At most the long poll that was already in flight.
[ $((n_after - n_before)) -le 1 ] || fixture_fail "teamd kept polling with a token_file of mode 0644"
cache_ok
chmod 0600 "$TEAM_HOST_TOKEN_FILE"
wait_log 'recovered after' 70

echo "# a slow-loris server: headers, then a byte every 5 s"
log_mark
feed_mode loris
sleep 1
max_ms=0
for ((i = 0; i < 10; i++)); do
        cache_ok
        [ "$PAM_LAST_MS" -gt "$max_ms" ] && max_ms=$PAM_LAST_MS
        sleep 1
done
echo "#   slowest PAM check during the slow-loris answer: $max_ms ms"
wait_log 'cannot poll .*(too slow|[Tt]imeout|timed out)' 60
cache_ok
log_mark
feed_mode ok
wait_log 'recovered after' 70

echo "# the server is killed in the middle of a long poll, then restarted"
sleep 1
log_mark
kill_feed
wait_log 'is unreachable' 10
cache_ok
REVIVED=$(feed_grant grace sudo)
start_feed
wait_log "GrantReceived: grant $REVIVED" 90
pam_expect grace sudo PAM_SUCCESS

echo "# a server that ignores wait and answers at once: polled about once a second"
feed_mode instant
sleep 1
n0=$(wc -l <"$FEED_DIR/requests.log")
sleep 3
n1=$(wc -l <"$FEED_DIR/requests.log")
[ $((n1 - n0)) -le 5 ] || fixture_fail "$((n1 - n0)) polls in 3 s against a server that ignores wait"
cache_ok
feed_mode ok

echo "# a revocation in the feed"
log_mark
feed_revoke "$BOB"
wait_log "GrantRevoked: grant $BOB" 15
pam_expect bob sudo PAM_PERM_DENIED

teamd_running || fixture_fail "teamd is not running at the end"
stop_teamd || fixture_fail "teamd did not exit cleanly"
echo "ok - grant sync survives a misbehaving central API"
