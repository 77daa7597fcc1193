# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A real systemd as PID 1 in a systemd-nspawn container, for the tests of
# the hardened units (tests/teamd/test_systemd.sh, tests/server/test_server_systemd.sh).
# Root only; skips (77) without systemd-nspawn or the container root.
#
#   skip / fail MESSAGE             # exit 77 / exit 1
#   nspawn_require BUILT_FILE...    # root, systemd-nspawn, files built in
#                                   # $top_builddir, the first one not ASan
#   nspawn_base_root                # prints the Debian root ($TEAM_NSPAWN_ROOT,
#                                   # default /var/tmp/pam_team-nspawn-root);
#                                   # TEAM_NSPAWN_BOOTSTRAP=1 makes it
#   nspawn_make_root ROOT MAKER     # makes ROOT once with "MAKER DIR", safe
#                                   # against a second test doing the same
#   nspawn_install_teamd ROOT HOST  # this build's teamd, tools, units and
#                                   # pam_team.so in ROOT, /root/k.key to sign
#   nspawn_forget_units ROOT GLOB   # removes enablement links of units matching
#                                   # GLOB left in the cached ROOT by earlier runs
#   nspawn_hold ROOT                # holds ROOT.lock until the test exits: a
#                                   # test that boots ROOT (and rewrites its
#                                   # /etc/team) never shares it with another
#                                   # one, from this build tree or any other
#
# The roots are a cache kept between runs (debootstrap needs the network
# and minutes): tools/test-all.sh removes the ones it made; by hand,
# rm -rf /var/tmp/pam_team-nspawn-root /var/tmp/team-server-nspawn-root.
#   nspawn_boot ROOT                # boots it until systemd says running;
#                                   # stops it at exit
#   ct COMMAND...                   # runs COMMAND inside the container
#   contains LABEL TEXT REGEX       # fails unless TEXT matches REGEX
#   nspawn_expect_event EVENT LABEL REGEX # waits for teamd's EVENT entry in
#                                   # the journal, fails unless it matches
#   nspawn_exposure UNIT            # fails unless systemd-analyze security
#                                   # rates UNIT <= 2.5; prints the level

