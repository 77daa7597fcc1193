/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: the durable webhook queue, all of its SQL. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "store_sqlite.h"

/* The columns read_job() expects, in its order. */
#define JOB_COLUMNS "id, target, event, body, created_at, next_at, attempts, last_error"

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

/* Steps st once and reads the job: 0, -ENOENT when there is none, -EIO, -ENOMEM. */
static int read_job(sqlite3_stmt *st, struct srv_webhook_job *out)
{
        int r = sq_step_row(st);

        if (r < 0)
                return r;
        out->id = sqlite3_column_int64(st, 0);
        out->created_at = sqlite3_column_int64(st, 4);
        out->next_at = sqlite3_column_int64(st, 5);
        out->attempts = (unsigned)sqlite3_column_int64(st, 6);
        r = r ?: sq_col_str(st, 1, &out->target);
        r = r ?: sq_col_str(st, 2, &out->event);
        r = r ?: sq_col_str(st, 3, &out->body);
        return r ?: sq_col_str(st, 7, &out->last_error);
}

int sq_webhook_next_due(struct srv_store *base, int64_t now, struct srv_webhook_job *out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        sq_lock(s);
        r = sq_prepare(s, "SELECT " JOB_COLUMNS " FROM webhook_jobs WHERE next_at <= ?1 "
                          "ORDER BY next_at, id LIMIT 1", &st);
        if (r == 0) {
                sqlite3_bind_int64(st, 1, now);
                r = read_job(st, out);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0)
                srv_webhook_job_clear(out);
        return r;
}

int sq_webhook_head(struct srv_store *base, const char *target, struct srv_webhook_job *out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        if (!target)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, "SELECT " JOB_COLUMNS " FROM webhook_jobs WHERE target = ?1 AND next_at < ?2 "
                          "ORDER BY id LIMIT 1", &st);
        if (r < 0)
                goto out;
        r = sq_bind_text(st, 1, target);
        if (r < 0)
                goto out;
        sqlite3_bind_int64(st, 2, SRV_WEBHOOK_GAVE_UP);
        r = read_job(st, out);
out:
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

int sq_webhook_depth(struct srv_store *s, uint64_t *out)
{
        return sq_count(sq(s), "SELECT count(*) FROM webhook_jobs", 0, 0, out);
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
