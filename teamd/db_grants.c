/* SPDX-License-Identifier: BSD-3-Clause */
/* The grants table: storing verified grants and reading them back. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "db_private.h"

static char *aud_to_json(const struct team_grant *g)
{
        struct json_object *a = json_object_new_array();
        char *out = NULL;

        if (!a)
                return NULL;
        for (size_t i = 0; i < g->n_aud; i++)
                if (json_object_array_add(a, json_object_new_string(g->aud[i])) < 0)
                        goto out;
        out = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
out:
        json_object_put(a);
        return out;
}

/* The aud column is our own JSON array of strings; anything else is a
 * corrupt row and yields no audience (so the row never matches). */
static int aud_from_json(const char *text, struct grant_row *r)
{
        struct json_object *a = text ? json_tokener_parse(text) : NULL;
        size_t n;
        int ret = 0;

        if (!a || !json_object_is_type(a, json_type_array))
                goto out;
        n = json_object_array_length(a);
        r->aud = calloc(n + 1, sizeof(char *));
        if (!r->aud) {
                ret = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                struct json_object *v = json_object_array_get_idx(a, i);
                if (!json_object_is_type(v, json_type_string))
                        continue;
                r->aud[r->n_aud] = strdup(json_object_get_string(v));
                if (!r->aud[r->n_aud]) {
                        ret = -ENOMEM;
                        goto out;
                }
                r->n_aud++;
        }
out:
        json_object_put(a);
        return ret;
}

static int grant_count_all(struct teamd_db *s, uint64_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_COUNT_ALL);
        int rc = sqlite3_step(st);

        if (rc != SQLITE_ROW)
                return store_errno(rc) ?: -EIO;
        *n = (uint64_t)sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
}

/* 1: stored with the same token, -EEXIST: stored with another, 0: absent. */
static int grant_lookup(struct teamd_db *s, const char *id, const char *jws)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_GET_JWS);
        int rc, r = 0;

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                const unsigned char *t = sqlite3_column_text(st, 0);
                r = (t && strcmp((const char *)t, jws) == 0) ? 1 : -EEXIST;
        } else if (rc != SQLITE_DONE) {
                r = store_errno(rc) ?: -EIO;
        }
        sqlite3_reset(st);
        return r;
}

int db_grant_add(struct teamd_db *s, const struct team_grant *g, const char *jws, int64_t now)
{
        sqlite3_stmt *st;
        uint64_t count = 0;
        char *aud = NULL;
        int r, rc;

        r = store_tombstone_check(s, g);
        if (r != 0)
                return r < 0 ? r : -EKEYREVOKED;
        r = grant_lookup(s, g->jti, jws);
        if (r != 0)
                return r;
        r = grant_count_all(s, &count);
        if (r == 0 && count >= s->max_grants) {
                r = db_grant_purge(s, now, NULL);
                if (r == 0)
                        r = grant_count_all(s, &count);
                if (r == 0 && count >= s->max_grants)
                        r = -EDQUOT;
        }
        if (r < 0)
                return r;
        aud = aud_to_json(g);
        if (!aud)
                return -ENOMEM;
        st = store_stmt(s, STMT_GRANT_INSERT);
        sqlite3_bind_text(st, 1, g->jti, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, g->sub, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, g->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, aud, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, g->nbf);
        sqlite3_bind_int64(st, 6, g->exp);
        sqlite3_bind_int64(st, 7, g->iat);
        sqlite3_bind_text(st, 8, g->req, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, g->rsn, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, jws, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, now);
        rc = sqlite3_step(st);
        r = rc == SQLITE_DONE ? 0 : (store_errno(rc) ?: -EIO);
        sqlite3_reset(st);
        free(aud);
        return r;
}

