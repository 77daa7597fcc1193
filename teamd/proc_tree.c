/* SPDX-License-Identifier: BSD-3-Clause */
/* Process trees from /proc; see proc_tree.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parse.h"
#include "proc_stat.h"
#include "proc_tree.h"

struct proc_entry {
        pid_t pid;
        struct proc_stat st;
};

/* Every process of proc_root, at most PROC_TREE_MAX * 4. */
static int snapshot(const char *proc_root, struct proc_entry **out, size_t *n)
{
        DIR *dir = opendir(proc_root);
        struct proc_entry *v = NULL;
        size_t cap = 0, len = 0;
        struct dirent *de;
        uint64_t pid;
        char state;

        if (!dir)
                return -errno;
        while ((de = readdir(dir)) && len < PROC_TREE_MAX * 4) {
                struct proc_stat st;
                if (parse_uint(de->d_name, 1, INT32_MAX, &pid) < 0)
                        continue;
                if (proc_stat_read_state(proc_root, (pid_t)pid, &state, &st) < 0 || state == 'Z')
                        continue;
                if (len == cap) {
                        size_t ncap = cap ? cap * 2 : 256;
                        struct proc_entry *nv = reallocarray(v, ncap, sizeof(*v));
                        if (!nv) {
                                free(v);
                                closedir(dir);
                                return -ENOMEM;
                        }
                        v = nv;
                        cap = ncap;
                }
                v[len++] = (struct proc_entry){ .pid = (pid_t)pid, .st = st };
        }
        closedir(dir);
        *out = v;
        *n = len;
        return 0;
}

static bool in_tree(const struct proc_entry *all, size_t n, const bool *mark, pid_t pid)
{
        for (size_t i = 0; i < n; i++)
                if (all[i].pid == pid)
                        return mark[i];
        return false;
}

/* Marks the leader, its session, then grows the set by parent links until
 * nothing changes (each pass adds at least one process, so at most n). */
static void mark_tree(const struct proc_entry *all, size_t n, pid_t leader, pid_t sid, bool *mark)
{
        bool grew = true;

        for (size_t i = 0; i < n; i++)
                mark[i] = all[i].pid == leader || (sid > 1 && all[i].st.sid == sid);
        while (grew) {
                grew = false;
                for (size_t i = 0; i < n; i++)
                        if (!mark[i] && all[i].st.ppid > 1 && in_tree(all, n, mark, all[i].st.ppid)) {
                                mark[i] = true;
                                grew = true;
                        }
        }
}

int proc_tree_collect(const char *proc_root, pid_t leader, uint64_t leader_start, struct proc_ref **out,
                      size_t *n)
{
        struct proc_entry *all = NULL;
        struct proc_stat lst;
        struct proc_ref *refs = NULL;
        size_t n_all = 0, k = 0;
        bool *mark = NULL;
        int r;

        *out = NULL;
        *n = 0;
        if (leader <= 1)
                return -EPERM;
        r = proc_stat_read(proc_root, leader, &lst);
        if (r < 0)
                return r;
        if (lst.start != leader_start)
                return -ESRCH;
        r = snapshot(proc_root, &all, &n_all);
        if (r < 0)
                return r;
        mark = calloc(n_all ? n_all : 1, sizeof(*mark));
        refs = calloc(n_all ? n_all : 1, sizeof(*refs));
        if (!mark || !refs) {
                r = -ENOMEM;
                goto out;
        }
        /* The leader's session is its own only when it leads one: sudo runs
         * in the invoking shell's session, which must not be swept along. */
        mark_tree(all, n_all, leader, lst.sid == leader ? leader : 0, mark);
        for (size_t i = 0; i < n_all && k < PROC_TREE_MAX; i++)
                if (mark[i] && all[i].pid > 1 && all[i].pid != getpid())
                        refs[k++] = (struct proc_ref){ .pid = all[i].pid, .start = all[i].st.start };
        *out = refs;
        *n = k;
        refs = NULL;
out:
        free(refs);
        free(mark);
        free(all);
        return r;
}

/* pidfd_checked(): no pidfds here (Linux < 5.3, valgrind), the start time
 * matched just now; kill() then has a window of microseconds, not the
 * pidfd's none. */
#define NO_PIDFD INT_MAX

static bool start_matches(const struct proc_ref *p)
{
        struct proc_stat st;
        char state;

        return proc_stat_read_state("/proc", p->pid, &state, &st) == 0 && st.start == p->start && state != 'Z';
}

static int pidfd_checked(const struct proc_ref *p)
{
        struct proc_stat st;
        char state;
        int fd, r;

        if (p->pid <= 1 || p->pid == getpid())
                return -EPERM;
        fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
        if (fd < 0 && errno == ENOSYS)
                return start_matches(p) ? NO_PIDFD : -ESRCH;
        if (fd < 0)
                return errno == ESRCH ? -ESRCH : -errno;
        /* The pidfd pins this process: once its start time matches, a
         * signal through it cannot reach a later holder of the pid. */
        r = proc_stat_read_state("/proc", p->pid, &state, &st);
        if (r < 0 || st.start != p->start || state == 'Z') {
                close(fd);
                return r < 0 && r != -ESRCH ? r : -ESRCH;
        }
        return fd;
}

int proc_signal(const struct proc_ref *p, int sig)
{
        int fd = pidfd_checked(p), r = 0;

        if (fd < 0)
                return fd;
        if (fd == NO_PIDFD)
                return kill(p->pid, sig) < 0 ? -errno : 0;
        if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
                r = -errno;
        close(fd);
        return r;
}

int proc_alive(const struct proc_ref *p)
{
        int fd = pidfd_checked(p);

        if (fd < 0)
                return 0;
        if (fd != NO_PIDFD)
                close(fd);
        return 1;
}
