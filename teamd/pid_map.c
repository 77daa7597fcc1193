/* SPDX-License-Identifier: BSD-3-Clause */
/* pid -> (parent, session slot); see pid_map.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pid_map.h"

#define FREE 0
#define DEAD (-1)

static size_t home(const struct pid_map *m, pid_t pid)
{
        /* Fibonacci hashing: consecutive pids spread over the table. */
        return (size_t)(((uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ULL) >> 20) & (m->cap - 1);
}

static struct pid_entry *find(const struct pid_map *m, pid_t pid)
{
        if (m->cap == 0 || pid <= 0)
                return NULL;
        for (size_t i = home(m, pid), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
                if (m->e[i].pid == pid)
                        return &m->e[i];
                if (m->e[i].pid == FREE)
                        return NULL;
        }
        return NULL;
}

static void insert(struct pid_map *m, const struct pid_entry *x)
{
        size_t i = home(m, x->pid);

        while (m->e[i].pid != FREE && m->e[i].pid != DEAD)
                i = (i + 1) & (m->cap - 1);
        if (m->e[i].pid == DEAD)
                m->dead--;
        m->e[i] = *x;
        m->used++;
}

/* Keeps the table at most half full, counting deleted entries. */
static int grow(struct pid_map *m)
{
        struct pid_entry *old = m->e;
        size_t old_cap = m->cap, cap = m->cap ? m->cap : 64;

        while ((m->used + 1) * 2 > cap)
                cap *= 2;
        m->e = calloc(cap, sizeof(*m->e));
        if (!m->e) {
                m->e = old;
                return -ENOMEM;
        }
        m->cap = cap;
        m->used = 0;
        m->dead = 0;
        for (size_t i = 0; i < old_cap; i++)
                if (old[i].pid > 0)
                        insert(m, &old[i]);
        free(old);
        return 0;
}

int pid_map_put(struct pid_map *m, pid_t pid, pid_t ppid, uint32_t slot)
{
        struct pid_entry *e = find(m, pid), x = { .pid = pid, .ppid = ppid, .slot = slot };
        int r;

        if (pid <= 0)
                return -EINVAL;
        if (e) {
                *e = x;
                return 0;
        }
        if (m->used >= PID_MAP_MAX)
                return -ENOSPC;
        if ((m->used + m->dead + 1) * 2 > m->cap) {
                r = grow(m);
                if (r < 0)
                        return r;
        }
        insert(m, &x);
        return 0;
}

const struct pid_entry *pid_map_get(const struct pid_map *m, pid_t pid)
{
        return find(m, pid);
}

bool pid_map_del(struct pid_map *m, pid_t pid, struct pid_entry *out)
{
        struct pid_entry *e = find(m, pid);

        if (!e)
                return false;
        if (out)
                *out = *e;
        e->pid = DEAD;
        m->used--;
        m->dead++;
        return true;
}

void pid_map_del_slot(struct pid_map *m, uint32_t slot)
{
        for (size_t i = 0; i < m->cap; i++)
                if (m->e[i].pid > 0 && m->e[i].slot == slot) {
                        m->e[i].pid = DEAD;
                        m->used--;
                        m->dead++;
                }
}

void pid_map_free(struct pid_map *m)
{
        free(m->e);
        memset(m, 0, sizeof(*m));
}
