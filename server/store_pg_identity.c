/* SPDX-License-Identifier: BSD-3-Clause */
/* The PostgreSQL store: users and hosts, their groups and token hashes
 * (add, look up, list, remove, set groups, rotate a token). Table and
 * column names are picked from fixed strings by the host flag, never from
 * input. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

struct identity_sql {
        const char *add, *by_name, *by_token, *groups, *list, *remove, *groups_clear, *groups_add, *set_token,
                *exists;
};

static const struct identity_sql user_sql = {
        .add = "INSERT INTO users(name, token_hash, created_at) VALUES ($1, $2, $3)",
        .by_name = "SELECT name, created_at FROM users WHERE name = $1",
        .by_token = "SELECT name, created_at FROM users WHERE token_hash = $1",
        .groups = "SELECT grp FROM user_groups WHERE user_name = $1 ORDER BY grp",
        .list = "SELECT name FROM users ORDER BY name",
        .remove = "DELETE FROM users WHERE name = $1",
        .groups_clear = "DELETE FROM user_groups WHERE user_name = $1",
        .groups_add = "INSERT INTO user_groups(user_name, grp) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        .set_token = "UPDATE users SET token_hash = $2 WHERE name = $1",
        .exists = "SELECT 1 FROM users WHERE name = $1 FOR UPDATE",
};

static const struct identity_sql host_sql = {
        .add = "INSERT INTO hosts(id, token_hash, created_at) VALUES ($1, $2, $3)",
        .by_name = "SELECT id, created_at FROM hosts WHERE id = $1",
        .by_token = "SELECT id, created_at FROM hosts WHERE token_hash = $1",
        .groups = "SELECT grp FROM host_groups WHERE host = $1 ORDER BY grp",
        .list = "SELECT id FROM hosts ORDER BY id",
        .remove = "DELETE FROM hosts WHERE id = $1",
        .groups_clear = "DELETE FROM host_groups WHERE host = $1",
        .groups_add = "INSERT INTO host_groups(host, grp) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        .set_token = "UPDATE hosts SET token_hash = $2 WHERE id = $1",
        .exists = "SELECT 1 FROM hosts WHERE id = $1 FOR UPDATE",
};

static const struct identity_sql *sql_for(bool host)
{
        return host ? &host_sql : &user_sql;
}

/* One statement with name as $1 (and hash as $2 when given) on c. */
static int run_named(struct pg_store *s, struct pg_conn *c, const char *sql, const char *name, const uint8_t *hash,
                     PGresult **res)
{
        struct pg_params p = { 0 };

        pg_text(&p, name);
        if (hash)
                pg_bytes(&p, hash, SRV_TOKEN_HASH_LEN);
        return pg_run(s, c, sql, &p, res);
}

static int groups_insert(struct pg_store *s, struct pg_conn *c, bool host, const char *name, char *const *groups)
{
        int r = 0;

        for (size_t i = 0; r == 0 && groups && groups[i]; i++) {
                struct pg_params p = { 0 };

                pg_text(&p, name);
                pg_text(&p, groups[i]);
                r = pg_run(s, c, sql_for(host)->groups_add, &p, NULL);
        }
        return r;
}

static int end(struct srv_store *base, int r)
{
        if (r < 0)
                srv_store_rollback(base);
        else
                r = srv_store_commit(base);
        return r;
}

static int add_identity(struct srv_store *base, bool host, const char *name, char *const *groups, int64_t created_at,
                        const uint8_t hash[SRV_TOKEN_HASH_LEN])
{
        struct pg_store *s = pgs(base);
        struct pg_params p = { 0 };
        struct pg_conn *c;
        int r;

        if (!name || !hash)
                return -EINVAL;
        r = srv_store_begin(base);
        if (r < 0)
                return r;
        c = pg_acquire(s);
        pg_text(&p, name);
        pg_bytes(&p, hash, SRV_TOKEN_HASH_LEN);
        pg_int(&p, created_at);
        r = pg_run(s, c, sql_for(host)->add, &p, NULL);
        r = r ?: groups_insert(s, c, host, name, groups);
        return end(base, r);
}

static int get_identity(struct srv_store *base, bool host, const char *name, const uint8_t *hash,
                        const char **out_name, char ***out_groups, int64_t *out_created)
{
        struct pg_store *s = pgs(base);
        struct pg_conn *c = pg_acquire(s);
        PGresult *res = NULL, *gr = NULL;
        int r;

        *out_name = NULL;
        *out_groups = NULL;
        if (!c)
                return -ENOTCONN;
        if (hash) {             /* by token: the hash is the only parameter */
                struct pg_params p = { 0 };

                pg_bytes(&p, hash, SRV_TOKEN_HASH_LEN);
                r = pg_run(s, c, sql_for(host)->by_token, &p, &res);
        } else {
                r = run_named(s, c, sql_for(host)->by_name, name, NULL, &res);
        }
        if (r == 0 && PQntuples(res) == 0)
                r = -ENOENT;
        if (r == 0) {
                *out_created = pg_i64(res, 0, 1);
                r = pg_str(res, 0, 0, out_name);
        }
        r = r ?: run_named(s, c, sql_for(host)->groups, *out_name, NULL, &gr);
        r = r ?: pg_strv(gr, out_groups);
        PQclear(res);
        PQclear(gr);
        pg_release(s, c);
        if (r < 0) {
                srv_str_free(*out_name);
                *out_name = NULL;
        }
        return r;
}

