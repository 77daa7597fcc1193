/* SPDX-License-Identifier: BSD-3-Clause */
/* The request lifecycle: everything the HTTP routes need, as plain C.
 *
 *   pending -> approved -> active -> expired
 *      |-> denied | cancelled | expired (request TTL)      approved/active -> revoked
 *
 * Every function takes the caller's identity, checks the policy
 * (server/policy.h), runs in one store transaction, writes an audit row
 * and a journald entry (SYSLOG_IDENTIFIER=team-server, TEAM_EVENT,
 * TEAM_USER, TEAM_ROLE, TEAM_HOST, TEAM_REQUEST_ID, TEAM_GRANT_ID,
 * TEAM_REASON) per transition and, after the commit, calls the notify
 * listeners. Pending requests past their TTL are expired lazily at the
 * start of every call.
 *
 * Errors: negative errno, and a sentence for the client in msg:
 *   -EINVAL  400 bad_request   (bad field, unknown role, policy says no to the value)
 *   -EPERM   403 forbidden     (not allowed for this caller)
 *   -ENOENT  404 not_found
 *   -EBUSY   409 conflict      (wrong state: not pending, already decided, revoked...)
 *   other    500 internal
 * lc_error_http_status() / lc_error_code() do that mapping. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "policy.h"
#include "signer.h"
#include "store.h"

#define LC_MSG_MAX 256
#define LC_MAX_NOTIFY 8
#define LC_MAX_START_AHEAD (366LL * 24 * 3600)   /* start_at at most a year ahead */

/* Who is calling (from the bearer token; see server/auth.h). */
enum lc_caller_kind {
        LC_CALLER_USER = 0,
        LC_CALLER_HOST,
};

struct lc_caller {
        enum lc_caller_kind kind;
        const char *name;             /* user name or host id */
        const char *const *groups;    /* NULL-terminated, may be NULL */
};

/* Client-visible status (derived). */
enum lc_status {
        LC_STATUS_PENDING = 0,
        LC_STATUS_APPROVED,           /* grant issued, not yet valid (nbf in the future) */
        LC_STATUS_ACTIVE,
        LC_STATUS_EXPIRED,            /* pending TTL passed, or grant past exp */
        LC_STATUS_DENIED,
        LC_STATUS_CANCELLED,
        LC_STATUS_REVOKED,
        LC_STATUS__MAX
};
const char *lc_status_name(enum lc_status s);
int lc_status_from_name(const char *name, enum lc_status *out);
enum lc_status lc_request_status(const struct srv_request *r, int64_t now);

struct lc;

int lc_new(struct srv_store *store, const struct srv_policy *policy, struct srv_signer *signer, struct lc **out);
void lc_free(struct lc *lc);

/* ---- notifications (after commit, on the calling thread) ---- */

enum lc_event {
        LC_EVENT_REQUEST_CREATED = 0, /* also fired for extend requests */
        LC_EVENT_REQUEST_DECIDED,     /* an approve or deny was recorded (request may still be pending) */
        LC_EVENT_REQUEST_CANCELLED,
        LC_EVENT_REQUEST_EXPIRED,
        LC_EVENT_GRANT_ISSUED,        /* new feed entry: wake long-polls */
        LC_EVENT_GRANT_REVOKED,       /* new feed entry: wake long-polls */
        LC_EVENT__MAX
};

struct lc_notice {
        enum lc_event event;
        const struct srv_request *request;   /* full object (decisions, grant); valid during the call */
        const char *actor;                   /* "user:NAME", "host:ID", "policy", "server" */
        const char *comment;                 /* decision comment / revoke reason, or NULL */
        bool approve;                        /* LC_EVENT_REQUEST_DECIDED: approve or deny */
        int64_t feed_seq;                    /* GRANT_ISSUED/REVOKED: the new feed sequence number */
};
typedef void (*lc_notify_fn)(const struct lc_notice *n, void *ctx);
/* Registers a listener (the feed's wake-up and the webhook queue each set
 * one; up to LC_MAX_NOTIFY, called in registration order). Call before
 * serving. -E2BIG when full. Listeners must not call back into lc. */
int lc_set_notify(struct lc *lc, lc_notify_fn fn, void *ctx);

/* ---- operations ---- */

struct lc_new_request {
        const char *role;
        const char *host;
        int64_t duration;             /* seconds */
        const char *reason;           /* NULL = none */
        const char *ticket;           /* NULL = none */
        int64_t start_at;             /* 0 = at approval */
        const char *user;             /* host callers: required; user callers: NULL or themselves */
};

