/* SPDX-License-Identifier: BSD-3-Clause */
/* A movable clock for test programs only (server/clock_fake.c, linked in
 * place of server/clock.c; never into the installed team-server).
 *
 * srv_now() is the real time plus the signed offset in seconds (e.g.
 * "3600" or "-60") read on every call from the file named by the
 * environment variable TEAM_SERVER_CLOCK_OFFSET_FILE (missing or
 * malformed: offset 0), unless srv_clock_set_fixed() pinned it. */
#pragma once

#include <stdint.h>

#include "clock.h"

/* t > 0 pins srv_now() to t; 0 returns to the (offset) real clock. */
void srv_clock_set_fixed(int64_t t);
