/* SPDX-License-Identifier: BSD-3-Clause */
/* Lifecycle: filing (create, extend), reading (get, list) and cancelling
 * requests. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lifecycle_internal.h"
#include "parse.h"

/* Is host (an id or a group) known, and does the role apply there? */
static int check_host(struct lc *lc, const struct srv_role_policy *rp, const char *host, char *msg, size_t msglen)
{
        const char *const *allowed = (const char *const *)rp->host_groups;
        struct srv_host h;
        int r;

        r = srv_store_host_get(lc->store, host, &h);
        if (r == 0) {
                bool ok = !allowed || srv_strv_contains(allowed, h.id) ||
                          srv_strv_intersects((const char *const *)h.groups, allowed);

                srv_host_clear(&h);
                return ok ? 0 : LC_FAIL(-EPERM, msg, msglen, "role %s does not apply to host %s", rp->name, host);
        }
        if (r != -ENOENT)
                return r;
        r = srv_store_group_has_hosts(lc->store, host);
        if (r < 0)
                return r;
        if (r == 0)
                return LC_FAIL(-EINVAL, msg, msglen, "unknown host or host group %s", host);
        if (allowed && !srv_strv_contains(allowed, host))
                return LC_FAIL(-EPERM, msg, msglen, "role %s does not apply to host group %s", rp->name, host);
        return 0;
}

/* Field checks that need no database. */
static int check_fields(const struct lc_caller *who, const struct srv_role_policy *rp,
                        const struct lc_new_request *in, int64_t now, char *msg, size_t msglen)
{
        if (!is_valid_token_name(in->host ? in->host : "", SRV_MAX_NAME))
                return LC_FAIL(-EINVAL, msg, msglen, "host must be a host id or group name");
        if (in->duration < 1 || (uint64_t)in->duration > rp->max_duration)
                return LC_FAIL(-EINVAL, msg, msglen, "duration must be 1 to %llu seconds for role %s",
                               (unsigned long long)rp->max_duration, rp->name);
        if (in->reason && !lc_text_ok(in->reason, SRV_MAX_REASON))
                return LC_FAIL(-EINVAL, msg, msglen, "reason must be at most %d printable bytes", SRV_MAX_REASON);
        if (rp->require_reason && (!in->reason || !in->reason[0]))
                return LC_FAIL(-EINVAL, msg, msglen, "role %s requires a reason", rp->name);
        if (in->ticket && (!in->ticket[0] || !lc_text_ok(in->ticket, SRV_MAX_TICKET)))
                return LC_FAIL(-EINVAL, msg, msglen, "ticket must be 1 to %d printable bytes", SRV_MAX_TICKET);
        if (!srv_policy_ticket_ok(rp, in->ticket))
                return LC_FAIL(-EINVAL, msg, msglen, "role %s needs a ticket matching %s", rp->name,
                               rp->ticket_pattern);
        if (in->start_at < 0 || in->start_at > now + LC_MAX_START_AHEAD)
                return LC_FAIL(-EINVAL, msg, msglen, "start_at must be 0 or an epoch time within a year");
        if (who->kind == LC_CALLER_USER && in->user && strcmp(in->user, who->name) != 0)
                return LC_FAIL(-EPERM, msg, msglen, "a user token files requests only for its own user");
        if (who->kind == LC_CALLER_HOST) {
                if (!in->user || !is_valid_token_name(in->user, SRV_MAX_NAME))
                        return LC_FAIL(-EINVAL, msg, msglen, "a host token must name the user");
                if (strcmp(in->host, who->name) != 0)
                        return LC_FAIL(-EPERM, msg, msglen, "a host token files requests only for its own host");
        }
        return 0;
}

