/* SPDX-License-Identifier: BSD-3-Clause */
/* The one grant intake; see grant_intake.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "decide.h"
#include "grant_intake.h"
#include "audit/journal.h"
#include "maintenance.h"

static const char *origin_name(enum grant_origin o)
{
        switch (o) {
        case GRANT_ORIGIN_FEED:
                return "the central API";
        case GRANT_ORIGIN_RELAY:
                return "the request relay";
        default:
                return "teamctl grant add";
        }
}

/* What went wrong, and what to do about it. */
static void rejection_reason(const struct teamd *d, enum team_jws_result res, char *buf, size_t len)
{
        switch (res) {
        case TEAM_JWS_MALFORMED:
                snprintf(buf, len, "not a well-formed grant (compact JWS with the required claims)");
                break;
        case TEAM_JWS_BAD_ALG:
                snprintf(buf, len, "grant is not signed with EdDSA");
                break;
        case TEAM_JWS_UNKNOWN_KID:
                snprintf(buf, len, "grant is signed with a key that is not in %s; install the server's public "
                                   "key there as KID.pem and restart teamd",
                         d->cfg.trusted_keys);
                break;
        case TEAM_JWS_BAD_SIGNATURE:
                snprintf(buf, len, "grant signature does not verify against the trusted key");
                break;
        case TEAM_JWS_EXPIRED:
                snprintf(buf, len, "grant has already expired; ask for a new one");
                break;
        case TEAM_JWS_ISSUED_IN_FUTURE:
                snprintf(buf, len, "grant was issued in the future; check this host's clock");
                break;
        case TEAM_JWS_WRONG_AUD:
                snprintf(buf, len, "grant is not for this host (host_id %s)", d->cfg.host_id);
                break;
        default:
                snprintf(buf, len, "grant rejected: %s", team_jws_result_to_string(res));
                break;
        }
}

static void event_fields(const struct teamd *d, const struct grant_intake *in, const struct team_grant *g,
                         const char *reason, struct team_audit_event *f)
{
        *f = (struct team_audit_event){ .host = d->cfg.host_id, .reason = reason, .peer_pid = in->peer_pid };
        if (g && g->jti) {
                f->user = g->sub;
                f->role = g->role;
                f->grant_id = g->jti;
                f->request_id = g->req;
        } else {
                f->grant_id = in->feed_id;
        }
}

__attribute__((format(printf, 4, 5)))
static void reject(const struct teamd *d, const struct grant_intake *in, struct grant_intake_result *out,
                   const char *fmt, ...)
{
        const struct team_grant *g = &out->grant;
        struct team_audit_event f;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(out->why, sizeof(out->why), fmt, ap);
        va_end(ap);
        out->outcome = GRANT_INTAKE_REJECTED;
        event_fields(d, in, g, out->why, &f);
        team_journal_event(TEAM_EVENT_GRANT_REJECTED, &f, "grant %s from %s rejected: %s",
                           g->jti ? g->jti : in->feed_id ? in->feed_id : "(unverified)", origin_name(in->origin),
                           out->why);
}

/* "bob, carol": whole names only, as many as fit. */
static const char *join_approvers(const struct team_grant *g, char *buf, size_t len)
{
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < g->n_apr; i++) {
                int k = snprintf(buf + n, len - n, "%s%s", i ? ", " : "", g->apr[i]);

                if (k < 0 || (size_t)k >= len - n) {
                        buf[n] = '\0';
                        break;
                }
                n += (size_t)k;
        }
        return buf[0] ? buf : NULL;
}

static void received(const struct teamd *d, const struct grant_intake *in, struct grant_intake_result *out)
{
        const struct team_grant *g = &out->grant;
        struct team_audit_event f;
        char until[64], approvers[1024];

        out->outcome = GRANT_INTAKE_STORED;
        event_fields(d, in, g, g->rsn, &f);
        /* Who approved it reaches every sink with the grant id, so one
         * query joins what was allowed to who asked, why and who agreed. */
        f.approvers = join_approvers(g, approvers, sizeof(approvers));
        f.ticket = g->tkt;
        decide_format_time(g->exp, until, sizeof(until));
        team_journal_event(TEAM_EVENT_GRANT_RECEIVED, &f, "grant %s for %s as %s until %s received from %s", g->jti,
                           g->sub, g->role, until, origin_name(in->origin));
}

/* The store's answer for a verified grant. */
static int stored(struct teamd *d, const struct grant_intake *in, int r, struct grant_intake_result *out)
{
        const struct team_grant *g = &out->grant;

        switch (r) {
        case 0:
                received(d, in, out);
                return 0;
        case 1:
                out->outcome = GRANT_INTAKE_DUPLICATE;
                return 0;
        case -EKEYREVOKED:
                /* A feed replayed after a crash, or a full sync that still
                 * lists it: expected, and already audited as GrantRevoked. */
                if (in->origin != GRANT_ORIGIN_FEED)
                        reject(d, in, out, "grant %s was revoked; a revoked grant is never stored again", g->jti);
                out->outcome = GRANT_INTAKE_REVOKED;
                return 0;
        case -EEXIST:
                reject(d, in, out, "grant id %s is already stored with different content", g->jti);
                return 0;
        case -EDQUOT:
                reject(d, in, out, "the grant store is full (max_grants = %llu)",
                       (unsigned long long)d->cfg.max_grants);
                return 0;
        default:
                return r;
        }
}

int grant_intake_apply(struct teamd *d, const struct grant_intake *in, int64_t now, struct grant_intake_result *out)
{
        struct team_jws_policy policy = {
                .now = now,
                .clock_skew = (int64_t)d->cfg.clock_skew,
                .check_nbf = false,     /* a grant that starts later is stored and denies until then */
                .host_id = d->cfg.host_id,
                .host_groups = d->host_groups,
                .n_host_groups = d->n_host_groups,
        };
        enum team_jws_result res;
        char why[sizeof(out->why)];

        memset(out, 0, sizeof(*out));
        if (!in->jws || !in->jws[0]) {
                reject(d, in, out, "no grant was given");
                return 0;
        }
        res = team_jws_verify(in->jws, strlen(in->jws), d->keyring, &policy, &out->grant);
        if (res == TEAM_JWS_NOMEM)
                return -ENOMEM;
        if (res != TEAM_JWS_OK) {
                team_grant_clear(&out->grant);
                rejection_reason(d, res, why, sizeof(why));
                reject(d, in, out, "%s", why);
                return 0;
        }
        if (in->feed_id && strcmp(out->grant.jti, in->feed_id) != 0) {
                reject(d, in, out, "the feed's id is not the grant's jti");
                return 0;
        }
        return stored(d, in, db_grant_add(d->store, &out->grant, in->jws, now), out);
}

int teamd_grant_intake(struct teamd *d, const struct grant_intake *in, struct grant_intake_result *out)
{
        int r;

        teamd_audit_begin(d);
        r = grant_intake_apply(d, in, teamd_now(), out);
        /* Commits the grant with its event (or a rejection's event); a
         * store failure rolls back. */
        r = teamd_audit_end(d, r);
        if (r < 0)
                return r;
        if (out->outcome == GRANT_INTAKE_STORED) {
                teamd_update_status(d);
                teamd_maintenance_reschedule(d);
        }
        return 0;
}

void grant_intake_result_clear(struct grant_intake_result *r)
{
        if (!r)
                return;
        team_grant_clear(&r->grant);
        memset(r, 0, sizeof(*r));
}
