/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to relay.c, relay_wait.c and relay_json.c. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "dispatch.h"
#include "peer_origin.h"
#include "http_client.h"
#include "protocol.h"
#include "relay/relay.h"

/* A request this teamd filed for a local user. */
struct relay_req {
        struct relay_req *next;
        char id[TEAM_MAX_ID + 1];
        char user[TEAM_MAX_USER + 1];
        char role[TEAM_MAX_ROLE + 1];
        int64_t expires_at;      /* end of its pending time (server's) */
        int64_t filed_at;
        bool ended;              /* cancelled or no longer pending, as far as teamd saw */
};

/* One POST /v1/requests/{id}/cancel in flight, answered on conn. */
struct relay_cancel {
        struct relay *rl;
        struct relay_cancel *prev, *next;
        struct conn *conn;
        struct http_request *http;
        struct relay_req *rq;       /* in rl->reqs; NULL once forgotten */
        char id[TEAM_MAX_ID + 1];
        char user[TEAM_MAX_USER + 1];
        char role[TEAM_MAX_ROLE + 1];
};

/* One POST /v1/requests in flight, answered on conn. */
struct relay_post {
        struct relay *rl;
        struct relay_post *prev, *next;
        struct conn *conn;
        struct http_request *http;
        char user[TEAM_MAX_USER + 1];
        char role[TEAM_MAX_ROLE + 1];
        /* For the audit event: where it came from ("" = not given). */
        struct peer_origin origin;
        pid_t peer_pid;
};

/* One request_wait connection. */
struct relay_waiter {
        struct relay *rl;
        struct relay_waiter *prev, *next;
        struct conn *conn;
        struct http_request *http;
        struct relay_req *rq;       /* in rl->reqs; NULL once forgotten */
        char id[TEAM_MAX_ID + 1];
        char user[TEAM_MAX_USER + 1];
        char role[TEAM_MAX_ROLE + 1];
        uint64_t deadline;          /* CLOCK_MONOTONIC usec */
        uint64_t next_poll;         /* CLOCK_MONOTONIC usec */
        int64_t timeout_s;
        bool api_trouble_logged;
        bool privileged;            /* asked on the root socket */
};

struct relay {
        struct teamd *d;
        struct http_client *http;
        sd_event_source *tick;
        struct relay_req *reqs;     /* newest first */
        unsigned n_reqs;
        struct relay_post *posts;
        unsigned n_posts;
        struct relay_waiter *waiters;
        unsigned n_waiters;
        unsigned n_user_socket_waiters;
        struct relay_cancel *cancels;
        unsigned n_cancels;
};

/* What a request object of the API says (docs/api.md). */
struct relay_answer {
        char *id;
        char *status;
        char *approvers;        /* "bob, carol": names only, comma-joined */
        char *jws;              /* grant.jws, NULL when none */
        char *grant_id;
        char *last_comment;     /* the last decision's "by: comment", NULL if none */
        int64_t expires_at;
};

/* relay_json.c */
/* A body of 201/200: 0, or -EBADMSG. */
int relay_answer_parse(const char *body, size_t len, struct relay_answer *out);
void relay_answer_clear(struct relay_answer *a);
/* An error body's "message" (sanitized, malloc'd) or NULL. */
char *relay_error_message(const char *body, size_t len);
/* A copy of s fit for a protocol string of cap bytes: control characters
 * (C0, DEL, C1) become '?', cut on a UTF-8 boundary. NULL on ENOMEM. */
char *relay_text(const char *s, size_t cap);
/* The body of POST /v1/requests; NULL on ENOMEM. */
char *relay_request_body(const char *host, const char *user, const struct team_request *req);

/* relay.c */
uint64_t relay_now_usec(void);
struct relay_req *relay_find(struct relay *rl, const char *id);
/* "URL/v1/PATH..." (malloc'd), or NULL. */
char *relay_url(const struct relay *rl, const char *path);
/* Starts an HTTP call with the host token; 0 or -errno with err set. */
int relay_http(struct relay *rl, const char *method, const char *url, const char *body, http_done_fn done,
               void *ud, struct http_request **out, char *err, size_t errlen);
/* The peer's user: SO_PEERCRED's uid on the user socket (a "user" member
 * there is refused), the request's "user" (or root) on the root socket. */
int relay_caller(const struct teamd_peer *peer, const struct team_request *req, char *out, size_t outlen,
                 struct team_response *resp);

/* relay_cancel.c */
void relay_cancel_free_all(struct relay *rl);

/* relay_wait.c */
void relay_wait_tick(struct relay *rl);
void relay_wait_free_all(struct relay *rl);