/* Builds, checks and stores a request (and its grant when auto-approved). */
static int file_request(struct lc *lc, const struct lc_caller *who, const struct lc_new_request *in,
                        const char *extends, struct srv_request *out, char *msg, size_t msglen)
{
        const struct srv_role_policy *rp = srv_policy_find(lc->policy, in->role);
        const char *user = who->kind == LC_CALLER_HOST ? in->user : who->name;
        char id[SRV_ID_LEN + 1], actor[SRV_MAX_NAME + 8];
        struct srv_user subject = { 0 };
        struct srv_request r = { 0 };
        struct lc_txn t;
        bool in_txn = false, auto_ok;
        int ret;

        memset(out, 0, sizeof(*out));
        if (!rp)
                return LC_FAIL(-EINVAL, msg, msglen, "unknown role %s", in->role ? in->role : "(none)");
        ret = lc_expire_due(lc);
        ret = ret ?: check_fields(who, rp, in, srv_now(), msg, msglen);
        if (ret < 0)
                return ret;
        ret = srv_store_user_get(lc->store, user, &subject);
        if (ret == -ENOENT)
                return LC_FAIL(-EINVAL, msg, msglen, "%s is not a team-server user (ask an admin to add them)", user);
        if (ret < 0)
                return ret;
        if (rp->requester_groups &&
            !srv_strv_intersects((const char *const *)subject.groups, (const char *const *)rp->requester_groups)) {
                ret = LC_FAIL(-EPERM, msg, msglen, "%s is not in the requester_groups of role %s", user, rp->name);
                goto out;
        }
        ret = check_host(lc, rp, in->host, msg, msglen);
        ret = ret ?: lc_make_id("r", id);
        ret = ret ?: lc_txn_begin(lc, &t);
        if (ret < 0)
                goto out;
        in_txn = true;
        r = (struct srv_request){
                .id = id, .state = SRV_REQ_PENDING, .role = in->role, .host = in->host,
                .user = user, .filed_by = lc_actor(who, actor, sizeof(actor)),
                .duration = in->duration, .reason = in->reason, .ticket = in->ticket,
                .start_at = in->start_at, .created_at = t.now, .expires_at = t.now + (int64_t)rp->request_ttl,
                .approvals_required = (int64_t)rp->approvals_required,
                .denials_required = (int64_t)rp->denials_required, .extends = extends,
        };
        ret = srv_store_request_insert(lc->store, &r);
        ret = ret ?: lc_txn_audit(&t, LC_AUDIT_REQUEST_CREATED, actor, &r, extends, in->reason);
        ret = ret ?: lc_txn_note(&t, LC_EVENT_REQUEST_CREATED, id, actor, NULL, false, 0);
        auto_ok = srv_strv_intersects((const char *const *)subject.groups,
                                      (const char *const *)rp->auto_approve_groups);
        if (ret == 0 && auto_ok) {
                struct srv_request stored;

                ret = srv_store_request_get(lc->store, id, &stored);
                ret = ret ?: lc_issue_grant(&t, &stored, "policy", msg, msglen);
                srv_request_clear(&stored);
        }
        if (ret < 0)
                goto out;
        in_txn = false;
        ret = lc_txn_commit(&t);
        ret = ret ?: srv_store_request_get(lc->store, id, out);
out:
        if (in_txn)
                lc_txn_abort(&t);
        srv_user_clear(&subject);
        return ret;
}

int lc_request_create(struct lc *lc, const struct lc_caller *who, const struct lc_new_request *in,
                      struct srv_request *out, char *msg, size_t msglen)
{
        return file_request(lc, who, in, NULL, out, msg, msglen);
}

/* Loads a request the caller may see. */
static int load_visible(struct lc *lc, const struct lc_caller *who, const char *id, struct srv_request *out,
                        char *msg, size_t msglen)
{
        int r;

        memset(out, 0, sizeof(*out));
        if (!lc_id_valid(id, 'r'))
                return LC_FAIL(-ENOENT, msg, msglen, "no such request");
        r = lc_expire_due(lc);
        r = r ?: srv_store_request_get(lc->store, id, out);
        if (r == -ENOENT)
                return LC_FAIL(r, msg, msglen, "no such request %s", id);
        if (r < 0)
                return r;
        if (lc_is_party(who, out) || lc_is_approver(who, srv_policy_find(lc->policy, out->role)) ||
            (who->kind == LC_CALLER_HOST && strcmp(out->host, who->name) == 0))
                return 0;
        srv_request_clear(out);
        return LC_FAIL(-EPERM, msg, msglen, "request %s is not yours to see", id);
}

