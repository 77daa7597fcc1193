#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Ctrl-C while sudo waits for an approval is never lost: the real sudo, on
# a real pseudo-terminal, with the built pam_team.so (`prompt wait=120`),
# gets Ctrl-C at 200 random moments between the typed reason and the first
# seconds of the wait (filing, the messages, connecting, waiting); every
# run must end, refused, within a few seconds of its Ctrl-C, and tell the
# daemon to cancel the request. The daemon is fake_teamd's `prompt` mode
# (files at once, never decides), so that nothing but the module's own
# handling of the signal is measured and no central API is flooded.
# Root only (skips with 77 otherwise); never edits /etc/pam.d/sudo.
# TEAM_INTR_RUNS (default 200) and TEAM_INTR_SEED choose the series.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/sudo_service.sh"

fixture_require_root
sudo_service_require python3
FAKE_BIN=$top_builddir/tests/pam/fake_teamd
fixture_require_built "$PAM_TEAM_SO" "$FAKE_BIN"
[ -z "$(fixture_sanitizer_preload)" ] ||
        fixture_skip "pam_team.so is built with sanitizers and cannot load into the setuid sudo"

fixture_init
user=teamintr$$
fixture_add_user "$user"
sudo_service_install "$user"
pamfile=/etc/pam.d/$SUDO_PAM_SERVICE
fake_sock=$TEAM_TMP/run/fake.sock
mkdir -m 0755 "$TEAM_TMP/run" 2>/dev/null || [ -d "$TEAM_TMP/run" ] || fixture_fail "mkdir run"
sed -i -E "s|^(account +required +[^ ]*pam_team.so) .*\$|\\1 role=sudo socket=$fake_sock prompt wait=120|" \
        "$pamfile" || fixture_fail "cannot edit $pamfile"
grep -q "socket=$fake_sock prompt wait=120\$" "$pamfile" || { cat "$pamfile" >&2; fixture_fail "bad account line"; }

"$FAKE_BIN" "${TEAM_INTR_FAKE_MODE:-prompt-busy}" "$fake_sock" 2>"$TEAM_TMP/fake.log" &
fake_pid=$!
fixture_on_cleanup kill "$fake_pid"
for ((i = 0; i < 100; i++)); do [ -S "$fake_sock" ] && break; sleep 0.1; done
[ -S "$fake_sock" ] || fixture_fail "fake_teamd did not listen on $fake_sock"

runs=${TEAM_INTR_RUNS:-200}
seed=${TEAM_INTR_SEED:-$RANDOM}
fixture_log "intr_stress: $runs runs, seed $seed"
out=$(python3 "$top_srcdir/tests/prompt/intr_stress.py" --user "$user" --runs "$runs" --seed "$seed" \
        --max-delay 0.8 --grace 8 --deadline 900 -- "$SUDO" echo RAN-COMMAND); rc=$?
fixture_log "$out"
[ "$rc" -eq 0 ] || fixture_fail "a Ctrl-C was lost or a run was not refused (seed $seed): $out"
echo "PASS: $out"
