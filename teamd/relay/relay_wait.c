/* SPDX-License-Identifier: BSD-3-Clause */
/* Request relay, the "request_wait" op: hold the connection until the
 * request teamd filed is decided and, when approved, its grant is usable
 * here; or until the caller's timeout. Every RELAY_TICK_USEC the waiters
 * look at the grant store (the sync feed stores grants there); every
 * RELAY_POLL_USEC each asks the API about its request, which also brings
 * the grant itself (verified and stored like `teamctl grant add`) so that
 * the relay does not depend on the feed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "decide.h"
#include "grant_intake.h"
#include "audit/journal.h"
#include "relay/relay_private.h"

static void waiter_unlink(struct relay_waiter *w)
{
        struct relay *rl = w->rl;

        http_request_cancel(w->http);
        w->http = NULL;
        if (w->prev)
                w->prev->next = w->next;
        else
                rl->waiters = w->next;
        if (w->next)
                w->next->prev = w->prev;
        rl->n_waiters--;
        if (!w->privileged)
                rl->n_user_socket_waiters--;
        free(w);
}

/* Answers the waiter and forgets it. */
static void waiter_finish(struct relay_waiter *w, struct team_response *resp)
{
        struct conn *c = w->conn;

        /* decided, ended or refused here: no longer open as far as teamd knows */
        if (w->rq && resp->ok && resp->request_status && strcmp(resp->request_status, "timeout") != 0)
                w->rq->ended = true;
        w->conn = NULL;
        waiter_unlink(w);
        teamd_conn_answer(c, resp);
        team_response_clear(resp);
}

static void waiter_gone(void *ud)
{
        struct relay_waiter *w = ud;

        teamd_log(LOG_INFO, "relay: %s stopped waiting for request %s", w->user, w->id);
        w->conn = NULL;
        waiter_unlink(w);
}

void relay_wait_free_all(struct relay *rl)
{
        while (rl->waiters) {
                struct team_response resp = { 0 };

                if (teamd_response_error(&resp, "teamd is stopping") < 0)
                        team_response_clear(&resp);
                waiter_finish(rl->waiters, &resp);
        }
}

/* A final answer with status and a text for the person. */
__attribute__((format(printf, 3, 4)))
static void finish_status(struct relay_waiter *w, const char *status, const char *fmt, ...)
{
        struct team_response resp = { .ok = true };
        char text[TEAM_MAX_REASON];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        resp.request_id = strdup(w->id);
        resp.request_status = strdup(status);
        resp.reason = relay_text(text, TEAM_MAX_REASON);
        if (!resp.request_id || !resp.request_status || !resp.reason) {
                team_response_clear(&resp);
                teamd_response_error(&resp, "teamd is out of memory");
        }
        waiter_finish(w, &resp);
}

/* 1 with the answer sent when this request's grant is usable now (or
 * approved for later), 0 when not there yet, -errno. */
static int try_store(struct relay *rl, struct relay_waiter *w)
{
        struct grant_row *rows = NULL;
        size_t n = 0;
        int64_t now = teamd_now(), skew = (int64_t)rl->d->cfg.clock_skew;
        int r;

        r = db_grant_find(rl->d->store, w->user, w->role, now, &rows, &n);
        if (r < 0)
                return r;
        r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                const struct grant_row *g = &rows[i];
                struct team_response resp = { .ok = true, .expires = g->exp };
                bool usable = g->nbf - skew <= now && now < g->exp;

                if (!g->req || strcmp(g->req, w->id) != 0 || now >= g->exp)
                        continue;
                resp.request_id = strdup(w->id);
                resp.request_status = strdup(usable ? "active" : "approved");
                resp.grant_id = strdup(g->id);
                if (!usable) {
                        char when[64], text[128];

                        decide_format_time(g->nbf, when, sizeof(when));
                        snprintf(text, sizeof(text), "approved; the grant starts at %s", when);
                        resp.reason = strdup(text);
                }
                if (!resp.request_id || !resp.request_status || !resp.grant_id || (!usable && !resp.reason)) {
                        team_response_clear(&resp);
                        r = -ENOMEM;
                        break;
                }
                teamd_log(LOG_INFO, "relay: request %s of %s: grant %s %s", w->id, w->user, g->id,
                          usable ? "usable" : "approved for later");
                waiter_finish(w, &resp);
                r = 1;
        }
        grant_rows_free(rows, n);
        return r;
}

