# SPDX-License-Identifier: BSD-3-Clause
# Debian packages the build, the tests and the demo need. Sourced by
# tools/test-all.sh and tools/demo.sh; .ci/run installs the same list.
TEAM_BUILD_DEPS="build-essential autoconf automake libtool pkg-config
 libpam0g-dev libcurl4-openssl-dev libjson-c-dev libsqlite3-dev libsystemd-dev
 libssl-dev libmicrohttpd-dev libinih-dev libcmocka-dev libpamtest0-dev libpq-dev
 libpam-wrapper sudo systemd util-linux
 selinux-policy-dev debhelper fakeroot rpm"
TEAM_TEST_DEPS="$TEAM_BUILD_DEPS openssh-server openssh-client valgrind cppcheck
 clang libclang-rt-14-dev sqlite3 procps iproute2 python3 curl postgresql-15
 debootstrap systemd-container
 checkpolicy semodule-utils setools selinux-policy-default lintian rpmlint mandoc"

# install_deps build|test: installs what is missing, when root on Debian.
install_deps() {
        local list missing=() p
        if [ "$1" = test ]; then list=$TEAM_TEST_DEPS; else list=$TEAM_BUILD_DEPS; fi
        for p in $list; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
        [ ${#missing[@]} -eq 0 ] && return 0
        if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
                echo "Missing packages: ${missing[*]}" >&2
                echo "Install them (as root: apt-get install ${missing[*]}) and run this again." >&2
                return 1
        fi
        echo "Installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
}
