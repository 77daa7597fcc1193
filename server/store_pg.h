/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of the PostgreSQL store, shared by store_pg*.c.
 *
 * Connections: a fixed pool. An operation outside a transaction borrows a
 * connection for one statement (or a few, for a row and its children);
 * srv_store_begin() binds one connection to the calling thread (a
 * pthread key) until commit or rollback, so every operation in between
 * runs on it, in one transaction.
 *
 * Isolation: READ COMMITTED plus row locks. Inside a transaction,
 * request_get reads the request row FOR UPDATE, so every state change of
 * one request (a decision, a cancel, an expiry) is serialised on that row
 * across every instance: the second approver of a quorum waits for the
 * first to commit, then sees its decision (a READ COMMITTED statement
 * sees what committed before it started) and is the one that issues the
 * grant; a cancel racing an approval finds the request no longer pending.
 * Appending to the host feed takes a transaction-scoped advisory lock
 * first, so feed sequence numbers (one database sequence for every
 * instance) become visible in the order they were assigned: a host that
 * has read up to N can never later find a committed entry below N. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store.h"

#define PG_MAX_PARAMS 20
/* Advisory lock keys (pg_advisory_lock's bigint space, "team" in ASCII). */
#define PG_LOCK_SCHEMA 0x7465616d0001LL
#define PG_LOCK_FEED 0x7465616d0002LL
/* The NOTIFY channel of the host feed; the payload is the entry's aud. */
#define PG_FEED_CHANNEL "team_feed"
/* How long a webhook sender owns a target's head job (seconds); longer
 * than one delivery attempt, so only a dead sender loses it. */
#define PG_WEBHOOK_LEASE 30

struct pg_conn {
        PGconn *c;
        bool busy;
};

struct pg_store {
        struct srv_store base;        /* first: (struct srv_store *) casts */
        char *conninfo;               /* as configured (never holds a password) */
        char *shown;                  /* the same with any password masked, for messages */
        char owner[33];               /* this instance's lease owner id */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct pg_conn *conns;
        size_t n_conns;
        pthread_key_t txn;            /* struct pg_conn * of this thread's transaction */
        /* LISTEN side (store_pg_listen.c) */
        pthread_t listener;
        bool listening;
        int stop_pipe[2];
        void (*on_feed)(const char *aud, void *ctx);
        void *on_feed_ctx;
};

static inline struct pg_store *pgs(struct srv_store *s)
{
        return (struct pg_store *)s;
}

/* Bound parameters (text, or binary for bytea), never pasted into SQL. */
struct pg_params {
        int n;
        const char *v[PG_MAX_PARAMS];
        int len[PG_MAX_PARAMS];
        int fmt[PG_MAX_PARAMS];
        char num[PG_MAX_PARAMS][24];
};
void pg_text(struct pg_params *p, const char *v);            /* NULL binds NULL */
void pg_int(struct pg_params *p, int64_t v);
void pg_bytes(struct pg_params *p, const uint8_t *v, int len);
/* A NULL-terminated list as a JSON array text, for json_array_elements_text(). */
int pg_json_list(struct pg_params *p, const char *const *v, char **buf);

/* Connections. pg_acquire returns the thread's transaction connection or
 * a free pool connection (reconnecting a broken one): NULL when the
 * database cannot be reached. */
struct pg_conn *pg_acquire(struct pg_store *s);
void pg_release(struct pg_store *s, struct pg_conn *c);
bool pg_in_txn(struct pg_store *s);

/* One statement on c: 0 and *res (PQclear it; may be NULL when not
 * wanted), or -EEXIST (a constraint), -EAGAIN (serialisation failure or
 * deadlock: retry the transaction), -ENOTCONN (the database went away),
 * -EIO (logged: the message, never the parameters). */
int pg_run(struct pg_store *s, struct pg_conn *c, const char *sql, const struct pg_params *p, PGresult **res);
/* pg_run on a borrowed connection. */
int pg_query(struct pg_store *s, const char *sql, const struct pg_params *p, PGresult **res);
/* pg_query expecting a command: -ENOENT when it changed no row. */
int pg_changed(struct pg_store *s, const char *sql, const struct pg_params *p);
/* Column helpers: a NULL value reads as NULL / 0. */
int pg_dup(const PGresult *res, int row, int col, char **out);
int pg_str(const PGresult *res, int row, int col, const char **out);   /* pg_dup into a row's (const) member */
int64_t pg_i64(const PGresult *res, int row, int col);
/* Column 0 of every row into a NULL-terminated vector. */
int pg_strv(const PGresult *res, char ***out);
/* sqlite's count/first-row shapes. */
int pg_count(struct pg_store *s, const char *sql, const struct pg_params *p, uint64_t *out);

/* Schema (store_pg_schema.c): migrations under the advisory lock. */
int pg_schema_latest(void);
int pg_schema_migrate(PGconn *c, char *err, size_t errlen);

