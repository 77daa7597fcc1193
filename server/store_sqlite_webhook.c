/* The sqlite store: the webhook queue's per-target head (added by the
 * webhook engineer; the rest of the queue is in store_sqlite_misc.c). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "store_sqlite.h"

int sq_webhook_head(struct srv_store *base, const char *target, struct srv_webhook_job *out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r, rc;

        memset(out, 0, sizeof(*out));
        if (!target)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, "SELECT id, target, event, body, created_at, next_at, attempts, last_error "
                          "FROM webhook_jobs WHERE target = ?1 AND next_at < ?2 ORDER BY id LIMIT 1", &st);
        if (r < 0)
                goto out;
        r = sq_bind_text(st, 1, target);
        if (r < 0)
                goto out;
        sqlite3_bind_int64(st, 2, SRV_WEBHOOK_GAVE_UP);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                r = rc == SQLITE_DONE ? -ENOENT : -EIO;
                goto out;
        }
        out->id = sqlite3_column_int64(st, 0);
        out->created_at = sqlite3_column_int64(st, 4);
        out->next_at = sqlite3_column_int64(st, 5);
        out->attempts = (unsigned)sqlite3_column_int64(st, 6);
        r = r ?: sq_col_dup(st, 1, &out->target);
        r = r ?: sq_col_dup(st, 2, &out->event);
        r = r ?: sq_col_dup(st, 3, &out->body);
        r = r ?: sq_col_dup(st, 7, &out->last_error);
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0)
                srv_webhook_job_clear(out);
        return r;
}
