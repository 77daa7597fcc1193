/* SPDX-License-Identifier: BSD-3-Clause */
/* Where an elevated session's processes are held, so that teamd can end
 * all of them (design.md, "Ending sessions"):
 *
 *   logind  a login logind tracks, led by the PAM caller (sshd): ended with
 *           TerminateSession
 *   scope   PID 1 is systemd: the leader moved into team-<id>.scope in
 *           team.slice; ended with KillUnit
 *   cgroup  no systemd, a writable cgroup v2: teamd's own cgroup
 *           (session_cgroup.h); ended with signals, then cgroup.kill
 *   tree    the last resort: the leader's /proc tree, pid + start time
 *   none    nothing to hold (the caller already exited, pid 1, teamd)
 *
 * Ending is two steps: session_hold_terminate() (SIGHUP, SIGTERM), then,
 * after [sessions] grace, session_hold_kill() (SIGKILL) for what is left.
 * Functions return 0 or -errno. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_tree.h"

enum session_hold_kind {
        SESSION_HOLD_NONE = 0,
        SESSION_HOLD_TREE,
        SESSION_HOLD_CGROUP,
        SESSION_HOLD_SCOPE,
        SESSION_HOLD_LOGIND,
};

struct session_hold {
        enum session_hold_kind kind;
        pid_t leader;
        uint64_t leader_start;
        char *unit;     /* scope */
        char *cgroup;   /* cgroup, scope, logind: the directory holding it */
        char *logind;   /* the logind session id, whenever there is one */
};

const char *session_hold_name(enum session_hold_kind k);
/* "tree" -> SESSION_HOLD_TREE; NULL or unknown -> SESSION_HOLD_NONE. */
enum session_hold_kind session_hold_from_name(const char *name);

/* Holds pid's session. mode is [sessions] hold (NULL: auto). Always fills
 * h (kind none when nothing could be held) and says in why what was done
 * or why nothing could be. */
void session_hold_attach(const char *mode, const char *session_id, pid_t pid, struct session_hold *h, char *why,
                         size_t whylen);
/* A session held after it began (break-glass adoption): moves the
 * leader's children that already run into its scope or cgroup (a logind
 * session holds them already; a tree is found again at the end). *moved:
 * how many. */
int session_hold_gather(const struct session_hold *h, size_t *moved);
/* The processes held now. */
int session_hold_procs(const struct session_hold *h, struct proc_ref **out, size_t *n);
/* First step of the end: SIGHUP and SIGTERM to every process (procs: the
 * ones session_hold_procs() found). */
int session_hold_terminate(const struct session_hold *h, const struct proc_ref *procs, size_t n);
/* Second step: SIGKILL to what is left. */
int session_hold_kill(const struct session_hold *h, const struct proc_ref *procs, size_t n);
/* How many of the session's processes still run. */
size_t session_hold_remaining(const struct session_hold *h, const struct proc_ref *procs, size_t n);
/* Removes what teamd made for it (an empty cgroup) and frees h's strings. */
void session_hold_release(struct session_hold *h);
void session_hold_clear(struct session_hold *h);
