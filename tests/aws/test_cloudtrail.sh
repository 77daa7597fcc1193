#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# CloudTrail Lake sink against the loopback emulator: every request's SigV4
# is recomputed from the received bytes and its body validated against
# botocore's cloudtrail-data model; scripted answers (partial failure,
# throttling, 500, connection reset, an answer that never comes, an invalid
# event) -> every event delivered exactly once, the invalid one in the
# dead-letter table, nothing left in the outbox.
set -u
. "$top_srcdir/tests/aws/aws_lib.sh"
aws_require
aws_init

emu_start --static-key "$AWS_STATIC_ID:$AWS_STATIC_SECRET" --hang 5 \
        --script ok,partial,throttle,500,reset,hang,invalid1,partial,ok
aws_conf_cloudtrail "cloudtrail_external_id = team:ext/id+1=x" "cloudtrail_region = us-east-1" \
        "account_id = 123456789012"
aws_export_static_key

outbox_fill 1000 >"$TEAM_TMP/ids" || fixture_fail "outbox_fill"
start_teamd || fixture_fail "teamd did not start"
# 1000 events = 10 full batches; the script costs about 1+2+4+8+... s of
# backoff and one 2 s timeout.
emu_wait 'len(ids - set(s["accepted"])) <= 1 and s["requests"] >= 9' 120 "$TEAM_TMP/ids" ||
        { tail -n 30 "$TEAMD_LOG" >&2; fixture_fail "not every event was delivered"; }
sleep 1.5
emu_check 's["sig_failures"] == []' "some request did not verify as SigV4"
emu_check 's["model_failures"] == []' "some body did not validate against the cloudtrail-data model"
emu_check 's["modes"][:9] == "ok,partial,throttle,500,reset,hang,invalid1,partial,ok".split(",")' \
        "the scripted answers were not all used"
emu_check 'all(v == 1 for v in s["accepted"].values())' "an event was accepted twice"
emu_check 'len(ids - set(s["accepted"])) == 1' "not exactly one event missing (the invalid one)" "$TEAM_TMP/ids"
emu_check 's["max_batch"] == 100' "batches were not filled to 100"
emu_check '"DaemonStarted" in s["event_names"]' "teamd's own events were not shipped"
dead=$(sqlite3 "$TEAM_TMP/state/grants.db" "SELECT id || ' ' || error_code FROM outbox_dead")
missing=$("$AWS_PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(*(set(l.strip() for l in open(sys.argv[2])) - set(s["accepted"])))' "$EMU_STATE" "$TEAM_TMP/ids")
[ "$dead" = "$missing InvalidData" ] || fixture_fail "dead letters: '$dead', expected '$missing InvalidData'"
[ "$(outbox_count)" = 0 ] || fixture_fail "the outbox still holds $(outbox_count) events"
grep -q "s3cr3t\|$AWS_STATIC_SECRET" "$TEAMD_LOG" && fixture_fail "the secret key is in teamd's log"
stop_teamd || fixture_fail "teamd did not stop cleanly"
echo "ok: 1000 events through ok/partial/throttle/500/reset/hang/invalid: all delivered once, one dead letter"
