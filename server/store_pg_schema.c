/* SPDX-License-Identifier: BSD-3-Clause */
/* The PostgreSQL schema: a table of applied versions and a list of
 * forward-only migrations, each applied once, in order, in its own
 * transaction, all under a session advisory lock so that instances
 * starting together apply each migration exactly once. A database newer
 * than this program is refused rather than guessed at.
 *
 * The tables mirror the sqlite schema (server/schema.c) with PostgreSQL
 * types; "user" is a reserved word here, so those columns are user_name;
 * rid columns give the stable insertion order sqlite's rowid gave. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

struct pg_migration {
        int version;
        const char *sql;
};

static const struct pg_migration migrations[] = {
        { 1,
          "CREATE TABLE users ("
          "  name text PRIMARY KEY,"
          "  token_hash bytea NOT NULL UNIQUE,"
          "  created_at bigint NOT NULL);"
          "CREATE TABLE user_groups ("
          "  user_name text NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
          "  grp text NOT NULL,"
          "  PRIMARY KEY (user_name, grp));"
          "CREATE INDEX user_groups_grp ON user_groups(grp);"
          "CREATE TABLE hosts ("
          "  id text PRIMARY KEY,"
          "  token_hash bytea NOT NULL UNIQUE,"
          "  created_at bigint NOT NULL);"
          "CREATE TABLE host_groups ("
          "  host text NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
          "  grp text NOT NULL,"
          "  PRIMARY KEY (host, grp));"
          "CREATE INDEX host_groups_grp ON host_groups(grp);"
          "CREATE TABLE requests ("
          "  rid bigserial UNIQUE,"
          "  id text PRIMARY KEY,"
          "  state integer NOT NULL,"
          "  role text NOT NULL,"
          "  host text NOT NULL,"
          "  user_name text NOT NULL,"
          "  filed_by text NOT NULL,"
          "  duration bigint NOT NULL,"
          "  reason text,"
          "  ticket text,"
          "  start_at bigint NOT NULL,"
          "  created_at bigint NOT NULL,"
          "  expires_at bigint NOT NULL,"
          "  approvals_required bigint NOT NULL,"
          "  denials_required bigint NOT NULL,"
          "  closed_at bigint NOT NULL DEFAULT 0,"
          "  extends text);"
          "CREATE INDEX requests_state ON requests(state, expires_at);"
          "CREATE INDEX requests_user ON requests(user_name);"
          "CREATE INDEX requests_filed_by ON requests(filed_by);"
          "CREATE INDEX requests_host ON requests(host);"
          "CREATE INDEX requests_extends ON requests(extends);"
          "CREATE INDEX requests_created ON requests(created_at, rid);"
          "CREATE TABLE decisions ("
          "  rid bigserial,"
          "  request_id text NOT NULL REFERENCES requests(id),"
          "  by_user text NOT NULL,"
          "  decision integer NOT NULL,"
          "  comment text,"
          "  at bigint NOT NULL,"
          "  PRIMARY KEY (request_id, by_user));"
          "CREATE TABLE grants ("
          "  id text PRIMARY KEY,"
          "  request_id text NOT NULL UNIQUE REFERENCES requests(id),"
          "  user_name text NOT NULL,"
          "  role text NOT NULL,"
          "  aud text NOT NULL,"
          "  nbf bigint NOT NULL,"
          "  exp bigint NOT NULL,"
          "  iat bigint NOT NULL,"
          "  jws text NOT NULL,"
          "  kid text NOT NULL,"
          "  revoked_at bigint NOT NULL DEFAULT 0,"
          "  revoked_by text,"
          "  revoke_reason text,"
          "  seq bigint NOT NULL DEFAULT 0);"
          /* The global feed cursor: one sequence every instance draws from. */
          "CREATE SEQUENCE feed_seq;"
          "CREATE TABLE feed ("
          "  seq bigint PRIMARY KEY DEFAULT nextval('feed_seq'),"
          "  kind integer NOT NULL,"
          "  grant_id text NOT NULL REFERENCES grants(id),"
          "  aud text NOT NULL,"
          "  at bigint NOT NULL);"
          "ALTER SEQUENCE feed_seq OWNED BY feed.seq;"
          "CREATE INDEX feed_aud ON feed(aud, seq);"
          "CREATE TABLE audit ("
          "  id bigserial PRIMARY KEY,"
          "  at bigint NOT NULL,"
          "  event text NOT NULL,"
          "  actor text NOT NULL,"
          "  request_id text,"
          "  grant_id text,"
          "  user_name text,"
          "  role text,"
          "  host text,"
          "  reason text);"
          "CREATE INDEX audit_request ON audit(request_id);"
          "CREATE TABLE webhook_jobs ("
          "  id bigserial PRIMARY KEY,"
          "  target text NOT NULL,"
          "  event text NOT NULL,"
          "  body text NOT NULL,"
          "  created_at bigint NOT NULL,"
          "  next_at bigint NOT NULL,"
          "  attempts bigint NOT NULL DEFAULT 0,"
          "  last_error text,"
          /* Which instance sends the job, until when (epoch seconds). */
          "  lease_owner text,"
          "  lease_until bigint NOT NULL DEFAULT 0);"
          "CREATE INDEX webhook_jobs_next ON webhook_jobs(next_at);"
          "CREATE INDEX webhook_jobs_target ON webhook_jobs(target, id);"
          "CREATE TABLE breakglass_uses ("
          "  id text PRIMARY KEY,"
          "  host text NOT NULL,"
          "  user_name text NOT NULL,"
          "  role text NOT NULL,"
          "  service text,"
          "  tty text,"
          "  rhost text,"
          "  used_at bigint NOT NULL,"
          "  window_end bigint NOT NULL,"
          "  slot bigint NOT NULL,"
          "  received_at bigint NOT NULL,"
          "  ack_by text,"
          "  ack_at bigint NOT NULL DEFAULT 0,"
          "  ack_comment text);"
          "CREATE INDEX breakglass_uses_open ON breakglass_uses(ack_at, used_at);" },
        /* The last signed audit checkpoint of each host (server/checkpoints.c). */
        { 2,
          "CREATE TABLE host_checkpoints ("
          "  host text PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,"
          "  seq bigint NOT NULL DEFAULT 0,"
          "  head text,"
          "  time_usec bigint NOT NULL DEFAULT 0,"
          "  received_at bigint NOT NULL DEFAULT 0,"
          "  host_key text,"
          "  key_by_admin boolean NOT NULL DEFAULT false,"
          "  key_at bigint NOT NULL DEFAULT 0,"
          "  stop_alerted_at bigint NOT NULL DEFAULT 0,"
          "  conflict text,"
          "  conflict_seq bigint NOT NULL DEFAULT 0,"
          "  conflict_head text,"
          "  conflict_key text,"
          "  conflict_time_usec bigint NOT NULL DEFAULT 0,"
          "  conflict_at bigint NOT NULL DEFAULT 0,"
          "  conflicts bigint NOT NULL DEFAULT 0);"
          "CREATE INDEX host_checkpoints_stale ON host_checkpoints(stop_alerted_at, received_at);" },
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

