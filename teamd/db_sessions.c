/* SPDX-License-Identifier: BSD-3-Clause */
/* The sessions table of the grant store: PAM session open/close records. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>

#include "db_private.h"

int db_session_open(struct teamd_db *s, const struct session_info *info, int64_t now, char **id_out)
{
        char idbuf[SD_ID128_STRING_MAX];
        sd_id128_t id;
        sqlite3_stmt *st;
        int r, rc;

        *id_out = NULL;
        r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        sd_id128_to_string(id, idbuf);
        st = store_stmt(s, STMT_SESSION_INSERT);
        sqlite3_bind_text(st, 1, idbuf, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, info->grant_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, info->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, info->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, info->service, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, info->tty, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, info->rhost, -1, SQLITE_STATIC);
        if (info->pid > 0)
                sqlite3_bind_int64(st, 8, info->pid);
        sqlite3_bind_int64(st, 9, now);
        sqlite3_bind_text(st, 10, info->breakglass_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_errno(rc) ?: -EIO;
        *id_out = strdup(idbuf);
        return *id_out ? 0 : -ENOMEM;
}

static int session_read(sqlite3_stmt *st, struct session_row *out)
{
        int r;

        memset(out, 0, sizeof(*out));
        r = store_column_text(st, 0, &out->id);
        if (r == 0)
                r = store_column_text(st, 1, &out->grant_id);
        if (r == 0)
                r = store_column_text(st, 2, &out->user);
        if (r == 0)
                r = store_column_text(st, 3, &out->role);
        if (r == 0)
                r = store_column_text(st, 4, &out->service);
        if (r == 0)
                r = store_column_text(st, 5, &out->tty);
        if (r == 0)
                r = store_column_text(st, 6, &out->rhost);
        out->pid = (pid_t)sqlite3_column_int64(st, 7);
        out->opened_at = sqlite3_column_int64(st, 8);
        out->closed_at = sqlite3_column_int64(st, 9);
        if (r == 0)
                r = store_column_text(st, 10, &out->hold);
        out->leader_start = (uint64_t)sqlite3_column_int64(st, 11);
        if (r == 0)
                r = store_column_text(st, 12, &out->logind_session);
        if (r == 0)
                r = store_column_text(st, 13, &out->unit);
        if (r == 0)
                r = store_column_text(st, 14, &out->cgroup);
        out->exp = sqlite3_column_int64(st, 15);
        if (r == 0)
                r = store_column_text(st, 16, &out->end_reason);
        out->warned = sqlite3_column_int64(st, 17);
        if (r == 0)
                r = store_column_text(st, 18, &out->breakglass_id);
        if (r < 0)
                session_row_clear(out);
        return r;
}

int db_session_get(struct teamd_db *s, const char *id, struct session_row *out)
{
        sqlite3_stmt *st = store_stmt(s, STMT_SESSION_GET);
        int rc, r;

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                r = session_read(st, out);
        else if (rc == SQLITE_DONE)
                r = -ENOENT;
        else
                r = store_errno(rc) ?: -EIO;
        sqlite3_reset(st);
        return r;
}

int db_session_close(struct teamd_db *s, const char *id, int64_t now, struct session_row *out)
{
        sqlite3_stmt *st;
        int r, rc;

        r = db_session_get(s, id, out);
        if (r < 0)
                return r;
        if (out->closed_at != 0)
                return -EALREADY;
        st = store_stmt(s, STMT_SESSION_CLOSE);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                session_row_clear(out);
                return store_errno(rc) ?: -EIO;
        }
        out->closed_at = now;
        return 0;
}

void session_row_clear(struct session_row *r)
{
        if (!r)
                return;
        free(r->id);
        free(r->grant_id);
        free(r->user);
        free(r->role);
        free(r->service);
        free(r->tty);
        free(r->rhost);
        free(r->hold);
        free(r->logind_session);
        free(r->unit);
        free(r->cgroup);
        free(r->end_reason);
        free(r->breakglass_id);
        memset(r, 0, sizeof(*r));
}

void session_rows_free(struct session_row *rows, size_t n)
{
        for (size_t i = 0; rows && i < n; i++)
                session_row_clear(&rows[i]);
        free(rows);
}

/* Steps an UPDATE; -ENOENT when it changed no row. */
static int step_update(struct teamd_db *s, sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_errno(rc) ?: -EIO;
        return sqlite3_changes(s->db) > 0 ? 0 : -ENOENT;
}

int db_session_set_hold(struct teamd_db *s, const char *id, const struct session_hold_info *h)
{
        sqlite3_stmt *st = store_stmt(s, STMT_SESSION_SET_HOLD);

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, h->hold, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (int64_t)h->leader_start);
        sqlite3_bind_text(st, 4, h->logind_session, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, h->unit, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, h->cgroup, -1, SQLITE_STATIC);
        if (h->exp > 0)
                sqlite3_bind_int64(st, 7, h->exp);
        return step_update(s, st);
}

int db_session_count_open(struct teamd_db *s, uint64_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_SESSION_COUNT_OPEN);
        int rc = sqlite3_step(st);

        *n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        return rc == SQLITE_ROW ? 0 : store_errno(rc) ?: -EIO;
}

int db_session_list_open(struct teamd_db *s, const char *user, size_t max, struct session_row **rows,
                                  size_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_SESSION_LIST_OPEN);
        struct session_row *v = NULL;
        size_t len = 0, cap = 0;
        int rc, r = 0;

        *rows = NULL;
        *n = 0;
        sqlite3_bind_int64(st, 1, (int64_t)max);
        if (user)
                sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 2);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (len == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        struct session_row *nv = reallocarray(v, ncap, sizeof(*v));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                        cap = ncap;
                }
                r = session_read(st, &v[len]);
                if (r < 0)
                        break;
                len++;
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = store_errno(rc) ?: -EIO;
        sqlite3_reset(st);
        if (r < 0) {
                session_rows_free(v, len);
                return r;
        }
        *rows = v;
        *n = len;
        return 0;
}

int db_session_move(struct teamd_db *s, const char *id, const char *grant_id, int64_t exp)
{
        sqlite3_stmt *st = store_stmt(s, STMT_SESSION_MOVE);

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, grant_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, exp);
        return step_update(s, st);
}

int db_session_end(struct teamd_db *s, const char *id, int64_t now, const char *reason)
{
        sqlite3_stmt *st = store_stmt(s, STMT_SESSION_END);

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
        return step_update(s, st);
}

int db_session_set_warned(struct teamd_db *s, const char *id, int64_t before)
{
        sqlite3_stmt *st = store_stmt(s, STMT_SESSION_SET_WARNED);

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, before);
        return step_update(s, st);
}
