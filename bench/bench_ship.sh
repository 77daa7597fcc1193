#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Audit shipping benchmark: teamd drains its outbox into CloudTrail Lake
# PutAuditEvents on the loopback AWS emulator (tests/aws/aws_emulator.py,
# which still verifies every SigV4 signature and validates every body
# against botocore's cloudtrail-data model; --workers 2 so that Python's GIL
# is not what is measured).
#
#   1. events/s shipped with batching (100 per request, 4 requests in
#      flight): BENCH_SHIP_EVENTS events (default 100,000) already in the
#      outbox, teamd started, time until the outbox is empty.
#   2. the time to drain a backlog of BENCH_SHIP_BACKLOG events (default
#      1,000,000), e.g. after a day offline.
#
# usage: bench/bench_ship.sh [--quick]   (top_builddir/top_srcdir from the
# environment, as bench/run.sh sets them; prints a markdown section)
set -euo pipefail
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
build=${top_builddir:-$top}
events=${BENCH_SHIP_EVENTS:-100000}
backlog=${BENCH_SHIP_BACKLOG:-1000000}
if [ "${1:-}" = --quick ]; then
        events=20000
        backlog=100000
fi
teamd=$build/teamd/teamd
fill=$build/tests/aws/outbox_fill
for f in "$teamd" "$fill"; do
        [ -x "$f" ] || { echo "bench_ship: $f is not built (make check_PROGRAMS=tests/aws/outbox_fill ...)" >&2; exit 1; }
done
py=
for p in "${AWS_TEST_PYTHON:-}" python3 /root/.pyenv/shims/python3 /usr/bin/python3; do
        [ -n "$p" ] && "$p" -c 'import botocore.validate' 2>/dev/null && { py=$p; break; }
done
[ -n "$py" ] || { echo "bench_ship: no python3 with botocore; skipped" >&2; exit 0; }
command -v sqlite3 >/dev/null || { echo "bench_ship: sqlite3 missing; skipped" >&2; exit 0; }

tmp=$(mktemp -d /tmp/bench-ship.XXXXXX)
emu=''
td=''
cleanup() {
        [ -n "$td" ] && kill "$td" 2>/dev/null && wait "$td" 2>/dev/null
        [ -n "$emu" ] && kill "$emu" 2>/dev/null && wait "$emu" 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -m 0700 "$tmp/state" "$tmp/keys"
"$py" "$top/tests/aws/aws_emulator.py" --port-file "$tmp/port" --state "$tmp/emu.json" --fast --workers 2 \
        --static-key AKIDBENCH00000000001:bench-secret 2>"$tmp/emu.log" &
emu=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
cat >"$tmp/teamd.conf" <<EOC
[teamd]
host_id = bench-ship
state_dir = $tmp/state
socket = $tmp/run/teamd.sock
user_socket = $tmp/run/user.sock
trusted_keys = $tmp/keys
[audit]
outbox_max_events = 4000000
cloudtrail_channel_arn = arn:aws:cloudtrail:us-east-1:123456789012:channel/01234567-89ab-cdef-0123-456789abcdef
cloudtrail_region = us-east-1
cloudtrail_endpoint = http://127.0.0.1:$(cat "$tmp/port")
account_id = 123456789012
EOC
export AWS_ACCESS_KEY_ID=AKIDBENCH00000000001 AWS_SECRET_ACCESS_KEY=bench-secret

now() { date +%s.%N; }
held() { sqlite3 "$tmp/state/grants.db" "SELECT events FROM outbox_stats"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run N: fills N events, starts teamd, prints "seconds teamd_cpu_seconds fill_seconds"
run() {
        local n=$1 t0 t1 t2 cpu
        t0=$(now)
        "$fill" "$tmp/state" "$n" --batch 10000 >/dev/null
        t1=$(now)
        "$teamd" --config "$tmp/teamd.conf" 2>>"$tmp/teamd.log" &
        td=$!
        while [ "$(held)" != 0 ]; do sleep 0.05; done
        t2=$(now)
        cpu=$(ticks "$td")
        kill "$td"; wait "$td" || true
        td=
        echo "$t0 $t1 $t2 $cpu" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f %.2f %.2f\n", $3 - $2, $4 / hz, $2 - $1 }'
}

read -r s1 c1 f1 < <(run "$events")
read -r s2 c2 f2 < <(run "$backlog")
kill -USR1 "$emu"; sleep 0.5
verdict=$("$py" - "$tmp" $((events + backlog)) <<'EOPY'
import glob, json, sys
acc, bad = {}, []
for f in glob.glob(sys.argv[1] + "/emu.json*"):
    if f.endswith(".tmp"):
        continue
    s = json.load(open(f))
    acc.update(s["accepted"])
    bad += s["sig_failures"] + s["model_failures"]
want = int(sys.argv[2])
print(f"{len(acc)} distinct events accepted (>= {want} expected), {len(bad)} signature/model failures")
EOPY
)
cat <<EOR
### Audit shipping (CloudTrail Lake PutAuditEvents, loopback emulator)

$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); 100 events per request, 4 in flight; the emulator
verifies every signature and validates every body (botocore model).

| run | events | drain time | events/s | teamd CPU | outbox fill |
|---|---:|---:|---:|---:|---:|
| throughput | $events | ${s1} s | $(awk -v n="$events" -v s="$s1" 'BEGIN { printf "%.0f", n / s }') | ${c1} s | ${f1} s |
| backlog | $backlog | ${s2} s | $(awk -v n="$backlog" -v s="$s2" 'BEGIN { printf "%.0f", n / s }') | ${c2} s | ${f2} s |

Check: $verdict.
EOR
