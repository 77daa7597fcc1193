/* SPDX-License-Identifier: BSD-3-Clause */
/* The pam_team <-> teamd wire protocol (also teamctl <-> teamd).
 *
 * A frame is a 4-byte big-endian payload length followed by that many bytes
 * of payload. The length is checked against TEAM_PROTO_MAX_FRAME before
 * anything is allocated. A payload has one of two encodings of the same
 * field tables: packed (binary, what pam_team.so speaks: no library needed
 * in sudo and sshd) or a UTF-8 JSON object (teamctl, scripts, the tests);
 * teamd answers in the encoding it was asked in. Both carry
 * TEAM_PROTO_VERSION. Decoding is strict: unknown fields, wrong types,
 * over-long strings, embedded NULs and control characters are errors. See
 * docs/protocol.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TEAM_PROTO_VERSION 1
#define TEAM_PROTO_HEADER_LEN 4
#define TEAM_PROTO_MAX_FRAME (64 * 1024)

/* Field length caps (bytes, excluding the terminating NUL). */
#define TEAM_MAX_USER 256
#define TEAM_MAX_ROLE 64
#define TEAM_MAX_SERVICE 64
#define TEAM_MAX_TTY 128
#define TEAM_MAX_RHOST 255
#define TEAM_MAX_ID 128
#define TEAM_MAX_REASON 1024
#define TEAM_MAX_JWS 16384
#define TEAM_MAX_STATUS_GRANTS 64
#define TEAM_MAX_STATUS_REQUESTS 64
#define TEAM_MAX_LIST_SESSIONS 64   /* sessions in one answer; sessions_total counts all */
#define TEAM_MAX_TICKET 128
#define TEAM_MAX_REQUEST_STATUS 32
#define TEAM_MAX_APPROVERS 1024   /* "bob, carol, ..." for display */
/* request: duration in seconds; request_wait: timeout in seconds. */
#define TEAM_MAX_DURATION (366 * 24 * 3600)
#define TEAM_MAX_WAIT 3600
#define TEAM_MAX_COUNT INT64_C(1000000000000) /* counters in status */
#define TEAM_MAX_SINKS 128                       /* "cloudtrail,cloudwatch" */
#define TEAM_MAX_HOST_KEY 64                     /* base64url of 32 bytes: 43 */

enum team_op {
        TEAM_OP_CHECK = 0,         /* pam_team account phase */
        TEAM_OP_SESSION_OPEN,      /* pam_team session open */
        TEAM_OP_SESSION_CLOSE,     /* pam_team session close */
        TEAM_OP_GRANT_ADD,         /* teamctl grant add (root socket only) */
        TEAM_OP_STATUS,            /* teamctl status (either socket) */
        TEAM_OP_REQUEST,           /* file a request with the central API (either socket) */
        TEAM_OP_REQUEST_WAIT,      /* wait for a request teamd filed (either socket) */
        TEAM_OP_REQUEST_CANCEL,    /* withdraw a request teamd filed, by its user (either socket) */
        TEAM_OP_SESSIONS,          /* teamctl sessions: the open elevated sessions (root socket only) */
        TEAM_OP_SESSION_END,       /* teamctl session end ID (root socket only) */
        TEAM_OP__MAX
};

/* Wire names: "check", "session_open", "session_close", "grant_add", "status",
 * "request", "request_wait", "request_cancel", "sessions", "session_end". */
const char *team_op_to_string(enum team_op op);
int team_op_from_string(const char *s, enum team_op *out);

/* Mostly a view: pam_team, teamctl and the tests point its strings at
 * their own (borrowed, const) data to encode it. A decoded request owns
 * its strings; team_request_clear() frees them through the field table. */
