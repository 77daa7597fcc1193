/* SPDX-License-Identifier: BSD-3-Clause */
/* The routing table (docs/api.md). Order matters only for metrics labels. */
#include "config.h"

#include "routes.h"

const struct http_route server_routes[] = {
        { "POST", "/v1/requests", HTTP_AUTH_TOKEN, route_requests_create, "requests_create" },
        { "GET", "/v1/requests", HTTP_AUTH_TOKEN, route_requests_list, "requests_list" },
        { "GET", "/v1/requests/{}", HTTP_AUTH_TOKEN, route_requests_get, "requests_get" },
        { "POST", "/v1/requests/{}/approve", HTTP_AUTH_TOKEN, route_requests_approve, "requests_approve" },
        { "POST", "/v1/requests/{}/deny", HTTP_AUTH_TOKEN, route_requests_deny, "requests_deny" },
        { "POST", "/v1/requests/{}/cancel", HTTP_AUTH_TOKEN, route_requests_cancel, "requests_cancel" },
        { "POST", "/v1/grants/{}/revoke", HTTP_AUTH_TOKEN, route_grants_revoke, "grants_revoke" },
        { "POST", "/v1/grants/{}/extend", HTTP_AUTH_TOKEN, route_grants_extend, "grants_extend" },
        { "GET", "/v1/hosts/{}/grants", HTTP_AUTH_TOKEN, route_hosts_feed, "hosts_feed" },
        { "POST", "/v1/hosts/{}/checkpoints", HTTP_AUTH_TOKEN, route_hosts_checkpoint, "hosts_checkpoint" },
        { "POST", "/v1/breakglass", HTTP_AUTH_TOKEN, route_breakglass_report, "breakglass_report" },
        { "GET", "/v1/breakglass", HTTP_AUTH_TOKEN, route_breakglass_list, "breakglass_list" },
        { "POST", "/v1/breakglass/{}/acknowledge", HTTP_AUTH_TOKEN, route_breakglass_ack, "breakglass_ack" },
        { "GET", "/v1/keys", HTTP_AUTH_NONE, route_keys, "keys" },
        { "GET", "/healthz", HTTP_AUTH_NONE, route_healthz, "healthz" },
        { "GET", "/metrics", HTTP_AUTH_NONE, route_metrics, "metrics" },
};
const size_t server_n_routes = sizeof(server_routes) / sizeof(server_routes[0]);

const char *const server_route_names[] = {
        "requests_create", "requests_list", "requests_get", "requests_approve", "requests_deny",
        "requests_cancel", "grants_revoke", "grants_extend", "hosts_feed", "hosts_checkpoint",
        "breakglass_report", "breakglass_list", "breakglass_ack", "keys", "healthz", "metrics",
};
