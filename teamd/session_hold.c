/* SPDX-License-Identifier: BSD-3-Clause */
/* Holding and ending a session's processes; see session_hold.h. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session_cgroup.h"
#include "session_hold.h"
#include "session_systemd.h"

static const char *const names[] = {
        [SESSION_HOLD_NONE] = "none",     [SESSION_HOLD_TREE] = "tree",     [SESSION_HOLD_CGROUP] = "cgroup",
        [SESSION_HOLD_SCOPE] = "scope",   [SESSION_HOLD_LOGIND] = "logind",
};

const char *session_hold_name(enum session_hold_kind k)
{
        return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "none";
}

enum session_hold_kind session_hold_from_name(const char *name)
{
        for (unsigned i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(names[i], name) == 0)
                        return (enum session_hold_kind)i;
        return SESSION_HOLD_NONE;
}

/* The cgroup v2 directory pid is in now (for a logind session's scope). */
static char *cgroup_of(pid_t pid)
{
        char path[64], line[4096], *out = NULL;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return NULL;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "0::/", 4) == 0) {
                        line[strcspn(line, "\n")] = '\0';
                        if (!strstr(line, "/..") && asprintf(&out, "/sys/fs/cgroup%s", line + 3) < 0)
                                out = NULL;
                        break;
                }
        fclose(f);
        return out;
}

static int attach_systemd(const char *session_id, pid_t pid, struct session_hold *h, char *why, size_t whylen)
{
        int leads = 0, r;

        if (session_logind_of(pid, &h->logind, &leads) == 0 && leads) {
                h->kind = SESSION_HOLD_LOGIND;
                h->cgroup = cgroup_of(pid);
                snprintf(why, whylen, "held as logind session %s", h->logind);
                return 0;
        }
        r = session_scope_attach(session_id, pid, &h->unit, &h->cgroup);
        if (r < 0) {
                snprintf(why, whylen, "cannot make a scope for it (%s)", strerror(-r));
                return r;
        }
        h->kind = SESSION_HOLD_SCOPE;
        snprintf(why, whylen, "held in %s", h->unit);
        return 0;
}

void session_hold_attach(const char *mode, const char *session_id, pid_t pid, struct session_hold *h, char *why,
                         size_t whylen)
{
        bool any = !mode || strcmp(mode, "auto") == 0;
        struct proc_stat st;
        char first[160] = "";
        int r;

        memset(h, 0, sizeof(*h));
        h->leader = pid;
        if (pid <= 1 || pid == getpid()) {
                snprintf(why, whylen, "not held: its leader would be pid %d", (int)pid);
                return;
        }
        r = proc_stat_read("/proc", pid, &st);
        if (r < 0) {
                snprintf(why, whylen, "not held: its leader pid %d is gone (%s)", (int)pid, strerror(-r));
                return;
        }
        h->leader_start = st.start;
        if ((any && session_systemd_available()) || (mode && strcmp(mode, "scope") == 0)) {
                if (attach_systemd(session_id, pid, h, why, whylen) == 0)
                        return;
                snprintf(first, sizeof(first), "%s; ", why);
        }
        if (any || strcmp(mode, "cgroup") == 0) {
                r = session_cgroup_attach(session_id, pid, &h->cgroup);
                if (r == 0) {
                        h->kind = SESSION_HOLD_CGROUP;
                        snprintf(why, whylen, "%sheld in cgroup %s", first, h->cgroup);
                        return;
                }
                if (r != -EOPNOTSUPP)
                        snprintf(first, sizeof(first), "cannot make its cgroup (%s); ", strerror(-r));
        }
        h->kind = SESSION_HOLD_TREE;
        snprintf(why, whylen, "%sheld as the process tree of pid %d", first, (int)pid);
}

/* The processes of the leader's tree that are not in the hold's cgroup
 * yet, each checked again (pid + start time) just before it is named. */
static int outside(const struct session_hold *h, pid_t **pids, size_t *k)
{
        struct proc_ref *tree = NULL, *held = NULL;
        size_t n_tree = 0, n_held = 0;
        int r;

        *pids = NULL;
        *k = 0;
        r = proc_tree_collect("/proc", h->leader, h->leader_start, &tree, &n_tree);
        if (r == 0)
                r = session_cgroup_procs(h->cgroup, &held, &n_held);
        if (r == 0 && !(*pids = calloc(n_tree ? n_tree : 1, sizeof(**pids))))
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < n_tree; i++) {
                bool in = false;

                for (size_t j = 0; j < n_held && !in; j++)
                        in = held[j].pid == tree[i].pid;
                if (!in && proc_alive(&tree[i]) == 1)
                        (*pids)[(*k)++] = tree[i].pid;
        }
        free(tree);
        free(held);
        return r;
}

