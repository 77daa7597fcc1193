/* SPDX-License-Identifier: BSD-3-Clause */
/* Open sessions as teamctl sees them; the handlers are in dispatch.h. */
#pragma once

#include "protocol.h"
#include "teamd.h"

/* resp->sessions: the open sessions of user (NULL: everyone's), oldest
 * first, at most TEAM_MAX_LIST_SESSIONS and as many as fit in budget bytes
 * of the answer. */
int teamd_fill_sessions(struct teamd *d, const char *user, size_t budget, struct team_response *resp);
