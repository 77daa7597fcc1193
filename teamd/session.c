/* SPDX-License-Identifier: BSD-3-Clause */
/* session_open / session_close: the PAM session phase. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "check.h"
#include "audit/journal.h"
#include "session_exec.h"
#include "session_watch.h"

/* A session opens only under the same decision a check would give now; it
 * is recorded with the grant it runs under. */
int teamd_handle_session_open(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                              struct team_response *resp)
{
        struct team_audit_event f;
        struct session_info info;
        struct evaluation ev;
        char *id = NULL;
        int r;

        r = teamd_evaluate(d, req, &ev);
        if (r == -EINVAL)
                return teamd_response_deny(resp, "malformed session_open request (user and a valid role are required)");
        if (r < 0)
                return r;
        if (ev.result.decision != TEAM_DECISION_ALLOW) {
                teamd_event_decision(d, peer, req, &ev.result);
                r = teamd_response_decision(&ev.result, resp);
                goto out;
        }
        info = (struct session_info){
                .grant_id = ev.result.grant ? ev.result.grant->id : NULL,
                .user = req->user,
                .role = req->role,
                .service = req->service,
                .tty = req->tty,
                .rhost = req->rhost,
                .pid = peer->pid,
        };
        /* The session row and its SessionOpened event commit together,
         * before the answer, without waiting for an fsync: a kill of teamd
         * loses neither; a power cut before the next synced commit (a
         * second at most) could, but it ends the session too, so no
         * session outlives its record. Two fsyncs would be most of what
         * sudo's session phase costs. */
        teamd_audit_begin_unsynced(d);
        r = db_session_open(d->store, &info, teamd_now(), &id);
        if (r == 0) {
                teamd_event_fields(d, peer, req, &ev.result, &f);
                f.session_id = id;
                team_journal_event(TEAM_EVENT_SESSION_OPENED, &f, "%s: %s session %s opened for %s under %s",
                                   req->service ? req->service : "?", req->role, id, req->user,
                                   info.grant_id ? info.grant_id : ev.result.fail_open ? "fail-open" : "an exemption");
        }
        r = teamd_audit_end(d, r);
        if (r < 0)
                goto out;
        /* Held before the answer: the caller forks the elevated command
         * only after session open returns, so every child is born held. */
        session_watch_opened(d, id, peer->pid, ev.result.grant ? ev.result.grant->exp : 0);
        session_exec_track_leader(d, id, ev.result.grant ? ev.result.grant->req : NULL, &info);
        r = teamd_response_decision(&ev.result, resp);
        if (r == 0) {
                resp->session_id = id;
                id = NULL;
        }
out:
        free(id);
        evaluation_clear(&ev);
        return r;
}

int teamd_handle_session_close(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                               struct team_response *resp)
{
        struct team_audit_event f = { .peer_pid = peer->pid };
        struct session_row row = { .id = NULL };
        int r;

        if (!req->session_id)
                return teamd_response_error(resp, "session_close needs the session_id from session_open");
        /* No fsync before the answer, as at open. */
        teamd_audit_begin_unsynced(d);
        r = db_session_close(d->store, req->session_id, teamd_now(), &row);
        if (r == 0) {
                f.user = row.user;
                f.role = row.role;
                f.host = d->cfg.host_id;
                f.grant_id = row.grant_id;
                f.service = row.service;
                f.tty = row.tty;
                f.rhost = row.rhost;
                f.session_id = row.id;
                team_journal_event(TEAM_EVENT_SESSION_CLOSED, &f, "%s: %s session %s closed for %s after %llds",
                                   row.service ? row.service : "?", row.role, row.id, row.user,
                                   (long long)(row.closed_at - row.opened_at));
        }
        r = teamd_audit_end(d, r);
        if (r == -ENOENT || r == -EALREADY) {
                r = teamd_response_error(resp, "session %s is %s", req->session_id,
                                         r == -ENOENT ? "unknown" : "already closed");
                goto out;
        }
        if (r < 0)
                goto out;
        resp->ok = true;
out:
        session_row_clear(&row);
        return r;
}
