/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text metrics (GET /metrics). Counters are lock-free atomics
 * bumped from any thread; gauges are read when scraped.
 *
 *   team_server_http_requests_total{route="...",code="..."}
 *   team_server_pending_requests
 *   team_server_open_long_polls
 *   team_server_webhook_queue_depth
 *   team_server_grants_issued_total
 *   team_server_feed_wakeups_total
 *   team_server_connections_evicted_total, team_server_connections_timed_out_total */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define METRICS_MAX_ROUTES 32

/* Route names (label values) in route-table order; kept by pointer.
 * "unmatched" is added at index n for 404s outside the table. */
void metrics_init(const char *const *route_names, size_t n);
void metrics_count_request(size_t route, unsigned status);
void metrics_count_feed_wakeup(void);
/* Unauthenticated connections closed by conn_guard. */
void metrics_count_connection_evicted(void);
void metrics_count_connection_timed_out(void);

/* Renders everything into a malloc'd string. store and open_long_polls
 * feed the gauges (a store error leaves that gauge out). */
int metrics_render(struct srv_store *store, uint64_t open_long_polls, char **out);
