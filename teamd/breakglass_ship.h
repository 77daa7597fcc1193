/* SPDX-License-Identifier: BSD-3-Clause */
/* Shipping the break-glass spool ([teamd] breakglass_spool): the records
 * pam_team and teamctl left while teamd was down (or up) become audit
 * events with the event id they carry: the outbox (and so the AWS sinks),
 * journald when the journal does not have that id yet, and, for uses,
 * POST /v1/breakglass to team-server. Scanned at start, every
 * TEAMD_BG_SCAN_USEC, and at once when a record is renamed into the spool
 * (inotify, when the directory exists at start). A record's life in the spool:
 *
 *   ID.json   written by the module / teamctl; not yet in the outbox
 *   ID.sent   in the outbox; waiting for team-server to take it
 *   (gone)    in the outbox and reported (or no server is configured)
 *   ID.bad    refused (not a record); kept for a human, logged at ALERT
 */
#pragma once

#include "teamd.h"

#define TEAMD_BG_SCAN_USEC (10ULL * 1000 * 1000)
#define TEAMD_BG_MAX_PER_SCAN 256
#define TEAMD_BG_POST_TIMEOUT_MS 10000

struct bg_ship;

int bg_ship_start(struct teamd *d, struct bg_ship **out);
void bg_ship_free(struct bg_ship *s);
/* One scan now (also what the timer runs). */
void bg_ship_scan(struct bg_ship *s);
