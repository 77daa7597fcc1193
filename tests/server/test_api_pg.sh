#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/server/test_api.sh on a private PostgreSQL server instead of sqlite
# (tests/lib/server_http.sh starts it); skips (77) without its binaries.
export TEAM_TEST_STORE=postgresql
exec "${top_srcdir:-${top_builddir:?run through make check}}/tests/server/test_api.sh"
