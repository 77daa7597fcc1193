/* SPDX-License-Identifier: BSD-3-Clause */
/* Lifecycle core: context, listeners, transactions with their audit rows,
 * journald entries and notices, status derivation, ids, lazy TTL expiry. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <syslog.h>

#include <systemd/sd-journal.h>

#include "claim_text.h"
#include "clock.h"
#include "lifecycle_internal.h"

int lc_new(struct srv_store *store, const struct srv_policy *policy, struct srv_signer *signer, struct lc **out)
{
        struct lc *lc;

        *out = NULL;
        if (!store || !policy || !signer)
                return -EINVAL;
        lc = calloc(1, sizeof(*lc));
        if (!lc)
                return -ENOMEM;
        lc->store = store;
        lc->policy = policy;
        lc->signer = signer;
        *out = lc;
        return 0;
}

void lc_free(struct lc *lc)
{
        free(lc);
}

int lc_set_notify(struct lc *lc, lc_notify_fn fn, void *ctx)
{
        if (!fn)
                return -EINVAL;
        if (lc->n_listeners >= LC_MAX_NOTIFY)
                return -E2BIG;
        lc->listeners[lc->n_listeners++] = (struct lc_listener){ fn, ctx };
        return 0;
}

static const char *const status_names[LC_STATUS__MAX] = {
        [LC_STATUS_PENDING] = "pending", [LC_STATUS_APPROVED] = "approved",   [LC_STATUS_ACTIVE] = "active",
        [LC_STATUS_EXPIRED] = "expired", [LC_STATUS_DENIED] = "denied",       [LC_STATUS_CANCELLED] = "cancelled",
        [LC_STATUS_REVOKED] = "revoked",
};

const char *lc_status_name(enum lc_status s)
{
        return (unsigned)s < LC_STATUS__MAX ? status_names[s] : "unknown";
}

int lc_status_from_name(const char *name, enum lc_status *out)
{
        for (unsigned i = 0; name && i < LC_STATUS__MAX; i++)
                if (strcmp(name, status_names[i]) == 0) {
                        *out = (enum lc_status)i;
                        return 0;
                }
        return -EINVAL;
}

enum lc_status lc_request_status(const struct srv_request *r, int64_t now)
{
        switch (r->state) {
        case SRV_REQ_PENDING:
                return now >= r->expires_at ? LC_STATUS_EXPIRED : LC_STATUS_PENDING;
        case SRV_REQ_APPROVED:
                if (!r->grant)
                        return LC_STATUS_APPROVED;
                if (r->grant->revoked_at)
                        return LC_STATUS_REVOKED;
                if (now < r->grant->nbf)
                        return LC_STATUS_APPROVED;
                return now < r->grant->exp ? LC_STATUS_ACTIVE : LC_STATUS_EXPIRED;
        case SRV_REQ_DENIED:
                return LC_STATUS_DENIED;
        case SRV_REQ_CANCELLED:
                return LC_STATUS_CANCELLED;
        case SRV_REQ_EXPIRED:
                return LC_STATUS_EXPIRED;
        case SRV_REQ_REVOKED:
        default:
                return LC_STATUS_REVOKED;
        }
}

int lc_error_http_status(int r)
{
        switch (r) {
        case 0: return 200;
        case -EINVAL: return 400;
        case -EPERM: case -EACCES: return 403;
        case -ENOENT: return 404;
        case -EBUSY: case -EEXIST: case -EALREADY: return 409;
        case -ENOTCONN: case -EAGAIN: return 503;     /* the database: try again */
        default: return 500;
        }
}

const char *lc_error_code(int r)
{
        switch (lc_error_http_status(r)) {
        case 200: return "ok";
        case 400: return "bad_request";
        case 403: return "forbidden";
        case 404: return "not_found";
        case 409: return "conflict";
        case 503: return "unavailable";
        default: return "internal";
        }
}

int lc_make_id(const char *prefix, char out[SRV_ID_LEN + 1])
{
        static const char hex[] = "0123456789abcdef";
        uint8_t raw[8];
        size_t got = 0;

        while (got < sizeof(raw)) {
                ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                got += (size_t)n;
        }
        out[0] = prefix[0];
        out[1] = '_';
        for (size_t i = 0; i < sizeof(raw); i++) {
                out[2 + 2 * i] = hex[raw[i] >> 4];
                out[3 + 2 * i] = hex[raw[i] & 15];
        }
        out[SRV_ID_LEN] = '\0';
        return 0;
}

bool lc_id_valid(const char *id, char prefix)
{
        if (!id || strlen(id) != SRV_ID_LEN || id[0] != prefix || id[1] != '_')
                return false;
        for (size_t i = 2; i < SRV_ID_LEN; i++)
                if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
                        return false;
        return true;
}

const char *lc_actor(const struct lc_caller *who, char *buf, size_t len)
{
        snprintf(buf, len, "%s:%s", who->kind == LC_CALLER_HOST ? "host" : "user", who->name);
        return buf;
}

