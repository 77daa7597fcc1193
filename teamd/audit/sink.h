/* SPDX-License-Identifier: BSD-3-Clause */
/* What the shipper (shipper.c) asks of an audit sink (CloudTrail Lake,
 * CloudWatch Logs, ...): send a batch of outbox entries, then say per
 * entry whether it was delivered, must be retried, or was refused for good
 * (dead letter). Sinks are asynchronous on teamd's event loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/outbox.h"

enum sink_verdict { SINK_RETRY = 0, SINK_DELIVERED, SINK_DEAD };

struct sink_item {
        const struct outbox_entry *entry;
        enum sink_verdict verdict;       /* set by the sink; RETRY until then */
        char code[129];                  /* for RETRY/DEAD: the error code */
        char message[1025];
};

/* err: 0 when the sink got an answer (per-item verdicts are set), or a
 * negative errno when the whole batch failed (every item is retried).
 * retry_after_s: the service's hint (-1 none). throttled: slow down. */
typedef void (*sink_done_fn)(int err, long retry_after_s, bool throttled, void *userdata);

struct sink {
        const char *name;                /* OUTBOX_SINK_* */
        size_t max_events;               /* per batch */
        size_t max_bytes;                /* of entry JSON per batch (the request stays under the service cap) */
        unsigned max_inflight;           /* batches at once (1: strictly one after the other) */
        /* Start sending; done() is called exactly once from the event loop
         * (never from inside send) unless cancel() comes first. Up to
         * max_inflight sends may be outstanding, each its own userdata. */
        int (*send)(struct sink *s, struct sink_item *items, size_t n, sink_done_fn done, void *userdata);
        /* Cancels every outstanding send; no done() follows. */
        void (*cancel)(struct sink *s);
        void (*free)(struct sink *s);
};
