/* SPDX-License-Identifier: BSD-3-Clause */
/* pid -> (parent, session slot): the processes of the sessions whose
 * commands are recorded (session_exec.c), looked up on every fork, exec
 * and exit of the host, so in constant time: open addressing, linear
 * probing, at most PID_MAP_MAX entries. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel's own limit (pid_max) is 4194304. */
#define PID_MAP_MAX (1u << 22)

struct pid_entry {
        pid_t pid;      /* 0: free, -1: deleted */
        pid_t ppid;
        uint32_t slot;
};

struct pid_map {
        struct pid_entry *e;
        size_t cap;     /* a power of two, or 0 */
        size_t used;    /* live entries */
        size_t dead;    /* deleted entries */
};

/* Adds or replaces pid. -ENOSPC when PID_MAP_MAX entries are there. */
int pid_map_put(struct pid_map *m, pid_t pid, pid_t ppid, uint32_t slot);
/* The entry of pid, or NULL. */
const struct pid_entry *pid_map_get(const struct pid_map *m, pid_t pid);
/* Removes pid; true when it was there (*out: what it was). */
bool pid_map_del(struct pid_map *m, pid_t pid, struct pid_entry *out);
/* Removes every entry of slot. */
void pid_map_del_slot(struct pid_map *m, uint32_t slot);
void pid_map_free(struct pid_map *m);
