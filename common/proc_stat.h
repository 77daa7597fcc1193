/* SPDX-License-Identifier: BSD-3-Clause */
/* A process's /proc/PID/stat: its parent, session and start time (field
 * 22, clock ticks since boot). A pid with its start time names one process
 * for as long as the machine runs; a pid alone may be reused. libc only:
 * pam_team.so reads its own start time with it. Functions return 0 or
 * -errno. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct proc_stat {
        pid_t ppid;
        pid_t sid;
        uint64_t start;
};

/* The text of a /proc/PID/stat (NUL-terminated; the comm in it is chosen
 * by the process): *state is field 3. -EBADMSG when it does not parse. */
int proc_stat_parse(const char *text, char *state, struct proc_stat *out);
/* Fields of proc_root/PID/stat ("/proc" outside tests). -ESRCH when the
 * process does not exist, -EBADMSG when the file does not parse. */
int proc_stat_read(const char *proc_root, pid_t pid, struct proc_stat *out);
/* The same, with field 3 (the state letter) in *state. */
int proc_stat_read_state(const char *proc_root, pid_t pid, char *state, struct proc_stat *out);
/* The calling process's own start time. */
int proc_stat_self_start(uint64_t *start);