struct team_request {
        enum team_op op;
        /* check, session_open, session_close */
        const char *user;
        const char *role;
        const char *service;
        const char *tty;          /* optional (NULL) */
        const char *rhost;        /* optional (NULL) */
        bool failmode_safe;       /* check: the PAM line says failmode=safe */
        /* session_close, session_end: the id teamd returned from session_open */
        const char *session_id;
        /* grant_add: the compact JWS */
        const char *jws;
        /* request: role (above), duration, reason, ticket; user only on the
         * root socket (the user socket takes it from SO_PEERCRED) */
        int64_t duration;         /* seconds, 1..TEAM_MAX_DURATION */
        const char *reason;       /* optional */
        const char *ticket;       /* optional */
        /* request_wait, request_cancel: the id "request" answered; how long to wait */
        const char *request_id;
        int64_t timeout;          /* seconds, 1..TEAM_MAX_WAIT */
};

enum team_decision {
        TEAM_DECISION_NONE = 0,  /* op has no decision (grant_add, status, ...) */
        TEAM_DECISION_ALLOW,
        TEAM_DECISION_DENY,
        TEAM_DECISION_PENDING,
};
const char *team_decision_to_string(enum team_decision d);

/* What the central API looks like from teamd. */
enum team_api_state {
        TEAM_API_UNCONFIGURED = 0, /* no [server] url: air-gapped host */
        TEAM_API_REACHABLE,
        TEAM_API_UNREACHABLE,      /* transport failure or 5xx: failmode=safe may apply */
        TEAM_API_FAILING,          /* it answers but refuses (401/403/4xx) or its answers are unusable,
                                    * or this host cannot use them: never fail-open */
};
const char *team_api_state_to_string(enum team_api_state s);

struct team_grant_summary {
        char *id;
        char *user;              /* status as root: whose grant it is; NULL otherwise */
        char *role;
        char *reason;
        int64_t nbf;
        int64_t exp;
};

/* A request this teamd filed for the caller that has not ended as far as
 * teamd saw (status). */
struct team_request_summary {
        char *id;
        char *role;
        int64_t expires;         /* end of its pending time */
};

/* An open elevated session (sessions; status: the caller's own). */
struct team_session_summary {
        char *id;
        char *user;
        char *role;
        char *grant_id;  /* NULL: opened under fail-open or break-glass */
        char *breakglass_id; /* the break-glass use it runs under; NULL: none */
        char *tty;       /* NULL: none */
        char *hold;      /* how teamd holds it: scope, logind, cgroup, tree, none */
        int64_t opened;
        int64_t exp;     /* the end of its grant or break-glass window; 0: none */
};

struct team_response {
        bool ok;                 /* false: "error" says why */
        char *error;
        /* check, session_open */
        enum team_decision decision;
        char *grant_id;          /* allow */
        int64_t expires;         /* allow: grant exp, UTC epoch seconds */
        bool fail_open;          /* allow granted by failmode=safe */
        char *reason;            /* deny/pending: text shown to the person */
        char *session_id;        /* session_open allow */
        /* grant_add: grant_id + expires above. status: */
        char *host_id;
        enum team_api_state api_state;
        int64_t api_since;       /* when api_state last changed, 0 = never */
        char *api_problem;       /* unreachable, failing: what went wrong and what to check */
        int64_t grants_total;    /* status as root: active grants on the host (grants lists the first) */
        size_t n_grants;
        struct team_grant_summary *grants;
        size_t n_requests;       /* status: the caller's open requests */
        struct team_request_summary *requests;
        /* request, request_wait (grant_id, expires and reason above too) */
        char *request_id;
        char *request_status;    /* the central API's status, or "refused" / "timeout" */
        char *approvers;         /* request: who may approve, for display */
        int64_t request_expires; /* request: end of the pending time */
        bool ticket_required;    /* refused: the role needs a ticket */
        /* status on the root socket: the audit outbox (teamd/audit/outbox.h) */
        char *audit_sinks;          /* "cloudtrail,cloudwatch", "" for none; NULL: not told */
        int64_t audit_depth;        /* events not yet delivered to every sink */
        int64_t audit_evicted;      /* evicted by the full policy, ever */
        int64_t audit_dead;         /* dead-lettered by a sink, ever */
        int64_t audit_last_delivery; /* last successful delivery, UTC epoch seconds; 0 never */
        char *audit_host_key;       /* the key signing audit checkpoints: base64url, raw Ed25519 */
        int64_t audit_seq;          /* the audit chain's last sequence number */
        /* sessions; status (the caller's own, optional) */
        size_t n_sessions;
        struct team_session_summary *sessions;
        int64_t sessions_total;     /* sessions: how many are open in all */
};

