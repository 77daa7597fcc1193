/* SPDX-License-Identifier: BSD-3-Clause */
/* The grant store's database: file creation, schema migrations, prepared
 * statements. The rows themselves are in db_grants.c, db_tombstones.c and db_sessions.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_private.h"
#include "audit/outbox_private.h"

#define BUSY_TIMEOUT_MS 2000

/* Schema migrations: entry i takes user_version i to i+1. Append only. */
static const char *const migrations[] = {
        "CREATE TABLE grants ("
        " id TEXT PRIMARY KEY NOT NULL, sub TEXT NOT NULL, role TEXT NOT NULL,"
        " aud TEXT NOT NULL, nbf INTEGER NOT NULL, exp INTEGER NOT NULL,"
        " iat INTEGER NOT NULL, req TEXT, rsn TEXT, jws TEXT NOT NULL,"
        " received_at INTEGER NOT NULL);"
        "CREATE INDEX grants_sub_role ON grants (sub, role);"
        "CREATE INDEX grants_exp ON grants (exp);"
        "CREATE TABLE sessions ("
        " id TEXT PRIMARY KEY NOT NULL, grant_id TEXT, user TEXT NOT NULL,"
        " role TEXT NOT NULL, service TEXT, tty TEXT, rhost TEXT, pid INTEGER,"
        " opened_at INTEGER NOT NULL, closed_at INTEGER);",
        /* 1 -> 2, grant sync (teamd/sync/sync_store.c): the feed cursor, and the
         * ids of revoked grants (kept until the grant's exp, or 30 days when
         * it was never stored) so that a replayed feed never brings one back. */
        "CREATE TABLE sync_state (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
        "CREATE TABLE revoked (id TEXT PRIMARY KEY NOT NULL, keep_until INTEGER NOT NULL,"
        " received_at INTEGER NOT NULL);"
        "CREATE INDEX revoked_keep_until ON revoked (keep_until);",
        /* 2 -> 3, the audit outbox (teamd/audit/outbox.c). */
        OUTBOX_SCHEMA_SQL,
        /* 3 -> 4, tombstones: a revoked id also names the user and role it
         * was for (when known), so that a revocation is a cached "no" that
         * fail-open respects (teamd/db_tombstones.c). */
        "ALTER TABLE revoked RENAME COLUMN received_at TO revoked_at;"
        "ALTER TABLE revoked ADD COLUMN sub TEXT;"
        "ALTER TABLE revoked ADD COLUMN role TEXT;"
        "CREATE INDEX revoked_sub_role ON revoked (sub, role);",
        /* 4 -> 5, ending elevated sessions (teamd/session_watch.c): how each
         * session is held (scope, logind, cgroup, tree or none), its leader's
         * start time (with pid, what names the process), the logind session
         * id, the scope unit and cgroup, the end of the grant it runs under,
         * why teamd ended it, and the last warning written to its tty (seconds
         * before exp; 0: none yet). */
        "ALTER TABLE sessions ADD COLUMN hold TEXT;"
        "ALTER TABLE sessions ADD COLUMN leader_start INTEGER;"
        "ALTER TABLE sessions ADD COLUMN logind_session TEXT;"
        "ALTER TABLE sessions ADD COLUMN unit TEXT;"
        "ALTER TABLE sessions ADD COLUMN cgroup TEXT;"
        "ALTER TABLE sessions ADD COLUMN exp INTEGER;"
        "ALTER TABLE sessions ADD COLUMN end_reason TEXT;"
        "ALTER TABLE sessions ADD COLUMN warned INTEGER;"
        "CREATE INDEX sessions_open ON sessions (opened_at) WHERE closed_at IS NULL;",
        /* 5 -> 6, break-glass sessions (teamd/session_breakglass.c): the
         * use a session runs under instead of a grant, once per use. */
        ("ALTER TABLE sessions ADD COLUMN breakglass_id TEXT;"
         "CREATE UNIQUE INDEX sessions_breakglass ON sessions (breakglass_id) WHERE breakglass_id IS NOT NULL;"),
        /* 6 -> 7, the host's audit chain (teamd/audit/outbox_chain.c). */
        CHAIN_SCHEMA_SQL,
        /* 7 -> 8, its head kept in the newest outbox row. */
        CHAIN_HEAD_IN_ROWS_SQL,
};
#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

