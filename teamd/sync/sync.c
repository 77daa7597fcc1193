/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant sync's loop: poll, apply, back off; see sync.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>

#include "sync/host_token.h"
#include "http_client.h"
#include "audit/journal.h"
#include "maintenance.h"
#include "sync/sync.h"
#include "sync/sync_apply.h"

struct sync {
        struct teamd *d;
        struct http_client *http;
        struct http_request *req;       /* the poll in flight, or NULL */
        struct sync_batch *batch;       /* an answer being applied, or NULL */
        sd_event_source *step;          /* applies the batch's next slice */
        sd_event_source *timer;         /* the next poll */
        char *feed_url;                 /* URL/v1/hosts/ID/grants */
        char cursor[SYNC_CURSOR_MAX + 1];
        bool connected;                 /* last poll succeeded: long-poll now */
        bool cursor_reset;              /* the cursor was refused once already */
        bool refused;                   /* the last failure was a refused token (audited once) */
        unsigned failures;              /* consecutive */
        unsigned poll_wait;             /* wait of the poll in flight */
        uint64_t poll_started;          /* CLOCK_MONOTONIC usec */
        char problem[256];              /* the last failure, to log changes only */
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static void schedule(struct sync *s, uint64_t usec)
{
        if (sd_event_source_set_time_relative(s->timer, usec) < 0 ||
            sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT) < 0)
                teamd_log(LOG_ERR, "grant sync: cannot schedule the next poll");
}

/* true when the state changed. problem: what went wrong ("" when
 * reachable), for teamctl status. */
static bool set_state(struct sync *s, enum team_api_state state, const char *problem)
{
        struct teamd *d = s->d;

        snprintf(d->api_problem, sizeof(d->api_problem), "%s", problem);
        if (d->api_state == state && d->api_since != 0)
                return false;
        d->api_state = state;
        d->api_since = teamd_now();
        teamd_update_status(d);
        return true;
}

/* Exponential backoff with jitter: a delay in [b/2, b]. */
static uint64_t backoff_usec(unsigned failures)
{
        uint64_t b = SYNC_BACKOFF_MIN_USEC;
        uint32_t rnd = 0;

        for (unsigned i = 1; i < failures && b < SYNC_BACKOFF_MAX_USEC; i++)
                b *= 2;
        if (b > SYNC_BACKOFF_MAX_USEC)
                b = SYNC_BACKOFF_MAX_USEC;
        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
                rnd = (uint32_t)now_usec();
        return b / 2 + (uint64_t)rnd % (b / 2 + 1);
}

/* A refusal is the API saying no (a rotated or deregistered host token is
 * how an admin cuts a host off): an alert, and never a reason to open. */
static void audit_refused(struct sync *s, const char *problem)
{
        struct team_audit_event f = { .host = s->d->cfg.host_id, .reason = problem };

        team_journal_event(TEAM_EVENT_API_REFUSED, &f, "the central API %s refused this host: %s", s->d->cfg.url,
                           problem);
}

/* state: TEAM_API_UNREACHABLE for an outage (transport, 5xx), where
 * failmode=safe may open; TEAM_API_FAILING for everything else. */
