/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: opening, locking, helpers and identities. Requests,
 * grants and the feed are in store_sqlite_req.c, audit in
 * store_sqlite_misc.c, the webhook queue in store_sqlite_webhook.c. Every
 * statement is prepared with bound parameters: no value is ever pasted
 * into SQL text. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_sqlite.h"

#define BUSY_TIMEOUT_MS 5000

void sq_lock(struct sqlite_store *s)
{
        pthread_mutex_lock(&s->lock);
}

void sq_unlock(struct sqlite_store *s)
{
        pthread_mutex_unlock(&s->lock);
}

static void log_db_error(struct sqlite_store *s, const char *what)
{
        fprintf(stderr, "team-server: database: %s: %s\n", what, sqlite3_errmsg(s->db));
}

int sq_prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **st)
{
        if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
                log_db_error(s, "prepare");
                *st = NULL;
                return -EIO;
        }
        return 0;
}

int sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
        int rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);

        return rc == SQLITE_OK ? 0 : (rc == SQLITE_NOMEM ? -ENOMEM : -EIO);
}

int sq_col_dup(sqlite3_stmt *st, int i, char **out)
{
        const unsigned char *t = sqlite3_column_text(st, i);

        *out = NULL;
        if (!t)
                return 0;
        *out = strdup((const char *)t);
        return *out ? 0 : -ENOMEM;
}

int sq_col_str(sqlite3_stmt *st, int i, const char **out)
{
        char *s;
        int r = sq_col_dup(st, i, &s);

        *out = s;
        return r;
}

int sq_step_done(struct sqlite_store *s, sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        if (rc == SQLITE_DONE)
                return 0;
        if ((rc & 0xff) == SQLITE_CONSTRAINT)
                return -EEXIST;
        log_db_error(s, "step");
        return -EIO;
}

int sq_step_changed(struct sqlite_store *s, sqlite3_stmt *st)
{
        int r = sq_step_done(s, st);

        if (r == 0 && sqlite3_changes(s->db) == 0)
                r = -ENOENT;
        return r;
}

int sq_step_row(sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

int sq_collect(sqlite3_stmt *st, size_t size, sq_row_fn read, void *ctx, void **list, size_t *count)
{
        int r, rc;

        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                char *nl = realloc(*list, (*count + 1) * size);

                if (!nl)
                        return -ENOMEM;
                *list = nl;
                r = read(st, nl + *count * size, ctx);
                (*count)++;
                if (r < 0)
                        return r;
        }
        return rc == SQLITE_DONE ? 0 : -EIO;
}

int sq_collect_strv(sqlite3_stmt *st, char ***out)
{
        char **v = calloc(1, sizeof(*v));
        size_t n = 0;
        int r = 0, rc;

        *out = NULL;
        if (!v)
                return -ENOMEM;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                char **nv = realloc(v, (n + 2) * sizeof(*v));

                if (!nv) {
                        r = -ENOMEM;
                        goto out;
                }
                v = nv;
                v[n + 1] = NULL;
                r = sq_col_dup(st, 0, &v[n]);
                if (r < 0)
                        goto out;
                n++;
        }
        if (rc != SQLITE_DONE)
                r = -EIO;
out:
        if (r < 0)
                srv_strv_free(v);
        else
                *out = v;
        return r;
}

