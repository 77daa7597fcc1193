#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# CloudWatch Logs sink against moto_server (moto's AWS emulation, from this
# machine image): the log group and stream do not exist and are created;
# 2,500 events arrive in outbox order, each message byte-identical to the
# outbox JSON. The CloudTrail Lake sink is on too (the emulator): both
# sinks get every event, each on its own lane, and only then does the
# outbox end empty.
set -u
. "$top_srcdir/tests/aws/aws_lib.sh"
aws_require
"$AWS_PY" -c 'import moto.server, boto3' >/dev/null 2>&1 ||
        fixture_skip "moto (moto_server) and boto3 are not installed for $AWS_PY; pip install 'moto[server]' boto3"
aws_init

MOTO_PID=
moto_stop() { [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null; MOTO_PID=; }
port=$("$AWS_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$AWS_PY" -m moto.server -H 127.0.0.1 -p "$port" >"$TEAM_TMP/moto.log" 2>&1 &
MOTO_PID=$!
fixture_on_cleanup moto_stop
for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
done

emu_start --static-key "$AWS_STATIC_ID:$AWS_STATIC_SECRET"
cat >>"$TEAM_CONF" <<EOC
[audit]
cloudtrail_channel_arn = $AWS_CHANNEL
cloudtrail_endpoint = http://127.0.0.1:$EMU_PORT
account_id = 123456789012
cloudtrail_region = us-east-1
cloudwatch_log_group = /team/audit-test
cloudwatch_log_stream = $TEAM_HOST
cloudwatch_region = us-east-1
cloudwatch_endpoint = http://127.0.0.1:$port
EOC
aws_export_static_key

outbox_fill 2500 --sink cloudtrail --sink cloudwatch >"$TEAM_TMP/ids" || fixture_fail "outbox_fill"
sqlite3 "$TEAM_TMP/state/grants.db" "SELECT json FROM outbox ORDER BY seq" >"$TEAM_TMP/expected"
start_teamd || fixture_fail "teamd did not start"
"$AWS_PY" - "$port" "$TEAM_HOST" "$TEAM_TMP/expected" <<'EOPY' || { tail -n 20 "$TEAMD_LOG" >&2; fixture_fail "CloudWatch Logs does not hold the events in order"; }
import sys, time, boto3
port, stream, expected = sys.argv[1], sys.argv[2], [l.rstrip("\n") for l in open(sys.argv[3])]
c = boto3.client("logs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
end = time.time() + 60
while True:
    got, kw = [], {}
    try:
        while True:
            r = c.get_log_events(logGroupName="/team/audit-test", logStreamName=stream, startFromHead=True, **kw)
            got += [e["message"] for e in r["events"]]
            if not r["events"]:
                break
            kw = {"nextToken": r["nextForwardToken"]}
    except c.exceptions.ResourceNotFoundException:
        pass
    mine = [m for m in got if '"emulated-host"' in m]
    if len(mine) >= len(expected) or time.time() > end:
        break
    time.sleep(0.5)
if mine != expected:
    print(f"got {len(mine)} of {len(expected)} events; first difference at "
          f"{next((i for i, (a, b) in enumerate(zip(mine, expected)) if a != b), min(len(mine), len(expected)))}")
    sys.exit(1)
if not any('"DaemonStarted"' in m for m in got):
    print("teamd's own DaemonStarted event is missing")
    sys.exit(1)
EOPY
emu_wait 'ids <= set(s["accepted"])' 30 "$TEAM_TMP/ids" || fixture_fail "CloudTrail Lake did not get every event"
emu_check 's["sig_failures"] == [] and s["model_failures"] == []' "CloudTrail Lake: bad signature or body"
sleep 1.5
[ "$(outbox_count)" = 0 ] || fixture_fail "the outbox still holds $(outbox_count) events"
grep -q "creating log group" "$TEAMD_LOG" || fixture_fail "the log group was not created by teamd"
stop_teamd || fixture_fail "teamd did not stop cleanly"
echo "ok: 2500 events in CloudWatch Logs (group and stream created), in order, intact, and in CloudTrail Lake"