int lc_request_get(struct lc *lc, const struct lc_caller *who, const char *id, struct srv_request *out,
                   char *msg, size_t msglen)
{
        return load_visible(lc, who, id, out, msg, msglen);
}

/* Roles whose approver_groups contain one of the caller's groups. */
static const char **approvable_roles(struct lc *lc, const struct lc_caller *who)
{
        const char **roles = calloc(lc->policy->n_roles + 1, sizeof(*roles));
        size_t n = 0;

        for (size_t i = 0; roles && i < lc->policy->n_roles; i++)
                if (lc_is_approver(who, &lc->policy->roles[i]))
                        roles[n++] = lc->policy->roles[i].name;
        return roles;
}

int lc_request_list(struct lc *lc, const struct lc_caller *who, const struct lc_list_query *q,
                    struct srv_request **out, size_t *n, char *msg, size_t msglen)
{
        struct srv_request_filter f = { 0 };
        char actor[SRV_MAX_NAME + 8];
        const char **roles = NULL;
        int64_t now = srv_now();
        size_t kept = 0, limit;
        int r;

        *out = NULL;
        *n = 0;
        (void)msg;
        (void)msglen;
        r = lc_expire_due(lc);
        if (r < 0)
                return r;
        f.filed_by = lc_actor(who, actor, sizeof(actor));
        if (who->kind == LC_CALLER_USER) {
                f.user = who->name;
                if (!q->mine) {
                        roles = approvable_roles(lc, who);
                        if (!roles)
                                return -ENOMEM;
                        f.roles = roles;
                }
        } else {
                f.host = who->name;
        }
        if (q->has_status && (q->status == LC_STATUS_PENDING || q->status == LC_STATUS_DENIED ||
                              q->status == LC_STATUS_CANCELLED)) {
                f.has_state = true;
                f.state = q->status == LC_STATUS_PENDING ? SRV_REQ_PENDING
                        : q->status == LC_STATUS_DENIED  ? SRV_REQ_DENIED
                                                         : SRV_REQ_CANCELLED;
        }
        limit = q->limit ? q->limit : LC_LIST_DEFAULT;
        if (limit > SRV_REQUEST_LIST_MAX)
                limit = SRV_REQUEST_LIST_MAX;
        f.limit = limit + 1;          /* one more says whether there is a next page */
        f.before = q->cursor;
        if (q->next_cursor)
                q->next_cursor[0] = '\0';
        r = srv_store_request_list(lc->store, &f, out, n);
        free(roles);
        if (r < 0)
                return r;
        if (*n > limit) {
                if (q->next_cursor)
                        snprintf(q->next_cursor, SRV_ID_LEN + 1, "%s", (*out)[limit - 1].id);
                for (size_t i = limit; i < *n; i++)
                        srv_request_clear(&(*out)[i]);
                *n = limit;
        }
        if (!q->has_status)
                return 0;
        for (size_t i = 0; i < *n; i++) {
                if (lc_request_status(&(*out)[i], now) == q->status)
                        (*out)[kept++] = (*out)[i];
                else
                        srv_request_clear(&(*out)[i]);
        }
        *n = kept;
        return 0;
}

