/* Structured journald entries for teamd; see journal.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
/* CODE_FILE/CODE_LINE would always name this file: leave them out. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "journal.h"

#define MAX_FIELDS 20
#define MAX_MESSAGE 2048

static FILE *mirror_stream;
static team_journal_sink_fn sink_fn;
static void *sink_userdata;

void team_journal_set_mirror(FILE *f)
{
        mirror_stream = f;
}

void team_journal_set_sink(team_journal_sink_fn fn, void *userdata)
{
        sink_fn = fn;
        sink_userdata = userdata;
}

/* One journald field "KEY=value" in a malloc'd buffer (values may hold any
 * byte; sd_journal_sendv() copes with newlines). */
static char *field_new(const char *key, const char *value)
{
        size_t klen = strlen(key), vlen = strlen(value);
        char *s = malloc(klen + 1 + vlen + 1);

        if (!s)
                return NULL;
        memcpy(s, key, klen);
        s[klen] = '=';
        memcpy(s + klen + 1, value, vlen);
        s[klen + 1 + vlen] = '\0';
        return s;
}

struct field_list {
        struct iovec iov[MAX_FIELDS];
        size_t n;
        bool failed;
};

static void field_add(struct field_list *l, const char *key, const char *value)
{
        char *s;

        if (!value || l->n >= MAX_FIELDS)
                return;
        s = field_new(key, value);
        if (!s) {
                l->failed = true;
                return;
        }
        l->iov[l->n].iov_base = s;
        l->iov[l->n].iov_len = strlen(s);
        l->n++;
}

static void field_list_clear(struct field_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->iov[i].iov_base);
        l->n = 0;
}

/* Mirror text: control characters become '?', so one entry is one line and
 * nothing a peer sent can drive a terminal. */
static void mirror_put(FILE *f, const char *s)
{
        for (; *s; s++)
                fputc(((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s, f);
}

static void mirror_field(FILE *f, const char *key, const char *value)
{
        if (!value)
                return;
        fprintf(f, " %s=", key);
        mirror_put(f, value);
}

static void mirror_event(enum team_event_type type, const struct team_event_fields *fl, const char *msg)
{
        FILE *f = mirror_stream;

        if (!f)
                return;
        fprintf(f, "teamd: %s: ", team_event_name(type));
        mirror_put(f, msg);
        fputs(" [", f);
        fprintf(f, "TEAM_EVENT=%s", team_event_name(type));
        mirror_field(f, "TEAM_USER", fl->user);
        mirror_field(f, "TEAM_ROLE", fl->role);
        mirror_field(f, "TEAM_HOST", fl->host);
        mirror_field(f, "TEAM_GRANT_ID", fl->grant_id);
        mirror_field(f, "TEAM_REQUEST_ID", fl->request_id);
        mirror_field(f, "TEAM_DECISION", fl->decision);
        mirror_field(f, "TEAM_REASON", fl->reason);
        mirror_field(f, "TEAM_SERVICE", fl->service);
        mirror_field(f, "TEAM_TTY", fl->tty);
        mirror_field(f, "TEAM_RHOST", fl->rhost);
        if (fl->peer_pid > 0)
                fprintf(f, " TEAM_PEER_PID=%ld", (long)fl->peer_pid);
        fputs("]\n", f);
        fflush(f);
}

static void journal_send_event(enum team_event_type type, const struct team_event_fields *fl, const char *msg)
{
        struct field_list l = { .n = 0 };
        char idbuf[SD_ID128_STRING_MAX];
        char num[32];

        field_add(&l, "SYSLOG_IDENTIFIER", "teamd");
        field_add(&l, "MESSAGE_ID", sd_id128_to_string(team_event_message_id(type), idbuf));
        snprintf(num, sizeof(num), "%d", team_event_priority(type));
        field_add(&l, "PRIORITY", num);
        field_add(&l, "MESSAGE", msg);
        field_add(&l, "TEAM_EVENT", team_event_name(type));
        field_add(&l, "TEAM_USER", fl->user);
        field_add(&l, "TEAM_ROLE", fl->role);
        field_add(&l, "TEAM_HOST", fl->host);
        field_add(&l, "TEAM_GRANT_ID", fl->grant_id);
        field_add(&l, "TEAM_REQUEST_ID", fl->request_id);
        field_add(&l, "TEAM_DECISION", fl->decision);
        field_add(&l, "TEAM_REASON", fl->reason);
        field_add(&l, "TEAM_SERVICE", fl->service);
        field_add(&l, "TEAM_TTY", fl->tty);
        field_add(&l, "TEAM_RHOST", fl->rhost);
        if (fl->peer_pid > 0) {
                snprintf(num, sizeof(num), "%ld", (long)fl->peer_pid);
                field_add(&l, "TEAM_PEER_PID", num);
        }
        if (l.failed)
                /* Out of memory: still leave a trace, without the fields. */
                sd_journal_print(LOG_ERR, "%s: %s (fields lost: out of memory)", team_event_name(type), msg);
        else
                sd_journal_sendv(l.iov, (int)l.n);
        field_list_clear(&l);
}

void team_journal_event(enum team_event_type type, const struct team_event_fields *f, const char *fmt, ...)
{
        static const struct team_event_fields none = { .user = NULL };
        char msg[MAX_MESSAGE];
        va_list ap;

        if ((unsigned)type >= TEAM_EVENT__MAX)
                return;
        if (!f)
                f = &none;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (sink_fn)
                sink_fn(type, f, msg, sink_userdata);
        else
                journal_send_event(type, f, msg);
        mirror_event(type, f, msg);
}

void teamd_log(int priority, const char *fmt, ...)
{
        char msg[MAX_MESSAGE];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (!sink_fn)
                sd_journal_send("SYSLOG_IDENTIFIER=teamd", "PRIORITY=%d", priority, "MESSAGE=%s", msg, NULL);
        if (mirror_stream) {
                fputs("teamd: ", mirror_stream);
                mirror_put(mirror_stream, msg);
                fputc('\n', mirror_stream);
                fflush(mirror_stream);
        }
}
