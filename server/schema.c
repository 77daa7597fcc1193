/* SPDX-License-Identifier: BSD-3-Clause */
/* The sqlite schema: PRAGMA user_version and a table of migrations, each
 * applied once, in order, in its own transaction. A database newer than
 * this program is refused rather than guessed at. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include <sqlite3.h>

#include "store_sqlite.h"

struct migration {
        int version;
        const char *sql;
};

static const struct migration migrations[] = {
        { 1,
          "CREATE TABLE users ("
          "  name TEXT PRIMARY KEY NOT NULL,"
          "  token_hash BLOB NOT NULL UNIQUE,"
          "  created_at INTEGER NOT NULL);"
          "CREATE TABLE user_groups ("
          "  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
          "  grp TEXT NOT NULL,"
          "  PRIMARY KEY (user, grp));"
          "CREATE INDEX user_groups_grp ON user_groups(grp);"
          "CREATE TABLE hosts ("
          "  id TEXT PRIMARY KEY NOT NULL,"
          "  token_hash BLOB NOT NULL UNIQUE,"
          "  created_at INTEGER NOT NULL);"
          "CREATE TABLE host_groups ("
          "  host TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
          "  grp TEXT NOT NULL,"
          "  PRIMARY KEY (host, grp));"
          "CREATE INDEX host_groups_grp ON host_groups(grp);"
          "CREATE TABLE requests ("
          "  id TEXT PRIMARY KEY NOT NULL,"
          "  state INTEGER NOT NULL,"
          "  role TEXT NOT NULL,"
          "  host TEXT NOT NULL,"
          "  user TEXT NOT NULL,"
          "  filed_by TEXT NOT NULL,"
          "  duration INTEGER NOT NULL,"
          "  reason TEXT,"
          "  ticket TEXT,"
          "  start_at INTEGER NOT NULL,"
          "  created_at INTEGER NOT NULL,"
          "  expires_at INTEGER NOT NULL,"
          "  approvals_required INTEGER NOT NULL,"
          "  denials_required INTEGER NOT NULL,"
          "  closed_at INTEGER NOT NULL DEFAULT 0,"
          "  extends TEXT);"
          "CREATE INDEX requests_state ON requests(state, expires_at);"
          "CREATE INDEX requests_user ON requests(user);"
          "CREATE INDEX requests_filed_by ON requests(filed_by);"
          "CREATE INDEX requests_host ON requests(host);"
          "CREATE TABLE decisions ("
          "  request_id TEXT NOT NULL REFERENCES requests(id),"
          "  by_user TEXT NOT NULL,"
          "  decision INTEGER NOT NULL,"
          "  comment TEXT,"
          "  at INTEGER NOT NULL,"
          "  PRIMARY KEY (request_id, by_user));"
          "CREATE TABLE grants ("
          "  id TEXT PRIMARY KEY NOT NULL,"
          "  request_id TEXT NOT NULL UNIQUE REFERENCES requests(id),"
          "  user TEXT NOT NULL,"
          "  role TEXT NOT NULL,"
          "  aud TEXT NOT NULL,"
          "  nbf INTEGER NOT NULL,"
          "  exp INTEGER NOT NULL,"
          "  iat INTEGER NOT NULL,"
          "  jws TEXT NOT NULL,"
          "  kid TEXT NOT NULL,"
          "  revoked_at INTEGER NOT NULL DEFAULT 0,"
          "  revoked_by TEXT,"
          "  revoke_reason TEXT,"
          "  seq INTEGER NOT NULL DEFAULT 0);"
          "CREATE TABLE feed ("
          "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
          "  kind INTEGER NOT NULL,"
          "  grant_id TEXT NOT NULL REFERENCES grants(id),"
          "  aud TEXT NOT NULL,"
          "  at INTEGER NOT NULL);"
          "CREATE INDEX feed_aud ON feed(aud, seq);"
          "CREATE TABLE audit ("
          "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
          "  at INTEGER NOT NULL,"
          "  event TEXT NOT NULL,"
          "  actor TEXT NOT NULL,"
          "  request_id TEXT,"
          "  grant_id TEXT,"
          "  user TEXT,"
          "  role TEXT,"
          "  host TEXT,"
          "  reason TEXT);"
          "CREATE INDEX audit_request ON audit(request_id);"
          "CREATE TABLE webhook_jobs ("
          "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
          "  target TEXT NOT NULL,"
          "  event TEXT NOT NULL,"
          "  body TEXT NOT NULL,"
          "  created_at INTEGER NOT NULL,"
          "  next_at INTEGER NOT NULL,"
          "  attempts INTEGER NOT NULL DEFAULT 0,"
          "  last_error TEXT);"
          "CREATE INDEX webhook_jobs_next ON webhook_jobs(next_at);" },
        { 2,
          "CREATE TABLE breakglass_uses ("
          "  id TEXT PRIMARY KEY NOT NULL,"
          "  host TEXT NOT NULL,"
          "  user TEXT NOT NULL,"
          "  role TEXT NOT NULL,"
          "  service TEXT,"
          "  tty TEXT,"
          "  rhost TEXT,"
          "  used_at INTEGER NOT NULL,"
          "  window_end INTEGER NOT NULL,"
          "  slot INTEGER NOT NULL,"
          "  received_at INTEGER NOT NULL,"
          "  ack_by TEXT,"
          "  ack_at INTEGER NOT NULL DEFAULT 0,"
          "  ack_comment TEXT);"
          "CREATE INDEX breakglass_uses_open ON breakglass_uses(ack_at, used_at);" },
        /* The last signed audit checkpoint of each host (server/checkpoints.c). */
        { 3,
          "CREATE TABLE host_checkpoints ("
          "  host TEXT PRIMARY KEY NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
          "  seq INTEGER NOT NULL DEFAULT 0,"
          "  head TEXT,"
          "  time_usec INTEGER NOT NULL DEFAULT 0,"
          "  received_at INTEGER NOT NULL DEFAULT 0,"
          "  host_key TEXT,"
          "  key_by_admin INTEGER NOT NULL DEFAULT 0,"
          "  key_at INTEGER NOT NULL DEFAULT 0,"
          "  stop_alerted_at INTEGER NOT NULL DEFAULT 0,"
          "  conflict TEXT,"
          "  conflict_seq INTEGER NOT NULL DEFAULT 0,"
          "  conflict_head TEXT,"
          "  conflict_key TEXT,"
          "  conflict_time_usec INTEGER NOT NULL DEFAULT 0,"
          "  conflict_at INTEGER NOT NULL DEFAULT 0,"
          "  conflicts INTEGER NOT NULL DEFAULT 0);"
          "CREATE INDEX host_checkpoints_stale ON host_checkpoints(stop_alerted_at, received_at);" },
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

