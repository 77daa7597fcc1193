#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every source file of the tree names its licence in its first lines
# (SPDX-License-Identifier: BSD-3-Clause; COPYING has the text).
set -uo pipefail
: "${top_srcdir:?run through make check}"
tag='SPDX-License-Identifier: BSD-3-Clause'
missing=0 n=0
while IFS= read -r -d '' f; do
        n=$((n + 1))
        head -3 "$f" | grep -q "$tag" || { echo "no licence line: ${f#"$top_srcdir"/}" >&2; missing=$((missing + 1)); }
done < <(find "$top_srcdir" \( -path "$top_srcdir/_*" -o -path "$top_srcdir/build-aux" -o -path "$top_srcdir/autom4te.cache" -o -path '*/corpus' -o -name '.git' -o -path "$top_srcdir/debian/.debhelper" \) -prune -o \
        -type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.py' -o -name '*.inc' \
        -o -name 'Makefile.am' -o -name 'configure.ac' -o -name '*.te' -o -name '*.if' -o -name '*.fc' \
        -o -name '*.[158]' -o -name '*.spec' -o -name '*.service.in' -o -name '*.socket' \) -print0)
[ "$missing" -eq 0 ] || { echo "FAIL: ${0##*/}: $missing of $n files lack '$tag' (add it as their first line, after any #!)" >&2; exit 1; }
echo "PASS: ${0##*/}: $n source files carry the licence line"
