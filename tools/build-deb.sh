#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the Debian packages from a copy of this tree (the work tree gets
# no debian/tmp, no build stamps) and runs lintian on them.
#   tools/build-deb.sh [OUTDIR]    # default _build/deb; prints the .deb paths
# Exits non-zero when the build fails or lintian reports an error.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/_build/deb}
work=$(mktemp -d "${TMPDIR:-/tmp}/build-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

# shellcheck source=tools/source-tree.sh
. "$top/tools/source-tree.sh"
copy_source_tree "$work/src"

(cd "$work/src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) ||
        { tail -60 "$work/build.log" >&2; echo "dpkg-buildpackage failed" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
cp "$work/build.log" "$out/build.log"

rc=0
if command -v lintian >/dev/null 2>&1; then
        # Errors fail; the warnings accepted are listed in debian/README.source.
        lintian --fail-on error --suppress-tags-from-file "$top/debian/lintian-accepted" \
                "$out"/*.changes >"$out/lintian.log" 2>&1 || rc=1
        cat "$out/lintian.log"
else
        echo "lintian is missing: not checked" >&2
fi
ls "$out"/*.deb
exit $rc
