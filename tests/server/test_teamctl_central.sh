#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# teamctl's central verbs end to end against a real team-server on a free
# loopback port with a temporary database: request -> list --pending ->
# approve -> show (active, grant); quorum of 2; deny; cancel; the refusals
# (self-approval, non-approver, wrong ticket, bad token, unknown id, wrong
# state) with their exit codes; --wait ending on approval, denial and
# timeout; revoke; extend (nbf == old exp); --json parses; a token file
# readable by others is refused; and, with the server's test clock
# (TEAM_SERVER_CLOCK_OFFSET_FILE), request TTL expiry and grant expiry;
# TLS verified always (a private CA through --cacert or TEAM_CA_FILE).
set -uo pipefail

: "${top_builddir:?run through make check}"
PY=${PYTHON3:-$(command -v python3 || true)}
# the test-only build with the movable clock (server/clock_fake.c)
SERVER_BIN=$top_builddir/server/team-server-fakeclock
TEAMCTL_BIN=$top_builddir/teamctl/teamctl
SIGN_BIN=$top_builddir/tools/team-sign-grant
if [ -z "$PY" ]; then
        echo "SKIP: ${0##*/} needs python3 (free ports, JSON checks)" >&2
        exit 77
fi
for b in "$SERVER_BIN" "$TEAMCTL_BIN" "$SIGN_BIN"; do
        [ -x "$b" ] || { echo "FAIL: $b not built" >&2; exit 1; }
done

T=$(mktemp -d /tmp/test_teamctl_central.XXXXXX)
SERVER_PID=
cleanup() {
        if [ -n "$SERVER_PID" ]; then
                kill "$SERVER_PID" 2>/dev/null
                wait "$SERVER_PID" 2>/dev/null
        fi
        if [ "${KEEP_TMP:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT

fails=0 n=0
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; fails=$((fails + 1)); }
die() {
        echo "FATAL: $*" >&2
        echo "--- server log" >&2
        tail -n 40 "$T/server.log" >&2 2>/dev/null
        exit 1
}
# check LABEL WANT_RC GOT_RC [OUTPUT]
check_rc() {
        if [ "$3" -eq "$2" ]; then pass "$1 (exit $3)"; else fail "$1: exit $3, expected $2${4:+: $4}"; fi
}
check_has() { # LABEL TEXT PATTERN
        if grep -qE -- "$3" <<<"$2"; then pass "$1"; else fail "$1: no /$3/ in: $2"; fi
}

free_port() {
        "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# jget KEY.PATH < JSON: prints the value (nested keys and list indexes)
jget() {
        "$PY" -c 'import json,sys
o=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    o=o[int(k)] if isinstance(o,list) else o[k]
print("null" if o is None else o)' "$1"
}

PORT=$(free_port)
export TEAM_SERVER=http://127.0.0.1:$PORT
CLOCK=$T/clock_offset
echo 0 >"$CLOCK"

# --- config, policy, signing key, identities ---
mkdir -m 0700 "$T/keys"
"$SIGN_BIN" keygen --private "$T/keys/k1.pem" --public "$T/k1.pub.pem" >/dev/null 2>&1 || die "keygen"
chmod 0600 "$T/keys/k1.pem"
cat >"$T/policy.conf" <<'POLICY'
[role sudo]
max_duration = 8h
approver_groups = admins
approvals_required = 1
request_ttl = 1h

[role prod]
max_duration = 8h
approver_groups = admins
approvals_required = 2
ticket_pattern = ^INC-[0-9]+$
POLICY
cat >"$T/team-server.conf" <<CONF
[server]
listen = 127.0.0.1:$PORT
database = $T/team.db
signing_keys = $T/keys
policy = $T/policy.conf
CONF
chmod 0600 "$T/policy.conf" "$T/team-server.conf"

admin() { "$SERVER_BIN" --config "$T/team-server.conf" admin "$@" 2>>"$T/admin.log" | tail -n 1; }
ALICE=$(admin user add alice --groups dev) || die "admin user add alice"
BOB=$(admin user add bob --groups admins) || die "admin user add bob"
CAROL=$(admin user add carol --groups admins) || die "admin user add carol"
DAVE=$(admin user add dave --groups dev) || die "admin user add dave"
admin host add web1 --groups web >/dev/null || die "admin host add web1"
[[ $ALICE == tm_* && $BOB == tm_* && $CAROL == tm_* && $DAVE == tm_* ]] || die "admin did not print tokens"

# start_server WHAT: team-server in the background until its port accepts.
start_server() {
        local i
        "$SERVER_BIN" --config "$T/team-server.conf" >>"$T/server.log" 2>&1 &
        SERVER_PID=$!
        for ((i = 0; i < 100; i++)); do
                "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$PORT" \
                        2>/dev/null && break
                kill -0 "$SERVER_PID" 2>/dev/null || die "$1 exited at start"
                sleep 0.1
        done
}
TEAM_SERVER_CLOCK_OFFSET_FILE=$CLOCK start_server team-server

# as USER VERB ARGS...: teamctl with USER's token; output in $out, rc in $rc
as() {
        local tok
        case $1 in
        alice) tok=$ALICE ;; bob) tok=$BOB ;; carol) tok=$CAROL ;; dave) tok=$DAVE ;; *) tok=$1 ;;
        esac
        shift
        out=$(TEAM_TOKEN=$tok "$TEAMCTL_BIN" "$@" 2>&1)
        rc=$?
}
# new_request USER ROLE ARGS... -> request id (via --json)
new_request() {
        local who=$1 role=$2
        shift 2
        as "$who" --json request "$role" --host web1 --for 1h --reason "test $role" "$@"
        [ "$rc" -eq 0 ] || { echo "request failed ($rc): $out" >&2; return 1; }
        jget id <<<"$out"
}

