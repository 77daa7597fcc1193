# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# copy_source_tree DEST: the files git knows in this tree, plus new ones
# not yet committed (never ignored ones such as _build/), copied to DEST.
# Sourced by tools/build-deb.sh and tools/build-rpm.sh, which build in a
# copy so that the work tree gets no build products.
copy_source_tree() {
        local top dest=$1
        top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
        mkdir -p "$dest"
        (cd "$top" && git ls-files -co --exclude-standard |
                while read -r f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
                tar --null -T - -cf - | tar -C "$dest" -xf -)
}