static const char *const stmt_sql[STMT__MAX] = {
        [STMT_GRANT_INSERT] = "INSERT INTO grants (id, sub, role, aud, nbf, exp, iat, req, rsn, jws, received_at)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        [STMT_GRANT_GET_JWS] = "SELECT jws FROM grants WHERE id = ?1",
        [STMT_GRANT_FIND] = "SELECT " GRANT_COLUMNS " FROM grants"
                            " WHERE sub = ?1 AND role = ?2 AND exp > ?3 ORDER BY exp DESC",
        [STMT_GRANT_LIST_USER] = "SELECT " GRANT_COLUMNS " FROM grants"
                                 " WHERE sub = ?1 AND exp > ?2 ORDER BY nbf, id LIMIT ?3",
        [STMT_GRANT_COUNT_ALL] = "SELECT count(*) FROM grants",
        [STMT_GRANT_COUNT_CURRENT] = "SELECT count(*) FROM grants WHERE exp > ?1",
        [STMT_GRANT_PURGE] = "DELETE FROM grants WHERE exp <= ?1",
        [STMT_GRANT_ENDED] = "SELECT " GRANT_COLUMNS " FROM grants WHERE exp >= ?1 AND exp < ?2 ORDER BY exp",
        [STMT_GRANT_NEXT_EXP] = "SELECT min(exp) FROM grants WHERE exp > ?1",
        [STMT_SESSION_INSERT] = "INSERT INTO sessions (id, grant_id, user, role, service, tty, rhost, pid, opened_at,"
                                " breakglass_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        [STMT_SESSION_GET] = "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1",
        [STMT_SESSION_CLOSE] = "UPDATE sessions SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL",
        [STMT_GRANT_LIST_ALL] = "SELECT " GRANT_COLUMNS " FROM grants WHERE exp > ?1 ORDER BY sub, nbf, id LIMIT ?2",
        [STMT_TOMBSTONE_GET] = "SELECT sub FROM revoked WHERE id = ?1",
        [STMT_TOMBSTONE_NAME] = "UPDATE revoked SET sub = ?2, role = ?3, keep_until = max(keep_until, ?4)"
                                " WHERE id = ?1 AND sub IS NULL",
        [STMT_TOMBSTONE_FOR] = "SELECT 1 FROM revoked WHERE sub = ?1 AND role = ?2 AND keep_until > ?3 LIMIT 1",
        [STMT_SESSION_SET_HOLD] = "UPDATE sessions SET hold = ?2, leader_start = ?3, logind_session = ?4, unit = ?5,"
                                  " cgroup = ?6, exp = ?7 WHERE id = ?1",
        [STMT_SESSION_LIST_OPEN] = "SELECT " SESSION_COLUMNS " FROM sessions WHERE closed_at IS NULL"
                                   " AND (?2 IS NULL OR user = ?2) ORDER BY opened_at, id LIMIT ?1",
        [STMT_SESSION_COUNT_OPEN] = "SELECT count(*) FROM sessions WHERE closed_at IS NULL",
        [STMT_SESSION_MOVE] = "UPDATE sessions SET grant_id = ?2, exp = ?3, warned = NULL"
                              " WHERE id = ?1 AND closed_at IS NULL",
        [STMT_SESSION_SET_WARNED] = "UPDATE sessions SET warned = ?2 WHERE id = ?1 AND closed_at IS NULL",
        [STMT_SESSION_END] = "UPDATE sessions SET closed_at = ?2, end_reason = ?3"
                             " WHERE id = ?1 AND closed_at IS NULL",
};

int store_errno(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        default:
                return -EIO;
        }
}

sqlite3_stmt *store_stmt(struct teamd_db *s, enum store_stmt which)
{
        sqlite3_stmt *st = s->stmt[which];

        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
}

int store_column_text(sqlite3_stmt *st, int col, char **out)
{
        const unsigned char *t = sqlite3_column_text(st, col);

        *out = NULL;
        if (!t)
                return sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM ? -ENOMEM : 0;
        *out = strdup((const char *)t);
        return *out ? 0 : -ENOMEM;
}

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
        char *msg = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

        if (rc != SQLITE_OK) {
                snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
                sqlite3_free(msg);
                return store_errno(rc) ?: -EIO;
        }
        return 0;
}

