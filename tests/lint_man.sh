#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every man page in docs/man passes `mandoc -Tlint` (style messages too).
set -uo pipefail
: "${top_srcdir:?run through make check}"
command -v mandoc >/dev/null 2>&1 || { echo "SKIP: ${0##*/}: mandoc is missing (apt-get install mandoc)" >&2; exit 77; }
rc=0
for page in "$top_srcdir"/docs/man/*.[0-9]; do
        out=$(mandoc -Tlint -W style "$page" 2>&1) || rc=1
        [ -z "$out" ] || { printf '%s\n' "$out" >&2; rc=1; }
done
[ "$rc" -eq 0 ] && echo "PASS: ${0##*/}: $(ls "$top_srcdir"/docs/man/*.[0-9] | wc -l) pages lint-clean"
exit "$rc"
