/* SPDX-License-Identifier: BSD-3-Clause */
/* Strict parsing of HTTP request bodies (see docs/api.md).
 *
 * A body is one JSON object (json-c tokener in strict mode, depth 4, the
 * whole input consumed, no NUL bytes); every member must be a field the
 * endpoint knows, of its type, within its bounds; unknown members, null
 * for a required field, a float where an integer belongs, a string with
 * control characters or invalid UTF-8: all 400 with a sentence that names
 * the field. An empty body is an empty object. (json-c keeps the last of
 * duplicated members; only that one counts.) */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_BODY_NAME_MAX 64           /* role, host, user: is_valid_token_name(); = SRV_MAX_NAME */
#define JSON_BODY_REASON_MAX 1024
#define JSON_BODY_TICKET_MAX 128
#define JSON_BODY_COMMENT_MAX 1024
#define JSON_BODY_DURATION_MAX (366ULL * 24 * 3600)
#define JSON_BODY_EPOCH_MAX 253402300799ULL  /* 9999-12-31 */

/* POST /v1/requests */
struct body_request_create {
        char *role;
        char *host;
        uint64_t duration;
        char *reason;       /* NULL when absent */
        char *ticket;       /* NULL when absent or null */
        uint64_t start_at;  /* 0 when absent */
        char *user;         /* NULL when absent */
};

/* POST /v1/requests/{id}/approve|deny|cancel */
struct body_decision {
        char *comment;      /* NULL when absent */
};

/* POST /v1/grants/{id}/revoke */
struct body_revoke {
        char *reason;
};

/* POST /v1/grants/{id}/extend */
struct body_extend {
        uint64_t duration;
        char *reason;
};

/* Each returns 0 or -EINVAL (a client error: err holds a sentence for the
 * "message" of the 400) or -ENOMEM. On error the struct is cleared. The
 * body need not be NUL-terminated. */
int json_body_request_create(const char *body, size_t len, struct body_request_create *out, char *err,
                             size_t errlen);
int json_body_decision(const char *body, size_t len, struct body_decision *out, char *err, size_t errlen);
int json_body_revoke(const char *body, size_t len, struct body_revoke *out, char *err, size_t errlen);
int json_body_extend(const char *body, size_t len, struct body_extend *out, char *err, size_t errlen);

void body_request_create_clear(struct body_request_create *b);
void body_decision_clear(struct body_decision *b);
void body_revoke_clear(struct body_revoke *b);
void body_extend_clear(struct body_extend *b);
