/* SPDX-License-Identifier: BSD-3-Clause */
/* Request relay, the "request" op: file a request with the central API for
 * a local user, with the host token; see relay.h. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "sync/host_token.h"
#include "audit/journal.h"
#include "relay/relay_private.h"

uint64_t relay_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct relay *rl = userdata;

        relay_wait_tick(rl);
        if (rl->n_waiters > 0) {
                (void)sd_event_source_set_time_relative(s, RELAY_TICK_USEC);
                (void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        return 0;
}

int relay_start(struct teamd *d, struct relay **out)
{
        struct relay *rl = calloc(1, sizeof(*rl));
        int r = 0;

        if (!rl)
                return -ENOMEM;
        rl->d = d;
        if (d->cfg.url)
                r = http_client_new(d->event, d->cfg.ca_file, &rl->http);
        if (r >= 0)
                r = sd_event_add_time_relative(d->event, &rl->tick, CLOCK_MONOTONIC, RELAY_TICK_USEC, 0, on_tick, rl);
        if (r >= 0)
                r = sd_event_source_set_enabled(rl->tick, SD_EVENT_OFF);
        if (r < 0) {
                relay_free(rl);
                return r;
        }
        *out = rl;
        return 0;
}

void relay_grants_changed(struct relay *rl)
{
        if (rl && rl->n_waiters > 0) {
                (void)sd_event_source_set_time_relative(rl->tick, 0);
                (void)sd_event_source_set_enabled(rl->tick, SD_EVENT_ONESHOT);
        }
}

static void post_free(struct relay_post *p)
{
        struct relay *rl = p->rl;

        http_request_cancel(p->http);
        if (p->prev)
                p->prev->next = p->next;
        else
                rl->posts = p->next;
        if (p->next)
                p->next->prev = p->prev;
        rl->n_posts--;
        free(p);
}

void relay_free(struct relay *rl)
{
        struct relay_req *q;

        if (!rl)
                return;
        while (rl->posts) {
                struct relay_post *p = rl->posts;
                struct conn *c = p->conn;
                struct team_response resp = { 0 };

                p->conn = NULL;
                post_free(p);
                if (teamd_response_error(&resp, "teamd is stopping") == 0)
                        teamd_conn_answer(c, &resp);
                team_response_clear(&resp);
        }
        relay_wait_free_all(rl);
        relay_cancel_free_all(rl);
        while ((q = rl->reqs)) {
                rl->reqs = q->next;
                free(q);
        }
        sd_event_source_disable_unref(rl->tick);
        http_client_free(rl->http);
        free(rl);
}

int relay_open_requests(const struct relay *rl, const char *user, struct team_response *resp)
{
        int64_t now = teamd_now();
        size_t n = 0;

        if (!rl)
                return 0;
        for (const struct relay_req *q = rl->reqs; q; q = q->next)
                if (!q->ended && q->expires_at > now && strcmp(q->user, user) == 0)
                        n++;
        if (n > TEAM_MAX_STATUS_REQUESTS)
                n = TEAM_MAX_STATUS_REQUESTS;
        if (n == 0)
                return 0;
        resp->requests = calloc(n, sizeof(*resp->requests));
        if (!resp->requests)
                return -ENOMEM;
        for (const struct relay_req *q = rl->reqs; q && resp->n_requests < n; q = q->next) {
                struct team_request_summary *s = &resp->requests[resp->n_requests];

                if (q->ended || q->expires_at <= now || strcmp(q->user, user) != 0)
                        continue;
                s->id = strdup(q->id);
                s->role = strdup(q->role);
                s->expires = q->expires_at;
                resp->n_requests++;
                if (!s->id || !s->role)
                        return -ENOMEM;
        }
        return 0;
}

struct relay_req *relay_find(struct relay *rl, const char *id)
{
        for (struct relay_req *q = rl->reqs; q; q = q->next)
                if (strcmp(q->id, id) == 0)
                        return q;
        return NULL;
}

/* Remembers a filed request; at the cap the oldest one is forgotten (its
 * waiters, if any, are told so). */
static int remember(struct relay *rl, const char *id, const char *user, const char *role, int64_t expires_at)
{
        struct relay_req *q = relay_find(rl, id), **pp;

        if (q)
                return 0;
        if (rl->n_reqs >= RELAY_MAX_REQUESTS) {
                for (pp = &rl->reqs; (*pp)->next; pp = &(*pp)->next)
                        ;
                for (struct relay_waiter *w = rl->waiters; w; w = w->next)
                        if (w->rq == *pp)
                                w->rq = NULL;
                for (struct relay_cancel *c = rl->cancels; c; c = c->next)
                        if (c->rq == *pp)
                                c->rq = NULL;
                free(*pp);
                *pp = NULL;
                rl->n_reqs--;
        }
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        snprintf(q->id, sizeof(q->id), "%s", id);
        snprintf(q->user, sizeof(q->user), "%s", user);
        snprintf(q->role, sizeof(q->role), "%s", role);
        q->expires_at = expires_at;
        q->filed_at = teamd_now();
        q->next = rl->reqs;
        rl->reqs = q;
        rl->n_reqs++;
        return 0;
}

