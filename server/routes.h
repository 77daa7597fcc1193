/* SPDX-License-Identifier: BSD-3-Clause */
/* The API's routes (docs/api.md) and what their handlers share. */
#pragma once

#include <stddef.h>

#include "feed.h"
#include "http.h"
#include "lifecycle.h"
#include "server_config.h"
#include "signer.h"
#include "store.h"

struct rate_limit;
struct srv_policy;
struct webhook;

/* The app pointer every handler gets (http_req.app). */
struct server_app {
        const struct server_config *cfg;
        struct srv_store *store;
        struct lc *lc;
        struct srv_signer *signer;
        struct feed *feed;
        struct rate_limit *request_rate;  /* POST /v1/requests per identity; NULL = no limit */
        const struct srv_policy *policy;  /* who approves a role (break-glass review) */
        struct webhook *webhook;          /* break-glass and checkpoint notifications */
};

extern const struct http_route server_routes[];
extern const size_t server_n_routes;
/* Route names for metrics, in table order. */
extern const char *const server_route_names[];

/* The lifecycle listener that wakes long-polls (lc_set_notify, ctx = feed). */
void routes_feed_notify(const struct lc_notice *n, void *ctx);

/* Shared by the route files. */
void route_caller(const struct http_req *req, struct lc_caller *out);
enum http_result route_lc_error(struct http_req *req, int r, const char *msg);
enum http_result route_reply_request(struct http_req *req, unsigned status, const struct srv_request *r);
/* A lifecycle call's answer: route_lc_error() when r < 0, else status and
 * the request. Clears *out either way. */
enum http_result route_reply_result(struct http_req *req, int r, const char *msg, unsigned status,
                                    struct srv_request *out);
/* A body json_body_*() refused (r < 0): 400 with its message, or 500. */
enum http_result route_body_error(struct http_req *req, int r, const char *msg);

enum http_result route_requests_create(struct http_req *req);
enum http_result route_requests_list(struct http_req *req);
enum http_result route_requests_get(struct http_req *req);
enum http_result route_requests_approve(struct http_req *req);
enum http_result route_requests_deny(struct http_req *req);
enum http_result route_requests_cancel(struct http_req *req);
enum http_result route_grants_revoke(struct http_req *req);
enum http_result route_grants_extend(struct http_req *req);
enum http_result route_hosts_feed(struct http_req *req);
enum http_result route_hosts_checkpoint(struct http_req *req);
enum http_result route_breakglass_report(struct http_req *req);
enum http_result route_breakglass_list(struct http_req *req);
enum http_result route_breakglass_ack(struct http_req *req);
enum http_result route_keys(struct http_req *req);
enum http_result route_healthz(struct http_req *req);
enum http_result route_metrics(struct http_req *req);