# wait_bg FILE ARGS...: teamctl request --wait in the background as alice,
# output in FILE; sets WPID and WID (the request id, once printed).
wait_bg() {
        local f=$1
        shift
        : >"$f"
        TEAM_TOKEN=$ALICE "$TEAMCTL_BIN" request "$@" --wait >"$f" 2>&1 &
        WPID=$! WID=
        for ((i = 0; i < 50; i++)); do
                WID=$(grep -oE 'r_[0-9a-f]{16}' "$f" | head -1)
                [ -n "$WID" ] && return 0
                sleep 0.1
        done
        die "the waiting request never showed its id: $(cat "$f")"
}

# --- 1. request -> list --pending as approver -> approve -> show active ---
as alice request sudo --host web1 --for 1h --reason "INC-1 disk full"
check_rc "request sudo" 0 "$rc" "$out"
check_has "request says pending and who may approve" "$out" "is pending, 0 of 1 approvals"
check_has "request names the approvers" "$out" "approvers: .*bob"
R1=$(grep -oE 'r_[0-9a-f]{16}' <<<"$out" | head -1)
[ -n "$R1" ] || die "no request id in: $out"
as bob list --pending
check_rc "list --pending as approver" 0 "$rc" "$out"
check_has "list --pending shows the request in a table" "$out" "^ID +STATUS +USER.*"$'\n'".*$R1 +pending +alice +sudo +web1 +1h"
as dave list --pending
check_has "a non-approver's pending list does not show it" "$out" "^no requests$"
as alice list --mine
check_has "list --mine shows the requester's own request" "$out" "$R1"
as bob approve "$R1" --comment "go ahead"
check_rc "approve" 0 "$rc" "$out"
check_has "approve prints the grant" "$out" "grant: +g_[0-9a-f]{16}"
as alice show "$R1"
check_rc "show" 0 "$rc" "$out"
check_has "show: active" "$out" "^status: +active"
check_has "show: decision with comment" "$out" "approve by bob at .*: go ahead"
check_has "show: grant" "$out" "^grant: +g_[0-9a-f]{16}"
G1=$(grep -oE 'g_[0-9a-f]{16}' <<<"$out" | head -1)