static void fail(struct sync *s, enum team_api_state state, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void fail(struct sync *s, enum team_api_state state, const char *fmt, ...)
{
        char problem[sizeof(s->problem)];
        uint64_t delay;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(problem, sizeof(problem), fmt, ap);
        va_end(ap);
        s->failures++;
        s->connected = false;
        s->refused = false;
        delay = backoff_usec(s->failures);
        if (set_state(s, state, problem))
                teamd_log(LOG_WARNING, "grant sync: central API %s is %s: %s; cached grants keep working "
                                       "until their own exp%s (next try in %.1f s)",
                          s->d->cfg.url, state == TEAM_API_UNREACHABLE ? "unreachable" : "failing", problem,
                          state == TEAM_API_UNREACHABLE ? "" : ", failmode=safe stays closed",
                          (double)delay / 1e6);
        /* The same problem again is worth a line only now and then. */
        else if (strcmp(problem, s->problem) != 0 || s->failures % 20 == 0)
                teamd_log(LOG_WARNING, "grant sync: %s (failure %u, next try in %.1f s)", problem, s->failures,
                          (double)delay / 1e6);
        snprintf(s->problem, sizeof(s->problem), "%s", problem);
        schedule(s, delay);
}

static void succeeded(struct sync *s, const struct sync_counts *c)
{
        uint64_t took = now_usec() - s->poll_started;
        bool changed = c->stored || c->revoked;

        if (set_state(s, TEAM_API_REACHABLE, ""))
                teamd_log(LOG_INFO, "grant sync: central API %s is reachable%s", s->d->cfg.url,
                          s->failures ? " again" : "");
        if (s->failures)
                teamd_log(LOG_INFO, "grant sync: recovered after %u failed polls", s->failures);
        s->failures = 0;
        s->refused = false;
        s->problem[0] = '\0';
        s->cursor_reset = false;
        if (changed) {
                teamd_update_status(s->d);
                teamd_maintenance_reschedule(s->d);
        }
        /* A server that answers a long poll at once with nothing new would
         * otherwise be polled in a tight loop. */
        if (s->connected && s->poll_wait > 0 && !changed && c->rejected == 0 && c->duplicate == 0 &&
            took < SYNC_MIN_EMPTY_POLL_USEC)
                schedule(s, SYNC_MIN_EMPTY_POLL_USEC - took);
        else
                schedule(s, 0);
        s->connected = true;
}

static void batch_done(struct sync *s)
{
        struct sync_counts counts = *sync_batch_counts(s->batch);

        snprintf(s->cursor, sizeof(s->cursor), "%s", sync_batch_cursor(s->batch));
        sync_batch_free(s->batch);
        s->batch = NULL;
        if (counts.rejected)
                teamd_log(LOG_WARNING, "grant sync: %u grants from the feed rejected (see GrantRejected events)",
                          counts.rejected);
        succeeded(s, &counts);
}

/* One slice per loop iteration: PAM checks that arrive meanwhile are
 * answered between slices. */
static int on_step(sd_event_source *src, void *userdata)
{
        struct sync *s = userdata;
        char err[256] = "";
        int r;

        uint64_t t0 = now_usec(), took;

        if (!s->batch)
                return 0;
        r = sync_batch_step(s->batch, err, sizeof(err));
        took = now_usec() - t0;
        /* A slice that holds the loop this long delays PAM checks. */
        if (took > SYNC_SLOW_SLICE_USEC)
                teamd_log(LOG_WARNING, "grant sync: applying one slice of the feed answer took %llu ms",
                          (unsigned long long)(took / 1000));
        if (r == 0) {
                if (sd_event_source_set_enabled(s->step, SD_EVENT_ONESHOT) >= 0)
                        return 0;
                r = -EIO;
                snprintf(err, sizeof(err), "cannot schedule the next slice");
        }
        if (r > 0) {
                batch_done(s);
                return 0;
        }
        sync_batch_free(s->batch);
        s->batch = NULL;
        fail(s, TEAM_API_FAILING, "%s", err[0] ? err : strerror(-r));
        return 0;
}

static void on_answer(struct sync *s, const struct http_result *res)
{
        struct sync_counts none = { 0 };
        char err[256] = "";
        int r;

        uint64_t t0 = now_usec(), took;

        r = sync_batch_new(s->d, res->body, res->len, &s->batch, err, sizeof(err));
        took = now_usec() - t0;
        if (took > SYNC_SLOW_SLICE_USEC)
                teamd_log(LOG_WARNING, "grant sync: parsing a feed answer of %zu bytes took %llu ms", res->len,
                          (unsigned long long)(took / 1000));
        if (r < 0) {
                fail(s, TEAM_API_FAILING, "%s", err[0] ? err : strerror(-r));
                return;
        }
        /* Nothing new: no write. */
        if (sync_batch_empty(s->batch) && strcmp(sync_batch_cursor(s->batch), s->cursor) == 0) {
                sync_batch_free(s->batch);
                s->batch = NULL;
                succeeded(s, &none);
                return;
        }
        if (sync_batch_size(s->batch) > SYNC_SLICE_GRANTS)
                teamd_log(LOG_INFO, "grant sync: applying %zu grants from the feed, %u at a time",
                          sync_batch_size(s->batch), SYNC_SLICE_GRANTS);
        if (sd_event_source_set_enabled(s->step, SD_EVENT_ONESHOT) < 0) {
                sync_batch_free(s->batch);
                s->batch = NULL;
                fail(s, TEAM_API_FAILING, "cannot schedule applying the feed answer");
        }
}

static void on_done(const struct http_result *res, void *userdata)
{
        struct sync *s = userdata;

        s->req = NULL;
        if (res->err < 0) {
                fail(s, http_result_api_state(res), "cannot poll %s: %s", s->feed_url,
                     res->detail[0] ? res->detail : strerror(-res->err));
                return;
        }
        if (res->status == 200) {
                on_answer(s, res);
                return;
        }
        /* A cursor the feed no longer knows (its database was restored,
         * say): start again from the beginning. Replayed grants are
         * recognised and revoked ones stay revoked, so nothing is accepted
         * twice. */
        if (res->status == 400 && s->cursor[0] && !s->cursor_reset) {
                teamd_log(LOG_WARNING, "grant sync: the feed refused cursor %s; starting again from the beginning",
                          s->cursor);
                s->cursor_reset = true;
                s->cursor[0] = '\0';
                schedule(s, 0);
                return;
        }
        if (res->status == 401 || res->status == 403) {
                bool was = s->refused;

                fail(s, TEAM_API_FAILING,
                     "the central API refused this host's token (HTTP %ld): check token_file %s and that the "
                     "host id %s is registered (team-server admin host add)",
                     res->status, s->d->cfg.token_file, s->d->cfg.host_id);
                s->refused = true;
                if (!was)
                        audit_refused(s, s->problem);
        } else {
                fail(s, http_result_api_state(res), "the central API answered HTTP %ld", res->status);
        }
}

static int poll_begin(struct sync *s)
{
        struct host_token tok;
        struct http_options o;
        char url[4096], err[512] = "";
        int n, r;

        r = host_token_read(s->d->cfg.token_file, &tok, err, sizeof(err));
        if (r < 0) {
                fail(s, TEAM_API_FAILING, "%s", err);
                return 0;
        }
        s->poll_wait = s->connected ? SYNC_WAIT_S : 0;
        n = snprintf(url, sizeof(url), "%s?cursor=%s&wait=%u", s->feed_url, s->cursor, s->poll_wait);
        if (n < 0 || (size_t)n >= sizeof(url)) {
                host_token_wipe(&tok);
                return -ENAMETOOLONG;
        }
        o = (struct http_options){
                .url = url,
                .headers = (const char *const[]){ "Accept: application/json", NULL },
                .bearer_token = tok.value,
                .timeout_ms = SYNC_TIMEOUT_MS,
                .connect_timeout_ms = SYNC_CONNECT_TIMEOUT_MS,
                .low_speed_bytes = SYNC_LOW_SPEED_SECS,
                .low_speed_secs = SYNC_LOW_SPEED_SECS,
                .max_response = SYNC_MAX_ANSWER,
        };
        s->poll_started = now_usec();
        r = http_request_start(s->http, &o, on_done, s, &s->req);
        host_token_wipe(&tok);
        return r;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct sync *s = userdata;
        int r;

        if (s->req || s->batch)
                return 0;
        r = poll_begin(s);
        if (r < 0)
                fail(s, TEAM_API_FAILING, "cannot start a poll: %s", strerror(-r));
        return 0;
}

/* Host ids are names (letters, digits, . _ -): safe in a path as they are. */
static bool is_name(const char *s)
{
        if (!s[0] || s[0] == '.' || strlen(s) > 64)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '.' || *s == '_' || *s == '-'))
                        return false;
        return true;
}

