/* SPDX-License-Identifier: BSD-3-Clause */
/* Lifecycle: decisions (quorum, self-approval ban), grant issue, revoke. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lifecycle_internal.h"

/* Grant times: a follow-on grant starts where the old one ends (no gap,
 * no overlap); otherwise at start_at or now, whichever is later. */
static int grant_times(struct lc_txn *t, const struct srv_request *r, int64_t *nbf, int64_t *exp, char *msg,
                       size_t msglen)
{
        struct srv_grant old;
        int ret;

        if (!r->extends) {
                *nbf = r->start_at > t->now ? r->start_at : t->now;
                *exp = *nbf + r->duration;
                return 0;
        }
        ret = srv_store_grant_get(t->lc->store, r->extends, &old);
        if (ret < 0)
                return ret;
        if (old.revoked_at || old.exp <= t->now)
                ret = LC_FAIL(-EBUSY, msg, msglen, "grant %s being extended has %s; file a new request",
                              r->extends, old.revoked_at ? "been revoked" : "expired");
        *nbf = old.exp;
        *exp = old.exp + r->duration;
        srv_grant_clear(&old);
        return ret;
}

int lc_issue_grant(struct lc_txn *t, struct srv_request *r, const char *actor, char *msg, size_t msglen)
{
        struct srv_store *s = t->lc->store;
        char gid[SRV_ID_LEN + 1];
        const char *apr[TEAM_JWS_MAX_APR + 1] = { 0 };
        const char *aud[1] = { r->host };
        struct srv_grant g = { 0 };
        struct team_grant claims;
        size_t n_apr = 0;
        char *jws = NULL;
        int ret;

        for (size_t i = 0; i < r->n_decisions && n_apr < TEAM_JWS_MAX_APR; i++)
                if (r->decisions[i].decision == SRV_DECISION_APPROVE)
                        apr[n_apr++] = r->decisions[i].by;
        if (n_apr == 0)
                apr[n_apr++] = "auto";
        ret = grant_times(t, r, &g.nbf, &g.exp, msg, msglen);
        ret = ret ?: lc_make_id("g", gid);
        if (ret < 0)
                return ret;
        claims = (struct team_grant){
                .jti = gid, .sub = r->user, .aud = aud, .n_aud = 1, .role = r->role, .nbf = g.nbf, .exp = g.exp,
                .iat = t->now, .req = r->id, .apr = apr, .n_apr = n_apr, .rsn = r->reason,
                .tkt = r->ticket,
        };
        ret = srv_signer_sign(t->lc->signer, &claims, &jws);
        if (ret < 0)
                return ret;
        g.id = gid;
        g.request_id = r->id;
        g.user = r->user;
        g.role = r->role;
        g.aud = r->host;
        g.iat = t->now;
        g.jws = jws;
        g.kid = srv_signer_current_kid(t->lc->signer);
        ret = srv_store_grant_insert(s, &g);
        ret = ret ?: srv_store_request_set_state(s, r->id, SRV_REQ_APPROVED, t->now);
        ret = ret ?: lc_txn_audit(t, LC_AUDIT_GRANT_ISSUED, actor, r, gid, r->reason);
        ret = ret ?: lc_txn_note(t, LC_EVENT_GRANT_ISSUED, r->id, actor, NULL, true, g.seq);
        free(jws);
        return ret;
}

static int check_decider(struct lc *lc, const struct lc_caller *who, const struct srv_request *r, bool approve,
                         char *msg, size_t msglen)
{
        const struct srv_role_policy *rp = srv_policy_find(lc->policy, r->role);
        char actor[SRV_MAX_NAME + 8];

        if (who->kind != LC_CALLER_USER)
                return LC_FAIL(-EPERM, msg, msglen, "a host token cannot approve or deny");
        if (strcmp(r->user, who->name) == 0 || strcmp(r->filed_by, lc_actor(who, actor, sizeof(actor))) == 0)
                return LC_FAIL(-EPERM, msg, msglen, "you cannot %s your own request", approve ? "approve" : "deny");
        if (!rp)
                return LC_FAIL(-EPERM, msg, msglen, "role %s is no longer in the policy", r->role);
        if (!lc_is_approver(who, rp))
                return LC_FAIL(-EPERM, msg, msglen, "you are not in the approver_groups of role %s", r->role);
        return 0;
}

