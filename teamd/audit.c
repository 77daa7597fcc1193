/* SPDX-License-Identifier: BSD-3-Clause */
/* The audit trail of teamd: outbox + journald; see audit.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <systemd/sd-event.h>

#include "audit.h"
#include "audit/checkpoint.h"
#include "conn.h"
#include "audit/journal.h"
#include "audit/outbox.h"
#include "protocol.h"
#include "teamd.h"

/* The longest a group of lone events stays open, whatever else is ready. */
#define GROUP_DEADLINE_USEC (5 * 1000)

static int record(struct team_audit_event *ev, void *userdata)
{
        struct teamd *d = userdata;
        bool was_open;
        int r;

        if (!d->outbox)
                return 0;
        was_open = outbox_group_open(d->outbox);
        r = outbox_record(d->outbox, ev);
        if (outbox_group_open(d->outbox) && d->audit_group_end) {
                /* A group waits for the loop to have nothing else ready,
                 * but never longer than its deadline: a source that is
                 * always ready (a flood on a socket) must not hold the
                 * answers back. */
                (void)sd_event_source_set_enabled(d->audit_group_end, SD_EVENT_ONESHOT);
                if (!was_open && sd_event_source_set_time_relative(d->audit_group_deadline,
                                                                   GROUP_DEADLINE_USEC) >= 0)
                        (void)sd_event_source_set_enabled(d->audit_group_deadline, SD_EVENT_ONESHOT);
        }
        return r;
}

/* Every answer held for the group may go now, or must become an error. */
static void on_group_done(int r, void *userdata)
{
        struct teamd *d = userdata;

        if (r < 0)
                teamd_log(LOG_ALERT, "audit: a group of events could not be committed (%s); the answers waiting for it become errors",
                          strerror(-r));
        teamd_conn_release_held(d);
}

int teamd_audit_start(struct teamd *d)
{
        const char *sinks[3];
        char err[512];
        size_t n = 0;
        int r;

        if (d->cfg.cloudtrail_channel_arn)
                sinks[n++] = OUTBOX_SINK_CLOUDTRAIL;
        if (d->cfg.cloudwatch_log_group && d->cfg.cloudwatch_log_stream)
                sinks[n++] = OUTBOX_SINK_CLOUDWATCH;
        sinks[n] = NULL;
        r = outbox_open(d->store, d->cfg.outbox_max_events, d->cfg.outbox_max_bytes, sinks, &d->outbox);
        if (r < 0)
                return r;
        r = outbox_set_host(d->outbox, d->cfg.host_id);
        if (r < 0)
                return r;
        team_journal_set_recorder(record, d);
        r = audit_checkpoints_open(d, &d->checkpoints, err, sizeof(err));
        if (r < 0)
                teamd_log(LOG_ERR, "audit: host key: %s", err[0] ? err : strerror(-r));
        return r;
}

#define SYNC_INTERVAL_USEC (1000 * 1000)

static int on_sync(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct teamd *d = userdata;
        int r;

        if (d->outbox) {
                r = outbox_sync(d->outbox);
                if (r < 0)
                        teamd_log(LOG_ERR, "audit: cannot sync the outbox to disk: %s", strerror(-r));
        }
        r = sd_event_source_set_time_relative(s, SYNC_INTERVAL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return r;
}

static int on_group_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct teamd *d = userdata;

        (void)teamd_audit_flush(d);
        return 0;
}

static int on_group_end(sd_event_source *s, void *userdata)
{
        struct teamd *d = userdata;

        (void)teamd_audit_flush(d);
        return 0;
}

int teamd_audit_flush(struct teamd *d)
{
        return d->outbox ? outbox_group_commit(d->outbox) : 0;
}

bool teamd_audit_group_open(const struct teamd *d)
{
        return outbox_group_open(d->outbox);
}

uint64_t teamd_audit_groups_lost(const struct teamd *d)
{
        return outbox_groups_lost(d->outbox);
}