static char *feed_url(const char *base, const char *host_id)
{
        size_t n = strlen(base);
        char *u = NULL;

        while (n > 0 && base[n - 1] == '/')
                n--;
        if (asprintf(&u, "%.*s/v1/hosts/%s/grants", (int)n, base, host_id) < 0)
                return NULL;
        return u;
}

int sync_start(struct teamd *d, struct sync **out)
{
        struct sync *s;
        int r;

        *out = NULL;
        if (!d->cfg.url || !d->cfg.token_file)
                return -EINVAL;
        if (!is_name(d->cfg.host_id)) {
                teamd_log(LOG_ERR, "grant sync: host_id %s cannot be a team-server host id", d->cfg.host_id);
                return -EINVAL;
        }
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->d = d;
        s->feed_url = feed_url(d->cfg.url, d->cfg.host_id);
        r = s->feed_url ? 0 : -ENOMEM;
        if (r == 0)
                r = http_client_new(d->event, d->cfg.ca_file, &s->http);
        if (r == 0)
                r = sync_store_get_cursor(d->store, s->cursor, sizeof(s->cursor));
        if (r == -EBADMSG) {
                teamd_log(LOG_WARNING, "grant sync: the stored cursor is malformed; starting from the beginning");
                s->cursor[0] = '\0';
                r = 0;
        }
        if (r == 0)
                r = sd_event_add_time_relative(d->event, &s->timer, CLOCK_MONOTONIC, 0, 0, on_timer, s);
        if (r >= 0)
                r = sd_event_add_defer(d->event, &s->step, on_step, s);
        /* Below the sockets' priority: a PAM check that is waiting goes
         * before the next slice (sd-event would otherwise run a source
         * that was pending since the last iteration first). */
        if (r >= 0)
                r = sd_event_source_set_priority(s->step, SD_EVENT_PRIORITY_NORMAL + 10);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->step, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        if (sync_store_purge_revoked(d->store, teamd_now()) < 0)
                teamd_log(LOG_WARNING, "grant sync: cannot purge old revocations");
        teamd_log(LOG_INFO, "grant sync: polling %s from cursor %s", s->feed_url, s->cursor[0] ? s->cursor : "(start)");
        *out = s;
        return 0;
fail:
        sync_free(s);
        return r;
}

void sync_free(struct sync *s)
{
        if (!s)
                return;
        http_client_free(s->http);
        sync_batch_free(s->batch);
        sd_event_source_disable_unref(s->step);
        sd_event_source_disable_unref(s->timer);
        free(s->feed_url);
        free(s);
}

