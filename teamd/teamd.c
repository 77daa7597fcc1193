/* SPDX-License-Identifier: BSD-3-Clause */
/* What every part of teamd shares: the time grants are judged by and the
 * status line systemd shows; see teamd.h. */
#include "config.h"

#include <stdint.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "db.h"
#include "teamd.h"

int64_t teamd_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec;
}

void teamd_update_status(struct teamd *d)
{
        uint64_t n = 0;

        if (db_grant_count_current(d->store, teamd_now(), &n) < 0)
                n = 0;
        sd_notifyf(0, "STATUS=%llu grants, api %s", (unsigned long long)n,
                   d->api_since == 0 && d->api_state == TEAM_API_UNREACHABLE
                           ? "not probed yet"
                           : team_api_state_to_string(d->api_state));
}