# --- 2. --json output parses and carries the contract's fields ---
as alice --json show "$R1"
if "$PY" -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["status"]=="active" and o["grant"]["jws"].count(".")==2' "$out" 2>/dev/null; then
        pass "show --json parses (status, grant.jws)"
else
        fail "show --json: $out"
fi
as alice list --json
if "$PY" -c 'import json,sys; o=json.loads(sys.argv[1]); assert any(r["id"]==sys.argv[2] for r in o["requests"])' "$out" "$R1" 2>/dev/null; then
        pass "list --json (after the verb) parses"
else
        fail "list --json: $out"
fi

# --- 3. quorum of 2 (prod, ticket required) ---
R2=$(new_request alice prod --ticket INC-42) || die "prod request"
as bob approve "$R2"
check_rc "first approval of a quorum of 2" 0 "$rc" "$out"
check_has "one approval is not enough" "$out" "^status: +pending"
check_has "shows 1 of 2" "$out" "approvals: +1 of 2"
check_has "says how many more approvals it needs" "$out" "your approval of $R2 is recorded; it needs 1 more"
as bob approve "$R2"
check_rc "the same approver twice" 4 "$rc" "$out"
as carol approve "$R2"
check_rc "second approver" 0 "$rc" "$out"
check_has "quorum reached: active" "$out" "^status: +active"

# --- 4. the refusals ---
as alice request prod --host web1 --for 1h --reason x --ticket FOO-1
check_rc "wrong ticket refused" 1 "$rc" "$out"
check_has "wrong ticket: says why" "$out" "ticket"
as alice request prod --host web1 --for 1h --reason x
check_rc "missing ticket refused" 1 "$rc" "$out"
R3=$(new_request bob sudo) || die "bob's request"
as bob approve "$R3"
check_rc "self-approval refused" 5 "$rc" "$out"
check_has "self-approval: says not allowed" "$out" "not allowed"
R4=$(new_request alice sudo) || die "request R4"
as dave approve "$R4"
check_rc "non-approver refused" 5 "$rc" "$out"
as alice approve "$R4"
check_rc "requester approving own request refused" 5 "$rc" "$out"
as tm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA list
check_rc "unknown token" 5 "$rc" "$out"
check_has "unknown token: what to do" "$out" "ask an admin for a new one \(team-server admin user rotate-token NAME\)"
as alice show r_0000000000000000
check_rc "unknown request" 3 "$rc" "$out"
as alice show not-an-id
check_rc "malformed id is a usage error" 2 "$rc" "$out"
as alice request sudo --host web1 --for 1h
check_rc "request without --reason" 2 "$rc" "$out"
as alice request sudo --host web1 --for banana --reason x
check_rc "request with a bad duration" 2 "$rc" "$out"
out=$(env -u TEAM_SERVER TEAM_TOKEN="$ALICE" "$TEAMCTL_BIN" list 2>&1); rc=$?
check_rc "no server configured" 78 "$rc" "$out"
check_has "no server: what to do" "$out" "set TEAM_SERVER or pass --server"
out=$(env -u TEAM_SERVER TEAM_TOKEN="$ALICE" "$TEAMCTL_BIN" --server "$TEAM_SERVER" list 2>&1); rc=$?
check_rc "--server instead of TEAM_SERVER" 0 "$rc" "$out"
out=$(TEAM_TOKEN="$ALICE" "$TEAMCTL_BIN" list --server "ftp://127.0.0.1:$PORT" 2>&1); rc=$?
check_rc "non-http server URL refused" 78 "$rc" "$out"
port2=$(free_port)
out=$(TEAM_TOKEN="$ALICE" "$TEAMCTL_BIN" list --server "http://127.0.0.1:$port2" 2>&1); rc=$?
check_rc "server down" 69 "$rc" "$out"