/* Payload codecs. Encoders return 0 and a malloc'd payload (*len, when
 * len is not NULL, is its size; JSON text is NUL-terminated, the NUL not
 * counted), or -errno: -EINVAL when a value breaks its field's rule,
 * -EMSGSIZE over the frame cap. Decoders return 0, or -EBADMSG with *why
 * set to a static text naming the problem, or -ENOMEM.
 * Packed (common/protocol_pack.c, libteamproto, no library): */
int team_request_pack(const struct team_request *req, uint8_t **out, size_t *len);
int team_request_unpack(const void *buf, size_t len, struct team_request *out, const char **why);
int team_response_pack(enum team_op op, const struct team_response *resp, uint8_t **out, size_t *len);
int team_response_unpack(enum team_op op, const void *buf, size_t len, struct team_response *out,
                         const char **why);
/* The same, as a whole frame (header included) ready to send. */
int team_request_pack_frame(const struct team_request *req, uint8_t **out, size_t *len);
int team_response_pack_frame(enum team_op op, const struct team_response *resp, uint8_t **out, size_t *len);
/* The op a packed payload's header names, or fallback when it names none
 * (too short, unknown op): for answering a request that does not decode. */
enum team_op team_packed_op(const void *buf, size_t len, enum team_op fallback);
/* True when buf is a packed payload (else it can only be JSON). */
bool team_payload_is_packed(const void *buf, size_t len);
/* JSON (common/protocol_json*.c, libteamjson, json-c): */
int team_request_encode(const struct team_request *req, char **out, size_t *len);
int team_request_decode(const char *buf, size_t len, struct team_request *out, const char **why);
int team_response_encode(enum team_op op, const struct team_response *resp, char **out, size_t *len);
int team_response_decode(enum team_op op, const char *buf, size_t len, struct team_response *out, const char **why);
void team_request_clear(struct team_request *req);   /* frees a decoded request's strings, NULL-safe */
void team_response_clear(struct team_response *resp);

/* Framing. team_frame_build() prepends the header: *out is malloc'd,
 * *outlen = 4 + len; -EMSGSIZE when len > TEAM_PROTO_MAX_FRAME. */
int team_frame_build(const void *payload, size_t len, uint8_t **out, size_t *outlen);

/* Incremental frame reader for non-blocking fds (teamd's event loop and
 * pam_team's poll loop share it). */
struct team_frame_reader {
        uint8_t header[TEAM_PROTO_HEADER_LEN];
        size_t header_have;
        uint32_t body_len;
        size_t body_have;
        char *body;              /* NUL-terminated once complete */
        size_t max;              /* cap; 0 = TEAM_PROTO_MAX_FRAME */
};
void team_frame_reader_init(struct team_frame_reader *r, size_t max);
/* Reads what is available from fd. Returns 1 when a whole frame is in
 * r->body/r->body_len, 0 when more bytes are needed (EAGAIN), -EMSGSIZE
 * when the announced length exceeds the cap (checked before allocating),
 * -ECONNRESET on EOF mid-frame or before any byte, or another -errno. */
int team_frame_reader_feed(struct team_frame_reader *r, int fd);
/* Same, from a memory buffer (fuzzing, tests): consumes up to len bytes and
 * sets *used. */
int team_frame_reader_feed_buf(struct team_frame_reader *r, const uint8_t *buf, size_t len, size_t *used);
void team_frame_reader_clear(struct team_frame_reader *r);
