#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the source RPM from a release tarball (make dist of a copy of this
# tree), shows the spec as rpm parses it, rebuilds the binary RPMs from it
# (--nodeps: Debian's libraries stand in for the -devel packages, which
# checks %files against what make install puts in the build root), and
# runs rpmlint on the spec and the source RPM when installed. What this
# does not check on Debian: docs/packaging.md.
#   tools/build-rpm.sh [OUTDIR]    # default _build/rpm
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/_build/rpm}
work=$(mktemp -d "${TMPDIR:-/tmp}/build-rpm.XXXXXX")
trap 'rm -rf "$work"' EXIT
for t in rpmbuild rpmspec; do
        command -v "$t" >/dev/null 2>&1 || { echo "$t is missing (apt-get install rpm)" >&2; exit 77; }
done

# shellcheck source=tools/source-tree.sh
. "$top/tools/source-tree.sh"
copy_source_tree "$work/src"
(cd "$work/src" && autoreconf -fi && ./configure -q && make dist) >"$work/dist.log" 2>&1 ||
        { tail -30 "$work/dist.log" >&2; echo "make dist failed" >&2; exit 1; }

mkdir -p "$work/rpm/SOURCES" "$out"
cp "$work"/src/pam_team-*.tar.gz "$work/rpm/SOURCES/"
spec=$top/pam_team.spec
rpmspec -P "$spec" >"$out/pam_team.spec.parsed"
rpmspec -q --qf '%{name}-%{version}-%{release}.%{arch}\n' "$spec"
rpmbuild -bs --nodeps --define "_topdir $work/rpm" "$spec" >"$work/srpm.log" 2>&1 ||
        { cat "$work/srpm.log" >&2; echo "rpmbuild -bs failed" >&2; exit 1; }
rm -f "$out"/*.src.rpm
cp "$work"/rpm/SRPMS/*.src.rpm "$out/"
ls "$out"/*.src.rpm
rpmbuild --nodeps --define "_topdir $work/rpm" --rebuild "$out"/*.src.rpm >"$work/rpm.log" 2>&1 ||
        { tail -40 "$work/rpm.log" >&2; echo "rpmbuild --rebuild failed" >&2; exit 1; }
rm -f "$out"/*.noarch.rpm "$out"/*.x86_64.rpm
cp "$work"/rpm/RPMS/*/*.rpm "$out/"
for r in "$work"/rpm/RPMS/*/*.rpm; do echo "${r##*/}:"; rpm -qlp "$r" | sed 's/^/    /'; done
if command -v rpmlint >/dev/null 2>&1; then
        rpmlint -r "$top/pam_team.rpmlintrc" "$spec" "$out"/*.src.rpm
else
        echo "rpmlint is missing: spec not linted"
fi
