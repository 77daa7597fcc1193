/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: the webhook queue's per-target head (the rest of the
 * queue is in store_sqlite_misc.c). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "store_sqlite.h"

int sq_webhook_head(struct srv_store *base, const char *target, struct srv_webhook_job *out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        if (!target)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, "SELECT " SQ_WEBHOOK_COLUMNS " FROM webhook_jobs WHERE target = ?1 AND next_at < ?2 "
                          "ORDER BY id LIMIT 1", &st);
        if (r < 0)
                goto out;
        r = sq_bind_text(st, 1, target);
        if (r < 0)
                goto out;
        sqlite3_bind_int64(st, 2, SRV_WEBHOOK_GAVE_UP);
        r = sq_webhook_job_read(st, out);
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0)
                srv_webhook_job_clear(out);
        return r;
}
