/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: requests, decisions, grants and the host feed. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

#define FEED_MAX_ENTRIES 1000

#define REQUEST_COLUMNS                                                                                  \
        "id, state, role, host, user, filed_by, duration, reason, ticket, start_at, created_at, expires_at, " \
        "approvals_required, denials_required, closed_at, extends"

int sq_request_insert(struct srv_store *base, const struct srv_request *r)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int ret;

        sq_lock(s);
        ret = sq_prepare(s, "INSERT INTO requests(" REQUEST_COLUMNS ") VALUES "
                            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", &st);
        if (ret < 0)
                goto out;
        sq_bind_text(st, 1, r->id);
        sqlite3_bind_int(st, 2, (int)r->state);
        sq_bind_text(st, 3, r->role);
        sq_bind_text(st, 4, r->host);
        sq_bind_text(st, 5, r->user);
        sq_bind_text(st, 6, r->filed_by);
        sqlite3_bind_int64(st, 7, r->duration);
        sq_bind_text(st, 8, r->reason);
        sq_bind_text(st, 9, r->ticket);
        sqlite3_bind_int64(st, 10, r->start_at);
        sqlite3_bind_int64(st, 11, r->created_at);
        sqlite3_bind_int64(st, 12, r->expires_at);
        sqlite3_bind_int64(st, 13, r->approvals_required);
        sqlite3_bind_int64(st, 14, r->denials_required);
        sqlite3_bind_int64(st, 15, r->closed_at);
        sq_bind_text(st, 16, r->extends);
        ret = sq_step_done(s, st);
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        return ret;
}

