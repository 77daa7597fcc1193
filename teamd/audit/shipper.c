/* SPDX-License-Identifier: BSD-3-Clause */
/* Outbox -> sinks; see shipper.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <openssl/rand.h>

#include "audit/journal.h"
#include "audit/shipper.h"

#define MAX_LANES 4
#define MAX_INFLIGHT 8

struct lane;

/* One batch with the sink. */
struct batch {
        struct lane *lane;
        struct outbox_entry *entries;
        size_t n;
        struct sink_item *items;
        bool busy;
};

struct lane {
        struct shipper *sh;
        struct sink *sink;
        sd_event_source *timer;
        struct batch batches[MAX_INFLIGHT];
        unsigned max_inflight;
        unsigned n_busy;
        bool backing_off;
        unsigned attempt;           /* consecutive failed rounds */
        size_t batch_limit;         /* lowered while splitting an invalid batch */
};

struct shipper {
        sd_event *event;
        struct outbox *ob;
        struct lane lanes[MAX_LANES];
        size_t n_lanes;
};

static void lane_schedule(struct lane *l, uint64_t usec)
{
        if (sd_event_source_set_time_relative(l->timer, usec) < 0 ||
            sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT) < 0)
                teamd_log(LOG_ERR, "audit shipper %s: cannot arm its timer", l->sink->name);
}

/* Full jitter over [d/2, d], d = first * 2^attempt, capped. */
static uint64_t backoff_usec(unsigned attempt, long retry_after_s)
{
        uint64_t d = SHIPPER_BACKOFF_FIRST_USEC, j = 0;

        for (unsigned i = 0; i < attempt && d < SHIPPER_BACKOFF_MAX_USEC; i++)
                d *= 2;
        if (d > SHIPPER_BACKOFF_MAX_USEC)
                d = SHIPPER_BACKOFF_MAX_USEC;
        if (RAND_bytes((unsigned char *)&j, sizeof(j)) != 1)
                j = 0;
        d = d / 2 + j % (d / 2 + 1);
        if (retry_after_s > 0 && (uint64_t)retry_after_s * 1000000 > d)
                d = (uint64_t)(retry_after_s > 300 ? 300 : retry_after_s) * 1000000;
        return d;
}

static void batch_release(struct batch *b)
{
        outbox_entries_free(b->entries, b->n);
        free(b->items);
        if (b->busy)
                b->lane->n_busy--;
        b->entries = NULL;
        b->items = NULL;
        b->n = 0;
        b->busy = false;
}

static void lane_backoff(struct lane *l, long retry_after_s)
{
        uint64_t d;

        if (l->backing_off)
                return; /* another batch of this round already failed */
        d = backoff_usec(l->attempt, retry_after_s);
        if (l->attempt < 30)
                l->attempt++;
        l->backing_off = true;
        lane_schedule(l, d);
}

/* Acks and dead letters; returns whether some entry failed for real. */
static bool batch_record(struct batch *b)
{
        struct lane *l = b->lane;
        int64_t *seqs = calloc(b->n ? b->n : 1, sizeof(*seqs));
        size_t k = 0;
        bool failed = false;

        for (size_t i = 0; i < b->n; i++) {
                struct sink_item *it = &b->items[i];

                if (it->verdict == SINK_DELIVERED && seqs)
                        seqs[k++] = it->entry->seq;
                else if (it->verdict == SINK_DEAD)
                        outbox_dead_letter(l->sh->ob, l->sink->name, it->entry->seq, it->code, it->message);
                else if (it->code[0])
                        failed = true;
        }
        if (k > 0 && outbox_ack(l->sh->ob, l->sink->name, seqs, k) < 0)
                teamd_log(LOG_ERR, "audit shipper %s: cannot record %zu deliveries (they will be sent again)",
                          l->sink->name, k);
        free(seqs);
        return failed;
}

static void on_sink_done(int err, long retry_after_s, bool throttled, void *userdata)
{
        struct batch *b = userdata;
        struct lane *l = b->lane;
        bool failed = batch_record(b);

        if (err == -EBADMSG && b->n == 1)
                outbox_dead_letter(l->sh->ob, l->sink->name, b->entries[0].seq, b->items[0].code,
                                   b->items[0].message);
        if (err == -EBADMSG) {
                /* split until the bad event is alone */
                if (b->n > 1)
                        l->batch_limit = b->n / 2;
                batch_release(b);
                if (!l->backing_off)
                        lane_schedule(l, 0);
                return;
        }
        batch_release(b);
        if (err < 0 || failed || throttled) {
                lane_backoff(l, retry_after_s);
                return;
        }
        if (l->backing_off)
                return;
        l->attempt = 0;
        if (l->batch_limit < l->sink->max_events)
                l->batch_limit = l->batch_limit * 2 > l->sink->max_events ? l->sink->max_events : l->batch_limit * 2;
        lane_schedule(l, 0);
}

