/* SPDX-License-Identifier: BSD-3-Clause */
/* /v1/requests: file, list, show, approve, deny, cancel. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_body.h"
#include "parse.h"
#include "rate_limit.h"
#include "routes.h"

void route_caller(const struct http_req *req, struct lc_caller *out)
{
        out->kind = req->who.kind == IDENTITY_HOST ? LC_CALLER_HOST : LC_CALLER_USER;
        out->name = req->who.name;
        out->groups = (const char *const *)req->who.groups;
}

enum http_result route_lc_error(struct http_req *req, int r, const char *msg)
{
        unsigned status = (unsigned)lc_error_http_status(r);

        if (status == 503) {
                req->retry_after = SRV_STORE_RETRY_AFTER;
                return http_reply_error(req, 503, lc_error_code(r), "the database does not answer now; try again "
                                        "in a few seconds");
        }
        if (status >= 500 || !msg || !msg[0])
                msg = status >= 500 ? "the server could not do that now; try again or ask an administrator to look "
                                      "at its log"
                                    : "refused";
        return http_reply_error(req, status, lc_error_code(r), "%s", msg);
}

enum http_result route_reply_request(struct http_req *req, unsigned status, const struct srv_request *r)
{
        struct server_app *app = req->app;

        return http_reply_json(req, status, lc_request_to_json(app->lc, r));
}

enum http_result route_reply_result(struct http_req *req, int r, const char *msg, unsigned status,
                                    struct srv_request *out)
{
        enum http_result res = r < 0 ? route_lc_error(req, r, msg) : route_reply_request(req, status, out);

        srv_request_clear(out);
        return res;
}

enum http_result route_body_error(struct http_req *req, int r, const char *msg)
{
        if (r == -EINVAL)
                return http_reply_error(req, 400, "bad_request", "%s", msg);
        return http_reply_error(req, 500, "internal", "out of memory");
}

/* The per-identity filing limit: a user's token, or a host's token for
 * one local user (a host files for all of its users, and one of them
 * must not use up the others' share). Queues the 429 and returns true
 * when the caller is over it. */
static bool too_fast(struct http_req *req, const struct body_request_create *b)
{
        struct server_app *app = req->app;
        char key[2 * SRV_MAX_NAME + 16];
        uint64_t wait;

        if (!app->request_rate)
                return false;
        if (req->who.kind == IDENTITY_HOST && b->user)
                snprintf(key, sizeof(key), "%s/user:%s", req->who.principal, b->user);
        else
                snprintf(key, sizeof(key), "%s", req->who.principal);
        wait = rate_limit_take(app->request_rate, key, feed_now_ms());
        if (!wait)
                return false;
        http_reply_too_many(req, wait, "%s files requests faster than %llu a minute; try again in %llu s", key,
                            (unsigned long long)app->cfg->request_rate_limit, (unsigned long long)wait);
        return true;
}

enum http_result route_requests_create(struct http_req *req)
{
        struct server_app *app = req->app;
        struct body_request_create b;
        struct srv_request out = { 0 };
        struct lc_new_request in;
        struct lc_caller who;
        char msg[LC_MSG_MAX] = "";
        enum http_result res;
        int r;

        r = json_body_request_create(req->body, req->body_len, &b, msg, sizeof(msg));
        if (r < 0)
                return route_body_error(req, r, msg);
        if (too_fast(req, &b)) {
                body_request_create_clear(&b);
                return HTTP_DONE;
        }
        route_caller(req, &who);
        in = (struct lc_new_request){
                .role = b.role, .host = b.host, .duration = (int64_t)b.duration, .reason = b.reason,
                .ticket = b.ticket, .start_at = (int64_t)b.start_at, .user = b.user,
        };
        r = lc_request_create(app->lc, &who, &in, &out, msg, sizeof(msg));
        res = route_reply_result(req, r, msg, 201, &out);
        body_request_create_clear(&b);
        return res;
}

static bool parse_flag(const char *v, bool *out)
{
        if (!v || !v[0]) {
                *out = v != NULL;     /* "?mine" alone means yes */
                return true;
        }
        return parse_bool(v, out) == 0;
}

