/* SPDX-License-Identifier: BSD-3-Clause */
/* The check op: may PAM_USER use ROLE on this host now? */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conn.h"
#include "exempt.h"
#include "audit/journal.h"
#include "parse.h"

int teamd_evaluate(struct teamd *d, const struct team_request *req, struct evaluation *ev)
{
        struct decide_input in;
        int64_t now = teamd_now();
        bool revoked = false;
        int r;

        memset(ev, 0, sizeof(*ev));
        if (!req->user || !req->user[0] || !req->role || !is_valid_token_name(req->role, TEAM_MAX_ROLE))
                return -EINVAL;
        r = db_grant_find(d->store, req->user, req->role, now, &ev->rows, &ev->n_rows);
        /* Only fail-open needs to know about revocations. */
        if (r == 0 && req->failmode_safe)
                r = db_tombstone_for(d->store, req->user, req->role, now, &revoked);
        if (r < 0) {
                evaluation_clear(ev);
                return r;
        }
        in = (struct decide_input){
                .user = req->user,
                .role = req->role,
                .host_id = d->cfg.host_id,
                .host_groups = d->host_groups,
                .n_host_groups = d->n_host_groups,
                .now = now,
                .clock_skew = (int64_t)d->cfg.clock_skew,
                .failmode_safe = req->failmode_safe,
                .api_state = d->api_state,
                .api_since = d->api_since,
                .fail_open_after = (int64_t)d->cfg.fail_open_after,
                .revoked = revoked,
                .rows = ev->rows,
                .n_rows = ev->n_rows,
                .exempt = teamd_is_exempt(&d->cfg, req->user),
        };
        decide(&in, &ev->result);
        return 0;
}

void evaluation_clear(struct evaluation *ev)
{
        grant_rows_free(ev->rows, ev->n_rows);
        memset(ev, 0, sizeof(*ev));
}

void teamd_event_fields(const struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                        const struct decide_result *res, struct team_audit_event *f)
{
        memset(f, 0, sizeof(*f));
        f->user = req->user;
        f->role = req->role;
        f->host = d->cfg.host_id;
        f->service = req->service;
        f->tty = req->tty;
        f->rhost = req->rhost;
        f->peer_pid = peer ? peer->pid : 0;
        if (res) {
                f->decision = res->decision == TEAM_DECISION_ALLOW ? "allow" : "deny";
                f->reason = res->reason;
                if (res->grant) {
                        f->grant_id = res->grant->id;
                        f->request_id = res->grant->req;
                }
        }
}

/* A decision whose answer never reached the client is a refusal (the
 * module fails closed): the decision's own event was written before the
 * answer (so that no answered decision lacks one, even if teamd dies),
 * and this one says what the client actually got. */
static void event_not_delivered(const struct team_audit_event *f, const struct decide_result *res)
{
        struct team_audit_event g = *f;
        char reason[TEAM_MAX_REASON + 128];

        snprintf(reason, sizeof(reason), "%s%s; the answer was not delivered (the client had gone), so it was refused",
                 res->decision == TEAM_DECISION_ALLOW ? "the decision was allow: " : "", res->reason);
        g.decision = "deny";
        g.reason = reason;
        team_journal_event(TEAM_EVENT_ELEVATION_DENIED, &g, "%s: %s denied %s: %s", f->service ? f->service : "?",
                           f->user, f->role, reason);
}

void teamd_event_decision(const struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                          const struct decide_result *res)
{
        struct team_audit_event f;
        const char *svc = req->service ? req->service : "?";

        teamd_event_fields(d, peer, req, res, &f);
        if (res->exempt)
                team_journal_event(TEAM_EVENT_EXEMPT_PASS, &f, "%s: %s passed the %s gate without a grant (exempt)",
                                   svc, req->user, req->role);
        else if (res->fail_open)
                team_journal_event(TEAM_EVENT_FAIL_OPEN, &f, "%s: %s allowed %s without a grant (fail-open: API unreachable)",
                                   svc, req->user, req->role);
        else if (res->decision == TEAM_DECISION_ALLOW)
                team_journal_event(TEAM_EVENT_ELEVATION_ALLOWED, &f, "%s: %s allowed %s by grant %s", svc, req->user,
                                   req->role, res->grant ? res->grant->id : "?");
        else
                team_journal_event(TEAM_EVENT_ELEVATION_DENIED, &f, "%s: %s denied %s: %s", svc, req->user, req->role,
                                   res->reason);
}