int pg_schema_latest(void)
{
        return migrations[N_MIGRATIONS - 1].version;
}

/* One command; the server's message into err on failure. */
static int exec1(PGconn *c, const char *sql, char *err, size_t errlen, const char *what)
{
        PGresult *res = PQexec(c, sql);
        int st = res ? (int)PQresultStatus(res) : PGRES_FATAL_ERROR;
        int r = 0;

        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

                snprintf(err, errlen, "%s: %s", what, m ? m : PQerrorMessage(c));
                r = -EIO;
        }
        PQclear(res);
        return r;
}

static int current_version(PGconn *c, int *out, char *err, size_t errlen)
{
        PGresult *res;
        int r = exec1(c, "CREATE TABLE IF NOT EXISTS team_schema (version integer PRIMARY KEY, "
                         "applied_at timestamptz NOT NULL DEFAULT now())", err, errlen,
                      "cannot create the schema version table");

        if (r < 0)
                return r;
        res = PQexec(c, "SELECT coalesce(max(version), 0) FROM team_schema");
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
                snprintf(err, errlen, "cannot read the schema version: %s", PQerrorMessage(c));
                r = -EIO;
        } else {
                *out = atoi(PQgetvalue(res, 0, 0));
        }
        PQclear(res);
        return r;
}

static int apply(PGconn *c, const struct pg_migration *m, char *err, size_t errlen)
{
        char what[64], mark[96];
        int r;

        snprintf(what, sizeof(what), "schema migration to version %d failed", m->version);
        snprintf(mark, sizeof(mark), "INSERT INTO team_schema(version) VALUES (%d)", m->version);
        r = exec1(c, "BEGIN", err, errlen, what);
        r = r ?: exec1(c, m->sql, err, errlen, what);
        r = r ?: exec1(c, mark, err, errlen, what);
        r = r ?: exec1(c, "COMMIT", err, errlen, what);
        if (r < 0)
                PQclear(PQexec(c, "ROLLBACK"));
        return r;
}

int pg_schema_migrate(PGconn *c, char *err, size_t errlen)
{
        char lock[96];
        int version = 0, r;

        snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%lld)", (long long)PG_LOCK_SCHEMA);
        r = exec1(c, lock, err, errlen, "cannot take the schema lock");
        if (r < 0)
                return r;
        r = current_version(c, &version, err, errlen);
        if (r == 0 && version > pg_schema_latest()) {
                snprintf(err, errlen,
                         "database schema version %d is newer than this team-server knows (%d); "
                         "run the newer team-server or restore a backup",
                         version, pg_schema_latest());
                r = -EPROTO;
        }
        for (size_t i = 0; r == 0 && i < N_MIGRATIONS; i++)
                if (migrations[i].version > version)
                        r = apply(c, &migrations[i], err, errlen);
        snprintf(lock, sizeof(lock), "SELECT pg_advisory_unlock(%lld)", (long long)PG_LOCK_SCHEMA);
        PQclear(PQexec(c, lock));
        return r;
}
