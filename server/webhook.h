/* SPDX-License-Identifier: BSD-3-Clause */
/* Webhook notifications: request created, decided (approved/denied), grant
 * revoked -> POST to every configured [webhook NAME].
 *
 * Durable and never in the API's way: the lifecycle listener only formats
 * the bodies and appends one job per webhook to the store's queue (one
 * transaction, same call path as the API request, no network). A sender
 * thread per webhook delivers that webhook's jobs strictly in order with
 * libcurl (5 s timeout, TLS verified, no redirects, answer discarded),
 * retrying with exponential backoff and jitter (1 s doubling, capped at
 * 5 min), without limit unless max_attempts is set, after which the job
 * is kept as failed (next_at = SRV_WEBHOOK_GAVE_UP) and logged, never
 * deleted. Jobs live in the database, so they survive restarts; jobs of a
 * webhook no longer configured stay queued untouched.
 *
 * Webhook URLs are secrets (Slack and Teams put the credential in the
 * path): they are never logged; logs name the webhook by its NAME. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct lc;
struct lc_notice;
struct srv_store;
struct webhook_config;
struct webhook_event;
struct webhook;

struct webhook_options {
        unsigned max_attempts;        /* 0 = retry forever */
        unsigned backoff_cap;         /* seconds; 0 = 300 */
};

/* Validates the list (unique names, http(s) URL, known format), starts one
 * sender thread per webhook and, when lc is not NULL, registers
 * webhook_on_event with lc_set_notify() (so call it before serving).
 * n == 0 is fine: nothing is started, *out is still a valid handle.
 * opts may be NULL (defaults). Returns 0 or -errno with a sentence in err. */
int webhook_start(struct srv_store *store, struct lc *lc, const struct webhook_config *list, size_t n,
                  const struct webhook_options *opts, struct webhook **out, char *err, size_t errlen);

/* Stops the senders (an ongoing POST is aborted; its job stays queued) and
 * frees w. NULL-safe. Call after the HTTP server stopped. */
void webhook_stop(struct webhook *w);

/* The lc_notify_fn (ctx = struct webhook *): maps the lifecycle notice to
 * an event and enqueues it. Never blocks on the network; errors are logged
 * (the API call has already committed and must not fail). */
void webhook_on_event(const struct lc_notice *n, void *ctx);

/* Formats ev for every configured webhook and appends the jobs in one
 * store transaction, then wakes the senders. 0 or -errno. */
int webhook_enqueue(struct webhook *w, const struct webhook_event *ev);

/* The same inside the caller's store transaction (no begin or commit
 * here), so that a job is queued exactly when what it reports is
 * committed; call webhook_wake() after the commit. 0 or -errno; NULL w or
 * no webhook: 0. */
int webhook_enqueue_in(struct webhook *w, const struct webhook_event *ev);
/* Tells the senders new jobs are committed. NULL-safe. */
void webhook_wake(struct webhook *w);

/* Jobs in the queue (all webhooks, failed ones included): for /metrics. */
int webhook_queue_depth(struct webhook *w, uint64_t *out);

/* Backoff before attempt number attempts + 1, after attempts (>= 1)
 * failures: base = min(2^(attempts-1), cap) s, result uniformly in
 * [base/2, base] rounded up to whole seconds, at least 1. rnd is any
 * random 32-bit value (exposed for tests). */
unsigned webhook_backoff(unsigned attempts, unsigned cap, uint32_t rnd);
