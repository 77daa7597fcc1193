#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every audit event type against a real systemd-journald (private mount
# namespace, tests/lib/journald_ns.sh) with our message catalog in a private
# catalog database:
#  - teamd itself produces DaemonStarted, ElevationDenied, GrantReceived,
#    GrantRejected, ElevationAllowed, SessionOpened, SessionClosed,
#    GrantExpired, and (with a 10-event outbox) AuditOutboxFull; each of
#    these journald entries carries a TEAM_EVENT_ID that is also in the
#    outbox, with the same type and fields in its JSON;
#  - tests/audit/emit_events writes one entry of every type through teamd's
#    journal module (types whose producers need a feed, break-glass, ...);
#  - every type: its fixed MESSAGE_ID, PRIORITY, TEAM_EVENT, TEAM_EVENT_ID,
#    TEAM_OUTCOME and TEAM_* fields; `journalctl -x` shows its catalog
#    Subject with the fields filled in;
#  - `teamctl audit tail` lists them (text and --json) and follows new ones.
# Root only (skips with 77 otherwise).
set -u

# shellcheck source=tests/lib/teamd_fixture.sh
. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
# shellcheck source=tests/lib/journald_ns.sh
. "$top_srcdir/tests/lib/journald_ns.sh"

fixture_require_root
fixture_require_programs python3 journalctl sqlite3
EMIT=$top_builddir/tests/audit/emit_events
PROTO=$top_srcdir/tests/teamd/teamd_proto.py
fixture_require_built "$EMIT" "$TEAMD_BIN" "$TEAMCTL_BIN" "$SIGNER_BIN"
[ -d /var/lib/systemd/catalog ] || fixture_skip "no /var/lib/systemd/catalog to mount a private catalog on"
journald_reexec_private "$0" "$@"

fixture_init
journald_start

# A catalog database of our own, seen only in this namespace.
catroot=$TEAM_TMP/catroot
mkdir -p "$catroot/usr/lib/systemd/catalog" "$catroot/var/lib/systemd/catalog"
cp "$top_srcdir/systemd/teamd.catalog" "$catroot/usr/lib/systemd/catalog/"
journalctl --root="$catroot" --update-catalog || fixture_fail "journalctl --update-catalog"
mount --bind "$catroot/var/lib/systemd/catalog" /var/lib/systemd/catalog || fixture_fail "bind the catalog"

ask() { python3 "$PROTO" "$TEAM_SOCK" "$1"; }

start_teamd || fixture_fail "teamd did not start"
teamd_pid=$TEAMD_PID
user=auditee$$
ask "{\"v\":1,\"op\":\"check\",\"user\":\"$user\",\"role\":\"sudo\",\"service\":\"sudo\",\"tty\":\"/dev/pts/4\"}" \
        | grep -q '"deny"' || fixture_fail "check without a grant was not denied"
token=$(sign_grant "$user" sudo --for 1h --jti "g-$$" --apr bob,carol --ticket INC-4242) || fixture_fail "team-sign-grant"
for again in "" " (again: no second GrantReceived)"; do
        printf '%s\n' "$token" | "$TEAMCTL_BIN" --config "$TEAM_CONF" grant add - >&2 \
                || fixture_fail "grant add$again"
done
if sign_grant "$user" sudo --aud other-host | "$TEAMCTL_BIN" --config "$TEAM_CONF" grant add - 2>/dev/null; then
        fixture_fail "a grant for another host was accepted"
fi
ask "{\"v\":1,\"op\":\"check\",\"user\":\"$user\",\"role\":\"sudo\",\"service\":\"sudo\",\"rhost\":\"198.51.100.2\"}" \
        | grep -q '"allow"' || fixture_fail "check with a grant was not allowed"
sid=$(ask "{\"v\":1,\"op\":\"session_open\",\"user\":\"$user\",\"role\":\"sudo\",\"service\":\"sshd\",\"tty\":\"/dev/pts/5\"}" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])') || fixture_fail "session_open"
ask "{\"v\":1,\"op\":\"session_close\",\"user\":\"$user\",\"role\":\"sudo\",\"service\":\"sshd\",\"session_id\":\"$sid\"}" \
        | grep -Eq '"ok": ?true' || fixture_fail "session_close"
grant_for "$user" shortrole --exp now+2 --jti "short-$$" || fixture_fail "grant add (2 s)"
for ((i = 0; i < 50; i++)); do
        grep -q "GrantExpired" "$TEAMD_LOG" && break
        sleep 0.1
