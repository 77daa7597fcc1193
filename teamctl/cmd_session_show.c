/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl session show ID (root): one elevated session's timeline from
 * journald. Who asked and why, who approved (the grant's GrantReceived),
 * when it opened, each program run in it (SessionCommand) and what was
 * only counted (SessionCommandsSummarised), the warnings, and how it
 * ended. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal_entry.h"
#include "printable.h"
#include "teamctl.h"

/* What the header needs from the session's first event. */
struct session_head {
        bool found;
        char user[TEAM_AUDIT_MAX_FIELD + 1], role[TEAM_AUDIT_MAX_FIELD + 1], host[TEAM_AUDIT_MAX_FIELD + 1],
                grant_id[TEAM_AUDIT_MAX_FIELD + 1], service[TEAM_AUDIT_MAX_FIELD + 1],
                tty[TEAM_AUDIT_MAX_FIELD + 1], rhost[TEAM_AUDIT_MAX_FIELD + 1];
};

static void copy(char *dst, size_t size, const char *src)
{
        snprintf(dst, size, "%s", src ? src : "");
}

/* Restricts j to the audit events whose field is value. */
static int match(sd_journal *j, const bool *types, const char *field, const char *value)
{
        char m[TEAM_AUDIT_MAX_FIELD + 32];
        int r;

        sd_journal_flush_matches(j);
        r = journal_entry_match_audit(j, types);
        if (r < 0)
                return r;
        snprintf(m, sizeof(m), "%s=%s", field, value);
        r = sd_journal_add_match(j, m, 0);
        return r < 0 ? r : sd_journal_seek_head(j);
}

static void print_command(const struct team_audit_event *ev)
{
        const struct team_audit_command *c = &ev->command;

        if (!c->present) {
                journal_entry_put_clean(ev->message);
                return;
        }
        printf("pid %lld", (long long)c->pid);
        if (c->ppid >= 0)
                printf(" parent %lld", (long long)c->ppid);
        if (c->uid >= 0)
                printf(" uid %lld euid %lld", (long long)c->uid, (long long)c->euid);
        if (c->cwd) {
                fputs(" in ", stdout);
                journal_entry_put_clean(c->cwd);
        }
        fputs(": ", stdout);
        journal_entry_put_clean(c->argv && c->argv[0] ? c->argv : c->exe ? c->exe : "(ended before it was read)");
}

static void print_line(const struct team_audit_event *ev)
{
        char when[64];

        journal_entry_when(ev, when, sizeof(when));
        printf("%s  ", when);
        switch (ev->type) {
        case TEAM_EVENT_SESSION_COMMAND:
                print_command(ev);
                break;
        case TEAM_EVENT_SESSION_COMMANDS_SUMMARISED:
                printf("%llu programs counted, not recorded one by one (", (unsigned long long)ev->summarised);
                journal_entry_put_clean(ev->reason);
                putchar(')');
                break;
        default:
                printf("%s: ", team_event_name(ev->type));
                journal_entry_put_clean(ev->message);
                break;
        }
        putchar('\n');
}

static int print_event(const struct team_audit_event *ev, bool json)
{
        char *text = NULL;
        int r;

        if (!json) {
                print_line(ev);
                return 0;
        }
        r = team_audit_event_to_json(ev, &text, NULL);
        if (r == 0)
                printf("%s\n", text);
        free(text);
        return r;
}

/* Each event of the session: into head (the first that names the user),
 * and printed when print is set. */
static int walk_session(sd_journal *j, const char *id, struct session_head *head, bool print, bool json)
{
        struct journal_entry *t = malloc(sizeof(*t));
        struct team_audit_event ev;
        int r;

        if (!t)
                return -ENOMEM;
        r = match(j, NULL, "TEAM_SESSION_ID", id);
        while (r >= 0 && (r = sd_journal_next(j)) > 0) {
                if (journal_entry_event(j, t, &ev) < 0)
                        continue;
                if (!head->found && ev.user) {
                        head->found = true;
                        copy(head->user, sizeof(head->user), ev.user);
                        copy(head->role, sizeof(head->role), ev.role);
                        copy(head->host, sizeof(head->host), ev.host);
                        copy(head->grant_id, sizeof(head->grant_id), ev.grant_id);
                        copy(head->service, sizeof(head->service), ev.service);
                        copy(head->tty, sizeof(head->tty), ev.tty);
                        copy(head->rhost, sizeof(head->rhost), ev.rhost);
                }
                if (print && (r = print_event(&ev, json)) < 0)
                        break;
        }
        free(t);
        return r;
}

/* The grant's GrantReceived: why it was asked for, who approved. */
static int print_grant(sd_journal *j, const struct session_head *h, bool json)
{
        bool types[TEAM_EVENT__MAX] = { [TEAM_EVENT_GRANT_RECEIVED] = true };
        struct journal_entry *t;
        struct team_audit_event ev;
        int r;

        if (!h->grant_id[0]) {
                if (!json)
                        printf("no grant (fail-open, an exemption or break-glass: see the events below)\n");
                return 0;
        }
        t = malloc(sizeof(*t));
        if (!t)
                return -ENOMEM;
        r = match(j, types, "TEAM_GRANT_ID", h->grant_id);
        if (r >= 0)
                r = sd_journal_next(j);
        if (r > 0 && journal_entry_event(j, t, &ev) == 0) {
                if (json) {
                        r = print_event(&ev, true);
                } else {
                        printf("grant %s", h->grant_id);
                        if (ev.request_id) {
                                fputs(", request ", stdout);
                                journal_entry_put_clean(ev.request_id);
                        }
                        fputs(": asked for \"", stdout);
                        journal_entry_put_clean(ev.reason ? ev.reason : "");
                        fputs("\", approved by ", stdout);
                        journal_entry_put_clean(ev.approvers ? ev.approvers : "(not recorded)");
                        putchar('\n');
                }
        } else if (r >= 0 && !json) {
                printf("grant %s (its GrantReceived is not in the journal)\n", h->grant_id);
        }
        free(t);
        return r < 0 ? r : 0;
}

static void print_head(const char *id, const struct session_head *h)
{
        printf("session %s: ", id);
        journal_entry_put_clean(h->user);
        fputs(" as ", stdout);
        journal_entry_put_clean(h->role);
        fputs(" on ", stdout);
        journal_entry_put_clean(h->host);
        fputs(" (", stdout);
        journal_entry_put_clean(h->service[0] ? h->service : "?");
        if (h->tty[0]) {
                fputs(", tty ", stdout);
                journal_entry_put_clean(h->tty);
        }
        if (h->rhost[0]) {
                fputs(", from ", stdout);
                journal_entry_put_clean(h->rhost);
        }
        fputs(")\n", stdout);
}

int cmd_session_show(struct teamctl *t, const char *id, const char *directory)
{
        struct session_head *head = calloc(1, sizeof(*head));
        sd_journal *j = NULL;
        int r, ret = TEAMCTL_EXIT_OK;

        if (!head)
                return TEAMCTL_EXIT_UNAVAILABLE;
        if (!team_text_is_printable(id, strlen(id)) || strlen(id) > TEAM_AUDIT_MAX_FIELD || strchr(id, '=')) {
                fprintf(stderr, "teamctl: session show: '%s' is not a session id (teamctl sessions lists them)\n", id);
                free(head);
                return TEAMCTL_EXIT_USAGE;
        }
        if (geteuid() != 0) {
                fprintf(stderr, "teamctl: session show: only root may read the audit trail\n");
                free(head);
                return TEAMCTL_EXIT_REFUSED;
        }
        r = journal_entry_open(directory, &j);
        if (r >= 0)
                r = walk_session(j, id, head, false, false);
        if (r >= 0 && !head->found) {
                fprintf(stderr, "teamctl: session show: no events of session %s in the journal (teamctl sessions"
                        " lists the open ones; journald may have rotated older ones away)\n", id);
                ret = TEAMCTL_EXIT_REFUSED;
                goto out;
        }
        if (r >= 0 && !t->json)
                print_head(id, head);
        if (r >= 0)
                r = print_grant(j, head, t->json);
        if (r >= 0)
                r = walk_session(j, id, head, true, t->json);
        if (r < 0) {
                fprintf(stderr, "teamctl: session show: reading the journal: %s\n", strerror(-r));
                ret = TEAMCTL_EXIT_UNAVAILABLE;
        }
out:
        fflush(stdout);
        if (j)
                sd_journal_close(j);
        free(head);
        return ret;
}
