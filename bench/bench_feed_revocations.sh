#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# How long a PAM account check waits while teamd applies a feed answer full
# of revocations (tests/sync/fake_feed.py as the central API): N revocations
# (default 1,000; teamd takes at most 5,000 per answer) land in one answer
# while a loop of 400 checks runs; prints the slowest and the median check,
# process start of tests/e2e/pam_check included. Root only.
#
#   top_builddir=BUILD top_srcdir=SRC bench/bench_feed_revocations.sh [N]
set -uo pipefail

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/sync/sync_lib.sh"
N=${1:-1000}
sync_require
fixture_init revbench-$$
feed_init
pam_conf sudo
start_feed
start_teamd || fixture_fail "teamd did not start"
grant_for alice sudo --for 2h || fixture_fail "grant add"
wait_log 'is reachable' 15
for ((i = 0; i < N; i++)); do printf '{"revoked": "g_rev%06d"}\n' "$i"; done >"$TEAM_TMP/rev.jsonl"
for ((k = 0; k < 400; k++)); do
        t0=$(date +%s%N)
        "$PAM_CHECK" synctest-sudo alice "$TEAM_TMP/pam.d" account >/dev/null 2>&1
        echo $((($(date +%s%N) - t0) / 1000000))
done >"$TEAM_TMP/lat.txt" &
loop=$!
sleep 0.3
cat "$TEAM_TMP/rev.jsonl" >>"$FEED_DIR/feed.jsonl"
wait "$loop"
for ((i = 0; i < 600; i++)); do
        [ "$(grep -c 'GrantRevoked: grant g_rev' "$TEAMD_LOG")" -ge "$N" ] && break
        sleep 0.1
done
[ "$(grep -c 'GrantRevoked: grant g_rev' "$TEAMD_LOG")" -ge "$N" ] || fixture_fail "not all $N revocations were applied"
sort -n "$TEAM_TMP/lat.txt" | awk -v n="$N" '{ a[NR] = $1 }
        END { printf "| %d revocations in one answer | %d checks | p50 %d ms | max %d ms |\n", n, NR, a[int(NR / 2)], a[NR] }'
