#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The teamd SELinux module, compiled against Debian's reference policy
# headers and linked into the complete reference policy
# (selinux-policy-default), then checked with sesearch/seinfo:
#  - sshd_t, local_login_t, the sudo domains and the su domains may connect
#    to teamd's root socket (connectto on teamd_t + write on teamd_sock_t);
#  - no other domain may, except the unconfined ones (which may do anything);
#  - teamd_t creates and writes files only in its state, run and spool
#    directories;
#  - semodule -i installs it into a copy of the system's policy store and
#    the paths get the labels teamd.fc gives them.
# Needs no root and no SELinux kernel: skips (77) when a tool is missing.
set -uo pipefail

skip() { echo "SKIP: ${0##*/}: $*" >&2; exit 77; }
fail() { echo "FAIL: ${0##*/}: $*" >&2; exit 1; }

src=${top_srcdir:?run through make check}/selinux
devel=${SELINUX_DEVEL_MAKEFILE:-/usr/share/selinux/devel/Makefile}
refdir=${TEAM_REFPOLICY_DIR:-/usr/share/selinux/default}
[ -f "$devel" ] || skip "$devel is missing (apt-get install selinux-policy-dev)"
for t in checkmodule semodule_link semodule_expand sesearch seinfo bzcat; do
        command -v "$t" >/dev/null 2>&1 || skip "$t is missing (apt-get install checkpolicy semodule-utils setools)"
done
ls "$refdir"/base.pp* >/dev/null 2>&1 || skip "no reference policy modules in $refdir (apt-get install selinux-policy-default)"

work=$(mktemp -d "${TMPDIR:-/tmp}/test_policy.XXXXXX") || fail mktemp
trap 'rm -rf "$work"' EXIT
mkdir "$work/mod" "$work/ref"
cp "$src/teamd.te" "$src/teamd.if" "$src/teamd.fc" "$work/mod/"
make -s -C "$work/mod" -f "$devel" teamd.pp >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "teamd.pp does not build"; }

# Every module of the distribution's policy, so that "nothing else" means
# every domain it defines.
for f in "$refdir"/*.pp*; do
        m=${f##*/}; m=${m%.bz2}
        case $f in *.bz2) bzcat "$f" >"$work/ref/$m" ;; *) cp "$f" "$work/ref/$m" ;; esac
done
modules=()
for f in "$work"/ref/*.pp; do [ "${f##*/}" = base.pp ] || modules+=("$f"); done
semodule_link -o "$work/linked.pp" "$work/ref/base.pp" "${modules[@]}" "$work/mod/teamd.pp" >/dev/null \
        || fail "semodule_link"
semodule_expand "$work/linked.pp" "$work/policy.bin" || fail "semodule_expand: the module's requirements are not met"
pol=$work/policy.bin

# expand NAME...: the types NAME stands for (an attribute's members, or itself).
expand() {
        local n out
        for n in "$@"; do
                out=$(seinfo -x -a "$n" "$pol" 2>/dev/null | sed -n 's/^[[:space:]]\+\([a-z0-9_]*_t\)$/\1/p')
                if [ -n "$out" ]; then printf '%s\n' "$out"; else printf '%s\n' "$n"; fi
        done
}
# sources ARGS...: the source types of the allow rules sesearch finds.
sources() { sesearch -A "$@" "$pol" | awk '$1 == "allow" { print $2 }' | sort -u | while read -r s; do expand "$s"; done | sort -u; }
# targets ARGS...: the target types of the allow rules.
targets() { sesearch -A "$@" "$pol" | awk '$1 == "allow" { print $3 }' | sed 's/:.*//' | sort -u | while read -r s; do expand "$s"; done | sort -u; }

connect=$(comm -12 <(sources -t teamd_t -c unix_stream_socket -p connectto) \
        <(sources -t teamd_sock_t -c sock_file -p write))
echo "may connect to /run/teamd/teamd.sock:" "$(printf '%s ' $connect)" >&2
for d in sshd_t local_login_t sysadm_sudo_t staff_sudo_t user_sudo_t sysadm_su_t; do
        printf '%s\n' "$connect" | grep -qx "$d" || fail "$d may not connect to teamd's root socket"
done
# sysadm_t: the administrator role's domain, which may write any file and
# connect to any domain. *_su_t: su's per-role domains (su_role_template).
allowed=$( { printf '%s\n' sshd_t local_login_t teamd_t sysadm_t; expand sudodomain unconfined_domain_type; } | sort -u)
extra=$(comm -23 <(printf '%s\n' "$connect") <(printf '%s\n' "$allowed") | grep -v '_su_t$')
[ -z "$extra" ] || fail "other domains may connect to teamd's root socket: $extra"
for d in user_t staff_t httpd_t sshd_t; do
        [ "$d" = sshd_t ] && continue
        printf '%s\n' "$connect" | grep -qx "$d" && fail "$d may connect to teamd's root socket"