/* Connection URI checks (store_pg_uri.c). */
/* Copies uri to out with any password (user:PASSWORD@ or password=)
 * replaced by "***". */
void pg_uri_redact(const char *uri, char *out, size_t outlen);
/* Refuses a URI with a password and a passfile (the URI's passfile=, else
 * PGPASSFILE, else ~/.pgpass) that is group/world-readable. */
int pg_uri_check(const char *uri, char *err, size_t errlen);

/* The LISTEN thread (store_pg_listen.c). */
int pg_feed_subscribe(struct srv_store *s, void (*fn)(const char *aud, void *ctx), void *ctx);
void pg_listen_stop(struct pg_store *s);

/* Operations (store_pg_req.c, store_pg_misc.c, store_pg_identity.c). */
int pg_user_add(struct srv_store *s, const struct srv_user *u, const uint8_t h[SRV_TOKEN_HASH_LEN]);
int pg_user_get(struct srv_store *s, const char *name, struct srv_user *out);
int pg_user_by_token(struct srv_store *s, const uint8_t h[SRV_TOKEN_HASH_LEN], struct srv_user *out);
int pg_users_in_groups(struct srv_store *s, const char *const *groups, char ***out);
int pg_host_add(struct srv_store *s, const struct srv_host *x, const uint8_t h[SRV_TOKEN_HASH_LEN]);
int pg_host_get(struct srv_store *s, const char *id, struct srv_host *out);
int pg_host_by_token(struct srv_store *s, const uint8_t h[SRV_TOKEN_HASH_LEN], struct srv_host *out);
int pg_group_has_hosts(struct srv_store *s, const char *group);
int pg_identity_list(struct srv_store *s, bool host, char ***out);
int pg_identity_remove(struct srv_store *s, bool host, const char *name);
int pg_identity_set_groups(struct srv_store *s, bool host, const char *name, char *const *groups);
int pg_identity_set_token(struct srv_store *s, bool host, const char *name, const uint8_t hash[SRV_TOKEN_HASH_LEN]);
int pg_request_insert(struct srv_store *s, const struct srv_request *r);
int pg_request_set_state(struct srv_store *s, const char *id, enum srv_request_state state, int64_t at);
int pg_request_get(struct srv_store *s, const char *id, struct srv_request *out);
int pg_request_list(struct srv_store *s, const struct srv_request_filter *f, struct srv_request **out, size_t *n);
int pg_request_due(struct srv_store *s, int64_t now, char ***out);
int pg_request_count(struct srv_store *s, enum srv_request_state state, uint64_t *out);
int pg_decision_insert(struct srv_store *s, const char *request_id, const struct srv_decision *d);
int pg_grant_insert(struct srv_store *s, struct srv_grant *g);
int pg_grant_get(struct srv_store *s, const char *id, struct srv_grant *out);
int pg_grant_revoke(struct srv_store *s, const char *id, int64_t at, const char *by, const char *reason,
                    int64_t *seq);
int pg_grant_count(struct srv_store *s, uint64_t *out);
int pg_feed_since(struct srv_store *s, int64_t cursor, const char *const *auds, int64_t now,
                  struct srv_feed_entry **out, size_t *n, int64_t *last);
int pg_audit_append(struct srv_store *s, struct srv_audit_record *a);
int pg_audit_list(struct srv_store *s, const char *request_id, struct srv_audit_record **out, size_t *n);
int pg_webhook_enqueue(struct srv_store *s, struct srv_webhook_job *j);
int pg_webhook_next_due(struct srv_store *s, int64_t now, struct srv_webhook_job *out);
int pg_webhook_done(struct srv_store *s, int64_t id);
int pg_webhook_retry(struct srv_store *s, int64_t id, int64_t next_at, unsigned attempts, const char *last_error);
int pg_webhook_depth(struct srv_store *s, uint64_t *out);
int pg_webhook_next_at(struct srv_store *s, int64_t *out);
int pg_webhook_head(struct srv_store *s, const char *target, struct srv_webhook_job *out);
int pg_breakglass_insert(struct srv_store *s, const struct srv_breakglass_use *u);
int pg_breakglass_list(struct srv_store *s, bool all, size_t max, struct srv_breakglass_use **out, size_t *n);
int pg_breakglass_ack(struct srv_store *s, const char *id, const char *by, int64_t at, const char *comment);
/* store_pg_checkpoint.c */
int pg_checkpoint_get(struct srv_store *s, const char *host, struct srv_checkpoint *out);
int pg_checkpoint_put(struct srv_store *s, const struct srv_checkpoint *c, bool create);
int pg_checkpoint_delete(struct srv_store *s, const char *host);
int pg_checkpoint_stale(struct srv_store *s, int64_t before, size_t max, struct srv_checkpoint **out, size_t *n);
int pg_checkpoint_mark_stopped(struct srv_store *s, const char *host, int64_t received_at, int64_t at);
