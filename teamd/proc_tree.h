/* SPDX-License-Identifier: BSD-3-Clause */
/* Processes as /proc shows them, each named by pid AND start time (field 22
 * of /proc/PID/stat, clock ticks since boot): a pid alone may have been
 * reused by an unrelated process since it was recorded, a pid with its
 * start time cannot. Signals go through a pidfd opened and then checked
 * against the start time, so that the process signalled is the one that
 * was checked. All functions return 0 or -errno. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_stat.h"

/* Upper bound of one tree (a fork bomb inside a session must not make
 * teamd allocate without end; what is over it is counted, see below). */
#define PROC_TREE_MAX 65536

struct proc_ref {
        pid_t pid;
        uint64_t start; /* clock ticks after boot */
};

/* The process tree of leader (which must still have start time
 * leader_start, else -ESRCH): the leader, every process whose parent chain
 * reaches it, and every process in the leader's session id (a setsid'd
 * descendant whose parent already exited is still found when it kept the
 * session; one that called setsid and was orphaned is only found through
 * the scope or cgroup holders). *out is malloc'd (free()). Never contains
 * pid 1 or the caller itself. */
int proc_tree_collect(const char *proc_root, pid_t leader, uint64_t leader_start, struct proc_ref **out,
                      size_t *n);

/* Sends sig to p if the process with pid p->pid still has start time
 * p->start: 0 when sent, -ESRCH when it is gone or the pid now belongs to
 * another process (nothing sent), -EPERM for pid 1 and teamd itself. */
int proc_signal(const struct proc_ref *p, int sig);

/* 1 when p still runs (same pid and start time, not a zombie), 0 when not. */
int proc_alive(const struct proc_ref *p);
