#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# teamd.conf exempt_users / exempt_groups: an exempt account passes the gate
# without a grant (through the real pam_team.so and teamd), every pass is
# audited as ExemptPass; anyone else is still denied. Root only.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"

fixture_require_root
fixture_require_programs useradd userdel usermod groupadd groupdel
PAM_CHECK=$top_builddir/tests/e2e/pam_check
fixture_require_built "$PAM_TEAM_SO" "$PAM_CHECK"

fixture_init
bot=teamex$$
member=teamexm$$
other=teamexo$$
group=teamexg$$
groupadd "$group" || fixture_fail "groupadd"
fixture_on_cleanup groupdel "$group"
fixture_add_user "$bot"
fixture_add_user "$member"
fixture_add_user "$other"
usermod -a -G "$group" "$member" || fixture_fail "usermod -G"
sed -i "/^\[teamd\]/a exempt_users = $bot\nexempt_groups = $group" "$TEAM_CONF"
start_teamd || fixture_fail "teamd did not start"

confdir=$TEAM_TMP/pam.d
mkdir -m 0755 "$confdir"
printf 'account required %s role=sudo socket=%s\naccount required pam_permit.so\n' "$PAM_TEAM_SO" "$TEAM_SOCK" \
        >"$confdir/teamtest-exempt"
check() {
        local got
        got=$("$PAM_CHECK" teamtest-exempt "$1" "$confdir" account 2>>"$TEAM_TMP/pam.log")
        [ "$got" = "$2" ] || fixture_fail "$3: got $got, expected $2"
        fixture_log "ok: $3 ($got)"
}
check "$bot" PAM_SUCCESS "exempt user, no grant"
check "$member" PAM_SUCCESS "member of an exempt group, no grant"
check "$other" PAM_PERM_DENIED "not exempt, no grant"
n=$(grep -c "ExemptPass" "$TEAMD_LOG")
[ "$n" -ge 2 ] || fixture_fail "$n ExemptPass events in teamd's log, expected 2"
grep "ExemptPass" "$TEAMD_LOG" | grep -q "$bot" || fixture_fail "no ExemptPass for $bot"
grep "ExemptPass" "$TEAMD_LOG" | grep -q "$other" && fixture_fail "ExemptPass for a user who is not exempt"
stop_teamd || fixture_fail "teamd did not stop cleanly"
fixture_log "PASS"