int sq_request_set_state(struct srv_store *base, const char *id, enum srv_request_state state, int64_t at)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, "UPDATE requests SET state = ?2, closed_at = ?3 WHERE id = ?1", &st);
        if (r == 0) {
                sq_bind_text(st, 1, id);
                sqlite3_bind_int(st, 2, (int)state);
                sqlite3_bind_int64(st, 3, at);
                r = sq_step_changed(s, st);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

static int read_request_row(sqlite3_stmt *st, struct srv_request *r)
{
        int state = sqlite3_column_int(st, 1);
        int ret = 0;

        memset(r, 0, sizeof(*r));
        if (state < 0 || state >= SRV_REQ__MAX)
                return -EIO;
        r->state = (enum srv_request_state)state;
        r->duration = sqlite3_column_int64(st, 6);
        r->start_at = sqlite3_column_int64(st, 9);
        r->created_at = sqlite3_column_int64(st, 10);
        r->expires_at = sqlite3_column_int64(st, 11);
        r->approvals_required = sqlite3_column_int64(st, 12);
        r->denials_required = sqlite3_column_int64(st, 13);
        r->closed_at = sqlite3_column_int64(st, 14);
        ret = ret ?: sq_col_str(st, 0, &r->id);
        ret = ret ?: sq_col_str(st, 2, &r->role);
        ret = ret ?: sq_col_str(st, 3, &r->host);
        ret = ret ?: sq_col_str(st, 4, &r->user);
        ret = ret ?: sq_col_str(st, 5, &r->filed_by);
        ret = ret ?: sq_col_str(st, 7, &r->reason);
        ret = ret ?: sq_col_str(st, 8, &r->ticket);
        ret = ret ?: sq_col_str(st, 15, &r->extends);
        return ret;
}

#define GRANT_COLUMNS \
        "id, request_id, user, role, aud, nbf, exp, iat, jws, kid, revoked_at, revoked_by, revoke_reason, seq"

static int read_grant_row(sqlite3_stmt *st, struct srv_grant *g)
{
        int r = 0;

        memset(g, 0, sizeof(*g));
        g->nbf = sqlite3_column_int64(st, 5);
        g->exp = sqlite3_column_int64(st, 6);
        g->iat = sqlite3_column_int64(st, 7);
        g->revoked_at = sqlite3_column_int64(st, 10);
        g->seq = sqlite3_column_int64(st, 13);
        r = r ?: sq_col_str(st, 0, &g->id);
        r = r ?: sq_col_str(st, 1, &g->request_id);
        r = r ?: sq_col_str(st, 2, &g->user);
        r = r ?: sq_col_str(st, 3, &g->role);
        r = r ?: sq_col_str(st, 4, &g->aud);
        r = r ?: sq_col_str(st, 8, &g->jws);
        r = r ?: sq_col_str(st, 9, &g->kid);
        r = r ?: sq_col_str(st, 11, &g->revoked_by);
        r = r ?: sq_col_str(st, 12, &g->revoke_reason);
        return r;
}

/* key_is_request: look up by request id instead of grant id. */
static int grant_lookup(struct sqlite_store *s, const char *key, bool key_is_request, struct srv_grant *out)
{
        sqlite3_stmt *st = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        r = sq_prepare(s, key_is_request ? "SELECT " GRANT_COLUMNS " FROM grants WHERE request_id = ?1"
                                         : "SELECT " GRANT_COLUMNS " FROM grants WHERE id = ?1", &st);
        if (r < 0)
                return r;
        sq_bind_text(st, 1, key);
        r = sq_step_row(st);
        if (r == 0)
                r = read_grant_row(st, out);
        sqlite3_finalize(st);
        if (r < 0)
                srv_grant_clear(out);
        return r;
}

static int read_decision_row(sqlite3_stmt *st, void *elem, void *ctx)
{
        struct srv_decision *d = elem;
        int r;

        (void)ctx;
        memset(d, 0, sizeof(*d));
        d->decision = sqlite3_column_int(st, 1) ? SRV_DECISION_DENY : SRV_DECISION_APPROVE;
        d->at = sqlite3_column_int64(st, 3);
        r = sq_col_str(st, 0, &d->by);
        return r ?: sq_col_str(st, 2, &d->comment);
}

static int load_decisions(struct sqlite_store *s, struct srv_request *r)
{
        sqlite3_stmt *st = NULL;
        void *list = r->decisions;
        int ret;

        ret = sq_prepare(s, "SELECT by_user, decision, comment, at FROM decisions WHERE request_id = ?1 "
                            "ORDER BY at, rowid", &st);
        if (ret < 0)
                return ret;
        sq_bind_text(st, 1, r->id);
        ret = sq_collect(st, sizeof(struct srv_decision), read_decision_row, NULL, &list, &r->n_decisions);
        r->decisions = list;
        sqlite3_finalize(st);
        return ret;
}

/* Decisions and grant of a request just read. */
static int complete_request(struct sqlite_store *s, struct srv_request *r)
{
        int ret = load_decisions(s, r);

        if (ret < 0)
                return ret;
        r->grant = calloc(1, sizeof(*r->grant));
        if (!r->grant)
                return -ENOMEM;
        ret = grant_lookup(s, r->id, true, r->grant);
        if (ret == -ENOENT) {
                free(r->grant);
                r->grant = NULL;
                ret = 0;
        }
        return ret;
}

int sq_request_get(struct srv_store *base, const char *id, struct srv_request *out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        sq_lock(s);
        r = sq_prepare(s, "SELECT " REQUEST_COLUMNS " FROM requests WHERE id = ?1", &st);
        if (r < 0)
                goto out;
        sq_bind_text(st, 1, id);
        r = sq_step_row(st);
        if (r < 0)
                goto out;
        r = read_request_row(st, out);
        if (r == 0)
                r = complete_request(s, out);
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0)
                srv_request_clear(out);
        return r;
}

/* sq_row_fn for a list of requests; ctx is the store. */
static int read_full_request(sqlite3_stmt *st, void *elem, void *ctx)
{
        int r = read_request_row(st, elem);

        return r ?: complete_request(ctx, elem);
}

