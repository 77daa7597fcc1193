#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A break-glass use made while teamd is down (and without network) is
# shipped when teamd starts: the spool record becomes a BreakGlassUsed event
# with the same event id in the outbox and at the CloudTrail Lake emulator,
# with the new set's BreakGlassSetCreated; the spool is empty afterwards.
# A record that is not one is kept as .bad and logged. Root only.
set -u

. "${top_srcdir:?}/tests/aws/aws_lib.sh"
. "$top_srcdir/tests/breakglass/bg_lib.sh"

aws_require
fixture_require_programs unshare
fixture_require_built "$PAM_TEAM_SO" "$PAM_CHECK" "$TEAMCTL_BIN"
unshare -n true 2>/dev/null || fixture_skip "cannot create a network namespace (unshare -n)"
aws_init
bg_init

code=$(bg_new_set 2 5m | head -n 1) || fixture_fail "init"
[ "$(bg_login root "$code")" = PAM_SUCCESS ] || fixture_fail "break-glass login with teamd down"
used=$(grep -l '"type":"BreakGlassUsed"' "$BG_SPOOL"/*.json) || fixture_fail "no use in the spool"
used_id=$(basename "$used" .json)
set_id=$(basename "$(grep -l '"type":"BreakGlassSetCreated"' "$BG_SPOOL"/*.json)" .json)
printf 'not a record' >"$BG_SPOOL/0123456789abcdef0123456789abcdef.json"
chmod 0600 "$BG_SPOOL/0123456789abcdef0123456789abcdef.json"
printf '%s\n%s\n' "$used_id" "$set_id" >"$TEAM_TMP/ids"

emu_start --static-key "$AWS_STATIC_ID:$AWS_STATIC_SECRET"
aws_conf_cloudtrail "cloudtrail_region = us-east-1" "account_id = 123456789012"
sed -i "/^\[teamd\]/a breakglass_spool = $BG_SPOOL" "$TEAM_CONF"
aws_export_static_key
start_teamd || fixture_fail "teamd did not start"
emu_wait 'ids <= set(s["accepted"])' 60 "$TEAM_TMP/ids" ||
        { tail -n 30 "$TEAMD_LOG" >&2; fixture_fail "the break-glass events did not reach the emulator"; }
emu_check '"BreakGlassUsed" in s["event_names"] and "BreakGlassSetCreated" in s["event_names"]' \
        "the events do not carry their types"
emu_check 's["model_failures"] == []' "a body did not validate against the cloudtrail-data model"
grep -q "BreakGlassUsed.*$used_id\|$used_id.*BreakGlassUsed\|BREAK-GLASS: root used console" "$TEAMD_LOG" \
        || fixture_fail "teamd did not write the use to its journal"
for ((i = 0; i < 100; i++)); do
        [ -z "$(ls "$BG_SPOOL"/*.json 2>/dev/null | grep -v 0123456789abcdef)" ] && break
        sleep 0.1
done
ls "$BG_SPOOL"/*.json 2>/dev/null | grep -v 0123456789abcdef && fixture_fail "records left in the spool"
[ -e "$BG_SPOOL/0123456789abcdef0123456789abcdef.json.bad" ] || fixture_fail "the bad record was not set aside"
grep -q "break-glass spool: .* refused (not a record)" "$TEAMD_LOG" || fixture_fail "the bad record was not logged"
stop_teamd || fixture_fail "teamd did not stop cleanly"
fixture_log "PASS"
