# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Shared by the break-glass tests: a private code set, spool and PAM
# service (pam_start_confdir through tests/e2e/pam_check, no /etc/pam.d file),
# with teamd NOT running (its socket path does not exist). Source after
# teamd_fixture.sh and fixture_init.
#
#   bg_init [MODULE ARGS...]   # BG_FILE, BG_SPOOL, BG_CONFDIR, BG_SERVICE
#   bg_new_set COUNT [TTL]     # prints the codes, one a line
#   bg_login USER ANSWER       # prints the PAM result name (PAM_SUCCESS, ...)

PAM_CHECK=$top_builddir/tests/e2e/pam_check
BG_FILE=
BG_SPOOL=
BG_CONFDIR=
BG_SERVICE=

bg_init() {
        BG_FILE=$TEAM_TMP/etc/breakglass
        BG_SPOOL=$TEAM_TMP/spool/breakglass
        BG_CONFDIR=$TEAM_TMP/pam.d
        BG_SERVICE=teamtest-bg
        mkdir -p -m 0700 "$TEAM_TMP/etc" || fixture_fail "mkdir"
        mkdir -p -m 0755 "$BG_CONFDIR" || fixture_fail "mkdir"
        cat >"$BG_CONFDIR/$BG_SERVICE" <<EOPAM
account required $PAM_TEAM_SO role=console socket=$TEAM_SOCK timeout_ms=500 breakglass breakglass_file=$BG_FILE breakglass_spool=$BG_SPOOL breakglass_helper=$PAM_TEAM_BG_HELPER $*
account required pam_permit.so
session required $PAM_TEAM_SO role=console socket=$TEAM_SOCK timeout_ms=500
session required pam_permit.so
EOPAM
}

bg_new_set() {
        "$TEAMCTL_BIN" breakglass init --count "$1" --ttl "${2:-10m}" --file "$BG_FILE" --spool "$BG_SPOOL" \
                2>>"$TEAM_TMP/teamctl.log"
}

# The account phase with no network (unshare -n) and no teamd, typing ANSWER.
bg_login() {
        printf '%s\n' "$2" | unshare -n -- "$PAM_CHECK" "$BG_SERVICE" "$1" "$BG_CONFDIR" answer 2>>"$TEAM_TMP/pam.log"
}

# bg_expect USER ANSWER RESULT LABEL
bg_expect() {
        local got
        got=$(bg_login "$1" "$2")
        [ "$got" = "$3" ] || { tail -n 5 "$TEAM_TMP/pam.log" >&2; fixture_fail "$4: got ${got:-nothing}, expected $3"; }
        fixture_log "ok: $4 ($got)"
}
