#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Crash safety: 10,000 events flow into the outbox (outbox_fill, the same
# code and database as teamd's own events) while teamd ships them to the
# emulator and is killed with SIGKILL at random moments and restarted.
# At the end every event has been delivered at least once and no id is
# lost; the outbox is empty.
set -u
. "$top_srcdir/tests/aws/aws_lib.sh"
aws_require
aws_init

emu_start --static-key "$AWS_STATIC_ID:$AWS_STATIC_SECRET"
aws_conf_cloudtrail "cloudtrail_region = us-east-1" "account_id = 123456789012"
aws_export_static_key

start_teamd || fixture_fail "teamd did not start"
(
        for i in $(seq 1 20); do
                outbox_fill 500 --batch 50 || exit 1
                sleep 0.$((RANDOM % 5 + 3))
        done
) >"$TEAM_TMP/ids" &
filler=$!
kills=0
while kill -0 "$filler" 2>/dev/null; do
        sleep "0.$((RANDOM % 8 + 1))"
        kill_teamd
        kills=$((kills + 1))
        start_teamd || fixture_fail "teamd did not restart after kill $kills"
done
wait "$filler" || fixture_fail "outbox_fill failed"
kill_teamd
start_teamd || fixture_fail "teamd did not restart"
[ "$(wc -l <"$TEAM_TMP/ids")" -eq 10000 ] || fixture_fail "the filler wrote $(wc -l <"$TEAM_TMP/ids") events"
emu_wait 'ids <= set(s["accepted"])' 60 "$TEAM_TMP/ids" ||
        fixture_fail "lost: $("$AWS_PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(len(set(l.strip() for l in open(sys.argv[2])) - set(s["accepted"])))' "$EMU_STATE" "$TEAM_TMP/ids") events"
sleep 2
[ "$(outbox_count)" = 0 ] || fixture_fail "the outbox still holds $(outbox_count) events"
emu_check 's["sig_failures"] == [] and s["model_failures"] == []' "bad signature or body"
dups=$("$AWS_PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sum(v - 1 for v in s["accepted"].values()))' "$EMU_STATE")
stop_teamd || fixture_fail "teamd did not stop cleanly"
echo "ok: 10000 events, $kills kills, none lost, $dups re-sent after a kill (at least once)"