int sq_count(struct sqlite_store *s, const char *sql, int has_param, int64_t param, uint64_t *out)
{
        sqlite3_stmt *st = NULL;
        int r;

        sq_lock(s);
        r = sq_prepare(s, sql, &st);
        if (r == 0) {
                if (has_param)
                        sqlite3_bind_int64(st, 1, param);
                if (sqlite3_step(st) == SQLITE_ROW)
                        *out = (uint64_t)sqlite3_column_int64(st, 0);
                else
                        r = -EIO;
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

int sq_json_array(const char *const *v, char **out)
{
        return srv_strv_to_json(v, out);
}

static int exec_locked(struct srv_store *base, const char *sql)
{
        struct sqlite_store *s = sq(base);

        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
                log_db_error(s, sql);
                return -EIO;
        }
        return 0;
}

static int sq_begin(struct srv_store *base)
{
        int r;

        sq_lock(sq(base));
        r = exec_locked(base, "BEGIN IMMEDIATE");
        if (r < 0)
                sq_unlock(sq(base));
        return r;
}

static int sq_commit(struct srv_store *base)
{
        int r = exec_locked(base, "COMMIT");

        if (r < 0)
                sqlite3_exec(sq(base)->db, "ROLLBACK", NULL, NULL, NULL);
        sq_unlock(sq(base));
        return r;
}

static void sq_rollback(struct srv_store *base)
{
        sqlite3_exec(sq(base)->db, "ROLLBACK", NULL, NULL, NULL);
        sq_unlock(sq(base));
}

static void sq_close(struct srv_store *base)
{
        struct sqlite_store *s = sq(base);

        if (!s)
                return;
        sqlite3_close(s->db);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

/* ---- identities ---- */

/* table: "user" or "host" (fixed strings, never input). */
static int add_identity(struct srv_store *base, const char *kind, const char *name, char *const *groups,
                        int64_t created_at, const uint8_t hash[SRV_TOKEN_HASH_LEN])
{
        struct sqlite_store *s = sq(base);
        bool user = strcmp(kind, "user") == 0;
        sqlite3_stmt *st = NULL;
        int r;

        if (!name || !hash)
                return -EINVAL;
        r = srv_store_begin(base);
        if (r < 0)
                return r;
        r = sq_prepare(s, user ? "INSERT INTO users(name, token_hash, created_at) VALUES (?1, ?2, ?3)"
                               : "INSERT INTO hosts(id, token_hash, created_at) VALUES (?1, ?2, ?3)", &st);
        if (r < 0)
                goto out;
        sq_bind_text(st, 1, name);
        sqlite3_bind_blob(st, 2, hash, SRV_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, created_at);
        r = sq_step_done(s, st);
        sqlite3_finalize(st);
        if (r == 0)
                r = sq_groups_insert(s, !user, name, groups);
out:
        if (r < 0)
                srv_store_rollback(base);
        else
                r = srv_store_commit(base);
        return r;
}

static int load_groups(struct sqlite_store *s, bool user, const char *name, char ***out)
{
        sqlite3_stmt *st = NULL;
        int r;

        *out = NULL;
        r = sq_prepare(s, user ? "SELECT grp FROM user_groups WHERE user = ?1 ORDER BY grp"
                               : "SELECT grp FROM host_groups WHERE host = ?1 ORDER BY grp", &st);
        if (r < 0)
                return r;
        sq_bind_text(st, 1, name);
        r = sq_collect_strv(st, out);
        sqlite3_finalize(st);
        return r;
}

/* by_hash: look up by token hash instead of name. */
static int get_identity(struct srv_store *base, bool user, const char *name, const uint8_t *hash,
                        const char **out_name, char ***out_groups, int64_t *out_created)
{
        static const char *const sql[2][2] = {
                { "SELECT id, created_at FROM hosts WHERE id = ?1",
                  "SELECT id, created_at FROM hosts WHERE token_hash = ?1" },
                { "SELECT name, created_at FROM users WHERE name = ?1",
                  "SELECT name, created_at FROM users WHERE token_hash = ?1" },
        };
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        *out_name = NULL;
        *out_groups = NULL;
        sq_lock(s);
        r = sq_prepare(s, sql[user][hash != NULL], &st);
        if (r < 0)
                goto out;
        if (hash)
                sqlite3_bind_blob(st, 1, hash, SRV_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
        else
                sq_bind_text(st, 1, name);
        r = sq_step_row(st);
        if (r < 0)
                goto out;
        *out_created = sqlite3_column_int64(st, 1);
        r = sq_col_str(st, 0, out_name);
        if (r == 0)
                r = load_groups(s, user, *out_name, out_groups);
out:
        sqlite3_finalize(st);
        sq_unlock(s);
        if (r < 0) {
                srv_str_free(*out_name);
                *out_name = NULL;
        }
        return r;
}

static int sq_user_add(struct srv_store *s, const struct srv_user *u, const uint8_t h[SRV_TOKEN_HASH_LEN])
{
        return add_identity(s, "user", u->name, u->groups, u->created_at, h);
}

static int sq_user_get(struct srv_store *s, const char *name, struct srv_user *out)
{
        memset(out, 0, sizeof(*out));
        return get_identity(s, true, name, NULL, &out->name, &out->groups, &out->created_at);
}

static int sq_user_by_token(struct srv_store *s, const uint8_t h[SRV_TOKEN_HASH_LEN], struct srv_user *out)
{
        memset(out, 0, sizeof(*out));
        return get_identity(s, true, NULL, h, &out->name, &out->groups, &out->created_at);
}

static int sq_host_add(struct srv_store *s, const struct srv_host *x, const uint8_t h[SRV_TOKEN_HASH_LEN])
{
        return add_identity(s, "host", x->id, x->groups, x->created_at, h);
}

static int sq_host_get(struct srv_store *s, const char *id, struct srv_host *out)
{
        memset(out, 0, sizeof(*out));
        return get_identity(s, false, id, NULL, &out->id, &out->groups, &out->created_at);
}

static int sq_host_by_token(struct srv_store *s, const uint8_t h[SRV_TOKEN_HASH_LEN], struct srv_host *out)
{
        memset(out, 0, sizeof(*out));
        return get_identity(s, false, NULL, h, &out->id, &out->groups, &out->created_at);
}

static int sq_users_in_groups(struct srv_store *base, const char *const *groups, char ***out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        char *json = NULL;
        int r;

        *out = NULL;
        r = sq_json_array(groups, &json);
        if (r < 0)
                return r;
        sq_lock(s);
        r = sq_prepare(s, "SELECT DISTINCT user FROM user_groups WHERE grp IN (SELECT value FROM json_each(?1)) "
                          "ORDER BY user", &st);
        if (r == 0) {
                sq_bind_text(st, 1, json);
                r = sq_collect_strv(st, out);
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        free(json);
        return r;
}

static int sq_group_has_hosts(struct srv_store *base, const char *group)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r, rc;

        sq_lock(s);
        r = sq_prepare(s, "SELECT 1 FROM host_groups WHERE grp = ?1 LIMIT 1", &st);
        if (r == 0) {
                sq_bind_text(st, 1, group);
                rc = sqlite3_step(st);
                r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
        }
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

static const struct srv_store_ops sqlite_ops = {
        .name = "sqlite",
        .close = sq_close,
        .begin = sq_begin,
        .commit = sq_commit,
        .rollback = sq_rollback,
        .user_add = sq_user_add,
        .user_get = sq_user_get,
        .user_by_token = sq_user_by_token,
        .users_in_groups = sq_users_in_groups,
        .host_add = sq_host_add,
        .host_get = sq_host_get,
        .host_by_token = sq_host_by_token,
        .group_has_hosts = sq_group_has_hosts,
        .identity_list = sq_identity_list,
        .identity_remove = sq_identity_remove,
        .identity_set_groups = sq_identity_set_groups,
        .identity_set_token = sq_identity_set_token,
        .request_insert = sq_request_insert,
        .request_set_state = sq_request_set_state,
        .request_get = sq_request_get,
        .request_list = sq_request_list,
        .request_due = sq_request_due,
        .request_count = sq_request_count,
        .decision_insert = sq_decision_insert,
        .grant_insert = sq_grant_insert,
        .grant_get = sq_grant_get,
        .grant_revoke = sq_grant_revoke,
        .grant_count = sq_grant_count,
        .feed_since = sq_feed_since,
        .audit_append = sq_audit_append,
        .audit_list = sq_audit_list,
        .webhook_enqueue = sq_webhook_enqueue,
        .webhook_next_due = sq_webhook_next_due,
        .webhook_done = sq_webhook_done,
        .webhook_retry = sq_webhook_retry,
        .webhook_depth = sq_webhook_depth,
        .webhook_next_at = sq_webhook_next_at,
        .webhook_head = sq_webhook_head,
        .breakglass_insert = sq_breakglass_insert,
        .breakglass_list = sq_breakglass_list,
        .breakglass_ack = sq_breakglass_ack,
        .checkpoint_get = sq_checkpoint_get,
        .checkpoint_put = sq_checkpoint_put,
        .checkpoint_delete = sq_checkpoint_delete,
        .checkpoint_stale = sq_checkpoint_stale,
        .checkpoint_mark_stopped = sq_checkpoint_mark_stopped,
};

/* Creates the file 0600 (or checks an existing one is not group/world
 * accessible) before sqlite opens it. */
static int prepare_file(const char *path, char *err, size_t errlen)
{
        struct stat sb;
        int fd, r = 0;

        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot open the database: %s%s", path, strerror(-r),
                         r == -ELOOP ? " (a symbolic link; give the real file)" : "");
                return r;
        }
        if (fstat(fd, &sb) < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(-r));
        } else if (!S_ISREG(sb.st_mode)) {
                r = -EINVAL;
                snprintf(err, errlen, "%s: not a regular file", path);
        } else if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
                r = -EPERM;
                snprintf(err, errlen, "%s: readable or writable by others (chmod 600 %s)", path, path);
        }
        close(fd);
        return r;
}

