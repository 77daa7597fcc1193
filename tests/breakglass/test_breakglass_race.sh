#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Two logins racing on one break-glass code, 100 times (a fresh one-code set
# each round, which also resets the failure counter): exactly one of the
# two is allowed every time, and the set ends with its code used. teamd is
# not running and there is no network. Root only (77 otherwise).
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/breakglass/bg_lib.sh"

fixture_require_root
fixture_require_programs unshare
fixture_require_built "$PAM_TEAM_SO" "$PAM_CHECK" "$TEAMCTL_BIN"
unshare -n true 2>/dev/null || fixture_skip "cannot create a network namespace (unshare -n)"

fixture_init
bg_init
rounds=${BG_RACE_ROUNDS:-100}
for ((i = 1; i <= rounds; i++)); do
        code=$(bg_new_set 1 5m) || fixture_fail "init (round $i)"
        bg_login root "$code" >"$TEAM_TMP/a" &
        a=$!
        bg_login root "$code" >"$TEAM_TMP/b" &
        b=$!
        wait "$a" "$b"
        wins=$(grep -c '^PAM_SUCCESS$' "$TEAM_TMP/a" "$TEAM_TMP/b" | awk -F: '{ s += $2 } END { print s }')
        [ "$wins" -eq 1 ] || fixture_fail "round $i: $wins of 2 racing logins were allowed ($(cat "$TEAM_TMP/a" "$TEAM_TMP/b" | tr '\n' ' '))"
        grep -q '^code 1 used ' "$BG_FILE" || fixture_fail "round $i: the code is not marked used"
done
n=$(grep -l '"type":"BreakGlassUsed"' "$BG_SPOOL"/*.json | wc -l)
[ "$n" -eq "$rounds" ] || fixture_fail "$n use records for $rounds rounds"
fixture_log "PASS: $rounds rounds, one winner each"
