/* SPDX-License-Identifier: BSD-3-Clause */
/* status: the grants part of the answer. Everyone sees their own, with
 * their reasons; root (the root socket) sees every active grant on the
 * host: id, role, whose, window and the start of its reason. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

/* The answer must fit one frame: JSON escaping at most doubles a string,
 * and a grant's fixed part is well under 64 bytes. */
#define STATUS_BUDGET (TEAM_PROTO_MAX_FRAME - 4096 - STATUS_SESSIONS_BUDGET)

/* The host listing names whose each grant is and cuts reasons short, so
 * that it holds as many grants as one frame can. */
#define HOST_REASON_MAX 60

static size_t summary_cost(const struct grant_row *g, bool host)
{
        return 2 * (strlen(g->id) + strlen(g->role) + (host ? strlen(g->sub) : 0) + (g->rsn ? strlen(g->rsn) : 0)) +
               64;
}

/* Cuts s to at most max bytes at a character boundary (UTF-8). */
static void shorten(char *s, size_t max)
{
        size_t n = s ? strlen(s) : 0;

        if (n <= max)
                return;
        while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
                max--;
        s[max] = '\0';
}

/* A reason is the approver's free text: shown on terminals, so control
 * characters become '?'. */
static void sanitize(char *s)
{
        for (; s && *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        *s = '?';
}

/* rows -> resp->grants; ownership of the strings moves to the response. */
static int rows_to_summaries(struct grant_row *rows, size_t n, bool host, struct team_response *resp)
{
        size_t used = 0;

        resp->grants = calloc(n ? n : 1, sizeof(*resp->grants));
        if (!resp->grants)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct team_grant_summary *s = &resp->grants[i];

                if (host)
                        shorten(rows[i].rsn, HOST_REASON_MAX);
                used += summary_cost(&rows[i], host);
                if (used > STATUS_BUDGET)
                        break;
                sanitize(rows[i].rsn);
                s->id = rows[i].id;
                s->role = rows[i].role;
                s->reason = rows[i].rsn;
                rows[i].id = rows[i].role = rows[i].rsn = NULL;
                if (host) {
                        s->user = rows[i].sub;
                        rows[i].sub = NULL;
                }
                s->nbf = rows[i].nbf;
                s->exp = rows[i].exp;
                resp->n_grants++;
        }
        return 0;
}

int status_fill_user_grants(struct teamd *d, const char *user, struct team_response *resp)
{
        struct grant_row *rows = NULL;
        size_t n = 0;
        int r;

        r = db_grant_list_user(d->store, user, teamd_now(), TEAM_MAX_STATUS_GRANTS, &rows, &n);
        if (r == 0)
                r = rows_to_summaries(rows, n, false, resp);
        grant_rows_free(rows, n);
        return r;
}

int status_fill_host_grants(struct teamd *d, struct team_response *resp)
{
        struct grant_row *rows = NULL;
        size_t n = 0;
        uint64_t total = 0;
        int64_t now = teamd_now();
        int r;

        r = db_grant_count_current(d->store, now, &total);
        if (r == 0)
                r = db_grant_list_all(d->store, now, TEAM_MAX_STATUS_GRANTS, &rows, &n);
        if (r == 0)
                r = rows_to_summaries(rows, n, true, resp);
        resp->grants_total = (int64_t)total;
        grant_rows_free(rows, n);
        return r;
}