char *relay_url(const struct relay *rl, const char *path)
{
        const char *base = rl->d->cfg.url;
        size_t len = strlen(base);
        char *out = NULL;

        while (len > 0 && base[len - 1] == '/')
                len--;
        if (asprintf(&out, "%.*s%s", (int)len, base, path) < 0)
                return NULL;
        return out;
}

int relay_http(struct relay *rl, const char *method, const char *url, const char *body, http_done_fn done,
               void *ud, struct http_request **out, char *err, size_t errlen)
{
        static const char *const json_headers[] = { "Content-Type: application/json", NULL };
        struct host_token tok;
        struct http_options o = {
                .url = url,
                .method = method,
                .body = body,
                .body_len = body ? strlen(body) : 0,
                .headers = body ? json_headers : NULL,
                .timeout_ms = RELAY_POST_TIMEOUT_MS,
                .max_response = 256 * 1024,
        };
        int r;

        if (!rl->http || !rl->d->cfg.token_file) {
                snprintf(err, errlen, "this host has no central API ([server] url and token_file in teamd.conf)");
                return -ENOTCONN;
        }
        r = host_token_read(rl->d->cfg.token_file, &tok, err, errlen);
        if (r < 0)
                return r;
        o.bearer_token = tok.value;
        r = http_request_start(rl->http, &o, done, ud, out);
        host_token_wipe(&tok);
        if (r < 0)
                snprintf(err, errlen, "cannot start the HTTP call: %s", strerror(-r));
        return r;
}

int relay_caller(const struct teamd_peer *peer, const struct team_request *req, char *out, size_t outlen,
                 struct team_response *resp)
{
        struct passwd pw, *res = NULL;
        char buf[4096];
        int r;

        if (peer->privileged) {
                snprintf(out, outlen, "%s", req->user ? req->user : "root");
                return 0;
        }
        if (req->user) {
                teamd_response_error(resp, "the user is taken from the connection; do not send \"user\"");
                return -EPERM;
        }
        r = getpwuid_r(peer->uid, &pw, buf, sizeof(buf), &res);
        if (r != 0 || !res || strlen(pw.pw_name) >= outlen || strlen(pw.pw_name) > TEAM_MAX_USER) {
                teamd_response_error(resp, "uid %lu has no user name on this host", (unsigned long)peer->uid);
                return -ENOENT;
        }
        snprintf(out, outlen, "%s", pw.pw_name);
        return 0;
}

/* Requests filed for user in the last minute (remembered or in flight). */
static unsigned recent_for(const struct relay *rl, const char *user)
{
        int64_t since = teamd_now() - 60;
        unsigned n = 0;

        for (const struct relay_req *q = rl->reqs; q; q = q->next)
                if (q->filed_at >= since && strcmp(q->user, user) == 0)
                        n++;
        for (const struct relay_post *p = rl->posts; p; p = p->next)
                if (strcmp(p->user, user) == 0)
                        n++;
        return n;
}

static void post_gone(void *ud)
{
        struct relay_post *p = ud;

        p->conn = NULL;
        post_free(p);
}

/* 201: remember the request, audit it, answer with its id and approvers. */
static int answer_filed(struct relay_post *p, const struct http_result *res, struct team_response *resp)
{
        struct relay *rl = p->rl;
        struct relay_answer a;
        struct team_audit_event f;
        int r;

        if (relay_answer_parse(res->body, res->len, &a) < 0) {
                teamd_log(LOG_ERR, "relay: POST /v1/requests answered 201 with a body that is not a request");
                return teamd_response_error(resp, "the central API answered garbage; see 'journalctl -u teamd'");
        }
        r = remember(rl, a.id, p->user, p->role, a.expires_at);
        f = (struct team_audit_event){ .user = p->user, .role = p->role, .host = rl->d->cfg.host_id,
                                        .request_id = a.id, .service = p->origin.service[0] ? p->origin.service : NULL,
                                        .tty = p->origin.tty[0] ? p->origin.tty : NULL,
                                        .rhost = p->origin.rhost[0] ? p->origin.rhost : NULL,
                                        .peer_pid = p->peer_pid };
        team_journal_event(TEAM_EVENT_REQUEST_SUBMITTED, &f, "request %s filed for %s as %s (status %s)", a.id,
                           p->user, p->role, a.status);
        resp->ok = true;
        resp->request_id = a.id;
        resp->request_status = a.status;
        resp->approvers = a.approvers;
        resp->request_expires = a.expires_at;
        a.id = a.status = a.approvers = NULL;
        relay_answer_clear(&a);
        return r;
}

