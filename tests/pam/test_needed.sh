#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pam_team.so is loaded into sudo and sshd on every pam_start and unloaded
# on every pam_end, and so is every library it needs: each DT_NEEDED entry
# costs the caller a load and an unload per check and brings its
# constructors and symbols into a setuid program. This test fails when the
# module needs a library beyond the lists below.
#
#   wanted:    libc and libpam, nothing else.
#   toolchain: what a sanitizer build (./configure --enable-sanitizers)
#              adds unavoidably: libasan, libubsan; the dynamic loader
#              itself when a toolchain records it.
#
# The wire payload is packed by libteamproto (no json-c); break-glass, which
# needs libcrypto and libsystemd, is in pam_team_breakglass.so, loaded with
# dlopen() only when a code is asked for.
set -f   # the library patterns below are case patterns, not file names
so="${top_builddir:-.}/pam_team/.libs/pam_team.so"
if [ ! -f "$so" ]; then
        echo "test_needed: $so not built" >&2
        exit 1
fi
command -v readelf >/dev/null 2>&1 || { echo "test_needed: no readelf (binutils); skipping" >&2; exit 77; }

wanted='libc.so.* libpam.so.*'
toolchain='libasan.so.* libubsan.so.* ld-linux*.so.*'

needed=$(LC_ALL=C readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
if [ -z "$needed" ]; then
        echo "test_needed: readelf -d $so shows no NEEDED entry at all; is it a shared object?" >&2
        exit 1
fi
status=0
for lib in $needed; do
        ok=no
        for pat in $wanted $toolchain; do
                # shellcheck disable=SC2254
                case "$lib" in $pat) ok=yes ;; esac
        done
        if [ "$ok" = no ]; then
                echo "test_needed: $so needs $lib; the module may need only libc and libpam" \
                     "(each library it needs is loaded into sudo and sshd on every check):" \
                     "drop the dependency, or load it with dlopen() only on the path that uses it" >&2
                status=1
        fi
done
for pat in $wanted; do
        found=no
        for lib in $needed; do
                # shellcheck disable=SC2254
                case "$lib" in $pat) found=yes ;; esac
        done
        if [ "$found" = no ]; then
                echo "test_needed: $so does not need $pat (readelf -d shows:" $needed ")" >&2
                status=1
        fi
done
[ "$status" = 0 ] && echo "test_needed: $so needs only:" $needed
exit "$status"
