#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# pam_team.so loads its break-glass helper (pam_team_breakglass.so) only
# when a code is asked for, and refuses one it cannot trust, with a log
# line that says what is wrong and what to do, without asking for a code:
# a missing file, group- or world-writable, not owned by root, a symbolic
# link, a directory, a library that is no pam_team helper, and a helper of
# another interface version. The valid code is typed each time, so only
# the helper can refuse it; it is still unused at the end. Logs go to a real
# journald in a private mount namespace. Root only (77 otherwise).
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/journald_ns.sh"
. "$top_srcdir/tests/breakglass/bg_lib.sh"

fixture_require_root
fixture_require_programs unshare
fixture_require_built "$PAM_TEAM_SO" "$PAM_TEAM_BG_HELPER" "$PAM_CHECK" "$TEAMCTL_BIN"
unshare -n true 2>/dev/null || fixture_skip "cannot create a network namespace (unshare -n)"
journald_reexec_private "$0" "$@"

fixture_init
journald_start
journald_dev_log
bg_init
code=$(bg_new_set 3 5m) || fixture_fail "init"
code=$(printf '%s\n' "$code" | head -n 1)
hdir=$TEAM_TMP/helper
mkdir -m 0755 "$hdir" || fixture_fail "mkdir"
helper=$hdir/pam_team_breakglass.so
pamfile=$BG_CONFDIR/$BG_SERVICE

# use_helper PATH: the PAM line names PATH as the helper.
use_helper() {
        sed -i -E "s|breakglass_helper=[^ ]*|breakglass_helper=$1|" "$pamfile" || fixture_fail "sed"
}

n=0
# refused LABEL LOG_REGEX: the login is refused, no code is asked for, and
# the system log says why.
refused() {
        local got before
        n=$((n + 1))
        before=$(journalctl --no-pager -q -o cat --grep "$2" 2>/dev/null | wc -l)
        : >"$TEAM_TMP/pam.log"
        got=$(bg_login root "$code")
        [ "$got" = PAM_AUTHINFO_UNAVAIL ] || fixture_fail "$1: got ${got:-nothing}, expected PAM_AUTHINFO_UNAVAIL"
        ! grep -q 'Break-glass code' "$TEAM_TMP/pam.log" || fixture_fail "$1: a code was asked for"
        journald_wait_for $((before + 1)) --grep "$2" \
                || { journalctl --no-pager -o cat | tail -n 5 >&2; fixture_fail "$1: no new log line matching /$2/"; }
        fixture_log "ok: $1 ($got)"
        rm -rf "$helper"
}

use_helper "$helper"
refused "missing" "helper $helper cannot be opened: No such file.*reinstall libpam-team"
install -m 0775 "$PAM_TEAM_BG_HELPER" "$helper"
refused "group-writable" "helper $helper refused: .*owner 0, mode 0775.*reinstall"
install -m 0757 "$PAM_TEAM_BG_HELPER" "$helper"
refused "world-writable" "owner 0, mode 0757"
install -m 0755 -o nobody "$PAM_TEAM_BG_HELPER" "$helper"
refused "not owned by root" "owner [1-9][0-9]*, mode 0755"
ln -s "$PAM_TEAM_BG_HELPER" "$helper"
refused "a symbolic link" "helper $helper cannot be opened: Too many levels of symbolic links"
mkdir -m 0755 "$helper"
refused "a directory" "helper $helper refused: not a regular file"
other=$(find /lib /usr/lib -name pam_permit.so -path '*security*' 2>/dev/null | head -n 1)
if [ -n "$other" ]; then
        install -m 0755 "$other" "$helper"
        refused "another library (pam_permit.so)" "has no pam_team_breakglass_abi: not a pam_team helper"
fi
if command -v cc >/dev/null 2>&1; then
        # A helper of another interface: the same layout, version 999.
        cat >"$TEAM_TMP/old.c" <<'EOC'
#include <stddef.h>
struct abi { unsigned version; const char *package_version; size_t a, r; };
__attribute__((visibility("default"))) const struct abi pam_team_breakglass_abi = { 999, "0.0.0", 0, 0 };
__attribute__((visibility("default"))) int pam_team_breakglass_run(void) { return 0; }
EOC
        cc -shared -fPIC -o "$helper" "$TEAM_TMP/old.c" || fixture_fail "cc"
        chmod 0755 "$helper"
        refused "another interface version" "from pam_team 0.0.0 \\(interface 999\\).*refused"
fi

# The build's own helper, copied: it works, with the code that was typed
# each time (no refused helper asked for it or burned it).
install -m 0755 "$PAM_TEAM_BG_HELPER" "$helper"
got=$(bg_login root "$code")
[ "$got" = PAM_SUCCESS ] || { tail -n 5 "$TEAM_TMP/pam.log" >&2; fixture_fail "the good helper: got $got"; }
fixture_log "PASS: $n helpers refused, the good one used"
