/* SPDX-License-Identifier: BSD-3-Clause */
/* Bodies of webhook notifications: Slack incoming webhooks, Microsoft
 * Teams (Adaptive Card, as Teams Workflows and incoming webhooks accept),
 * and our own JSON event object.
 *
 * Every string that reaches a chat is sanitized (control characters
 * replaced, length capped, markup escaped) and no secret is ever included:
 * the grant's JWS is stripped, tokens are never part of a request object.
 * Pure functions, no I/O: shared by the sender and the tests. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct json_object;

enum webhook_format {
        WEBHOOK_FORMAT_SLACK,
        WEBHOOK_FORMAT_TEAMS,
        WEBHOOK_FORMAT_JSON,
};

/* Event types, as written in the json body's "type". */
#define WEBHOOK_EVENT_CREATED  "request.created"
#define WEBHOOK_EVENT_APPROVED "request.approved"
#define WEBHOOK_EVENT_DENIED   "request.denied"
#define WEBHOOK_EVENT_REVOKED  "grant.revoked"
#define WEBHOOK_EVENT_BREAKGLASS "breakglass.used"
/* A host's signed audit checkpoints (server/checkpoints.h): none for
 * [audit] checkpoint_alert_after, coming again after that alert, one that
 * contradicts the recorded chain, one signed with another key. Their
 * "request" object describes the host's checkpoint, not a request. */
#define WEBHOOK_EVENT_CHECKPOINTS_STOPPED "host.checkpoints_stopped"
#define WEBHOOK_EVENT_CHECKPOINTS_RESUMED "host.checkpoints_resumed"
#define WEBHOOK_EVENT_CHAIN_FORK "host.chain_fork"
#define WEBHOOK_EVENT_KEY_MISMATCH "host.key_mismatch"

struct webhook_event {
        const char *type;                  /* one of WEBHOOK_EVENT_* (or another dotted name) */
        const char *actor;                 /* who caused it (user name, "host:ID"), or NULL */
        const char *comment;               /* decision comment / revoke reason, or NULL */
        int64_t at;                        /* epoch seconds */
        struct json_object *request; /* the API's request object (borrowed; json-c's getters take it non-const) */
};

/* "slack" | "teams" | "json" -> 0, else -EINVAL. */
int webhook_format_parse(const char *s, enum webhook_format *out);
const char *webhook_format_name(enum webhook_format f);

/* Renders the body for one format into a malloc'ed NUL-terminated string.
 * Returns 0, -EINVAL (no type or no request object) or -ENOMEM. */
int webhook_format_body(enum webhook_format f, const struct webhook_event *ev, char **out);

/* Copies at most max_chars characters (code points) of s into a new
 * string: control characters (C0, DEL, C1), bidi controls, line/paragraph
 * separators, BOM and invalid UTF-8 become '?' (tab, CR, LF a space); a
 * cut string ends in "...". NULL in -> "" out. NULL only on ENOMEM. */
char *webhook_sanitize(const char *s, size_t max_chars);
