/* SPDX-License-Identifier: BSD-3-Clause */
/* Warning and ending elevated sessions; see session_watch.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "decide.h"
#include "audit/journal.h"
#include "session_cgroup.h"
#include "session_end.h"
#include "session_hold.h"
#include "session_tty.h"
#include "session_watch.h"

/* Open sessions looked at in one round; more than this are looked at in
 * the next round (a second later), so that a flood cannot stall teamd. */
#define WATCH_ROUND_MAX 20000
/* Nothing planned: look again anyway (a row written by hand, a missed poke). */
#define WATCH_IDLE_USEC (60ULL * 1000 * 1000)
#define USEC_PER_SEC 1000000ULL

struct session_watch {
        struct teamd *d;
        sd_event_source *timer;
        struct session_ending *endings;
};

static uint64_t realtime_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void fields_of(const struct teamd *d, const struct session_row *row, struct team_audit_event *f)
{
        *f = (struct team_audit_event){
                .user = row->user, .role = row->role, .host = d->cfg.host_id, .grant_id = row->grant_id,
                .service = row->service, .tty = row->tty, .rhost = row->rhost, .peer_pid = row->pid,
                .session_id = row->id,
        };
}

/* The grant of user+role (other than skip) active at t with the latest exp,
 * the same window and audience test the PAM check applies. 1 when found
 * (*out filled, clear it), 0 when none. */
static int find_grant_at(struct teamd *d, const struct session_row *row, const char *skip, int64_t t,
                         struct grant_row *out)
{
        struct grant_row *rows = NULL;
        size_t n = 0, best = SIZE_MAX;

        if (db_grant_find(d->store, row->user, row->role, teamd_now(), &rows, &n) < 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                const struct grant_row *g = &rows[i];
                if ((skip && strcmp(g->id, skip) == 0) ||
                    !decide_aud_matches(g, d->cfg.host_id, d->host_groups, d->n_host_groups))
                        continue;
                if (g->nbf - (int64_t)d->cfg.clock_skew <= t && t < g->exp && (best == SIZE_MAX || g->exp > rows[best].exp))
                        best = i;
        }
        if (best != SIZE_MAX) {
                *out = rows[best];
                memset(&rows[best], 0, sizeof(rows[best]));
        }
        grant_rows_free(rows, n);
        return best != SIZE_MAX;
}

/* What the session runs under, for its lines: "grant g_..." or
 * "break-glass use ...". */
static void under_what(const struct session_row *row, char *buf, size_t len)
{
        if (row->breakglass_id)
                snprintf(buf, len, "break-glass use %s", row->breakglass_id);
        else
                snprintf(buf, len, "grant %s", row->grant_id ? row->grant_id : "(none)");
}

/* Is the session's own grant still stored and not ended? (A revocation
 * deletes the grant.) A break-glass session's window is its own: it ends
 * at exp and nothing revokes it. */
static bool own_grant_current(struct teamd *d, const struct session_row *row, int64_t now)
{
        struct grant_row g;
        bool yes = false;

        if (row->breakglass_id)
                return now < row->exp;

        if (find_grant_at(d, row, NULL, now, &g) == 1) {
                yes = strcmp(g.id, row->grant_id) == 0;
                grant_row_clear(&g);
        }
        if (yes)
                return true;
        /* Another grant may have the latest exp while this one still runs. */
        struct grant_row *rows = NULL;
        size_t n = 0;
        if (db_grant_find(d->store, row->user, row->role, now, &rows, &n) == 0)
                for (size_t i = 0; i < n && !yes; i++)
                        yes = strcmp(rows[i].id, row->grant_id) == 0 && now < rows[i].exp;
        grant_rows_free(rows, n);
        return yes;
}

