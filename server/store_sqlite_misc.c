/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: audit records. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

#define AUDIT_LIST_MAX 10000

int sq_audit_append(struct srv_store *base, struct srv_audit_record *a)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        if (!a->event || !a->actor)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, "INSERT INTO audit(at, event, actor, request_id, grant_id, user, role, host, reason) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st);
        if (r == 0) {
                sqlite3_bind_int64(st, 1, a->at);
                sq_bind_text(st, 2, a->event);
                sq_bind_text(st, 3, a->actor);
                sq_bind_text(st, 4, a->request_id);
                sq_bind_text(st, 5, a->grant_id);
                sq_bind_text(st, 6, a->user);
                sq_bind_text(st, 7, a->role);
                sq_bind_text(st, 8, a->host);
                sq_bind_text(st, 9, a->reason);
                r = sq_step_done(s, st);
                if (r == 0)
                        a->id = sqlite3_last_insert_rowid(s->db);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

static int read_audit_row(sqlite3_stmt *st, void *elem, void *ctx)
{
        struct srv_audit_record *a = elem;
        int r = 0;

        (void)ctx;
        memset(a, 0, sizeof(*a));
        a->id = sqlite3_column_int64(st, 0);
        a->at = sqlite3_column_int64(st, 1);
        r = r ?: sq_col_str(st, 2, &a->event);
        r = r ?: sq_col_str(st, 3, &a->actor);
        r = r ?: sq_col_str(st, 4, &a->request_id);
        r = r ?: sq_col_str(st, 5, &a->grant_id);
        r = r ?: sq_col_str(st, 6, &a->user);
        r = r ?: sq_col_str(st, 7, &a->role);
        r = r ?: sq_col_str(st, 8, &a->host);
        r = r ?: sq_col_str(st, 9, &a->reason);
        return r;
}

int sq_audit_list(struct srv_store *base, const char *request_id, struct srv_audit_record **out, size_t *n)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        void *list = NULL;
        size_t count = 0;
        int r;

        *out = NULL;
        *n = 0;
        sq_lock(s);
        r = sq_prepare(s, "SELECT id, at, event, actor, request_id, grant_id, user, role, host, reason FROM audit "
                          "WHERE ?1 IS NULL OR request_id = ?1 ORDER BY id LIMIT ?2", &st);
        if (r < 0)
                goto out;
        sq_bind_text(st, 1, request_id);
        sqlite3_bind_int(st, 2, AUDIT_LIST_MAX);
        r = sq_collect(st, sizeof(struct srv_audit_record), read_audit_row, NULL, &list, &count);
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0) {
                srv_audit_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}