# --- 5. deny ---
as bob deny "$R4"
check_rc "deny without --comment is a usage error" 2 "$rc" "$out"
as bob deny "$R4" --comment "not during the freeze"
check_rc "deny" 0 "$rc" "$out"
check_has "denied" "$out" "^status: +denied"
as bob approve "$R4"
check_rc "approve after deny: wrong state" 4 "$rc" "$out"

# --- 6. cancel ---
R5=$(new_request alice sudo) || die "request R5"
as dave cancel "$R5"
check_rc "someone else cannot cancel" 5 "$rc" "$out"
as alice cancel "$R5"
check_rc "cancel" 0 "$rc" "$out"
check_has "cancelled" "$out" "^status: +cancelled"
as alice cancel "$R5"
check_rc "cancel twice: wrong state" 4 "$rc" "$out"

# --- 7. --wait ---
start=$SECONDS
: >"$T/wait.out"; : >"$T/wait2.out"
TEAM_TOKEN=$ALICE "$TEAMCTL_BIN" request sudo --host web1 --for 30m --reason "wait for me" --wait \
        --timeout 60s >"$T/wait.out" 2>&1 &
wpid=$!
RW=
for ((i = 0; i < 50; i++)); do
        RW=$(grep -oE 'r_[0-9a-f]{16}' "$T/wait.out" | head -1)
        [ -n "$RW" ] && break
        sleep 0.1
done
[ -n "$RW" ] || die "the waiting request never showed its id: $(cat "$T/wait.out")"
sleep 1.5
kill -0 "$wpid" 2>/dev/null && pass "--wait is still waiting while pending" || fail "--wait ended early"
as bob approve "$RW"
wait "$wpid"; rc=$?
check_rc "--wait returns on approval" 0 "$rc" "$(cat "$T/wait.out")"
((SECONDS - start < 10)) && pass "--wait noticed the approval within seconds" || fail "--wait took $((SECONDS - start)) s"
check_has "--wait prints the outcome" "$(cat "$T/wait.out")" "is active"
as alice extend g_0000000000000000 --for 1h --reason x
check_rc "extend of an unknown grant" 3 "$rc" "$out"
TEAM_TOKEN=$ALICE "$TEAMCTL_BIN" request sudo --host web1 --for 10m --reason "will be denied" --wait \
        --timeout 30s >"$T/wait2.out" 2>&1 &
wpid=$!
for ((i = 0; i < 50; i++)); do
        RW2=$(grep -oE 'r_[0-9a-f]{16}' "$T/wait2.out" | head -1)
        [ -n "$RW2" ] && break
        sleep 0.1
done
TEAM_TOKEN=$CAROL "$TEAMCTL_BIN" deny "$RW2" --comment "not today" >/dev/null 2>&1
wait "$wpid"; rc=$?
check_rc "--wait ends on denial with its own code" 6 "$rc" "$(cat "$T/wait2.out")"
wait_bg "$T/wait3.out" sudo --host web1 --for 10m --reason "changed my mind" --timeout 30s
as alice cancel "$WID"
wait "$WPID"; rc=$?
check_rc "--wait ends on cancellation with its own code" 8 "$rc" "$(cat "$T/wait3.out")"
start=$SECONDS
as alice request sudo --host web1 --for 10m --reason "nobody answers" --wait --timeout 2s
check_rc "--wait --timeout passes" 7 "$rc" "$out"
check_has "--wait timeout says what to do" "$out" "teamctl show r_"
((SECONDS - start <= 5)) && pass "--timeout 2s is honoured" || fail "--timeout 2s took $((SECONDS - start)) s"
if command -v script >/dev/null; then
        # On a terminal: one status line, redrawn in place, with the time left.
        TEAM_TOKEN=$ALICE script -qec "'$TEAMCTL_BIN' request sudo --host web1 --for 10m --reason tty --wait --timeout 3s" \
                /dev/null >"$T/tty.out" 2>&1
        redraws=$(grep -o $'\r\e\[K' "$T/tty.out" | wc -l)
        if ((redraws >= 2)) && grep -q 'waiting, 0:0[0-9] left' "$T/tty.out"; then
                pass "--wait on a tty redraws one status line with the time left ($redraws redraws)"
        else
                fail "--wait on a tty: $(cat -v "$T/tty.out")"
        fi
        newlines=$(grep -c 'waiting, ' "$T/tty.out")
        ((newlines <= 2)) && pass "--wait on a tty does not scroll" || fail "--wait on a tty scrolled $newlines lines"
