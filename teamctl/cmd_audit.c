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
#include "journal_entry.h"
#include "parse.h"
#include "printable.h"
#include "teamctl.h"

#define TAIL_DEFAULT 10
#define TAIL_MAX 1000000

struct tail_options {
        uint64_t lines;
        bool follow;
        const char *directory;
        const char *session_id;
        bool types[TEAM_EVENT__MAX];
        bool any_type;
};

void cmd_audit_help(void)
{
        printf("Usage: teamctl [--json] audit tail [-n N] [--no-follow] [--type EVENT]... [--session ID]\n"
               "                                  [--directory DIR]\n"
               "\n"
               "Shows the last N (default %d) audit events of this host from journald, then\n"
               "follows new ones until interrupted (--no-follow: stop after the last one).\n"
               "--type limits to one event type (repeatable; e.g. ElevationDenied).\n"
               "--session limits to one elevated session's events: opened, each command\n"
               "run in it, summaries, warnings, how it ended (teamctl session show ID\n"
               "prints its whole timeline).\n"
               "--json prints each event in its JSON form (docs/audit.md), one per line.\n"
               "--directory reads a journal directory instead of the system journal.\n"
               "Only root may read the audit trail.\n"
               "\n"
               "Usage: teamctl audit verify [--directory DIR]\n"
               "\n"
               "Checks this host's audit chain in journald: every chained event rebuilt from\n"
               "its entry and hashed, gaps, edits, forks, checkpoint signatures (with the key\n"
               "teamd announces), events after the last checkpoint (docs/audit.md).\n"
               "\n"
               "Exit status: 0 ok (verify: every chain verified), 1 refused (verify: a\n"
               "problem found), 2 usage, 69 journal unavailable.\n",
               TAIL_DEFAULT);
}

static void print_text(const struct team_audit_event *ev)
{
        char when[64];

        journal_entry_when(ev, when, sizeof(when));
        printf("%s  %-17s ", when, team_event_name(ev->type));
        journal_entry_put_clean(ev->message);
        putchar('\n');
}

static int print_entry(sd_journal *j, bool json)
{
        struct journal_entry *t = malloc(sizeof(*t));
        struct team_audit_event ev;
        char *text = NULL;
        int r;

        if (!t)
                return -ENOMEM;
        r = journal_entry_event(j, t, &ev);
        if (r == 0) {
                /* With its chain members, a line team-audit verifies. */
                if (json)
                        journal_entry_chain(j, t, &ev);
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
        char m[TEAM_AUDIT_MAX_FIELD + 32];
        int r = journal_entry_match_audit(j, o->any_type ? o->types : NULL);

        if (r < 0 || !o->session_id)
                return r;
        snprintf(m, sizeof(m), "TEAM_SESSION_ID=%s", o->session_id);
        return sd_journal_add_match(j, m, 0);
}

static int tail(const struct tail_options *o, bool json)
{
        sd_journal *j = NULL;
        int r;

        r = journal_entry_open(o->directory, &j);
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
                } else if (strcmp(a, "--session") == 0 && v) {
                        if (!team_text_is_printable(v, strlen(v)) || strlen(v) > TEAM_AUDIT_MAX_FIELD) {
                                fprintf(stderr, "teamctl: audit tail: --session wants a session id (teamctl sessions)\n");
                                return TEAMCTL_EXIT_USAGE;
                        }
                        o->session_id = v;
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

        if (argc >= 1 && strcmp(argv[0], "verify") == 0)
                return cmd_audit_verify(t, argc - 1, argv + 1);
        if (argc < 1 || strcmp(argv[0], "tail") != 0) {
                fprintf(stderr, "teamctl: audit: the verbs are 'audit tail' and 'audit verify' (see teamctl help audit)\n");
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