static void post_done(const struct http_result *res, void *ud)
{
        struct relay_post *p = ud;
        struct conn *c = p->conn;
        struct team_response resp = { 0 };
        char *msg = NULL;
        int r;

        p->http = NULL;
        if (res->err < 0) {
                teamd_log(LOG_WARNING, "relay: POST /v1/requests failed: %s (%s)", strerror(-res->err), res->detail);
                r = teamd_response_error(&resp, "cannot reach the central API (%s); try again later",
                                         strerror(-res->err));
        } else if (res->status == 201 || res->status == 200) {
                r = answer_filed(p, res, &resp);
        } else if (res->status == 400 || res->status == 403 || res->status == 409) {
                /* The API refused the request itself: tell the person why. */
                msg = relay_error_message(res->body, res->len);
                resp.ok = true;
                resp.request_status = strdup("refused");
                resp.reason = msg ? msg : strdup("the central API refused the request");
                msg = NULL;
                resp.ticket_required = resp.reason && strstr(resp.reason, "needs a ticket");
                r = resp.request_status && resp.reason ? 0 : -ENOMEM;
        } else {
                msg = relay_error_message(res->body, res->len);
                teamd_log(LOG_WARNING, "relay: POST /v1/requests answered %ld: %s", res->status, msg ? msg : "");
                r = teamd_response_error(&resp, res->status == 401
                                                        ? "the central API refused this host's token; an administrator should check [server] token_file"
                                                        : "the central API failed (HTTP %ld); try again later",
                                         res->status);
        }
        free(msg);
        if (r < 0) {
                team_response_clear(&resp);
                memset(&resp, 0, sizeof(resp));
                teamd_response_error(&resp, "teamd failed: %s", strerror(-r));
        }
        p->conn = NULL;
        post_free(p);
        teamd_conn_answer(c, &resp);
        team_response_clear(&resp);
}

int teamd_handle_request(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                         struct team_response *resp)
{
        struct relay *rl = d->relay;
        struct relay_post *p = NULL;
        char user[TEAM_MAX_USER + 1], err[256] = "";
        char *url = NULL, *body = NULL;
        int r;

        if (relay_caller(peer, req, user, sizeof(user), resp) < 0)
                return 0;
        if (!rl || !rl->http)
                return teamd_response_error(resp, "host %s has no central API configured ([server] url); ask with "
                                                  "teamctl request --server URL",
                                            d->cfg.host_id);
        if (rl->n_posts >= RELAY_MAX_POSTS)
                return teamd_response_error(resp, "teamd is busy filing other requests; try again in a moment");
        if (recent_for(rl, user) >= RELAY_MAX_PER_USER_PER_MIN)
                return teamd_response_error(resp, "%s filed %d requests through teamd in the last minute; wait a "
                                                  "little, or see them with teamctl list --server URL",
                                            user, RELAY_MAX_PER_USER_PER_MIN);
        p = calloc(1, sizeof(*p));
        url = relay_url(rl, "/v1/requests");
        body = relay_request_body(d->cfg.host_id, user, req);
        if (!p || !url || !body) {
                r = -ENOMEM;
                goto out;
        }
        p->rl = rl;
        p->conn = peer->conn;
        snprintf(p->user, sizeof(p->user), "%s", user);
        snprintf(p->role, sizeof(p->role), "%s", req->role);
        teamd_peer_origin(peer, req, &p->origin);
        p->peer_pid = peer->pid;
        r = relay_http(rl, "POST", url, body, post_done, p, &p->http, err, sizeof(err));
        if (r < 0) {
                teamd_log(LOG_ERR, "relay: %s", err);
                r = teamd_response_error(resp, "cannot file the request: %s", err);
                goto out;
        }
        r = teamd_conn_defer(peer->conn, (RELAY_POST_TIMEOUT_MS + 5000ULL) * 1000, post_gone, p);
        if (r < 0) {
                http_request_cancel(p->http);
                goto out;
        }
        p->next = rl->posts;
        if (rl->posts)
                rl->posts->prev = p;
        rl->posts = p;
        rl->n_posts++;
        p = NULL;
        r = TEAMD_DEFERRED;
out:
        free(p);
        free(url);
        free(body);
        return r;
}
