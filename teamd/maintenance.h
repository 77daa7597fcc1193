/* SPDX-License-Identifier: BSD-3-Clause */
/* Periodic housekeeping: GrantExpired events when grants end, purging
 * grants 24 h past exp, and the sd_notify STATUS line. Runs every
 * TEAMD_MAINTENANCE_USEC, and just after the next grant's exp when that is
 * sooner; teamd_maintenance_reschedule() after storing a grant. */
#pragma once

#include "teamd.h"

#define TEAMD_MAINTENANCE_USEC (15ULL * 1000 * 1000)

int teamd_maintenance_start(struct teamd *d);
void teamd_maintenance_stop(struct teamd *d);
void teamd_maintenance_reschedule(struct teamd *d);
/* One round now (tests call it with a chosen now). */
void teamd_maintenance_run(struct teamd *d, int64_t now);
