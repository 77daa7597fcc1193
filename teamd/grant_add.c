/* grant_add: a signed grant handed over by root (teamctl grant add), for
 * hosts without a central API. Verified against trusted_keys, then stored. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "dispatch.h"
#include "audit.h"
#include "journal.h"
#include "maintenance.h"

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

static int reject(struct teamd *d, const struct teamd_peer *peer, const struct team_grant *g, const char *why,
                  struct team_response *resp)
{
        struct team_event_fields f = {
                .host = d->cfg.host_id,
                .reason = why,
                .peer_pid = peer->pid,
        };

        if (g) {
                f.user = g->sub;
                f.role = g->role;
                f.grant_id = g->jti;
                f.request_id = g->req;
        }
        team_journal_event(TEAM_EVENT_GRANT_REJECTED, &f, "grant %s rejected: %s", g && g->jti ? g->jti : "(unverified)",
                           why);
        return teamd_response_error(resp, "%s", why);
}

int teamd_handle_grant_add(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                           struct team_response *resp)
{
        struct team_grant g;
        struct team_jws_policy policy;
        struct team_event_fields f;
        enum team_jws_result res;
        char why[512], until[64];
        int64_t now = teamd_now();
        int r;

        memset(&g, 0, sizeof(g));
        if (!req->jws)
                return reject(d, peer, NULL, "grant_add needs a grant", resp);
        policy = (struct team_jws_policy){
                .now = now,
                .clock_skew = (int64_t)d->cfg.clock_skew,
                .check_nbf = false,
                .host_id = d->cfg.host_id,
                .host_groups = d->host_groups,
                .n_host_groups = d->n_host_groups,
        };
        res = team_jws_verify(req->jws, strlen(req->jws), d->keyring, &policy, &g);
        if (res == TEAM_JWS_NOMEM)
                return -ENOMEM;
        if (res != TEAM_JWS_OK) {
                rejection_reason(d, res, why, sizeof(why));
                return reject(d, peer, NULL, why, resp);
        }
        /* The grant and its GrantReceived event commit together, before the
         * answer. */
        teamd_audit_begin(d);
        r = grant_store_add(d->store, &g, req->jws, now);
        decide_format_time(g.exp, until, sizeof(until));
        if (r == 0) {
                f = (struct team_event_fields){
                        .user = g.sub, .role = g.role, .host = d->cfg.host_id, .grant_id = g.jti,
                        .request_id = g.req, .reason = g.rsn, .peer_pid = peer->pid,
                };
                team_journal_event(TEAM_EVENT_GRANT_RECEIVED, &f, "grant %s for %s as %s until %s stored", g.jti,
                                   g.sub, g.role, until);
        }
        if (r >= 0)
                r = teamd_audit_end(d, r);
        else
                teamd_audit_end(d, 0);  /* nothing was written; the rejection below has its own */
        if (r == -EEXIST) {
                snprintf(why, sizeof(why), "grant id %s is already stored with different content", g.jti);
                r = reject(d, peer, &g, why, resp);
                goto out;
        }
        if (r == -ENOSPC) {
                snprintf(why, sizeof(why), "the grant store is full (max_grants = %llu)",
                         (unsigned long long)d->cfg.max_grants);
                r = reject(d, peer, &g, why, resp);
                goto out;
        }
        if (r < 0)
                goto out;
        if (r == 0) {
                teamd_update_status(d);
                teamd_maintenance_reschedule(d);
        }
        resp->ok = true;
        resp->grant_id = strdup(g.jti);
        resp->expires = g.exp;
        r = resp->grant_id ? 0 : -ENOMEM;
out:
        team_grant_clear(&g);
        return r;
}
