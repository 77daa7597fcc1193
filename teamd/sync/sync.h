/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant sync: teamd long-polls the central API's host feed
 * (GET URL/v1/hosts/{host_id}/grants?cursor=C&wait=S, docs/api.md) with the
 * host token ([server] token_file, host_token.h) through http_client on the
 * sd-event loop. Each answer is applied by sync_apply.c (verify, store,
 * revoke, cursor, one transaction). Failures (connection, timeout, status,
 * malformed or oversized answer) retry with exponential backoff and jitter;
 * meanwhile cached grants keep working until their own exp and
 * d->api_state/api_since say since when the API is unreachable.
 *
 * It replaces api_probe when [server] url and token_file are set. */
#pragma once

#include "teamd.h"

/* Long-poll wait asked of the server, and the client-side limits around it:
 * a held request sends nothing for up to SYNC_WAIT_S, so the low-speed
 * cut-off and the total timeout are longer than that. */
#define SYNC_WAIT_S 25u
#define SYNC_LOW_SPEED_SECS (SYNC_WAIT_S + 5u)
#define SYNC_TIMEOUT_MS ((SYNC_WAIT_S + 15u) * 1000u)
#define SYNC_CONNECT_TIMEOUT_MS 5000u
/* Backoff between failed polls: doubles from MIN to MAX, then jitter picks
 * a delay in [d/2, d]. */
#define SYNC_BACKOFF_MIN_USEC (500ULL * 1000)
#define SYNC_BACKOFF_MAX_USEC (60ULL * 1000 * 1000)
/* An empty answer to a long poll that came back sooner than this (a server
 * that ignores wait) delays the next poll by as much. */
#define SYNC_MIN_EMPTY_POLL_USEC (1000ULL * 1000)

/* A slice of a feed answer that takes longer than this is logged. */
#define SYNC_SLOW_SLICE_USEC (50ULL * 1000)

struct sync;

/* Starts syncing now (the first poll runs when the loop runs). */
int sync_start(struct teamd *d, struct sync **out);
void sync_free(struct sync *s);