else
        echo "# script(1) missing: tty status line not checked"
fi
out=$(TEAM_TOKEN=$ALICE "$TEAMCTL_BIN" --json request sudo --host web1 --for 10m --reason "json wait" --wait \
        --timeout 1s 2>/dev/null); rc=$?
if [ "$rc" -eq 7 ] && "$PY" -c 'import json,sys; assert json.loads(sys.argv[1])["status"]=="pending"' "$out" 2>/dev/null; then
        pass "--json --wait prints the last request object as JSON"
else
        fail "--json --wait: rc $rc: $out"
fi

# --- 8. extend: nbf == old exp ---
as alice --json show "$R1"
old_exp=$(jget grant.exp <<<"$out")
as alice extend "$G1" --for 30m --reason "need more time"
check_rc "extend" 0 "$rc" "$out"
RX=$(grep -oE 'r_[0-9a-f]{16}' <<<"$out" | head -1)
as alice --json show "$RX"
[ "$(jget extends <<<"$out")" = "$G1" ] && pass "extension names the grant it extends" || fail "extends: $out"
as bob --json approve "$RX"
check_rc "approve the extension" 0 "$rc" "$out"
nbf=$(jget grant.nbf <<<"$out") exp=$(jget grant.exp <<<"$out")
if [ "$nbf" = "$old_exp" ] && [ "$exp" = $((old_exp + 1800)) ]; then
        pass "extension grant: nbf == old exp ($nbf), exp == old exp + 30m"
else
        fail "extension grant nbf=$nbf exp=$exp, old exp=$old_exp"
fi
[ "$(jget status <<<"$out")" = approved ] && pass "extension is approved, not yet active" \
        || fail "extension status: $(jget status <<<"$out")"

# --- 9. revoke ---
as dave revoke "$G1" --reason "not yours"
check_rc "a non-approver cannot revoke someone's grant" 5 "$rc" "$out"
as bob revoke "$G1" --reason "done early"
check_rc "revoke" 0 "$rc" "$out"
check_has "revoke says when" "$out" "grant $G1 revoked at"
as alice show "$R1"
check_has "revoked grant shows as revoked" "$out" "^status: +revoked"
as bob revoke "$G1"
check_rc "revoke twice: wrong state" 4 "$rc" "$out"
as bob --json revoke g_0000000000000000
check_rc "revoke an unknown grant" 3 "$rc" "$out"

# --- 10. the token file ---
H=$T/home
mkdir -p "$H/.config/team"
printf '%s\n' "$ALICE" >"$H/.config/team/token"
chmod 0644 "$H/.config/team/token"
out=$(env -u TEAM_TOKEN HOME="$H" "$TEAMCTL_BIN" list 2>&1); rc=$?
check_rc "token file with mode 0644 refused" 78 "$rc" "$out"
check_has "token file: says chmod 600 FILE" "$out" "chmod 600 $H/.config/team/token"
[[ $out != *"$ALICE"* ]] && pass "the token is never printed" || fail "token printed: $out"
chmod 0600 "$H/.config/team/token"
out=$(env -u TEAM_TOKEN HOME="$H" "$TEAMCTL_BIN" list --mine 2>&1); rc=$?
check_rc "token file with mode 0600 used" 0 "$rc" "$out"
rm "$H/.config/team/token"
out=$(env -u TEAM_TOKEN HOME="$H" "$TEAMCTL_BIN" list 2>&1); rc=$?
check_rc "no token at all" 78 "$rc" "$out"
check_has "no token: what to do" "$out" "set TEAM_TOKEN"

