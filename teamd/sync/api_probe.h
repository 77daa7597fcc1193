/* SPDX-License-Identifier: BSD-3-Clause */
/* Is the central API reachable? GET URL/healthz with libcurl's multi
 * interface driven by the sd-event loop: every 5 s while unreachable, every
 * 30 s while reachable, 2 s timeout each. Updates d->api_state/api_since. */
#pragma once

#include "teamd.h"

#define API_PROBE_TIMEOUT_MS 2000
#define API_PROBE_INTERVAL_DOWN_USEC (5ULL * 1000 * 1000)
#define API_PROBE_INTERVAL_UP_USEC (30ULL * 1000 * 1000)

/* Starts probing d->cfg.url now. */
int api_probe_start(struct teamd *d, struct api_probe **out);
void api_probe_free(struct api_probe *p);
