/* SPDX-License-Identifier: BSD-3-Clause */
/* Ending one elevated session, in steps on the event loop: SIGHUP and
 * SIGTERM (or TerminateSession / KillUnit) at once, a look every
 * SESSION_END_POLL_USEC, SIGKILL (or cgroup.kill) after [sessions] grace,
 * and, SESSION_END_GIVE_UP_USEC after that, the verdict: SessionTerminated
 * when nothing is left, SessionEndFailed (alert) when something still
 * runs. The session's row is closed with the reason at the end. */
#pragma once

#include <stdbool.h>

#include "teamd.h"

#define SESSION_END_POLL_USEC (50ULL * 1000)
#define SESSION_END_GIVE_UP_USEC (2ULL * 1000 * 1000)

struct session_ending;
struct session_row;
struct session_hold;

/* How the store says row's session is held (a row from before sessions
 * were held, with a known leader: its tree). Clear h after use. */
int session_row_hold(const struct session_row *row, struct session_hold *h);

/* Starts ending row's session (re-read from the store); the ending joins
 * *list and leaves it when done. */
int session_end_begin(struct teamd *d, struct session_ending **list, const struct session_row *row,
                      const char *reason);
/* Is session id being ended? */
bool session_end_find(const struct session_ending *list, const char *id);
/* teamd stops: the endings in progress are dropped (the rows stay open,
 * so the next start ends them again). */
void session_end_free_all(struct session_ending **list);