/* The filter's clauses are fixed SQL fragments; every value is bound. */
int sq_request_list(struct srv_store *base, const struct srv_request_filter *f, struct srv_request **out,
                    size_t *n)
{
        static const char sql[] =
                "SELECT " REQUEST_COLUMNS " FROM requests WHERE "
                "(?1 = 0 OR state = ?2) AND ("
                " (?3 IS NULL AND ?4 IS NULL AND ?5 IS NULL AND ?6 IS NULL)"
                " OR user = ?3 OR filed_by = ?4 OR host = ?5"
                " OR (state = 0 AND role IN (SELECT value FROM json_each(?6))))"
                " AND (?8 IS NULL OR extends = ?8)"
                " AND (?9 IS NULL OR (created_at, rowid) < (SELECT created_at, rowid FROM requests WHERE id = ?9))"
                " ORDER BY created_at DESC, rowid DESC LIMIT ?7";
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        void *list = NULL;
        char *roles = NULL;
        size_t count = 0, limit = f->limit == 0 ? SRV_REQUEST_LIST_MAX
                                      : f->limit <= SRV_REQUEST_LIST_MAX + 1 ? f->limit : SRV_REQUEST_LIST_MAX + 1;
        int r;

        *out = NULL;
        *n = 0;
        if (f->roles) {
                r = sq_json_array(f->roles, &roles);
                if (r < 0)
                        return r;
        }
        sq_lock(s);
        r = sq_prepare(s, sql, &st);
        if (r < 0)
                goto out;
        sqlite3_bind_int(st, 1, f->has_state);
        sqlite3_bind_int(st, 2, (int)f->state);
        sq_bind_text(st, 3, f->user);
        sq_bind_text(st, 4, f->filed_by);
        sq_bind_text(st, 5, f->host);
        sq_bind_text(st, 6, roles);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)limit);
        sq_bind_text(st, 8, f->extends);
        sq_bind_text(st, 9, f->before);
        r = sq_collect(st, sizeof(struct srv_request), read_full_request, s, &list, &count);
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        free(roles);
        if (r < 0) {
                srv_request_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}

