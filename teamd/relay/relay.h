/* SPDX-License-Identifier: BSD-3-Clause */
/* Request relay: teamd files requests with the central API for local users
 * (teamctl request on the user socket, pam_team's prompt on the root
 * socket) using the host token, and answers request_wait once the request
 * is decided and, when approved, its grant is usable on this host.
 *
 * Nothing blocks the event loop: the HTTP calls go through http_client
 * (curl multi on sd-event) and the connections that wait are answered late
 * (conn.h). Everything is bounded: requests remembered, waiters at once,
 * HTTP timeouts, the wait itself. See docs/protocol.md ("request",
 * "request_wait") and docs/design.md. */
#pragma once

#include "teamd.h"

/* At most this many requests remembered (oldest forgotten first), calls
 * in flight at once, and connections waiting at once. */
#define RELAY_MAX_REQUESTS 256
#define RELAY_MAX_POSTS 16
#define RELAY_MAX_WAITERS 32
/* Fair shares of those: one user waits for at most this many requests at
 * once (whichever socket asks: pam_team's prompt comes through the root
 * socket on the person's behalf), and the user socket can never take the
 * last RELAY_WAITERS_KEPT_FOR_ROOT, so local users together cannot stop
 * the prompt flow of everyone else. */
#define RELAY_MAX_WAITERS_PER_USER 2
#define RELAY_WAITERS_KEPT_FOR_ROOT 8
/* A user may file at most this many requests through teamd per minute. */
#define RELAY_MAX_PER_USER_PER_MIN 10
/* POST /v1/requests: the whole call (teamctl gives teamd 5 s). */
#define RELAY_POST_TIMEOUT_MS 4000u
/* How often a waiter asks the API about its request, and looks at the store. */
#define RELAY_POLL_USEC (1000ULL * 1000)
#define RELAY_TICK_USEC (100ULL * 1000)

struct relay;

/* Always succeeds on a host without [server] url (requests are then
 * refused with a reason). */
int relay_start(struct teamd *d, struct relay **out);
/* Cancels calls in flight; connections still waiting are closed by
 * teamd_conn_close_all() first (teardown order), or answered here. NULL ok. */
void relay_free(struct relay *rl);
/* status: the requests this teamd filed for user that are still open as
 * far as it saw (not ended, pending time not over), newest first, into
 * resp->requests. NULL ok. 0 or -ENOMEM. */
int relay_open_requests(const struct relay *rl, const char *user, struct team_response *resp);
/* A grant was stored (sync, grant_add): look at the waiters now rather
 * than at the next tick. NULL ok. */
void relay_grants_changed(struct relay *rl);
