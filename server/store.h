/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server persistence: a storage interface (a vtable) and its typed
 * rows.
 *
 * The embedded default is sqlite (server/store_sqlite.c, schema and
 * migrations in server/schema.c); several instances share a PostgreSQL
 * database (server/store_pg.c, see store_pg.h for its locking). Every operation is safe to call from
 * several threads: the sqlite store serialises them with one (recursive)
 * mutex. srv_store_begin() takes that mutex until srv_store_commit() or
 * srv_store_rollback(), so the operations in between form one transaction
 * that no other thread interleaves with.
 *
 * Conventions: 0 or -errno. -ENOENT: no such row. -EEXIST: a unique key
 * (user name, host id, token hash, id) already exists. -EIO: a database
 * error (logged, never containing a secret). Strings handed in are copied;
 * rows handed out are malloc'd and freed with the matching *_clear(). A
 * row's strings are const: to insert one, a caller points them at its own
 * (borrowed) strings; a row handed out owns them. Lists of strings are
 * NULL-terminated char ** (like config_parser lists). Times are UTC epoch
 * seconds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_ID_LEN 18                 /* "r_" / "g_" + 16 hex */
#define SRV_TOKEN_HASH_LEN 32         /* SHA-256 of the bearer token */
#define SRV_MAX_NAME 64               /* user names, host ids, groups, roles */
#define SRV_MAX_REASON 1024
#define SRV_MAX_TICKET 128
#define SRV_MAX_COMMENT 1024
/* Seconds a client is told to wait (Retry-After with a 503) when the
 * database does not answer (-ENOTCONN from an operation). */
#define SRV_STORE_RETRY_AFTER 5

/* ---- identities ---- */

struct srv_user {
        const char *name;
        char **groups;                /* NULL-terminated, may be empty */
        int64_t created_at;
};
void srv_user_clear(struct srv_user *u);

struct srv_host {
        const char *id;
        char **groups;
        int64_t created_at;
};
void srv_host_clear(struct srv_host *h);

/* ---- requests, decisions, grants ---- */

/* What the database records. The status clients see (pending, approved,
 * active, expired, denied, cancelled, revoked) is derived from this plus
 * the grant's times by lifecycle (lc_request_status()). */
enum srv_request_state {
        SRV_REQ_PENDING = 0,
        SRV_REQ_APPROVED,             /* a grant was issued */
        SRV_REQ_DENIED,
        SRV_REQ_CANCELLED,
        SRV_REQ_EXPIRED,              /* request TTL passed while pending */
        SRV_REQ_REVOKED,              /* its grant was revoked */
        SRV_REQ__MAX
};

enum srv_decision_kind {
        SRV_DECISION_APPROVE = 0,
        SRV_DECISION_DENY,
};

struct srv_decision {
        const char *by;               /* user name */
        enum srv_decision_kind decision;
        const char *comment;          /* NULL = none */
        int64_t at;
};

struct srv_grant {
        const char *id;               /* g_<16 hex> */
        const char *request_id;
        const char *user;             /* sub */
        const char *role;
        const char *aud;              /* host id or host group */
        int64_t nbf, exp, iat;
        const char *jws;
        const char *kid;
        int64_t revoked_at;           /* 0 = not revoked */
        const char *revoked_by;       /* NULL unless revoked */
        const char *revoke_reason;    /* NULL = none */
        int64_t seq;                  /* feed sequence number of the issue */
};
void srv_grant_clear(struct srv_grant *g);

struct srv_request {
        const char *id;               /* r_<16 hex> */
        enum srv_request_state state;
        const char *role;
        const char *host;             /* host id or host group (the grant's aud) */
        const char *user;             /* for whom */
        const char *filed_by;         /* "user:NAME" or "host:ID" */
        int64_t duration;             /* seconds */
        const char *reason;           /* NULL = none */
        const char *ticket;           /* NULL = none */
        int64_t start_at;             /* 0 = at approval */
        int64_t created_at;
        int64_t expires_at;           /* end of the pending TTL */
        int64_t approvals_required;
        int64_t denials_required;
        int64_t closed_at;            /* when it left pending; 0 while pending */
        const char *extends;          /* grant id, NULL = none */
        /* Filled by request_get / request_list: */
        struct srv_decision *decisions;   /* in time order */
        size_t n_decisions;
        struct srv_grant *grant;          /* NULL until approved */
};
void srv_request_clear(struct srv_request *r);
void srv_request_list_free(struct srv_request *list, size_t n);

