/* SPDX-License-Identifier: BSD-3-Clause */
/* Request relay, the "request_cancel" op: withdraw a request this teamd
 * filed, for the user it was filed for and nobody else, with
 * POST /v1/requests/{id}/cancel and the host token (the API lets whoever
 * filed a request cancel it). pam_team sends it when the person presses
 * Ctrl-C during the wait; `teamctl cancel` sends it through the user
 * socket when there is no central API token at hand. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit/journal.h"
#include "relay/relay_private.h"

static void cancel_unlink(struct relay_cancel *c)
{
        struct relay *rl = c->rl;

        http_request_cancel(c->http);
        c->http = NULL;
        if (c->prev)
                c->prev->next = c->next;
        else
                rl->cancels = c->next;
        if (c->next)
                c->next->prev = c->prev;
        rl->n_cancels--;
        free(c);
}

static void cancel_gone(void *ud)
{
        struct relay_cancel *c = ud;

        c->conn = NULL;
        cancel_unlink(c);
}

void relay_cancel_free_all(struct relay *rl)
{
        while (rl->cancels) {
                struct relay_cancel *c = rl->cancels;
                struct conn *conn = c->conn;
                struct team_response resp = { 0 };

                c->conn = NULL;
                cancel_unlink(c);
                if (teamd_response_error(&resp, "teamd is stopping") == 0)
                        teamd_conn_answer(conn, &resp);
                team_response_clear(&resp);
        }
}

/* 200: the request is cancelled; 409: it was no longer pending (the API
 * says how it ended); anything else: not cancelled, and why. */
static int answer_cancel(struct relay_cancel *c, const struct http_result *res, struct team_response *resp)
{
        char *msg = NULL;
        int r;

        if (res->err < 0) {
                teamd_log(LOG_WARNING, "relay: POST /v1/requests/%s/cancel failed: %s (%s)", c->id,
                          strerror(-res->err), res->detail);
                return teamd_response_error(resp, "cannot reach the central API (%s); request %s stays open",
                                            strerror(-res->err), c->id);
        }
        msg = relay_error_message(res->body, res->len);
        if (res->status == 200) {
                teamd_log(LOG_INFO, "relay: request %s of %s cancelled", c->id, c->user);
                if (c->rq)
                        c->rq->ended = true;
                resp->ok = true;
                resp->request_id = strdup(c->id);
                resp->request_status = strdup("cancelled");
                r = resp->request_id && resp->request_status ? 0 : -ENOMEM;
        } else if (res->status == 409) {
                if (c->rq)
                        c->rq->ended = true;
                r = teamd_response_error(resp, "request %s is no longer pending: %s", c->id,
                                         msg ? msg : "already decided");
        } else {
                teamd_log(LOG_WARNING, "relay: POST /v1/requests/%s/cancel answered %ld: %s", c->id, res->status,
                          msg ? msg : "");
                r = teamd_response_error(resp, "the central API did not cancel request %s (HTTP %ld%s%s)", c->id,
                                         res->status, msg ? ": " : "", msg ? msg : "");
        }
        free(msg);
        return r;
}

static void cancel_done(const struct http_result *res, void *ud)
{
        struct relay_cancel *c = ud;
        struct conn *conn = c->conn;
        struct team_response resp = { 0 };

        c->http = NULL;
        if (answer_cancel(c, res, &resp) < 0) {
                team_response_clear(&resp);
                memset(&resp, 0, sizeof(resp));
                teamd_response_error(&resp, "teamd is out of memory");
        }
        c->conn = NULL;
        cancel_unlink(c);
        teamd_conn_answer(conn, &resp);
        team_response_clear(&resp);
}

int teamd_handle_request_cancel(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                                struct team_response *resp)
{
        struct relay *rl = d->relay;
        struct relay_cancel *c = NULL;
        struct relay_req *q;
        char user[TEAM_MAX_USER + 1], path[TEAM_MAX_ID + 32], err[256] = "";
        char *url = NULL;
        int r;

        if (relay_caller(peer, req, user, sizeof(user), resp) < 0)
                return 0;
        q = rl ? relay_find(rl, req->request_id) : NULL;
        /* Only the user it was filed for: another user's id is "not found". */
        if (!q || strcmp(q->user, user) != 0)
                return teamd_response_error(resp, "teamd did not file request %s for %s (or has restarted since); "
                                                  "cancel it with teamctl cancel %s --server URL",
                                            req->request_id, user, req->request_id);
        if (rl->n_cancels >= RELAY_MAX_POSTS)
                return teamd_response_error(resp, "teamd is busy; try again in a moment");
        c = calloc(1, sizeof(*c));
        snprintf(path, sizeof(path), "/v1/requests/%s/cancel", q->id);
        url = relay_url(rl, path);
        if (!c || !url) {
                r = -ENOMEM;
                goto out;
        }
        c->rl = rl;
        c->conn = peer->conn;
        c->rq = q;
        snprintf(c->id, sizeof(c->id), "%s", q->id);
        snprintf(c->user, sizeof(c->user), "%s", q->user);
        snprintf(c->role, sizeof(c->role), "%s", q->role);
        r = relay_http(rl, "POST", url, "{}", cancel_done, c, &c->http, err, sizeof(err));
        if (r < 0) {
                teamd_log(LOG_ERR, "relay: %s", err);
                r = teamd_response_error(resp, "cannot cancel request %s: %s", q->id, err);
                goto out;
        }
        r = teamd_conn_defer(peer->conn, (RELAY_POST_TIMEOUT_MS + 5000ULL) * 1000, cancel_gone, c);
        if (r < 0) {
                http_request_cancel(c->http);
                goto out;
        }
        c->next = rl->cancels;
        if (rl->cancels)
                rl->cancels->prev = c;
        rl->cancels = c;
        rl->n_cancels++;
        c = NULL;
        r = TEAMD_DEFERRED;
out:
        free(c);
        free(url);
        return r;
}
