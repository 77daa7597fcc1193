/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl audit tail: the host's audit events from journald (root). The
 * entries are teamd's (SYSLOG_IDENTIFIER=teamd) with one of the audit
 * MESSAGE_IDs; each is shown as one line of text, or in the event's JSON
 * form (the one the outbox and the sinks carry). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "audit_event.h"
#include "parse.h"
#include "teamctl.h"

#define TAIL_DEFAULT 10
#define TAIL_MAX 1000000

struct tail_options {
        uint64_t lines;
        bool follow;
        const char *directory;
        bool types[TEAM_EVENT__MAX];
        bool any_type;
};

void cmd_audit_help(void)
{
        printf("Usage: teamctl [--json] audit tail [-n N] [--no-follow] [--type EVENT]... [--directory DIR]\n"
               "\n"
               "Shows the last N (default %d) audit events of this host from journald, then\n"
               "follows new ones until interrupted (--no-follow: stop after the last one).\n"
               "--type limits to one event type (repeatable; e.g. ElevationDenied).\n"
               "--json prints each event in its JSON form (docs/audit.md), one per line.\n"
               "--directory reads a journal directory instead of the system journal.\n"
               "Only root may read the audit trail.\n"
               "\n"
               "Exit status: 0 ok, 1 refused, 2 usage, 69 journal unavailable.\n",
               TAIL_DEFAULT);
}

/* The value of FIELD in the current entry, NUL-terminated in buf, or NULL. */
static const char *entry_field(sd_journal *j, const char *field, char *buf, size_t size)
{
        const void *data;
        size_t len, flen = strlen(field);

        if (sd_journal_get_data(j, field, &data, &len) < 0 || len <= flen + 1)
                return NULL;
        len -= flen + 1;
        if (len >= size)
                len = size - 1;
        memcpy(buf, (const char *)data + flen + 1, len);
        buf[len] = '\0';
        return buf;
}

struct entry_text {
        char event[64], id[64], user[TEAM_AUDIT_MAX_FIELD + 1], role[TEAM_AUDIT_MAX_FIELD + 1],
                host[TEAM_AUDIT_MAX_FIELD + 1], grant_id[TEAM_AUDIT_MAX_FIELD + 1],
                request_id[TEAM_AUDIT_MAX_FIELD + 1], decision[64], reason[TEAM_AUDIT_MAX_FIELD + 1],
                service[TEAM_AUDIT_MAX_FIELD + 1], tty[TEAM_AUDIT_MAX_FIELD + 1], rhost[TEAM_AUDIT_MAX_FIELD + 1],
                pid[32], outcome[32], message[TEAM_AUDIT_MAX_MESSAGE + 1];
};

/* The current entry as an event whose strings point into t. */
static int entry_event(sd_journal *j, struct entry_text *t, struct team_audit_event *ev)
{
        uint64_t usec = 0, pid;
        const char *s;

        memset(ev, 0, sizeof(*ev));
        s = entry_field(j, "TEAM_EVENT", t->event, sizeof(t->event));
        if (!s || team_event_from_name(s, &ev->type) < 0)
                return -ENOENT;
        s = entry_field(j, "TEAM_EVENT_ID", t->id, sizeof(t->id));
        if (!s || sd_id128_from_string(s, &ev->id) < 0)
                ev->id = SD_ID128_NULL; /* entries from before event ids */
        if (sd_journal_get_realtime_usec(j, &usec) >= 0)
                ev->time_usec = (int64_t)usec;
        ev->user = entry_field(j, "TEAM_USER", t->user, sizeof(t->user));
        ev->role = entry_field(j, "TEAM_ROLE", t->role, sizeof(t->role));
        ev->host = entry_field(j, "TEAM_HOST", t->host, sizeof(t->host));
        ev->grant_id = entry_field(j, "TEAM_GRANT_ID", t->grant_id, sizeof(t->grant_id));
        ev->request_id = entry_field(j, "TEAM_REQUEST_ID", t->request_id, sizeof(t->request_id));
        ev->decision = entry_field(j, "TEAM_DECISION", t->decision, sizeof(t->decision));
        ev->reason = entry_field(j, "TEAM_REASON", t->reason, sizeof(t->reason));
        ev->service = entry_field(j, "TEAM_SERVICE", t->service, sizeof(t->service));
        ev->tty = entry_field(j, "TEAM_TTY", t->tty, sizeof(t->tty));
        ev->rhost = entry_field(j, "TEAM_RHOST", t->rhost, sizeof(t->rhost));
        ev->outcome = entry_field(j, "TEAM_OUTCOME", t->outcome, sizeof(t->outcome));
        ev->message = entry_field(j, "MESSAGE", t->message, sizeof(t->message));
        s = entry_field(j, "TEAM_PEER_PID", t->pid, sizeof(t->pid));
        if (s && parse_uint(s, 1, INT32_MAX, &pid) == 0)
                ev->peer_pid = (pid_t)pid;
        return 0;
}

