#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end with a real systemd-journald: in a private mount namespace
# (tmpfs on /run/systemd, /run/log, /var/log/journal) a journald of our own,
# a private teamd, and PAM checks through the built pam_team.so
# (pam_start_confdir, tests/e2e/pam_check): no grant (deny), a grant that
# starts later (deny, names the grant), an active grant (allow), and a
# session opened and closed under it. Then `journalctl -o json` must hold
# DaemonStarted, GrantReceived, ElevationDenied, ElevationAllowed,
# SessionOpened and SessionClosed entries with their MESSAGE_IDs and TEAM_*
# fields. Root only (skips with 77 otherwise).
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/journald_ns.sh"

fixture_require_root
fixture_require_programs python3 useradd userdel usermod
PAM_CHECK=$top_builddir/tests/e2e/pam_check
fixture_require_built "$PAM_TEAM_SO" "$PAM_CHECK"
journald_reexec_private "$0" "$@"

fixture_init
journald_start
user=teamtest$$
fixture_add_user "$user"
start_teamd || fixture_fail "teamd did not start"

confdir=$TEAM_TMP/pam.d
mkdir -m 0755 "$confdir"
cat >"$confdir/teamtest" <<EOPAM
account required $PAM_TEAM_SO role=sudo socket=$TEAM_SOCK
account required pam_permit.so
session required $PAM_TEAM_SO role=sudo socket=$TEAM_SOCK
session required pam_permit.so
EOPAM

# pam_phase PHASE EXPECTED LABEL
pam_phase() {
        local phase=$1 got
        shift
        got=$("$PAM_CHECK" teamtest "$user" "$confdir" "$phase")
        [ "$got" = "$1" ] || fixture_fail "$2: PAM account returned ${got:-nothing}, expected $1"
        fixture_log "$2: $got"
}

future=future-$$
active=active-$$
pam_phase account PAM_PERM_DENIED "no grant"
grant_for "$user" sudo --nbf now+1h --exp now+2h --jti "$future" || fixture_fail "grant add ($future)"
pam_phase account PAM_PERM_DENIED "grant that starts in 1 h"
grant_for "$user" sudo --for 1h --jti "$active" || fixture_fail "grant add ($active)"
pam_phase account PAM_SUCCESS "active grant"
pam_phase session PAM_SUCCESS "session open and close under the active grant"
stop_teamd || fixture_fail "teamd did not exit cleanly on SIGTERM"

journald_wait_for 1 SYSLOG_IDENTIFIER=teamd TEAM_EVENT=ElevationAllowed \
        || fixture_fail "no ElevationAllowed entry reached the journal"
journald_json SYSLOG_IDENTIFIER=teamd >"$TEAM_TMP/journal.json" || fixture_fail "journalctl"

python3 - "$TEAM_TMP/journal.json" "$user" "$TEAM_HOST" "$future" "$active" <<'EOPY' || fixture_fail "journal entries are not as expected"
import json, sys

path, user, host, future, active = sys.argv[1:6]
ids = {
    "ElevationAllowed": "1c1440b4c687432d9f55df0b792c6515",
    "ElevationDenied": "31a6393c88134f9e9627bcfbdbdc24f2",
    "GrantReceived": "b89db6ea7d0b45e1b087cfc185aef1eb",
    "DaemonStarted": "b88827cb59154cb9910ba42b21fd57af",
    "SessionOpened": "ae93d2ce6f054f6f8a6e6d82d9de36e5",
    "SessionClosed": "cd2cdb9834114193b171eef2a3185d4d",
}
entries = [json.loads(line) for line in open(path) if line.strip()]
problems = []

def find(event, **want):
    """Entries of EVENT whose fields equal WANT (None: field must be set)."""
    out = []
    for e in entries:
        if e.get("TEAM_EVENT") != event:
            continue
        if all((e.get(k) not in (None, "")) if v is None else e.get(k) == v
               for k, v in want.items()):
            out.append(e)
    return out

def expect(label, event, **want):
    want.setdefault("MESSAGE_ID", ids[event])
    want.setdefault("SYSLOG_IDENTIFIER", "teamd")
    want.setdefault("PRIORITY", None)
    want.setdefault("MESSAGE", None)
    if not find(event, **want):
        near = [{k: v for k, v in e.items() if k.startswith("TEAM_") or k == "MESSAGE_ID"}
                for e in entries if e.get("TEAM_EVENT") == event]
        problems.append("%s: no %s entry with %s; %s entries seen: %s"
                        % (label, event, want, event, json.dumps(near)))

common = dict(TEAM_USER=user, TEAM_ROLE="sudo", TEAM_HOST=host)
expect("daemon start", "DaemonStarted")
expect("future grant stored", "GrantReceived", TEAM_GRANT_ID=future, TEAM_USER=user, TEAM_ROLE="sudo")
expect("active grant stored", "GrantReceived", TEAM_GRANT_ID=active, TEAM_USER=user, TEAM_ROLE="sudo")
expect("no grant", "ElevationDenied", TEAM_DECISION="deny", TEAM_REASON=None, **common)
expect("grant not yet valid", "ElevationDenied", TEAM_DECISION="deny", TEAM_REASON=None,
       TEAM_GRANT_ID=future, **common)
expect("active grant", "ElevationAllowed", TEAM_DECISION="allow", TEAM_REASON=None,
       TEAM_GRANT_ID=active, **common)
expect("session opened", "SessionOpened", TEAM_GRANT_ID=active, TEAM_SERVICE="teamtest", **common)
expect("session closed", "SessionClosed", TEAM_USER=user, TEAM_ROLE="sudo")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("journal: %d teamd entries, all expected ones present" % len(entries), file=sys.stderr)
EOPY

fixture_log "PASS: e2e_journald"
exit 0