int srv_store_open_sqlite(const char *path, struct srv_store **out, char *err, size_t errlen)
{
        static const char *const pragmas =
                "PRAGMA journal_mode = WAL;"
                "PRAGMA synchronous = FULL;"
                "PRAGMA foreign_keys = ON;"
                "PRAGMA secure_delete = ON;";
        struct sqlite_store *s = NULL;
        pthread_mutexattr_t attr;
        char *emsg = NULL;
        int r;

        *out = NULL;
        r = prepare_file(path, err, errlen);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->base.ops = &sqlite_ops;
        pthread_mutexattr_init(&attr);
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&s->lock, &attr);
        pthread_mutexattr_destroy(&attr);
        if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
                            NULL) != SQLITE_OK) {
                snprintf(err, errlen, "%s: cannot open the database: %s", path,
                         s->db ? sqlite3_errmsg(s->db) : "out of memory");
                r = -EIO;
                goto fail;
        }
        sqlite3_extended_result_codes(s->db, 1);
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        if (sqlite3_exec(s->db, pragmas, NULL, NULL, &emsg) != SQLITE_OK) {
                snprintf(err, errlen, "%s: %s", path, emsg ? emsg : "cannot set up the database");
                sqlite3_free(emsg);
                r = -EIO;
                goto fail;
        }
        r = srv_schema_migrate(s->db, err, errlen);
        if (r < 0)
                goto fail;
        *out = &s->base;
        return 0;
fail:
        sq_close(&s->base);
        return r;
}
