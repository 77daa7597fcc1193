/* SPDX-License-Identifier: BSD-3-Clause */
/* Admission of HTTP connections, against slow or idle clients holding
 * the server's connection budget (slowloris).
 *
 * A connection is anonymous until one of its requests authenticates with
 * a bearer token. Anonymous connections
 *   - must complete a request within header_timeout of being accepted or
 *     of their previous request's end: an absolute deadline, not an idle
 *     timer, so dripping a byte a second does not keep one open;
 *   - share a budget of max_anonymous: a new connection beyond it evicts
 *     the oldest anonymous one that has nothing unread in its socket, so
 *     arrivals are never locked out, a request already sent is not cut
 *     while it waits for a worker thread, and the rest of max_connections
 *     stays for authenticated feed and API clients.
 * Per-source-address limits are MHD's (MHD_OPTION_PER_IP_CONNECTION_LIMIT).
 *
 * Eviction and the deadline shut the socket down (shutdown(2), never
 * close): the connection's own MHD thread then sees end of file and
 * closes it. The descriptor stays valid until MHD's "closed"
 * notification, which takes the same lock. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct conn_guard;
struct conn_guard_entry;

/* header_timeout_ms > 0, max_anonymous > 0. Starts the deadline thread. */
int conn_guard_new(uint64_t header_timeout_ms, uint64_t max_anonymous, struct conn_guard **out);
/* Stops the thread; every connection must have been closed. */
void conn_guard_free(struct conn_guard *g);

/* A connection was accepted (fd): the entry goes into the connection's
 * MHD socket context. NULL on allocation failure (the connection is then
 * shut down). */
struct conn_guard_entry *conn_guard_opened(struct conn_guard *g, int fd);
/* The connection closed; e may be NULL. */
void conn_guard_closed(struct conn_guard *g, struct conn_guard_entry *e);
/* A request's headers are in; authenticated: it carried a valid token
 * (the connection leaves the anonymous budget for good). */
void conn_guard_request_started(struct conn_guard *g, struct conn_guard_entry *e, bool authenticated);
/* A request ended: an anonymous connection's next deadline starts now. */
void conn_guard_request_ended(struct conn_guard *g, struct conn_guard_entry *e);