/* The grant the API answered with goes through the one grant intake, as
 * the feed's and grant_add's do; a refusal there ends the wait with its
 * reason. */
static void store_grant(struct relay_waiter *w, const char *jws)
{
        struct relay *rl = w->rl;
        struct grant_intake in = { .jws = jws, .origin = GRANT_ORIGIN_RELAY };
        struct grant_intake_result res;
        int r;

        r = teamd_grant_intake(rl->d, &in, &res);
        if (r < 0) {
                teamd_log(LOG_ERR, "relay: storing the grant of %s failed: %s", w->id, strerror(-r));
        } else if (res.outcome == GRANT_INTAKE_REVOKED) {
                finish_status(w, "revoked", "the grant of request %s was revoked", w->id);
                grant_intake_result_clear(&res);
                return;
        } else if (res.outcome == GRANT_INTAKE_REJECTED) {
                finish_status(w, "refused", "request %s was approved but its grant is refused here: %s", w->id,
                              res.why);
                grant_intake_result_clear(&res);
                return;
        }
        grant_intake_result_clear(&res);
        if (try_store(rl, w) < 0)
                teamd_log(LOG_ERR, "relay: cannot read the grant store");
}

static void poll_done(const struct http_result *res, void *ud)
{
        struct relay_waiter *w = ud;
        struct relay_answer a;
        char *msg;

        w->http = NULL;
        if (res->err < 0 || res->status >= 500 || res->status == 429) {
                if (!w->api_trouble_logged)
                        teamd_log(LOG_WARNING, "relay: GET /v1/requests/%s: %s; still waiting", w->id,
                                  res->err < 0 ? strerror(-res->err) : "the API refused or failed");
                w->api_trouble_logged = true;
                return;
        }
        if (res->status == 401) {
                finish_status(w, "refused", "the central API refused this host's token (HTTP 401) while waiting for "
                              "request %s: an administrator must reissue it (team-server admin host rotate-token)",
                              w->id);
                return;
        }
        if (res->status == 404 || res->status == 403) {
                msg = relay_error_message(res->body, res->len);
                finish_status(w, "refused", "the central API does not show request %s to this host: %s", w->id,
                              msg ? msg : "not found");
                free(msg);
                return;
        }
        if (res->status != 200 || relay_answer_parse(res->body, res->len, &a) < 0) {
                if (!w->api_trouble_logged)
                        teamd_log(LOG_WARNING, "relay: GET /v1/requests/%s answered %ld with no request; still waiting",
                                  w->id, res->status);
                w->api_trouble_logged = true;
                return;
        }
        if ((strcmp(a.status, "approved") == 0 || strcmp(a.status, "active") == 0) && a.jws)
                store_grant(w, a.jws);
        else if (strcmp(a.status, "denied") == 0)
                finish_status(w, "denied", "request %s was denied%s%s", w->id, a.last_comment ? " by " : "",
                              a.last_comment ? a.last_comment : "");
        else if (strcmp(a.status, "expired") == 0)
                finish_status(w, "expired", "request %s expired without a decision", w->id);
        else if (strcmp(a.status, "cancelled") == 0)
                finish_status(w, "cancelled", "request %s was cancelled", w->id);
        else if (strcmp(a.status, "revoked") == 0)
                finish_status(w, "revoked", "the grant of request %s was revoked", w->id);
        relay_answer_clear(&a);
}