/* Batches in flight hold the newest entries handed out: fetch after them
 * (nothing is sent twice at once); with none in flight, from the oldest
 * (what failed comes back). */
static int64_t lane_after_seq(const struct lane *l)
{
        int64_t after = 0;

        for (unsigned i = 0; i < l->max_inflight; i++)
                if (l->batches[i].busy && l->batches[i].n > 0 &&
                    l->batches[i].entries[l->batches[i].n - 1].seq > after)
                        after = l->batches[i].entries[l->batches[i].n - 1].seq;
        return after;
}

/* 1: a batch went out, 0: nothing to send, -errno. */
static int lane_send_one(struct lane *l, struct batch *b)
{
        int r = outbox_fetch_batch(l->sh->ob, l->sink->name, lane_after_seq(l), l->batch_limit, l->sink->max_bytes,
                                   &b->entries, &b->n);

        if (r < 0) {
                teamd_log(LOG_ERR, "audit shipper %s: cannot read the outbox: %s", l->sink->name, strerror(-r));
                return r;
        }
        if (b->n == 0) {
                batch_release(b);
                return 0;
        }
        b->items = calloc(b->n, sizeof(*b->items));
        if (!b->items) {
                batch_release(b);
                return -ENOMEM;
        }
        for (size_t i = 0; i < b->n; i++)
                b->items[i].entry = &b->entries[i];
        b->busy = true;
        l->n_busy++;
        r = l->sink->send(l->sink, b->items, b->n, on_sink_done, b);
        if (r < 0) {
                teamd_log(LOG_WARNING, "audit shipper %s: cannot send: %s", l->sink->name, strerror(-r));
                batch_release(b);
                return r;
        }
        return 1;
}

static int on_lane_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct lane *l = userdata;
        int r = 1;

        l->backing_off = false;
        /* while splitting an invalid batch, one at a time */
        for (unsigned i = 0; i < l->max_inflight && r > 0; i++) {
                if (l->batches[i].busy)
                        continue;
                if (l->n_busy > 0 && l->batch_limit < l->sink->max_events)
                        break;
                r = lane_send_one(l, &l->batches[i]);
        }
        if (r < 0)
                lane_backoff(l, -1);
        else if (r == 0 && l->n_busy == 0)
                lane_schedule(l, SHIPPER_IDLE_POLL_USEC);
        return 0;
}

int shipper_new(sd_event *event, struct outbox *ob, struct sink **sinks, size_t n_sinks, struct shipper **out)
{
        struct shipper *sh;
        int r = 0;

        *out = NULL;
        if (n_sinks > MAX_LANES)
                return -E2BIG;
        sh = calloc(1, sizeof(*sh));
        if (!sh)
                return -ENOMEM;
        sh->event = sd_event_ref(event);
        sh->ob = ob;
        for (size_t i = 0; i < n_sinks; i++) {
                struct lane *l = &sh->lanes[i];

                l->sh = sh;
                l->sink = sinks[i];
                l->batch_limit = sinks[i]->max_events;
                l->max_inflight = sinks[i]->max_inflight < 1 ? 1
                                  : sinks[i]->max_inflight > MAX_INFLIGHT ? MAX_INFLIGHT : sinks[i]->max_inflight;
                for (unsigned k = 0; k < MAX_INFLIGHT; k++)
                        l->batches[k].lane = l;
                sh->n_lanes = i + 1;
                r = sd_event_add_time_relative(event, &l->timer, CLOCK_MONOTONIC, 0, 1000, on_lane_timer, l);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                shipper_free(sh);
                return r;
        }
        *out = sh;
        return 0;
}

void shipper_free(struct shipper *sh)
{
        if (!sh)
                return;
        for (size_t i = 0; i < sh->n_lanes; i++) {
                struct lane *l = &sh->lanes[i];

                if (l->n_busy)
                        l->sink->cancel(l->sink);
                for (unsigned k = 0; k < MAX_INFLIGHT; k++)
                        batch_release(&l->batches[k]);
                sd_event_source_disable_unref(l->timer);
                l->sink->free(l->sink);
        }
        sd_event_unref(sh->event);
        free(sh);
}
