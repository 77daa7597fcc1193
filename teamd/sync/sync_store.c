/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant sync's rows; see sync_store.h. Statements are prepared per call:
 * sync writes once per feed answer, far from any hot path. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_private.h"
#include "sync/sync_store.h"

#define CURSOR_NAME "feed_cursor"

static int exec(struct teamd_db *s, const char *sql)
{
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : (store_errno(rc) ?: -EIO);
}

int sync_store_begin(struct teamd_db *s)
{
        return exec(s, "BEGIN IMMEDIATE");
}

int sync_store_begin_unsynced(struct teamd_db *s)
{
        int r = exec(s, "PRAGMA synchronous = NORMAL");

        if (r == 0)
                r = exec(s, "BEGIN IMMEDIATE");
        if (r < 0)
                exec(s, "PRAGMA synchronous = FULL");
        return r;
}

int sync_store_commit(struct teamd_db *s)
{
        int r = exec(s, "COMMIT");

        if (r < 0)
                sync_store_rollback(s);
        exec(s, "PRAGMA synchronous = FULL");
        return r;
}

void sync_store_rollback(struct teamd_db *s)
{
        if (!sqlite3_get_autocommit(s->db))
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        exec(s, "PRAGMA synchronous = FULL");
}

static int prepare(struct teamd_db *s, const char *sql, sqlite3_stmt **st)
{
        int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

        return rc == SQLITE_OK ? 0 : (store_errno(rc) ?: -EIO);
}

/* Steps a statement that returns no row, then finalizes it. */
static int step_done(sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : (store_errno(rc) ?: -EIO);
}

int sync_store_get_cursor(struct teamd_db *s, char *buf, size_t size)
{
        sqlite3_stmt *st = NULL;
        int r, rc;

        if (size == 0)
                return -EINVAL;
        buf[0] = '\0';
        r = prepare(s, "SELECT value FROM sync_state WHERE name = '" CURSOR_NAME "'", &st);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                const unsigned char *t = sqlite3_column_text(st, 0);
                size_t n = t ? strlen((const char *)t) : 0;

                if (n >= size)
                        r = -EBADMSG;
                else if (t)
                        memcpy(buf, t, n + 1);
        } else if (rc != SQLITE_DONE) {
                r = store_errno(rc) ?: -EIO;
        }
        sqlite3_finalize(st);
        return r;
}

int sync_store_set_cursor(struct teamd_db *s, const char *cursor)
{
        sqlite3_stmt *st = NULL;
        int r = prepare(s, "INSERT INTO sync_state (name, value) VALUES ('" CURSOR_NAME "', ?1)"
                           " ON CONFLICT (name) DO UPDATE SET value = excluded.value", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, cursor, -1, SQLITE_STATIC);
        return step_done(st);
}

int sync_store_is_revoked(struct teamd_db *s, const char *id, bool *revoked)
{
        sqlite3_stmt *st = NULL;
        int r = prepare(s, "SELECT 1 FROM revoked WHERE id = ?1", &st);
        int rc;

        *revoked = false;
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *revoked = true;
        else if (rc != SQLITE_DONE)
                r = store_errno(rc) ?: -EIO;
        sqlite3_finalize(st);
        return r;
}

/* The stored grant's sub, role and exp (row->id NULL when absent). */
static int grant_get(struct teamd_db *s, const char *id, struct grant_row *row)
{
        sqlite3_stmt *st = NULL;
        int r = prepare(s, "SELECT id, sub, role, exp, req FROM grants WHERE id = ?1", &st);
        int rc;

        memset(row, 0, sizeof(*row));
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                r = store_column_text(st, 0, &row->id);
                if (r == 0)
                        r = store_column_text(st, 1, &row->sub);
                if (r == 0)
                        r = store_column_text(st, 2, &row->role);
                row->exp = sqlite3_column_int64(st, 3);
                if (r == 0)
                        r = store_column_text(st, 4, &row->req);
        } else if (rc != SQLITE_DONE) {
                r = store_errno(rc) ?: -EIO;
        }
        sqlite3_finalize(st);
        if (r < 0)
                grant_row_clear(row);
        return r;
}

/* The tombstone: the id, and the user and role when the grant was stored
 * here (NULL otherwise; db_grant_add names them if it turns up). */
static int revoked_insert(struct teamd_db *s, const char *id, const struct grant_row *g, int64_t keep_until,
                          int64_t now)
{
        sqlite3_stmt *st = NULL;
        int r = prepare(s, "INSERT INTO revoked (id, keep_until, revoked_at, sub, role) VALUES (?1, ?2, ?3, ?4, ?5)",
                        &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, keep_until);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_text(st, 4, g->sub, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, g->role, -1, SQLITE_STATIC);
        return step_done(st);
}

static int grant_delete(struct teamd_db *s, const char *id)
{
        sqlite3_stmt *st = NULL;
        int r = prepare(s, "DELETE FROM grants WHERE id = ?1", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        return step_done(st);
}

int sync_store_revoke(struct teamd_db *s, const char *id, int64_t now, struct grant_row *row)
{
        struct grant_row g;
        bool already = false;
        int64_t keep_until;
        int r;

        if (row)
                memset(row, 0, sizeof(*row));
        r = sync_store_is_revoked(s, id, &already);
        if (r < 0)
                return r;
        if (already)
                return 1;
        r = grant_get(s, id, &g);
        if (r < 0)
                return r;
        keep_until = g.id ? g.exp + GRANT_STORE_KEEP_EXPIRED : now + SYNC_REVOKED_KEEP;
        r = revoked_insert(s, id, &g, keep_until, now);
        if (r == 0 && g.id)
                r = grant_delete(s, id);
        if (r == 0 && row) {
                *row = g;
                return 0;
        }
        grant_row_clear(&g);
        return r;
}

int sync_store_purge_revoked(struct teamd_db *s, int64_t now)
{
        sqlite3_stmt *st = NULL;
        int r = prepare(s, "DELETE FROM revoked WHERE keep_until <= ?1", &st);

        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        return step_done(st);
}