skip() { echo "SKIP: ${0##*/}: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

nspawn_require() {
        local f
        [ "$(id -u)" -eq 0 ] || skip "needs root (boots a container)"
        : "${top_builddir:?run through make check}"
        : "${top_srcdir:=$top_builddir}"
        command -v systemd-nspawn >/dev/null 2>&1 || skip "systemd-nspawn is missing (apt-get install systemd-container)"
        for f in "$@"; do
                [ -e "$top_builddir/$f" ] || skip "$f is not built"
        done
        # The container has no sanitizer runtime; the default build covers this.
        if grep -q -e '-fsanitize=address' "$top_builddir/Makefile" 2>/dev/null ||
                ldd "$top_builddir/$1" 2>/dev/null | grep -q libasan; then
                skip "${1##*/} is built with sanitizers; the container has no libasan (the default build runs this test)"
        fi
}

nspawn_base_root() {
        local root=${TEAM_NSPAWN_ROOT:-/var/tmp/pam_team-nspawn-root}
        [ -x "$root/lib/systemd/systemd" ] || nspawn_make_root "$root" nspawn_debootstrap
        printf '%s\n' "$root"
}

# nspawn_debootstrap DIR: a minimal Debian with what teamd and systemd need,
# and an sshd for the logind session test.
nspawn_debootstrap() {
        [ "${TEAM_NSPAWN_BOOTSTRAP:-0}" = 1 ] ||
                skip "no container root at ${TEAM_NSPAWN_ROOT:-/var/tmp/pam_team-nspawn-root} (TEAM_NSPAWN_BOOTSTRAP=1 tests/teamd/test_systemd.sh makes one)"
        command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is missing"
        debootstrap --variant=minbase \
                --include=systemd,systemd-sysv,dbus,libpam-systemd,libcurl4,libsqlite3-0,libjson-c5,libinih1,libssl3,openssh-server \
                bookworm "$1" http://deb.debian.org/debian >/dev/null 2>&1 || skip "debootstrap failed"
}

# nspawn_claim ROOT: one test at a time uses a root. Tests that share it
# (each installs its build into it, and nspawn keeps per-machine state
# named after it) wait for each other on ROOT.boot.lock, held until the
# test exits.
NSPAWN_BOOT_LOCK=
nspawn_claim() {
        [ -n "$NSPAWN_BOOT_LOCK" ] && return 0
        exec {NSPAWN_BOOT_LOCK}>"$1.boot.lock" || fail "cannot open $1.boot.lock"
        flock -x "$NSPAWN_BOOT_LOCK" || fail "cannot lock $1.boot.lock"
}

# nspawn_install_teamd ROOT HOST_ID: this build's teamd, teamctl,
# team-sign-grant, units and pam_team.so in ROOT (overwriting the last
# run's), a fresh state and /etc/team with host_id HOST_ID, teamd enabled,
# and a signing key: /root/k.key signs, /etc/team/keys/k1.pem verifies.
nspawn_install_teamd() {
        local root=$1
        nspawn_claim "$root"
        install -D -m 0755 "$top_builddir/teamd/teamd" "$root/usr/local/sbin/teamd"
        install -D -m 0755 "$top_builddir/teamctl/teamctl" "$root/usr/local/bin/teamctl"
        install -D -m 0755 "$top_builddir/tools/team-sign-grant" "$root/usr/local/bin/team-sign-grant"
        sed 's|^ExecStart=[^ ]*/teamd |ExecStart=/usr/local/sbin/teamd |' "$top_builddir/systemd/teamd.service" \
                >"$root/etc/systemd/system/teamd.service"
        install -m 0644 "$top_srcdir/systemd/teamd.socket" "$top_srcdir/systemd/teamd-user.socket" "$root/etc/systemd/system/"
        install -D -m 0644 "$top_srcdir/systemd/teamd.catalog" "$root/usr/lib/systemd/catalog/teamd.catalog"
        install -D -m 0644 "$top_builddir/systemd/tmpfiles/teamd.conf" "$root/usr/lib/tmpfiles.d/teamd.conf"
        install -D -m 0644 "$top_builddir/pam_team/.libs/pam_team.so" "$root/usr/local/lib/security/pam_team.so"
        rm -rf "$root/var/lib/teamd" "$root/etc/team" "$root/root/k.key"
        install -d -m 0755 "$root/etc/team/keys"
        printf '[teamd]\nhost_id = %s\n' "$2" >"$root/etc/team/teamd.conf"
        # Enabling the service (as the packages do) enables its sockets too (Also=).
        # The root is reused: forget the last run's enablement first.
        chroot "$root" systemctl disable teamd.service teamd.socket teamd-user.socket >/dev/null 2>&1
        chroot "$root" systemctl enable teamd.service >/dev/null 2>&1 || fail "systemctl enable"
        chroot "$root" systemctl is-enabled -q teamd.socket teamd-user.socket || fail "sockets not enabled with the service"

        # The key is there before boot: teamd starts at boot and reads keys at start.
        chroot "$root" team-sign-grant keygen --private /root/k.key --public /etc/team/keys/k1.pem >/dev/null || fail keygen
        chmod 0644 "$root/etc/team/keys/k1.pem"
}

# nspawn_make_root ROOT MAKER [ARG...]: runs "MAKER DIR ARG..." to fill a
# fresh directory beside ROOT and renames it to ROOT, holding ROOT.lock so
# that two tests starting at once never fill the same directory: the second
# waits and then finds ROOT made. A half-made directory never has ROOT's
# name, so a killed run leaves nothing that looks usable.
nspawn_make_root() {
        local root=$1 maker=$2 tmp rc=0
        shift 2
        command -v flock >/dev/null 2>&1 || fail "flock is missing (util-linux)"
        mkdir -p "${root%/*}" || fail "cannot create ${root%/*}"
        (
                flock -w 1800 9 || fail "another test holds $root.lock for more than 30 minutes"
                [ -x "$root/lib/systemd/systemd" ] && exit 0
                rm -rf "$root".tmp.* 2>/dev/null
                tmp=$(mktemp -d "$root.tmp.XXXXXX") || fail "mktemp beside $root"
                chmod 0755 "$tmp"
                ( "$maker" "$tmp" "$@" ) || { rc=$?; rm -rf "$tmp"; exit "$rc"; }
                rm -rf "$root" && mv -T "$tmp" "$root" || { rm -rf "$tmp"; fail "cannot rename $tmp to $root"; }
        ) 9>"$root.lock" || exit $?
}

# nspawn_hold ROOT: waits (30 min at most) for, then keeps, an exclusive
# lock on ROOT.lock; the open fd stays with this shell until it exits.
# Call it after nspawn_make_root/nspawn_base_root (they take the same lock
# briefly in a subshell).
nspawn_hold() {
        local fd
        command -v flock >/dev/null 2>&1 || fail "flock is missing (util-linux)"
        exec {fd}>"$1.lock" || fail "cannot open $1.lock"
        flock -w 1800 "$fd" || fail "another test has held $1 for 30 minutes"
}

# nspawn_forget_units ROOT GLOB: the root is a cache that runs of other
# builds (other branches' units) have booted; a unit they enabled would
# start at boot here too (e.g. teamd before the test installed its keys).
nspawn_forget_units() {
        local link
        # shellcheck disable=SC2231 # GLOB is a pattern
        for link in "$1"/etc/systemd/system/*.wants/$2; do
                [ -L "$link" ] && rm -f "$link"
        done
        return 0
}

NSPAWN_PID=
NSPAWN_PID1=
NSPAWN_LOG=

# shellcheck disable=SC2317 # called from the EXIT trap
nspawn_cleanup() {
        local rc=$? i
        if [ -n "$NSPAWN_PID" ]; then
                kill -TERM "$NSPAWN_PID" 2>/dev/null
                for ((i = 0; i < 100; i++)); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$NSPAWN_PID" 2>/dev/null
                wait "$NSPAWN_PID" 2>/dev/null
        fi
        [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$NSPAWN_LOG" ] && tail -n 30 "$NSPAWN_LOG" >&2
        [ -n "$NSPAWN_LOG" ] && rm -f "$NSPAWN_LOG"
        exit "$rc"
}

# nspawn_boot ROOT: the container shares this machine's network.
nspawn_boot() {
        local i state=
        nspawn_claim "$1"
        NSPAWN_LOG=$(mktemp "/tmp/${0##*/}.XXXXXX") || fail "mktemp"
        trap nspawn_cleanup EXIT
        systemd-nspawn -D "$1" --register=no --keep-unit --boot --console=pipe >"$NSPAWN_LOG" 2>&1 &
        NSPAWN_PID=$!
        for ((i = 0; i < 100; i++)); do
                NSPAWN_PID1=$(pgrep -P "$NSPAWN_PID" | head -1)
                [ -n "$NSPAWN_PID1" ] && break
                sleep 0.1
        done
        [ -n "$NSPAWN_PID1" ] || fail "the container did not start"
        # A loaded machine boots slowly: two minutes.
        for ((i = 0; i < 1200; i++)); do
                state=$(ct systemctl is-system-running 2>/dev/null)
                case $state in running | degraded) return 0 ;; esac
                sleep 0.1
        done
        fail "container did not boot: $state"
}

