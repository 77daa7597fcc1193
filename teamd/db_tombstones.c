/* SPDX-License-Identifier: BSD-3-Clause */
/* Tombstones: the revoked table as the grant store sees it. A revoked id
 * never comes back (db_grant_add refuses it, whoever hands it over), and
 * a revocation is a cached "no" for its user and role that fail-open
 * respects until the grant's exp (+ GRANT_STORE_KEEP_EXPIRED). The rows are
 * written by sync_store_revoke(). */
#include "config.h"

#include <errno.h>

#include "db_private.h"

int store_tombstone_check(struct teamd_db *s, const struct team_grant *g)
{
        sqlite3_stmt *st = store_stmt(s, STMT_TOMBSTONE_GET);
        bool named;
        int rc;

        sqlite3_bind_text(st, 1, g->jti, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
                sqlite3_reset(st);
                return 0;
        }
        if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                return store_errno(rc) ?: -EIO;
        }
        named = sqlite3_column_type(st, 0) != SQLITE_NULL;
        sqlite3_reset(st);
        if (named)
                return 1;
        /* Revoked before it reached this host: now we know whom it was for. */
        st = store_stmt(s, STMT_TOMBSTONE_NAME);
        sqlite3_bind_text(st, 1, g->jti, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, g->sub, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, g->role, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, g->exp + GRANT_STORE_KEEP_EXPIRED);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 1 : (store_errno(rc) ?: -EIO);
}

int db_tombstone_for(struct teamd_db *s, const char *user, const char *role, int64_t now, bool *found)
{
        sqlite3_stmt *st = store_stmt(s, STMT_TOMBSTONE_FOR);
        int rc, r = 0;

        *found = false;
        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *found = true;
        else if (rc != SQLITE_DONE)
                r = store_errno(rc) ?: -EIO;
        sqlite3_reset(st);
        return r;
}
