/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd's audit entries read back from journald; see journal_entry.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "journal_entry.h"
#include "parse.h"

int journal_entry_open(const char *directory, sd_journal **out)
{
        return directory ? sd_journal_open_directory(out, directory, 0) : sd_journal_open(out, SD_JOURNAL_LOCAL_ONLY);
}

int journal_entry_match_audit(sd_journal *j, const bool *types)
{
        char m[64], id[SD_ID128_STRING_MAX];
        int r;

        for (unsigned i = 0; i < TEAM_EVENT__MAX; i++) {
                if (types && !types[i])
                        continue;
                snprintf(m, sizeof(m), "MESSAGE_ID=%s", sd_id128_to_string(team_event_message_id(i), id));
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        return sd_journal_add_match(j, "SYSLOG_IDENTIFIER=teamd", 0);
}

/* The value of FIELD in the current entry, NUL-terminated in buf, or NULL. */
static const char *field(sd_journal *j, const char *name, char *buf, size_t size)
{
        const void *data;
        size_t len, flen = strlen(name);

        if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= flen + 1)
                return NULL;
        len -= flen + 1;
        if (len >= size)
                len = size - 1;
        memcpy(buf, (const char *)data + flen + 1, len);
        buf[len] = '\0';
        return buf;
}

#define FIELD(j, name, t, member) field((j), (name), (t)->member, sizeof((t)->member))

/* A number field: *out, or unchanged when absent or not a number. */
static void number(sd_journal *j, const char *name, char *buf, size_t size, uint64_t max, int64_t *out)
{
        const char *s = field(j, name, buf, size);
        uint64_t v;

        if (s && parse_uint(s, 0, max, &v) == 0)
                *out = (int64_t)v;
}

static void command_of(sd_journal *j, struct journal_entry *t, struct team_audit_event *ev)
{
        struct team_audit_command *c = &ev->command;
        int64_t pid = -1;

        number(j, "TEAM_PID", t->cmd_pid, sizeof(t->cmd_pid), INT32_MAX, &pid);
        if (pid < 1)
                return;
        *c = (struct team_audit_command){ .present = true, .pid = pid, .ppid = -1, .uid = -1, .euid = -1 };
        number(j, "TEAM_PPID", t->cmd_ppid, sizeof(t->cmd_ppid), INT32_MAX, &c->ppid);
        number(j, "TEAM_UID", t->cmd_uid, sizeof(t->cmd_uid), UINT32_MAX, &c->uid);
        number(j, "TEAM_EUID", t->cmd_euid, sizeof(t->cmd_euid), UINT32_MAX, &c->euid);
        c->exe = FIELD(j, "TEAM_EXE", t, exe);
        c->cwd = FIELD(j, "TEAM_CWD", t, cwd);
        c->argv = FIELD(j, "TEAM_ARGV", t, argv);
}

int journal_entry_event(sd_journal *j, struct journal_entry *t, struct team_audit_event *ev)
{
        uint64_t usec = 0;
        int64_t n = 0;
        const char *s;

        memset(ev, 0, sizeof(*ev));
        s = FIELD(j, "TEAM_EVENT", t, event);
        if (!s || team_event_from_name(s, &ev->type) < 0)
                return -ENOENT;
        s = FIELD(j, "TEAM_EVENT_ID", t, id);
        if (!s || sd_id128_from_string(s, &ev->id) < 0)
                ev->id = SD_ID128_NULL; /* entries from before event ids */
        if (sd_journal_get_realtime_usec(j, &usec) >= 0)
                ev->time_usec = (int64_t)usec;
        ev->user = FIELD(j, "TEAM_USER", t, user);
        ev->role = FIELD(j, "TEAM_ROLE", t, role);
        ev->host = FIELD(j, "TEAM_HOST", t, host);
        ev->grant_id = FIELD(j, "TEAM_GRANT_ID", t, grant_id);
        ev->request_id = FIELD(j, "TEAM_REQUEST_ID", t, request_id);
        ev->decision = FIELD(j, "TEAM_DECISION", t, decision);
        ev->reason = FIELD(j, "TEAM_REASON", t, reason);
        ev->service = FIELD(j, "TEAM_SERVICE", t, service);
        ev->tty = FIELD(j, "TEAM_TTY", t, tty);
        ev->rhost = FIELD(j, "TEAM_RHOST", t, rhost);
        ev->outcome = FIELD(j, "TEAM_OUTCOME", t, outcome);
        ev->message = FIELD(j, "MESSAGE", t, message);
        ev->approvers = FIELD(j, "TEAM_APPROVERS", t, approvers);
        ev->session_id = FIELD(j, "TEAM_SESSION_ID", t, session_id);
        number(j, "TEAM_PEER_PID", t->pid, sizeof(t->pid), INT32_MAX, &n);
        ev->peer_pid = (pid_t)n;
        n = 0;
        number(j, "TEAM_SUMMARISED", t->summarised, sizeof(t->summarised), TEAM_AUDIT_MAX_SEQ, &n);
        ev->summarised = (uint64_t)n;
        command_of(j, t, ev);
        return 0;
}

void journal_entry_chain(sd_journal *j, struct journal_entry *t, struct team_audit_event *ev)
{
        static const char *const dropped[3] = { "TEAM_DROPPED_COUNT", "TEAM_DROPPED_FIRST", "TEAM_DROPPED_LAST" };
        uint64_t *counts[3] = { &ev->dropped_count, &ev->dropped_first, &ev->dropped_last };
        char prev[TEAM_AUDIT_HASH_HEX + 2];
        int64_t n = 0;

        number(j, "TEAM_SEQ", t->seq, sizeof(t->seq), TEAM_AUDIT_MAX_SEQ, &n);
        ev->seq = (uint64_t)n;
        if (field(j, "TEAM_PREV", prev, sizeof(prev)) && strlen(prev) == TEAM_AUDIT_HASH_HEX)
                memcpy(ev->prev, prev, TEAM_AUDIT_HASH_HEX + 1);
        number(j, "TEAM_TIME_USEC", t->time_usec, sizeof(t->time_usec), INT64_MAX, &ev->time_usec);
        for (int i = 0; i < 3; i++) {
                n = 0;
                number(j, dropped[i], t->dropped[i], sizeof(t->dropped[i]), TEAM_AUDIT_MAX_SEQ, &n);
                *counts[i] = (uint64_t)n;
        }
        ev->ticket = FIELD(j, "TEAM_TICKET", t, ticket);
        ev->host_key = FIELD(j, "TEAM_HOST_KEY", t, host_key);
        ev->signature = FIELD(j, "TEAM_SIGNATURE", t, signature);
        if (!FIELD(j, "TEAM_HASH", t, hash) || strlen(t->hash) != TEAM_AUDIT_HASH_HEX)
                t->hash[0] = '\0';
}

void journal_entry_put_clean(const char *s)
{
        for (; s && *s; s++)
                putchar(((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

void journal_entry_when(const struct team_audit_event *ev, char *buf, size_t len)
{
        time_t secs = (time_t)(ev->time_usec / 1000000);
        struct tm tm;

        snprintf(buf, len, "?");
        if (localtime_r(&secs, &tm))
                strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}
