/* SPDX-License-Identifier: BSD-3-Clause */
/* What runs in each elevated session: every execve of a process the
 * session holds becomes a SessionCommand event (pid, parent, uid/euid,
 * cwd, executable, escaped argv) tied to its session, grant and request,
 * into journald, the outbox and every sink (docs/audit.md).
 *
 * The source is the kernel's process connector (proc_events.h): a
 * session's processes are its leader and every process forked by one of
 * them, followed fork by fork, so a double fork, setsid or a script's
 * children stay in it, whatever the shell or sudo does. Not the shell's
 * history, not sudo's own log: sudo-rs and an SSH login are the same.
 *
 * Volume is bounded per session ([sessions] commands_per_second and
 * commands_max): what is over is counted and, at most once a second and
 * when the session's last process ends, reported in one
 * SessionCommandsSummarised event with the count, so that SessionCommand
 * events plus the summaries' counts are every execve. When the kernel's
 * queue overflows (events lost before teamd read them) each session says
 * so in a summary, and its processes are looked up again. */
#pragma once

#include <sys/types.h>

#include "teamd.h"

struct session_info;
struct session_row;

/* Subscribes to the kernel's events and follows the sessions that are
 * open. Without CAP_NET_ADMIN (or [sessions] record_commands = no) it
 * logs why and records nothing; teamd runs on. */
int session_exec_start(struct teamd *d);
void session_exec_stop(struct teamd *d);
/* Session id that just opened as info says (info->pid: its leader,
 * which has not forked yet), under the grant of request_id (may be NULL). */
void session_exec_track_leader(struct teamd *d, const char *id, const char *request_id,
                               const struct session_info *info);
/* A session whose processes may already run (adopted, or found open at
 * start): its held processes are followed from now. */
void session_exec_track_row(struct teamd *d, const struct session_row *row);
