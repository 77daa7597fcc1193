#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The module's allow, deny and error paths under valgrind: no invalid
# access, no definite leak (libpam loads the built .so into the test);
# and the module's pure parts (pam_team/test_pam_internals) the same way.
bin="${top_builddir:-.}/tests/pam/test_pam_account"
so="${top_builddir:-.}/pam_team/.libs/pam_team.so"

if [ "$(id -u)" != 0 ]; then
        echo "test_pam_valgrind: needs root; skipping" >&2
        exit 77
fi
if ! command -v valgrind >/dev/null 2>&1; then
        echo "test_pam_valgrind: valgrind not installed; skipping" >&2
        exit 77
fi
if [ ! -x "$bin" ]; then
        echo "test_pam_valgrind: $bin not built (no cmocka?); skipping" >&2
        exit 77
fi
if ldd "$bin" "$so" 2>/dev/null | grep -q libasan; then
        echo "test_pam_valgrind: sanitizer build (ASan and valgrind do not mix); skipping" >&2
        exit 77
fi

# valgrind is slow: give the timing assertions room.
PAM_TEAM_TEST_SLACK_MS=5000
PAM_WRAPPER_DISABLE_DEEPBIND=1
export PAM_TEAM_TEST_SLACK_MS PAM_WRAPPER_DISABLE_DEEPBIND

status=0
for pattern in 'teamd_allow_valid_grant' 'teamd_deny_no_grant' 'fake_*'; do
        echo "test_pam_valgrind: $pattern"
        valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
                --trace-children=no "$bin" "$pattern" || status=1
done
internals="${top_builddir:-.}/pam_team/test_pam_internals"
if [ -x "$internals" ]; then
        echo "test_pam_valgrind: test_pam_internals"
        valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
                "$internals" || status=1
fi
exit $status
