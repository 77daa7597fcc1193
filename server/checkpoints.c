/* SPDX-License-Identifier: BSD-3-Clause */
/* The hosts' signed audit checkpoints: parsing, the decision against the
 * recorded one, the stale sweep and the admin's key; see checkpoints.h.
 *
 * Every decision runs in one store transaction that first reads the
 * host's record (locked until the end on PostgreSQL), so two instances
 * receiving checkpoints of one host decide one after the other. A first
 * record is created only where none is: an instance that loses that race
 * starts over and decides against the winner's record. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "checkpoint_alert.h"
#include "checkpoints.h"
#include "webhook.h"

#define CONFLICT_FORK "chain_fork"
#define CONFLICT_KEY "key_mismatch"
/* Tries of one decision when another instance changed the record first
 * (or the database asked for a retry). */
#define RECEIVE_TRIES 3

static bool same_checkpoint(const struct srv_checkpoint *rec, const struct team_audit_event *ev)
{
        return rec->head && strcmp(rec->head, ev->prev) == 0 && rec->time_usec == ev->time_usec;
}

static enum checkpoint_outcome decide(const struct srv_checkpoint *rec, const struct team_audit_event *ev)
{
        if (rec && rec->host_key && strcmp(rec->host_key, ev->host_key) != 0)
                return CHECKPOINT_KEY_MISMATCH;
        if (!rec || rec->seq == 0 || (int64_t)ev->seq > rec->seq)
                return CHECKPOINT_RECORDED;
        /* The same seq signed again with the same head and time is the
         * same statement: a resend. Any other checkpoint at or below the
         * recorded seq is a second history. */
        if ((int64_t)ev->seq == rec->seq && same_checkpoint(rec, ev))
                return CHECKPOINT_DUPLICATE;
        return CHECKPOINT_FORK;
}

/* Up to two events per decision (a key registered and a stop resolved). */
struct pending {
        struct checkpoint_alert a[2];
        size_t n;
};

static struct checkpoint_alert *pending_add(struct pending *p, enum checkpoint_event e, const char *host,
                                            const char *actor, int64_t now, const struct srv_checkpoint *rec,
                                            const struct team_audit_event *ev)
{
        struct checkpoint_alert *a = &p->a[p->n++];

        memset(a, 0, sizeof(*a));
        a->event = e;
        a->host = host;
        a->actor = actor;
        a->at = now;
        a->recorded = rec;
        a->ev = ev;
        return a;
}

/* The record after an accepted checkpoint; strings borrowed from rec and ev. */
static void accepted_record(struct srv_checkpoint *next, const struct srv_checkpoint *rec, const char *host,
                            const struct team_audit_event *ev, int64_t now)
{
        *next = (struct srv_checkpoint){
                .host = host, .seq = (int64_t)ev->seq, .head = ev->prev,
                .time_usec = ev->time_usec, .received_at = now,
                .host_key = rec && rec->host_key ? rec->host_key : ev->host_key,
                .key_by_admin = rec && rec->host_key && rec->key_by_admin,
                .key_at = rec && rec->host_key ? rec->key_at : now,
        };
}

/* The record after a refused checkpoint: rec, with ev as its last refusal. */
static void refused_record(struct srv_checkpoint *next, const struct srv_checkpoint *rec, const char *kind,
                           const struct team_audit_event *ev, int64_t now)
{
        *next = *rec;
        next->conflict = kind;
        next->conflict_seq = (int64_t)ev->seq;
        next->conflict_head = ev->prev;
        next->conflict_key = ev->host_key;
        next->conflict_time_usec = ev->time_usec;
        next->conflict_at = now;
        next->conflicts = rec->conflicts + 1;
}

static void fill_result(struct checkpoint_result *out, enum checkpoint_outcome o, const struct srv_checkpoint *rec)
{
        memset(out, 0, sizeof(*out));
        out->outcome = o;
        if (!rec)
                return;
        out->recorded_seq = rec->seq;
        out->recorded_time_usec = rec->time_usec;
        snprintf(out->recorded_head, sizeof(out->recorded_head), "%s", rec->head ? rec->head : "");
        snprintf(out->registered_key, sizeof(out->registered_key), "%s", rec->host_key ? rec->host_key : "");
}

/* One try: read, decide, write, commit, then announce. */
static int receive_once(const struct checkpoint_ctx *ctx, const char *host, const char *actor,
                        const struct team_audit_event *ev, int64_t now, struct checkpoint_result *out)
{
        struct srv_store *s = ctx->store;
        struct srv_checkpoint rec = { 0 }, next;
        struct pending p = { .n = 0 };
        enum checkpoint_outcome o;
        bool have;
        int r;

        r = srv_store_begin(s);
        if (r < 0)
                return r;
        r = srv_store_checkpoint_get(s, host, &rec);
        have = r == 0;
        if (r == -ENOENT)
                r = 0;
        if (r < 0)
                goto fail;
        o = decide(have ? &rec : NULL, ev);
        if (o == CHECKPOINT_RECORDED) {
                accepted_record(&next, have ? &rec : NULL, host, ev, now);
                if (!have || !rec.host_key)
                        pending_add(&p, CP_EVENT_KEY_REGISTERED, host, actor, now, NULL, ev)->key = ev->host_key;
                if (have && rec.stop_alerted_at)
                        pending_add(&p, CP_EVENT_RESUMED, host, actor, now, &rec, ev);
                r = srv_store_checkpoint_put(s, &next, !have);
        } else if (o != CHECKPOINT_DUPLICATE) {
                const char *kind = o == CHECKPOINT_FORK ? CONFLICT_FORK : CONFLICT_KEY;

                refused_record(&next, &rec, kind, ev, now);
                /* Once per kind until a checkpoint is accepted again: a
                 * restored host refused every interval raises one alert. */
                if (!rec.conflict || strcmp(rec.conflict, kind) != 0)
                        pending_add(&p, o == CHECKPOINT_FORK ? CP_EVENT_FORK : CP_EVENT_KEY_MISMATCH, host, actor,
                                    now, &rec, ev);
                r = srv_store_checkpoint_put(s, &next, false);
        } else {
                next = rec;
        }
        for (size_t i = 0; r == 0 && i < p.n; i++)
                r = checkpoint_alert_record(s, ctx->webhook, &p.a[i]);
        if (r < 0)
                goto fail;
        r = srv_store_commit(s);
        if (r == 0) {
                for (size_t i = 0; i < p.n; i++)
                        checkpoint_alert_announce(ctx->webhook, &p.a[i]);
                fill_result(out, o, &next);
                out->key_registered = o == CHECKPOINT_RECORDED && (!have || !rec.host_key);
                out->alerted = p.n > 0 && p.a[p.n - 1].event != CP_EVENT_KEY_REGISTERED;
        }
        srv_checkpoint_clear(&rec);
        return r;
fail:
        srv_store_rollback(s);
        srv_checkpoint_clear(&rec);
        return r;
}

