/* SPDX-License-Identifier: BSD-3-Clause */
/* The status op (status.c) and its parts. */
#pragma once

#include <stdbool.h>

#include "protocol.h"
#include "teamd.h"

/* Room the open sessions (session_list.c) keep in a status answer; the
 * grants get the rest of the frame. */
#define STATUS_SESSIONS_BUDGET (8 * 1024)

/* The user's current grants (at most TEAM_MAX_STATUS_GRANTS) into
 * resp->grants. */
int status_fill_user_grants(struct teamd *d, const char *user, struct team_response *resp);
/* Every current grant on the host, with its user, the first
 * TEAM_MAX_STATUS_GRANTS of them; resp->grants_total counts them all. */
int status_fill_host_grants(struct teamd *d, struct team_response *resp);
