/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server admin migrate --from sqlite:PATH --to postgresql://...:
 * copies an embedded installation into PostgreSQL, table by table, row
 * by row with every key kept (identities with their token hashes,
 * requests, decisions, grants and revocations, the feed with its sequence
 * numbers so hosts keep their cursors, audit, the webhook queue,
 * break-glass uses, the hosts' audit checkpoints and keys), in one
 * transaction. A row already there is left as it is (ON CONFLICT DO
 * NOTHING), so running it again changes nothing; at the end every
 * table's count must be equal on both sides, or the transaction is
 * rolled back. Both schemas are brought to the latest
 * version first by opening them as stores. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "server.h"
#include "store.h"

#define MAX_COLUMNS 20

enum col_type { C_TEXT, C_INT, C_BLOB };

struct column {
        const char *src, *dst;        /* sqlite and PostgreSQL names */
        enum col_type type;
};

struct table {
        const char *name;
        const char *serial;           /* the PostgreSQL column whose sequence follows the copied keys */
        struct column cols[MAX_COLUMNS];
};

#define T(n) { n, n, C_TEXT }
#define I(n) { n, n, C_INT }
/* In dependency order (foreign keys). */
static const struct table tables[] = {
        { "users", NULL, { T("name"), { "token_hash", "token_hash", C_BLOB }, I("created_at") } },
        { "user_groups", NULL, { { "user", "user_name", C_TEXT }, T("grp") } },
        { "hosts", NULL, { T("id"), { "token_hash", "token_hash", C_BLOB }, I("created_at") } },
        { "host_groups", NULL, { T("host"), T("grp") } },
        { "requests", "rid",
          { { "rowid", "rid", C_INT }, T("id"), I("state"), T("role"), T("host"), { "user", "user_name", C_TEXT },
            T("filed_by"), I("duration"), T("reason"), T("ticket"), I("start_at"), I("created_at"),
            I("expires_at"), I("approvals_required"), I("denials_required"), I("closed_at"), T("extends") } },
        { "decisions", "rid",
          { { "rowid", "rid", C_INT }, T("request_id"), T("by_user"), I("decision"), T("comment"), I("at") } },
        { "grants", NULL,
          { T("id"), T("request_id"), { "user", "user_name", C_TEXT }, T("role"), T("aud"), I("nbf"), I("exp"),
            I("iat"), T("jws"), T("kid"), I("revoked_at"), T("revoked_by"), T("revoke_reason"), I("seq") } },
        { "feed", "seq", { I("seq"), I("kind"), T("grant_id"), T("aud"), I("at") } },
        { "audit", "id",
          { I("id"), I("at"), T("event"), T("actor"), T("request_id"), T("grant_id"), { "user", "user_name", C_TEXT },
            T("role"), T("host"), T("reason") } },
        { "webhook_jobs", "id",
          { I("id"), T("target"), T("event"), T("body"), I("created_at"), I("next_at"), I("attempts"),
            T("last_error") } },
        { "breakglass_uses", NULL,
          { T("id"), T("host"), { "user", "user_name", C_TEXT }, T("role"), T("service"), T("tty"), T("rhost"),
            I("used_at"), I("window_end"), I("slot"), I("received_at"), T("ack_by"), I("ack_at"),
            T("ack_comment") } },
        { "host_checkpoints", NULL,
          { T("host"), I("seq"), T("head"), I("time_usec"), I("received_at"), T("host_key"), I("key_by_admin"),
            I("key_at"), I("stop_alerted_at"), T("conflict"), I("conflict_seq"), T("conflict_head"),
            T("conflict_key"), I("conflict_time_usec"), I("conflict_at"), I("conflicts") } },
};
#undef T
#undef I
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

static size_t n_cols(const struct table *t)
{
        size_t n = 0;

        while (n < MAX_COLUMNS && t->cols[n].src)
                n++;
        return n;
}

/* SQL text from fixed names only (the table above), never from input. */
static void build_sql(const struct table *t, char *sel, size_t sellen, char *ins, size_t inslen)
{
        size_t n = n_cols(t), so, io, vo = 0;
        char vals[MAX_COLUMNS * 5];

        so = (size_t)snprintf(sel, sellen, "SELECT ");
        io = (size_t)snprintf(ins, inslen, "INSERT INTO %s(", t->name);
        for (size_t i = 0; i < n; i++) {
                so += (size_t)snprintf(sel + so, sellen - so, "%s%s", i ? ", " : "", t->cols[i].src);
                io += (size_t)snprintf(ins + io, inslen - io, "%s%s", i ? ", " : "", t->cols[i].dst);
                vo += (size_t)snprintf(vals + vo, sizeof(vals) - vo, "%s$%zu", i ? ", " : "", i + 1);
        }
        snprintf(sel + so, sellen - so, " FROM %s ORDER BY rowid", t->name);
        snprintf(ins + io, inslen - io, ") VALUES (%s) ON CONFLICT DO NOTHING", vals);
}

static int pg_ok(PGconn *c, PGresult *res, const char *what)
{
        int st = (int)PQresultStatus(res);

        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
                return 0;
        fprintf(stderr, "team-server: migrate: %s: %s", what, PQerrorMessage(c));
        return -EIO;
}

/* A command whose result is only its status: checked, then freed. */
static int pg_done(PGconn *c, PGresult *res, const char *what)
{
        int r = pg_ok(c, res, what);

        PQclear(res);
        return r;
}

static int copy_table(sqlite3 *db, PGconn *pg, const struct table *t, uint64_t *rows)
{
        char sel[1024], ins[1024];
        size_t n = n_cols(t);
        sqlite3_stmt *st = NULL;
        int r = 0, rc;

        *rows = 0;
        build_sql(t, sel, sizeof(sel), ins, sizeof(ins));
        if (sqlite3_prepare_v2(db, sel, -1, &st, NULL) != SQLITE_OK) {
                fprintf(stderr, "team-server: migrate: reading %s: %s\n", t->name, sqlite3_errmsg(db));
                return -EIO;
        }
        while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *v[MAX_COLUMNS];
                int len[MAX_COLUMNS], fmt[MAX_COLUMNS];

                for (size_t i = 0; i < n; i++) {
                        bool null = sqlite3_column_type(st, (int)i) == SQLITE_NULL;

                        fmt[i] = t->cols[i].type == C_BLOB;
                        v[i] = null ? NULL : fmt[i] ? sqlite3_column_blob(st, (int)i)
                                                    : (const char *)sqlite3_column_text(st, (int)i);
                        len[i] = sqlite3_column_bytes(st, (int)i);
                }
                r = pg_done(pg, PQexecParams(pg, ins, (int)n, NULL, v, len, fmt, 0), t->name);
                (*rows)++;
        }
        if (r == 0 && rc != SQLITE_DONE) {
                fprintf(stderr, "team-server: migrate: reading %s: %s\n", t->name, sqlite3_errmsg(db));
                r = -EIO;
        }
        sqlite3_finalize(st);
        return r;
}