static int row_read(sqlite3_stmt *st, struct grant_row *r)
{
        char *aud = NULL;
        int ret;

        memset(r, 0, sizeof(*r));
        ret = store_column_text(st, 0, &r->id);
        if (ret == 0)
                ret = store_column_text(st, 1, &r->sub);
        if (ret == 0)
                ret = store_column_text(st, 2, &r->role);
        if (ret == 0)
                ret = store_column_text(st, 3, &aud);
        if (ret == 0)
                ret = aud_from_json(aud, r);
        r->nbf = sqlite3_column_int64(st, 4);
        r->exp = sqlite3_column_int64(st, 5);
        r->iat = sqlite3_column_int64(st, 6);
        if (ret == 0)
                ret = store_column_text(st, 7, &r->req);
        if (ret == 0)
                ret = store_column_text(st, 8, &r->rsn);
        r->received_at = sqlite3_column_int64(st, 9);
        if (ret == 0 && (!r->id || !r->sub || !r->role))
                ret = -EBADMSG;
        free(aud);
        if (ret < 0)
                grant_row_clear(r);
        return ret;
}

/* Steps a bound SELECT of GRANT_COLUMNS and collects at most max rows. */
static int rows_collect(sqlite3_stmt *st, size_t max, struct grant_row **rows, size_t *n)
{
        struct grant_row *v = NULL;
        size_t have = 0, cap = 0;
        int rc = SQLITE_DONE, r = 0;

        while (have < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (have == cap) {
                        size_t ncap = cap ? cap * 2 : 8;
                        struct grant_row *nv = reallocarray(v, ncap, sizeof(*v));
                        if (!nv) {
                                r = -ENOMEM;
                                goto out;
                        }
                        v = nv;
                        cap = ncap;
                }
                r = row_read(st, &v[have]);
                if (r < 0)
                        goto out;
                have++;
        }
        if (have < max && rc != SQLITE_DONE)
                r = store_errno(rc) ?: -EIO;
out:
        sqlite3_reset(st);
        if (r < 0) {
                grant_rows_free(v, have);
                v = NULL;
                have = 0;
        }
        *rows = v;
        *n = have;
        return r;
}

int db_grant_find(struct teamd_db *s, const char *user, const char *role, int64_t now,
                     struct grant_row **rows, size_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_FIND);

        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now - GRANT_STORE_KEEP_EXPIRED);
        return rows_collect(st, SIZE_MAX, rows, n);
}

int db_grant_list_user(struct teamd_db *s, const char *user, int64_t now, size_t max,
                          struct grant_row **rows, size_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_LIST_USER);

        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
        return rows_collect(st, max, rows, n);
}

int db_grant_list_all(struct teamd_db *s, int64_t now, size_t max, struct grant_row **rows, size_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_LIST_ALL);

        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
        return rows_collect(st, max, rows, n);
}

int db_grant_list_ended(struct teamd_db *s, int64_t from, int64_t to, struct grant_row **rows, size_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_ENDED);

        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        return rows_collect(st, 1000, rows, n);
}

/* A one-row, one-column query of now: its value, 0 when NULL. */
static int query_int64(struct teamd_db *s, enum store_stmt which, int64_t now, int64_t *out)
{
        sqlite3_stmt *st = store_stmt(s, which);
        int rc;

        sqlite3_bind_int64(st, 1, now);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                return store_errno(rc) ?: -EIO;
        }
        *out = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
}

int db_grant_next_exp(struct teamd_db *s, int64_t now, int64_t *t)
{
        return query_int64(s, STMT_GRANT_NEXT_EXP, now, t);
}

int db_grant_count_current(struct teamd_db *s, int64_t now, uint64_t *n)
{
        int64_t v = 0;
        int r = query_int64(s, STMT_GRANT_COUNT_CURRENT, now, &v);

        if (r == 0)
                *n = (uint64_t)v;
        return r;
}

int db_grant_purge(struct teamd_db *s, int64_t now, uint64_t *n_purged)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_PURGE);
        int rc;

        sqlite3_bind_int64(st, 1, now - GRANT_STORE_KEEP_EXPIRED);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_errno(rc) ?: -EIO;
        if (n_purged)
                *n_purged = (uint64_t)sqlite3_changes(s->db);
        return 0;
}

void grant_row_clear(struct grant_row *r)
{
        if (!r)
                return;
        free(r->id);
        free(r->sub);
        free(r->role);
        for (size_t i = 0; i < r->n_aud; i++)
                free(r->aud[i]);
        free(r->aud);
        free(r->req);
        free(r->rsn);
        memset(r, 0, sizeof(*r));
}

void grant_rows_free(struct grant_row *rows, size_t n)
{
        for (size_t i = 0; rows && i < n; i++)
                grant_row_clear(&rows[i]);
        free(rows);
}
