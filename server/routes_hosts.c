/* SPDX-License-Identifier: BSD-3-Clause */
/* GET /v1/hosts/{id}/grants?cursor=C&wait=S: the long-poll feed.
 *
 * Nothing new and wait > 0: the waiter is registered before the store is
 * asked (so a grant committed in between still wakes us), then the
 * connection is suspended until routes_feed_notify() or the feed's timer
 * resumes it; then the handler runs again and asks the store again.
 * At most max_long_polls are held at once; past it a request is answered
 * at once, as if wait were 0. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "routes.h"

struct feed_req_state {
        struct feed_waiter w;
        struct feed *feed;
        uint64_t deadline_ms;
        bool waits;
};

static void state_free(void *p)
{
        struct feed_req_state *st = p;

        if (!st)
                return;
        feed_wait_end(st->feed, &st->w);
        feed_request_finished(st->feed);
        free(st);
}

void routes_feed_notify(const struct lc_notice *n, void *ctx)
{
        if ((n->event == LC_EVENT_GRANT_ISSUED || n->event == LC_EVENT_GRANT_REVOKED) && n->request)
                feed_notify(ctx, n->request->host);
}

static enum http_result start(struct http_req *req)
{
        struct server_app *app = req->app;
        const char *wait = http_query(req, "wait");
        struct feed_req_state *st;
        uint64_t secs = 0;

        if (req->who.kind != IDENTITY_HOST)
                return http_reply_error(req, 403, "forbidden", "only a host token may read a host feed");
        if (strcmp(req->params[0], req->who.name) != 0)
                return http_reply_error(req, 403, "forbidden", "a host may read only its own feed");
        if (wait && parse_uint(wait, 0, UINT32_MAX, &secs) < 0)
                return http_reply_error(req, 400, "bad_request", "wait must be a number of seconds");
        if (secs > app->cfg->max_wait)
                secs = app->cfg->max_wait;
        st = calloc(1, sizeof(*st));
        if (!st)
                return http_reply_error(req, 500, "internal", "out of memory");
        st->feed = app->feed;
        feed_request_started(st->feed);
        st->waits = secs > 0;
        st->deadline_ms = feed_now_ms() + secs * 1000;
        req->state = st;
        req->state_free = state_free;
        return HTTP_DONE;
}

enum http_result route_hosts_feed(struct http_req *req)
{
        struct server_app *app = req->app;
        struct feed_req_state *st;
        struct lc_caller who;
        char msg[LC_MSG_MAX] = "";

        if (!req->state) {
                start(req);
                if (!req->state)
                        return HTTP_DONE;
        }
        st = req->state;
        route_caller(req, &who);
        for (;;) {
                struct json_object *obj = NULL;
                size_t n = 0;
                /* Past max_long_polls a feed request is answered at once
                 * (the host asks again): held long-polls cannot take the
                 * connections the API needs. */
                bool waiting = st->waits && feed_now_ms() < st->deadline_ms &&
                               feed_open_count(app->feed) < app->cfg->max_long_polls &&
                               feed_wait_begin(app->feed, &st->w, req, req->who.name,
                                               (const char *const *)req->who.groups, st->deadline_ms) == 0;
                int r = lc_feed_since(app->lc, &who, req->params[0], http_query(req, "cursor"), &obj, &n, msg,
                                      sizeof(msg));

                if (r < 0 || n > 0 || !waiting) {
                        feed_wait_end(app->feed, &st->w);
                        if (r < 0)
                                return route_lc_error(req, r, msg);
                        return http_reply_json(req, 200, obj);
                }
                json_object_put(obj);
                if (feed_wait_suspend(app->feed, &st->w))
                        return HTTP_SUSPENDED;
        }
}
