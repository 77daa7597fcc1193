/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: audit records and the durable webhook queue. */
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
        r = r ?: sq_col_dup(st, 2, &a->event);
        r = r ?: sq_col_dup(st, 3, &a->actor);
        r = r ?: sq_col_dup(st, 4, &a->request_id);
        r = r ?: sq_col_dup(st, 5, &a->grant_id);
        r = r ?: sq_col_dup(st, 6, &a->user);
        r = r ?: sq_col_dup(st, 7, &a->role);
        r = r ?: sq_col_dup(st, 8, &a->host);
        r = r ?: sq_col_dup(st, 9, &a->reason);
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

int sq_webhook_enqueue(struct srv_store *base, struct srv_webhook_job *j)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        if (!j->target || !j->event || !j->body)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, "INSERT INTO webhook_jobs(target, event, body, created_at, next_at, attempts, last_error) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st);
        if (r == 0) {
                sq_bind_text(st, 1, j->target);
                sq_bind_text(st, 2, j->event);
                sq_bind_text(st, 3, j->body);
                sqlite3_bind_int64(st, 4, j->created_at);
                sqlite3_bind_int64(st, 5, j->next_at);
                sqlite3_bind_int64(st, 6, j->attempts);
                sq_bind_text(st, 7, j->last_error);
                r = sq_step_done(s, st);
                if (r == 0)
                        j->id = sqlite3_last_insert_rowid(s->db);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

int sq_webhook_job_read(sqlite3_stmt *st, struct srv_webhook_job *out)
{
        int r = sq_step_row(st);

        if (r < 0)
                return r;
        out->id = sqlite3_column_int64(st, 0);
        out->created_at = sqlite3_column_int64(st, 4);
        out->next_at = sqlite3_column_int64(st, 5);
        out->attempts = (unsigned)sqlite3_column_int64(st, 6);
        r = r ?: sq_col_dup(st, 1, &out->target);
        r = r ?: sq_col_dup(st, 2, &out->event);
        r = r ?: sq_col_dup(st, 3, &out->body);
        return r ?: sq_col_dup(st, 7, &out->last_error);
}

int sq_webhook_next_due(struct srv_store *base, int64_t now, struct srv_webhook_job *out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        sq_lock(s);
        r = sq_prepare(s, "SELECT " SQ_WEBHOOK_COLUMNS " FROM webhook_jobs WHERE next_at <= ?1 "
                          "ORDER BY next_at, id LIMIT 1", &st);
        if (r == 0) {
                sqlite3_bind_int64(st, 1, now);
                r = sq_webhook_job_read(st, out);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0)
                srv_webhook_job_clear(out);
        return r;
}

int sq_webhook_done(struct srv_store *base, int64_t id)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, "DELETE FROM webhook_jobs WHERE id = ?1", &st);
        if (r == 0) {
                sqlite3_bind_int64(st, 1, id);
                r = sq_step_changed(s, st);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

int sq_webhook_retry(struct srv_store *base, int64_t id, int64_t next_at, unsigned attempts, const char *last_error)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, "UPDATE webhook_jobs SET next_at = ?2, attempts = ?3, last_error = ?4 WHERE id = ?1", &st);
        if (r == 0) {
                sqlite3_bind_int64(st, 1, id);
                sqlite3_bind_int64(st, 2, next_at);
                sqlite3_bind_int64(st, 3, attempts);
                sq_bind_text(st, 4, last_error);
                r = sq_step_changed(s, st);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

int sq_webhook_next_at(struct srv_store *base, int64_t *out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, "SELECT min(next_at) FROM webhook_jobs", &st);
        if (r == 0) {
                if (sqlite3_step(st) != SQLITE_ROW)
                        r = -EIO;
                else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
                        r = -ENOENT;
                else
                        *out = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}