bool lc_is_party(const struct lc_caller *who, const struct srv_request *r)
{
        char actor[SRV_MAX_NAME + 8];

        if (who->kind == LC_CALLER_USER && strcmp(r->user, who->name) == 0)
                return true;
        return strcmp(r->filed_by, lc_actor(who, actor, sizeof(actor))) == 0;
}

bool lc_is_approver(const struct lc_caller *who, const struct srv_role_policy *rp)
{
        return who->kind == LC_CALLER_USER && rp &&
               srv_strv_intersects(who->groups, (const char *const *)rp->approver_groups);
}

bool lc_text_ok(const char *s, size_t max)
{
        return s && team_claim_text_check(s, strlen(s), max) == 0;
}

/* ---- transactions ---- */

int lc_txn_begin(struct lc *lc, struct lc_txn *t)
{
        memset(t, 0, sizeof(*t));
        t->lc = lc;
        t->now = srv_now();
        return srv_store_begin(lc->store);
}

static char *dup_or_null(const char *s, int *r)
{
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *r = -ENOMEM;
        return d;
}

int lc_txn_audit(struct lc_txn *t, const char *event, const char *actor, const struct srv_request *r,
                 const char *grant_id, const char *reason)
{
        struct srv_audit_record *na = realloc(t->audits, (t->n_audits + 1) * sizeof(*na));
        struct srv_audit_record *a;
        int ret = 0;

        if (!na)
                return -ENOMEM;
        t->audits = na;
        a = &na[t->n_audits++];
        memset(a, 0, sizeof(*a));
        a->at = t->now;
        a->event = dup_or_null(event, &ret);
        a->actor = dup_or_null(actor, &ret);
        a->request_id = dup_or_null(r ? r->id : NULL, &ret);
        a->grant_id = dup_or_null(grant_id, &ret);
        a->user = dup_or_null(r ? r->user : NULL, &ret);
        a->role = dup_or_null(r ? r->role : NULL, &ret);
        a->host = dup_or_null(r ? r->host : NULL, &ret);
        a->reason = dup_or_null(reason, &ret);
        if (ret < 0)
                return ret;
        return srv_store_audit_append(t->lc->store, a);
}

int lc_txn_note(struct lc_txn *t, enum lc_event ev, const char *request_id, const char *actor, const char *comment,
                bool approve, int64_t seq)
{
        struct lc_note *nn = realloc(t->notes, (t->n_notes + 1) * sizeof(*nn));
        struct lc_note *n;
        int ret = 0;

        if (!nn)
                return -ENOMEM;
        t->notes = nn;
        n = &nn[t->n_notes++];
        *n = (struct lc_note){ .event = ev, .approve = approve, .seq = seq };
        n->request_id = dup_or_null(request_id, &ret);
        n->actor = dup_or_null(actor, &ret);
        n->comment = dup_or_null(comment, &ret);
        return ret;
}

static void txn_free(struct lc_txn *t)
{
        srv_audit_list_free(t->audits, t->n_audits);
        for (size_t i = 0; i < t->n_notes; i++) {
                free(t->notes[i].request_id);
                free(t->notes[i].actor);
                free(t->notes[i].comment);
        }
        free(t->notes);
        t->audits = NULL;
        t->notes = NULL;
        t->n_audits = t->n_notes = 0;
}

void lc_txn_abort(struct lc_txn *t)
{
        srv_store_rollback(t->lc->store);
        txn_free(t);
}

/* Message ids of server events (journalctl MESSAGE_ID=...). */
static const struct {
        const char *event;
        const char *message_id;
        int priority;
} journal_ids[] = {
        { LC_AUDIT_REQUEST_CREATED, "541ba5fc229d4aa1874173ee9b7e7c31", LOG_NOTICE },
        { LC_AUDIT_APPROVAL_RECORDED, "0d0c484e6baf432b960321af6fc6e6b0", LOG_NOTICE },
        { LC_AUDIT_DENIAL_RECORDED, "4ca58c40b13143c2978544cda23afd62", LOG_NOTICE },
        { LC_AUDIT_REQUEST_DENIED, "abf36d2296654fd894573ec4e1c6a2da", LOG_NOTICE },
        { LC_AUDIT_REQUEST_CANCELLED, "244d20b151cf48b0b00fd26a71fb1473", LOG_INFO },
        { LC_AUDIT_REQUEST_EXPIRED, "b00ff5008a72470ebc16cb856c624317", LOG_INFO },
        { LC_AUDIT_GRANT_ISSUED, "9d5be4611a0b4618976113626a7ff9dd", LOG_NOTICE },
        { LC_AUDIT_GRANT_REVOKED, "eb0809d5891e4b6f8092f3f8aaf7dfb1", LOG_WARNING },
};

