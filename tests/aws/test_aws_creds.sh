#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The AWS credentials chain against loopback emulations:
#   1. EC2 IMDSv2 (token PUT, role credentials, identity document for the
#      account id and region), temporary credentials that expire after 12 s:
#      teamd refreshes them before Expiration (no request is ever refused
#      as expired) and keeps shipping.
#   2. ECS container credentials (FULL_URI + authorization token), same.
#   3. The shared credentials file with a profile; a group-readable file is
#      refused.
set -u
. "$top_srcdir/tests/aws/aws_lib.sh"
aws_require
aws_init
base_conf=$(cat "$TEAM_CONF")

restart_with() {
        stop_teamd
        printf '%s\n' "$base_conf" >"$TEAM_CONF"
        aws_conf_cloudtrail "$@"
}

# 1. IMDSv2: nothing configured but the IMDS endpoint.
emu_start --imds --temp-lifetime 12
aws_conf_cloudtrail
printf '[aws]\nimds_endpoint = http://127.0.0.1:%s\n' "$EMU_PORT" >>"$TEAM_CONF"
outbox_fill 50 >"$TEAM_TMP/ids1"
start_teamd || fixture_fail "teamd did not start"
emu_wait 'ids <= set(s["accepted"])' 20 "$TEAM_TMP/ids1" || fixture_fail "IMDS: events not delivered"
emu_check 's["creds_issued"]["imds"] >= 1 and s["imds_tokens"] >= 1' "IMDS: no credentials issued"
# Past the refresh point (12 s lifetime: refreshed 3 s before) but before
# expiry, and then after it: both batches go through on fresh credentials.
for round in 2 3; do
        sleep 7
        outbox_fill 50 >"$TEAM_TMP/ids$round"
        emu_wait 'ids <= set(s["accepted"])' 20 "$TEAM_TMP/ids$round" || fixture_fail "IMDS: round $round not delivered"
done
emu_check 's["creds_issued"]["imds"] >= 2' "IMDS: the credentials were not refreshed"
emu_check 's["expired_rejected"] == 0' "IMDS: a request went out with expired credentials"
emu_check 's["sig_failures"] == [] and s["model_failures"] == []' "IMDS: bad signature or body"
emu_check 'list(s["auth_sources"]) == ["imds"]' "IMDS: other credentials were used"
grep -q "AWS credentials from imds" "$TEAMD_LOG" || fixture_fail "IMDS: not logged as the source"
emu_stop

# 2. ECS container credentials (account and region configured).
emu_start --ecs-token "Bearer-ish ecs-token-123" --temp-lifetime 12
restart_with "cloudtrail_region = us-east-1" "account_id = 123456789012"
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$EMU_PORT/ecs/creds
export AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer-ish ecs-token-123"
outbox_fill 50 >"$TEAM_TMP/ids4"
start_teamd || fixture_fail "teamd did not start"
emu_wait 'ids <= set(s["accepted"])' 20 "$TEAM_TMP/ids4" || fixture_fail "ECS: events not delivered"
sleep 10
outbox_fill 50 >"$TEAM_TMP/ids5"
emu_wait 'ids <= set(s["accepted"])' 20 "$TEAM_TMP/ids5" || fixture_fail "ECS: events after expiry not delivered"
emu_check 's["creds_issued"]["ecs"] >= 2 and s["expired_rejected"] == 0' "ECS: not refreshed before expiry"
emu_check 'list(s["auth_sources"]) == ["ecs"] and s["sig_failures"] == []' "ECS: wrong credentials used"
unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN
emu_stop

# 3. Shared credentials file, profile "audit"; then the same file 0640.
emu_start --static-key "$AWS_STATIC_ID:$AWS_STATIC_SECRET"
restart_with "cloudtrail_region = us-east-1" "account_id = 123456789012"
creds=$TEAM_TMP/aws-credentials
printf '[default]\naws_access_key_id = AKIDWRONGWRONGWRONG1\naws_secret_access_key = nope\n\n[audit]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
        "$AWS_STATIC_ID" "$AWS_STATIC_SECRET" >"$creds"
chmod 0600 "$creds"
printf '[aws]\nprofile = audit\ncredentials_file = %s\n' "$creds" >>"$TEAM_CONF"
outbox_fill 50 >"$TEAM_TMP/ids6"
start_teamd || fixture_fail "teamd did not start"
emu_wait 'ids <= set(s["accepted"])' 20 "$TEAM_TMP/ids6" || fixture_fail "file: events not delivered"
emu_check 's["auth_sources"] == {"static": s["requests"]}' "file: not the profile's key"
stop_teamd
chmod 0640 "$creds"
outbox_fill 20 >"$TEAM_TMP/ids7"
start_teamd || fixture_fail "teamd did not start"
sleep 3
grep -q "credentials file $creds refused" "$TEAMD_LOG" || fixture_fail "file: a group-readable file was not refused"
emu_check 'not (ids & set(s["accepted"]))' "file: shipped with a group-readable credentials file" "$TEAM_TMP/ids7"
grep -q "$AWS_STATIC_SECRET\|tok-" "$TEAMD_LOG" && fixture_fail "a secret is in teamd's log"
stop_teamd
echo "ok: IMDSv2 and container credentials refreshed before expiry; shared file profile used; loose file refused"
