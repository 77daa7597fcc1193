#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# teamd's request_wait slots are shared fairly: one user waits for at most
# RELAY_MAX_WAITERS_PER_USER (2) requests at once, and the user socket
# never takes the last RELAY_WAITERS_KEPT_FOR_ROOT (8) of the 32 slots, so
# that local users together cannot stop pam_team's prompt (which waits
# through the root socket) for everyone else. Real teamd relaying to a
# real team-server on loopback; the waits are raw protocol frames
# (tests/teamd/teamd_proto.py) on the user socket as each user, and on the root
# socket as pam_team sends them. Root only (skips with 77 otherwise).
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"

fixture_require_root
fixture_require_programs python3 setpriv useradd userdel
fixture_require_built "$SERVER_BIN"
PROTO=$top_srcdir/tests/teamd/teamd_proto.py
# the system's python3 (one under root's home is not for other users)
SYS_PY=$(PATH=/usr/bin:/bin command -v python3) || fixture_skip "needs /usr/bin/python3"

fixture_init
fixture_make_traversable
server_init
start_server || fixture_fail "team-server did not start"
teamd_use_server
start_teamd || fixture_fail "teamd did not start"

users=()
for ((k = 1; k <= 13; k++)); do
        u=teamslot${k}x$$
        fixture_add_user "$u"
        server_add_user "$u" dev >/dev/null
        users+=("$u")
done

# file USER: a request filed for USER through the root socket; prints its id.
file() {
        local out
        out=$(python3 "$PROTO" "$TEAM_SOCK" \
                "{\"v\":1,\"op\":\"request\",\"user\":\"$1\",\"role\":\"sudo\",\"duration\":600,\"reason\":\"slots test\"}") ||
                fixture_fail "request for $1: $out"
        printf '%s' "$out" | grep -oE 'r_[0-9a-f]{16}' | head -n 1 | grep . || fixture_fail "no request id for $1: $out"
}

# wait_on USER ID TIMEOUT: a request_wait on the user socket as USER; prints the answer.
# (setpriv execs: the pid of a background wait_on is the client itself)
wait_on() {
        exec setpriv --reuid "$1" --regid "$(id -g "$1")" --init-groups env -i "$SYS_PY" "$PROTO" "$TEAM_USER_SOCK" \
                "{\"v\":1,\"op\":\"request_wait\",\"request_id\":\"$2\",\"timeout\":$3}" $(($3 + 10))
}

held=()
# hold USER: USER's two waits (120 s) held open in the background; returns
# once teamd counts both: a third, short wait is then refused at once. (A
# held wait that lost the race to a probe was refused: it is started again.)
hold() {
        local u=$1 ids out i j
        ids=("$(file "$u")" "$(file "$u")") || exit 1
        local pids=("" "")
        for ((i = 0; i < 40; i++)); do
                for j in 0 1; do
                        [ -n "${pids[j]}" ] && kill -0 "${pids[j]}" 2>/dev/null && continue
                        wait_on "$u" "${ids[j]}" 120 >"$TEAM_TMP/held.$u.$j" 2>&1 &
                        pids[j]=$!
                done
                sleep 0.25
                out=$( (wait_on "$u" "${ids[0]}" 1) 2>&1)
                if [[ $out == *"is already waiting for 2 requests"* ]] &&
                        kill -0 "${pids[0]}" 2>/dev/null && kill -0 "${pids[1]}" 2>/dev/null; then
                        held+=("${pids[@]}")
                        return 0
                fi
        done
        cat "$TEAM_TMP/held.$u".* >&2
        fixture_fail "$u: a third wait was not refused while two are held: $out"
}
fixture_on_cleanup kill_held
kill_held() { [ ${#held[@]} -eq 0 ] || kill "${held[@]}" 2>/dev/null; }

fixture_log "--- one user: two waits at once, a third is refused"
hold "${users[0]}"

fixture_log "--- twelve users fill the user socket's 24 slots; the root socket keeps its own"
for ((k = 1; k < 12; k++)); do hold "${users[k]}"; done
last=${users[12]}
id=$(file "$last") || exit 1
out=$( (wait_on "$last" "$id" 1) 2>&1)
fixture_log "$out"
check_contains "user socket full" "$out" 'too many requests are being waited for'
# pam_team's prompt waits through the root socket for the same person: served.
out=$(python3 "$PROTO" "$TEAM_SOCK" "{\"v\":1,\"op\":\"request_wait\",\"user\":\"$last\",\"request_id\":\"$id\",\"timeout\":1}" 2>&1)
fixture_log "$out"
check_contains "root socket still served" "$out" '"status": *"timeout"'

fixture_log "--- the share counts the root socket too, and comes back when a wait ends"
root_wait() {
        python3 "$PROTO" "$TEAM_SOCK" "{\"v\":1,\"op\":\"request_wait\",\"user\":\"$1\",\"request_id\":\"$2\",\"timeout\":1}" 2>&1
}
id=$(file "${users[0]}") || exit 1
out=$(root_wait "${users[0]}" "$id")
check_contains "share across sockets" "$out" 'is already waiting for 2 requests'
kill "${held[0]}" 2>/dev/null
for ((i = 0; i < 40; i++)); do
        out=$(root_wait "${users[0]}" "$id")
        case $out in *'"timeout"'*) break ;; esac
        sleep 0.25
done
check_contains "share back" "$out" '"status": *"timeout"'
fixture_log "PASS: test_relay_slots"