int lc_cancel(struct lc *lc, const struct lc_caller *who, const char *id, struct srv_request *out, char *msg,
              size_t msglen)
{
        char actor[SRV_MAX_NAME + 8];
        struct srv_request r;
        struct lc_txn t;
        int ret;

        memset(out, 0, sizeof(*out));
        ret = load_visible(lc, who, id, &r, msg, msglen);
        if (ret < 0)
                return ret;
        if (!lc_is_party(who, &r)) {
                ret = LC_FAIL(-EPERM, msg, msglen, "only the requester can cancel %s", id);
                goto out;
        }
        lc_actor(who, actor, sizeof(actor));
        ret = lc_txn_begin(lc, &t);
        if (ret < 0)
                goto out;
        srv_request_clear(&r);
        ret = srv_store_request_get(lc->store, id, &r);   /* again, inside the transaction */
        if (ret == 0 && (r.state != SRV_REQ_PENDING || r.expires_at <= t.now))
                ret = LC_FAIL(-EBUSY, msg, msglen, "request %s is %s, not pending", id,
                              lc_status_name(lc_request_status(&r, t.now)));
        ret = ret ?: srv_store_request_set_state(lc->store, id, SRV_REQ_CANCELLED, t.now);
        ret = ret ?: lc_txn_audit(&t, LC_AUDIT_REQUEST_CANCELLED, actor, &r, NULL, NULL);
        ret = ret ?: lc_txn_note(&t, LC_EVENT_REQUEST_CANCELLED, id, actor, NULL, false, 0);
        if (ret < 0) {
                lc_txn_abort(&t);
                goto out;
        }
        ret = lc_txn_commit(&t);
        ret = ret ?: srv_store_request_get(lc->store, id, out);
out:
        srv_request_clear(&r);
        return ret;
}

/* Refuses a second live extension of the same grant (they would overlap). */
static int check_not_extended(struct lc *lc, const char *grant_id, char *msg, size_t msglen)
{
        struct srv_request_filter f = { .extends = grant_id };
        struct srv_request *list = NULL;
        int64_t now = srv_now();
        size_t n = 0;
        int r;

        r = srv_store_request_list(lc->store, &f, &list, &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
                enum lc_status st = lc_request_status(&list[i], now);

                if (st == LC_STATUS_PENDING || st == LC_STATUS_APPROVED || st == LC_STATUS_ACTIVE)
                        r = LC_FAIL(-EBUSY, msg, msglen, "grant %s is already being extended by %s", grant_id,
                                    list[i].id);
        }
        srv_request_list_free(list, n);
        return r;
}

int lc_extend(struct lc *lc, const struct lc_caller *who, const char *grant_id, int64_t duration,
              const char *reason, struct srv_request *out, char *msg, size_t msglen)
{
        struct srv_request orig = { 0 };
        struct lc_new_request in;
        struct srv_grant g = { 0 };
        int64_t now = srv_now();
        int r;

        memset(out, 0, sizeof(*out));
        if (!lc_id_valid(grant_id, 'g'))
                return LC_FAIL(-ENOENT, msg, msglen, "no such grant");
        r = srv_store_grant_get(lc->store, grant_id, &g);
        if (r == -ENOENT)
                return LC_FAIL(r, msg, msglen, "no such grant %s", grant_id);
        if (r < 0)
                return r;
        if (!(who->kind == LC_CALLER_USER && strcmp(who->name, g.user) == 0) &&
            !(who->kind == LC_CALLER_HOST && strcmp(who->name, g.aud) == 0)) {
                r = LC_FAIL(-EPERM, msg, msglen, "only %s can extend grant %s", g.user, grant_id);
                goto out;
        }
        if (g.revoked_at || g.exp <= now) {
                r = LC_FAIL(-EBUSY, msg, msglen, "grant %s has %s; file a new request", grant_id,
                            g.revoked_at ? "been revoked" : "expired");
                goto out;
        }
        r = check_not_extended(lc, grant_id, msg, msglen);
        r = r ?: srv_store_request_get(lc->store, g.request_id, &orig);
        if (r < 0)
                goto out;
        in = (struct lc_new_request){ .role = g.role, .host = g.aud, .duration = duration, .reason = reason,
                                      .ticket = orig.ticket, .user = g.user };
        r = file_request(lc, who, &in, grant_id, out, msg, msglen);
out:
        srv_request_clear(&orig);
        srv_grant_clear(&g);
        return r;
}
