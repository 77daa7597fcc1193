/* SPDX-License-Identifier: BSD-3-Clause */
/* Connections on teamd's sockets: one request, one response, then close. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "teamd.h"

/* Adds an io source that accepts on listen_fd. privileged: the root socket. */
int teamd_conn_listen(struct teamd *d, int listen_fd, bool privileged);
/* Closes every open connection (shutdown). */
void teamd_conn_close_all(struct teamd *d);

/* Late answers (request relay). A handler that cannot answer at once calls
 * teamd_conn_defer() on peer->conn and returns TEAMD_DEFERRED; the
 * connection then stays open until timeout_usec from now. gone(ud) is
 * called once if the connection ends without an answer (the client hung up,
 * the deadline passed, teamd stops); after it, c is gone. */
struct conn;
typedef void (*teamd_conn_gone_fn)(void *ud);
int teamd_conn_defer(struct conn *c, uint64_t timeout_usec, teamd_conn_gone_fn gone, void *ud);
/* Sends the answer to the deferred request and closes the connection after
 * it; gone() is not called any more. */
void teamd_conn_answer(struct conn *c, const struct team_response *resp);

/* What the client actually got: done(true, ud) once the whole answer is
 * written to the client's socket, done(false, ud) when the connection ends
 * without that (the client had gone, the deadline passed, teamd stops).
 * Called exactly once; the audit of a decision waits for it. */
typedef void (*teamd_conn_delivery_fn)(bool delivered, void *ud);
void teamd_conn_on_delivery(struct conn *c, teamd_conn_delivery_fn done, void *ud);

/* After an audit group ended (audit.c): every held answer goes out, or
 * becomes an error when a group rolled back since its handler began. */
void teamd_conn_release_held(struct teamd *d);