static void add_field(struct iovec *iov, size_t *n, char *buf, size_t buflen, const char *key, const char *val)
{
        int len;

        if (!val)
                return;
        len = snprintf(buf, buflen, "%s=%s", key, val);
        if (len < 0)
                return;
        iov[*n].iov_base = buf;
        iov[*n].iov_len = (size_t)len < buflen ? (size_t)len : buflen - 1;
        (*n)++;
}

static void journal_audit(const struct srv_audit_record *a)
{
        char f[14][SRV_MAX_REASON + 64];
        struct iovec iov[14];
        const char *mid = NULL;
        char prio[4], msg[256];
        int priority = LOG_INFO;
        size_t n = 0;

        for (size_t i = 0; i < sizeof(journal_ids) / sizeof(journal_ids[0]); i++)
                if (strcmp(journal_ids[i].event, a->event) == 0) {
                        mid = journal_ids[i].message_id;
                        priority = journal_ids[i].priority;
                }
        snprintf(msg, sizeof(msg), "%s: request %s, grant %s, user %s, role %s, host %s, by %s", a->event,
                 a->request_id ? a->request_id : "-", a->grant_id ? a->grant_id : "-", a->user ? a->user : "-",
                 a->role ? a->role : "-", a->host ? a->host : "-", a->actor);
        snprintf(prio, sizeof(prio), "%d", priority);
        add_field(iov, &n, f[n], sizeof(f[0]), "MESSAGE", msg);
        add_field(iov, &n, f[n], sizeof(f[0]), "MESSAGE_ID", mid);
        add_field(iov, &n, f[n], sizeof(f[0]), "PRIORITY", prio);
        add_field(iov, &n, f[n], sizeof(f[0]), "SYSLOG_IDENTIFIER", "team-server");
        add_field(iov, &n, f[n], sizeof(f[0]), "TEAM_EVENT", a->event);
        add_field(iov, &n, f[n], sizeof(f[0]), "TEAM_ACTOR", a->actor);
        add_field(iov, &n, f[n], sizeof(f[0]), "TEAM_USER", a->user);
        add_field(iov, &n, f[n], sizeof(f[0]), "TEAM_ROLE", a->role);
        add_field(iov, &n, f[n], sizeof(f[0]), "TEAM_HOST", a->host);
        add_field(iov, &n, f[n], sizeof(f[0]), "TEAM_REQUEST_ID", a->request_id);
        add_field(iov, &n, f[n], sizeof(f[0]), "TEAM_GRANT_ID", a->grant_id);
        add_field(iov, &n, f[n], sizeof(f[0]), "TEAM_REASON", a->reason);
        sd_journal_sendv(iov, (int)n);
}

static void announce(struct lc *lc, const struct lc_note *note)
{
        struct srv_request r;
        struct lc_notice n;

        if (lc->n_listeners == 0 || srv_store_request_get(lc->store, note->request_id, &r) < 0)
                return;
        n = (struct lc_notice){ .event = note->event, .request = &r, .actor = note->actor,
                                .comment = note->comment, .approve = note->approve, .feed_seq = note->seq };
        for (size_t i = 0; i < lc->n_listeners; i++)
                lc->listeners[i].fn(&n, lc->listeners[i].ctx);
        srv_request_clear(&r);
}

int lc_txn_commit(struct lc_txn *t)
{
        int r = srv_store_commit(t->lc->store);

        if (r == 0) {
                for (size_t i = 0; i < t->n_audits; i++)
                        journal_audit(&t->audits[i]);
                for (size_t i = 0; i < t->n_notes; i++)
                        announce(t->lc, &t->notes[i]);
        }
        txn_free(t);
        return r;
}

/* ---- lazy TTL expiry ---- */

static int expire_one(struct lc_txn *t, const char *id)
{
        struct srv_store *s = t->lc->store;
        struct srv_request r;
        int ret = srv_store_request_get(s, id, &r);

        if (ret < 0)
                return ret == -ENOENT ? 0 : ret;
        if (r.state == SRV_REQ_PENDING && r.expires_at <= t->now) {
                ret = srv_store_request_set_state(s, id, SRV_REQ_EXPIRED, r.expires_at);
                ret = ret ?: lc_txn_audit(t, LC_AUDIT_REQUEST_EXPIRED, "server", &r, NULL, "request_ttl passed");
                ret = ret ?: lc_txn_note(t, LC_EVENT_REQUEST_EXPIRED, id, "server", NULL, false, 0);
        }
        srv_request_clear(&r);
        return ret;
}

int lc_expire_due(struct lc *lc)
{
        struct lc_txn t;
        char **ids = NULL;
        int r;

        r = srv_store_request_due(lc->store, srv_now(), &ids);
        if (r < 0 || !ids[0])
                goto out;
        r = lc_txn_begin(lc, &t);
        if (r < 0)
                goto out;
        for (size_t i = 0; r == 0 && ids[i]; i++)
                r = expire_one(&t, ids[i]);
        if (r < 0)
                lc_txn_abort(&t);
        else
                r = lc_txn_commit(&t);
out:
        srv_strv_free(ids);
        return r;
}