/* Which requests request_list returns: the OR of the "visible" clauses
 * that are set, ANDed with state when has_state. All NULL/false = all. */
struct srv_request_filter {
        bool has_state;
        enum srv_request_state state;
        const char *user;       /* requests for this user ... */
        const char *filed_by;   /* ... or filed by "user:NAME"/"host:ID" ... */
        const char *host;       /* ... or whose host is this id ... */
        const char *const *roles;     /* ... or (pending only) of one of these roles; NULL-terminated */
        const char *extends;    /* AND: only requests extending this grant id */
        const char *before;     /* AND: only requests listed after this id (a page's cursor) */
        size_t limit;                 /* 0 = SRV_REQUEST_LIST_MAX; at most SRV_REQUEST_LIST_MAX + 1 */
};
#define SRV_REQUEST_LIST_MAX 500      /* the largest page */

/* ---- host feed ---- */

enum srv_feed_kind {
        SRV_FEED_GRANT = 0,
        SRV_FEED_REVOKE,
};

struct srv_feed_entry {
        int64_t seq;
        enum srv_feed_kind kind;
        const char *grant_id;
        const char *jws;              /* SRV_FEED_GRANT only */
};
void srv_feed_list_free(struct srv_feed_entry *list, size_t n);

/* ---- audit ---- */

struct srv_audit_record {
        int64_t id;                   /* assigned on append */
        int64_t at;
        const char *event;            /* "RequestCreated", ... (lifecycle.h) */
        const char *actor;            /* "user:NAME", "host:ID", "policy", "server" */
        const char *request_id;       /* NULL = none */
        const char *grant_id;
        const char *user;
        const char *role;
        const char *host;
        const char *reason;           /* why: reason or comment */
};
void srv_audit_list_free(struct srv_audit_record *list, size_t n);

/* ---- webhook queue (durable) ---- */

struct srv_webhook_job {
        int64_t id;                   /* assigned on enqueue */
        const char *target;           /* [webhook NAME] */
        const char *event;
        const char *body;             /* the HTTP body to POST, already formatted */
        int64_t created_at;
        int64_t next_at;              /* not before */
        unsigned attempts;
        const char *last_error;       /* NULL = none */
};
void srv_webhook_job_clear(struct srv_webhook_job *j);
/* next_at of a job kept after its last allowed attempt ("failed"): never
 * due again, never deleted, still counted by webhook_depth. */
#define SRV_WEBHOOK_GAVE_UP INT64_MAX

/* ---- break-glass uses reported by hosts (routes_breakglass.c) ---- */

struct srv_breakglass_use {
        const char *id;               /* the host's event id (32 hex) */
        const char *host;             /* from the host token, not the body */
        const char *user;
        const char *role;
        const char *service;          /* NULL = unknown */
        const char *tty;
        const char *rhost;
        int64_t used_at;              /* epoch seconds */
        int64_t window_end;
        int64_t slot;
        int64_t received_at;
        const char *ack_by;           /* NULL = not acknowledged yet */
        int64_t ack_at;
        const char *ack_comment;
};
void srv_breakglass_use_clear(struct srv_breakglass_use *u);
void srv_breakglass_list_free(struct srv_breakglass_use *list, size_t n);

/* ---- audit checkpoints of hosts (server/checkpoints.c) ---- */

/* What the server keeps of one host's signed audit checkpoints
 * (docs/audit.md "Checkpoints"): the last one accepted, the key they must
 * be signed with, and the last one refused. */
struct srv_checkpoint {
        const char *host;
        int64_t seq;                  /* of the last accepted checkpoint; 0: none yet (a key set by an admin) */
        const char *head;             /* its prev, the chain head it signs (64 hex); NULL while seq is 0 */
        int64_t time_usec;            /* its time_usec (the host's clock) */
        int64_t received_at;          /* when it was accepted (the server's clock); 0 while seq is 0 */
        const char *host_key;         /* base64url of the raw Ed25519 key; NULL: none registered */
        bool key_by_admin;            /* set by team-server admin host-key, not trust on first use */
        int64_t key_at;               /* when the key was registered */
        int64_t stop_alerted_at;      /* when "checkpoints stopped" was raised; 0: not since received_at */
        /* The last checkpoint refused since the last accepted one (all
         * zero / NULL when none was): */
        const char *conflict;         /* "chain_fork" or "key_mismatch" */
        int64_t conflict_seq;
        const char *conflict_head;
        const char *conflict_key;
        int64_t conflict_time_usec;
        int64_t conflict_at;
        int64_t conflicts;            /* refused since the last accepted one */
};
void srv_checkpoint_clear(struct srv_checkpoint *c);
void srv_checkpoint_list_free(struct srv_checkpoint *list, size_t n);
#define SRV_CHECKPOINT_LIST_MAX 1000  /* records one stale scan returns */