/* Records the decision, then closes the request if quorum is reached. */
static int decide_locked(struct lc_txn *t, const struct lc_caller *who, const char *id, bool approve,
                         const char *comment, char *msg, size_t msglen)
{
        struct srv_store *s = t->lc->store;
        struct srv_decision d = { .by = who->name, .comment = comment, .at = t->now,
                                  .decision = approve ? SRV_DECISION_APPROVE : SRV_DECISION_DENY };
        char actor[SRV_MAX_NAME + 8];
        struct srv_request r;
        int64_t approvals = 0, denials = 0;
        int ret;

        lc_actor(who, actor, sizeof(actor));
        ret = srv_store_request_get(s, id, &r);
        if (ret < 0)
                return ret;
        if (r.state != SRV_REQ_PENDING || r.expires_at <= t->now) {
                ret = LC_FAIL(-EBUSY, msg, msglen, "request %s is %s, not pending", id,
                              lc_status_name(lc_request_status(&r, t->now)));
                goto out;
        }
        ret = srv_store_decision_insert(s, id, &d);
        if (ret == -EEXIST)
                ret = LC_FAIL(-EBUSY, msg, msglen, "you already decided on %s", id);
        ret = ret ?: lc_txn_audit(t, approve ? LC_AUDIT_APPROVAL_RECORDED : LC_AUDIT_DENIAL_RECORDED, actor, &r,
                                  NULL, comment);
        ret = ret ?: lc_txn_note(t, LC_EVENT_REQUEST_DECIDED, id, actor, comment, approve, 0);
        if (ret < 0)
                goto out;
        srv_request_clear(&r);
        ret = srv_store_request_get(s, id, &r);   /* with the new decision */
        if (ret < 0)
                return ret;
        for (size_t i = 0; i < r.n_decisions; i++) {
                approvals += r.decisions[i].decision == SRV_DECISION_APPROVE;
                denials += r.decisions[i].decision == SRV_DECISION_DENY;
        }
        if (denials >= r.denials_required) {
                ret = srv_store_request_set_state(s, id, SRV_REQ_DENIED, t->now);
                ret = ret ?: lc_txn_audit(t, LC_AUDIT_REQUEST_DENIED, actor, &r, NULL, comment);
        } else if (approvals >= r.approvals_required) {
                ret = lc_issue_grant(t, &r, actor, msg, msglen);
        }
out:
        srv_request_clear(&r);
        return ret;
}

int lc_decide(struct lc *lc, const struct lc_caller *who, const char *id, bool approve, const char *comment,
              struct srv_request *out, char *msg, size_t msglen)
{
        struct srv_request r;
        struct lc_txn t;
        int ret;

        memset(out, 0, sizeof(*out));
        if (comment && !lc_text_ok(comment, SRV_MAX_COMMENT))
                return LC_FAIL(-EINVAL, msg, msglen, "comment must be at most %d printable bytes", SRV_MAX_COMMENT);
        if (comment && !comment[0])
                comment = NULL;
        if (!lc_id_valid(id, 'r'))
                return LC_FAIL(-ENOENT, msg, msglen, "no such request");
        ret = lc_expire_due(lc);
        ret = ret ?: srv_store_request_get(lc->store, id, &r);
        if (ret == -ENOENT)
                return LC_FAIL(ret, msg, msglen, "no such request %s", id);
        if (ret < 0)
                return ret;
        ret = check_decider(lc, who, &r, approve, msg, msglen);
        srv_request_clear(&r);
        ret = ret ?: lc_txn_begin(lc, &t);
        if (ret < 0)
                return ret;
        ret = decide_locked(&t, who, id, approve, comment, msg, msglen);
        if (ret < 0) {
                lc_txn_abort(&t);
                return ret;
        }
        ret = lc_txn_commit(&t);
        return ret ?: srv_store_request_get(lc->store, id, out);
}

/* Revoking a grant also ends what extends it: a pending extension is
 * cancelled, an issued follow-on grant is revoked (and so on down the
 * chain), so access does not come back when the revoked grant would have
 * ended. */
