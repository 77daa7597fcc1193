/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the code of teamd's tables only (db*.c, sync/sync_store.c,
 * audit/outbox*.c). */
#pragma once

#include <sqlite3.h>

#include "db.h"

/* The columns every grant SELECT returns, in row_read() order. */
#define GRANT_COLUMNS "id, sub, role, aud, nbf, exp, iat, req, rsn, received_at"
/* The columns every session SELECT returns, in session_read() order. */
#define SESSION_COLUMNS                                                                                      \
        "id, grant_id, user, role, service, tty, rhost, pid, opened_at, coalesce(closed_at, 0),"            \
        " hold, coalesce(leader_start, 0), logind_session, unit, cgroup, coalesce(exp, 0), end_reason,"            \
        " coalesce(warned, 0), breakglass_id"

enum store_stmt {
        STMT_GRANT_INSERT,
        STMT_GRANT_GET_JWS,
        STMT_GRANT_FIND,
        STMT_GRANT_LIST_USER,
        STMT_GRANT_COUNT_ALL,
        STMT_GRANT_COUNT_CURRENT,
        STMT_GRANT_PURGE,
        STMT_GRANT_ENDED,
        STMT_GRANT_NEXT_EXP,
        STMT_SESSION_INSERT,
        STMT_SESSION_GET,
        STMT_SESSION_CLOSE,
        STMT_GRANT_LIST_ALL,
        STMT_TOMBSTONE_GET,
        STMT_TOMBSTONE_NAME,
        STMT_TOMBSTONE_FOR,
        STMT_SESSION_SET_HOLD,
        STMT_SESSION_LIST_OPEN,
        STMT_SESSION_MOVE,
        STMT_SESSION_END,
        STMT_SESSION_SET_WARNED,
        STMT_SESSION_COUNT_OPEN,
        STMT__MAX
};

struct teamd_db {
        sqlite3 *db;
        sqlite3_stmt *stmt[STMT__MAX];
        uint64_t max_grants;
};

/* sqlite result code -> -errno. */
int store_errno(int rc);
/* Resets and clears bindings; returns the statement ready to bind. */
sqlite3_stmt *store_stmt(struct teamd_db *s, enum store_stmt which);
/* Copies a TEXT column (NULL stays NULL); -ENOMEM on failure. */
int store_column_text(sqlite3_stmt *st, int col, char **out);

/* The revoked table's side of db_grant_add (db_tombstones.c): 1 when
 * g's id has a tombstone (which then names g's user and role, if it did not
 * yet), 0 when not, or -errno. */
int store_tombstone_check(struct teamd_db *s, const struct team_grant *g);
