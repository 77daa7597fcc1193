/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl request without --server / TEAM_SERVER: the request goes to
 * teamd's user socket (root: its root socket), teamd takes the user from
 * SO_PEERCRED and files it with the host token. --wait then asks teamd
 * (request_wait, in rounds that fit teamctl's 5 s exchange) until the
 * grant is usable on this host, showing the time left. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "central.h"
#include "client.h"
#include "format.h"
#include "text.h"

#define RELAY_DEFAULT_WAIT_S (15 * 60)
#define RELAY_ROUND_S 3

static int64_t mono_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec;
}

/* The exit code of a final request_wait status. */
static int status_exit(const char *status)
{
        int e;

        if (strcmp(status, "refused") == 0)
                return TEAMCTL_EXIT_REFUSED;
        if (strcmp(status, "timeout") == 0)
                return TEAMCTL_EXIT_TIMEOUT;
        e = central_status_exit(status);
        return e < 0 ? TEAMCTL_EXIT_UNAVAILABLE : e;
}

static void show_left(const char *id, int64_t left)
{
        printf("\r\033[K%s: pending; waiting, %lld:%02lld left", id, (long long)(left / 60), (long long)(left % 60));
        fflush(stdout);
}

static int relay_wait(struct teamctl *t, const char *id, int64_t timeout_s)
{
        bool tty = !t->json && isatty(STDOUT_FILENO);
        int64_t end = mono_s() + timeout_s;
        char err[512], clean[1024];
        int ret;

        for (;;) {
                struct team_request req = { .op = TEAM_OP_REQUEST_WAIT, .request_id = id };
                struct team_response resp;
                char *raw = NULL;
                int64_t left = end - mono_s();

                if (left <= 0) {
                        if (tty)
                                printf("\r\033[K");
                        fprintf(stderr, "teamctl: no decision on %s yet; it stays pending (teamctl status)\n", id);
                        return TEAMCTL_EXIT_TIMEOUT;
                }
                if (tty)
                        show_left(id, left);
                req.timeout = left < RELAY_ROUND_S ? left : RELAY_ROUND_S;
                ret = teamctl_call(teamctl_socket(t), &req, &resp, t->json ? &raw : NULL, err, sizeof(err));
                if (ret != 0) {
                        if (tty)
                                printf("\r\033[K");
                        fprintf(stderr, "teamctl: %s\n", err);
                        return ret;
                }
                if (!resp.ok || !resp.request_status) {
                        if (tty)
                                printf("\r\033[K");
                        text_sanitize(resp.error ? resp.error : "no status", clean, sizeof(clean));
                        fprintf(stderr, "teamctl: %s\n", clean);
                        team_response_clear(&resp);
                        free(raw);
                        return TEAMCTL_EXIT_REFUSED;
                }
                if (strcmp(resp.request_status, "timeout") == 0) {
                        team_response_clear(&resp);
                        free(raw);
                        continue;
                }
                if (tty)
                        printf("\r\033[K");
                if (t->json) {
                        printf("%s\n", raw);
                } else if (strcmp(resp.request_status, "active") == 0) {
                        char until[64];

                        format_local_time(resp.expires, until, sizeof(until));
                        text_sanitize(resp.grant_id ? resp.grant_id : "?", clean, sizeof(clean));
                        printf("%s: approved; grant %s usable on this host until %s\n", id, clean, until);
                } else {
                        text_sanitize(resp.reason ? resp.reason : resp.request_status, clean, sizeof(clean));
                        printf("%s: %s\n", id, clean);
                }
                ret = status_exit(resp.request_status);
                team_response_clear(&resp);
                free(raw);
                return ret;
        }
}

int cmd_request_relay(struct teamctl *t, const char *role, uint64_t duration, const char *reason,
                      const char *ticket, bool wait, uint64_t timeout_s)
{
        struct team_request req = { .op = TEAM_OP_REQUEST, .role = role, .duration = (int64_t)duration,
                                    .reason = reason, .ticket = ticket };
        struct team_response resp;
        char clean[1024], *raw = NULL;
        int ret;

        ret = teamctl_ask(t, &req, &resp, t->json ? &raw : NULL, "refused");
        if (ret != 0)
                return ret;
        if (strcmp(resp.request_status, "refused") == 0 || !resp.request_id) {
                text_sanitize(resp.reason ? resp.reason : "refused", clean, sizeof(clean));
                fprintf(stderr, "teamctl: the central API refused the request: %s%s\n", clean,
                        resp.ticket_required ? " (add --ticket T)" : "");
                ret = TEAMCTL_EXIT_REFUSED;
                goto out;
        }
        if (t->json && !wait) {
                printf("%s\n", raw);
        } else if (!t->json) {
                text_sanitize(resp.request_id, clean, sizeof(clean));
                printf("%s: %s %s on this host, filed through teamd\n", clean, resp.request_status, role);
                if (resp.approvers && *resp.approvers) {
                        text_sanitize(resp.approvers, clean, sizeof(clean));
                        printf("approvers: %s\n", clean);
                }
                fflush(stdout);
        }
        ret = wait ? relay_wait(t, resp.request_id, (int64_t)(timeout_s ? timeout_s : RELAY_DEFAULT_WAIT_S)) : 0;
out:
        team_response_clear(&resp);
        free(raw);
        return ret;
}
