/* SPDX-License-Identifier: BSD-3-Clause */
/* /v1/grants/{id}/revoke and /v1/grants/{id}/extend. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "json_body.h"
#include "routes.h"

enum http_result route_grants_revoke(struct http_req *req)
{
        struct server_app *app = req->app;
        struct json_object *o;
        struct body_revoke b;
        struct lc_caller who;
        char msg[LC_MSG_MAX] = "";
        int64_t at = 0;
        int r;

        if (!lc_id_valid(req->params[0], 'g'))
                return http_reply_error(req, 404, "not_found", "no such grant");
        r = json_body_revoke(req->body, req->body_len, &b, msg, sizeof(msg));
        if (r < 0)
                return route_body_error(req, r, msg);
        route_caller(req, &who);
        r = lc_revoke(app->lc, &who, req->params[0], b.reason, &at, msg, sizeof(msg));
        body_revoke_clear(&b);
        if (r < 0)
                return route_lc_error(req, r, msg);
        o = json_object_new_object();
        if (!o || json_object_object_add(o, "id", json_object_new_string(req->params[0])) < 0 ||
            json_object_object_add(o, "revoked_at", json_object_new_int64(at)) < 0) {
                json_object_put(o);
                return http_reply_error(req, 500, "internal", "out of memory");
        }
        return http_reply_json(req, 200, o);
}

enum http_result route_grants_extend(struct http_req *req)
{
        struct server_app *app = req->app;
        struct srv_request out = { 0 };
        struct body_extend b;
        struct lc_caller who;
        char msg[LC_MSG_MAX] = "";
        enum http_result res;
        int r;

        if (!lc_id_valid(req->params[0], 'g'))
                return http_reply_error(req, 404, "not_found", "no such grant");
        r = json_body_extend(req->body, req->body_len, &b, msg, sizeof(msg));
        if (r < 0)
                return route_body_error(req, r, msg);
        route_caller(req, &who);
        r = lc_extend(app->lc, &who, req->params[0], (int64_t)b.duration, b.reason, &out, msg, sizeof(msg));
        res = route_reply_result(req, r, msg, 201, &out);
        body_extend_clear(&b);
        return res;
}
