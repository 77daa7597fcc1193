#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A break-glass use made with teamd down and no network reaches team-server
# once teamd runs: POST /v1/breakglass with the host token, the webhook
# ("BREAK-GLASS used on HOST by USER ...") fires, an approver of the role
# lists it (teamctl breakglass uses) and acknowledges it, after which it is
# no longer open; a user who does not approve the role sees nothing. Root only.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"
. "$top_srcdir/tests/breakglass/bg_lib.sh"

fixture_require_root
fixture_require_programs python3 unshare
SERVER_BIN=$top_builddir/server/team-server
fixture_require_built "$PAM_TEAM_SO" "$PAM_CHECK" "$TEAMCTL_BIN" "$SERVER_BIN"
unshare -n true 2>/dev/null || fixture_skip "cannot create a network namespace (unshare -n)"

fixture_init
bg_init
bg_new_set 2 5m >"$TEAM_TMP/codes" || fixture_fail "init"
code=$(head -n 1 "$TEAM_TMP/codes")
[ "$(bg_login root "$code")" = PAM_SUCCESS ] || fixture_fail "break-glass login with teamd down"
used_id=b_$(basename "$(grep -l '"type":"BreakGlassUsed"' "$BG_SPOOL"/*.json)" .json)

# The approvers' webhook: python's receiver on a free loopback port.
hooks=$TEAM_TMP/hooks
python3 "$top_srcdir/tests/server/webhook_receiver.py" --port-file "$TEAM_TMP/rport" --out "$hooks" \
        --attempts "$TEAM_TMP/attempts" 2>>"$TEAM_TMP/receiver.log" &
recv=$!
fixture_on_cleanup kill "$recv"
for ((i = 0; i < 100; i++)); do [ -s "$TEAM_TMP/rport" ] && break; sleep 0.05; done
[ -s "$TEAM_TMP/rport" ] || fixture_fail "the webhook receiver did not start"

policy=$TEAM_TMP/policy.conf
{ server_default_policy; printf '[role console]\nmax_duration = 1h\napprover_groups = oncall\n'; } >"$policy"
server_init "$policy"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_write_conf "$port"
printf '\n[webhook oncall]\nurl = http://127.0.0.1:%s/oncall\nformat = slack\n' "$(cat "$TEAM_TMP/rport")" \
        >>"$TEAM_SERVER_CONF"
start_server || fixture_fail "team-server did not start"
teamd_use_server
sed -i "/^\[teamd\]/a breakglass_spool = $BG_SPOOL" "$TEAM_CONF"
approver=$(server_add_user "bgapprover$$" oncall)
outsider=$(server_add_user "bgoutsider$$" admins)
start_teamd || fixture_fail "teamd did not start"

for ((i = 0; i < 300; i++)); do
        grep -q "BREAK-GLASS used on $TEAM_HOST by root" "$hooks" 2>/dev/null && break
        sleep 0.1
done
grep -q "BREAK-GLASS used on $TEAM_HOST by root" "$hooks" 2>/dev/null \
        || { tail -n 20 "$TEAMD_LOG" "$TEAM_SERVER_LOG" >&2; fixture_fail "the approvers' webhook did not fire"; }
for ((i = 0; i < 100; i++)); do
        ls "$BG_SPOOL" | grep -q . || break
        sleep 0.1
done
ls "$BG_SPOOL" | grep -q . && fixture_fail "the spool still holds $(ls "$BG_SPOOL")"
grep -q "reviewed by: oncall" "$hooks" || fixture_fail "the notification does not name the role's approvers"

out=$(central "$approver" breakglass uses) || fixture_fail "breakglass uses (approver)"
check_contains "uses lists the use" "$out" "$used_id +$TEAM_HOST +root +console"

# With teamd up but no grant, the second code still lets root in (account
# and session), and that use reaches the server too.
code2=$(sed -n 2p "$TEAM_TMP/codes")
[ "$(bg_login root "$code2")" = PAM_SUCCESS ] || fixture_fail "break-glass with teamd up and no grant"
for ((i = 0; i < 300; i++)); do
        [ "$(grep -c "BREAK-GLASS used on $TEAM_HOST by root" "$hooks")" -ge 2 ] && break
        sleep 0.1
done
[ "$(grep -c "BREAK-GLASS used on $TEAM_HOST by root" "$hooks")" -ge 2 ] || fixture_fail "the second use was not notified"
out=$(central "$approver" --json breakglass uses) || fixture_fail "breakglass uses (two)"
central "$approver" breakglass acknowledge "$(printf '%s' "$out" | python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["uses"] if u["id"] != sys.argv[1]][0])' "$used_id")" \
        >/dev/null || fixture_fail "acknowledge the second use"
out=$(central "$outsider" --json breakglass uses) || fixture_fail "breakglass uses (outsider)"
check_contains "an outsider sees nothing" "$out" '"uses":\[\]'
central "$outsider" breakglass acknowledge "$used_id" >/dev/null 2>&1 && fixture_fail "an outsider acknowledged"
central "$approver" breakglass acknowledge "$used_id" --comment "INC-1 console recovery" >/dev/null \
        || fixture_fail "acknowledge"
central "$approver" breakglass acknowledge "$used_id" >/dev/null 2>&1 && fixture_fail "acknowledged twice"
out=$(central "$approver" --json breakglass uses) || fixture_fail "breakglass uses after ack"
check_contains "no open use after the acknowledgement" "$out" '"uses":\[\]'
out=$(central "$approver" --json breakglass uses --all) || fixture_fail "breakglass uses --all"
check_contains "the acknowledgement is kept" "$out" "\"acknowledged_by\":\"bgapprover$$\""
stop_teamd || fixture_fail "teamd did not stop cleanly"
fixture_log "PASS"