static int move_to(struct teamd *d, struct session_row *row, const struct grant_row *g, const char *why)
{
        struct team_audit_event f;
        char until[64], from[128];
        int r;

        fields_of(d, row, &f);
        f.grant_id = g->id;
        f.reason = why;
        decide_format_time(g->exp, until, sizeof(until));
        under_what(row, from, sizeof(from));
        teamd_audit_begin(d);
        r = db_session_move(d->store, row->id, g->id, g->exp);
        if (r == 0)
                team_journal_event(TEAM_EVENT_SESSION_EXTENDED, &f,
                                   "%s session %s of %s moves from %s (%s) to grant %s, until %s", row->role,
                                   row->id, row->user, from, why, g->id, until);
        r = teamd_audit_end(d, r);
        if (r < 0) {
                teamd_log(LOG_ERR, "session %s: cannot move it to grant %s: %s", row->id, g->id, strerror(-r));
                return r;
        }
        free(row->grant_id);
        free(row->breakglass_id);
        row->breakglass_id = NULL;
        row->grant_id = strdup(g->id);
        row->exp = g->exp;
        row->warned = 0;
        return row->grant_id ? 0 : -ENOMEM;
}

static void in_words(int64_t secs, char *buf, size_t len)
{
        if (secs >= 120)
                snprintf(buf, len, "in %lld minutes", (long long)(secs + 30) / 60);
        else if (secs > 0)
                snprintf(buf, len, "in %lld seconds", (long long)secs);
        else
                snprintf(buf, len, "%lld seconds ago", (long long)-secs);
}

/* One line on the session's tty and its SessionWarned event; before is
 * the warn_before it answers (-1: the grant has ended, on_expiry = warn). */
static void warn(struct teamd *d, struct session_row *row, int64_t before, int64_t now)
{
        struct team_audit_event f;
        char line[SESSION_TTY_LINE_MAX], when[64], rel[64], under[128];
        const char *outcome = "written to the terminal";
        int r;

        decide_format_time(row->exp, when, sizeof(when));
        in_words(row->exp - now, rel, sizeof(rel));
        under_what(row, under, sizeof(under));
        if (row->breakglass_id)
                snprintf(line, sizeof(line),
                         before < 0 ? "\r\npam_team: your break-glass window for %s ended at %s (%s);"
                                      " this session stays open (on_expiry=warn)\r\n"
                                    : "\r\npam_team: your break-glass window for %s ends at %s (%s); finish and"
                                      " log out, or request a grant: teamctl request %s --reason TEXT\r\n",
                         row->role, when, rel, row->role);
        else
                snprintf(line, sizeof(line),
                         before < 0 ? "\r\npam_team: your %s grant %s ended at %s (%s); this session stays open (on_expiry=warn)\r\n"
                                    : "\r\npam_team: your %s grant %s ends at %s (%s); extend it with: teamctl extend %s"
                                      " --for DURATION --reason TEXT\r\n",
                         row->role, row->grant_id, when, rel, row->grant_id);
        r = session_tty_write(row->tty, row->user, line);
        if (r < 0)
                outcome = r == -EINVAL ? "no terminal to write to" : r == -EPERM ? "its tty is not the user's terminal" : strerror(-r);
        fields_of(d, row, &f);
        f.reason = outcome;
        teamd_audit_begin(d);
        r = db_session_set_warned(d->store, row->id, before);
        if (r == 0)
                team_journal_event(TEAM_EVENT_SESSION_WARNED, &f, "%s session %s of %s warned: %s ends at %s (%s): %s",
                                   row->role, row->id, row->user, under, when, rel, outcome);
        if (teamd_audit_end(d, r) < 0)
                teamd_log(LOG_ERR, "session %s: cannot record its warning", row->id);
        row->warned = before;
}

/* The warn_before due now and not sent yet (smallest due), or 0. */
static int64_t warning_due(const struct teamd *d, const struct session_row *row, int64_t now)
{
        int64_t due = 0;

        for (size_t i = 0; i < d->cfg.n_warn_before; i++) {
                int64_t t = (int64_t)d->cfg.warn_before_secs[i];
                if (now >= row->exp - t && now < row->exp)
                        due = t;
        }
        if (due == 0 || (row->warned > 0 && row->warned <= due))
                return 0;
        return due;
}