static int revoke_followers(struct lc_txn *t, const char *grant_id, const char *actor)
{
        struct srv_store *s = t->lc->store;
        char current[SRV_ID_LEN + 1];
        int ret = 0;

        snprintf(current, sizeof(current), "%s", grant_id);
        for (unsigned depth = 0; ret == 0 && depth < 1000; depth++) {
                struct srv_request_filter f = { .extends = current };
                struct srv_request *list = NULL;
                bool next = false;
                size_t n = 0;

                ret = srv_store_request_list(s, &f, &list, &n);
                for (size_t i = 0; ret == 0 && i < n; i++) {
                        struct srv_request *x = &list[i];
                        int64_t seq = 0;

                        if (x->state == SRV_REQ_PENDING) {
                                ret = srv_store_request_set_state(s, x->id, SRV_REQ_CANCELLED, t->now);
                                ret = ret ?: lc_txn_audit(t, LC_AUDIT_REQUEST_CANCELLED, actor, x, current,
                                                          "the grant it extends was revoked");
                                ret = ret ?: lc_txn_note(t, LC_EVENT_REQUEST_CANCELLED, x->id, actor, NULL, false, 0);
                        } else if (x->state == SRV_REQ_APPROVED && x->grant && !x->grant->revoked_at) {
                                ret = srv_store_grant_revoke(s, x->grant->id, t->now, actor,
                                                             "the grant it extends was revoked", &seq);
                                ret = ret ?: srv_store_request_set_state(s, x->id, SRV_REQ_REVOKED, x->closed_at);
                                ret = ret ?: lc_txn_audit(t, LC_AUDIT_GRANT_REVOKED, actor, x, x->grant->id,
                                                          "the grant it extends was revoked");
                                ret = ret ?: lc_txn_note(t, LC_EVENT_GRANT_REVOKED, x->id, actor, NULL, false, seq);
                                snprintf(current, sizeof(current), "%s", x->grant->id);
                                next = true;
                        }
                }
                srv_request_list_free(list, n);
                if (!next)
                        break;
        }
        return ret;
}

int lc_revoke(struct lc *lc, const struct lc_caller *who, const char *grant_id, const char *reason,
              int64_t *revoked_at, char *msg, size_t msglen)
{
        struct srv_store *s = lc->store;
        char actor[SRV_MAX_NAME + 8];
        struct srv_request r = { 0 };
        struct srv_grant g = { 0 };
        struct lc_txn t;
        int64_t seq = 0;
        int ret;

        if (reason && !lc_text_ok(reason, SRV_MAX_REASON))
                return LC_FAIL(-EINVAL, msg, msglen, "reason must be at most %d printable bytes", SRV_MAX_REASON);
        if (!lc_id_valid(grant_id, 'g'))
                return LC_FAIL(-ENOENT, msg, msglen, "no such grant");
        ret = lc_txn_begin(lc, &t);
        if (ret < 0)
                return ret;
        ret = srv_store_grant_get(s, grant_id, &g);
        if (ret == -ENOENT)
                ret = LC_FAIL(ret, msg, msglen, "no such grant %s", grant_id);
        ret = ret ?: srv_store_request_get(s, g.request_id, &r);
        if (ret < 0)
                goto fail;
        if (!(who->kind == LC_CALLER_USER && strcmp(who->name, g.user) == 0) &&
            !lc_is_approver(who, srv_policy_find(lc->policy, g.role))) {
                ret = LC_FAIL(-EPERM, msg, msglen, "only %s or an approver of role %s can revoke %s", g.user,
                              g.role, grant_id);
                goto fail;
        }
        if (g.revoked_at || g.exp <= t.now) {
                ret = LC_FAIL(-EBUSY, msg, msglen, "grant %s has already %s", grant_id,
                              g.revoked_at ? "been revoked" : "expired");
                goto fail;
        }
        lc_actor(who, actor, sizeof(actor));
        ret = srv_store_grant_revoke(s, grant_id, t.now, actor, reason, &seq);
        ret = ret ?: srv_store_request_set_state(s, g.request_id, SRV_REQ_REVOKED, r.closed_at);
        ret = ret ?: lc_txn_audit(&t, LC_AUDIT_GRANT_REVOKED, actor, &r, grant_id, reason);
        ret = ret ?: lc_txn_note(&t, LC_EVENT_GRANT_REVOKED, g.request_id, actor, reason, false, seq);
        ret = ret ?: revoke_followers(&t, grant_id, actor);
        if (ret < 0)
                goto fail;
        *revoked_at = t.now;
        ret = lc_txn_commit(&t);
        goto out;
fail:
        lc_txn_abort(&t);
out:
        srv_request_clear(&r);
        srv_grant_clear(&g);
        return ret;
}
