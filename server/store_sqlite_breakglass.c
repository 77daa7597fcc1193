/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: break-glass uses reported by hosts, kept for review. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

#define BG_COLUMNS "id, host, user, role, service, tty, rhost, used_at, window_end, slot, received_at, " \
                   "ack_by, ack_at, ack_comment"

void srv_breakglass_use_clear(struct srv_breakglass_use *u)
{
        if (!u)
                return;
        srv_str_free(u->id); srv_str_free(u->host); srv_str_free(u->user); srv_str_free(u->role);
        srv_str_free(u->service); srv_str_free(u->tty); srv_str_free(u->rhost); srv_str_free(u->ack_by);
        srv_str_free(u->ack_comment);
        memset(u, 0, sizeof(*u));
}

void srv_breakglass_list_free(struct srv_breakglass_use *list, size_t n)
{
        for (size_t i = 0; list && i < n; i++)
                srv_breakglass_use_clear(&list[i]);
        free(list);
}

int sq_breakglass_insert(struct srv_store *base, const struct srv_breakglass_use *u)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        if (!u->id || !u->host || !u->user || !u->role)
                return -EINVAL;
        sq_lock(s);
        r = sq_prepare(s, "INSERT INTO breakglass_uses(id, host, user, role, service, tty, rhost, used_at, "
                          "window_end, slot, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                       &st);
        if (r == 0) {
                sq_bind_text(st, 1, u->id);
                sq_bind_text(st, 2, u->host);
                sq_bind_text(st, 3, u->user);
                sq_bind_text(st, 4, u->role);
                sq_bind_text(st, 5, u->service);
                sq_bind_text(st, 6, u->tty);
                sq_bind_text(st, 7, u->rhost);
                sqlite3_bind_int64(st, 8, u->used_at);
                sqlite3_bind_int64(st, 9, u->window_end);
                sqlite3_bind_int64(st, 10, u->slot);
                sqlite3_bind_int64(st, 11, u->received_at);
                r = sq_step_done(s, st);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

static int read_use(sqlite3_stmt *st, void *elem, void *ctx)
{
        struct srv_breakglass_use *u = elem;
        int r = 0;

        (void)ctx;
        memset(u, 0, sizeof(*u));
        r = r ?: sq_col_str(st, 0, &u->id);
        r = r ?: sq_col_str(st, 1, &u->host);
        r = r ?: sq_col_str(st, 2, &u->user);
        r = r ?: sq_col_str(st, 3, &u->role);
        r = r ?: sq_col_str(st, 4, &u->service);
        r = r ?: sq_col_str(st, 5, &u->tty);
        r = r ?: sq_col_str(st, 6, &u->rhost);
        u->used_at = sqlite3_column_int64(st, 7);
        u->window_end = sqlite3_column_int64(st, 8);
        u->slot = sqlite3_column_int64(st, 9);
        u->received_at = sqlite3_column_int64(st, 10);
        r = r ?: sq_col_str(st, 11, &u->ack_by);
        u->ack_at = sqlite3_column_int64(st, 12);
        r = r ?: sq_col_str(st, 13, &u->ack_comment);
        return r;
}

int sq_breakglass_list(struct srv_store *base, bool all, size_t max, struct srv_breakglass_use **out, size_t *n)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        void *list = NULL;
        size_t count = 0;
        int r;

        *out = NULL;
        *n = 0;
        sq_lock(s);
        r = sq_prepare(s, all ? "SELECT " BG_COLUMNS " FROM breakglass_uses ORDER BY used_at DESC LIMIT ?1"
                              : "SELECT " BG_COLUMNS " FROM breakglass_uses WHERE ack_at = 0 "
                                "ORDER BY used_at DESC LIMIT ?1",
                       &st);
        if (r == 0) {
                sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
                r = sq_collect(st, sizeof(struct srv_breakglass_use), read_use, NULL, &list, &count);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0) {
                srv_breakglass_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}

int sq_breakglass_ack(struct srv_store *base, const char *id, const char *by, int64_t at, const char *comment)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, "UPDATE breakglass_uses SET ack_by = ?2, ack_at = ?3, ack_comment = ?4 "
                          "WHERE id = ?1 AND ack_at = 0", &st);
        if (r == 0) {
                sq_bind_text(st, 1, id);
                sq_bind_text(st, 2, by);
                sqlite3_bind_int64(st, 3, at);
                sq_bind_text(st, 4, comment);
                r = sq_step_changed(s, st);
        }
        sqlite3_finalize(st);
        if (r == -ENOENT) {
                /* Unknown, or acknowledged already? */
                sqlite3_stmt *q = NULL;

                if (sq_prepare(s, "SELECT 1 FROM breakglass_uses WHERE id = ?1", &q) == 0) {
                        sq_bind_text(q, 1, id);
                        if (sq_step_row(q) == 0)
                                r = -EALREADY;
                }
                sqlite3_finalize(q);
        }
        sq_unlock(s);
        return r;
}