static void start_poll(struct relay *rl, struct relay_waiter *w)
{
        char path[TEAM_MAX_ID + 32], err[256] = "";
        char *url;
        int r;

        snprintf(path, sizeof(path), "/v1/requests/%s", w->id);
        url = relay_url(rl, path);
        if (!url)
                return;
        r = relay_http(rl, "GET", url, NULL, poll_done, w, &w->http, err, sizeof(err));
        if (r < 0 && !w->api_trouble_logged) {
                teamd_log(LOG_WARNING, "relay: cannot ask about request %s: %s", w->id, err);
                w->api_trouble_logged = true;
        }
        free(url);
}

void relay_wait_tick(struct relay *rl)
{
        uint64_t now = relay_now_usec();
        struct relay_waiter *w, *next;

        for (w = rl->waiters; w; w = next) {
                next = w->next;
                if (try_store(rl, w) != 0)
                        continue;   /* answered (or the store failed: retry next tick) */
                if (now >= w->deadline) {
                        finish_status(w, "timeout",
                                      "no decision on request %s within %llds; it stays open: run 'sudo' again "
                                      "once it is approved",
                                      w->id, (long long)w->timeout_s);
                        continue;
                }
                if (!w->http && now >= w->next_poll) {
                        w->next_poll = now + RELAY_POLL_USEC;
                        start_poll(rl, w);
                }
        }
}

/* 0 when a waiter for user may take a slot, else the refusal in resp:
 * the user's fair share, then the slots kept for the root socket. */
static int check_slots(const struct relay *rl, bool privileged, const char *user, struct team_response *resp)
{
        unsigned mine = 0;

        for (const struct relay_waiter *w = rl->waiters; w; w = w->next)
                if (strcmp(w->user, user) == 0)
                        mine++;
        if (mine >= RELAY_MAX_WAITERS_PER_USER)
                return teamd_response_error(resp, "%s is already waiting for %u requests through teamd; stop one "
                                                  "of those waits first",
                                            user, mine);
        if (rl->n_waiters >= RELAY_MAX_WAITERS ||
            (!privileged && rl->n_user_socket_waiters >= RELAY_MAX_WAITERS - RELAY_WAITERS_KEPT_FOR_ROOT))
                return teamd_response_error(resp, "too many requests are being waited for; try again later");
        return 1;
}

int teamd_handle_request_wait(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                              struct team_response *resp)
{
        struct relay *rl = d->relay;
        struct relay_waiter *w;
        struct relay_req *q;
        char user[TEAM_MAX_USER + 1];
        int r;

        if (relay_caller(peer, req, user, sizeof(user), resp) < 0)
                return 0;
        q = rl ? relay_find(rl, req->request_id) : NULL;
        if (!q || strcmp(q->user, user) != 0)
                return teamd_response_error(resp, "teamd did not file request %s for %s (or has restarted since); "
                                                  "follow it with teamctl show %s --server URL",
                                            req->request_id, user, req->request_id);
        r = check_slots(rl, peer->privileged, user, resp);
        if (r <= 0)
                return r;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->rl = rl;
        w->conn = peer->conn;
        w->rq = q;
        snprintf(w->id, sizeof(w->id), "%s", q->id);
        snprintf(w->user, sizeof(w->user), "%s", q->user);
        snprintf(w->role, sizeof(w->role), "%s", q->role);
        w->privileged = peer->privileged;
        w->timeout_s = req->timeout;
        w->deadline = relay_now_usec() + (uint64_t)req->timeout * 1000000ULL;
        w->next_poll = 0;
        r = teamd_conn_defer(peer->conn, ((uint64_t)req->timeout + 5) * 1000000ULL, waiter_gone, w);
        if (r < 0) {
                free(w);
                return r;
        }
        w->next = rl->waiters;
        if (rl->waiters)
                rl->waiters->prev = w;
        rl->waiters = w;
        rl->n_waiters++;
        if (!w->privileged)
                rl->n_user_socket_waiters++;
        /* First look at once (from the loop, not from inside dispatch). */
        relay_grants_changed(rl);
        return TEAMD_DEFERRED;
}