/* ---- the interface ---- */

struct srv_store;

struct srv_store_ops {
        const char *name;             /* "sqlite" */
        void (*close)(struct srv_store *s);

        int (*begin)(struct srv_store *s);
        int (*commit)(struct srv_store *s);
        void (*rollback)(struct srv_store *s);

        int (*user_add)(struct srv_store *s, const struct srv_user *u, const uint8_t hash[SRV_TOKEN_HASH_LEN]);
        int (*user_get)(struct srv_store *s, const char *name, struct srv_user *out);
        int (*user_by_token)(struct srv_store *s, const uint8_t hash[SRV_TOKEN_HASH_LEN], struct srv_user *out);
        /* Names of the users in at least one of groups (sorted, NULL-terminated). */
        int (*users_in_groups)(struct srv_store *s, const char *const *groups, char ***out);
        int (*host_add)(struct srv_store *s, const struct srv_host *h, const uint8_t hash[SRV_TOKEN_HASH_LEN]);
        int (*host_get)(struct srv_store *s, const char *id, struct srv_host *out);
        int (*host_by_token)(struct srv_store *s, const uint8_t hash[SRV_TOKEN_HASH_LEN], struct srv_host *out);
        /* 1 if some host has this group, 0 if none, -errno. */
        int (*group_has_hosts)(struct srv_store *s, const char *group);

        int (*request_insert)(struct srv_store *s, const struct srv_request *r);
        int (*request_set_state)(struct srv_store *s, const char *id, enum srv_request_state state, int64_t at);
        int (*request_get)(struct srv_store *s, const char *id, struct srv_request *out);
        int (*request_list)(struct srv_store *s, const struct srv_request_filter *f, struct srv_request **out,
                            size_t *n);
        /* Pending requests whose expires_at <= now (ids, NULL-terminated). */
        int (*request_due)(struct srv_store *s, int64_t now, char ***out);
        int (*request_count)(struct srv_store *s, enum srv_request_state state, uint64_t *out);
        int (*decision_insert)(struct srv_store *s, const char *request_id, const struct srv_decision *d);

        /* Assigns g->seq (a new feed entry). */
        int (*grant_insert)(struct srv_store *s, struct srv_grant *g);
        int (*grant_get)(struct srv_store *s, const char *id, struct srv_grant *out);
        /* Marks revoked and appends a feed entry (*seq, may be NULL);
         * -EALREADY if already revoked. */
        int (*grant_revoke)(struct srv_store *s, const char *id, int64_t at, const char *by, const char *reason,
                            int64_t *seq);
        int (*grant_count)(struct srv_store *s, uint64_t *out);

        /* Feed entries after cursor whose grant's aud is in auds
         * (NULL-terminated), skipping grants with exp <= now (and their
         * revocations); cursor 0 = from the start. *last = the highest
         * sequence number in the whole feed (the next cursor). */
        int (*feed_since)(struct srv_store *s, int64_t cursor, const char *const *auds, int64_t now,
                          struct srv_feed_entry **out, size_t *n, int64_t *last);

        int (*audit_append)(struct srv_store *s, struct srv_audit_record *a);
        /* Records of a request (request_id != NULL) or all, oldest first. */
        int (*audit_list)(struct srv_store *s, const char *request_id, struct srv_audit_record **out, size_t *n);

        int (*webhook_enqueue)(struct srv_store *s, struct srv_webhook_job *j);
        /* The job with the smallest next_at <= now; -ENOENT if none due. */
        int (*webhook_next_due)(struct srv_store *s, int64_t now, struct srv_webhook_job *out);
        int (*webhook_done)(struct srv_store *s, int64_t id);
        int (*webhook_retry)(struct srv_store *s, int64_t id, int64_t next_at, unsigned attempts,
                             const char *last_error);
        int (*webhook_depth)(struct srv_store *s, uint64_t *out);
        /* Earliest next_at of any job; -ENOENT if the queue is empty. */
        int (*webhook_next_at)(struct srv_store *s, int64_t *out);

