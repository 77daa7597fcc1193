/* The grant store: sqlite schema, migrations and grant rows. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "grant_store_private.h"

#define BUSY_TIMEOUT_MS 2000
#define GRANT_COLUMNS "id, sub, role, aud, nbf, exp, iat, req, rsn, received_at"

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
        [STMT_SESSION_INSERT] = "INSERT INTO sessions (id, grant_id, user, role, service, tty, rhost, pid, opened_at)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        [STMT_SESSION_GET] = "SELECT id, grant_id, user, role, service, tty, rhost, pid, opened_at,"
                             " coalesce(closed_at, 0) FROM sessions WHERE id = ?1",
        [STMT_SESSION_CLOSE] = "UPDATE sessions SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL",
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

sqlite3_stmt *store_stmt(struct grant_store *s, enum store_stmt which)
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

int grant_store_open_file(const char *path, uint64_t max_grants, struct grant_store **out, char *err, size_t errlen)
{
        struct grant_store *s;
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
        grant_store_close(s);
        return r;
}

int grant_store_open(const char *state_dir, uint64_t max_grants, struct grant_store **out, char *err, size_t errlen)
{
        char path[4096];
        int n;

        if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
                int r = -errno;
                snprintf(err, errlen, "cannot create %s: %s", state_dir, strerror(errno));
                return r;
        }
        n = snprintf(path, sizeof(path), "%s/grants.db", state_dir);
        if (n < 0 || (size_t)n >= sizeof(path)) {
                snprintf(err, errlen, "state_dir is too long");
                return -ENAMETOOLONG;
        }
        return grant_store_open_file(path, max_grants, out, err, errlen);
}

void grant_store_close(struct grant_store *s)
{
        if (!s)
                return;
        for (int i = 0; i < STMT__MAX; i++)
                sqlite3_finalize(s->stmt[i]);
        sqlite3_close(s->db);
        free(s);
}

static char *aud_to_json(const struct team_grant *g)
{
        struct json_object *a = json_object_new_array();
        char *out = NULL;

        if (!a)
                return NULL;
        for (size_t i = 0; i < g->n_aud; i++)
                if (json_object_array_add(a, json_object_new_string(g->aud[i])) < 0)
                        goto out;
        out = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
out:
        json_object_put(a);
        return out;
}

/* The aud column is our own JSON array of strings; anything else is a
 * corrupt row and yields no audience (so the row never matches). */
static int aud_from_json(const char *text, struct grant_row *r)
{
        struct json_object *a = text ? json_tokener_parse(text) : NULL;
        size_t n;
        int ret = 0;

        if (!a || !json_object_is_type(a, json_type_array))
                goto out;
        n = json_object_array_length(a);
        r->aud = calloc(n + 1, sizeof(char *));
        if (!r->aud) {
                ret = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                struct json_object *v = json_object_array_get_idx(a, i);
                if (!json_object_is_type(v, json_type_string))
                        continue;
                r->aud[r->n_aud] = strdup(json_object_get_string(v));
                if (!r->aud[r->n_aud]) {
                        ret = -ENOMEM;
                        goto out;
                }
                r->n_aud++;
        }
out:
        json_object_put(a);
        return ret;
}

static int grant_count_all(struct grant_store *s, uint64_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_COUNT_ALL);
        int rc = sqlite3_step(st);

        if (rc != SQLITE_ROW)
                return store_errno(rc) ?: -EIO;
        *n = (uint64_t)sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
}

/* 1: stored with the same token, -EEXIST: stored with another, 0: absent. */
static int grant_lookup(struct grant_store *s, const char *id, const char *jws)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_GET_JWS);
        int rc, r = 0;

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                const unsigned char *t = sqlite3_column_text(st, 0);
                r = (t && strcmp((const char *)t, jws) == 0) ? 1 : -EEXIST;
        } else if (rc != SQLITE_DONE) {
                r = store_errno(rc) ?: -EIO;
        }
        sqlite3_reset(st);
        return r;
}

int grant_store_add(struct grant_store *s, const struct team_grant *g, const char *jws, int64_t now)
{
        sqlite3_stmt *st;
        uint64_t count = 0;
        char *aud = NULL;
        int r, rc;

        r = grant_lookup(s, g->jti, jws);
        if (r != 0)
                return r;
        r = grant_count_all(s, &count);
        if (r == 0 && count >= s->max_grants) {
                r = grant_store_purge(s, now, NULL);
                if (r == 0)
                        r = grant_count_all(s, &count);
                if (r == 0 && count >= s->max_grants)
                        r = -ENOSPC;
        }
        if (r < 0)
                return r;
        aud = aud_to_json(g);
        if (!aud)
                return -ENOMEM;
        st = store_stmt(s, STMT_GRANT_INSERT);
        sqlite3_bind_text(st, 1, g->jti, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, g->sub, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, g->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, aud, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, g->nbf);
        sqlite3_bind_int64(st, 6, g->exp);
        sqlite3_bind_int64(st, 7, g->iat);
        sqlite3_bind_text(st, 8, g->req, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, g->rsn, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, jws, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, now);
        rc = sqlite3_step(st);
        r = rc == SQLITE_DONE ? 0 : (store_errno(rc) ?: -EIO);
        sqlite3_reset(st);
        free(aud);
        return r;
}

