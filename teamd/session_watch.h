/* SPDX-License-Identifier: BSD-3-Clause */
/* The end of elevated sessions (design.md, "Ending sessions").
 *
 * A session opened under a grant is held (session_hold.h) before pam_team
 * is answered, and watched until it closes: warned on its tty at each
 * [sessions] warn_before ahead of the grant's exp, then, when the grant
 * ends (exp, or its revocation arrives), moved to another grant of the same
 * user and role that covers now (an extension), or ended: SIGHUP and
 * SIGTERM, [sessions] grace seconds, SIGKILL. With on_expiry = warn it is
 * warned that its grant ended and left running.
 *
 * One timer on CLOCK_REALTIME, absolute: exp is UTC wall-clock seconds
 * from the server, so a clock step moves the end with it, as it moves the
 * PAM check's view of the grant. Everything lives in sqlite: at start every
 * open session is looked at again, and one whose grant ended while teamd
 * was down is ended at once (its processes named by pid + start time, so
 * a reused pid is never signalled). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "teamd.h"

int session_watch_start(struct teamd *d);
void session_watch_stop(struct teamd *d);

/* The session id just opened for pid under a grant ending at exp (0:
 * fail-open, no grant): holds it and arms its timers. Errors are logged;
 * the session stays open either way (its row says how it is held). */
void session_watch_opened(struct teamd *d, const char *id, pid_t pid, int64_t exp);
/* The same for a session that began before teamd knew of it (a
 * break-glass use): the processes it has started are held too. */
void session_watch_adopted(struct teamd *d, const char *id, pid_t pid, int64_t exp);

/* Grants changed (a revocation arrived, a grant was stored): look again
 * now rather than at the next planned time. */
void session_watch_poke(struct teamd *d);

/* Ends the open session id now (teamctl session end), reason for the
 * record. -ENOENT when it is not open, -EALREADY when it is being ended. */
int session_watch_end_now(struct teamd *d, const char *id, const char *reason);
