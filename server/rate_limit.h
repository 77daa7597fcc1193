/* SPDX-License-Identifier: BSD-3-Clause */
/* A token bucket per key (an identity's principal, "user:NAME" or
 * "host:ID"): burst actions at once, refilled at per_minute per minute.
 * Thread-safe. At most RATE_LIMIT_MAX_KEYS keys are tracked; a key whose
 * bucket is full carries no information and is dropped to make room, and
 * when every bucket is in use the one closest to full goes. */
#pragma once

#include <stdint.h>

#define RATE_LIMIT_MAX_KEYS 65536

struct rate_limit;

/* per_minute > 0. */
int rate_limit_new(uint64_t per_minute, struct rate_limit **out);
void rate_limit_free(struct rate_limit *rl);

/* Takes one action for key at now_ms (CLOCK_MONOTONIC milliseconds):
 * 0 when allowed, or the seconds (>= 1) until the next one is. */
uint64_t rate_limit_take(struct rate_limit *rl, const char *key, uint64_t now_ms);