/* Text for a terminal: control characters become '?'. */
static void put_clean(const char *s)
{
        for (; s && *s; s++)
                putchar(((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

static void print_text(const struct team_audit_event *ev)
{
        time_t secs = (time_t)(ev->time_usec / 1000000);
        char when[64] = "?";
        struct tm tm;

        if (localtime_r(&secs, &tm))
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        printf("%s  %-17s ", when, team_event_name(ev->type));
        put_clean(ev->message);
        putchar('\n');
}

static int print_entry(sd_journal *j, bool json)
{
        struct entry_text *t = malloc(sizeof(*t));
        struct team_audit_event ev;
        char *text = NULL;
        int r;

        if (!t)
                return -ENOMEM;
        r = entry_event(j, t, &ev);
        if (r == 0) {
                if (!json) {
                        print_text(&ev);
                } else {
                        r = team_audit_event_to_json(&ev, &text, NULL);
                        if (r == 0)
                                printf("%s\n", text);
                        free(text);
                }
                fflush(stdout);
        }
        free(t);
        return r == -ENOENT ? 0 : r;
}

static int add_matches(sd_journal *j, const struct tail_options *o)
{
        char m[64], id[SD_ID128_STRING_MAX];
        int r;

        for (unsigned i = 0; i < TEAM_EVENT__MAX; i++) {
                if (o->any_type && !o->types[i])
                        continue;
                snprintf(m, sizeof(m), "MESSAGE_ID=%s", sd_id128_to_string(team_event_message_id(i), id));
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        return sd_journal_add_match(j, "SYSLOG_IDENTIFIER=teamd", 0);
}

static int tail(const struct tail_options *o, bool json)
{
        sd_journal *j = NULL;
        int r;

        r = o->directory ? sd_journal_open_directory(&j, o->directory, 0) : sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "teamctl: audit tail: cannot open the journal: %s\n", strerror(-r));
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        r = add_matches(j, o);
        if (r >= 0)
                r = sd_journal_seek_tail(j);
        if (r >= 0 && o->lines > 0) {
                r = sd_journal_previous_skip(j, o->lines);
                if (r > 0)
                        r = print_entry(j, json);
        } else if (r >= 0) {
                r = sd_journal_previous(j);
        }
        for (;;) {
                if (r < 0)
                        break;
                r = sd_journal_next(j);
                if (r > 0) {
                        r = print_entry(j, json);
                        continue;
                }
                if (r < 0 || !o->follow)
                        break;
                r = sd_journal_wait(j, (uint64_t)-1);
        }
        sd_journal_close(j);
        if (r < 0) {
                fprintf(stderr, "teamctl: audit tail: reading the journal: %s\n", strerror(-r));
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        return TEAMCTL_EXIT_OK;
}

static int parse_tail_args(int argc, char **argv, struct tail_options *o, bool *json)
{
        enum team_event_type type;

        for (int i = 0; i < argc; i++) {
                const char *a = argv[i];
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(a, "--no-follow") == 0) {
                        o->follow = false;
                } else if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0) {
                        o->follow = true;
                } else if (strcmp(a, "--json") == 0) {
                        *json = true;
                } else if ((strcmp(a, "-n") == 0 || strcmp(a, "--lines") == 0) && v) {
                        if (parse_uint(v, 0, TAIL_MAX, &o->lines) < 0) {
                                fprintf(stderr, "teamctl: audit tail: -n wants a number 0..%d\n", TAIL_MAX);
                                return TEAMCTL_EXIT_USAGE;
                        }
                        i++;
                } else if (strcmp(a, "--type") == 0 && v) {
                        if (team_event_from_name(v, &type) < 0) {
                                fprintf(stderr, "teamctl: audit tail: unknown event type '%s' (see docs/audit.md)\n", v);
                                return TEAMCTL_EXIT_USAGE;
                        }
                        o->types[type] = true;
                        o->any_type = true;
                        i++;
                } else if (strcmp(a, "--directory") == 0 && v) {
                        o->directory = v;
                        i++;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        cmd_audit_help();
                        return -1;
                } else {
                        fprintf(stderr, "teamctl: audit tail: unexpected argument '%s' (see teamctl help audit)\n", a);
                        return TEAMCTL_EXIT_USAGE;
                }
        }
        return 0;
}

int cmd_audit(struct teamctl *t, int argc, char **argv)
{
        struct tail_options o = { .lines = TAIL_DEFAULT, .follow = true };
        bool json = t->json;
        int r;

        if (argc < 1 || strcmp(argv[0], "tail") != 0) {
                fprintf(stderr, "teamctl: audit: the verb is 'audit tail' (see teamctl help audit)\n");
                return TEAMCTL_EXIT_USAGE;
        }
        r = parse_tail_args(argc - 1, argv + 1, &o, &json);
        if (r != 0)
                return r < 0 ? TEAMCTL_EXIT_OK : r;
        if (geteuid() != 0) {
                fprintf(stderr, "teamctl: audit tail: only root may read the audit trail\n");
                return TEAMCTL_EXIT_REFUSED;
        }
        return tail(&o, json);
}
