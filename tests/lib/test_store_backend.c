/* SPDX-License-Identifier: BSD-3-Clause */
/* See test_store_backend.h. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "test_store_backend.h"

bool test_backend_is_pg(void)
{
        const char *b = getenv("TEAM_TEST_STORE");

        return b && strcmp(b, "postgresql") == 0;
}

/* The database name of dir: "t_" and its last component, lowercased. */
static void db_name(const char *dir, char *out, size_t outlen)
{
        const char *base = strrchr(dir, '/');
        size_t o = 0;

        base = base ? base + 1 : dir;
        o = (size_t)snprintf(out, outlen, "t_");
        for (; *base && o + 1 < outlen; base++)
                out[o++] = (*base >= 'A' && *base <= 'Z') ? (char)(*base - 'A' + 'a')
                           : ((*base >= 'a' && *base <= 'z') || (*base >= '0' && *base <= '9')) ? *base : '_';
        out[o] = '\0';
}

/* TEAM_TEST_PG_URI with its database path replaced by name. */
static int uri_for(const char *name, char *out, size_t outlen)
{
        const char *uri = getenv("TEAM_TEST_PG_URI"), *auth, *path, *query;

        if (!uri || !(auth = strstr(uri, "://")))
                return -EINVAL;
        path = strchr(auth + 3, '/');
        query = strchr(auth + 3, '?');
        if (!path || (query && query < path))
                path = query ? query : uri + strlen(uri);
        query = strchr(path, '?');
        snprintf(out, outlen, "%.*s/%s%s", (int)(path - uri), uri, name, query ? query : "");
        return 0;
}

static int admin_exec(const char *sql)
{
        PGconn *c = PQconnectdb(getenv("TEAM_TEST_PG_URI"));
        PGresult *res = NULL;
        int r = -EIO;

        if (PQstatus(c) == CONNECTION_OK) {
                res = PQexec(c, sql);
                if (PQresultStatus(res) == PGRES_COMMAND_OK)
                        r = 0;
                else
                        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        } else {
                fprintf(stderr, "cannot connect to TEAM_TEST_PG_URI: %s", PQerrorMessage(c));
        }
        PQclear(res);
        PQfinish(c);
        return r;
}

int test_backend_database(const char *dir, char *out, size_t outlen)
{
        char name[64], sql[160];

        if (!test_backend_is_pg()) {
                snprintf(out, outlen, "%s/team.db", dir);
                return 0;
        }
        db_name(dir, name, sizeof(name));
        snprintf(sql, sizeof(sql), "SELECT 1 FROM pg_database WHERE datname = '%s'", name);
        {
                PGconn *c = PQconnectdb(getenv("TEAM_TEST_PG_URI"));
                PGresult *res = PQexec(c, sql);
                bool exists = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0;

                PQclear(res);
                PQfinish(c);
                snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", name);
                if (!exists && admin_exec(sql) < 0)
                        return -EIO;
        }
        return uri_for(name, out, outlen);
}

struct srv_store *test_backend_open(const char *dir)
{
        struct srv_store *s = NULL;
        char db[1024], err[1024];
        int r;

        if (test_backend_database(dir, db, sizeof(db)) < 0)
                fail_msg("no test database for %s (TEAM_TEST_PG_URI)", dir);
        r = srv_store_open(db, 4, &s, err, sizeof(err));
        if (r < 0)
                fail_msg("open %s: %s", db, err);
        return s;
}

void test_backend_drop(const char *dir)
{
        char name[64], sql[160];

        if (!test_backend_is_pg())
                return;
        db_name(dir, name, sizeof(name));
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
        admin_exec(sql);
}