static int read_user_version(sqlite3 *db, int *version)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);

        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                *version = sqlite3_column_int(st, 0);
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        return rc == SQLITE_OK ? 0 : (store_errno(rc) ?: -EIO);
}

/* Applies the migrations the file has not seen, each in its own transaction. */
static int migrate(sqlite3 *db, char *err, size_t errlen)
{
        int version = 0, r;
        char sql[64];

        r = read_user_version(db, &version);
        if (r < 0) {
                snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
                return r;
        }
        if (version < 0 || (size_t)version > N_MIGRATIONS) {
                snprintf(err, errlen, "schema version %d is newer than this teamd knows (%zu)", version,
                         N_MIGRATIONS);
                return -EPROTO;
        }
        for (size_t i = (size_t)version; i < N_MIGRATIONS; i++) {
                r = exec_sql(db, "BEGIN IMMEDIATE", err, errlen);
                if (r < 0)
                        return r;
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", i + 1);
                r = exec_sql(db, migrations[i], err, errlen);
                if (r == 0)
                        r = exec_sql(db, sql, err, errlen);
                if (r < 0) {
                        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                        return r;
                }
                r = exec_sql(db, "COMMIT", err, errlen);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The database file is created here, not by sqlite, so that its mode is
 * 0600 from the first moment and a symlink planted in its place is refused. */
static int create_db_file(const char *path, char *err, size_t errlen)
{
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        struct stat st;
        int r = 0;

        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
                return r;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                r = -EINVAL;
                snprintf(err, errlen, "%s is not a regular file", path);
        } else if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot make %s private: %s", path, strerror(errno));
        }
        close(fd);
        return r;
}

int teamd_db_open_file(const char *path, uint64_t max_grants, struct teamd_db **out, char *err, size_t errlen)
{
        struct teamd_db *s;
        int r, rc;

        *out = NULL;
        r = create_db_file(path, err, errlen);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->max_grants = max_grants;
        rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX,
                             NULL);
        if (rc != SQLITE_OK) {
                snprintf(err, errlen, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
                r = store_errno(rc) ?: -EIO;
                goto fail;
        }
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        sqlite3_extended_result_codes(s->db, 1);
        r = exec_sql(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON",
                     err, errlen);
        if (r < 0)
                goto fail;
        r = migrate(s->db, err, errlen);
        if (r < 0)
                goto fail;
        for (int i = 0; i < STMT__MAX; i++) {
                rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL);
                if (rc != SQLITE_OK) {
                        snprintf(err, errlen, "cannot prepare a statement: %s", sqlite3_errmsg(s->db));
                        r = store_errno(rc) ?: -EIO;
                        goto fail;
                }
        }
        *out = s;
        return 0;
fail:
        teamd_db_close(s);
        return r;
}

int teamd_db_open(const char *state_dir, uint64_t max_grants, struct teamd_db **out, char *err, size_t errlen)
{
        char path[4096];
        int n;

        struct stat st;

        if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
                int r = -errno;
                snprintf(err, errlen, "cannot create %s: %s", state_dir, strerror(errno));
                return r;
        }
        /* Whoever could write the directory could swap the database. */
        if (lstat(state_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                snprintf(err, errlen, "%s is not a directory", state_dir);
                return -ENOTDIR;
        }
        if (st.st_uid != geteuid() || (st.st_mode & 022)) {
                snprintf(err, errlen, "%s must be owned by uid %lu and writable by it alone (chmod 0700 %s)",
                         state_dir, (unsigned long)geteuid(), state_dir);
                return -EPERM;
        }
        n = snprintf(path, sizeof(path), "%s/grants.db", state_dir);
        if (n < 0 || (size_t)n >= sizeof(path)) {
                snprintf(err, errlen, "state_dir is too long");
                return -ENAMETOOLONG;
        }
        return teamd_db_open_file(path, max_grants, out, err, errlen);
}

void teamd_db_close(struct teamd_db *s)
{
        if (!s)
                return;
        for (int i = 0; i < STMT__MAX; i++)
                sqlite3_finalize(s->stmt[i]);
        sqlite3_close(s->db);
        free(s);
}
