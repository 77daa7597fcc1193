#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The container root that tests/teamd/test_systemd.sh and
# tests/server/test_server_systemd.sh share: two tests making it at once
# fill it once (the second waits for the first), a maker that fails or is
# killed leaves no directory under the root's name, two tests that boot the
# root hold it one after the other, and make runs the two
# container tests one after the other (the ordering rule names the log
# files automake really writes). Needs no root and no network: the
# "root" here is a directory with a marker file.
set -uo pipefail

. "${top_srcdir:-${top_builddir:?run through make check}}/tests/lib/nspawn.sh"
command -v flock >/dev/null 2>&1 || skip "needs flock (util-linux)"

work=$(mktemp -d "/tmp/test_nspawn_root.$$.XXXXXX") || fail mktemp
trap 'rm -rf "$work"' EXIT
root=$work/root

# A slow maker that counts its runs: the second caller must not start one.
slow_maker() {
        echo run >>"$work/runs"
        sleep 2
        install -D -m 0755 /bin/true "$1/lib/systemd/systemd"
}
(nspawn_make_root "$root" slow_maker) & a=$!
(nspawn_make_root "$root" slow_maker) & b=$!
wait "$a" || fail "first maker failed"
wait "$b" || fail "second maker failed"
[ "$(wc -l <"$work/runs")" -eq 1 ] || fail "the root was made $(wc -l <"$work/runs") times at once"
[ -x "$root/lib/systemd/systemd" ] || fail "root not made"
ls -d "$root".tmp.* >/dev/null 2>&1 && fail "a temporary directory stayed behind"

# A failing maker: no root under the name, no temporary directory left.
broken_maker() { touch "$1/half"; return 3; }
root2=$work/root2
(nspawn_make_root "$root2" broken_maker) && fail "a failing maker made a root"
[ -e "$root2" ] && fail "a failing maker left $root2"
ls -d "$root2".tmp.* >/dev/null 2>&1 && fail "a failing maker left its temporary directory"

# Two tests that boot the same root hold it one after the other.
held_by() {
        nspawn_hold "$root"
        echo "start $1 $(date +%s%N)" >>"$work/holds"
        sleep 1
        echo "end $1 $(date +%s%N)" >>"$work/holds"
}
(held_by a) & a=$!
(held_by b) & b=$!
wait "$a" || fail "nspawn_hold failed"
wait "$b" || fail "nspawn_hold failed"
awk '{ print $1 }' "$work/holds" | tr '\n' ' ' | grep -qx 'start end start end ' ||
        fail "two holders of $root overlapped: $(tr '\n' ' ' <"$work/holds")"

# make orders the two container tests by their real log files.
mk=$top_builddir/Makefile
[ -f "$mk" ] || skip "no Makefile in $top_builddir"
rule=$(grep -E '^tests/server/test_server_systemd[^:]*: *tests/teamd/test_systemd' "$mk") ||
        fail "no ordering rule for the container tests in $mk"
# shellcheck disable=SC2016 # $(TEST_LOGS) is for make
logs=" $(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" -f Makefile -f - print-test-logs <<<'print-test-logs: ; @echo $(TEST_LOGS)') "
for log in ${rule%%:*} ${rule#*:}; do
        [[ $logs == *" $log "* ]] ||
                fail "the ordering rule names $log, which is not a log file automake writes"
done
echo "PASS: one maker at a time, no half-made root, container tests ordered"
