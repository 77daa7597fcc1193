/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite store: the identity lifecycle behind `team-server admin`
 * (list, remove, set groups, rotate a token). Table and column names are
 * picked from fixed strings by the host flag, never from input. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "store_sqlite.h"

struct identity_sql {
        const char *list, *remove, *groups_clear, *groups_add, *set_token, *exists;
};

static const struct identity_sql user_sql = {
        .list = "SELECT name FROM users ORDER BY name",
        .remove = "DELETE FROM users WHERE name = ?1",
        .groups_clear = "DELETE FROM user_groups WHERE user = ?1",
        .groups_add = "INSERT OR IGNORE INTO user_groups(user, grp) VALUES (?1, ?2)",
        .set_token = "UPDATE users SET token_hash = ?2 WHERE name = ?1",
        .exists = "SELECT 1 FROM users WHERE name = ?1",
};

static const struct identity_sql host_sql = {
        .list = "SELECT id FROM hosts ORDER BY id",
        .remove = "DELETE FROM hosts WHERE id = ?1",
        .groups_clear = "DELETE FROM host_groups WHERE host = ?1",
        .groups_add = "INSERT OR IGNORE INTO host_groups(host, grp) VALUES (?1, ?2)",
        .set_token = "UPDATE hosts SET token_hash = ?2 WHERE id = ?1",
        .exists = "SELECT 1 FROM hosts WHERE id = ?1",
};

static const struct identity_sql *sql_for(bool host)
{
        return host ? &host_sql : &user_sql;
}

/* Runs one statement with name as ?1; changed: -ENOENT when no row changed. */
static int run_named(struct sqlite_store *s, const char *sql, const char *name, bool changed)
{
        sqlite3_stmt *st = NULL;
        int r = sq_prepare(s, sql, &st);

        if (r < 0)
                return r;
        sq_bind_text(st, 1, name);
        r = changed ? sq_step_changed(s, st) : sq_step_done(s, st);
        sqlite3_finalize(st);
        return r;
}

int sq_groups_insert(struct sqlite_store *s, bool host, const char *name, char *const *groups)
{
        int r = 0;

        for (size_t i = 0; r == 0 && groups && groups[i]; i++) {
                sqlite3_stmt *st = NULL;

                r = sq_prepare(s, sql_for(host)->groups_add, &st);
                if (r < 0)
                        break;
                sq_bind_text(st, 1, name);
                sq_bind_text(st, 2, groups[i]);
                r = sq_step_done(s, st);
                sqlite3_finalize(st);
        }
        return r;
}

int sq_identity_list(struct srv_store *base, bool host, char ***out)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        *out = NULL;
        sq_lock(s);
        r = sq_prepare(s, sql_for(host)->list, &st);
        if (r == 0)
                r = sq_collect_strv(st, out);
        sqlite3_finalize(st);
        sq_unlock(s);
        return r;
}

/* One transaction: fn(s, host, name, arg) after checking the identity exists. */
static int in_transaction(struct srv_store *base, bool host, const char *name,
                          int (*fn)(struct sqlite_store *s, bool host, const char *name, const void *arg),
                          const void *arg)
{
        struct sqlite_store *s = sq(base);
        sqlite3_stmt *st = NULL;
        int r;

        if (!name)
                return -EINVAL;
        r = srv_store_begin(base);
        if (r < 0)
                return r;
        r = sq_prepare(s, sql_for(host)->exists, &st);
        if (r == 0) {
                sq_bind_text(st, 1, name);
                r = sq_step_row(st);
                sqlite3_finalize(st);
        }
        if (r == 0)
                r = fn(s, host, name, arg);
        if (r < 0)
                srv_store_rollback(base);
        else
                r = srv_store_commit(base);
        return r;
}

static int do_remove(struct sqlite_store *s, bool host, const char *name, const void *arg)
{
        int r = run_named(s, sql_for(host)->groups_clear, name, false);

        (void)arg;
        return r < 0 ? r : run_named(s, sql_for(host)->remove, name, true);
}

static int do_set_groups(struct sqlite_store *s, bool host, const char *name, const void *arg)
{
        int r = run_named(s, sql_for(host)->groups_clear, name, false);

        return r < 0 ? r : sq_groups_insert(s, host, name, (char *const *)arg);
}

static int do_set_token(struct sqlite_store *s, bool host, const char *name, const void *arg)
{
        sqlite3_stmt *st = NULL;
        int r = sq_prepare(s, sql_for(host)->set_token, &st);

        if (r < 0)
                return r;
        sq_bind_text(st, 1, name);
        sqlite3_bind_blob(st, 2, arg, SRV_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
        r = sq_step_changed(s, st);
        sqlite3_finalize(st);
        return r;
}

int sq_identity_remove(struct srv_store *s, bool host, const char *name)
{
        return in_transaction(s, host, name, do_remove, NULL);
}

int sq_identity_set_groups(struct srv_store *s, bool host, const char *name, char *const *groups)
{
        return in_transaction(s, host, name, do_set_groups, groups);
}

int sq_identity_set_token(struct srv_store *s, bool host, const char *name, const uint8_t hash[SRV_TOKEN_HASH_LEN])
{
        return hash ? in_transaction(s, host, name, do_set_token, hash) : -EINVAL;
}