        /* -- added by "webhook" (server/webhook.c): per-target order -- */
        /* The oldest job (lowest id) of target that has not given up
         * (next_at < SRV_WEBHOOK_GAVE_UP), due or not; -ENOENT if none.
         * The sender delivers a target's jobs strictly in this order. */
        int (*webhook_head)(struct srv_store *s, const char *target, struct srv_webhook_job *out);

        /* -- identity lifecycle (team-server admin); host: hosts, else users -- */
        /* User names or host ids, sorted. */
        int (*identity_list)(struct srv_store *s, bool host, char ***out);
        /* Removes the identity and its groups: its token stops working at
         * once. -ENOENT if there is none. */
        int (*identity_remove)(struct srv_store *s, bool host, const char *name);
        /* Replaces the groups. -ENOENT if there is no such identity. */
        int (*identity_set_groups)(struct srv_store *s, bool host, const char *name, char *const *groups);
        /* Replaces the token's hash: the old token stops working at once. */
        int (*identity_set_token)(struct srv_store *s, bool host, const char *name,
                                  const uint8_t hash[SRV_TOKEN_HASH_LEN]);

        /* Break-glass uses: insert (-EEXIST when the id is known), list
         * (unacknowledged only unless all; newest first, at most max),
         * acknowledge (-ENOENT unknown, -EALREADY done). */
        int (*breakglass_insert)(struct srv_store *s, const struct srv_breakglass_use *u);
        int (*breakglass_list)(struct srv_store *s, bool all, size_t max, struct srv_breakglass_use **out,
                               size_t *n);
        int (*breakglass_ack)(struct srv_store *s, const char *id, const char *by, int64_t at, const char *comment);

        /* -- audit checkpoints of hosts (server/checkpoints.c) -- */
        /* The host's record; -ENOENT if there is none. Inside a
         * transaction the row stays locked until it ends (PostgreSQL: FOR
         * UPDATE; sqlite: the store's lock), so that the instances decide
         * on one host's checkpoints one at a time. */
        int (*checkpoint_get)(struct srv_store *s, const char *host, struct srv_checkpoint *out);
        /* Writes every field of c: a new record when create (-EEXIST when
         * the host has one: another instance was first), else replacing
         * the host's record (-ENOENT when there is none). The host must
         * exist (hosts); removing the host removes its record. */
        int (*checkpoint_put)(struct srv_store *s, const struct srv_checkpoint *c, bool create);
        /* Forgets the host's record; -ENOENT if there is none. */
        int (*checkpoint_delete)(struct srv_store *s, const char *host);
        /* Records with seq > 0, received_at <= before and no stop alert
         * raised, oldest first, at most max (<= SRV_CHECKPOINT_LIST_MAX). */
        int (*checkpoint_stale)(struct srv_store *s, int64_t before, size_t max, struct srv_checkpoint **out,
                                size_t *n);
        /* One conditional update: stop_alerted_at = at only while the
         * record still has this received_at and no stop alert. 0: this
         * caller raised it; -ENOENT: another instance did, or a checkpoint
         * came meanwhile. */
        int (*checkpoint_mark_stopped)(struct srv_store *s, const char *host, int64_t received_at, int64_t at);

        /* -- several instances on one database -- */
        /* Calls fn(aud, ctx) from a thread of the store's when another
         * instance (or this one) appended a feed entry for aud, and
         * fn(NULL, ctx) when notifications may have been missed (the
         * listening connection came back): wake every waiter. NULL for a
         * store only one process uses (sqlite). */
        int (*feed_subscribe)(struct srv_store *s, void (*fn)(const char *aud, void *ctx), void *ctx);
};

struct srv_store {
        const struct srv_store_ops *ops;
};

/* Opens (creating, mode 0600) and migrates the sqlite database at path. */
int srv_store_open_sqlite(const char *path, struct srv_store **out, char *err, size_t errlen);
/* Connects (a pool of connections) and migrates the PostgreSQL database
 * of a libpq URI. The URI must not hold a password (it comes from a
 * passfile, refused when group/world-readable); err never shows one.
 * -ENOTCONN: the database cannot be reached. */
int srv_store_open_pg(const char *uri, unsigned connections, struct srv_store **out, char *err, size_t errlen);
/* The backend a `database =` value names: "postgresql://" or
 * "postgres://" (PostgreSQL), "sqlite:PATH" or an absolute PATH (sqlite). */
