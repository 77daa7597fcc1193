#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every test: the normal build (warnings are errors), the ASan+UBSan
# build, valgrind on the PAM tests (inside make check), cppcheck, a short
# libFuzzer run of every target, make distcheck, the Debian packages
# (installed in a container) and the RPM source package. Installs what it needs
# when run as root on Debian. Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=tools/deps.sh
. "$top/tools/deps.sh"
install_deps test || exit 1

jobs=$(nproc 2>/dev/null || echo 2)
# tests/teamd/test_systemd.sh boots a real systemd in a container; let it make
# its Debian root once (about two minutes, cached in /var/tmp). A root this
# run made (about 260 MB each) is removed at the end unless
# TEAM_NSPAWN_KEEP=1; one that was already there is a cache and stays.
export TEAM_NSPAWN_BOOTSTRAP=${TEAM_NSPAWN_BOOTSTRAP:-1}
nspawn_roots=()
for r in "${TEAM_NSPAWN_ROOT:-/var/tmp/pam_team-nspawn-root}" \
        "${TEAM_SERVER_NSPAWN_ROOT:-/var/tmp/team-server-nspawn-root}"; do
        [ -e "$r" ] || nspawn_roots+=("$r")
done
remove_made_roots() {
        local r
        [ "${TEAM_NSPAWN_KEEP:-0}" = 1 ] && return 0
        for r in "${nspawn_roots[@]}"; do rm -rf "$r" "$r.lock" "$r.boot.lock" "$r".tmp.*; done
}
trap remove_made_roots EXIT
passed=0 failed=0 skipped=0
failures=()

# Adds the totals an automake test-suite.log reports.
count_suite() {
        local log=$1 name=$2 p f s
        if [ ! -f "$log" ]; then
                failed=$((failed + 1)); failures+=("$name: no test-suite.log"); return
        fi
        p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
        f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
        s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
        local e x
        e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
        x=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
        skipped=$((skipped + ${s:-0}))
        if [ $((${f:-0} + ${e:-0} + ${x:-0})) -gt 0 ]; then
                failures+=("$name: see $log")
                grep -E '^(FAIL|ERROR|XPASS):' "$log" | sed "s/^/  [$name] /"
        fi
}

# One check that is not an automake suite counts as one test.
# Exit status 77 counts as skipped.
step() {
        local name=$1 rc=0; shift
        echo "== $name"
        "$@" || rc=$?
        if [ "$rc" -eq 0 ]; then passed=$((passed + 1))
        elif [ "$rc" -eq 77 ]; then skipped=$((skipped + 1)); echo "SKIPPED: $name"
        else failed=$((failed + 1)); failures+=("$name"); echo "FAILED: $name"; fi
}

build() {
        local dir=$1; shift
        mkdir -p "$dir" && cd "$dir" || return 1
        "$top/configure" -q --enable-werror "$@" && make -j"$jobs" >make.log 2>&1 \
                || { tail -40 make.log; cd "$top"; return 1; }
        cd "$top"
}

check_suite() {
        local dir=$1 name=$2
        echo "== make check ($name)"
        (cd "$dir" && make -j"$jobs" check >check.log 2>&1) || tail -60 "$dir/check.log"
        count_suite "$dir/test-suite.log" "$name"
}

run_cppcheck() {
        cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
                --inline-suppr --suppress=missingIncludeSystem -I common -I . \
                common teamd teamctl pam_team tools
}

run_fuzz_smoke() {
        command -v clang >/dev/null || { echo "SKIP: clang missing"; return 0; }
        build "$top/_build/fuzz" --enable-fuzzing CC=clang || return 1
        local t name corpus scratch rc=0
        for t in "$top"/_build/fuzz/tests/fuzz/fuzz_*; do
                name=$(basename "$t")
                case $name in *.*) continue ;; esac
                [ -x "$t" ] || continue
                name=${name#fuzz_}
                corpus="$top/tests/fuzz/corpus/$name"
                # libFuzzer writes new inputs into its first directory: a
                # scratch one, so the committed seeds stay as they are.
                scratch="$top/_build/fuzz/new-$name"
                mkdir -p "$scratch"
                echo "   fuzz_$name: ${TEAM_FUZZ_SECONDS:-20} s"
                "$t" -max_total_time="${TEAM_FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
                        -artifact_prefix="$top/_build/fuzz/" "$scratch" "$corpus" >"$t.log" 2>&1 \
                        || { tail -30 "$t.log"; rc=1; }
        done
        return $rc
}

run_distcheck() {
        (cd "$top/_build/default" && make -j"$jobs" distcheck >distcheck.log 2>&1) \
                || { tail -40 "$top/_build/default/distcheck.log"; return 1; }
}

# The Debian packages (lintian: no errors), then installed in a container:
# gated sudo, upgrade, purge (skips without the container root).
run_packages() {
        "$top/tools/build-deb.sh" "$top/_build/deb" >"$top/_build/deb.log" 2>&1 \
                || { tail -40 "$top/_build/deb.log"; return 1; }
        top_builddir="$top/_build/default" "$top/tests/packaging/test_deb_install.sh" "$top/_build/deb"
}

# The RPM spec: parsed, source package built, rpmlint when installed.
run_rpm() {
        local rc=0
        "$top/tools/build-rpm.sh" "$top/_build/rpm" >"$top/_build/rpm.log" 2>&1 || rc=$?
        [ "$rc" -eq 0 ] || tail -40 "$top/_build/rpm.log"
        return $rc
}

autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }
# The tree must not hold an in-tree build (it would break out-of-tree ones).
[ -f config.status ] && make distclean >/dev/null 2>&1

if step "build (-Werror)" build "$top/_build/default"; then
        # The packages meet the container root as debootstrap made it, before
        # the suite's container tests install a build of their own into it.
        [ -n "${TEAM_SKIP_PACKAGES:-}" ] || step "Debian packages: build, lintian, install in a container" run_packages
        check_suite "$top/_build/default" "default"
fi
if step "build (ASan+UBSan, -Werror)" build "$top/_build/asan" --enable-sanitizers; then
        ASAN_OPTIONS=detect_leaks=1 check_suite "$top/_build/asan" "sanitizers"
fi
step "cppcheck" run_cppcheck
step "fuzz smoke" run_fuzz_smoke
[ -n "${TEAM_SKIP_DISTCHECK:-}" ] || step "make distcheck" run_distcheck
[ -n "${TEAM_SKIP_PACKAGES:-}" ] || step "RPM spec: rpmspec -P, rpmbuild -bs" run_rpm

if [ ${#failures[@]} -gt 0 ]; then
        echo "Failures:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
