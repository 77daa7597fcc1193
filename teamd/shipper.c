/* Outbox -> sinks; see shipper.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <openssl/rand.h>

#include "journal.h"
#include "shipper.h"

#define MAX_LANES 4

struct lane {
        struct shipper *sh;
        struct sink *sink;
        sd_event_source *timer;
        struct outbox_entry *entries;
        size_t n;
        struct sink_item *items;
        bool busy;                  /* a batch is with the sink */
        bool backing_off;
        unsigned attempt;           /* consecutive failed rounds */
        size_t batch_limit;         /* lowered while splitting an invalid batch */
        struct shipper_stats stats;
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

static void lane_release(struct lane *l)
{
        outbox_entries_free(l->entries, l->n);
        free(l->items);
        l->entries = NULL;
        l->items = NULL;
        l->n = 0;
        l->busy = false;
}

static void lane_backoff(struct lane *l, long retry_after_s)
{
        uint64_t d = backoff_usec(l->attempt, retry_after_s);

        if (l->attempt < 30)
                l->attempt++;
        l->backing_off = true;
        lane_schedule(l, d);
}

/* Acks and dead letters; returns whether some entry failed for real. */
static bool lane_record(struct lane *l, size_t *n_delivered)
{
        int64_t *seqs = calloc(l->n ? l->n : 1, sizeof(*seqs));
        size_t k = 0;
        bool failed = false;

        for (size_t i = 0; i < l->n; i++) {
                struct sink_item *it = &l->items[i];

                if (it->verdict == SINK_DELIVERED && seqs)
                        seqs[k++] = it->entry->seq;
                else if (it->verdict == SINK_DEAD) {
                        if (outbox_dead_letter(l->sh->ob, l->sink->name, it->entry->seq, it->code, it->message) == 0)
                                l->stats.dead++;
                } else if (it->code[0]) {
                        failed = true;
                        l->stats.retried++;
                }
        }
        if (k > 0 && outbox_ack(l->sh->ob, l->sink->name, seqs, k) == 0)
                l->stats.delivered += k;
        else if (k > 0)
                teamd_log(LOG_ERR, "audit shipper %s: cannot record %zu deliveries (they will be sent again)",
                          l->sink->name, k);
        *n_delivered = k;
        free(seqs);
        return failed;
}

static void on_sink_done(int err, long retry_after_s, bool throttled, void *userdata)
{
        struct lane *l = userdata;
        size_t delivered = 0;
        bool failed;

        failed = lane_record(l, &delivered);
        if (err == -EBADMSG && l->n > 1) {
                l->batch_limit = l->n / 2;
                lane_release(l);
                lane_schedule(l, 0);
                return;
        }
        if (err == -EBADMSG && l->n == 1) {
                if (outbox_dead_letter(l->sh->ob, l->sink->name, l->entries[0].seq, l->items[0].code,
                                       l->items[0].message) == 0)
                        l->stats.dead++;
                lane_release(l);
                lane_schedule(l, 0);
                return;
        }
        lane_release(l);
        if (err < 0 || failed || throttled) {
                lane_backoff(l, retry_after_s);
                return;
        }
        l->attempt = 0;
        if (l->batch_limit < l->sink->max_events)
                l->batch_limit = l->batch_limit * 2 > l->sink->max_events ? l->sink->max_events : l->batch_limit * 2;
        lane_schedule(l, 0);
}

static int on_lane_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct lane *l = userdata;
        int r;

        if (l->busy)
                return 0;
        l->backing_off = false;
        r = outbox_fetch_batch(l->sh->ob, l->sink->name, 0, l->batch_limit, l->sink->max_bytes, &l->entries, &l->n);
        if (r < 0) {
                teamd_log(LOG_ERR, "audit shipper %s: cannot read the outbox: %s", l->sink->name, strerror(-r));
                lane_backoff(l, -1);
                return 0;
        }
        if (l->n == 0) {
                lane_release(l);
                lane_schedule(l, SHIPPER_IDLE_POLL_USEC);
                return 0;
        }
        l->items = calloc(l->n, sizeof(*l->items));
        if (!l->items) {
                lane_release(l);
                lane_backoff(l, -1);
                return 0;
        }
        for (size_t i = 0; i < l->n; i++)
                l->items[i].entry = &l->entries[i];
        l->busy = true;
        l->stats.batches++;
        r = l->sink->send(l->sink, l->items, l->n, on_sink_done, l);
        if (r < 0) {
                teamd_log(LOG_WARNING, "audit shipper %s: cannot send: %s", l->sink->name, strerror(-r));
                lane_release(l);
                lane_backoff(l, -1);
        }
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

                if (l->busy)
                        l->sink->cancel(l->sink);
                lane_release(l);
                sd_event_source_disable_unref(l->timer);
                l->sink->free(l->sink);
        }
        sd_event_unref(sh->event);
        free(sh);
}

void shipper_kick(struct shipper *sh)
{
        if (!sh)
                return;
        for (size_t i = 0; i < sh->n_lanes; i++) {
                struct lane *l = &sh->lanes[i];

                if (!l->busy && !l->backing_off)
                        lane_schedule(l, 0);
        }
}

void shipper_get_stats(const struct shipper *sh, struct shipper_stats *st)
{
        memset(st, 0, sizeof(*st));
        for (size_t i = 0; sh && i < sh->n_lanes; i++) {
                st->delivered += sh->lanes[i].stats.delivered;
                st->retried += sh->lanes[i].stats.retried;
                st->dead += sh->lanes[i].stats.dead;
                st->batches += sh->lanes[i].stats.batches;
        }
}

bool shipper_idle(const struct shipper *sh)
{
        for (size_t i = 0; sh && i < sh->n_lanes; i++)
                if (sh->lanes[i].busy || sh->lanes[i].backing_off)
                        return false;
        return true;
}
