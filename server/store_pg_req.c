/* SPDX-License-Identifier: BSD-3-Clause */
/* The PostgreSQL store: requests, decisions, grants and the host feed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define FEED_MAX_ENTRIES 1000

#define REQUEST_COLUMNS                                                                                       \
        "id, state, role, host, user_name, filed_by, duration, reason, ticket, start_at, created_at, expires_at, " \
        "approvals_required, denials_required, closed_at, extends"
#define GRANT_COLUMNS \
        "id, request_id, user_name, role, aud, nbf, exp, iat, jws, kid, revoked_at, revoked_by, revoke_reason, seq"

int pg_request_insert(struct srv_store *base, const struct srv_request *r)
{
        struct pg_params p = { 0 };

        pg_text(&p, r->id);
        pg_int(&p, r->state);
        pg_text(&p, r->role);
        pg_text(&p, r->host);
        pg_text(&p, r->user);
        pg_text(&p, r->filed_by);
        pg_int(&p, r->duration);
        pg_text(&p, r->reason);
        pg_text(&p, r->ticket);
        pg_int(&p, r->start_at);
        pg_int(&p, r->created_at);
        pg_int(&p, r->expires_at);
        pg_int(&p, r->approvals_required);
        pg_int(&p, r->denials_required);
        pg_int(&p, r->closed_at);
        pg_text(&p, r->extends);
        return pg_query(pgs(base), "INSERT INTO requests(" REQUEST_COLUMNS ") VALUES "
                                   "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                        &p, NULL);
}

int pg_request_set_state(struct srv_store *base, const char *id, enum srv_request_state state, int64_t at)
{
        struct pg_params p = { 0 };

        pg_text(&p, id);
        pg_int(&p, state);
        pg_int(&p, at);
        return pg_changed(pgs(base), "UPDATE requests SET state = $2, closed_at = $3 WHERE id = $1", &p);
}

static int read_request_row(const PGresult *res, int i, struct srv_request *r)
{
        int64_t state = pg_i64(res, i, 1);
        int ret = 0;

        memset(r, 0, sizeof(*r));
        if (state < 0 || state >= SRV_REQ__MAX)
                return -EIO;
        r->state = (enum srv_request_state)state;
        r->duration = pg_i64(res, i, 6);
        r->start_at = pg_i64(res, i, 9);
        r->created_at = pg_i64(res, i, 10);
        r->expires_at = pg_i64(res, i, 11);
        r->approvals_required = pg_i64(res, i, 12);
        r->denials_required = pg_i64(res, i, 13);
        r->closed_at = pg_i64(res, i, 14);
        ret = ret ?: pg_str(res, i, 0, &r->id);
        ret = ret ?: pg_str(res, i, 2, &r->role);
        ret = ret ?: pg_str(res, i, 3, &r->host);
        ret = ret ?: pg_str(res, i, 4, &r->user);
        ret = ret ?: pg_str(res, i, 5, &r->filed_by);
        ret = ret ?: pg_str(res, i, 7, &r->reason);
        ret = ret ?: pg_str(res, i, 8, &r->ticket);
        ret = ret ?: pg_str(res, i, 15, &r->extends);
        return ret;
}

static int read_grant_row(const PGresult *res, int i, struct srv_grant *g)
{
        int r = 0;

        memset(g, 0, sizeof(*g));
        g->nbf = pg_i64(res, i, 5);
        g->exp = pg_i64(res, i, 6);
        g->iat = pg_i64(res, i, 7);
        g->revoked_at = pg_i64(res, i, 10);
        g->seq = pg_i64(res, i, 13);
        r = r ?: pg_str(res, i, 0, &g->id);
        r = r ?: pg_str(res, i, 1, &g->request_id);
        r = r ?: pg_str(res, i, 2, &g->user);
        r = r ?: pg_str(res, i, 3, &g->role);
        r = r ?: pg_str(res, i, 4, &g->aud);
        r = r ?: pg_str(res, i, 8, &g->jws);
        r = r ?: pg_str(res, i, 9, &g->kid);
        r = r ?: pg_str(res, i, 11, &g->revoked_by);
        r = r ?: pg_str(res, i, 12, &g->revoke_reason);
        return r;
}

/* key_is_request: look up by request id instead of grant id. */
static int grant_lookup(struct pg_store *s, struct pg_conn *c, const char *key, bool key_is_request,
                        struct srv_grant *out)
{
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        pg_text(&p, key);
        r = pg_run(s, c, key_is_request ? "SELECT " GRANT_COLUMNS " FROM grants WHERE request_id = $1"
                                        : "SELECT " GRANT_COLUMNS " FROM grants WHERE id = $1", &p, &res);
        if (r == 0 && PQntuples(res) == 0)
                r = -ENOENT;
        if (r == 0)
                r = read_grant_row(res, 0, out);
        PQclear(res);
        if (r < 0)
                srv_grant_clear(out);
        return r;
}