bool srv_store_is_pg(const char *database);
int srv_store_open(const char *database, unsigned connections, struct srv_store **out, char *err, size_t errlen);
/* A PostgreSQL URI for messages: any password replaced by "***". */
void srv_store_redact_uri(const char *uri, char *out, size_t outlen);

/* Thin wrappers so callers read naturally, in the order of the ops: every
 * caller goes through them, never through s->ops directly. */
static inline void srv_store_close(struct srv_store *s) { if (s) s->ops->close(s); }
static inline int srv_store_begin(struct srv_store *s) { return s->ops->begin(s); }
static inline int srv_store_commit(struct srv_store *s) { return s->ops->commit(s); }
static inline void srv_store_rollback(struct srv_store *s) { s->ops->rollback(s); }

static inline int srv_store_user_add(struct srv_store *s, const struct srv_user *u, const uint8_t h[SRV_TOKEN_HASH_LEN])
{ return s->ops->user_add(s, u, h); }
static inline int srv_store_user_get(struct srv_store *s, const char *name, struct srv_user *out)
{ return s->ops->user_get(s, name, out); }
static inline int srv_store_user_by_token(struct srv_store *s, const uint8_t h[SRV_TOKEN_HASH_LEN], struct srv_user *out)
{ return s->ops->user_by_token(s, h, out); }
static inline int srv_store_users_in_groups(struct srv_store *s, const char *const *groups, char ***out)
{ return s->ops->users_in_groups(s, groups, out); }
static inline int srv_store_host_add(struct srv_store *s, const struct srv_host *x, const uint8_t h[SRV_TOKEN_HASH_LEN])
{ return s->ops->host_add(s, x, h); }
static inline int srv_store_host_get(struct srv_store *s, const char *id, struct srv_host *out)
{ return s->ops->host_get(s, id, out); }
static inline int srv_store_host_by_token(struct srv_store *s, const uint8_t h[SRV_TOKEN_HASH_LEN], struct srv_host *out)
{ return s->ops->host_by_token(s, h, out); }
static inline int srv_store_group_has_hosts(struct srv_store *s, const char *group)
{ return s->ops->group_has_hosts(s, group); }

static inline int srv_store_request_insert(struct srv_store *s, const struct srv_request *r)
{ return s->ops->request_insert(s, r); }
static inline int srv_store_request_set_state(struct srv_store *s, const char *id, enum srv_request_state st,
                                              int64_t at)
{ return s->ops->request_set_state(s, id, st, at); }
static inline int srv_store_request_get(struct srv_store *s, const char *id, struct srv_request *out)
{ return s->ops->request_get(s, id, out); }
static inline int srv_store_request_list(struct srv_store *s, const struct srv_request_filter *f,
                                         struct srv_request **out, size_t *n)
{ return s->ops->request_list(s, f, out, n); }
static inline int srv_store_request_due(struct srv_store *s, int64_t now, char ***out)
{ return s->ops->request_due(s, now, out); }
static inline int srv_store_request_count(struct srv_store *s, enum srv_request_state st, uint64_t *out)
{ return s->ops->request_count(s, st, out); }
static inline int srv_store_decision_insert(struct srv_store *s, const char *rid, const struct srv_decision *d)
{ return s->ops->decision_insert(s, rid, d); }

static inline int srv_store_grant_insert(struct srv_store *s, struct srv_grant *g)
{ return s->ops->grant_insert(s, g); }
static inline int srv_store_grant_get(struct srv_store *s, const char *id, struct srv_grant *out)
{ return s->ops->grant_get(s, id, out); }
static inline int srv_store_grant_revoke(struct srv_store *s, const char *id, int64_t at, const char *by,
                                         const char *reason, int64_t *seq)
{ return s->ops->grant_revoke(s, id, at, by, reason, seq); }
static inline int srv_store_grant_count(struct srv_store *s, uint64_t *out) { return s->ops->grant_count(s, out); }

static inline int srv_store_feed_since(struct srv_store *s, int64_t cursor, const char *const *auds, int64_t now,
                                       struct srv_feed_entry **out, size_t *n, int64_t *last)
{ return s->ops->feed_since(s, cursor, auds, now, out, n, last); }

static inline int srv_store_audit_append(struct srv_store *s, struct srv_audit_record *a)
{ return s->ops->audit_append(s, a); }
static inline int srv_store_audit_list(struct srv_store *s, const char *rid, struct srv_audit_record **out, size_t *n)
{ return s->ops->audit_list(s, rid, out, n); }

