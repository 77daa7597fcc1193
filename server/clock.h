/* SPDX-License-Identifier: BSD-3-Clause */
/* The server's notion of "now" (UTC epoch seconds).
 *
 * The production team-server links server/clock.c (the real clock and
 * nothing else). Test programs link server/clock_fake.c instead, which
 * adds the hooks of clock_fake.h; no production binary contains them. */
#pragma once

#include <stdint.h>

int64_t srv_now(void);
