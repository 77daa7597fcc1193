/* SPDX-License-Identifier: BSD-3-Clause */
/* Break-glass sessions: a console login that a break-glass code let in
 * runs under the use's window, not a grant. The PAM module cannot ask
 * teamd to hold it (teamd may be down: that is what break-glass is for),
 * so the use's spool record names the PAM caller by pid and start time,
 * and teamd adopts that session when it takes the record, at once when it
 * runs, or at its next start. From then on it is watched like a grant's
 * session (session_watch.h): warned before the window's end, moved to a
 * grant of the same user and role that covers the end, else ended. */
#pragma once

#include "breakglass_spool.h"
#include "teamd.h"

/* Records and holds the session of a BreakGlassUsed record whose process
 * still runs (same pid and start time); nothing when it is gone, when the
 * record names none, or when it was adopted before. 0 or -errno (logged). */
int session_breakglass_adopt(struct teamd *d, const struct team_bg_record *rec);
