/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl's client of the central API (team-server): one libcurl easy
 * handle, bounded in time and size, TLS verified, JSON in and out.
 *
 * Every function returns 0 or a teamctl exit code (teamctl.h) with err
 * holding one sentence that says what went wrong and what to do next. */
#pragma once

#include <stddef.h>

struct json_object;

#define API_RESPONSE_MAX (1024 * 1024)   /* bytes; a longer answer is an error */
#define API_DEFAULT_TIMEOUT_MS 15000     /* one HTTP exchange */
#define API_CONNECT_TIMEOUT_MS 5000

struct api_config {
        const char *server;   /* --server, else TEAM_SERVER */
        const char *cacert;   /* --cacert, else TEAM_CA_FILE, else the system store */
        long timeout_ms;      /* 0: API_DEFAULT_TIMEOUT_MS */
};

struct api_client;

/* Resolves the server URL (http or https only), loads the token (token.h),
 * sets up curl. */
int api_client_new(const struct api_config *cfg, struct api_client **out, char *err, size_t errlen);
void api_client_free(struct api_client *c);

/* METHOD base+path with body (a JSON object, or NULL for none). On a 2xx
 * answer that is one JSON object: 0 and *out (caller puts it). On an error
 * answer the server's {"error","message"} becomes the exit code:
 * 400/413 -> 1, 401/403 -> 5, 404 -> 3, 409 -> 4, 5xx / unreachable /
 * garbage -> 69. */
int api_call(struct api_client *c, const char *method, const char *path, struct json_object *body,
             struct json_object **out, char *err, size_t errlen);