static int load_decisions(struct pg_store *s, struct pg_conn *c, struct srv_request *r)
{
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        int ret, n;

        pg_text(&p, r->id);
        ret = pg_run(s, c, "SELECT by_user, decision, comment, at FROM decisions WHERE request_id = $1 "
                           "ORDER BY at, rid", &p, &res);
        if (ret < 0)
                return ret;
        n = PQntuples(res);
        if (n > 0) {
                r->decisions = calloc((size_t)n, sizeof(*r->decisions));
                if (!r->decisions)
                        ret = -ENOMEM;
        }
        for (int i = 0; ret == 0 && i < n; i++) {
                struct srv_decision *d = &r->decisions[i];

                r->n_decisions++;
                d->decision = pg_i64(res, i, 1) ? SRV_DECISION_DENY : SRV_DECISION_APPROVE;
                d->at = pg_i64(res, i, 3);
                ret = pg_str(res, i, 0, &d->by);
                ret = ret ?: pg_str(res, i, 2, &d->comment);
        }
        PQclear(res);
        return ret;
}

static int complete_request(struct pg_store *s, struct pg_conn *c, struct srv_request *r)
{
        int ret = load_decisions(s, c, r);

        if (ret < 0)
                return ret;
        r->grant = calloc(1, sizeof(*r->grant));
        if (!r->grant)
                return -ENOMEM;
        ret = grant_lookup(s, c, r->id, true, r->grant);
        if (ret == -ENOENT) {
                free(r->grant);
                r->grant = NULL;
                ret = 0;
        }
        return ret;
}

/* Inside a transaction the row is locked (FOR UPDATE): whoever reads a
 * request to change it holds it until commit (see store_pg.h). */
int pg_request_get(struct srv_store *base, const char *id, struct srv_request *out)
{
        struct pg_store *s = pgs(base);
        struct pg_params p = { 0 };
        struct pg_conn *c;
        PGresult *res = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        c = pg_acquire(s);
        if (!c)
                return -ENOTCONN;
        pg_text(&p, id);
        r = pg_run(s, c, pg_in_txn(s) ? "SELECT " REQUEST_COLUMNS " FROM requests WHERE id = $1 FOR UPDATE"
                                      : "SELECT " REQUEST_COLUMNS " FROM requests WHERE id = $1", &p, &res);
        if (r == 0 && PQntuples(res) == 0)
                r = -ENOENT;
        r = r ?: read_request_row(res, 0, out);
        r = r ?: complete_request(s, c, out);
        PQclear(res);
        pg_release(s, c);
        if (r < 0)
                srv_request_clear(out);
        return r;
}