ct() { nsenter -t "$NSPAWN_PID1" -a "$@"; }
contains() { printf '%s' "$2" | grep -Eq -- "$3" || fail "$1: expected /$3/ in: $2"; }

# nspawn_expect_event EVENT LABEL REGEX: waits (10 s) for teamd's journal
# entries of TEAM_EVENT=EVENT in the container and fails unless they match
# REGEX; with none, the message shows teamd's last lines instead.
nspawn_expect_event() {
        local i out=
        for ((i = 0; i < 100; i++)); do
                out=$(ct journalctl -b -t teamd TEAM_EVENT="$1" -o cat --no-pager)
                [ -n "$out" ] && break
                sleep 0.1
        done
        [ -n "$out" ] || out=$(ct journalctl -b -t teamd -o cat --no-pager | tail -n 8)
        contains "$2" "$out" "$3"
}

nspawn_exposure() {
        local out
        out=$(ct systemd-analyze security "$1" --no-pager 2>&1 |
                sed -n "s/.*Overall exposure level for $1: \\([0-9.]*\\).*/\\1/p")
        [ -n "$out" ] || fail "systemd-analyze security gave no score"
        awk -v s="$out" 'BEGIN { exit !(s <= 2.5) }' || fail "exposure level $out > 2.5"
        printf '%s\n' "$out"
}
