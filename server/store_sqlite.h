/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of the sqlite store, shared by store_sqlite*.c and schema.c. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

struct sqlite_store {
        struct srv_store base;        /* first: (struct srv_store *) casts */
        sqlite3 *db;
        pthread_mutex_t lock;         /* recursive; held from begin to commit/rollback */
};

static inline struct sqlite_store *sq(struct srv_store *s)
{
        return (struct sqlite_store *)s;
}

int srv_schema_latest(void);
int srv_schema_migrate(sqlite3 *db, char *err, size_t errlen);

/* Helpers (store_sqlite.c). */
void sq_lock(struct sqlite_store *s);
void sq_unlock(struct sqlite_store *s);
int sq_prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **st);
int sq_bind_text(sqlite3_stmt *st, int i, const char *v);      /* NULL binds NULL */
int sq_col_dup(sqlite3_stmt *st, int i, char **out);          /* NULL column -> NULL; -ENOMEM */
int sq_col_str(sqlite3_stmt *st, int i, const char **out);    /* sq_col_dup into a row's (const) member */
int sq_step_done(struct sqlite_store *s, sqlite3_stmt *st);   /* expects SQLITE_DONE; maps CONSTRAINT to -EEXIST */
int sq_json_array(const char *const *v, char **out);          /* ["a","b"] for json_each() */
int sq_step_changed(struct sqlite_store *s, sqlite3_stmt *st); /* sq_step_done, then -ENOENT if no row changed */
int sq_step_row(sqlite3_stmt *st);                            /* one step: 0 on a row, -ENOENT on none, -EIO */
/* Fills one element of a list from the current row (it starts uninitialised). */
typedef int (*sq_row_fn)(sqlite3_stmt *st, void *elem, void *ctx);
/* Steps st to the end, appending one size-byte element per row to *list and
 * filling it with read(st, elem, ctx). *count counts every element appended,
 * the failed one too, so that on error the caller frees all of them. */
int sq_collect(sqlite3_stmt *st, size_t size, sq_row_fn read, void *ctx, void **list, size_t *count);
/* Steps st to the end; column 0 of every row into a NULL-terminated vector
 * (empty, not NULL, when there is no row). On error *out is NULL. */
int sq_collect_strv(sqlite3_stmt *st, char ***out);
/* The count(*) of sql into *out; param binds ?1 when has_param. */
int sq_count(struct sqlite_store *s, const char *sql, int has_param, int64_t param, uint64_t *out);

/* store_sqlite_req.c: requests, grants, the feed; store_sqlite_misc.c: audit */
int sq_request_insert(struct srv_store *s, const struct srv_request *r);
int sq_request_set_state(struct srv_store *s, const char *id, enum srv_request_state state, int64_t at);
int sq_request_get(struct srv_store *s, const char *id, struct srv_request *out);
int sq_request_list(struct srv_store *s, const struct srv_request_filter *f, struct srv_request **out, size_t *n);
int sq_request_due(struct srv_store *s, int64_t now, char ***out);
int sq_request_count(struct srv_store *s, enum srv_request_state state, uint64_t *out);
int sq_decision_insert(struct srv_store *s, const char *request_id, const struct srv_decision *d);
int sq_grant_insert(struct srv_store *s, struct srv_grant *g);
int sq_grant_get(struct srv_store *s, const char *id, struct srv_grant *out);
int sq_grant_revoke(struct srv_store *s, const char *id, int64_t at, const char *by, const char *reason,
                    int64_t *seq);
int sq_grant_count(struct srv_store *s, uint64_t *out);
int sq_feed_since(struct srv_store *s, int64_t cursor, const char *const *auds, int64_t now,
                  struct srv_feed_entry **out, size_t *n, int64_t *last);
int sq_audit_append(struct srv_store *s, struct srv_audit_record *a);
int sq_audit_list(struct srv_store *s, const char *request_id, struct srv_audit_record **out, size_t *n);
/* store_sqlite_webhook.c: the webhook queue */
int sq_webhook_enqueue(struct srv_store *s, struct srv_webhook_job *j);
int sq_webhook_next_due(struct srv_store *s, int64_t now, struct srv_webhook_job *out);
int sq_webhook_head(struct srv_store *s, const char *target, struct srv_webhook_job *out);
int sq_webhook_done(struct srv_store *s, int64_t id);
int sq_webhook_retry(struct srv_store *s, int64_t id, int64_t next_at, unsigned attempts, const char *last_error);
int sq_webhook_depth(struct srv_store *s, uint64_t *out);
int sq_webhook_next_at(struct srv_store *s, int64_t *out);
/* store_sqlite_identity.c: the identity lifecycle */
int sq_identity_list(struct srv_store *s, bool host, char ***out);
int sq_identity_remove(struct srv_store *s, bool host, const char *name);
int sq_identity_set_groups(struct srv_store *s, bool host, const char *name, char *const *groups);
int sq_identity_set_token(struct srv_store *s, bool host, const char *name, const uint8_t hash[SRV_TOKEN_HASH_LEN]);
/* Inserts name's groups (inside the caller's transaction). */
int sq_groups_insert(struct sqlite_store *s, bool host, const char *name, char *const *groups);
/* store_sqlite_breakglass.c */
int sq_breakglass_insert(struct srv_store *s, const struct srv_breakglass_use *u);
int sq_breakglass_list(struct srv_store *s, bool all, size_t max, struct srv_breakglass_use **out, size_t *n);
int sq_breakglass_ack(struct srv_store *s, const char *id, const char *by, int64_t at, const char *comment);
/* store_sqlite_checkpoint.c */
int sq_checkpoint_get(struct srv_store *s, const char *host, struct srv_checkpoint *out);
int sq_checkpoint_put(struct srv_store *s, const struct srv_checkpoint *c, bool create);
int sq_checkpoint_delete(struct srv_store *s, const char *host);
int sq_checkpoint_stale(struct srv_store *s, int64_t before, size_t max, struct srv_checkpoint **out, size_t *n);
int sq_checkpoint_mark_stopped(struct srv_store *s, const char *host, int64_t received_at, int64_t at);
