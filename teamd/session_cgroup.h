/* SPDX-License-Identifier: BSD-3-Clause */
/* Holding a session in a cgroup v2 of teamd's own, for hosts without
 * systemd as PID 1 (containers): CGROUP2_MOUNT + teamd's own cgroup (from
 * /proc/self/cgroup) + "/team-sessions/<session id>". Every child the
 * leader forks is born inside it, and no process can leave a cgroup it
 * cannot write to, so setsid and double forks do not help; cgroup.kill
 * (Linux 5.14) ends all of them at once. All functions return 0 or -errno. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "proc_tree.h"

#define SESSION_CGROUP_DIR "team-sessions"

/* Creates the session's cgroup and moves pid into it; *path_out is the
 * cgroup's directory (malloc'd). -EOPNOTSUPP when no writable cgroup v2
 * with cgroup.kill is there. */
int session_cgroup_attach(const char *session_id, pid_t pid, char **path_out);
/* Moves pid into the session cgroup path (a process that already runs:
 * its later children are born there). */
int session_cgroup_add(const char *path, pid_t pid);
/* The processes in it (pid + start time), at most PROC_TREE_MAX. */
int session_cgroup_procs(const char *path, struct proc_ref **out, size_t *n);
/* cgroup.kill: SIGKILL to every process in it. */
int session_cgroup_kill(const char *path);
/* Removes the (empty) cgroup; -EBUSY while processes remain. */
int session_cgroup_remove(const char *path);
/* Removes every empty session cgroup (sessions that closed, or whose
 * processes all exited); populated ones stay. */
void session_cgroup_sweep(void);
/* Is path a cgroup this module made? (A path read back from the store is
 * checked before anything is written under it.) */
int session_cgroup_check_path(const char *path);