done
grep -q "GrantExpired" "$TEAMD_LOG" || fixture_fail "no GrantExpired within 5 s"
"$TEAMCTL_BIN" --config "$TEAM_CONF" status >"$TEAM_TMP/status.txt" || fixture_fail "teamctl status"
grep -q '^audit: .*no sink configured, [0-9]* events waiting' "$TEAM_TMP/status.txt" \
        || { cat "$TEAM_TMP/status.txt" >&2; fixture_fail "teamctl status shows no audit line"; }
stop_teamd || fixture_fail "teamd did not exit cleanly"
sqlite3 -json "$TEAM_TMP/state/grants.db" 'SELECT id, type, json FROM outbox ORDER BY seq' \
        >"$TEAM_TMP/outbox1.json" || fixture_fail "read the outbox"

# Every type once more, all fields set, through the journal module.
marker=m$$
"$EMIT" "$marker" || fixture_fail "emit_events"

# The full policy for real: a 10-event outbox and 15 more events.
printf '[audit]\noutbox_max_events = 10\n' >>"$TEAM_CONF"
start_teamd || fixture_fail "teamd did not start (small outbox)"
for ((i = 0; i < 15; i++)); do
        ask "{\"v\":1,\"op\":\"check\",\"user\":\"nobody$i\",\"role\":\"sudo\",\"service\":\"sudo\"}" >/dev/null
done
"$TEAMCTL_BIN" --config "$TEAM_CONF" status >"$TEAM_TMP/status2.txt" || fixture_fail "teamctl status"
grep -q 'evicted (outbox full)' "$TEAM_TMP/status2.txt" \
        || { cat "$TEAM_TMP/status2.txt" >&2; fixture_fail "teamctl status does not report evictions"; }
stop_teamd || fixture_fail "teamd did not exit cleanly (small outbox)"
sqlite3 -json "$TEAM_TMP/state/grants.db" 'SELECT id, type, json FROM outbox ORDER BY seq' \
        >"$TEAM_TMP/outbox2.json" || fixture_fail "read the outbox"

journald_wait_for 1 SYSLOG_IDENTIFIER=teamd TEAM_EVENT=AuditOutboxFull \
        || fixture_fail "no AuditOutboxFull entry reached the journal"
journald_wait_for 17 SYSLOG_IDENTIFIER=teamd TEAM_HOST=audit-host \
        || fixture_fail "emit_events' entries did not all reach the journal"
journald_json SYSLOG_IDENTIFIER=teamd >"$TEAM_TMP/journal.json" || fixture_fail "journalctl"

# journalctl -x of each type (the emitter's entry, all fields set).
: >"$TEAM_TMP/catalog.txt"
while read -r mid; do
        printf '=== %s\n' "$mid" >>"$TEAM_TMP/catalog.txt"
        journalctl --no-pager -x -n 1 MESSAGE_ID="$mid" TEAM_HOST=audit-host >>"$TEAM_TMP/catalog.txt" 2>&1
