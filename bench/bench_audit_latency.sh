#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What auditing adds to a PAM decision (bench/bench_audit_latency), beside a
# private systemd-journald (tests/lib/journald_ns.sh) so that the journald
# entry costs what it costs on a real host; without unshare or journald it
# runs without one and says so. The state directory is on disk (--dir,
# default /var/tmp), as /var/lib/teamd is.
#
# usage: bench/bench_audit_latency.sh [--iterations N] [--dir DIR]   (root)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=${TEAM_BENCH_BUILDDIR:-$top/_build/bench}}"
export top_builddir top_srcdir=$top
bin=$top_builddir/bench/bench_audit_latency
[ -x "$bin" ] || { echo "bench_audit_latency.sh: build $bin first (make)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench_audit_latency.sh: run as root (private journald)" >&2; exit 1; }

if [ "${TEAM_PRIVATE_MOUNT_NS:-}" != "$$" ] && [ -x /lib/systemd/systemd-journald ] &&
        unshare -m --propagation private true 2>/dev/null; then
        # shellcheck source=tests/lib/teamd_fixture.sh
        . "$top/tests/lib/teamd_fixture.sh"
        # shellcheck source=tests/lib/journald_ns.sh
        . "$top/tests/lib/journald_ns.sh"
        journald_reexec_private "$0" "$@"
fi
if [ "${TEAM_PRIVATE_MOUNT_NS:-}" = "$$" ]; then
        # shellcheck source=tests/lib/teamd_fixture.sh
        . "$top/tests/lib/teamd_fixture.sh"
        # shellcheck source=tests/lib/journald_ns.sh
        . "$top/tests/lib/journald_ns.sh"
        fixture_init
        journald_start
        echo "journald: a private systemd-journald receives every entry" >&2
else
        echo "journald: none listening (journald writes fail fast; a real host pays a datagram per event)" >&2
fi
"$bin" "$@"
