/* SPDX-License-Identifier: BSD-3-Clause */
/* Long-poll waiters of GET /v1/hosts/{id}/grants.
 *
 * A feed request with nothing new registers a waiter (the host id and its
 * groups), queries the store, and only then suspends its connection, so a
 * grant committed between the query and the suspension is not missed: the
 * notification marks the waiter and the suspension is skipped. A new grant
 * or revocation for an aud wakes (resumes) every waiter whose host id or
 * groups contain that aud; a timer thread resumes waiters whose deadline
 * passed. On shutdown every waiter is resumed and new waits are refused. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

struct feed;

struct feed_waiter {
        /* private to feed.c */
        struct feed_waiter *prev, *next;
        struct http_req *req;
        char **auds;                 /* host id + groups, NULL-terminated */
        uint64_t deadline_ms;        /* CLOCK_MONOTONIC */
        int state;
        bool listed;
};

int feed_new(struct feed **out);
void feed_free(struct feed *f);

/* Monotonic milliseconds (for deadlines). */
uint64_t feed_now_ms(void);

/* Registers w for req (auds copied). -ESHUTDOWN while stopping. */
int feed_wait_begin(struct feed *f, struct feed_waiter *w, struct http_req *req, const char *host_id,
                    const char *const *groups, uint64_t deadline_ms);
/* After a query that found nothing: suspends req's connection and returns
 * true, or returns false (and unregisters) when a notification or the
 * shutdown came in the meantime: query again. */
bool feed_wait_suspend(struct feed *f, struct feed_waiter *w);
/* Unregisters (idempotent); frees the aud copy. */
void feed_wait_end(struct feed *f, struct feed_waiter *w);

/* A new feed entry for aud (host id or group). */
void feed_notify(struct feed *f, const char *aud);
/* feed_notify for a store callback (ctx is the feed); aud NULL (entries
 * may have been missed) wakes every waiter to read the feed again. */
void feed_notify_or_all(const char *aud, void *ctx);
/* Resumes everything, refuses new waits. */
void feed_shutdown(struct feed *f);
uint64_t feed_open_count(struct feed *f);

/* Feed requests between their first handler call and the end of their
 * answer (MHD's completion callback): shutdown waits for these to reach
 * 0, so a held long-poll gets its answer before the daemon stops. */
void feed_request_started(struct feed *f);
void feed_request_finished(struct feed *f);
uint64_t feed_requests_in_flight(struct feed *f);
