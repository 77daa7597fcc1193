/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: the last signed audit checkpoint of each host, its
 * registered key and its last refused checkpoint (server/checkpoints.c).
 * One process uses an sqlite database, and the store's lock held from
 * begin to commit already serialises every decision on a host. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

#define CP_COLUMNS "host, seq, head, time_usec, received_at, host_key, key_by_admin, key_at, stop_alerted_at, " \
                   "conflict, conflict_seq, conflict_head, conflict_key, conflict_time_usec, conflict_at, conflicts"

static int read_checkpoint(sqlite3_stmt *st, void *elem, void *ctx)
{
        struct srv_checkpoint *c = elem;
        int r = 0;

        (void)ctx;
        memset(c, 0, sizeof(*c));
        r = r ?: sq_col_str(st, 0, &c->host);
        c->seq = sqlite3_column_int64(st, 1);
        r = r ?: sq_col_str(st, 2, &c->head);
        c->time_usec = sqlite3_column_int64(st, 3);
        c->received_at = sqlite3_column_int64(st, 4);
        r = r ?: sq_col_str(st, 5, &c->host_key);
        c->key_by_admin = sqlite3_column_int64(st, 6) != 0;
        c->key_at = sqlite3_column_int64(st, 7);
        c->stop_alerted_at = sqlite3_column_int64(st, 8);
        r = r ?: sq_col_str(st, 9, &c->conflict);
        c->conflict_seq = sqlite3_column_int64(st, 10);
        r = r ?: sq_col_str(st, 11, &c->conflict_head);
        r = r ?: sq_col_str(st, 12, &c->conflict_key);
        c->conflict_time_usec = sqlite3_column_int64(st, 13);
        c->conflict_at = sqlite3_column_int64(st, 14);
        c->conflicts = sqlite3_column_int64(st, 15);
        return r;
}

int sq_checkpoint_get(struct srv_store *base, const char *host, struct srv_checkpoint *out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        if (!host)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, "SELECT " CP_COLUMNS " FROM host_checkpoints WHERE host = ?1", &st);
        if (r == 0) {
                sq_bind_text(st, 1, host);
                r = sq_step_row(st);
                if (r == 0)
                        r = read_checkpoint(st, out, NULL);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0)
                srv_checkpoint_clear(out);
        return r;
}

int sq_checkpoint_put(struct srv_store *base, const struct srv_checkpoint *c, bool create)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        if (!c->host)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, create ? "INSERT INTO host_checkpoints(" CP_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                                   "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
                                 : "UPDATE host_checkpoints SET seq = ?2, head = ?3, time_usec = ?4, "
                                   "received_at = ?5, host_key = ?6, key_by_admin = ?7, key_at = ?8, "
                                   "stop_alerted_at = ?9, conflict = ?10, conflict_seq = ?11, conflict_head = ?12, "
                                   "conflict_key = ?13, conflict_time_usec = ?14, conflict_at = ?15, "
                                   "conflicts = ?16 WHERE host = ?1",
                       &st);
        if (r == 0) {
                sq_bind_text(st, 1, c->host);
                sqlite3_bind_int64(st, 2, c->seq);
                sq_bind_text(st, 3, c->head);
                sqlite3_bind_int64(st, 4, c->time_usec);
                sqlite3_bind_int64(st, 5, c->received_at);
                sq_bind_text(st, 6, c->host_key);
                sqlite3_bind_int64(st, 7, c->key_by_admin ? 1 : 0);
                sqlite3_bind_int64(st, 8, c->key_at);
                sqlite3_bind_int64(st, 9, c->stop_alerted_at);
                sq_bind_text(st, 10, c->conflict);
                sqlite3_bind_int64(st, 11, c->conflict_seq);
                sq_bind_text(st, 12, c->conflict_head);
                sq_bind_text(st, 13, c->conflict_key);
                sqlite3_bind_int64(st, 14, c->conflict_time_usec);
                sqlite3_bind_int64(st, 15, c->conflict_at);
                sqlite3_bind_int64(st, 16, c->conflicts);
                r = create ? sq_step_done(s, st) : sq_step_changed(s, st);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

int sq_checkpoint_delete(struct srv_store *base, const char *host)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, "DELETE FROM host_checkpoints WHERE host = ?1", &st);
        if (r == 0) {
                sq_bind_text(st, 1, host);
                r = sq_step_changed(s, st);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

int sq_checkpoint_stale(struct srv_store *base, int64_t before, size_t max, struct srv_checkpoint **out, size_t *n)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        void *list = NULL;
        size_t count = 0;
        int r;

        *out = NULL;
        *n = 0;
        if (max == 0 || max > SRV_CHECKPOINT_LIST_MAX)
                max = SRV_CHECKPOINT_LIST_MAX;
        sq_lock(s);
        r = sq_prepare(s, "SELECT " CP_COLUMNS " FROM host_checkpoints WHERE stop_alerted_at = 0 AND seq > 0 "
                          "AND received_at <= ?1 ORDER BY received_at, host LIMIT ?2", &st);
        if (r == 0) {
                sqlite3_bind_int64(st, 1, before);
                sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
                r = sq_collect(st, sizeof(struct srv_checkpoint), read_checkpoint, NULL, &list, &count);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0) {
                srv_checkpoint_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}

int sq_checkpoint_mark_stopped(struct srv_store *base, const char *host, int64_t received_at, int64_t at)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        if (at <= 0)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, "UPDATE host_checkpoints SET stop_alerted_at = ?3 WHERE host = ?1 AND received_at = ?2 "
                          "AND stop_alerted_at = 0 AND seq > 0", &st);
        if (r == 0) {
                sq_bind_text(st, 1, host);
                sqlite3_bind_int64(st, 2, received_at);
                sqlite3_bind_int64(st, 3, at);
                r = sq_step_changed(s, st);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}