int teamd_audit_attach(struct teamd *d)
{
        int r;

        /* The group ends when nothing of higher priority is ready: every
         * check that arrived in this turn of the loop is in it. */
        r = sd_event_add_defer(d->event, &d->audit_group_end, on_group_end, d);
        if (r >= 0)
                r = sd_event_source_set_priority(d->audit_group_end, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->audit_group_end, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(d->event, &d->audit_group_deadline, CLOCK_MONOTONIC,
                                               GROUP_DEADLINE_USEC, 0, on_group_deadline, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->audit_group_deadline, SD_EVENT_OFF);
        if (r < 0)
                return r;
        /* Groups from here on: every one now has its end scheduled. */
        if (d->outbox)
                outbox_set_group(d->outbox, on_group_done, d);
        /* Floating: the loop owns it and frees it with itself. */
        r = sd_event_add_time_relative(d->event, NULL, CLOCK_MONOTONIC, SYNC_INTERVAL_USEC, 100 * 1000, on_sync, d);
        if (r >= 0 && d->checkpoints)
                r = audit_checkpoints_attach(d->checkpoints);
        return r;
}

void teamd_audit_stop(struct teamd *d)
{
        (void)teamd_audit_flush(d);
        d->audit_group_end = sd_event_source_disable_unref(d->audit_group_end);
        d->audit_group_deadline = sd_event_source_disable_unref(d->audit_group_deadline);
        /* The chain's last word before teamd goes: everything up to here
         * is signed. */
        outbox_declare_drops(d->outbox);
        if (d->checkpoints && d->outbox)
                audit_checkpoint_write(d->checkpoints, "shutdown");
        audit_checkpoints_free(d->checkpoints);
        d->checkpoints = NULL;
        team_journal_set_recorder(NULL, NULL);
        outbox_close(d->outbox);
        d->outbox = NULL;
}

static int chain_status(struct teamd *d, struct team_response *resp)
{
        char head[TEAM_AUDIT_HASH_HEX + 1];
        uint64_t seq = 0;
        int r = outbox_chain_head(d->outbox, &seq, head);

        if (r < 0)
                return r;
        resp->audit_seq = (int64_t)seq;
        if (d->checkpoints) {
                resp->audit_host_key = strdup(audit_checkpoints_public_key(d->checkpoints));
                if (!resp->audit_host_key)
                        return -ENOMEM;
        }
        return 0;
}

int teamd_audit_status(struct teamd *d, struct team_response *resp)
{
        struct outbox_stats st;
        size_t off = 0;
        int r;

        if (!d->outbox)
                return 0;
        r = outbox_stats(d->outbox, &st);
        if (r < 0)
                return r;
        resp->audit_sinks = calloc(1, TEAM_MAX_SINKS + 1);
        if (!resp->audit_sinks)
                return -ENOMEM;
        if (d->cfg.cloudtrail_channel_arn)
                off += (size_t)snprintf(resp->audit_sinks + off, TEAM_MAX_SINKS + 1 - off, "%s",
                                        OUTBOX_SINK_CLOUDTRAIL);
        if (d->cfg.cloudwatch_log_group && d->cfg.cloudwatch_log_stream)
                snprintf(resp->audit_sinks + off, TEAM_MAX_SINKS + 1 - off, "%s%s", off ? "," : "",
                         OUTBOX_SINK_CLOUDWATCH);
        resp->audit_depth = (int64_t)st.depth_events;
        resp->audit_evicted = (int64_t)st.evicted_total;
        resp->audit_dead = (int64_t)st.dead_total;
        resp->audit_last_delivery = st.last_delivery_usec / 1000000;
        return chain_status(d, resp);
}

static int audit_begin(struct teamd *d, bool synced)
{
        int r;

        if (!d->outbox)
                return 0;
        r = synced ? outbox_begin(d->outbox) : outbox_begin_unsynced(d->outbox);
        if (r < 0)
                teamd_log(LOG_ERR, "audit: cannot open a transaction: %s", strerror(-r));
        return r;
}

int teamd_audit_begin(struct teamd *d)
{
        return audit_begin(d, true);
}

int teamd_audit_begin_unsynced(struct teamd *d)
{
        return audit_begin(d, false);
}

int teamd_audit_end(struct teamd *d, int r)
{
        int c;

        if (!d->outbox)
                return r;
        if (r < 0) {
                outbox_rollback(d->outbox);
                return r;
        }
        c = outbox_commit(d->outbox);
        if (c == -EINVAL)       /* none was open */
                return r;
        if (c < 0) {
                teamd_log(LOG_ALERT, "audit: the state change and its event were not committed: %s", strerror(-c));
                return c;
        }
        return r;
}