static int pg_count_rows(PGconn *pg, const char *table, uint64_t *out)
{
        char sql[128];
        PGresult *res;
        int r;

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
        res = PQexec(pg, sql);
        r = pg_ok(pg, res, table);
        if (r == 0)
                *out = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        return r;
}

/* The copied keys came with their values: the sequences continue above them. */
static int follow_sequence(PGconn *pg, const struct table *t)
{
        char sql[256];

        snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', '%s'), "
                                   "greatest((SELECT max(%s) FROM %s), 1))", t->name, t->serial, t->serial, t->name);
        if (strcmp(t->name, "feed") == 0)       /* a plain sequence, not a serial */
                snprintf(sql, sizeof(sql), "SELECT setval('feed_seq', greatest((SELECT max(seq) FROM feed), 1))");
        return pg_done(pg, PQexec(pg, sql), "sequence");
}

static int migrate(sqlite3 *db, PGconn *pg)
{
        int r = pg_done(pg, PQexec(pg, "BEGIN ISOLATION LEVEL SERIALIZABLE"), "begin");
        bool same = true;

        for (size_t i = 0; r == 0 && i < N_TABLES; i++) {
                uint64_t src = 0, dst = 0;

                r = copy_table(db, pg, &tables[i], &src);
                r = r ?: pg_count_rows(pg, tables[i].name, &dst);
                if (r == 0 && tables[i].serial)
                        r = follow_sequence(pg, &tables[i]);
                if (r == 0) {
                        printf("%-16s sqlite %8llu  postgresql %8llu%s\n", tables[i].name, (unsigned long long)src,
                               (unsigned long long)dst, src == dst ? "" : "  DIFFERENT");
                        same = same && src == dst;
                }
        }
        if (r == 0 && !same) {
                fprintf(stderr, "team-server: migrate: the counts differ: the PostgreSQL database holds rows the "
                                "sqlite one does not (migrate into an empty database); nothing was changed\n");
                r = -EEXIST;
        }
        if (r < 0) {
                PQclear(PQexec(pg, "ROLLBACK"));
                return r;
        }
        return pg_done(pg, PQexec(pg, "COMMIT"), "commit");
}

static int migrate_usage(void)
{
        fprintf(stderr, "Usage: team-server admin migrate --from sqlite:PATH --to postgresql://USER@HOST/DB\n"
                        "Copies an embedded installation into PostgreSQL (stop team-server first). Running it\n"
                        "again changes nothing; every table's count is compared at the end.\n");
        return 2;
}

int admin_migrate_main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "from", required_argument, NULL, 'f' },
                { "to", required_argument, NULL, 't' },
                { NULL, 0, NULL, 0 },
        };
        const char *from = NULL, *to = NULL;
        struct srv_store *src = NULL, *dst = NULL;
        char err[1024] = "", shown[1024];
        sqlite3 *db = NULL;
        PGconn *pg = NULL;
        int c, r, status = 1;

        optind = 1;
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                if (c == 'f')
                        from = optarg;
                else if (c == 't')
                        to = optarg;
                else
                        return migrate_usage();
        }
        if (optind != argc || !from || !to || strncmp(from, "sqlite:", 7) != 0 || !srv_store_is_pg(to))
                return migrate_usage();
        from += 7;
        /* Opening them as stores checks them (modes, passfile, no password
         * in the URI) and brings both schemas to the latest version. */
        r = srv_store_open_sqlite(from, &src, err, sizeof(err));
        r = r ?: srv_store_open_pg(to, 1, &dst, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "team-server: migrate: %s\n", err[0] ? err : strerror(-r));
                goto out;
        }
        if (sqlite3_open_v2(from, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
                fprintf(stderr, "team-server: migrate: %s: %s\n", from, db ? sqlite3_errmsg(db) : "out of memory");
                goto out;
        }
        pg = PQconnectdb(to);
        if (PQstatus(pg) != CONNECTION_OK) {
                srv_store_redact_uri(to, shown, sizeof(shown));
                fprintf(stderr, "team-server: migrate: %s: %s", shown, PQerrorMessage(pg));
                goto out;
        }
        PQclear(PQexec(pg, "SET client_min_messages = warning"));
        if (migrate(db, pg) == 0) {
                printf("migrated %s into PostgreSQL; point team-server.conf's database at the URI\n", from);
                status = 0;
        }
out:
        PQfinish(pg);
        sqlite3_close(db);
        srv_store_close(src);
        srv_store_close(dst);
        return status;
}
