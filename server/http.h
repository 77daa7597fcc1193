/* SPDX-License-Identifier: BSD-3-Clause */
/* The HTTP side of team-server on libmicrohttpd: one daemon (epoll,
 * internal thread or a pool of them, suspend/resume for long-polls,
 * optional TLS), a routing table of (method, path pattern) -> handler,
 * request bodies accumulated up to max_body (413 past it, checked before
 * the buffer grows), bearer authentication before the body is read, and
 * JSON answers, errors included: {"error": CODE, "message": TEXT}. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "auth.h"
#include "server_config.h"
#include "store.h"

#define HTTP_MAX_PARAMS 2

struct http_server;
struct http_req;

enum http_result {
        HTTP_DONE = 0,        /* a response was queued (http_reply_*) */
        HTTP_SUSPENDED,       /* the handler suspended the connection; it runs again on resume */
};

typedef enum http_result (*http_handler_fn)(struct http_req *req);

enum http_auth {
        HTTP_AUTH_NONE = 0,   /* public (keys, health, metrics) */
        HTTP_AUTH_TOKEN,      /* a user or host bearer token */
};

struct http_route {
        const char *method;   /* "GET", "POST" */
        const char *pattern;  /* "/v1/requests/{}/approve": {} matches one non-empty segment */
        enum http_auth auth;
        http_handler_fn fn;
        const char *name;     /* metrics label */
};

/* What a handler sees. */
struct http_req {
        const char *method;
        const char *path;
        const char *body;             /* not NUL-terminated; NULL when empty */
        size_t body_len;
        const char *params[HTTP_MAX_PARAMS];  /* the {} segments, in order */
        struct identity who;          /* kind IDENTITY_NONE on public routes */
        void *app;                    /* http_server_new()'s app pointer */
        bool resumed;                 /* called again after a suspension */
        void *state;                  /* the handler's, kept across suspensions */
        void (*state_free)(void *state);   /* called when the request ends */

        /* private */
        struct MHD_Connection *conn;
        struct http_server *srv;
        const struct http_route *route;
        size_t route_index;
        unsigned pending_status;      /* decided before the handler: 404, 405, 413... */
        char *buf;
        size_t buf_size;
        bool too_large;
        bool replied;
        uint64_t discarded;
        uint64_t retry_after;         /* seconds, sent as Retry-After with a 429 or 503 */
};

/* Starts listening (cfg: listen, tls_*, max_body, max_connections,
 * connection_timeout, threads). routes must stay valid. 0 or -errno with
 * a sentence in err. */
int http_server_start(const struct server_config *cfg, struct srv_store *store, const struct http_route *routes,
                      size_t n_routes, void *app, struct http_server **out, char *err, size_t errlen);
/* Stops accepting new connections (MHD_quiesce_daemon). */
void http_server_quiesce(struct http_server *s);
/* Stops and frees: every connection must have been resumed. */
void http_server_stop(struct http_server *s);

/* A query argument, or NULL. */
const char *http_query(struct http_req *req, const char *key);

/* Replies. Each queues the response and returns HTTP_DONE; obj is
 * consumed (json_object_put). */
enum http_result http_reply_json(struct http_req *req, unsigned status, struct json_object *obj);
__attribute__((format(printf, 4, 5)))
enum http_result http_reply_error(struct http_req *req, unsigned status, const char *code, const char *fmt, ...);
/* body is copied. */
enum http_result http_reply_text(struct http_req *req, unsigned status, const char *content_type, const char *body,
                                 size_t len);

/* A 429 with Retry-After: seconds and a JSON error. */
__attribute__((format(printf, 3, 4)))
enum http_result http_reply_too_many(struct http_req *req, uint64_t seconds, const char *fmt, ...);

/* The JSON error code for an HTTP status ("bad_request", ...). */
const char *http_error_code(unsigned status);

/* Long-polls: suspend from the handler (then return HTTP_SUSPENDED);
 * resume from any thread. */
void http_suspend(struct http_req *req);
void http_resume(struct http_req *req);
