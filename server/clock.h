/* The server's notion of "now" (UTC epoch seconds).
 *
 * Test hook: when the environment variable TEAM_SERVER_CLOCK_OFFSET_FILE
 * names a file, it holds a signed offset in seconds (e.g. "3600" or
 * "-60"), read on every call and added to the real time. A missing or
 * malformed file counts as offset 0. Unit tests may instead pin the clock
 * with srv_clock_set_fixed(). */
#pragma once

#include <stdint.h>

int64_t srv_now(void);

/* Tests: t > 0 pins srv_now() to t; 0 returns to the real clock. */
void srv_clock_set_fixed(int64_t t);
