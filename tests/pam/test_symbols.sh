#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pam_team.so is a guest in sudo and sshd: it exports pam_sm_* and nothing
# else (pam_team.map), so none of its helpers can clash with the host's.
# Its break-glass helper pam_team_breakglass.so (loaded on that path alone)
# exports its entry and interface version and nothing else
# (pam_team_breakglass.map). What the module needs: test_needed.sh.
so="${top_builddir:-.}/pam_team/.libs/pam_team.so"
if [ ! -f "$so" ]; then
        echo "test_symbols: $so not built" >&2
        exit 1
fi
command -v nm >/dev/null 2>&1 || { echo "test_symbols: no nm; skipping" >&2; exit 77; }
exported=$(nm -D --defined-only "$so" | awk '{ print $NF }' | sort)
stray=$(printf '%s\n' "$exported" | grep -v '^pam_sm_' | grep -v '^$')
if [ -n "$stray" ]; then
        echo "test_symbols: $so exports more than pam_sm_*:" >&2
        printf '  %s\n' $stray >&2
        exit 1
fi
for sym in pam_sm_acct_mgmt pam_sm_open_session pam_sm_close_session pam_sm_authenticate pam_sm_setcred; do
        if ! printf '%s\n' "$exported" | grep -qx "$sym"; then
                echo "test_symbols: $so does not export $sym" >&2
                exit 1
        fi
done
command -v readelf >/dev/null 2>&1 || { echo "test_symbols: no readelf; skipping" >&2; exit 77; }
heavy=$(readelf -d "$so" | grep NEEDED | grep -E 'libcrypto|libsystemd')
if [ -n "$heavy" ]; then
        echo "test_symbols: $so needs what only break-glass should load:" >&2
        printf '%s\n' "$heavy" >&2
        exit 1
fi
echo "test_symbols: only pam_sm_* exported:" $exported

helper="${top_builddir:-.}/pam_team/.libs/pam_team_breakglass.so"
if [ ! -f "$helper" ]; then
        echo "test_symbols: $helper not built" >&2
        exit 1
fi
hexported=$(nm -D --defined-only "$helper" | awk '{ print $NF }' | sort | tr '\n' ' ')
if [ "$hexported" != "pam_team_breakglass_abi pam_team_breakglass_run " ]; then
        echo "test_symbols: $helper exports: $hexported" >&2
        echo "  (want exactly pam_team_breakglass_abi and pam_team_breakglass_run)" >&2
        exit 1
fi
echo "test_symbols: the helper exports $hexported"
