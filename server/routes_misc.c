/* SPDX-License-Identifier: BSD-3-Clause */
/* /v1/keys, /healthz, /metrics: public, no token. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "routes.h"

enum http_result route_keys(struct http_req *req)
{
        struct server_app *app = req->app;
        const struct srv_public_key *keys;
        struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
        size_t n = 0, i;
        bool ok = o && arr;

        keys = signer_public_keys(app->signer, &n);
        for (i = 0; ok && i < n; i++) {
                struct json_object *k = json_object_new_object();

                ok = k && json_object_object_add(k, "kid", json_object_new_string(keys[i].kid)) == 0 &&
                     json_object_object_add(k, "alg", json_object_new_string("EdDSA")) == 0 &&
                     json_object_object_add(k, "pem", json_object_new_string(keys[i].pem)) == 0 &&
                     json_object_array_add(arr, k) == 0;
                if (!ok)
                        json_object_put(k);
        }
        if (!ok || json_object_object_add(o, "keys", arr) < 0) {
                json_object_put(arr);
                json_object_put(o);
                return http_reply_error(req, 500, "internal", "out of memory");
        }
        return http_reply_json(req, 200, o);
}

/* Liveness only, in constant time: it reads nothing a writer can hold
 * (no store query, no lock), so a load balancer's probe never waits
 * behind an fsync or a long list of pending requests. */
enum http_result route_healthz(struct http_req *req)
{
        struct json_object *o = json_object_new_object();

        if (!o || json_object_object_add(o, "status", json_object_new_string("ok")) < 0) {
                json_object_put(o);
                return http_reply_error(req, 500, "internal", "out of memory");
        }
        return http_reply_json(req, 200, o);
}

enum http_result route_metrics(struct http_req *req)
{
        struct server_app *app = req->app;
        enum http_result res;
        char *text = NULL;

        if (metrics_render(app->store, feed_open_count(app->feed), &text) < 0)
                return http_reply_error(req, 500, "internal", "out of memory");
        res = http_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
        free(text);
        return res;
}