/* When this session needs a look next (epoch seconds). */
static int64_t next_time(const struct teamd *d, const struct session_row *row, int64_t now)
{
        int64_t next = row->exp;

        for (size_t i = 0; i < d->cfg.n_warn_before; i++) {
                int64_t t = row->exp - (int64_t)d->cfg.warn_before_secs[i];
                if (t > now && t < next)
                        next = t;
        }
        return next;
}

/* The grant ended (exp passed or revoked): move, warn or end. */
static void grant_ended(struct session_watch *w, struct session_row *row, int64_t now)
{
        struct teamd *d = w->d;
        bool expired = now >= row->exp;
        /* why: for the move line; reason: for the end. */
        const char *why = row->breakglass_id ? "break-glass window ended" : expired ? "expired" : "revoked";
        const char *reason = row->breakglass_id ? why : expired ? "grant expired" : "grant revoked";
        struct grant_row g;

        if (find_grant_at(d, row, row->grant_id, now, &g) == 1) {
                (void)move_to(d, row, &g, why);
                grant_row_clear(&g);
                return;
        }
        if (d->cfg.on_expiry_warn) {
                if (row->warned != -1)
                        warn(d, row, -1, now);
                return;
        }
        (void)session_end_begin(d, &w->endings, row, reason);
}

/* One session: 0, or the next time it needs a look. */
static int64_t look_at(struct session_watch *w, struct session_row *row, int64_t now)
{
        struct teamd *d = w->d;
        struct grant_row g;
        int64_t before;

        if ((!row->grant_id && !row->breakglass_id) || row->exp <= 0 || session_end_find(w->endings, row->id))
                return 0;
        if (now >= row->exp || !own_grant_current(d, row, now)) {
                grant_ended(w, row, now);
                if (row->closed_at != 0 || session_end_find(w->endings, row->id) || row->warned == -1)
                        return 0;
                if (now >= row->exp)
                        return 0;
        }
        before = warning_due(d, row, now);
        if (before > 0) {
                /* A grant that takes over at exp (an approved extension):
                 * nothing to warn about. */
                if (find_grant_at(d, row, row->grant_id, row->exp, &g) == 1)
                        grant_row_clear(&g);
                else
                        warn(d, row, before, now);
        }
        return next_time(d, row, now);
}

static void rearm(struct session_watch *w, int64_t next)
{
        uint64_t at = next > 0 ? (uint64_t)next * USEC_PER_SEC : realtime_usec() + WATCH_IDLE_USEC;

        if (next > 0 && at > realtime_usec() + WATCH_IDLE_USEC)
                at = realtime_usec() + WATCH_IDLE_USEC;
        sd_event_source_set_time(w->timer, at);
        sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
}

static void round_now(struct session_watch *w)
{
        struct session_row *rows = NULL;
        int64_t now = teamd_now(), next = 0;
        size_t n = 0;
        int r;

        r = db_session_list_open(w->d->store, NULL, WATCH_ROUND_MAX, &rows, &n);
        if (r < 0) {
                teamd_log(LOG_ERR, "cannot list open sessions: %s", strerror(-r));
                rearm(w, now + 1);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                int64_t t = look_at(w, &rows[i], now);
                if (t > 0 && (next == 0 || t < next))
                        next = t;
        }
        if (n == WATCH_ROUND_MAX && (next == 0 || next > now + 1))
                next = now + 1;
        session_rows_free(rows, n);
        /* Sessions closed by their PAM caller leave an empty cgroup. */
        session_cgroup_sweep();
        rearm(w, next);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        round_now(userdata);
        return 0;
}

int session_watch_start(struct teamd *d)
{
        struct session_watch *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        w->d = d;
        /* accuracy 1 ms: the default 250 ms would be most of the budget
         * between exp and the end. */
        r = sd_event_add_time(d->event, &w->timer, CLOCK_REALTIME, realtime_usec(), 1000, on_timer, w);
        if (r < 0) {
                free(w);
                return r;
        }
        d->watch = w;
        return 0;
}

