# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Helpers of the story tests (tests/story): file and approve requests with
# teamctl's central verbs, and time how long the host takes to follow.
# Source after teamd_fixture.sh and server_fixture.sh.

step() { fixture_log "--- $*"; }

# story_now_ms: wall clock in milliseconds (bash 5's EPOCHREALTIME).
story_now_ms() {
        local t=${EPOCHREALTIME/[.,]/}
        printf '%s\n' "$((10#$t / 1000))"
}

# story_request TOKEN ROLE REASON [HOST]: files a request for ROLE on HOST
# (default this host) for 10 minutes; prints its id (r_...).
story_request() {
        local out id
        out=$(central "$1" request "$2" --host "${4:-$TEAM_HOST}" --for 10m --reason "$3" 2>&1) \
                || { fixture_log "$out"; fixture_fail "teamctl request $2 failed"; }
        id=$(printf '%s\n' "$out" | grep -oE 'r_[0-9a-f]{16}' | head -n 1)
        [ -n "$id" ] || { fixture_log "$out"; fixture_fail "teamctl request printed no request id"; }
        printf '%s\n' "$id"
}

# story_approve TOKEN REQUEST: approves; prints the grant id (g_...).
story_approve() {
        local out id
        out=$(central "$1" approve "$2" --comment "ok" 2>&1) \
                || { fixture_log "$out"; fixture_fail "teamctl approve $2 failed"; }
        id=$(printf '%s\n' "$out" | grep -oE 'g_[0-9a-f]{16}' | head -n 1)
        [ -n "$id" ] || { fixture_log "$out"; fixture_fail "teamctl approve printed no grant id"; }
        printf '%s\n' "$id"
}

story_not() { ! "$@"; }

# story_wait_until LABEL T0_MS LIMIT_MS COMMAND...: runs COMMAND until it
# succeeds; prints "LABEL: N ms" (N counted from T0_MS) and fails the test
# when that took more than LIMIT_MS.
story_wait_until() {
        local label=$1 t0=$2 limit=$3 now
        shift 3
        while :; do
                if "$@"; then
                        now=$(story_now_ms)
                        fixture_log "$label: $((now - t0)) ms (limit $limit ms)"
                        [ $((now - t0)) -le "$limit" ] && return 0
                        fixture_fail "$label took $((now - t0)) ms, more than $limit ms"
                fi
                now=$(story_now_ms)
                if [ $((now - t0)) -gt "$limit" ]; then
                        fixture_fail "$label: not within $limit ms"
                fi
                sleep 0.02
        done
}

# story_approve_until USER_TOKEN ROLE REASON APPROVER_TOKEN LABEL COMMAND...:
# the user files a request, the approver approves it (STORY_REQ, STORY_GRANT),
# then story_wait_until LABEL (5 s, from the approval) COMMAND succeeds.
story_approve_until() {
        local tok=$1 role=$2 reason=$3 approver=$4 label=$5 t0
        shift 5
        STORY_REQ=$(story_request "$tok" "$role" "$reason") || exit 1
        fixture_log "request $STORY_REQ filed"
        STORY_GRANT=$(story_approve "$approver" "$STORY_REQ") || exit 1
        t0=$(story_now_ms)
        fixture_log "approved: grant $STORY_GRANT"
        story_wait_until "$label" "$t0" 5000 "$@"
}

# story_revoke TOKEN GRANT LABEL COMMAND...: revokes GRANT with teamctl,
# then story_wait_until LABEL (5 s, from the revocation) COMMAND fails.
story_revoke() {
        local tok=$1 grant=$2 label=$3 out t0
        shift 3
        out=$(central "$tok" revoke "$grant" --reason "story done" 2>&1) \
                || fixture_fail "teamctl revoke failed: $out"
        t0=$(story_now_ms)
        fixture_log "$out"
        story_wait_until "$label" "$t0" 5000 story_not "$@"
}

# story_wait_log LABEL ERE LIMIT_MS: waits until teamd's log matches.
story_wait_log() {
        local label=$1 re=$2 limit=$3 t0
        t0=$(story_now_ms)
        until grep -Eq -- "$re" "$TEAMD_LOG"; do
                if [ $(($(story_now_ms) - t0)) -gt "$limit" ]; then
                        fixture_fail "$label: not within $limit ms"
                fi
                sleep 0.05
        done
}

# story_received GRANT: how many times teamd logged receiving GRANT (its
# --foreground stderr mirrors every journald entry as one line).
story_received() {
        grep -c -- "GrantReceived.*$1" "$TEAMD_LOG"
}

# story_wait_status LABEL ERE LIMIT_MS: waits until root's `teamctl status`
# matches (for example the api line).
story_wait_status() {
        local label=$1 re=$2 limit=$3 t0 out
        t0=$(story_now_ms)
        until out=$("$TEAMCTL_BIN" --config "$TEAM_CONF" status 2>&1) && grep -Eq -- "$re" <<<"$out"; do
                if [ $(($(story_now_ms) - t0)) -gt "$limit" ]; then
                        fixture_log "$out"
                        fixture_fail "$label: not within $limit ms"
                fi
                sleep 0.1
        done
        fixture_log "$label: $(grep -E -- "$re" <<<"$out")"
}

# story_sanitizer_clean: fails the test when ASan/UBSan spoke in teamd's or
# team-server's log (sanitizer builds).
story_sanitizer_clean() {
        local f
        for f in "$TEAMD_LOG" "$TEAM_SERVER_LOG"; do
                if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$f"; then
                        cat "$f" >&2
                        fixture_fail "a sanitizer reported an error (log: ${f##*/})"
                fi
        done
}