# --- 11. the clock: request TTL expiry, grant expiry ---
RT=$(new_request alice sudo) || die "request RT"
RG=$(new_request alice sudo) || die "request RG"
as bob approve "$RG"
echo 3700 >"$CLOCK"            # past the 1h request TTL, past the 1h grant
as alice --json show "$RT"
[ "$(jget status <<<"$out")" = expired ] && pass "pending request expired after its TTL" \
        || fail "TTL: status $(jget status <<<"$out" 2>/dev/null) : $out"
as bob approve "$RT"
check_rc "approving an expired request: wrong state" 4 "$rc" "$out"
as alice --json show "$RG"
[ "$(jget status <<<"$out")" = expired ] && pass "grant expired after exp" \
        || fail "grant expiry: status $(jget status <<<"$out" 2>/dev/null)"
as alice extend "$(jget grant.id <<<"$out")" --for 1h --reason late
check_rc "extending an expired grant: wrong state" 4 "$rc" "$out"
echo 0 >"$CLOCK"
wait_bg "$T/wait4.out" sudo --host web1 --for 10m --reason "ttl while waiting" --timeout 30s
echo 3700 >"$CLOCK"
wait "$WPID"; rc=$?
check_rc "--wait ends on TTL expiry with its own code" 9 "$rc" "$(cat "$T/wait4.out")"
echo 0 >"$CLOCK"

# --- 12. TLS: verified always; a private CA via --cacert or TEAM_CA_FILE ---
if command -v openssl >/dev/null &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
                -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
                -keyout "$T/tls.key" -out "$T/tls.crt" >/dev/null 2>&1; then
        chmod 0600 "$T/tls.key"
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
        printf 'tls_cert = %s\ntls_key = %s\n' "$T/tls.crt" "$T/tls.key" >>"$T/team-server.conf"
        start_server "team-server with TLS"
        HTTPS=https://127.0.0.1:$PORT
        out=$(TEAM_TOKEN=$ALICE "$TEAMCTL_BIN" --server "$HTTPS" list 2>&1); rc=$?
        check_rc "TLS: an unknown CA is refused" 69 "$rc" "$out"
        check_has "TLS: says how to trust a private CA" "$out" "--cacert FILE or set TEAM_CA_FILE"
        out=$(TEAM_TOKEN=$ALICE "$TEAMCTL_BIN" --server "$HTTPS" --cacert "$T/tls.crt" show "$R1" 2>&1); rc=$?
        check_rc "TLS: --cacert" 0 "$rc" "$out"
        out=$(TEAM_TOKEN=$ALICE TEAM_CA_FILE=$T/tls.crt "$TEAMCTL_BIN" list --mine --server "$HTTPS" 2>&1); rc=$?
        check_rc "TLS: TEAM_CA_FILE" 0 "$rc" "$out"
        out=$(TEAM_TOKEN=$ALICE "$TEAMCTL_BIN" --server "https://localhost:$PORT" --cacert "$T/tls.crt" list 2>&1)
        rc=$?
        check_rc "TLS: a name the certificate does not carry is refused" 69 "$rc" "$out"
        check_has "TLS: refused by verification" "$out" "TLS with https://localhost"
else
        echo "# openssl cannot make a test certificate: TLS not checked"
fi

echo "1..$n"
if [ "$fails" -ne 0 ]; then
        echo "--- server log (tail)" >&2
        tail -n 20 "$T/server.log" >&2
        exit 1
fi
exit 0
