/* SPDX-License-Identifier: BSD-3-Clause */
/* Holding a session through systemd, on hosts whose PID 1 is systemd:
 * a transient scope team-<session id>.scope in team.slice, made the way
 * `systemd-run --scope` makes one (StartTransientUnit with PIDs, then the
 * job waited for), or, for a login that logind already tracks as a
 * session led by the PAM caller, that logind session. Every call is
 * bounded by SESSION_BUS_TIMEOUT_USEC. All functions return 0 or -errno. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SESSION_BUS_TIMEOUT_USEC (2ULL * 1000 * 1000)

/* Is PID 1 systemd (sd_booted)? */
int session_systemd_available(void);
/* The logind session pid belongs to (malloc'd), and whether pid leads it
 * (the process that opened it: sshd's session process, login). -ENODATA
 * when pid is in no logind session. */
int session_logind_of(pid_t pid, char **session_out, int *is_leader);
/* Moves pid into team-<id>.scope; *unit_out is the unit name and
 * *cgroup_out its cgroup directory under /sys/fs/cgroup (both malloc'd). */
int session_scope_attach(const char *session_id, pid_t pid, char **unit_out, char **cgroup_out);
/* Moves processes that already run into the scope unit
 * (AttachProcessesToUnit). */
int session_scope_add(const char *unit, const pid_t *pids, size_t n);
/* KillUnit(unit, "all", sig). */
int session_scope_kill(const char *unit, int sig);
/* org.freedesktop.login1.Manager.TerminateSession(id). */
int session_logind_terminate(const char *logind_session);
