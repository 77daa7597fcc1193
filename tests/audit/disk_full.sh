#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fail closed when the audit trail cannot be written: teamd's state
# directory is a small tmpfs that is then filled up. A check whose event
# cannot be committed to the outbox must not be answered allow: its answer
# is an error (the module refuses), its event still reaches journald with
# an alert, and every check that was answered allow has its event in the
# outbox. Root only (it mounts a tmpfs).
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: ${0##*/} needs root (it mounts a tmpfs for teamd's state)" >&2
        exit 77
fi
: "${top_builddir:?run through make check}"
: "${top_srcdir:=$top_builddir}"
# shellcheck source=tests/lib/teamd_fixture.sh
. "$top_srcdir/tests/lib/teamd_fixture.sh"
fixture_require_built
fixture_require_programs python3 sqlite3 mount umount dd
PROTO=$top_srcdir/tests/teamd/teamd_proto.py
N=40

fixture_init
mount -t tmpfs -o size=8m,mode=0700 tmpfs "$TEAM_TMP/state" || fixture_fail "cannot mount a tmpfs"
fixture_on_cleanup umount -l "$TEAM_TMP/state"
start_teamd || fixture_fail "teamd did not start"
user=full$$
grant_for "$user" sudo --for 1h || fixture_fail "grant add"
check_req() { # TAG
        printf '{"v":1,"op":"check","user":"%s","role":"sudo","service":"test","tty":"/dev/pts/9","rhost":"%s"}' "$user" "$1"
}
out=$(python3 "$PROTO" "$TEAM_SOCK" "$(check_req "before-$$")") || fixture_fail "check: no answer ($out)"
check_contains "allowed while the disk has room" "$out" '"decision": ?"allow"'

# Fill it: from here every page the database needs beyond what it has fails.
dd if=/dev/zero of="$TEAM_TMP/state/filler" bs=64k >/dev/null 2>&1
allowed=() refused=0
for ((i = 0; i < N; i++)); do
        out=$(python3 "$PROTO" "$TEAM_SOCK" "$(check_req "full-$$-$i")"); rc=$?
        [ "$rc" -eq 0 ] || fixture_fail "check $i: no answer at all (rc $rc): $out"
        if printf '%s' "$out" | grep -Eq '"decision": ?"allow"' && ! printf '%s' "$out" | grep -q '"ok": \?false'; then
                allowed+=("full-$$-$i")
        else
                check_contains "check $i: refused because of the record" "$out" "could not record"
                refused=$((refused + 1))
        fi
done
[ "$refused" -gt 0 ] || fixture_fail "the full disk never stopped an allow; the test did not reach the failing path"
grep -q "could not be committed to the outbox; they are in journald only" "$TEAMD_LOG" ||
        fixture_fail "no alert that events are in journald only"
grep -q "TEAM_RHOST=full-$$-" "$TEAMD_LOG" || fixture_fail "the refused checks' events did not reach journald"

# Room again: teamd recovers without a restart, and the record is complete.
rm -f "$TEAM_TMP/state/filler"
out=$(python3 "$PROTO" "$TEAM_SOCK" "$(check_req "after-$$")") || fixture_fail "check after: no answer ($out)"
check_contains "allowed again once there is room" "$out" '"decision": ?"allow"'
stop_teamd || fixture_fail "teamd did not stop cleanly"
for tag in "before-$$" "${allowed[@]}" "after-$$"; do
        n=$(sqlite3 "$TEAM_TMP/state/grants.db" "SELECT count(*) FROM outbox WHERE json LIKE '%\"rhost\":\"$tag\"%'")
        [ "$n" -ge 1 ] || fixture_fail "check $tag was answered allow but its event is not in the outbox"
done
fixture_log "PASS: disk_full: $refused of $N checks refused on a full disk, ${#allowed[@]} allowed with their events kept, allowed again after"
exit 0
