/* SPDX-License-Identifier: BSD-3-Clause */
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

#include "audit/journal.h"

#define MAX_FIELDS 48
#define MAX_MESSAGE 2048

static FILE *mirror_stream;
#ifdef TEAM_TEST_HOOKS
static team_journal_sink_fn sink_fn;
static void *sink_userdata;
#else
/* The installed teamd has no sink: every entry goes to journald. */
#define sink_fn ((team_journal_sink_fn)NULL)
#define sink_userdata NULL
#endif
static team_journal_recorder_fn recorder_fn;
static void *recorder_userdata;

void team_journal_set_mirror(FILE *f)
{
        mirror_stream = f;
}

#ifdef TEAM_TEST_HOOKS
void team_journal_set_sink(team_journal_sink_fn fn, void *userdata)
{
        sink_fn = fn;
        sink_userdata = userdata;
}
#endif

void team_journal_set_recorder(team_journal_recorder_fn fn, void *userdata)
{
        recorder_fn = fn;
        recorder_userdata = userdata;
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

static void mirror_event(const struct team_audit_event *ev)
{
        char idbuf[SD_ID128_STRING_MAX];
        FILE *f = mirror_stream;

        if (!f)
                return;
        fprintf(f, "teamd: %s: ", team_event_name(ev->type));
        mirror_put(f, ev->message ? ev->message : "");
        fputs(" [", f);
        fprintf(f, "TEAM_EVENT=%s", team_event_name(ev->type));
        mirror_field(f, "TEAM_USER", ev->user);
        mirror_field(f, "TEAM_ROLE", ev->role);
        mirror_field(f, "TEAM_HOST", ev->host);
        mirror_field(f, "TEAM_EVENT_ID", sd_id128_to_string(ev->id, idbuf));
        mirror_field(f, "TEAM_OUTCOME", team_audit_event_outcome(ev));
        mirror_field(f, "TEAM_GRANT_ID", ev->grant_id);
        mirror_field(f, "TEAM_REQUEST_ID", ev->request_id);
        mirror_field(f, "TEAM_DECISION", ev->decision);
        mirror_field(f, "TEAM_REASON", ev->reason);
        mirror_field(f, "TEAM_SERVICE", ev->service);
        mirror_field(f, "TEAM_TTY", ev->tty);
        mirror_field(f, "TEAM_RHOST", ev->rhost);
        if (ev->peer_pid > 0)
                fprintf(f, " TEAM_PEER_PID=%ld", (long)ev->peer_pid);
        if (ev->seq > 0)
                fprintf(f, " TEAM_SEQ=%llu", (unsigned long long)ev->seq);
        mirror_field(f, "TEAM_SESSION_ID", ev->session_id);
        if (ev->command.present) {
                fprintf(f, " TEAM_PID=%lld", (long long)ev->command.pid);
                mirror_field(f, "TEAM_EXE", ev->command.exe);
                mirror_field(f, "TEAM_ARGV", ev->command.argv);
        }
        if (ev->summarised > 0)
                fprintf(f, " TEAM_SUMMARISED=%llu", (unsigned long long)ev->summarised);
        fputs("]\n", f);
        fflush(f);
}

static void count_add(struct field_list *l, const char *key, uint64_t n)
{
        char num[32];

        if (n == 0)
                return;
        snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
        field_add(l, key, num);
}

/* The chain (docs/audit.md): enough for a reader of the journal to follow
 * it through journald, and the grant context. */
static void chain_fields_add(struct field_list *l, const struct team_audit_event *ev)
{
        char num[32];

        field_add(l, "TEAM_APPROVERS", ev->approvers);
        field_add(l, "TEAM_TICKET", ev->ticket);
        field_add(l, "TEAM_SESSION_ID", ev->session_id);
        count_add(l, "TEAM_SUMMARISED", ev->summarised);
        if (ev->seq == 0)
                return;
        count_add(l, "TEAM_SEQ", ev->seq);
        field_add(l, "TEAM_PREV", ev->prev);
        if (ev->hash[0])
                field_add(l, "TEAM_HASH", ev->hash);
        snprintf(num, sizeof(num), "%lld", (long long)ev->time_usec);
        field_add(l, "TEAM_TIME_USEC", num);
        count_add(l, "TEAM_DROPPED_COUNT", ev->dropped_count);
        count_add(l, "TEAM_DROPPED_FIRST", ev->dropped_first);
        count_add(l, "TEAM_DROPPED_LAST", ev->dropped_last);
        field_add(l, "TEAM_HOST_KEY", ev->host_key);
        field_add(l, "TEAM_SIGNATURE", ev->signature);
}

/* SessionCommand: the program, as its own fields. */
/* SessionCommand: the program, as its own fields (a negative id: not
 * known, omitted). */
static void id_add(struct field_list *l, const char *key, int64_t v)
{
        char num[32];

        if (v < 0)
                return;
        snprintf(num, sizeof(num), "%lld", (long long)v);
        field_add(l, key, num);
}

static void command_fields_add(struct field_list *l, const struct team_audit_command *c)
{
        if (!c->present)
                return;
        id_add(l, "TEAM_PID", c->pid);
        id_add(l, "TEAM_PPID", c->ppid);
        id_add(l, "TEAM_UID", c->uid);
        id_add(l, "TEAM_EUID", c->euid);
        field_add(l, "TEAM_EXE", c->exe);
        field_add(l, "TEAM_CWD", c->cwd);
        field_add(l, "TEAM_ARGV", c->argv);
}

static void journal_send_event(const struct team_audit_event *ev)
{
        struct field_list l = { .n = 0 };
        char idbuf[SD_ID128_STRING_MAX], evbuf[SD_ID128_STRING_MAX];
        char num[32];
        const char *msg = ev->message ? ev->message : "";

        field_add(&l, "SYSLOG_IDENTIFIER", "teamd");
        field_add(&l, "MESSAGE_ID", sd_id128_to_string(team_event_message_id(ev->type), idbuf));
        snprintf(num, sizeof(num), "%d", team_event_priority(ev->type));
        field_add(&l, "PRIORITY", num);
        field_add(&l, "MESSAGE", msg);
        field_add(&l, "TEAM_EVENT", team_event_name(ev->type));
        field_add(&l, "TEAM_EVENT_ID", sd_id128_to_string(ev->id, evbuf));
        field_add(&l, "TEAM_OUTCOME", team_audit_event_outcome(ev));
        field_add(&l, "TEAM_USER", ev->user);
        field_add(&l, "TEAM_ROLE", ev->role);
        field_add(&l, "TEAM_HOST", ev->host);
        field_add(&l, "TEAM_GRANT_ID", ev->grant_id);
        field_add(&l, "TEAM_REQUEST_ID", ev->request_id);
        field_add(&l, "TEAM_DECISION", ev->decision);
        field_add(&l, "TEAM_REASON", ev->reason);
        field_add(&l, "TEAM_SERVICE", ev->service);
        field_add(&l, "TEAM_TTY", ev->tty);
        field_add(&l, "TEAM_RHOST", ev->rhost);
        if (ev->peer_pid > 0) {
                snprintf(num, sizeof(num), "%ld", (long)ev->peer_pid);
                field_add(&l, "TEAM_PEER_PID", num);
        }
        chain_fields_add(&l, ev);
        command_fields_add(&l, &ev->command);
        if (l.failed)
                /* Out of memory: still leave a trace, without the fields. */
                sd_journal_print(LOG_ERR, "%s %s: %s (fields lost: out of memory)", team_event_name(ev->type),
                                 evbuf, msg);
        else
                sd_journal_sendv(l.iov, (int)l.n);
        field_list_clear(&l);
}

void team_journal_audit(const struct team_audit_event *ev)
{
        if ((unsigned)ev->type >= TEAM_EVENT__MAX)
                return;
        if (sink_fn) {
                sink_fn(ev->type, ev, ev->message ? ev->message : "", sink_userdata);
        } else {
                journal_send_event(ev);
        }
        mirror_event(ev);
}

void team_journal_event(enum team_event_type type, const struct team_audit_event *f, const char *fmt, ...)
{
        static const struct team_audit_event none;
        struct team_audit_event ev, stamp;
        char msg[MAX_MESSAGE];
        va_list ap;
        int r;

        if ((unsigned)type >= TEAM_EVENT__MAX)
                return;
        if (!f)
                f = &none;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        /* No id or no clock: the entry still goes out, id all zero. */
        (void)team_audit_event_init(&stamp, type);
        /* The caller's fields; what makes it an event is set here, and its
         * place in the chain by the recorder. */
        ev = *f;
        ev.type = type;
        ev.id = stamp.id;
        ev.time_usec = stamp.time_usec;
        ev.message = msg;
        ev.seq = 0;
        ev.prev[0] = ev.hash[0] = '\0';
        if (recorder_fn) {
                r = recorder_fn(&ev, recorder_userdata);
                if (r > 0)
                        return; /* the recorder writes the entry when the transaction commits */
                if (r < 0)
                        teamd_log(LOG_ALERT, "audit event %s (%s) is in journald only, not in the outbox: %s",
                                  team_event_name(type), sd_id128_to_string(ev.id, (char[SD_ID128_STRING_MAX]){ 0 }),
                                  strerror(-r));
        }
        team_journal_audit(&ev);
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