/* A check's decision, kept until the connection says whether the client
 * got the answer (teamd_conn_on_delivery): its fields are copies, the
 * request and the store rows are gone by then. */
struct decision_record {
        struct team_audit_event f;
        struct decide_result res;
        char *strings[7];       /* what f points to */
};

static void decision_record_free(struct decision_record *rec)
{
        for (size_t i = 0; i < sizeof(rec->strings) / sizeof(rec->strings[0]); i++)
                free(rec->strings[i]);
        free(rec);
}

static void on_delivery(bool delivered, void *ud)
{
        struct decision_record *rec = ud;

        if (!delivered)
                event_not_delivered(&rec->f, &rec->res);
        decision_record_free(rec);
}

/* Copies *field into rec->strings[i] and points *field at the copy. */
static int keep(struct decision_record *rec, size_t i, const char **field)
{
        if (!*field)
                return 0;
        rec->strings[i] = strdup(*field);
        *field = rec->strings[i];
        return rec->strings[i] ? 0 : -ENOMEM;
}

static int decision_record_new(const struct teamd *d, const struct teamd_peer *peer,
                               const struct team_request *req, const struct decide_result *res,
                               struct decision_record **out)
{
        struct decision_record *rec = calloc(1, sizeof(*rec));
        int r = 0;

        *out = NULL;
        if (!rec)
                return -ENOMEM;
        rec->res = *res;
        rec->res.grant = NULL;
        teamd_event_fields(d, peer, req, &rec->res, &rec->f);
        rec->f.reason = rec->res.reason;
        rec->f.grant_id = res->grant ? res->grant->id : NULL;
        rec->f.request_id = res->grant ? res->grant->req : NULL;
        /* host stays d->cfg.host_id: it lives as long as teamd. */
        r = r ?: keep(rec, 0, &rec->f.user);
        r = r ?: keep(rec, 1, &rec->f.role);
        r = r ?: keep(rec, 2, &rec->f.service);
        r = r ?: keep(rec, 3, &rec->f.tty);
        r = r ?: keep(rec, 4, &rec->f.rhost);
        r = r ?: keep(rec, 5, &rec->f.grant_id);
        r = r ?: keep(rec, 6, &rec->f.request_id);
        if (r < 0) {
                decision_record_free(rec);
                return r;
        }
        *out = rec;
        return 0;
}

int teamd_response_decision(const struct decide_result *res, struct team_response *resp)
{
        resp->ok = true;
        resp->decision = res->decision;
        resp->fail_open = res->fail_open;
        if (res->decision != TEAM_DECISION_ALLOW)
                return teamd_response_deny(resp, "%s", res->reason);
        if (res->grant) {
                resp->grant_id = strdup(res->grant->id);
                if (!resp->grant_id)
                        return -ENOMEM;
                resp->expires = res->grant->exp;
        } else if (res->exempt) {
                /* An allow names what allows it: the exemption. */
                resp->grant_id = strdup(TEAMD_EXEMPT_GRANT_ID);
                if (!resp->grant_id)
                        return -ENOMEM;
        }
        return 0;
}

int teamd_handle_check(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                       struct team_response *resp)
{
        struct decision_record *rec = NULL;
        struct evaluation ev;
        int r;

        r = teamd_evaluate(d, req, &ev);
        if (r == -EINVAL)
                return teamd_response_deny(resp, "malformed check request (user and a valid role are required)");
        if (r < 0)
                return r;
        teamd_event_decision(d, peer, req, &ev.result);
        r = teamd_response_decision(&ev.result, resp);
        if (r == 0 && peer && peer->conn)
                r = decision_record_new(d, peer, req, &ev.result, &rec);
        if (r == 0 && rec)
                teamd_conn_on_delivery(peer->conn, on_delivery, rec);
        evaluation_clear(&ev);
        return r;
}
