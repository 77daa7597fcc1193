/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl sessions / session end ID (root), and the open sessions part of
 * teamctl status. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "format.h"
#include "teamctl.h"

void cmd_sessions_help(void)
{
        printf("Usage: teamctl [--json] sessions\n"
               "\n"
               "Lists the elevated sessions open on this host (root): who, which role,\n"
               "under which grant, on which terminal, how teamd holds them, and the time\n"
               "left until their grant ends and teamd ends them.\n"
               "\n"
               "Exit status: 0 ok, 1 refused, 2 usage, 69 teamd unreachable.\n");
}

void cmd_session_help(void)
{
        printf("Usage: teamctl session end ID\n"
               "       teamctl [--json] session show ID [--directory DIR]\n"
               "\n"
               "end: ends the open elevated session ID now (root), as teamd ends one whose\n"
               "grant ended: SIGHUP and SIGTERM, then SIGKILL after [sessions] grace.\n"
               "The end is audited (SessionTerminated, with who asked).\n"
               "\n"
               "show: the session's timeline from journald (root): who asked and why, who\n"
               "approved, when it opened, each program run in it, what was only counted,\n"
               "and how it ended. --json prints the events in their JSON form.\n"
               "--directory reads a journal directory instead of the system journal.\n"
               "\n"
               "Exit status: 0 ok, 1 refused (not open, or being ended; show: no such\n"
               "session in the journal), 2 usage, 69 teamd or the journal unreachable.\n");
}

/* What the session runs under: its grant, or "break-glass USEID". */
static const char *under_what(const struct team_session_summary *s, char *buf, size_t len)
{
        if (s->breakglass_id) {
                snprintf(buf, len, "break-glass %s", s->breakglass_id);
                return buf;
        }
        return s->grant_id ? s->grant_id : "-";
}

void teamctl_print_sessions(const struct team_response *r, int64_t now, bool with_user)
{
        char until[64], rel[32], col[128], under[TEAM_MAX_ID + 16];

        if (r->n_sessions == 0)
                return;
        printf("\n%-32s  %s%-10s  %-22s  %-10s  %-7s  %s\n", "SESSION", with_user ? "USER          " : "", "ROLE",
               "GRANT", "TTY", "HELD", "ENDS");
        for (size_t i = 0; i < r->n_sessions; i++) {
                const struct team_session_summary *s = &r->sessions[i];
                const char *what = under_what(s, under, sizeof(under));

                if (s->exp > 0) {
                        format_local_time(s->exp, until, sizeof(until));
                        format_relative(s->exp, now, rel, sizeof(rel));
                        snprintf(col, sizeof(col), "%s (%s)", until, rel);
                } else {
                        snprintf(col, sizeof(col), "%s", s->grant_id ? "-" : "no grant (fail-open): not ended by teamd");
                }
                if (with_user)
                        printf("%-32s  %-12s  %-10s  %-22s  %-10s  %-7s  %s\n", s->id, s->user, s->role, what,
                               s->tty ? s->tty : "-", s->hold ? s->hold : "-", col);
                else
                        printf("%-32s  %-10s  %-22s  %-10s  %-7s  %s\n", s->id, s->role, what,
                               s->tty ? s->tty : "-", s->hold ? s->hold : "-", col);
        }
}

/* One call to teamd; prints the refusal or the JSON. 0 and *resp filled
 * (clear it) when teamd said ok and the caller prints text. */
static int call(struct teamctl *t, const struct team_request *req, struct team_response *resp, bool *printed)
{
        char err[1024], *raw = NULL;
        int ret = teamctl_call(teamctl_socket(t), req, resp, &raw, err, sizeof(err));

        *printed = false;
        if (ret != 0) {
                fprintf(stderr, "teamctl: %s\n", err);
                return ret;
        }
        if (t->json) {
                printf("%s\n", raw);
                *printed = true;
        }
        free(raw);
        if (!resp->ok) {
                fprintf(stderr, "teamctl: teamd refused: %s\n", resp->error ? resp->error : "(no reason given)");
                team_response_clear(resp);
                return TEAMCTL_EXIT_REFUSED;
        }
        return 0;
}

int cmd_sessions(struct teamctl *t, int argc, char **argv)
{
        struct team_request req = { .op = TEAM_OP_SESSIONS };
        struct team_response resp;
        bool printed;
        int ret;

        if (argc > 0 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
                cmd_sessions_help();
                return TEAMCTL_EXIT_OK;
        }
        if (argc > 0) {
                fprintf(stderr, "teamctl: sessions: unexpected argument '%s'\n", argv[0]);
                return TEAMCTL_EXIT_USAGE;
        }
        ret = call(t, &req, &resp, &printed);
        if (ret != 0)
                return ret;
        if (!printed) {
                printf("%lld open elevated session%s\n", (long long)resp.sessions_total,
                       resp.sessions_total == 1 ? "" : "s");
                teamctl_print_sessions(&resp, (int64_t)time(NULL), true);
                if ((int64_t)resp.n_sessions < resp.sessions_total)
                        printf("(%lld more not shown)\n", (long long)(resp.sessions_total - (int64_t)resp.n_sessions));
        }
        team_response_clear(&resp);
        return TEAMCTL_EXIT_OK;
}

int cmd_session(struct teamctl *t, int argc, char **argv)
{
        struct team_request req = { .op = TEAM_OP_SESSION_END };
        struct team_response resp;
        bool printed;
        int ret;

        if (argc > 0 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
                cmd_session_help();
                return TEAMCTL_EXIT_OK;
        }
        if (argc >= 2 && strcmp(argv[0], "show") == 0) {
                if (argc == 2)
                        return cmd_session_show(t, argv[1], NULL);
                if (argc == 4 && strcmp(argv[2], "--directory") == 0)
                        return cmd_session_show(t, argv[1], argv[3]);
        }
        if (argc != 2 || strcmp(argv[0], "end") != 0) {
                fprintf(stderr, "teamctl: usage: teamctl session end ID | session show ID [--directory DIR]\n");
                return TEAMCTL_EXIT_USAGE;
        }
        req.session_id = argv[1];
        ret = call(t, &req, &resp, &printed);
        if (ret != 0)
                return ret;
        if (!printed)
                printf("session %s: ending it (SessionTerminated follows in the journal)\n", argv[1]);
        team_response_clear(&resp);
        return TEAMCTL_EXIT_OK;
}
