/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl status: the caller's grants, open requests and open sessions, the host id and
 * the central API. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "format.h"
#include "teamctl.h"

void cmd_status_help(void)
{
        printf("Usage: teamctl [--config FILE] [--socket PATH] status [--json]\n"
               "\n"
               "Shows your own grants on this host (teamd knows who you are from the\n"
               "socket; nobody sees anyone else's), your open elevated sessions with\n"
               "the time left until teamd ends them, the requests teamd filed for you\n"
               "that are still open (withdraw one with teamctl cancel ID), the host id,\n"
               "and whether teamd can reach the central API (and if not, why). root\n"
               "talks to teamd's root socket and sees every active grant and open\n"
               "elevated session on the host (user, role, end, grant id) and the audit\n"
               "outbox; everyone else talks to the user socket. --json prints teamd's\n"
               "answer as JSON.\n"
               "\n"
               "Exit status: 0 ok, 1 refused, 2 usage, 69 teamd unreachable, 78 configuration error.\n");
}

static void print_api(const struct team_response *r, int64_t now)
{
        char when[64], rel[32];

        if (r->api_state == TEAM_API_UNCONFIGURED) {
                printf("api:     not configured (no [server] url; grants come from 'teamctl grant add')\n");
                return;
        }
        if (r->api_since == 0) {
                printf("api:     %s (not probed yet)\n", team_api_state_to_string(r->api_state));
                return;
        }
        format_local_time(r->api_since, when, sizeof(when));
        format_relative(r->api_since, now, rel, sizeof(rel));
        if (r->api_state == TEAM_API_UNREACHABLE)
                printf("api:     unreachable since %s (%s): this host is offline; cached grants work until they expire\n",
                       when, rel);
        else if (r->api_state == TEAM_API_FAILING)
                printf("api:     failing since %s (%s): the central API answers but this host cannot sync; cached "
                       "grants work until they expire, failmode=safe stays closed\n",
                       when, rel);
        else
                printf("api:     %s since %s (%s)\n", team_api_state_to_string(r->api_state), when, rel);
        if (r->api_problem && r->api_state != TEAM_API_REACHABLE)
                printf("         %s\n", r->api_problem);
}

/* root only: the audit outbox. */
static void print_audit(const struct team_response *r, int64_t now)
{
        char when[64], rel[32];

        if (!r->audit_sinks)
                return;
        printf("audit:   %s, %lld event%s waiting", r->audit_sinks[0] ? r->audit_sinks : "no sink configured",
               (long long)r->audit_depth, r->audit_depth == 1 ? "" : "s");
        if (r->audit_sinks[0]) {
                if (r->audit_last_delivery > 0) {
                        format_local_time(r->audit_last_delivery, when, sizeof(when));
                        format_relative(r->audit_last_delivery, now, rel, sizeof(rel));
                        printf(", last delivery %s (%s)", when, rel);
                } else {
                        printf(", no delivery yet");
                }
        }
        printf("\n");
        if (r->audit_host_key)
                printf("         chain at seq %lld, checkpoints signed by ed25519:%s\n", (long long)r->audit_seq,
                       r->audit_host_key);
        if (r->audit_evicted > 0 || r->audit_dead > 0)
                printf("         %lld evicted (outbox full), %lld dead-lettered; see journalctl -t teamd -p alert\n",
                       (long long)r->audit_evicted, (long long)r->audit_dead);
}

/* Everyone sees their own grants; root sees every grant on the host, with
 * whose it is (only root's answer carries the audit outbox and users). */
static void print_grants(const struct team_response *r, int64_t now)
{
        bool host = r->audit_sinks || (r->n_grants > 0 && r->grants[0].user);
        char from[64], until[64], rel[32], col[128];

        if (r->n_grants == 0) {
                if (host)
                        printf("grants:  none on this host\n");
                else
                        printf("grants:  none; ask for one: teamctl request ROLE --for 1h --reason \"...\"\n");
                return;
        }
        printf("\n%-36s  %-10s  ", "GRANT", "ROLE");
        if (host)
                printf("%-16s  ", "USER");
        printf("%-22s  %-34s  %s\n", "FROM", "UNTIL", "REASON");
        for (size_t i = 0; i < r->n_grants; i++) {
                const struct team_grant_summary *g = &r->grants[i];

                format_local_time(g->nbf, from, sizeof(from));
                format_local_time(g->exp, until, sizeof(until));
                format_relative(g->exp, now, rel, sizeof(rel));
                snprintf(col, sizeof(col), "%s (%s)", until, rel);
                printf("%-36s  %-10s  ", g->id, g->role);
                if (host)
                        printf("%-16s  ", g->user ? g->user : "?");
                printf("%-22s  %-34s  %s\n", g->nbf > now ? from : "active", col, g->reason ? g->reason : "");
        }
        if (r->grants_total > (int64_t)r->n_grants)
                printf("... and %lld more (teamctl status --json shows the first %zu)\n",
                       (long long)(r->grants_total - (int64_t)r->n_grants), r->n_grants);
}

/* The requests teamd filed for the caller that are still open. */
static void print_requests(const struct team_response *r, int64_t now)
{
        char until[64], rel[32];

        if (r->n_requests == 0)
                return;
        printf("\n%-20s  %-10s  %s\n", "OPEN REQUEST", "ROLE", "PENDING UNTIL");
        for (size_t i = 0; i < r->n_requests; i++) {
                const struct team_request_summary *q = &r->requests[i];

                format_local_time(q->expires, until, sizeof(until));
                format_relative(q->expires, now, rel, sizeof(rel));
                printf("%-20s  %-10s  %s (%s)\n", q->id, q->role, q->expires ? until : "?", q->expires ? rel : "?");
        }
        printf("(withdraw one with: teamctl cancel ID)\n");
}

int cmd_status(struct teamctl *t, int argc, char **argv)
{
        struct team_request req = { .op = TEAM_OP_STATUS };
        struct team_response resp;
        char err[1024];
        char *raw = NULL;
        int ret;

        for (int i = 0; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0) {
                        t->json = true;
                } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        cmd_status_help();
                        return TEAMCTL_EXIT_OK;
                } else {
                        fprintf(stderr, "teamctl: status: unexpected argument '%s' (see teamctl help status)\n",
                                argv[i]);
                        return TEAMCTL_EXIT_USAGE;
                }
        }
        ret = teamctl_call(teamctl_socket(t), &req, &resp, &raw, err, sizeof(err));
        if (ret != 0) {
                fprintf(stderr, "teamctl: %s\n", err);
                return ret;
        }
        if (!resp.ok) {
                if (t->json)
                        printf("%s\n", raw);
                fprintf(stderr, "teamctl: teamd refused: %s\n", resp.error ? resp.error : "(no reason given)");
                ret = TEAMCTL_EXIT_REFUSED;
        } else if (t->json) {
                printf("%s\n", raw);
        } else {
                int64_t now = (int64_t)time(NULL);
                printf("host:    %s\n", resp.host_id);
                print_api(&resp, now);
                print_audit(&resp, now);
                print_grants(&resp, now);
                print_requests(&resp, now);
                teamctl_print_sessions(&resp, now, false);
        }
        team_response_clear(&resp);
        free(raw);
        return ret;
}
