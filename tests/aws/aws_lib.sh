# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Shared by tests/aws/*.sh: a python3 that has botocore, the loopback AWS
# emulator, teamd (through tests/lib/teamd_fixture.sh) with an [audit]
# section, and polling the emulator's state.
#
#   . "$top_srcdir/tests/aws/aws_lib.sh"
#   aws_require                   # root, sqlite3 and aws_require_python
#   aws_require_python            # AWS_PY (skips 77 without botocore)
#   aws_init                      # fixture_init + HOME and AWS_* cleared
#   emu_start [emulator options]  # EMU_PORT, EMU_STATE
#   aws_export_static_key         # AWS_ACCESS_KEY_ID/SECRET for --static-key
#   aws_conf_cloudtrail [extra [audit] lines]
#   outbox_fill N >ids            # before or while teamd runs
#   emu_wait 'python expression over s (the state) and ids' SECONDS
# shellcheck source=../lib/teamd_fixture.sh
. "$top_srcdir/tests/lib/teamd_fixture.sh"

AWS_PY=
EMU_PID=
EMU_PORT=
EMU_STATE=
OUTBOX_FILL=$top_builddir/tests/aws/outbox_fill
# shellcheck disable=SC2034 # used by the tests that source this file
AWS_STATIC_ID=AKIDTEAMDTEST0000001
# shellcheck disable=SC2034
AWS_STATIC_SECRET='wJalrXUtnFEMI/K7MDENG+bPxRfiCYtest/key'
AWS_CHANNEL=arn:aws:cloudtrail:us-east-1:123456789012:channel/01234567-89ab-cdef-0123-456789abcdef

# The first python3 that imports botocore (pyenv's on this image; Debian's
# /usr/bin/python3 has none). AWS_TEST_PYTHON overrides.
aws_require_python() {
        local p
        for p in "${AWS_TEST_PYTHON:-}" python3 /root/.pyenv/shims/python3 /usr/local/bin/python3 /usr/bin/python3; do
                [ -n "$p" ] || continue
                if "$p" -c 'import botocore.loaders, botocore.validate' >/dev/null 2>&1; then
                        AWS_PY=$p
                        return 0
                fi
        done
        fixture_skip "no python3 with botocore (the cloudtrail-data model) found; pip install botocore or set AWS_TEST_PYTHON"
}

aws_require() {
        fixture_require_root
        fixture_require_programs sqlite3
        aws_require_python
}

# The static key pair the emulator accepts with --static-key, for teamd.
aws_export_static_key() {
        export AWS_ACCESS_KEY_ID=$AWS_STATIC_ID AWS_SECRET_ACCESS_KEY=$AWS_STATIC_SECRET
}

aws_init() {
        fixture_require_built "$OUTBOX_FILL"
        fixture_init
        # Nothing from the machine's own AWS setup may leak in.
        export HOME=$TEAM_TMP/home
        mkdir -p "$HOME"
        unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION \
                AWS_DEFAULT_REGION AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE \
                AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
                AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
}

emu_stop() {
        [ -n "$EMU_PID" ] || return 0
        kill -TERM "$EMU_PID" 2>/dev/null
        wait "$EMU_PID" 2>/dev/null
        EMU_PID=
}

emu_start() {
        local i
        EMU_STATE=$TEAM_TMP/emu-state.json
        rm -f "$TEAM_TMP/emu-port"
        "$AWS_PY" "$top_srcdir/tests/aws/aws_emulator.py" --port-file "$TEAM_TMP/emu-port" \
                --state "$EMU_STATE" "$@" 2>>"$TEAM_TMP/emu.log" &
        EMU_PID=$!
        fixture_on_cleanup emu_stop
        for ((i = 0; i < 100; i++)); do
                if [ -s "$TEAM_TMP/emu-port" ]; then
                        EMU_PORT=$(cat "$TEAM_TMP/emu-port")
                        return 0
                fi
                kill -0 "$EMU_PID" 2>/dev/null || break
                sleep 0.1
        done
        cat "$TEAM_TMP/emu.log" >&2
        fixture_fail "the AWS emulator did not start"
}

# aws_conf_cloudtrail [LINE...]: the CloudTrail Lake sink on the emulator.
aws_conf_cloudtrail() {
        {
                echo "[audit]"
                echo "cloudtrail_channel_arn = $AWS_CHANNEL"
                echo "cloudtrail_endpoint = http://127.0.0.1:$EMU_PORT"
                echo "ship_timeout = 2"
                local l
                for l in "$@"; do echo "$l"; done
        } >>"$TEAM_CONF"
}

outbox_fill() {
        "$OUTBOX_FILL" "$TEAM_TMP/state" "$@"
}

# emu_wait EXPR SECONDS [IDS_FILE]: EXPR is python over s (the emulator
# state) and ids (the lines of IDS_FILE, a set); true within SECONDS or fail.
emu_wait() {
        local expr=$1 secs=$2 ids=${3:-/dev/null}
        "$AWS_PY" - "$EMU_STATE" "$ids" "$secs" "$expr" <<'EOPY' || return 1
import json, sys, time
state, idsf, secs, expr = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
ids = set(l.strip() for l in open(idsf) if l.strip())
end = time.time() + secs
while True:
    try:
        s = json.load(open(state))
        if eval(expr):
            sys.exit(0)
    except (ValueError, OSError):
        pass
    if time.time() > end:
        print("timed out waiting for: " + expr, file=sys.stderr)
        sys.exit(1)
    time.sleep(0.1)
EOPY
}

# emu_check EXPR MESSAGE [IDS_FILE]: assert once.
emu_check() {
        emu_wait "$1" 0 "${3:-/dev/null}" 2>/dev/null || {
                "$AWS_PY" -c "import json,sys; s=json.load(open(sys.argv[1])); s.pop('accepted'); print(json.dumps(s)[:3000])" "$EMU_STATE" >&2
                fixture_fail "$2"
        }
}

# outbox_count: events still in teamd's outbox
outbox_count() {
        sqlite3 "$TEAM_TMP/state/grants.db" "SELECT count(*) FROM outbox"
}