int pg_user_add(struct srv_store *s, const struct srv_user *u, const uint8_t h[SRV_TOKEN_HASH_LEN])
{
        return add_identity(s, false, u->name, u->groups, u->created_at, h);
}

int pg_user_get(struct srv_store *s, const char *name, struct srv_user *out)
{
        memset(out, 0, sizeof(*out));
        return get_identity(s, false, name, NULL, &out->name, &out->groups, &out->created_at);
}

int pg_user_by_token(struct srv_store *s, const uint8_t h[SRV_TOKEN_HASH_LEN], struct srv_user *out)
{
        memset(out, 0, sizeof(*out));
        return get_identity(s, false, NULL, h, &out->name, &out->groups, &out->created_at);
}

int pg_host_add(struct srv_store *s, const struct srv_host *x, const uint8_t h[SRV_TOKEN_HASH_LEN])
{
        return add_identity(s, true, x->id, x->groups, x->created_at, h);
}

int pg_host_get(struct srv_store *s, const char *id, struct srv_host *out)
{
        memset(out, 0, sizeof(*out));
        return get_identity(s, true, id, NULL, &out->id, &out->groups, &out->created_at);
}

int pg_host_by_token(struct srv_store *s, const uint8_t h[SRV_TOKEN_HASH_LEN], struct srv_host *out)
{
        memset(out, 0, sizeof(*out));
        return get_identity(s, true, NULL, h, &out->id, &out->groups, &out->created_at);
}

int pg_users_in_groups(struct srv_store *base, const char *const *groups, char ***out)
{
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        char *json = NULL;
        int r;

        *out = NULL;
        r = pg_json_list(&p, groups, &json);
        r = r ?: pg_query(pgs(base), "SELECT DISTINCT user_name FROM user_groups "
                                     "WHERE grp IN (SELECT json_array_elements_text($1::json)) ORDER BY user_name",
                          &p, &res);
        r = r ?: pg_strv(res, out);
        PQclear(res);
        free(json);
        return r;
}

int pg_group_has_hosts(struct srv_store *base, const char *group)
{
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        int r;

        pg_text(&p, group);
        r = pg_query(pgs(base), "SELECT 1 FROM host_groups WHERE grp = $1 LIMIT 1", &p, &res);
        if (r == 0)
                r = PQntuples(res) > 0;
        PQclear(res);
        return r;
}

int pg_identity_list(struct srv_store *base, bool host, char ***out)
{
        PGresult *res = NULL;
        int r;

        *out = NULL;
        r = pg_query(pgs(base), sql_for(host)->list, NULL, &res);
        r = r ?: pg_strv(res, out);
        PQclear(res);
        return r;
}

/* A transaction on an identity that exists (its row locked). */
static int begin_on(struct srv_store *base, bool host, const char *name, struct pg_conn **c)
{
        PGresult *res = NULL;
        int r;

        if (!name)
                return -EINVAL;
        r = srv_store_begin(base);
        if (r < 0)
                return r;
        *c = pg_acquire(pgs(base));
        r = run_named(pgs(base), *c, sql_for(host)->exists, name, NULL, &res);
        if (r == 0 && PQntuples(res) == 0)
                r = -ENOENT;
        PQclear(res);
        if (r < 0)
                srv_store_rollback(base);
        return r;
}

int pg_identity_remove(struct srv_store *base, bool host, const char *name)
{
        struct pg_conn *c = NULL;
        int r = begin_on(base, host, name, &c);

        if (r < 0)
                return r;
        r = run_named(pgs(base), c, sql_for(host)->groups_clear, name, NULL, NULL);
        r = r ?: run_named(pgs(base), c, sql_for(host)->remove, name, NULL, NULL);
        return end(base, r);
}

int pg_identity_set_groups(struct srv_store *base, bool host, const char *name, char *const *groups)
{
        struct pg_conn *c = NULL;
        int r = begin_on(base, host, name, &c);

        if (r < 0)
                return r;
        r = run_named(pgs(base), c, sql_for(host)->groups_clear, name, NULL, NULL);
        r = r ?: groups_insert(pgs(base), c, host, name, groups);
        return end(base, r);
}

int pg_identity_set_token(struct srv_store *base, bool host, const char *name, const uint8_t hash[SRV_TOKEN_HASH_LEN])
{
        struct pg_conn *c = NULL;
        int r;

        if (!hash)
                return -EINVAL;
        r = begin_on(base, host, name, &c);
        if (r < 0)
                return r;
        r = run_named(pgs(base), c, sql_for(host)->set_token, name, hash, NULL);
        return end(base, r);
}
