#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/server/test_checkpoints.sh on a private PostgreSQL server instead
# of sqlite, with a second team-server instance on the same database (the
# stop alert is raised once); skips (77) without the PostgreSQL binaries.
export TEAM_TEST_STORE=postgresql
exec "${top_srcdir:-${top_builddir:?run through make check}}/tests/server/test_checkpoints.sh"