int srv_schema_latest(void)
{
        return migrations[N_MIGRATIONS - 1].version;
}

static int get_user_version(sqlite3 *db, int *out)
{
        sqlite3_stmt *st = NULL;
        int r = -EIO;

        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
                goto out;
        if (sqlite3_step(st) != SQLITE_ROW)
                goto out;
        *out = sqlite3_column_int(st, 0);
        r = 0;
out:
        sqlite3_finalize(st);
        return r;
}

static int apply(sqlite3 *db, const struct migration *m, char *err, size_t errlen)
{
        char pragma[64];
        char *emsg = NULL;

        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &emsg) != SQLITE_OK)
                goto fail;
        if (sqlite3_exec(db, m->sql, NULL, NULL, &emsg) != SQLITE_OK ||
            sqlite3_exec(db, pragma, NULL, NULL, &emsg) != SQLITE_OK) {
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                goto fail;
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, &emsg) != SQLITE_OK) {
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                goto fail;
        }
        return 0;
fail:
        snprintf(err, errlen, "schema migration to version %d failed: %s", m->version,
                 emsg ? emsg : sqlite3_errmsg(db));
        sqlite3_free(emsg);
        return -EIO;
}

int srv_schema_migrate(sqlite3 *db, char *err, size_t errlen)
{
        int version = 0, r;

        r = get_user_version(db, &version);
        if (r < 0) {
                snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
                return r;
        }
        if (version > srv_schema_latest()) {
                snprintf(err, errlen,
                         "database schema version %d is newer than this team-server knows (%d); "
                         "run the newer team-server or restore a backup",
                         version, srv_schema_latest());
                return -EPROTO;
        }
        for (size_t i = 0; i < N_MIGRATIONS; i++) {
                if (migrations[i].version <= version)
                        continue;
                r = apply(db, &migrations[i], err, errlen);
                if (r < 0)
                        return r;
        }
        return 0;
}