static inline int srv_store_webhook_enqueue(struct srv_store *s, struct srv_webhook_job *j)
{ return s->ops->webhook_enqueue(s, j); }
static inline int srv_store_webhook_next_due(struct srv_store *s, int64_t now, struct srv_webhook_job *out)
{ return s->ops->webhook_next_due(s, now, out); }
static inline int srv_store_webhook_done(struct srv_store *s, int64_t id) { return s->ops->webhook_done(s, id); }
static inline int srv_store_webhook_retry(struct srv_store *s, int64_t id, int64_t next_at, unsigned attempts,
                                          const char *last_error)
{ return s->ops->webhook_retry(s, id, next_at, attempts, last_error); }
static inline int srv_store_webhook_depth(struct srv_store *s, uint64_t *out) { return s->ops->webhook_depth(s, out); }
static inline int srv_store_webhook_next_at(struct srv_store *s, int64_t *out) { return s->ops->webhook_next_at(s, out); }
/* Whether the store keeps each target's jobs in order (webhook_head): the
 * webhook sender refuses to start without it. */
static inline bool srv_store_has_webhook_head(const struct srv_store *s) { return s->ops->webhook_head != NULL; }
static inline int srv_store_webhook_head(struct srv_store *s, const char *target, struct srv_webhook_job *out)
{ return s->ops->webhook_head(s, target, out); }

static inline int srv_store_identity_list(struct srv_store *s, bool host, char ***out)
{ return s->ops->identity_list(s, host, out); }
static inline int srv_store_identity_remove(struct srv_store *s, bool host, const char *name)
{ return s->ops->identity_remove(s, host, name); }
static inline int srv_store_identity_set_groups(struct srv_store *s, bool host, const char *name, char *const *groups)
{ return s->ops->identity_set_groups(s, host, name, groups); }
static inline int srv_store_identity_set_token(struct srv_store *s, bool host, const char *name,
                                               const uint8_t h[SRV_TOKEN_HASH_LEN])
{ return s->ops->identity_set_token(s, host, name, h); }

static inline int srv_store_breakglass_insert(struct srv_store *s, const struct srv_breakglass_use *u)
{ return s->ops->breakglass_insert(s, u); }
static inline int srv_store_breakglass_list(struct srv_store *s, bool all, size_t max,
                                            struct srv_breakglass_use **out, size_t *n)
{ return s->ops->breakglass_list(s, all, max, out, n); }
static inline int srv_store_breakglass_ack(struct srv_store *s, const char *id, const char *by, int64_t at,
                                           const char *comment)
{ return s->ops->breakglass_ack(s, id, by, at, comment); }

static inline int srv_store_checkpoint_get(struct srv_store *s, const char *host, struct srv_checkpoint *out)
{ return s->ops->checkpoint_get(s, host, out); }
static inline int srv_store_checkpoint_put(struct srv_store *s, const struct srv_checkpoint *c, bool create)
{ return s->ops->checkpoint_put(s, c, create); }
static inline int srv_store_checkpoint_delete(struct srv_store *s, const char *host)
{ return s->ops->checkpoint_delete(s, host); }
static inline int srv_store_checkpoint_stale(struct srv_store *s, int64_t before, size_t max,
                                             struct srv_checkpoint **out, size_t *n)
{ return s->ops->checkpoint_stale(s, before, max, out, n); }
static inline int srv_store_checkpoint_mark_stopped(struct srv_store *s, const char *host, int64_t received_at,
                                                    int64_t at)
{ return s->ops->checkpoint_mark_stopped(s, host, received_at, at); }

static inline int srv_store_feed_subscribe(struct srv_store *s, void (*fn)(const char *aud, void *ctx), void *ctx)
{ return s->ops->feed_subscribe ? s->ops->feed_subscribe(s, fn, ctx) : 0; }

/* Frees a string of a row the store handed out (NULL-safe): the rows hold
 * their strings as const, to be views of borrowed ones when inserted. */
void srv_str_free(const char *s);
/* NULL-terminated string lists (NULL-safe). */
void srv_strv_free(char **v);
size_t srv_strv_len(const char *const *v);
bool srv_strv_contains(const char *const *v, const char *s);
bool srv_strv_intersects(const char *const *a, const char *const *b);
/* v as a JSON array of strings (["a","b"], [] for NULL), for a store's
 * list parameters (json_each, json_array_elements_text). */
int srv_strv_to_json(const char *const *v, char **out);
