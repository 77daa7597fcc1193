/* SPDX-License-Identifier: BSD-3-Clause */
/* Metrics (see metrics.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static const unsigned tracked_codes[] = { 200, 201, 400, 401, 403, 404, 405, 409, 413, 429, 500, 503, 0 };
#define N_CODES (sizeof(tracked_codes) / sizeof(tracked_codes[0]))  /* last slot: any other code */

static const char *const *names;
static size_t n_names;
static _Atomic uint64_t requests[METRICS_MAX_ROUTES + 1][N_CODES];
static _Atomic uint64_t feed_wakeups;
static _Atomic uint64_t connections_evicted;
static _Atomic uint64_t connections_timed_out;

void metrics_init(const char *const *route_names, size_t n)
{
        names = route_names;
        n_names = n > METRICS_MAX_ROUTES ? METRICS_MAX_ROUTES : n;
}

static size_t code_slot(unsigned status)
{
        size_t i;

        for (i = 0; i + 1 < N_CODES; i++)
                if (tracked_codes[i] == status)
                        return i;
        return N_CODES - 1;
}

void metrics_count_request(size_t route, unsigned status)
{
        if (route > n_names)
                route = n_names;
        atomic_fetch_add_explicit(&requests[route][code_slot(status)], 1, memory_order_relaxed);
}

void metrics_count_feed_wakeup(void)
{
        atomic_fetch_add_explicit(&feed_wakeups, 1, memory_order_relaxed);
}

void metrics_count_connection_evicted(void)
{
        atomic_fetch_add_explicit(&connections_evicted, 1, memory_order_relaxed);
}

void metrics_count_connection_timed_out(void)
{
        atomic_fetch_add_explicit(&connections_timed_out, 1, memory_order_relaxed);
}

struct buf {
        char *p;
        size_t len, size;
        bool failed;
};

__attribute__((format(printf, 2, 3)))
static void put(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (b->failed)
                return;
        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->failed = true;
                        return;
                }
                if ((size_t)n < b->size - b->len) {
                        b->len += (size_t)n;
                        return;
                }
                char *np = realloc(b->p, b->size * 2 + (size_t)n);

                if (!np) {
                        b->failed = true;
                        return;
                }
                b->p = np;
                b->size = b->size * 2 + (size_t)n;
        }
}

static void put_requests(struct buf *b)
{
        size_t r, c;

        put(b, "# HELP team_server_http_requests_total HTTP requests answered, by route and status code.\n"
               "# TYPE team_server_http_requests_total counter\n");
        for (r = 0; r <= n_names; r++)
                for (c = 0; c < N_CODES; c++) {
                        uint64_t v = atomic_load_explicit(&requests[r][c], memory_order_relaxed);
                        const char *route = r < n_names ? names[r] : "unmatched";

                        if (v == 0)
                                continue;
                        if (tracked_codes[c])
                                put(b, "team_server_http_requests_total{route=\"%s\",code=\"%u\"} %llu\n", route,
                                    tracked_codes[c], (unsigned long long)v);
                        else
                                put(b, "team_server_http_requests_total{route=\"%s\",code=\"other\"} %llu\n", route,
                                    (unsigned long long)v);
                }
}

static void put_gauge(struct buf *b, const char *name, const char *type, const char *help, uint64_t v)
{
        put(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, (unsigned long long)v);
}

int metrics_render(struct srv_store *store, uint64_t open_long_polls, char **out)
{
        struct buf b = { .size = 4096 };
        uint64_t v;

        *out = NULL;
        b.p = malloc(b.size);
        if (!b.p)
                return -ENOMEM;
        b.p[0] = '\0';
        put_requests(&b);
        if (store && srv_store_request_count(store, SRV_REQ_PENDING, &v) == 0)
                put_gauge(&b, "team_server_pending_requests", "gauge", "Requests waiting for a decision.", v);
        put_gauge(&b, "team_server_open_long_polls", "gauge", "Host feed requests being held open.",
                  open_long_polls);
        if (store && srv_store_webhook_depth(store, &v) == 0)
                put_gauge(&b, "team_server_webhook_queue_depth", "gauge", "Webhook notifications not yet delivered.",
                          v);
        if (store && srv_store_grant_count(store, &v) == 0)
                put_gauge(&b, "team_server_grants_issued_total", "counter", "Grants ever signed.", v);
        put_gauge(&b, "team_server_feed_wakeups_total", "counter", "Long-polls woken by a new feed entry.",
                  atomic_load_explicit(&feed_wakeups, memory_order_relaxed));
        put_gauge(&b, "team_server_connections_evicted_total", "counter",
                  "Unauthenticated connections closed to make room (max_anonymous_connections).",
                  atomic_load_explicit(&connections_evicted, memory_order_relaxed));
        put_gauge(&b, "team_server_connections_timed_out_total", "counter",
                  "Unauthenticated connections closed at header_timeout.",
                  atomic_load_explicit(&connections_timed_out, memory_order_relaxed));
        if (b.failed) {
                free(b.p);
                return -ENOMEM;
        }
        *out = b.p;
        return 0;
}
