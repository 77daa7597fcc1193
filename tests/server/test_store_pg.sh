#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The store, lifecycle and checkpoint unit tests (server/test_store,
# server/test_lifecycle, server/test_checkpoints) once more, on a real
# PostgreSQL server started for this test (tests/lib/pg_fixture.sh): one
# test body, both backends. Skips (77) only when the PostgreSQL server
# binaries are not installed.
set -uo pipefail

: "${top_builddir:?run through make check}"
. "${top_srcdir:-$top_builddir}/tests/lib/pg_fixture.sh"
pg_fixture_start
export TEAM_TEST_STORE=postgresql
TEAM_TEST_PG_URI=$(pg_fixture_uri postgres)
export TEAM_TEST_PG_URI
rc=0
for t in server/test_store server/test_lifecycle server/test_checkpoints; do
        echo "# $t on PostgreSQL"
        "$top_builddir/$t" || rc=1
done
exit "$rc"
