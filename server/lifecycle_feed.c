/* SPDX-License-Identifier: BSD-3-Clause */
/* Lifecycle: the host feed and the JSON request object. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lifecycle_internal.h"
#include "parse.h"

/* JSON around one entry: {"id":"","jws":""}, */
#define FEED_ENTRY_OVERHEAD 24

static int add(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int add_str(struct json_object *o, const char *key, const char *s)
{
        return s ? add(o, key, json_object_new_string(s)) : json_object_object_add(o, key, NULL);
}

static int array_add(struct json_object *a, struct json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int lc_feed_since(struct lc *lc, const struct lc_caller *who, const char *host_id, const char *cursor,
                  struct json_object **out, size_t *n_items, char *msg, size_t msglen)
{
        struct json_object *o = NULL, *grants = NULL, *revoked = NULL;
        struct srv_feed_entry *list = NULL;
        const char **auds = NULL;
        uint64_t from = 0;
        size_t n = 0, sent, n_groups = srv_strv_len(who->groups);
        int64_t last = 0;
        char buf[32];
        int r;

        *out = NULL;
        *n_items = 0;
        if (who->kind != LC_CALLER_HOST || !host_id || strcmp(who->name, host_id) != 0)
                return LC_FAIL(-EPERM, msg, msglen, "only host %s can read its feed", host_id ? host_id : "?");
        if (cursor && cursor[0] && parse_uint(cursor, 0, INT64_MAX, &from) < 0)
                return LC_FAIL(-EINVAL, msg, msglen, "cursor must be a decimal from a previous answer");
        auds = calloc(n_groups + 2, sizeof(*auds));
        if (!auds)
                return -ENOMEM;
        auds[0] = host_id;
        for (size_t i = 0; i < n_groups; i++)
                auds[i + 1] = who->groups[i];
        r = srv_store_feed_since(lc->store, (int64_t)from, auds, srv_now(), &list, &n, &last);
        if (r < 0)
                goto out;
        if ((int64_t)from > last) {
                r = LC_FAIL(-EINVAL, msg, msglen, "cursor is ahead of the feed (start again with an empty cursor)");
                goto out;
        }
        r = -ENOMEM;
        sent = n;
        o = json_object_new_object();
        grants = json_object_new_array();
        revoked = json_object_new_array();
        if (!o || !grants || !revoked)
                goto out;
        for (size_t i = 0, bytes = 0; i < n; i++) {
                struct json_object *g;

                /* Bounded in bytes too (the store bounds the entries): the
                 * rest follows from the cursor of the last one sent. */
                bytes += strlen(list[i].grant_id) + (list[i].jws ? strlen(list[i].jws) : 0) + FEED_ENTRY_OVERHEAD;
                if (i > 0 && bytes > LC_FEED_MAX_BYTES) {
                        last = list[i - 1].seq;
                        sent = i;
                        break;
                }
                if (list[i].kind == SRV_FEED_REVOKE) {
                        if (array_add(revoked, json_object_new_string(list[i].grant_id)) < 0)
                                goto out;
                        continue;
                }
                g = json_object_new_object();
                if (array_add(grants, g) < 0 || add_str(g, "id", list[i].grant_id) < 0 ||
                    add_str(g, "jws", list[i].jws) < 0)
                        goto out;
        }
        snprintf(buf, sizeof(buf), "%" PRId64, last);
        r = add(o, "grants", grants);
        grants = NULL;
        r = r ?: add(o, "revoked", revoked);
        revoked = NULL;
        r = r ?: add_str(o, "cursor", buf);
        if (r == 0) {
                *out = o;
                o = NULL;
                *n_items = sent;
        }
out:
        json_object_put(o);
        json_object_put(grants);
        json_object_put(revoked);
        srv_feed_list_free(list, n);
        free(auds);
        return r;
}

/* Who may still decide a pending request: approvers minus the requester
 * and those who have decided. */
static int add_approvers(struct lc *lc, struct json_object *o, const struct srv_request *r, int64_t now)
{
        const struct srv_role_policy *rp = srv_policy_find(lc->policy, r->role);
        struct json_object *a = json_object_new_array();
        char **users = NULL;
        int ret;

        if (!a)
                return -ENOMEM;
        ret = add(o, "approvers", a);
        if (ret < 0 || !rp || !rp->approver_groups || lc_request_status(r, now) != LC_STATUS_PENDING)
                return ret;
        ret = srv_store_users_in_groups(lc->store, (const char *const *)rp->approver_groups, &users);
        for (size_t i = 0; ret == 0 && users[i]; i++) {
                bool skip = strcmp(users[i], r->user) == 0 ||
                            (strncmp(r->filed_by, "user:", 5) == 0 && strcmp(r->filed_by + 5, users[i]) == 0);

                for (size_t j = 0; j < r->n_decisions && !skip; j++)
                        skip = strcmp(r->decisions[j].by, users[i]) == 0;
                if (!skip)
                        ret = array_add(a, json_object_new_string(users[i]));
        }
        srv_strv_free(users);
        return ret;
}

static int add_decisions(struct json_object *o, const struct srv_request *r)
{
        struct json_object *a = json_object_new_array();
        int ret = add(o, "decisions", a);

        for (size_t i = 0; ret == 0 && i < r->n_decisions; i++) {
                const struct srv_decision *d = &r->decisions[i];
                struct json_object *x = json_object_new_object();

                ret = array_add(a, x);
                ret = ret ?: add_str(x, "by", d->by);
                ret = ret ?: add_str(x, "decision", d->decision == SRV_DECISION_DENY ? "deny" : "approve");
                ret = ret ?: add_str(x, "comment", d->comment ? d->comment : "");
                ret = ret ?: add(x, "at", json_object_new_int64(d->at));
        }
        return ret;
}

static int add_grant(struct json_object *o, const struct srv_grant *g)
{
        struct json_object *x;
        int ret;

        if (!g)
                return json_object_object_add(o, "grant", NULL);
        x = json_object_new_object();
        ret = add(o, "grant", x);
        ret = ret ?: add_str(x, "id", g->id);
        ret = ret ?: add(x, "nbf", json_object_new_int64(g->nbf));
        ret = ret ?: add(x, "exp", json_object_new_int64(g->exp));
        ret = ret ?: add_str(x, "jws", g->jws);
        if (ret == 0 && g->revoked_at)
                ret = add(x, "revoked_at", json_object_new_int64(g->revoked_at));
        return ret;
}

struct json_object *lc_request_to_json(struct lc *lc, const struct srv_request *r)
{
        struct json_object *o = json_object_new_object();
        int64_t now = srv_now();
        int ret;

        if (!o)
                return NULL;
        ret = add_str(o, "id", r->id);
        ret = ret ?: add_str(o, "status", lc_status_name(lc_request_status(r, now)));
        ret = ret ?: add_str(o, "role", r->role);
        ret = ret ?: add_str(o, "host", r->host);
        ret = ret ?: add_str(o, "user", r->user);
        ret = ret ?: add_str(o, "filed_by", r->filed_by);
        ret = ret ?: add(o, "duration", json_object_new_int64(r->duration));
        ret = ret ?: add_str(o, "reason", r->reason ? r->reason : "");
        ret = ret ?: add_str(o, "ticket", r->ticket);
        ret = ret ?: add(o, "start_at", json_object_new_int64(r->start_at));
        ret = ret ?: add(o, "created_at", json_object_new_int64(r->created_at));
        ret = ret ?: add(o, "expires_at", json_object_new_int64(r->expires_at));
        ret = ret ?: add(o, "approvals_required", json_object_new_int64(r->approvals_required));
        ret = ret ?: add(o, "denials_required", json_object_new_int64(r->denials_required));
        ret = ret ?: add_decisions(o, r);
        ret = ret ?: add_approvers(lc, o, r, now);
        ret = ret ?: add_str(o, "extends", r->extends);
        ret = ret ?: add_grant(o, r->grant);
        if (ret < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}
