/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl's side of the teamd protocol: connect, one request, one response. */
#pragma once

#include <stddef.h>

#include "protocol.h"

#define TEAMCTL_TIMEOUT_MS 5000

/* Returns 0 with *resp decoded (and *raw, when not NULL, the response JSON
 * text, malloc'd), or a teamctl exit code with err saying what to do:
 * TEAMCTL_EXIT_UNAVAILABLE when teamd cannot be reached or answers garbage. */
int teamctl_call(const char *socket_path, const struct team_request *req, struct team_response *resp, char **raw,
                 char *err, size_t errlen);