void session_watch_stop(struct teamd *d)
{
        struct session_watch *w = d->watch;

        if (!w)
                return;
        session_end_free_all(&w->endings);
        session_cgroup_sweep();
        sd_event_source_disable_unref(w->timer);
        free(w);
        d->watch = NULL;
}

void session_watch_poke(struct teamd *d)
{
        if (d->watch) {
                sd_event_source_set_time(d->watch->timer, realtime_usec());
                sd_event_source_set_enabled(d->watch->timer, SD_EVENT_ONESHOT);
        }
}

/* The timer fires no later than the first warning or end of a session
 * ending at exp (a new session costs no round over all the others). */
static void arm_by(struct teamd *d, int64_t exp)
{
        struct session_row probe = { .exp = exp };
        int64_t now = teamd_now(), next = next_time(d, &probe, now);
        uint64_t at = 0, want = next > now ? (uint64_t)next * USEC_PER_SEC : realtime_usec();
        int enabled = SD_EVENT_OFF;

        if (!d->watch)
                return;
        if (sd_event_source_get_enabled(d->watch->timer, &enabled) < 0 || enabled == SD_EVENT_OFF ||
            sd_event_source_get_time(d->watch->timer, &at) < 0 || want < at) {
                sd_event_source_set_time(d->watch->timer, want);
                sd_event_source_set_enabled(d->watch->timer, SD_EVENT_ONESHOT);
        }
}

static void hold_and_arm(struct teamd *d, const char *id, pid_t pid, int64_t exp, bool running)
{
        struct session_hold h;
        struct session_hold_info info;
        size_t moved = 0;
        char why[512];
        int r;

        session_hold_attach(d->cfg.session_hold, id, pid, &h, why, sizeof(why));
        if (running) {
                r = session_hold_gather(&h, &moved);
                if (r < 0)
                        teamd_log(LOG_WARNING, "session %s (pid %d): not all of its running processes could be"
                                  " moved into its %s: %s", id, (int)pid, session_hold_name(h.kind), strerror(-r));
                else if (moved > 0)
                        snprintf(why + strlen(why), sizeof(why) - strlen(why), ", with %zu processes it had started",
                                 moved);
        }
        info = (struct session_hold_info){
                .hold = session_hold_name(h.kind), .leader_start = h.leader_start, .logind_session = h.logind,
                .unit = h.unit, .cgroup = h.cgroup, .exp = exp,
        };
        /* A write of its own, not one that a group of events could roll back. */
        (void)teamd_audit_flush(d);
        r = db_session_set_hold(d->store, id, &info);
        if (r < 0)
                teamd_log(LOG_ERR, "session %s: cannot record how it is held: %s", id, strerror(-r));
        teamd_log(h.kind == SESSION_HOLD_NONE ? LOG_WARNING : LOG_INFO, "session %s (pid %d): %s", id, (int)pid, why);
        session_hold_clear(&h);
        if (exp > 0)
                arm_by(d, exp);
}

void session_watch_opened(struct teamd *d, const char *id, pid_t pid, int64_t exp)
{
        hold_and_arm(d, id, pid, exp, false);
}

void session_watch_adopted(struct teamd *d, const char *id, pid_t pid, int64_t exp)
{
        hold_and_arm(d, id, pid, exp, true);
}

int session_watch_end_now(struct teamd *d, const char *id, const char *reason)
{
        struct session_row row = { .id = NULL };
        int r;

        if (!d->watch)
                return -ENOTCONN;
        if (session_end_find(d->watch->endings, id))
                return -EALREADY;
        r = db_session_get(d->store, id, &row);
        if (r == 0 && row.closed_at != 0)
                r = -ENOENT;
        if (r == 0)
                r = session_end_begin(d, &d->watch->endings, &row, reason);
        session_row_clear(&row);
        return r;
}
