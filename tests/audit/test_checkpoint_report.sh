#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A real teamd hands its signed audit checkpoints to a real team-server
# (POST /v1/hosts/{id}/checkpoints with the host token):
#   - the first one registers the key teamctl status shows (trust on
#     first use), later ones move the recorded seq on as events come
#   - a host whose database is put back from an older copy (a restored
#     backup, a cloned disk) is refused as a fork: teamd logs the refusal
#     at alert priority, team-server records it and keeps the newer
#     checkpoint, and raises the alert once, not per checkpoint
#   - after team-server admin host-key --clear the next checkpoint is
#     accepted again
# Root only.
set -u

. "${top_srcdir:?}/tests/lib/teamd_fixture.sh"
. "$top_srcdir/tests/lib/server_fixture.sh"

fixture_require_root
fixture_require_built "$TEAMCTL_BIN" "$SERVER_BIN"

fixture_init
server_init
start_server || fixture_fail "team-server did not start"
teamd_use_server
printf '\n[audit]\ncheckpoint_interval = 1\n' >>"$TEAM_CONF"

# host_key: what team-server records of this host's checkpoints.
host_key() {
        "$SERVER_BIN" --config "$TEAM_SERVER_CONF" admin host-key "$TEAM_HOST" 2>>"$TEAM_TMP/server/admin.log"
}
# recorded_seq: the seq of the checkpoint team-server keeps (0: none).
recorded_seq() {
        host_key | awk -F'\t' '$1 == "checkpoint" && $2 != "none" { s = $2 } END { print s + 0 }'
}
# wait_for DESCRIPTION COMMAND...: up to 60 s until COMMAND succeeds.
wait_for() {
        local what=$1 i
        shift
        for ((i = 0; i < 600; i++)); do
                "$@" && return 0
                sleep 0.1
        done
        tail -n 20 "$TEAMD_LOG" "$TEAM_SERVER_LOG" >&2
        fixture_fail "$what (60 s)"
}
seq_above() { [ "$(recorded_seq)" -gt "$1" ]; }
# add_grants N TAG: N grants, so that the chain moves on by at least N.
add_grants() {
        local i
        for ((i = 0; i < $1; i++)); do
                grant_for "cpuser$i" sudo --for 1h --jti "cp-$2-$i-$$" 2>/dev/null || fixture_fail "grant add"
        done
}

start_teamd || fixture_fail "teamd did not start"
key=$("$TEAMCTL_BIN" --config "$TEAM_CONF" status | sed -n 's/.*checkpoints signed by ed25519:\([A-Za-z0-9_-]*\).*/\1/p')
[ -n "$key" ] || fixture_fail "teamctl status does not show the audit key"

wait_for "no checkpoint reached team-server" seq_above 0
out=$(host_key)
check_contains "the host's key registered on first use" "$out" "^key	$key	first-use"
fixture_log "ok - first checkpoint registered the key teamctl status shows"

first=$(recorded_seq)
add_grants 3 a
wait_for "a newer checkpoint was not recorded" seq_above $((first + 2))
fixture_log "ok - later checkpoints move the record on ($first -> $(recorded_seq))"

# An older copy of teamd's database: stop, copy, go on for a while.
stop_teamd || fixture_fail "teamd did not stop cleanly"
mkdir -m 0700 "$TEAM_TMP/backup" && cp -a "$TEAM_TMP/state/." "$TEAM_TMP/backup/" || fixture_fail "backup"
start_teamd || fixture_fail "teamd did not restart"
backup_seq=$(recorded_seq)
add_grants 10 b
wait_for "the checkpoints after the backup were not recorded" seq_above $((backup_seq + 10))
stop_teamd || fixture_fail "teamd did not stop cleanly"
kept=$(recorded_seq)

# Put the old copy back: teamd's chain is behind what team-server holds.
rm -rf "$TEAM_TMP/state" && cp -a "$TEAM_TMP/backup" "$TEAM_TMP/state" || fixture_fail "restore"
mark=$(wc -l <"$TEAMD_LOG")
start_teamd || fixture_fail "teamd did not start on the restored database"
refused() { tail -n +"$((mark + 1))" "$TEAMD_LOG" | grep -q "team-server refused audit checkpoint seq .*chain_fork"; }
wait_for "teamd did not log the refusal" refused
# Two more checkpoints refused, still one alert.
sleep 2.5
[ "$(recorded_seq)" = "$kept" ] || fixture_fail "the recorded checkpoint changed: $(recorded_seq), was $kept"
out=$(host_key)
check_contains "team-server records the fork" "$out" "^refused	[0-9]+	chain_fork"
n=$(grep -c "HostChainFork" "$TEAM_SERVER_LOG")
[ "$n" = 1 ] || fixture_fail "team-server raised the fork alert $n times: $(grep HostChainFork "$TEAM_SERVER_LOG")"
fixture_log "ok - a restored database is refused as a fork, alert raised once, seq $kept kept"

# An admin who knows why forgets the record: the chain is accepted again.
"$SERVER_BIN" --config "$TEAM_SERVER_CONF" admin host-key "$TEAM_HOST" --clear >/dev/null \
        2>>"$TEAM_TMP/server/admin.log" || fixture_fail "admin host-key --clear"
wait_for "no checkpoint accepted after --clear" seq_above 0
out=$(host_key)
check_contains "the key registered again" "$out" "^key	$key	first-use"
fixture_log "ok - after --clear the next checkpoint is accepted"

grep -q "tm_" "$TEAMD_LOG" "$TEAM_SERVER_LOG" && fixture_fail "a token is in a log"
stop_teamd || fixture_fail "teamd did not stop cleanly"
fixture_log "PASS"
exit 0