int checkpoint_receive(const struct checkpoint_ctx *ctx, const char *host, const struct team_audit_event *ev,
                       int64_t now, struct checkpoint_result *out)
{
        char actor[SRV_MAX_NAME + 8];
        int r = -EAGAIN;

        memset(out, 0, sizeof(*out));
        if (!host || !ev->host_key || ev->seq == 0)
                return -EINVAL;
        snprintf(actor, sizeof(actor), "host:%s", host);
        for (int i = 0; i < RECEIVE_TRIES && (r == -EAGAIN || r == -EEXIST); i++)
                r = receive_once(ctx, host, actor, ev, now, out);
        /* Still losing to other writers: the client tries again later. */
        return r == -EEXIST ? -EAGAIN : r;
}

unsigned checkpoint_sweep_interval(uint64_t alert_after)
{
        uint64_t q = alert_after / 4;

        return q < 1 ? 1 : q > 60 ? 60 : (unsigned)q;
}

/* Claims and raises the stop alert of one stale record. 1: raised; 0:
 * another instance did, or a checkpoint came meanwhile. */
static int raise_stopped(const struct checkpoint_ctx *ctx, const struct srv_checkpoint *rec, int64_t now)
{
        struct checkpoint_alert a = {
                .event = CP_EVENT_STOPPED, .host = rec->host, .actor = "server", .at = now, .recorded = rec,
                .alert_after = ctx->alert_after,
        };
        int r = srv_store_begin(ctx->store);

        if (r < 0)
                return r;
        r = srv_store_checkpoint_mark_stopped(ctx->store, rec->host, rec->received_at, now);
        r = r ?: checkpoint_alert_record(ctx->store, ctx->webhook, &a);
        if (r < 0) {
                srv_store_rollback(ctx->store);
                return r == -ENOENT ? 0 : r;
        }
        r = srv_store_commit(ctx->store);
        if (r < 0)
                return r;
        checkpoint_alert_announce(ctx->webhook, &a);
        return 1;
}

int checkpoint_sweep(const struct checkpoint_ctx *ctx, int64_t now, size_t *raised)
{
        struct srv_checkpoint *list = NULL;
        size_t n = 0, count = 0;
        int r;

        if (raised)
                *raised = 0;
        if (ctx->alert_after == 0)
                return 0;
        r = srv_store_checkpoint_stale(ctx->store, now - (int64_t)ctx->alert_after, SRV_CHECKPOINT_LIST_MAX, &list,
                                       &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = raise_stopped(ctx, &list[i], now);
                if (r > 0)
                        count++;
        }
        if (r < 0)
                checkpoint_log(LOG_ERR, NULL, "the stale checkpoint sweep failed: %s", strerror(-r));
        srv_checkpoint_list_free(list, n);
        if (raised)
                *raised = count;
        return r < 0 ? r : 0;
}

int checkpoint_set_key(const struct checkpoint_ctx *ctx, const char *host, const char *key, const char *actor,
                       int64_t now)
{
        struct srv_store *s = ctx->store;
        struct srv_checkpoint rec = { 0 }, next;
        struct checkpoint_alert a = { .host = host, .actor = actor, .at = now, .key = key };
        bool have;
        int r = srv_store_begin(s);

        if (r < 0)
                return r;
        r = srv_store_checkpoint_get(s, host, &rec);
        have = r == 0;
        if (r == -ENOENT)
                r = key ? 0 : -ENOENT;
        a.recorded = have ? &rec : NULL;
        if (r == 0 && !key) {
                a.event = CP_EVENT_KEY_CLEARED;
                r = srv_store_checkpoint_delete(s, host);
        } else if (r == 0) {
                a.event = CP_EVENT_KEY_SET;
                next = have ? rec : (struct srv_checkpoint){ .host = host };
                next.host_key = key;
                next.key_by_admin = true;
                next.key_at = now;
                /* The admin has looked at the refusals. */
                next.conflict = next.conflict_head = next.conflict_key = NULL;
                next.conflict_seq = next.conflict_time_usec = next.conflict_at = next.conflicts = 0;
                r = srv_store_checkpoint_put(s, &next, !have);
        }
        r = r ?: checkpoint_alert_record(s, ctx->webhook, &a);
        if (r < 0)
                srv_store_rollback(s);
        else if ((r = srv_store_commit(s)) == 0)
                checkpoint_alert_announce(ctx->webhook, &a);
        srv_checkpoint_clear(&rec);
        return r;
}