int pg_request_list(struct srv_store *base, const struct srv_request_filter *f, struct srv_request **out,
                    size_t *n)
{
        static const char sql[] =
                "SELECT " REQUEST_COLUMNS " FROM requests WHERE "
                "($1::int = 0 OR state = $2::int) AND ("
                " ($3::text IS NULL AND $4::text IS NULL AND $5::text IS NULL AND $6::text IS NULL)"
                " OR user_name = $3 OR filed_by = $4 OR host = $5"
                " OR (state = 0 AND role IN (SELECT json_array_elements_text($6::json))))"
                " AND ($8::text IS NULL OR extends = $8)"
                " AND ($9::text IS NULL OR (created_at, rid) < (SELECT created_at, rid FROM requests WHERE id = $9))"
                " ORDER BY created_at DESC, rid DESC LIMIT $7";
        struct pg_store *s = pgs(base);
        struct pg_params p = { 0 };
        struct srv_request *list = NULL;
        struct pg_conn *c;
        PGresult *res = NULL;
        char *roles = NULL;
        size_t count = 0, limit = f->limit == 0 ? SRV_REQUEST_LIST_MAX
                                      : f->limit <= SRV_REQUEST_LIST_MAX + 1 ? f->limit : SRV_REQUEST_LIST_MAX + 1;
        int r = 0, rows;

        *out = NULL;
        *n = 0;
        pg_int(&p, f->has_state);
        pg_int(&p, f->state);
        pg_text(&p, f->user);
        pg_text(&p, f->filed_by);
        pg_text(&p, f->host);
        if (f->roles)
                r = pg_json_list(&p, f->roles, &roles);
        else
                pg_text(&p, NULL);
        if (r < 0)
                return r;
        pg_int(&p, (int64_t)limit);
        pg_text(&p, f->extends);
        pg_text(&p, f->before);
        c = pg_acquire(s);
        if (!c) {
                free(roles);
                return -ENOTCONN;
        }
        r = pg_run(s, c, sql, &p, &res);
        rows = r == 0 ? PQntuples(res) : 0;
        if (rows > 0) {
                list = calloc((size_t)rows, sizeof(*list));
                if (!list)
                        r = -ENOMEM;
        }
        for (int i = 0; r == 0 && i < rows; i++) {
                count++;
                r = read_request_row(res, i, &list[i]);
                r = r ?: complete_request(s, c, &list[i]);
        }
        PQclear(res);
        pg_release(s, c);
        free(roles);
        if (r < 0) {
                srv_request_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}

int pg_request_due(struct srv_store *base, int64_t now, char ***out)
{
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        int r;

        *out = NULL;
        pg_int(&p, now);
        /* In id order: instances expiring the same requests lock them in
         * the same order (no deadlock; the later one finds them closed). */
        r = pg_query(pgs(base), "SELECT id FROM requests WHERE state = 0 AND expires_at <= $1 ORDER BY id LIMIT 1000",
                     &p, &res);
        if (r == 0)
                r = pg_strv(res, out);
        PQclear(res);
        return r;
}

int pg_request_count(struct srv_store *s, enum srv_request_state state, uint64_t *out)
{
        struct pg_params p = { 0 };

        pg_int(&p, state);
        return pg_count(pgs(s), "SELECT count(*) FROM requests WHERE state = $1", &p, out);
}

int pg_grant_count(struct srv_store *s, uint64_t *out)
{
        return pg_count(pgs(s), "SELECT count(*) FROM grants", NULL, out);
}

int pg_decision_insert(struct srv_store *base, const char *request_id, const struct srv_decision *d)
{
        struct pg_params p = { 0 };

        pg_text(&p, request_id);
        pg_text(&p, d->by);
        pg_int(&p, d->decision == SRV_DECISION_DENY);
        pg_text(&p, d->comment);
        pg_int(&p, d->at);
        return pg_query(pgs(base), "INSERT INTO decisions(request_id, by_user, decision, comment, at) "
                                   "VALUES ($1, $2, $3, $4, $5)", &p, NULL);
}

/* A feed entry, in the caller's transaction (or its own): the advisory
 * lock orders sequence numbers by commit (store_pg.h); the NOTIFY is
 * delivered to every listening instance when the transaction commits. */
static int feed_append(struct pg_store *s, struct pg_conn *c, int kind, const char *grant_id, const char *aud,
                       int64_t at, int64_t *seq)
{
        struct pg_params p = { 0 }, lk = { 0 }, n = { 0 };
        PGresult *res = NULL;
        int r;

        pg_int(&lk, PG_LOCK_FEED);
        r = pg_run(s, c, "SELECT pg_advisory_xact_lock($1)", &lk, NULL);
        pg_int(&p, kind);
        pg_text(&p, grant_id);
        pg_text(&p, aud);
        pg_int(&p, at);
        r = r ?: pg_run(s, c, "INSERT INTO feed(kind, grant_id, aud, at) VALUES ($1, $2, $3, $4) RETURNING seq", &p,
                        &res);
        if (r == 0 && seq)
                *seq = pg_i64(res, 0, 0);
        PQclear(res);
        pg_text(&n, PG_FEED_CHANNEL);
        pg_text(&n, aud);
        return r ?: pg_run(s, c, "SELECT pg_notify($1, $2)", &n, NULL);
}

/* fn(s, c, arg) in a transaction: the caller's, or one of its own. */
static int in_txn(struct pg_store *s, int (*fn)(struct pg_store *s, struct pg_conn *c, void *arg), void *arg)
{
        bool own = !pg_in_txn(s);
        int r = own ? srv_store_begin(&s->base) : 0;

        if (r < 0)
                return r;
        r = fn(s, pg_acquire(s), arg);
        if (!own)
                return r;
        if (r < 0)
                srv_store_rollback(&s->base);
        else
                r = srv_store_commit(&s->base);
        return r;
}

static int do_grant_insert(struct pg_store *s, struct pg_conn *c, void *arg)
{
        struct srv_grant *g = arg;
        struct pg_params p = { 0 }, u = { 0 };
        int r;

        pg_text(&p, g->id);
        pg_text(&p, g->request_id);
        pg_text(&p, g->user);
        pg_text(&p, g->role);
        pg_text(&p, g->aud);
        pg_int(&p, g->nbf);
        pg_int(&p, g->exp);
        pg_int(&p, g->iat);
        pg_text(&p, g->jws);
        pg_text(&p, g->kid);
        r = pg_run(s, c, "INSERT INTO grants(" GRANT_COLUMNS ") VALUES "
                         "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, NULL, NULL, 0)", &p, NULL);
        r = r ?: feed_append(s, c, SRV_FEED_GRANT, g->id, g->aud, g->iat, &g->seq);
        pg_text(&u, g->id);
        pg_int(&u, g->seq);
        return r ?: pg_run(s, c, "UPDATE grants SET seq = $2 WHERE id = $1", &u, NULL);
}

int pg_grant_insert(struct srv_store *base, struct srv_grant *g)
{
        return in_txn(pgs(base), do_grant_insert, g);
}

int pg_grant_get(struct srv_store *base, const char *id, struct srv_grant *out)
{
        struct pg_store *s = pgs(base);
        struct pg_conn *c = pg_acquire(s);
        int r;

        memset(out, 0, sizeof(*out));
        if (!c)
                return -ENOTCONN;
        r = grant_lookup(s, c, id, false, out);
        pg_release(s, c);
        return r;
}

struct revoke_args {
        const char *id, *by, *reason;
        int64_t at, *seq;
};

static int do_grant_revoke(struct pg_store *s, struct pg_conn *c, void *arg)
{
        struct revoke_args *a = arg;
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        char *aud = NULL;
        int r;

        /* Only a grant not yet revoked: of two revocations racing, the
         * second waits on the row and then changes nothing. */
        pg_text(&p, a->id);
        pg_int(&p, a->at > 0 ? a->at : 1);
        pg_text(&p, a->by);
        pg_text(&p, a->reason);
        r = pg_run(s, c, "UPDATE grants SET revoked_at = $2, revoked_by = $3, revoke_reason = $4 "
                         "WHERE id = $1 AND revoked_at = 0 RETURNING aud", &p, &res);
        if (r == 0 && PQntuples(res) == 0) {
                struct srv_grant g;

                r = grant_lookup(s, c, a->id, false, &g);
                srv_grant_clear(&g);
                r = r == 0 ? -EALREADY : r;
        } else if (r == 0) {
                r = pg_dup(res, 0, 0, &aud);
        }
        PQclear(res);
        r = r ?: feed_append(s, c, SRV_FEED_REVOKE, a->id, aud, a->at, a->seq);
        free(aud);
        return r;
}

int pg_grant_revoke(struct srv_store *base, const char *id, int64_t at, const char *by, const char *reason,
                    int64_t *seq)
{
        struct revoke_args a = { id, by, reason, at, seq };

        return in_txn(pgs(base), do_grant_revoke, &a);
}

int pg_feed_since(struct srv_store *base, int64_t cursor, const char *const *auds, int64_t now,
                  struct srv_feed_entry **out, size_t *n, int64_t *last)
{
        struct pg_store *s = pgs(base);
        struct pg_params p = { 0 };
        struct srv_feed_entry *list = NULL;
        struct pg_conn *c;
        PGresult *res = NULL, *lr = NULL;
        char *json = NULL;
        size_t count = 0;
        int r, rows;

        *out = NULL;
        *n = 0;
        pg_int(&p, cursor);
        pg_int(&p, now);
        r = pg_json_list(&p, auds, &json);
        if (r < 0)
                return r;
        pg_int(&p, FEED_MAX_ENTRIES);
        pg_int(&p, SRV_FEED_GRANT);
        c = pg_acquire(s);
        if (!c) {
                free(json);
                return -ENOTCONN;
        }
        /* The last sequence first: an entry committed after it is read
         * next time, never skipped. */
        r = pg_run(s, c, "SELECT coalesce(max(seq), 0) FROM feed", NULL, &lr);
        if (r == 0) {
                *last = pg_i64(lr, 0, 0);
                pg_int(&p, *last);
                /* A revoked grant is never sent again, only its
                 * revocation; nothing above last, which is the cursor the
                 * host comes back with. */
                r = pg_run(s, c, "SELECT f.seq, f.kind, f.grant_id, g.jws FROM feed f JOIN grants g ON g.id = f.grant_id "
                                 "WHERE f.seq > $1 AND f.seq <= $6 AND g.exp > $2 "
                                 "AND f.aud IN (SELECT json_array_elements_text($3::json)) "
                                 "AND NOT (f.kind = $5 AND g.revoked_at != 0) ORDER BY f.seq LIMIT $4",
                           &p, &res);
        }
        rows = r == 0 ? PQntuples(res) : 0;
        if (rows > 0) {
                list = calloc((size_t)rows, sizeof(*list));
                if (!list)
                        r = -ENOMEM;
        }
        for (int i = 0; r == 0 && i < rows; i++) {
                struct srv_feed_entry *e = &list[i];

                count++;
                e->seq = pg_i64(res, i, 0);
                e->kind = pg_i64(res, i, 1) ? SRV_FEED_REVOKE : SRV_FEED_GRANT;
                r = pg_str(res, i, 2, &e->grant_id);
                if (r == 0 && e->kind == SRV_FEED_GRANT)
                        r = pg_str(res, i, 3, &e->jws);
        }
        if (r == 0 && count == FEED_MAX_ENTRIES)
                *last = list[count - 1].seq;   /* truncated: continue from here */
        PQclear(lr);
        PQclear(res);
        pg_release(s, c);
        free(json);
        if (r < 0) {
                srv_feed_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}
