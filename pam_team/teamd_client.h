/* SPDX-License-Identifier: BSD-3-Clause */
/* One request, one response over teamd's root socket, within one deadline. */
#pragma once

#include <stdint.h>

#include "args.h"
#include "protocol.h"

/* Sends req to teamd at args->socket and decodes the answer into *resp
 * (caller clears it with team_response_clear()). The whole exchange --
 * socket checks, connect, write, read -- must finish within
 * args->timeout_ms. Returns 0, or -errno with *why set to a short static
 * text for the person ("timed out", "socket not owned by root", ...);
 * details go to pam_syslog. Never raises SIGPIPE, keeps no state, and
 * closes its fd on every path. */
int teamd_call(pam_handle_t *pamh, const struct pam_team_args *args,
               const struct team_request *req, struct team_response *resp,
               const char **why);

/* The checks and the connect of teamd_call(), for callers that run their
 * own exchange (prompt_call.c): a connected non-blocking fd, or -errno with
 * *why set. deadline is CLOCK_MONOTONIC milliseconds. */
int teamd_connect(pam_handle_t *pamh, const struct pam_team_args *args, int64_t deadline, const char **why);
