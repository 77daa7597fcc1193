/* SPDX-License-Identifier: BSD-3-Clause */
/* Periodic housekeeping; see maintenance.h. */
#include "config.h"

#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "decide.h"
#include "audit/journal.h"
#include "maintenance.h"

static sd_event_source *maintenance_timer;

static void announce_ended(struct teamd *d, int64_t now)
{
        struct grant_row *rows = NULL;
        size_t n = 0;
        char when[64];

        if (now <= d->ended_seen_until)
                return;
        if (db_grant_list_ended(d->store, d->ended_seen_until, now, &rows, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                struct team_audit_event f = {
                        .user = rows[i].sub, .role = rows[i].role, .host = d->cfg.host_id,
                        .grant_id = rows[i].id, .request_id = rows[i].req,
                };
                decide_format_time(rows[i].exp, when, sizeof(when));
                team_journal_event(TEAM_EVENT_GRANT_EXPIRED, &f, "grant %s for %s as %s expired at %s", rows[i].id,
                                   rows[i].sub, rows[i].role, when);
        }
        grant_rows_free(rows, n);
        d->ended_seen_until = now;
}

void teamd_maintenance_run(struct teamd *d, int64_t now)
{
        uint64_t purged = 0;

        announce_ended(d, now);
        /* The purge is not part of the expiry events' group. */
        (void)teamd_audit_flush(d);
        if (db_grant_purge(d->store, now, &purged) < 0)
                teamd_log(LOG_ERR, "cannot purge old grants");
        else if (purged > 0)
                teamd_log(LOG_INFO, "purged %llu grants ended more than 24 h ago", (unsigned long long)purged);
        teamd_update_status(d);
}

/* Next round: in TEAMD_MAINTENANCE_USEC, or one second after the next
 * grant ends if that is sooner (exp is whole seconds). */
void teamd_maintenance_reschedule(struct teamd *d)
{
        uint64_t usec = TEAMD_MAINTENANCE_USEC;
        int64_t now = teamd_now(), next = 0;

        if (!maintenance_timer)
                return;
        if (db_grant_next_exp(d->store, now, &next) == 0 && next > now &&
            (uint64_t)(next - now + 1) * 1000000ULL < usec)
                usec = (uint64_t)(next - now + 1) * 1000000ULL;
        sd_event_source_set_time_relative(maintenance_timer, usec);
        sd_event_source_set_enabled(maintenance_timer, SD_EVENT_ONESHOT);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct teamd *d = userdata;

        teamd_maintenance_run(d, teamd_now());
        teamd_maintenance_reschedule(d);
        return 0;
}

int teamd_maintenance_start(struct teamd *d)
{
        int r;

        d->ended_seen_until = teamd_now();
        r = sd_event_add_time_relative(d->event, &maintenance_timer, CLOCK_MONOTONIC, TEAMD_MAINTENANCE_USEC, 0,
                                       on_tick, d);
        if (r >= 0)
                teamd_maintenance_reschedule(d);
        return r;
}

void teamd_maintenance_stop(struct teamd *d)
{
        maintenance_timer = sd_event_source_disable_unref(maintenance_timer);
}
