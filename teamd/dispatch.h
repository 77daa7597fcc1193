/* SPDX-License-Identifier: BSD-3-Clause */
/* One decoded request -> one response: which op may come from which socket,
 * and the handler of each op. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"
#include "teamd.h"

struct teamd_peer {
        bool privileged;  /* came in on `socket` (uid 0 checked at accept) */
        uid_t uid;        /* SO_PEERCRED, taken right after accept */
        gid_t gid;
        pid_t pid;
        struct conn *conn; /* the connection it came on (for late answers) */
};

/* A handler's "I answer later": it called teamd_conn_defer() and will call
 * teamd_conn_answer() from the event loop (conn.h). */
#define TEAMD_DEFERRED 1

/* Fills resp (the caller clears it) and returns 0, or returns
 * TEAMD_DEFERRED when the handler answers later on peer->conn. Never fails:
 * errors become ok=false with a reason, and on the way to an allow they
 * become a deny. */
int teamd_dispatch(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                    struct team_response *resp);

/* The handlers (check.c, session.c, grant_add.c, status.c). Each returns 0
 * with resp filled, or -errno (then dispatch answers for it). */
int teamd_handle_check(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                       struct team_response *resp);
int teamd_handle_session_open(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                              struct team_response *resp);
int teamd_handle_session_close(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                               struct team_response *resp);
int teamd_handle_grant_add(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                           struct team_response *resp);
int teamd_handle_status(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                        struct team_response *resp);
/* session_list.c (root socket only). */
int teamd_handle_sessions(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                          struct team_response *resp);
int teamd_handle_session_end(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                             struct team_response *resp);
/* relay.c: may return TEAMD_DEFERRED. */
int teamd_handle_request(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                         struct team_response *resp);
int teamd_handle_request_wait(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                              struct team_response *resp);
/* relay_cancel.c: may return TEAMD_DEFERRED. */
int teamd_handle_request_cancel(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                                struct team_response *resp);

/* resp = { ok = false, error = text }; -ENOMEM when text cannot be copied. */
int teamd_response_error(struct team_response *resp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* resp = { ok = true, decision = deny, reason = text }. */
int teamd_response_deny(struct team_response *resp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
