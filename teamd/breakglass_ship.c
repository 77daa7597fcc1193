/* SPDX-License-Identifier: BSD-3-Clause */
/* Shipping the break-glass spool (see breakglass_ship.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "audit.h"
#include "breakglass_ship.h"
#include "breakglass_spool.h"
#include "decide.h"
#include "http_client.h"
#include "audit/journal.h"
#include "audit/outbox.h"
#include "read_bounded.h"
#include "relay/relay_private.h"
#include "session_breakglass.h"

struct bg_ship {
        struct teamd *d;
        sd_event_source *timer;
        sd_event_source *watch;        /* inotify on the spool, when it exists at start */
        struct http_request *req;      /* the POST in flight, or NULL */
        char posting[64];              /* its file name */
        bool dir_refused;              /* said once until it is fine again */
};

/* Reads one record file: regular, root's, not group/other accessible,
 * bounded. */
static int read_record(int dfd, const char *name, struct team_bg_record *rec)
{
        char buf[TEAM_BG_MAX_RECORD + 1];
        struct stat st;
        size_t len = 0;
        int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), r;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0) {
                close(fd);
                return -EPERM;
        }
        r = team_read_bounded(fd, buf, TEAM_BG_MAX_RECORD, &len);
        close(fd);
        if (r < 0)
                return r;
        return team_bg_record_from_json(buf, len, rec);
}

static bool journal_has(const char *id)
{
        sd_journal *j = NULL;
        char match[64];
        bool found = false;

        snprintf(match, sizeof(match), "TEAM_EVENT_ID=%s", id);
        if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0)
                return false;
        if (sd_journal_add_match(j, match, 0) >= 0 && sd_journal_next(j) > 0)
                found = true;
        sd_journal_close(j);
        return found;
}

/* The record as an audit event: the same id, time and fields. */
static int record_event(const struct teamd *d, const struct team_bg_record *rec, struct team_audit_event *ev,
                        char *reason, size_t rlen, char *msg, size_t mlen)
{
        char when[64];

        memset(ev, 0, sizeof(*ev));
        if (sd_id128_from_string(rec->id, &ev->id) < 0)
                return -EBADMSG;
        ev->time_usec = rec->time_usec;
        ev->user = rec->user;
        ev->role = rec->role;
        ev->host = d->cfg.host_id;
        ev->service = rec->service;
        ev->tty = rec->tty;
        ev->rhost = rec->rhost;
        ev->reason = reason;
        ev->message = msg;
        if (rec->type == TEAM_BG_RECORD_USED) {
                ev->type = TEAM_EVENT_BREAK_GLASS_USED;
                ev->decision = "allow";
                decide_format_time(rec->window_end, when, sizeof(when));
                snprintf(reason, rlen, "break-glass code %u of the set created %lld; window until %s", rec->slot,
                         (long long)rec->set_created, when);
                snprintf(msg, mlen, "BREAK-GLASS: %s used %s on %s via %s; window until %s", rec->user, rec->role,
                         d->cfg.host_id, rec->service ? rec->service : "?", when);
        } else {
                ev->type = TEAM_EVENT_BREAK_GLASS_SET_CREATED;
                snprintf(reason, rlen, "%u codes, window %llu s", rec->count, (unsigned long long)rec->ttl_s);
                snprintf(msg, mlen, "new break-glass set for %s on %s by %s: %s", rec->role, d->cfg.host_id,
                         rec->user, reason);
        }
        return 0;
}

static int to_outbox(struct teamd *d, const struct team_bg_record *rec)
{
        struct team_audit_event ev;
        char reason[256], msg[512];
        int r = record_event(d, rec, &ev, reason, sizeof(reason), msg, sizeof(msg));

        if (r < 0)
                return r;
        if (d->outbox) {
                teamd_audit_begin(d);
                r = outbox_append(d->outbox, &ev);
                r = teamd_audit_end(d, r);
                if (r < 0)
                        return r;
        }
        /* The module (or teamctl) wrote it already, unless journald was down. */
        if (!journal_has(rec->id))
                team_journal_audit(&ev);
        return 0;
}

static bool reports_to_server(const struct bg_ship *s)
{
        return s->d->relay && s->d->cfg.url && s->d->cfg.token_file;
}

static void take_new(struct bg_ship *s, int dfd, const char *name)
{
        struct team_bg_record rec;
        char next[80];
        int r = read_record(dfd, name, &rec);

        if (r < 0) {
                snprintf(next, sizeof(next), "%.40s.bad", name);
                teamd_log(LOG_ALERT, "break-glass spool: %s/%s refused (%s); kept as %s", s->d->cfg.breakglass_spool,
                          name, r == -EPERM ? "not a root-only regular file" : "not a record", next);
                (void)renameat(dfd, name, dfd, next);
                return;
        }
        /* Before the record can leave the spool; adopting twice is a no-op. */
        (void)session_breakglass_adopt(s->d, &rec);
        r = to_outbox(s->d, &rec);
        if (r < 0) {
                teamd_log(LOG_ERR, "break-glass spool: %s: not recorded yet: %s", name, strerror(-r));
        } else if (rec.type == TEAM_BG_RECORD_USED && reports_to_server(s)) {
                snprintf(next, sizeof(next), "%s.sent", rec.id);
                (void)renameat(dfd, name, dfd, next);
        } else {
                (void)unlinkat(dfd, name, 0);
        }
        team_bg_record_clear(&rec);
}

