/* SPDX-License-Identifier: BSD-3-Clause */
/* Ending one session; see session_end.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "audit/journal.h"
#include "session_end.h"
#include "session_hold.h"

struct session_ending {
        struct session_ending *next;
        struct session_ending **list;
        struct teamd *d;
        struct session_row row;
        char *reason;
        struct session_hold hold;
        struct proc_ref *procs;
        size_t n_procs;
        uint64_t began, kill_at, give_up_at; /* CLOCK_MONOTONIC usec */
        bool killed;
        sd_event_source *timer;
};

static uint64_t mono_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static void ending_free(struct session_ending *e)
{
        if (!e)
                return;
        sd_event_source_disable_unref(e->timer);
        session_hold_clear(&e->hold);
        session_row_clear(&e->row);
        free(e->procs);
        free(e->reason);
        free(e);
}

static void unlink_ending(struct session_ending *e)
{
        for (struct session_ending **p = e->list; *p; p = &(*p)->next)
                if (*p == e) {
                        *p = e->next;
                        break;
                }
}

static void finish(struct session_ending *e, size_t remaining)
{
        struct teamd *d = e->d;
        struct team_audit_event f = {
                .user = e->row.user, .role = e->row.role, .host = d->cfg.host_id, .grant_id = e->row.grant_id,
                .service = e->row.service, .tty = e->row.tty, .rhost = e->row.rhost, .peer_pid = e->row.pid,
                .reason = e->reason, .session_id = e->row.id,
        };
        int64_t now = teamd_now();
        double took = (double)(mono_usec() - e->began) / 1e6;
        int r;

        teamd_audit_begin(d);
        r = db_session_end(d->store, e->row.id, now, e->reason);
        /* The PAM caller may have closed it itself on SIGTERM. */
        if (r == -ENOENT)
                r = 0;
        if (r == 0 && remaining == 0)
                team_journal_event(TEAM_EVENT_SESSION_TERMINATED, &f,
                                   "%s session %s of %s ended (%s) through its %s: %zu processes, %.3f s after"
                                   " teamd began, %lld s %s the %s",
                                   e->row.role, e->row.id, e->row.user, e->reason, session_hold_name(e->hold.kind),
                                   e->n_procs, took, (long long)llabs(now - e->row.exp),
                                   now >= e->row.exp ? "after" : "before",
                                   e->row.breakglass_id ? "break-glass window's end" : "grant's exp");
        else if (r == 0)
                team_journal_event(TEAM_EVENT_SESSION_END_FAILED, &f,
                                   "%s session %s of %s NOT ended completely (%s) through its %s: %zu of %zu processes"
                                   " still run %.3f s after teamd began",
                                   e->row.role, e->row.id, e->row.user, e->reason, session_hold_name(e->hold.kind),
                                   remaining, e->n_procs, took);
        if (teamd_audit_end(d, r) < 0)
                teamd_log(LOG_ERR, "session %s: cannot record its end", e->row.id);
        session_hold_release(&e->hold);
        unlink_ending(e);
        ending_free(e);
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct session_ending *e = userdata;
        uint64_t now = mono_usec();
        size_t remaining = session_hold_remaining(&e->hold, e->procs, e->n_procs);

        if (remaining == 0 || (e->killed && now >= e->give_up_at)) {
                finish(e, remaining);
                return 0;
        }
        if (!e->killed && now >= e->kill_at) {
                int r = session_hold_kill(&e->hold, e->procs, e->n_procs);
                if (r < 0)
                        teamd_log(LOG_ERR, "session %s: SIGKILL: %s", e->row.id, strerror(-r));
                e->killed = true;
                e->give_up_at = now + SESSION_END_GIVE_UP_USEC;
        }
        sd_event_source_set_time(s, now + SESSION_END_POLL_USEC);
        sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

int session_row_hold(const struct session_row *row, struct session_hold *h)
{
        *h = (struct session_hold){
                .kind = session_hold_from_name(row->hold), .leader = row->pid, .leader_start = row->leader_start,
        };
        if ((row->unit && !(h->unit = strdup(row->unit))) || (row->cgroup && !(h->cgroup = strdup(row->cgroup))) ||
            (row->logind_session && !(h->logind = strdup(row->logind_session)))) {
                session_hold_clear(h);
                return -ENOMEM;
        }
        /* A row from before sessions were held, or one whose leader was
         * not known: the tree, if its leader is still the same process. */
        if (h->kind == SESSION_HOLD_NONE && h->leader > 1 && h->leader_start > 0)
                h->kind = SESSION_HOLD_TREE;
        return 0;
}

int session_end_begin(struct teamd *d, struct session_ending **list, const struct session_row *row,
                      const char *reason)
{
        struct session_ending *e = calloc(1, sizeof(*e));
        int r;

        if (!e)
                return -ENOMEM;
        e->d = d;
        e->list = list;
        e->began = mono_usec();
        e->kill_at = e->began + d->cfg.session_grace * 1000000ULL;
        e->reason = strdup(reason);
        r = e->reason ? db_session_get(d->store, row->id, &e->row) : -ENOMEM;
        if (r == 0)
                r = session_row_hold(&e->row, &e->hold);
        if (r < 0)
                goto fail;
        r = session_hold_procs(&e->hold, &e->procs, &e->n_procs);
        /* -ESRCH: the leader is gone or its pid belongs to another process
         * now; nothing of the session is signalled. */
        if (r < 0 && r != -ESRCH)
                teamd_log(LOG_ERR, "session %s: cannot list its processes: %s", e->row.id, strerror(-r));
        r = session_hold_terminate(&e->hold, e->procs, e->n_procs);
        if (r < 0)
                teamd_log(LOG_ERR, "session %s: cannot signal it through its %s: %s", e->row.id,
                          session_hold_name(e->hold.kind), strerror(-r));
        r = sd_event_add_time(d->event, &e->timer, CLOCK_MONOTONIC, mono_usec() + SESSION_END_POLL_USEC / 5, 1000,
                              on_poll, e);
        if (r < 0)
                goto fail;
        e->next = *list;
        *list = e;
        return 0;
fail:
        teamd_log(LOG_ERR, "session %s: cannot end it: %s", row->id, strerror(-r));
        ending_free(e);
        return r;
}

bool session_end_find(const struct session_ending *list, const char *id)
{
        for (; list; list = list->next)
                if (id && strcmp(list->row.id, id) == 0)
                        return true;
        return false;
}

void session_end_free_all(struct session_ending **list)
{
        while (*list) {
                struct session_ending *e = *list;
                *list = e->next;
                ending_free(e);
        }
}
