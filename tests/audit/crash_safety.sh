#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Crash safety, the outbox side: 10,000 PAM decisions (checks, and every
# 10th a session_open, which changes state) flow through teamd's root socket
# from 16 callers at once, while teamd is killed with SIGKILL at random
# moments and restarted. An event is committed to the outbox (alone or in
# its loop turn's group) before teamd writes its journald entry (mirrored
# on stderr with its TEAM_EVENT_ID) and before it answers, so:
#  - every decision that got an answer has an event whose id is known;
#  - every event id teamd ever logged is delivered at least once to the
#    CloudTrail Lake emulator (tests/aws) or, without botocore, is still in
#    the outbox (no sink configured then);
#  - no event id appears twice in the outbox; the outbox ends empty with a
#    sink.
# (tests/aws/test_ship_crash.sh kills teamd while it ships a filled outbox:
# the delivery side.) Root only (skips with 77 otherwise).
set -u
# shellcheck source=tests/aws/aws_lib.sh
. "${top_srcdir:?}/tests/aws/aws_lib.sh"
fixture_require_root
fixture_require_programs sqlite3 python3
N=${AUDIT_CRASH_EVENTS:-10000}

if (aws_require_python) >/dev/null 2>&1; then
        aws_require_python
        sink=1
else
        fixture_log "no python3 with botocore: checking the outbox without a sink (delivery is tests/aws' part)"
        sink=0
fi
aws_init
fixture_require_built "$TEAMCTL_BIN" "$TEAMD_BIN"
if [ "$sink" = 1 ]; then
        emu_start --static-key "$AWS_STATIC_ID:$AWS_STATIC_SECRET"
        aws_conf_cloudtrail "cloudtrail_region = us-east-1" "account_id = 123456789012"
        export AWS_ACCESS_KEY_ID=$AWS_STATIC_ID AWS_SECRET_ACCESS_KEY=$AWS_STATIC_SECRET
fi

start_teamd || fixture_fail "teamd did not start"
user=crash$$
grant_for "$user" sudo --for 1h || fixture_fail "grant add"

# 16 callers at once: decisions that arrive together share one group
# commit (teamd/audit/outbox_group.c), and a kill must cost none whose
# answer went out.
python3 "$top_srcdir/tests/audit/pam_load.py" "$TEAM_SOCK" "$user" "$N" "t$$" 16 \
        >"$TEAM_TMP/answered" 2>"$TEAM_TMP/load.err" &
loader=$!
fixture_on_cleanup kill "$loader"
kills=0
while kill -0 "$loader" 2>/dev/null; do
        sleep "0.$((RANDOM % 4 + 1))"
        kill -0 "$loader" 2>/dev/null || break
        kill_teamd
        kills=$((kills + 1))
        start_teamd || fixture_fail "teamd did not restart after kill $kills"
done
wait "$loader" || { cat "$TEAM_TMP/load.err" >&2; fixture_fail "the load generator failed"; }
answered=$(sort -u "$TEAM_TMP/answered" | wc -l)
[ "$answered" -eq "$N" ] || fixture_fail "only $answered of $N decisions were answered"
[ "$kills" -ge 3 ] || fixture_fail "teamd was killed only $kills times; the load ran too short to mean much"

# Every event id teamd logged (complete mirror lines only: a kill can cut
# the last one), and the tags of the decisions behind them.
python3 - "$TEAMD_LOG" "$TEAM_TMP/answered" "$TEAM_TMP/ids" <<'EOPY' || fixture_fail "an answered decision has no event"
import re, sys
log, answered, ids_out = sys.argv[1:4]
ids, tags = set(), set()
for line in open(log, errors="replace"):
    if not line.endswith("]\n"):
        continue
    m = re.search(r" TEAM_EVENT_ID=([0-9a-f]{32})", line)
    if not m:
        continue
    ids.add(m.group(1))
    t = re.search(r" TEAM_RHOST=(\S+)", line)
    if t:
        tags.add(t.group(1))
missing = set(l.strip() for l in open(answered)) - tags
if missing:
    print("%d answered decisions have no logged event, e.g. %s" % (len(missing), sorted(missing)[:5]),
          file=sys.stderr)
    sys.exit(1)
open(ids_out, "w").write("".join(i + "\n" for i in sorted(ids)))
print("%d event ids logged" % len(ids), file=sys.stderr)
EOPY

dups=$(sqlite3 "$TEAM_TMP/state/grants.db" 'SELECT count(*) - count(DISTINCT id) FROM outbox')
[ "$dups" = 0 ] || fixture_fail "$dups duplicate event ids in the outbox"
if [ "$sink" = 1 ]; then
        if ! emu_wait 'ids <= set(s["accepted"])' 120 "$TEAM_TMP/ids"; then
                "$AWS_PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print("\n".join(sorted(set(l.strip() for l in open(sys.argv[2])) - set(s["accepted"]))))' \
                        "$EMU_STATE" "$TEAM_TMP/ids" >"$TEAM_TMP/lost"
                fixture_log "outbox: $(outbox_count) events, dead letters: $(outbox_count outbox_dead)"
                while read -r id; do
                        fixture_log "lost $id: in outbox: $(sqlite3 "$TEAM_TMP/state/grants.db" "SELECT count(*) FROM outbox WHERE id = '$id'"); $(grep -m1 "$id" "$TEAMD_LOG" | cut -c1-200)"
                done < <(head -5 "$TEAM_TMP/lost")
                fixture_fail "lost: $(wc -l <"$TEAM_TMP/lost") events never delivered"
        fi
        for ((i = 0; i < 100; i++)); do
                [ "$(outbox_count)" = 0 ] && break
                sleep 0.1
        done
        [ "$(outbox_count)" = 0 ] || fixture_fail "the outbox still holds $(outbox_count) events"
        emu_check 's["sig_failures"] == [] and s["model_failures"] == []' "bad signature or body"
        out=$("$TEAMCTL_BIN" --config "$TEAM_CONF" status) || fixture_fail "teamctl status"
        check_contains "status after the drain" "$out" "audit: +cloudtrail, 0 events waiting, last delivery "
        resent=$("$AWS_PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sum(v - 1 for v in s["accepted"].values()))' "$EMU_STATE")
        where="delivered to the emulator, $resent re-sent after a kill"
else
        sqlite3 "$TEAM_TMP/state/grants.db" "SELECT id FROM outbox" | LC_ALL=C sort >"$TEAM_TMP/outbox_ids"
        lost=$(LC_ALL=C comm -23 "$TEAM_TMP/ids" "$TEAM_TMP/outbox_ids" | wc -l)
        [ "$lost" = 0 ] || fixture_fail "$lost logged event ids are not in the outbox"
        where="all in the outbox"
fi
stop_teamd || fixture_fail "teamd did not stop cleanly"
fixture_log "PASS: crash_safety: $N decisions answered, $(wc -l <"$TEAM_TMP/ids") events, $kills kills, none lost, $where"
exit 0
