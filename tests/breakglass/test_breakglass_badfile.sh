#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A break-glass set file that must not be trusted is refused with a clear
# log line and never allows: world- or group-readable, not owned by root, a
# symbolic link, a directory, truncated, garbage, 100 MiB; a set for
# another role; and a missing file. The valid code of the good set is typed
# each time, so only the file's state can refuse it. Logs go to a real
# journald in a private mount namespace. Root only (77 otherwise).
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/journald_ns.sh"
. "$top_srcdir/tests/breakglass/bg_lib.sh"

fixture_require_root
fixture_require_programs unshare truncate python3
fixture_require_built "$PAM_TEAM_SO" "$PAM_CHECK" "$TEAMCTL_BIN"
unshare -n true 2>/dev/null || fixture_skip "cannot create a network namespace (unshare -n)"
journald_reexec_private "$0" "$@"

fixture_init
journald_start
journald_dev_log
bg_init
good=$TEAM_TMP/good
code=$(bg_new_set 5 5m) || fixture_fail "init"
code=$(printf '%s\n' "$code" | head -n 1)
cp -p "$BG_FILE" "$good"

n=0
# refused LABEL LOG_REGEX: a login with the valid code is refused and the
# system log says why.
refused() {
        local got before
        n=$((n + 1))
        before=$(journalctl --no-pager -q -o cat --grep "$2" 2>/dev/null | wc -l)
        got=$(bg_login root "$code")
        [ "$got" != PAM_SUCCESS ] || fixture_fail "$1: allowed"
        journald_wait_for $((before + 1)) --grep "$2" \
                || { journalctl --no-pager -o cat | tail -n 5 >&2; fixture_fail "$1: no new log line matching /$2/"; }
        fixture_log "ok: $1 ($got)"
        rm -rf "$BG_FILE"
        cp -p "$good" "$BG_FILE"
}

chmod 0604 "$BG_FILE"; refused "world-readable" "breakglass: refused: must be owned by root with mode 0600"
chmod 0640 "$BG_FILE"; refused "group-readable" "owner 0, mode 0640"
chown nobody "$BG_FILE"; refused "not owned by root" "owner [1-9][0-9]*, mode 0600"
rm -f "$BG_FILE"; ln -s "$good" "$BG_FILE"; refused "a symbolic link" "breakglass: refused: a symbolic link"
rm -f "$BG_FILE"; mkdir -m 0700 "$BG_FILE"; refused "a directory" "breakglass: not a regular file"
head -c 200 "$good" >"$BG_FILE.t"; chmod 0600 "$BG_FILE.t"; mv "$BG_FILE.t" "$BG_FILE"
refused "truncated" "not a valid break-glass set"
head -c 4000 /dev/urandom >"$BG_FILE.t"; chmod 0600 "$BG_FILE.t"; mv "$BG_FILE.t" "$BG_FILE"
refused "garbage" "not a valid break-glass set"
truncate -s 100M "$BG_FILE.t"; chmod 0600 "$BG_FILE.t"; mv "$BG_FILE.t" "$BG_FILE"
refused "100 MiB" "refused: larger than 16384 bytes"
rm -f "$BG_FILE"; refused "missing" "break-glass unavailable: .*No such file"
sed -i 's/^role console$/role ops/' "$BG_FILE"; chmod 0600 "$BG_FILE"
refused "a set for another role" "holds codes for role ops, not console"

# After all that, the good set still works (no failure was counted for a
# refused file) and the code is burned exactly once.
got=$(bg_login root "$code")
[ "$got" = PAM_SUCCESS ] || fixture_fail "the good set refused its code after the bad files: $got"
fixture_log "PASS: $n bad files refused"
