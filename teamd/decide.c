/* SPDX-License-Identifier: BSD-3-Clause */
/* The check decision; see docs/design.md "How teamd decides". */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decide.h"

bool decide_aud_matches(const struct grant_row *g, const char *host_id, const char *const *host_groups,
                        size_t n_host_groups)
{
        for (size_t i = 0; i < g->n_aud; i++) {
                if (host_id && strcmp(g->aud[i], host_id) == 0)
                        return true;
                for (size_t j = 0; j < n_host_groups; j++)
                        if (host_groups[j] && strcmp(g->aud[i], host_groups[j]) == 0)
                                return true;
        }
        return false;
}

void decide_format_time(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, len, "@%lld", (long long)t);
}

static bool row_active(const struct grant_row *g, const struct decide_input *in)
{
        return g->nbf - in->clock_skew <= in->now && in->now < g->exp;
}

static bool row_future(const struct grant_row *g, const struct decide_input *in)
{
        return in->now < g->nbf - in->clock_skew && in->now < g->exp;
}

/* Pick, among rows naming this host, the best one for each rule: the active
 * grant that ends last, the future grant that starts first, the ended grant
 * that ended last. */
static void pick(const struct decide_input *in, const struct grant_row **active, const struct grant_row **future,
                 const struct grant_row **ended)
{
        *active = *future = *ended = NULL;
        for (size_t i = 0; i < in->n_rows; i++) {
                const struct grant_row *g = &in->rows[i];

                if (strcmp(g->sub, in->user) != 0 || strcmp(g->role, in->role) != 0)
                        continue;
                if (!decide_aud_matches(g, in->host_id, in->host_groups, in->n_host_groups))
                        continue;
                if (row_active(g, in)) {
                        if (!*active || g->exp > (*active)->exp)
                                *active = g;
                } else if (row_future(g, in)) {
                        if (!*future || g->nbf < (*future)->nbf)
                                *future = g;
                } else if (!*ended || g->exp > (*ended)->exp) {
                        *ended = g;
                }
        }
}

/* Fail-open is allowed only when every one of these holds: the PAM line
 * asked for it, a central API is configured, it has been unreachable (a
 * transport failure or a 5xx: never a refusal, which is the server saying
 * no) for at least fail_open_after, and the store holds nothing at all for
 * this user and role (whatever its audience or window), not even a
 * revocation: anything cached is an answer, and a cached answer is never
 * overridden. */
static bool fail_open_allowed(const struct decide_input *in)
{
        if (!in->failmode_safe || in->api_state != TEAM_API_UNREACHABLE || in->api_since == 0)
                return false;
        if (in->revoked || in->now - in->api_since < in->fail_open_after)
                return false;
        for (size_t i = 0; i < in->n_rows; i++)
                if (strcmp(in->rows[i].sub, in->user) == 0 && strcmp(in->rows[i].role, in->role) == 0)
                        return false;
        return true;
}

#define ASK_HINT "teamctl request %s --for 1h --reason \"...\""

void decide(const struct decide_input *in, struct decide_result *out)
{
        const struct grant_row *active, *future, *ended;
        char when[64];

        memset(out, 0, sizeof(*out));
        pick(in, &active, &future, &ended);
        if (active) {
                out->decision = TEAM_DECISION_ALLOW;
                out->rule = DECIDE_ACTIVE;
                out->grant = active;
                decide_format_time(active->exp, when, sizeof(when));
                snprintf(out->reason, sizeof(out->reason), "grant %s for %s on %s is active until %s", active->id,
                         in->role, in->host_id, when);
        } else if (in->exempt) {
                /* Only without an active grant: a grant keeps its own trail. */
                out->decision = TEAM_DECISION_ALLOW;
                out->rule = DECIDE_EXEMPT;
                out->exempt = true;
                snprintf(out->reason, sizeof(out->reason),
                         "%s is exempt from the %s gate on %s (teamd.conf exempt_users/exempt_groups)", in->user,
                         in->role, in->host_id);
        } else if (future) {
                out->decision = TEAM_DECISION_DENY;
                out->rule = DECIDE_FUTURE;
                out->grant = future;
                decide_format_time(future->nbf, when, sizeof(when));
                snprintf(out->reason, sizeof(out->reason),
                         "your grant %s for %s on %s starts at %s; try again then", future->id, in->role,
                         in->host_id, when);
        } else if (ended) {
                out->decision = TEAM_DECISION_DENY;
                out->rule = DECIDE_EXPIRED;
                out->grant = ended;
                decide_format_time(ended->exp, when, sizeof(when));
                snprintf(out->reason, sizeof(out->reason),
                         "your grant %s for %s on %s expired at %s; ask for a new one: " ASK_HINT, ended->id,
                         in->role, in->host_id, when, in->role);
        } else if (fail_open_allowed(in)) {
                out->decision = TEAM_DECISION_ALLOW;
                out->rule = DECIDE_FAIL_OPEN;
                out->fail_open = true;
                snprintf(out->reason, sizeof(out->reason),
                         "no grant for %s on %s, but the central API is unreachable and the PAM line says "
                         "failmode=safe: allowed without a grant (audited)",
                         in->role, in->host_id);
        } else {
                out->decision = TEAM_DECISION_DENY;
                out->rule = DECIDE_NO_GRANT;
                snprintf(out->reason, sizeof(out->reason), "no grant for %s on %s; ask for one: " ASK_HINT,
                         in->role, in->host_id, in->role);
        }
}
