/* SPDX-License-Identifier: BSD-3-Clause */
/* srv_now(): the real UTC clock. Tests link server/clock_fake.c instead. */
#include "config.h"

#include <time.h>

#include "clock.h"

int64_t srv_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec;
}