done < <(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("TEAM_HOST") == "audit-host":
        print(e["MESSAGE_ID"])' "$TEAM_TMP/journal.json" | sort -u)

python3 - "$TEAM_TMP" "$TEAM_HOST" "$user" "$marker" "$teamd_pid" "$top_srcdir/systemd/teamd.catalog" <<'EOPY' \
        || fixture_fail "journal entries are not as expected"
import json, re, sys

tmp, host, user, marker, teamd_pid, catalog_path = sys.argv[1:7]
types = {  # name: (MESSAGE_ID, PRIORITY)
    "ElevationAllowed": ("1c1440b4c687432d9f55df0b792c6515", 6),
    "ElevationDenied": ("31a6393c88134f9e9627bcfbdbdc24f2", 5),
    "FailOpen": ("8e5bf02baf8b4ad2bc707f155169ab3e", 1),
    "SessionOpened": ("ae93d2ce6f054f6f8a6e6d82d9de36e5", 6),
    "SessionClosed": ("cd2cdb9834114193b171eef2a3185d4d", 6),
    "GrantReceived": ("b89db6ea7d0b45e1b087cfc185aef1eb", 6),
    "GrantRejected": ("be3e0986395f4bc7ace83099d2d97681", 4),
    "GrantExpired": ("6da02267755040a0bb1aeb7e67004050", 6),
    "DaemonStarted": ("b88827cb59154cb9910ba42b21fd57af", 6),
    "RequestSubmitted": ("b97196fe17ce45f186ff151dd1aee978", 6),
    "GrantRevoked": ("91b176b8d8b249919c40683cf7706e15", 5),
    "SessionTerminated": ("d6d0ee50800743e5a7ef54e55add971b", 5),
    "BreakGlassUsed": ("4ec452bfc9ff4c78b075495c49ed28b6", 1),
    "ExemptPass": ("ad21f7ec9bca4160b03893d0039865a8", 5),
    "AuditOutboxFull": ("cdab58b00a5a4d9a84afca4170401c42", 1),
    "AuditDeadLetter": ("fd7a30bea1d745bd89f9d7c10d498e02", 1),
    "BreakGlassSetCreated": ("76112d6aeb6e41c8b91f90cebfc47726", 5),
    "ApiRefused": ("302a6b4626834f6eb4e48401f85e91f3", 1),
    "SessionWarned": ("48bf6ae4ca6f4f47828e2b92e426fb47", 5),
    "SessionExtended": ("98b819bc45164ff39dac4fbca59c41a5", 6),
    "SessionEndFailed": ("88142d17d958490d8bb7bc3cd85dcb2d", 1),
    "AuditCheckpoint": ("ef66100c43e8462abf983b1621d0c67f", 6),
    "SessionCommand": ("5b3f9a71c20d4e88a61be43790dc52af", 6),
    "SessionCommandsSummarised": ("c4720e5d19b84f038e6ad1f5274cb960", 5),
}
entries = [json.loads(l) for l in open(tmp + "/journal.json") if l.strip()]
events = [e for e in entries if e.get("TEAM_EVENT")]
problems = []

def fail(msg):
    problems.append(msg)

# Every entry: fixed id and priority for its type, an event id, an outcome.
seen_ids = set()
for e in events:
    name = e["TEAM_EVENT"]
    if name not in types:
        fail("unknown TEAM_EVENT %s" % name)
        continue
    mid, prio = types[name]
    if e.get("MESSAGE_ID") != mid:
        fail("%s has MESSAGE_ID %s, not %s" % (name, e.get("MESSAGE_ID"), mid))
    if e.get("PRIORITY") != str(prio):
        fail("%s has PRIORITY %s, not %d" % (name, e.get("PRIORITY"), prio))
    eid = e.get("TEAM_EVENT_ID", "")
    if not re.fullmatch(r"[0-9a-f]{32}", eid):
        fail("%s has TEAM_EVENT_ID %r" % (name, eid))
    if eid in seen_ids:
        fail("TEAM_EVENT_ID %s twice" % eid)
    seen_ids.add(eid)
    if e.get("TEAM_OUTCOME") not in ("success", "failure"):
        fail("%s has TEAM_OUTCOME %r" % (name, e.get("TEAM_OUTCOME")))
    if not e.get("MESSAGE"):
        fail("%s has no MESSAGE" % name)

# The emitter: every type, every field.
emitted = {e["TEAM_EVENT"]: e for e in events if e.get("TEAM_HOST") == "audit-host"}
for name in types:
    e = emitted.get(name)
    if not e:
        fail("no %s entry from emit_events" % name)
        continue
    want = dict(TEAM_USER="audituser", TEAM_ROLE="sudo", TEAM_GRANT_ID="grant-1",
                TEAM_REQUEST_ID="request-1", TEAM_DECISION="allow", TEAM_SERVICE="sudo",
                TEAM_TTY="/dev/pts/7", TEAM_RHOST="192.0.2.7", TEAM_REASON="%s %s" % (marker, name))
    for k, v in want.items():
        if e.get(k) != v:
            fail("%s: %s is %r, not %r" % (name, k, e.get(k), v))
    if not e.get("TEAM_PEER_PID", "").isdigit():
        fail("%s: TEAM_PEER_PID %r" % (name, e.get("TEAM_PEER_PID")))

# teamd's own entries.
mine = [e for e in events if e.get("TEAM_HOST") == host]
def expect(label, name, **want):
    for e in mine:
        if e["TEAM_EVENT"] == name and all(e.get(k) == v if v is not None else e.get(k) for k, v in want.items()):
            return e
    fail("%s: no %s with %s" % (label, name, want))

expect("start", "DaemonStarted")
expect("no grant", "ElevationDenied", TEAM_USER=user, TEAM_DECISION="deny", TEAM_TTY="/dev/pts/4",
       TEAM_OUTCOME="failure", TEAM_PEER_PID=None)
expect("grant", "GrantReceived", TEAM_USER=user, TEAM_GRANT_ID=None, TEAM_APPROVERS="bob, carol",
       TEAM_TICKET="INC-4242")
expect("other host", "GrantRejected", TEAM_OUTCOME="failure", TEAM_REASON=None)
expect("allowed", "ElevationAllowed", TEAM_USER=user, TEAM_DECISION="allow", TEAM_RHOST="198.51.100.2",
       TEAM_OUTCOME="success")
expect("session", "SessionOpened", TEAM_USER=user, TEAM_SERVICE="sshd", TEAM_TTY="/dev/pts/5")
expect("session", "SessionClosed", TEAM_USER=user, TEAM_SERVICE="sshd")
expect("2 s grant", "GrantExpired", TEAM_USER=user, TEAM_ROLE="shortrole")
full = expect("small outbox", "AuditOutboxFull", TEAM_OUTCOME="failure")
if full and "evicted" not in full.get("MESSAGE", ""):
    fail("AuditOutboxFull message does not say what was evicted: %r" % full.get("MESSAGE"))
if len([e for e in mine if e["TEAM_EVENT"] == "GrantReceived"]) != 2:
    fail("expected 2 GrantReceived (the repeated grant add writes none)")

# Run 1: every teamd event of that run is in the outbox, same type and fields.
outbox1 = {r["id"]: r for r in json.load(open(tmp + "/outbox1.json"))}
run1 = [e for e in mine if e.get("_PID") == teamd_pid]
if len(run1) < 8:
    fail("only %d entries from the first teamd" % len(run1))
for e in run1:
    r = outbox1.get(e["TEAM_EVENT_ID"])
    if not r:
        fail("%s %s is in journald, not in the outbox" % (e["TEAM_EVENT"], e["TEAM_EVENT_ID"]))
        continue
    j = json.loads(r["json"])
    if j["type"] != e["TEAM_EVENT"] or j.get("user") != e.get("TEAM_USER") \
            or j.get("reason") != e.get("TEAM_REASON") or j["message_id"] != e["MESSAGE_ID"]:
        fail("outbox JSON differs from journald for %s: %s" % (e["TEAM_EVENT_ID"], r["json"]))
if len(outbox1) != len(run1):
    fail("outbox holds %d events, journald %d from the first teamd" % (len(outbox1), len(run1)))

# The chain: every teamd event carries its seq, prev and hash in journald;
# the outbox JSON is canonical and hashes to TEAM_HASH; prev links them.
import hashlib
by_seq = {}
for e in mine:
    if not e.get("TEAM_SEQ", "").isdigit() or not re.fullmatch(r"[0-9a-f]{64}", e.get("TEAM_HASH", "")):
        fail("%s %s has no chain fields" % (e["TEAM_EVENT"], e["TEAM_EVENT_ID"]))
        continue
    by_seq.setdefault(int(e["TEAM_SEQ"]), []).append(e)
for seq, es in by_seq.items():
    if len(es) != 1:
        fail("seq %d given to %d events" % (seq, len(es)))
    prev = by_seq.get(seq - 1)
    want = prev[0]["TEAM_HASH"] if prev else ("0" * 64 if seq == 1 else None)
    if want and es[0].get("TEAM_PREV") != want:
        fail("seq %d: TEAM_PREV does not link to seq %d" % (seq, seq - 1))
if sorted(by_seq) != list(range(1, len(by_seq) + 1)):
    fail("the chain in journald has gaps: %s" % sorted(by_seq))
for e in run1:
    r = outbox1.get(e["TEAM_EVENT_ID"])
    if not r:
        continue
    j = json.loads(r["json"])
    canon = json.dumps(j, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if canon != r["json"]:
        fail("outbox JSON is not in canonical form: %s" % r["json"])
    if hashlib.sha256(canon.encode()).hexdigest() != e.get("TEAM_HASH"):
        fail("%s: the canonical form does not hash to TEAM_HASH" % e["TEAM_EVENT_ID"])
if not any(e["TEAM_EVENT"] == "AuditCheckpoint" and e.get("TEAM_REASON") == "shutdown"
           and e.get("TEAM_SIGNATURE") and e.get("TEAM_HOST_KEY") for e in run1):
    fail("no signed AuditCheckpoint at teamd's shutdown")

# Run 2: bounded, newest kept, the alert among them.
outbox2 = json.load(open(tmp + "/outbox2.json"))
if len(outbox2) > 11:
    fail("outbox holds %d events with outbox_max_events = 10" % len(outbox2))
if not any(json.loads(r["json"])["type"] == "AuditOutboxFull" for r in outbox2):
    fail("no AuditOutboxFull event in the outbox")
full2 = [json.loads(r["json"]) for r in outbox2 if json.loads(r["json"])["type"] == "AuditOutboxFull"]
if full2 and not (full2[-1].get("dropped_count", 0) > 0 and full2[-1].get("dropped_first", 0) >= 1):
    fail("the AuditOutboxFull in the outbox declares no dropped seq range: %s" % full2[-1])

# journalctl -x: the catalog's Subject with the fields filled in.
catalog = {}
cur = None
for line in open(catalog_path):
    m = re.match(r"^-- ([0-9a-f]{32})$", line.strip())
    if m:
        cur = m.group(1)
    elif cur and line.startswith("Subject: ") and cur not in catalog:
        catalog[cur] = line[len("Subject: "):].strip()
shown = {}
for block in open(tmp + "/catalog.txt").read().split("=== ")[1:]:
    mid, _, text = block.partition("\n")
    shown[mid] = text
for name, (mid, _) in types.items():
    if mid not in catalog:
        fail("%s (%s) has no catalog entry" % (name, mid))
        continue
    e = emitted.get(name)
    if not e:
        continue
    subject = re.sub(r"@([A-Z_]+)@", lambda m: e.get(m.group(1), m.group(0)), catalog[mid])
    if "Subject: " + subject not in shown.get(mid, ""):
        fail("journalctl -x of %s does not show 'Subject: %s':\n%s" % (name, subject, shown.get(mid, "")))

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("journal: %d audit entries, %d types, all as expected" % (len(events), len(types)), file=sys.stderr)
EOPY

# teamctl audit tail: every event listed, in the outbox's JSON form.
"$TEAMCTL_BIN" --json audit tail --no-follow -n 1000 >"$TEAM_TMP/tail.json" || fixture_fail "teamctl audit tail --json"
python3 - "$TEAM_TMP" <<'EOPY' || fixture_fail "teamctl audit tail --json does not list every event"
import json, sys
tmp = sys.argv[1]
ids = {json.loads(l)["TEAM_EVENT_ID"] for l in open(tmp + "/journal.json") if '"TEAM_EVENT_ID"' in l}
tail = [json.loads(l) for l in open(tmp + "/tail.json") if l.strip()]
got = {t["id"] for t in tail}
missing = ids - got
if missing:
    print("missing from audit tail: %s" % sorted(missing), file=sys.stderr)
    sys.exit(1)
if any(t.get("v") != 1 or "type" not in t for t in tail):
    sys.exit(1)
EOPY
out=$("$TEAMCTL_BIN" audit tail --no-follow -n 3 --type BreakGlassUsed) || fixture_fail "teamctl audit tail --type"
check_contains "audit tail --type" "$out" "BreakGlassUsed +BreakGlassUsed: test event $marker"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fixture_fail "audit tail --type BreakGlassUsed showed other types: $out"
if runuser -u nobody -- "$TEAMCTL_BIN" audit tail --no-follow >/dev/null 2>&1; then
        fixture_fail "teamctl audit tail worked for a user"
fi

# Following: a new event shows up while tail runs.
"$TEAMCTL_BIN" audit tail -n 0 >"$TEAM_TMP/follow.txt" 2>&1 &
tail_pid=$!
fixture_on_cleanup kill "$tail_pid"
sleep 0.5
"$EMIT" "follow$$" ExemptPass || fixture_fail "emit_events (follow)"
for ((i = 0; i < 50; i++)); do
        grep -q "follow$$" "$TEAM_TMP/follow.txt" && break
        sleep 0.1
done
grep -q "ExemptPass .*follow$$" "$TEAM_TMP/follow.txt" \
        || { cat "$TEAM_TMP/follow.txt" >&2; fixture_fail "teamctl audit tail did not follow a new event"; }

fixture_log "PASS: journald_events"
exit 0