done
# Break-glass lets the callers rewrite /etc/team/breakglass, nothing else
# there: not the pinned keys, not teamd.conf. teamd never reads a file of
# the set's type (one planted in keys/ is not a key).
for d in sshd_t local_login_t sysadm_sudo_t; do
        [ -z "$(sesearch -A -s "$d" -t teamd_conf_t -c file -p write "$pol")" ] || fail "$d may write teamd_conf_t files"
        [ -n "$(sesearch -A -s "$d" -t teamd_breakglass_t -c file -p write "$pol")" ] || fail "$d may not burn a break-glass code"
done
[ -z "$(sesearch -A -s teamd_t -t teamd_breakglass_t -c file -p read "$pol")" ] || fail "teamd_t may read the break-glass set"

# Users reach only the user socket.
user_connect=$(sources -t teamd_user_sock_t -c sock_file -p write)
printf '%s\n' "$user_connect" | grep -qx user_t || fail "user_t may not use teamd's user socket"

# Where teamd_t may write. init_tmpfs_t: descriptors systemd hands over
# (memfd), no path. teamd_t: its own /proc entries.
mine=(teamd_var_lib_t teamd_spool_t teamd_runtime_t teamd_sock_t teamd_user_sock_t)
printf '%s\n' "${mine[@]}" >"$work/mine"
printf '%s\n' "${mine[@]}" teamd_t init_tmpfs_t >"$work/mine-files"
# Writing to a sock_file is connecting to it (journald, D-Bus, nscd), to a
# fifo using a pipe it inherited from systemd: only
# making, renaming and removing them counts there.
for cls in file sock_file lnk_file fifo_file; do
        perms='write append create rename unlink setattr'
        [ "$cls" = sock_file ] || [ "$cls" = fifo_file ] && perms='create rename unlink setattr'
        for perm in $perms; do
                out=$(targets -s teamd_t -c "$cls" -p "$perm" | grep -vxFf "$work/mine-files")
                [ -z "$out" ] || fail "teamd_t may $perm $cls outside its directories: $out"
        done
done
for perm in create add_name remove_name write rmdir reparent; do
        out=$(targets -s teamd_t -c dir -p "$perm" | grep -vxFf "$work/mine")
        # Adding a name in /var/lib, /var/spool or /run is only for making its own
        # directory there, which a type transition labels.
        for t in $out; do
                case $t in var_lib_t | var_run_t | var_spool_t) ;;
                *) fail "teamd_t may $perm in $t" ;;
                esac
                [ "$perm" = add_name ] || [ "$perm" = write ] || [ "$perm" = remove_name ] ||
                        fail "teamd_t may $perm in $t"
                grep -q ' teamd_' <<<"$(sesearch -T -s teamd_t -t "$t" -c dir "$pol")" ||
                        fail "no type transition for teamd_t's directory in $t"
        done
done
echo "teamd_t writes only: ${mine[*]} (and its own /proc, inherited memfds)"

# The module installs into (a copy of) the distribution's policy store, as
# the packages' semodule -i does, and its paths get their labels.
store=/var/lib/selinux/default
if [ -d "$store" ] && [ -d /etc/selinux/default ] && command -v semodule >/dev/null 2>&1 &&
        command -v selabel_lookup >/dev/null 2>&1; then
        mkdir -p "$work/store/var/lib/selinux" "$work/store/etc/selinux"
        cp -a "$store" "$work/store/var/lib/selinux/"
        cp -a /etc/selinux/default /etc/selinux/semanage.conf "$work/store/etc/selinux/"
        semodule -p "$work/store" -s default -i "$work/mod/teamd.pp" >"$work/semodule.log" 2>&1 ||
                { cat "$work/semodule.log"; fail "semodule -i teamd.pp into the policy store"; }
        grep -qx teamd <<<"$(semodule -p "$work/store" -s default -l)" || fail "teamd not listed by semodule -l"
        fc=$work/store/etc/selinux/default/contexts/files/file_contexts
        while read -r path type; do
                got=$(selabel_lookup -b file -f "$fc" -k "$path" | sed -n 's/.*:object_r:\([a-z_]*\):.*/\1/p')
                [ "$got" = "$type" ] || fail "$path is labelled $got, not $type"
        done <<'LABELS'
/usr/sbin/teamd teamd_exec_t
/usr/sbin/team-server teamserver_exec_t
/etc/team/teamd.conf teamd_conf_t
/etc/team/keys/k1.pem teamd_conf_t
/var/lib/teamd/grants.db teamd_var_lib_t
/etc/team/breakglass teamd_breakglass_t
/etc/team/breakglass.tmp.Ab12Cd teamd_breakglass_t
/var/spool/teamd/breakglass/use-1.json teamd_spool_t
/run/teamd teamd_runtime_t
/run/teamd/teamd.sock teamd_sock_t
/run/teamd/user.sock teamd_user_sock_t
/var/lib/team-server/team.db teamserver_var_lib_t
LABELS
        echo "semodule -i into a copy of $store: installed; file labels as teamd.fc says"
else
        echo "no policy store at $store (selinux-policy-default, policycoreutils): semodule -i not tried" >&2
fi
echo "PASS: ${0##*/}"
