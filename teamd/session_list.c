/* SPDX-License-Identifier: BSD-3-Clause */
/* The open elevated sessions for teamctl: `teamctl sessions` (root),
 * `teamctl session end ID` (root), and the caller's own in `teamctl
 * status`. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dispatch.h"
#include "audit/journal.h"
#include "session_list.h"
#include "session_watch.h"

/* Strings move from the row to the summary. */
static void summary_take(struct team_session_summary *s, struct session_row *row)
{
        s->id = row->id;
        s->user = row->user;
        s->role = row->role;
        s->grant_id = row->grant_id;
        s->breakglass_id = row->breakglass_id;
        s->tty = row->tty;
        s->hold = row->hold;
        row->id = row->user = row->role = row->grant_id = row->breakglass_id = row->tty = row->hold = NULL;
        s->opened = row->opened_at;
        s->exp = row->exp;
}

/* JSON escaping at most doubles a string; the rest is well under 128. */
static size_t summary_cost(const struct session_row *r)
{
        size_t len = strlen(r->id) + strlen(r->user) + strlen(r->role);

        len += (r->grant_id ? strlen(r->grant_id) : 0) + (r->breakglass_id ? strlen(r->breakglass_id) : 0);
        len += (r->tty ? strlen(r->tty) : 0) + (r->hold ? strlen(r->hold) : 0);
        return 2 * len + 128;
}

int teamd_fill_sessions(struct teamd *d, const char *user, size_t budget, struct team_response *resp)
{
        struct session_row *rows = NULL;
        size_t n = 0, used = 0;
        int r;

        r = db_session_list_open(d->store, user, TEAM_MAX_LIST_SESSIONS, &rows, &n);
        if (r < 0)
                return r;
        resp->sessions = calloc(n ? n : 1, sizeof(*resp->sessions));
        if (!resp->sessions) {
                session_rows_free(rows, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                used += summary_cost(&rows[i]);
                if (used > budget)
                        break;
                summary_take(&resp->sessions[resp->n_sessions++], &rows[i]);
        }
        session_rows_free(rows, n);
        return 0;
}

int teamd_handle_sessions(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                          struct team_response *resp)
{
        uint64_t total = 0;
        int r;

        (void)peer;
        (void)req;
        r = db_session_count_open(d->store, &total);
        if (r == 0)
                r = teamd_fill_sessions(d, NULL, TEAM_PROTO_MAX_FRAME - 4096, resp);
        if (r < 0)
                return r;
        resp->sessions_total = (int64_t)total;
        resp->ok = true;
        return 0;
}

int teamd_handle_session_end(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                             struct team_response *resp)
{
        char reason[128];
        int r;

        snprintf(reason, sizeof(reason), "ended with teamctl session end (uid %lu, pid %ld)",
                 (unsigned long)peer->uid, (long)peer->pid);
        r = session_watch_end_now(d, req->session_id, reason);
        if (r == -ENOENT)
                return teamd_response_error(resp, "session %s is not open", req->session_id);
        if (r == -EALREADY)
                return teamd_response_error(resp, "session %s is being ended already", req->session_id);
        if (r < 0)
                return r;
        teamd_log(LOG_NOTICE, "session %s: %s", req->session_id, reason);
        resp->ok = true;
        resp->session_id = strdup(req->session_id);
        return resp->session_id ? 0 : -ENOMEM;
}