int sq_request_due(struct srv_store *base, int64_t now, char ***out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        *out = NULL;
        sq_lock(s);
        r = sq_prepare(s, "SELECT id FROM requests WHERE state = 0 AND expires_at <= ?1 LIMIT 1000", &st);
        if (r == 0) {
                sqlite3_bind_int64(st, 1, now);
                r = sq_collect_strv(st, out);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

int sq_request_count(struct srv_store *s, enum srv_request_state state, uint64_t *out)
{
        return sq_count(sq(s), "SELECT count(*) FROM requests WHERE state = ?1", 1, state, out);
}

int sq_grant_count(struct srv_store *s, uint64_t *out)
{
        return sq_count(sq(s), "SELECT count(*) FROM grants", 0, 0, out);
}

int sq_decision_insert(struct srv_store *base, const char *request_id, const struct srv_decision *d)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, "INSERT INTO decisions(request_id, by_user, decision, comment, at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)", &st);
        if (r == 0) {
                sq_bind_text(st, 1, request_id);
                sq_bind_text(st, 2, d->by);
                sqlite3_bind_int(st, 3, d->decision == SRV_DECISION_DENY);
                sq_bind_text(st, 4, d->comment);
                sqlite3_bind_int64(st, 5, d->at);
                r = sq_step_done(s, st);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

static int feed_append(struct sqlite_store *s, int kind, const char *grant_id, const char *aud, int64_t at,
                       int64_t *seq)
{
        sqlite3_stmt *st = NULL;
        int r;

        r = sq_prepare(s, "INSERT INTO feed(kind, grant_id, aud, at) VALUES (?1, ?2, ?3, ?4)", &st);
        if (r == 0) {
                sqlite3_bind_int(st, 1, kind);
                sq_bind_text(st, 2, grant_id);
                sq_bind_text(st, 3, aud);
                sqlite3_bind_int64(st, 4, at);
                r = sq_step_done(s, st);
                if (r == 0 && seq)
                        *seq = sqlite3_last_insert_rowid(s->db);
        }
        sqlite3_finalize(st);
        return r;
}

int sq_grant_insert(struct srv_store *base, struct srv_grant *g)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, "INSERT INTO grants(" GRANT_COLUMNS ") VALUES "
                          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, NULL, NULL, 0)", &st);
        if (r < 0)
                goto out;
        sq_bind_text(st, 1, g->id);
        sq_bind_text(st, 2, g->request_id);
        sq_bind_text(st, 3, g->user);
        sq_bind_text(st, 4, g->role);
        sq_bind_text(st, 5, g->aud);
        sqlite3_bind_int64(st, 6, g->nbf);
        sqlite3_bind_int64(st, 7, g->exp);
        sqlite3_bind_int64(st, 8, g->iat);
        sq_bind_text(st, 9, g->jws);
        sq_bind_text(st, 10, g->kid);
        r = sq_step_done(s, st);
        sqlite3_finalize(st);
        st = NULL;
        if (r == 0)
                r = feed_append(s, SRV_FEED_GRANT, g->id, g->aud, g->iat, &g->seq);
        if (r == 0) {
                r = sq_prepare(s, "UPDATE grants SET seq = ?2 WHERE id = ?1", &st);
                if (r == 0) {
                        sq_bind_text(st, 1, g->id);
                        sqlite3_bind_int64(st, 2, g->seq);
                        r = sq_step_done(s, st);
                }
        }
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

int sq_grant_get(struct srv_store *base, const char *id, struct srv_grant *out)
{
        int r;

        sq_lock(sq(base));
        r = grant_lookup(sq(base), id, false, out);
        sq_unlock(sq(base));
        return r;
}

int sq_grant_revoke(struct srv_store *base, const char *id, int64_t at, const char *by, const char *reason,
                    int64_t *seq)
{
        struct sqlite_store *s = sq(base);
        struct srv_grant g = { 0 };
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = grant_lookup(s, id, false, &g);
        if (r < 0)
                goto out;
        if (g.revoked_at) {
                r = -EALREADY;
                goto out;
        }
        r = sq_prepare(s, "UPDATE grants SET revoked_at = ?2, revoked_by = ?3, revoke_reason = ?4 WHERE id = ?1",
                       &st);
        if (r < 0)
                goto out;
        sq_bind_text(st, 1, id);
        sqlite3_bind_int64(st, 2, at > 0 ? at : 1);
        sq_bind_text(st, 3, by);
        sq_bind_text(st, 4, reason);
        r = sq_step_done(s, st);
        if (r == 0)
                r = feed_append(s, SRV_FEED_REVOKE, id, g.aud, at, seq);
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        srv_grant_clear(&g);
        return r;
}

static int feed_last(struct sqlite_store *s, int64_t *last)
{
        sqlite3_stmt *st = NULL;
        int r = sq_prepare(s, "SELECT coalesce(max(seq), 0) FROM feed", &st);

        if (r == 0) {
                if (sqlite3_step(st) == SQLITE_ROW)
                        *last = sqlite3_column_int64(st, 0);
                else
                        r = -EIO;
        }
        sqlite3_finalize(st);
        return r;
}

static int read_feed_row(sqlite3_stmt *st, void *elem, void *ctx)
{
        struct srv_feed_entry *e = elem;
        int r;

        (void)ctx;
        memset(e, 0, sizeof(*e));
        e->seq = sqlite3_column_int64(st, 0);
        e->kind = sqlite3_column_int(st, 1) ? SRV_FEED_REVOKE : SRV_FEED_GRANT;
        r = sq_col_str(st, 2, &e->grant_id);
        if (r == 0 && e->kind == SRV_FEED_GRANT)
                r = sq_col_str(st, 3, &e->jws);
        return r;
}

int sq_feed_since(struct srv_store *base, int64_t cursor, const char *const *auds, int64_t now,
                  struct srv_feed_entry **out, size_t *n, int64_t *last)
{
        struct sqlite_store *s = sq(base);
        struct srv_feed_entry *list = NULL;
        sqlite3_stmt *st = NULL;
        void *raw = NULL;
        char *json = NULL;
        size_t count = 0;
        int r;

        *out = NULL;
        *n = 0;
        r = sq_json_array(auds, &json);
        if (r < 0)
                return r;
        sq_lock(s);
        r = feed_last(s, last);
        if (r < 0)
                goto out;
        r = sq_prepare(s, "SELECT f.seq, f.kind, f.grant_id, g.jws FROM feed f JOIN grants g ON g.id = f.grant_id "
                          "WHERE f.seq > ?1 AND g.exp > ?2 AND f.aud IN (SELECT value FROM json_each(?3)) "
                          "AND NOT (f.kind = ?5 AND g.revoked_at != 0) "
                          "ORDER BY f.seq LIMIT ?4", &st);
        if (r < 0)
                goto out;
        sqlite3_bind_int64(st, 1, cursor);
        sqlite3_bind_int64(st, 2, now);
        sq_bind_text(st, 3, json);
        sqlite3_bind_int(st, 4, FEED_MAX_ENTRIES);
        /* A revoked grant is never sent again, only its revocation: a host
         * catching up never holds it, even between two answers. */
        sqlite3_bind_int(st, 5, SRV_FEED_GRANT);
        r = sq_collect(st, sizeof(*list), read_feed_row, NULL, &raw, &count);
        list = raw;
        if (r == 0 && count == FEED_MAX_ENTRIES)
                *last = list[count - 1].seq;   /* truncated: continue from here */
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        free(json);
        if (r < 0) {
                srv_feed_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}