/* Files a request; auto-approved (grant issued) when the user is in
 * auto_approve_groups. *out: the stored request (clear with srv_request_clear). */
int lc_request_create(struct lc *lc, const struct lc_caller *who, const struct lc_new_request *in,
                      struct srv_request *out, char *msg, size_t msglen);

/* Visible to: its user, who filed it, members of the role's
 * approver_groups, the host it is for (host id equal to request host). */
int lc_request_get(struct lc *lc, const struct lc_caller *who, const char *id, struct srv_request *out,
                   char *msg, size_t msglen);

struct lc_list_query {
        bool has_status;
        enum lc_status status;
        bool mine;                    /* only the caller's own (filed by or for them) */
        size_t limit;                 /* requests looked at, 1..SRV_REQUEST_LIST_MAX; 0 = LC_LIST_DEFAULT */
        const char *cursor;           /* NULL, or a previous answer's next_cursor */
        char *next_cursor;            /* NULL, or SRV_ID_LEN + 1 bytes: the next page's cursor, "" on the last */
};
#define LC_LIST_DEFAULT 100
/* Users: requests they filed or that are for them, plus pending ones they
 * may decide (unless mine). Hosts: requests for their id. Newest first,
 * one page: limit requests are looked at (fewer may match a derived
 * status) and next_cursor says where the next page starts. */
int lc_request_list(struct lc *lc, const struct lc_caller *who, const struct lc_list_query *q,
                    struct srv_request **out, size_t *n, char *msg, size_t msglen);

/* Approve (approve = true) or deny. Users only; never their own request
 * (neither its user nor who filed it); must be in approver_groups; one
 * decision per person. Quorum approvals -> grant signed and issued;
 * denials_required denies -> denied. */
int lc_decide(struct lc *lc, const struct lc_caller *who, const char *id, bool approve, const char *comment,
              struct srv_request *out, char *msg, size_t msglen);

/* Pending only; by its user or whoever filed it. */
int lc_cancel(struct lc *lc, const struct lc_caller *who, const char *id, struct srv_request *out, char *msg,
              size_t msglen);

/* By an approver of the role or the grant's own user. -EBUSY if already
 * revoked or expired. *revoked_at = the revocation time. What extends the
 * grant goes with it: a pending extension is cancelled, an issued
 * follow-on grant is revoked too (each with its own audit row and notice). */
int lc_revoke(struct lc *lc, const struct lc_caller *who, const char *grant_id, const char *reason,
              int64_t *revoked_at, char *msg, size_t msglen);

/* Files a follow-on request for an unexpired, unrevoked grant (by its user,
 * or the host it is for on the user's behalf). Once approved its grant has
 * nbf = old exp and exp = old exp + duration. */
int lc_extend(struct lc *lc, const struct lc_caller *who, const char *grant_id, int64_t duration,
              const char *reason, struct srv_request *out, char *msg, size_t msglen);

/* One feed answer holds at most this many bytes of ids and JWS (half of
 * teamd's default response cap) besides the store's entry bound. */
#define LC_FEED_MAX_BYTES (512 * 1024)
/* Host feed: only the host itself (who->kind == LC_CALLER_HOST, who->name
 * == host_id, else -EPERM). cursor: NULL or "" = from the start, else a
 * decimal from a previous answer (-EINVAL if malformed or in the future).
 * Fills "grants": [{"id","jws"}], "revoked": [ids], "cursor": "N" into a
 * new json object; *n_items = grants + revoked (0: the caller may wait).
 * An answer cut at LC_FEED_MAX_BYTES or the store's entry bound carries
 * the cursor of its last entry, so the next call goes on from there. */
int lc_feed_since(struct lc *lc, const struct lc_caller *who, const char *host_id, const char *cursor,
                  struct json_object **out, size_t *n_items, char *msg, size_t msglen);

/* Expires pending requests past their TTL (also done by every call above). */
int lc_expire_due(struct lc *lc);

/* The request object of server_contract.md (new reference). approvers are
 * resolved from the store for pending requests. */
struct json_object *lc_request_to_json(struct lc *lc, const struct srv_request *r);

int lc_error_http_status(int r);              /* 400, 403, 404, 409, 500 */
const char *lc_error_code(int r);             /* "bad_request", ... */

/* Ids: prefix "r_" or "g_" + 16 lowercase hex from getrandom(). */
int lc_make_id(const char *prefix, char out[SRV_ID_LEN + 1]);
bool lc_id_valid(const char *id, char prefix);