enum http_result route_requests_list(struct http_req *req)
{
        struct server_app *app = req->app;
        struct lc_list_query q = { 0 };
        struct srv_request *list = NULL;
        struct json_object *arr, *o;
        const char *status = http_query(req, "status"), *mine = http_query(req, "mine");
        const char *limit = http_query(req, "limit"), *cursor = http_query(req, "cursor");
        char msg[LC_MSG_MAX] = "", next[SRV_ID_LEN + 1] = "";
        struct lc_caller who;
        size_t n = 0, i;
        uint64_t lim = LC_LIST_DEFAULT;
        int r;

        if (status && status[0]) {
                if (lc_status_from_name(status, &q.status) < 0)
                        return http_reply_error(req, 400, "bad_request",
                                                "status must be pending, approved, active, expired, denied, "
                                                "cancelled or revoked");
                q.has_status = true;
        }
        if (!parse_flag(mine, &q.mine))
                return http_reply_error(req, 400, "bad_request", "mine must be 1 or 0");
        if (limit && parse_uint(limit, 1, SRV_REQUEST_LIST_MAX, &lim) < 0)
                return http_reply_error(req, 400, "bad_request", "limit must be 1 to %d", SRV_REQUEST_LIST_MAX);
        if (cursor && cursor[0] && !lc_id_valid(cursor, 'r'))
                return http_reply_error(req, 400, "bad_request", "cursor must be a next_cursor from a previous page");
        q.limit = (size_t)lim;
        q.cursor = cursor && cursor[0] ? cursor : NULL;
        q.next_cursor = next;
        route_caller(req, &who);
        r = lc_request_list(app->lc, &who, &q, &list, &n, msg, sizeof(msg));
        if (r < 0)
                return route_lc_error(req, r, msg);
        arr = json_object_new_array_ext((int)n);
        o = json_object_new_object();
        for (i = 0; arr && i < n; i++)
                if (json_object_array_add(arr, lc_request_to_json(app->lc, &list[i])) < 0)
                        break;
        srv_request_list_free(list, n);
        if (!arr || !o || i < n || json_object_object_add(o, "requests", arr) < 0 ||
            json_object_object_add(o, "next_cursor", next[0] ? json_object_new_string(next) : NULL) < 0) {
                if (json_object_object_get_ex(o, "requests", NULL))
                        arr = NULL;   /* owned by o now */
                json_object_put(arr);
                json_object_put(o);
                return http_reply_error(req, 500, "internal", "out of memory");
        }
        return http_reply_json(req, 200, o);
}

/* An id in the path that cannot exist is a 404 before any lookup. */
static bool request_id_ok(struct http_req *req)
{
        return lc_id_valid(req->params[0], 'r');
}

enum http_result route_requests_get(struct http_req *req)
{
        struct server_app *app = req->app;
        struct srv_request out = { 0 };
        struct lc_caller who;
        char msg[LC_MSG_MAX] = "";
        int r;

        if (!request_id_ok(req))
                return http_reply_error(req, 404, "not_found", "no such request");
        route_caller(req, &who);
        r = lc_request_get(app->lc, &who, req->params[0], &out, msg, sizeof(msg));
        return route_reply_result(req, r, msg, 200, &out);
}

enum decision_op { OP_APPROVE, OP_DENY, OP_CANCEL };

static enum http_result decide(struct http_req *req, enum decision_op op)
{
        struct server_app *app = req->app;
        struct srv_request out = { 0 };
        struct body_decision b;
        struct lc_caller who;
        char msg[LC_MSG_MAX] = "";
        enum http_result res;
        int r;

        if (!request_id_ok(req))
                return http_reply_error(req, 404, "not_found", "no such request");
        r = json_body_decision(req->body, req->body_len, &b, msg, sizeof(msg));
        if (r < 0)
                return route_body_error(req, r, msg);
        route_caller(req, &who);
        if (op == OP_CANCEL)
                r = lc_cancel(app->lc, &who, req->params[0], &out, msg, sizeof(msg));
        else
                r = lc_decide(app->lc, &who, req->params[0], op == OP_APPROVE, b.comment, &out, msg, sizeof(msg));
        res = route_reply_result(req, r, msg, 200, &out);
        body_decision_clear(&b);
        return res;
}

enum http_result route_requests_approve(struct http_req *req)
{
        return decide(req, OP_APPROVE);
}

enum http_result route_requests_deny(struct http_req *req)
{
        return decide(req, OP_DENY);
}

enum http_result route_requests_cancel(struct http_req *req)
{
        return decide(req, OP_CANCEL);
}