int session_hold_gather(const struct session_hold *h, size_t *moved)
{
        int r = 0;

        *moved = 0;
        if ((h->kind != SESSION_HOLD_CGROUP && h->kind != SESSION_HOLD_SCOPE) || !h->cgroup)
                return 0;
        /* Twice: a child forked while the first pass ran was born where its
         * parent still was. */
        for (int pass = 0; pass < 2 && r == 0; pass++) {
                pid_t *pids = NULL;
                size_t k = 0;

                r = outside(h, &pids, &k);
                if (r == 0 && k > 0 && h->kind == SESSION_HOLD_SCOPE)
                        r = session_scope_add(h->unit, pids, k);
                for (size_t i = 0; r == 0 && h->kind == SESSION_HOLD_CGROUP && i < k; i++) {
                        r = session_cgroup_add(h->cgroup, pids[i]);
                        if (r == -ESRCH)
                                r = 0; /* exited meanwhile */
                }
                if (r == 0)
                        *moved += k;
                free(pids);
        }
        return r;
}

int session_hold_procs(const struct session_hold *h, struct proc_ref **out, size_t *n)
{
        *out = NULL;
        *n = 0;
        switch (h->kind) {
        case SESSION_HOLD_TREE:
                return proc_tree_collect("/proc", h->leader, h->leader_start, out, n);
        case SESSION_HOLD_CGROUP:
        case SESSION_HOLD_SCOPE:
        case SESSION_HOLD_LOGIND:
                return h->cgroup ? session_cgroup_procs(h->cgroup, out, n) : 0;
        default:
                return 0;
        }
}

static int signal_each(const struct proc_ref *procs, size_t n, int sig)
{
        int r = 0;

        for (size_t i = 0; i < n; i++) {
                int q = proc_signal(&procs[i], sig);
                if (q < 0 && q != -ESRCH && r == 0)
                        r = q;
        }
        return r;
}

int session_hold_terminate(const struct session_hold *h, const struct proc_ref *procs, size_t n)
{
        int r;

        switch (h->kind) {
        case SESSION_HOLD_SCOPE:
                r = session_scope_kill(h->unit, SIGHUP);
                return r < 0 ? r : session_scope_kill(h->unit, SIGTERM);
        case SESSION_HOLD_LOGIND:
                return session_logind_terminate(h->logind);
        case SESSION_HOLD_TREE:
        case SESSION_HOLD_CGROUP:
                r = signal_each(procs, n, SIGHUP);
                return r < 0 ? r : signal_each(procs, n, SIGTERM);
        default:
                return 0;
        }
}

int session_hold_kill(const struct session_hold *h, const struct proc_ref *procs, size_t n)
{
        switch (h->kind) {
        case SESSION_HOLD_SCOPE:
                return session_scope_kill(h->unit, SIGKILL);
        case SESSION_HOLD_CGROUP:
                if (session_cgroup_check_path(h->cgroup) < 0)
                        return signal_each(procs, n, SIGKILL);
                return session_cgroup_kill(h->cgroup);
        case SESSION_HOLD_LOGIND:
                if (h->cgroup && session_cgroup_check_path(h->cgroup) == 0)
                        return session_cgroup_kill(h->cgroup);
                return signal_each(procs, n, SIGKILL);
        case SESSION_HOLD_TREE:
                return signal_each(procs, n, SIGKILL);
        default:
                return 0;
        }
}

size_t session_hold_remaining(const struct session_hold *h, const struct proc_ref *procs, size_t n)
{
        struct proc_ref *now = NULL;
        size_t k = 0;

        if (h->kind == SESSION_HOLD_TREE || !h->cgroup) {
                for (size_t i = 0; i < n; i++)
                        k += (size_t)proc_alive(&procs[i]);
                return k;
        }
        /* A cgroup that is gone holds nothing. */
        if (session_cgroup_procs(h->cgroup, &now, &k) < 0)
                k = 0;
        free(now);
        return k;
}

void session_hold_clear(struct session_hold *h)
{
        if (!h)
                return;
        free(h->unit);
        free(h->cgroup);
        free(h->logind);
        memset(h, 0, sizeof(*h));
}

void session_hold_release(struct session_hold *h)
{
        if (h && h->kind == SESSION_HOLD_CGROUP && h->cgroup && session_cgroup_check_path(h->cgroup) == 0)
                (void)session_cgroup_remove(h->cgroup);
        session_hold_clear(h);
}
