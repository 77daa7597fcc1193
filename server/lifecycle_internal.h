/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by lifecycle*.c. */
#pragma once

#include "lifecycle.h"

struct lc_listener {
        lc_notify_fn fn;
        void *ctx;
};

struct lc {
        struct srv_store *store;
        const struct srv_policy *policy;
        struct srv_signer *signer;
        struct lc_listener listeners[LC_MAX_NOTIFY];
        size_t n_listeners;
};

/* Audit event names (audit.event and TEAM_EVENT). */
#define LC_AUDIT_REQUEST_CREATED "RequestCreated"
#define LC_AUDIT_APPROVAL_RECORDED "ApprovalRecorded"
#define LC_AUDIT_DENIAL_RECORDED "DenialRecorded"
#define LC_AUDIT_REQUEST_DENIED "RequestDenied"
#define LC_AUDIT_REQUEST_CANCELLED "RequestCancelled"
#define LC_AUDIT_REQUEST_EXPIRED "RequestExpired"
#define LC_AUDIT_GRANT_ISSUED "GrantIssued"
#define LC_AUDIT_GRANT_REVOKED "GrantRevoked"

struct lc_note {
        enum lc_event event;
        char *request_id;
        char *actor;
        char *comment;
        bool approve;
        int64_t seq;
};

/* One store transaction plus what to announce once it commits: journald
 * entries for its audit rows, then the notify listeners. */
struct lc_txn {
        struct lc *lc;
        int64_t now;
        struct srv_audit_record *audits;
        size_t n_audits;
        struct lc_note *notes;
        size_t n_notes;
};

int lc_txn_begin(struct lc *lc, struct lc_txn *t);
/* Appends an audit row (in the transaction) for request r (may be NULL). */
int lc_txn_audit(struct lc_txn *t, const char *event, const char *actor, const struct srv_request *r,
                 const char *grant_id, const char *reason);
int lc_txn_note(struct lc_txn *t, enum lc_event ev, const char *request_id, const char *actor, const char *comment,
                bool approve, int64_t seq);
/* Commits; on success sends the journald entries and notices. */
int lc_txn_commit(struct lc_txn *t);
void lc_txn_abort(struct lc_txn *t);

/* "user:NAME" / "host:ID" into buf. */
const char *lc_actor(const struct lc_caller *who, char *buf, size_t len);
/* Is who the request's user or whoever filed it? */
bool lc_is_party(const struct lc_caller *who, const struct srv_request *r);
/* Is who a user in the role's approver_groups? */
bool lc_is_approver(const struct lc_caller *who, const struct srv_role_policy *rp);
/* Printable text of at most max bytes (no control characters). */
bool lc_text_ok(const char *s, size_t max);
/* Issues the grant of an approved request inside t (lifecycle_decide.c). */
int lc_issue_grant(struct lc_txn *t, struct srv_request *r, const char *actor, char *msg, size_t msglen);

#define LC_FAIL(r, msg, msglen, ...) (snprintf((msg), (msglen), __VA_ARGS__), (r))
