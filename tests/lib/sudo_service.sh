# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Points sudo, for one user only, at a test PAM service gated by the built
# pam_team.so and the fixture's teamd. Never touches /etc/pam.d/sudo.
# Source after teamd_fixture.sh and fixture_init.
#
#   sudo_service_require [PROGRAM...]  # SUDO; skips (77) without sudo,
#                               # visudo, user tools, runuser or PROGRAMs
#   sudo_service_install USER   # sets SUDO_PAM_SERVICE, SUDOERS_DROPIN
#   run_sudo_as USER            # prints sudo's output, returns its status

SUDO_PAM_SERVICE=
SUDOERS_DROPIN=

# shellcheck disable=SC2120 # PROGRAMs are optional
sudo_service_require() {
        SUDO=${SUDO:-$(command -v sudo || true)}
        [ -n "$SUDO" ] || fixture_skip "sudo is not installed"
        fixture_require_programs "$SUDO" visudo useradd userdel usermod runuser "$@"
}

sudo_service_install() {
        local user=$1 pamfile staged
        SUDO_PAM_SERVICE=teamtest-sudo-$$
        SUDOERS_DROPIN=/etc/sudoers.d/zz-teamtest-$$
        pamfile=/etc/pam.d/$SUDO_PAM_SERVICE
        [ -e "$pamfile" ] && fixture_fail "$pamfile already exists"
        [ -e "$SUDOERS_DROPIN" ] && fixture_fail "$SUDOERS_DROPIN already exists"
        [ -d /etc/sudoers.d ] || fixture_skip "/etc/sudoers.d is missing"
        grep -Eq '^[@#]includedir[[:space:]]+/etc/sudoers.d' /etc/sudoers 2>/dev/null \
                || fixture_skip "/etc/sudoers does not include /etc/sudoers.d"

        # NOPASSWD: sudo skips auth (pam_deny guards it anyway) but always
        # runs the account phase, which pam_team gates.
        fixture_on_cleanup rm -f "$pamfile"
        cat >"$pamfile" <<EOPAM
# Test service of the pam_team end-to-end tests (pid $$); removed at exit.
auth     required pam_deny.so
account  required $PAM_TEAM_SO role=sudo socket=$TEAM_SOCK
account  required pam_permit.so
password required pam_deny.so
session  required $PAM_TEAM_SO role=sudo socket=$TEAM_SOCK
session  required pam_permit.so
EOPAM
        chmod 0644 "$pamfile"

        staged=$TEAM_TMP/sudoers
        cat >"$staged" <<EOSUDO
# Test drop-in of the pam_team end-to-end tests (pid $$); removed at exit.
Defaults:$user pam_service=$SUDO_PAM_SERVICE
Defaults:$user !lecture, !mail_badpass, !mail_no_user, !mail_no_perms
$user ALL=(ALL) NOPASSWD: ALL
EOSUDO
        chmod 0440 "$staged"
        visudo -cqf "$staged" >&2 || fixture_fail "visudo rejects the test drop-in"
        fixture_on_cleanup rm -f "$SUDOERS_DROPIN"
        install -m 0440 -o root -g root "$staged" "$SUDOERS_DROPIN" \
                || fixture_fail "cannot install $SUDOERS_DROPIN"
        visudo -cq >&2 || fixture_fail "sudoers invalid with $SUDOERS_DROPIN"
}

# run_sudo_as USER [COMMAND...]: `sudo -n COMMAND` (default `true`) as USER,
# without a tty. Output (both streams) on stdout.
run_sudo_as() {
        local user=$1
        shift
        [ $# -gt 0 ] || set -- true
        runuser -u "$user" -- "${SUDO:-sudo}" -n "$@" </dev/null 2>&1
}
