/* The check op: may PAM_USER use ROLE on this host now? */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exempt.h"
#include "journal.h"
#include "parse.h"

int teamd_evaluate(struct teamd *d, const struct team_request *req, struct evaluation *ev)
{
        struct decide_input in;
        int64_t now = teamd_now();
        int r;

        memset(ev, 0, sizeof(*ev));
        if (!req->user || !req->user[0] || !req->role || !is_valid_token_name(req->role, TEAM_MAX_ROLE))
                return -EINVAL;
        r = grant_store_find(d->store, req->user, req->role, now, &ev->rows, &ev->n_rows);
        if (r < 0)
                return r;
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
                        const struct decide_result *res, struct team_event_fields *f)
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

void teamd_event_decision(const struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                          const struct decide_result *res)
{
        struct team_event_fields f;
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
        struct evaluation ev;
        int r;

        r = teamd_evaluate(d, req, &ev);
        if (r == -EINVAL)
                return teamd_response_deny(resp, "malformed check request (user and a valid role are required)");
        if (r < 0)
                return r;
        teamd_event_decision(d, peer, req, &ev.result);
        r = teamd_response_decision(&ev.result, resp);
        evaluation_clear(&ev);
        return r;
}