static void on_posted(const struct http_result *res, void *userdata)
{
        struct bg_ship *s = userdata;
        char path[4096];

        s->req = NULL;
        snprintf(path, sizeof(path), "%s/%s", s->d->cfg.breakglass_spool, s->posting);
        if (res->err == 0 && ((res->status >= 200 && res->status < 300) || res->status == 409)) {
                teamd_log(LOG_INFO, "break-glass use %.32s reported to the central API", s->posting);
                (void)unlink(path);
        } else {
                teamd_log(LOG_WARNING, "break-glass use %.32s not reported yet (%s%ld); retrying", s->posting,
                          res->err ? "error " : "HTTP ", res->err ? (long)-res->err : res->status);
        }
        s->posting[0] = '\0';
}

static void post_one(struct bg_ship *s, int dfd, const char *name)
{
        struct team_bg_record rec;
        char *body = NULL, *url = NULL, err[256];
        int r;

        if (s->req || read_record(dfd, name, &rec) < 0)
                return;
        r = team_bg_record_to_json(&rec, &body);
        team_bg_record_clear(&rec);
        url = r == 0 ? relay_url(s->d->relay, "/v1/breakglass") : NULL;
        snprintf(s->posting, sizeof(s->posting), "%.40s", name);
        if (!url || relay_http(s->d->relay, "POST", url, body, on_posted, s, &s->req, err, sizeof(err)) < 0) {
                s->req = NULL;
                s->posting[0] = '\0';
        }
        free(url);
        free(body);
}

static bool has_suffix(const char *name, const char *suffix)
{
        size_t n = strlen(name), k = strlen(suffix);

        return n == 32 + k && strspn(name, "0123456789abcdef") == 32 && strcmp(name + 32, suffix) == 0;
}

static int open_spool(struct bg_ship *s)
{
        struct stat st;
        int dfd = open(s->d->cfg.breakglass_spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (dfd < 0)
                return -errno;
        if (fstat(dfd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077) != 0) {
                if (!s->dir_refused)
                        teamd_log(LOG_ALERT, "break-glass spool %s refused: must be root's, mode 0700",
                                  s->d->cfg.breakglass_spool);
                s->dir_refused = true;
                close(dfd);
                return -EPERM;
        }
        s->dir_refused = false;
        return dfd;
}

void bg_ship_scan(struct bg_ship *s)
{
        struct dirent *de;
        DIR *dir;
        unsigned n = 0;
        int dfd = open_spool(s);

        if (dfd < 0)
                return;
        dir = fdopendir(dfd);
        if (!dir) {
                close(dfd);
                return;
        }
        while ((de = readdir(dir)) && n < TEAMD_BG_MAX_PER_SCAN) {
                if (has_suffix(de->d_name, ".json")) {
                        take_new(s, dfd, de->d_name);
                        n++;
                } else if (has_suffix(de->d_name, ".sent") && reports_to_server(s)) {
                        post_one(s, dfd, de->d_name);
                }
        }
        closedir(dir);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct bg_ship *s = userdata;

        bg_ship_scan(s);
        sd_event_source_set_time(src, usec + TEAMD_BG_SCAN_USEC);
        return sd_event_source_set_enabled(src, SD_EVENT_ON);
}

/* A record renamed into place: ship it now rather than at the next scan. */
static int on_inotify(sd_event_source *src, const struct inotify_event *ev, void *userdata)
{
        struct bg_ship *s = userdata;

        if (ev->len > 0 && has_suffix(ev->name, ".json"))
                bg_ship_scan(s);
        return 0;
}

int bg_ship_start(struct teamd *d, struct bg_ship **out)
{
        struct bg_ship *s = calloc(1, sizeof(*s));
        uint64_t now = 0;
        int r;

        if (!s)
                return -ENOMEM;
        s->d = d;
        sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        /* The first scan right after start: uses made while teamd was down. */
        r = sd_event_add_time(d->event, &s->timer, CLOCK_MONOTONIC, now + 1, 0, on_timer, s);
        if (r < 0) {
                free(s);
                return r;
        }
        /* Best effort: without the directory (yet) the timer still scans. */
        if (sd_event_add_inotify(d->event, &s->watch, d->cfg.breakglass_spool, IN_MOVED_TO | IN_ONLYDIR,
                                 on_inotify, s) < 0)
                s->watch = NULL;
        *out = s;
        return 0;
}

void bg_ship_free(struct bg_ship *s)
{
        if (!s)
                return;
        if (s->req)
                http_request_cancel(s->req);
        sd_event_source_unref(s->timer);
        sd_event_source_unref(s->watch);
        free(s);
}
