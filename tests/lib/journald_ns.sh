# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A real systemd-journald of our own, without systemd as PID 1 and without
# touching the machine's journal: inside a private mount namespace, tmpfs on
# /run/systemd, /run/log and /var/log/journal, then journald in the
# background. Source after teamd_fixture.sh.
#
#   journald_reexec_private SCRIPT ARGS...  # re-runs SCRIPT in a private
#                                           # mount namespace (once)
#   journald_start                          # after fixture_init
#   journald_json [journalctl match...]     # one JSON object per line

JOURNALD_BIN=${JOURNALD_BIN:-/lib/systemd/systemd-journald}
JOURNALD_PID=

# Mounts made below vanish with the namespace, whatever happens to us.
journald_reexec_private() {
        local script=$1
        shift
        [ "${TEAM_PRIVATE_MOUNT_NS:-}" = "$$" ] && return 0
        fixture_require_programs unshare mount journalctl "$JOURNALD_BIN"
        unshare -m --propagation private true 2>/dev/null \
                || fixture_skip "cannot create a mount namespace (unshare -m)"
        # exec keeps our pid, so the check above holds inside.
        TEAM_PRIVATE_MOUNT_NS=$$ exec unshare -m --propagation private -- \
                bash "$script" "$@"
}

journald_start() {
        local d i
        [ "${TEAM_PRIVATE_MOUNT_NS:-}" = "$$" ] || fixture_fail "journald_start outside the private namespace"
        for d in /run/systemd /run/log /var/log/journal; do
                [ -d "$d" ] || [ "$d" = /run/log ] || continue
                mkdir -p "$d"
                mount -t tmpfs -o mode=0755,size=64m tmpfs "$d" || fixture_fail "mount tmpfs on $d"
        done
        # journald wants a machine id; lend it one for this namespace only.
        if [ ! -s /etc/machine-id ] && [ -e /etc/machine-id ]; then
                tr -d '-' </proc/sys/kernel/random/uuid >"$TEAM_TMP/machine-id"
                mount --bind "$TEAM_TMP/machine-id" /etc/machine-id || fixture_fail "bind machine-id"
        fi
        "$JOURNALD_BIN" </dev/null >>"$TEAM_TMP/journald.log" 2>&1 &
        JOURNALD_PID=$!
        fixture_on_cleanup journald_stop
        for ((i = 0; i < 100; i++)); do
                [ -S /run/systemd/journal/socket ] && return 0
                kill -0 "$JOURNALD_PID" 2>/dev/null || break
                sleep 0.1
        done
        cat "$TEAM_TMP/journald.log" >&2
        fixture_fail "systemd-journald did not create /run/systemd/journal/socket"
}

journald_stop() {
        [ -n "$JOURNALD_PID" ] || return 0
        kill -TERM "$JOURNALD_PID" 2>/dev/null
        wait "$JOURNALD_PID" 2>/dev/null
        JOURNALD_PID=
}

journald_json() {
        journalctl --no-pager -o json "$@"
}

# journald_wait_for COUNT MATCH...: waits (5 s at most) until at least COUNT
# entries match (journald writes asynchronously).
journald_wait_for() {
        local want=$1 i n
        shift
        for ((i = 0; i < 50; i++)); do
                n=$(journalctl --no-pager -q -o cat "$@" 2>/dev/null | wc -l)
                [ "$n" -ge "$want" ] && return 0
                sleep 0.1
        done
        return 1
}

# journald_dev_log: makes syslog(3) (pam_syslog) reach the private journald
# when the machine has no /dev/log (no systemd as PID 1). Inside the private
# mount namespace only, /dev becomes a fresh tmpfs with the few character
# devices a shell test needs (null, zero, full, random, urandom, tty), the
# fd links and /dev/log -> journald's socket. The real /dev is never bound
# anywhere (a bind under TEAM_TMP would be emptied by the cleanup's rm -rf),
# so no pty is available after this: not for tests that drive sudo.
# Call after journald_start.
journald_dev_log() {
        local spec name major minor
        [ "${TEAM_PRIVATE_MOUNT_NS:-}" = "$$" ] || fixture_fail "journald_dev_log outside the private namespace"
        [ -e /dev/log ] && return 0
        mount -t tmpfs -o mode=0755,size=64k tmpfs /dev || fixture_fail "tmpfs on /dev"
        for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
                IFS=: read -r name major minor <<<"$spec"
                mknod -m 0666 "/dev/$name" c "$major" "$minor" || fixture_fail "mknod /dev/$name"
        done
        ln -s /proc/self/fd /dev/fd && ln -s fd/0 /dev/stdin && ln -s fd/1 /dev/stdout && ln -s fd/2 /dev/stderr \
                && ln -s /run/systemd/journal/dev-log /dev/log || fixture_fail "links in /dev"
}