static int row_read(sqlite3_stmt *st, struct grant_row *r)
{
        char *aud = NULL;
        int ret;

        memset(r, 0, sizeof(*r));
        ret = store_column_text(st, 0, &r->id);
        if (ret == 0)
                ret = store_column_text(st, 1, &r->sub);
        if (ret == 0)
                ret = store_column_text(st, 2, &r->role);
        if (ret == 0)
                ret = store_column_text(st, 3, &aud);
        if (ret == 0)
                ret = aud_from_json(aud, r);
        r->nbf = sqlite3_column_int64(st, 4);
        r->exp = sqlite3_column_int64(st, 5);
        r->iat = sqlite3_column_int64(st, 6);
        if (ret == 0)
                ret = store_column_text(st, 7, &r->req);
        if (ret == 0)
                ret = store_column_text(st, 8, &r->rsn);
        r->received_at = sqlite3_column_int64(st, 9);
        if (ret == 0 && (!r->id || !r->sub || !r->role))
                ret = -EBADMSG;
        free(aud);
        if (ret < 0)
                grant_row_clear(r);
        return ret;
}

/* Steps a bound SELECT of GRANT_COLUMNS and collects at most max rows. */
static int rows_collect(sqlite3_stmt *st, size_t max, struct grant_row **rows, size_t *n)
{
        struct grant_row *v = NULL;
        size_t have = 0, cap = 0;
        int rc = SQLITE_DONE, r = 0;

        while (have < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (have == cap) {
                        size_t ncap = cap ? cap * 2 : 8;
                        struct grant_row *nv = reallocarray(v, ncap, sizeof(*v));
                        if (!nv) {
                                r = -ENOMEM;
                                goto out;
                        }
                        v = nv;
                        cap = ncap;
                }
                r = row_read(st, &v[have]);
                if (r < 0)
                        goto out;
                have++;
        }
        if (have < max && rc != SQLITE_DONE)
                r = store_errno(rc) ?: -EIO;
out:
        sqlite3_reset(st);
        if (r < 0) {
                grant_rows_free(v, have);
                v = NULL;
                have = 0;
        }
        *rows = v;
        *n = have;
        return r;
}

int grant_store_find(struct grant_store *s, const char *user, const char *role, int64_t now,
                     struct grant_row **rows, size_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_FIND);

        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now - GRANT_STORE_KEEP_EXPIRED);
        return rows_collect(st, SIZE_MAX, rows, n);
}

int grant_store_list_user(struct grant_store *s, const char *user, int64_t now, size_t max,
                          struct grant_row **rows, size_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_LIST_USER);

        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
        return rows_collect(st, max, rows, n);
}

int grant_store_list_ended(struct grant_store *s, int64_t from, int64_t to, struct grant_row **rows, size_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_ENDED);

        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        return rows_collect(st, 1000, rows, n);
}

int grant_store_count_current(struct grant_store *s, int64_t now, uint64_t *n)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_COUNT_CURRENT);
        int rc;

        sqlite3_bind_int64(st, 1, now);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                return store_errno(rc) ?: -EIO;
        }
        *n = (uint64_t)sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
}

int grant_store_purge(struct grant_store *s, int64_t now, uint64_t *n_purged)
{
        sqlite3_stmt *st = store_stmt(s, STMT_GRANT_PURGE);
        int rc;

        sqlite3_bind_int64(st, 1, now - GRANT_STORE_KEEP_EXPIRED);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_errno(rc) ?: -EIO;
        if (n_purged)
                *n_purged = (uint64_t)sqlite3_changes(s->db);
        return 0;
}

void grant_row_clear(struct grant_row *r)
{
        if (!r)
                return;
        free(r->id);
        free(r->sub);
        free(r->role);
        for (size_t i = 0; i < r->n_aud; i++)
                free(r->aud[i]);
        free(r->aud);
        free(r->req);
        free(r->rsn);
        memset(r, 0, sizeof(*r));
}

void grant_rows_free(struct grant_row *rows, size_t n)
{
        for (size_t i = 0; rows && i < n; i++)
                grant_row_clear(&rows[i]);
        free(rows);
}
