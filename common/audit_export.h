/* SPDX-License-Identifier: BSD-3-Clause */
/* One line of an audit export, as team-audit reads it (untrusted input;
 * fuzzed by tests/fuzz/fuzz_audit_export): any of
 *   - an event in its JSON form (the outbox, `teamctl --json audit tail`,
 *     a CloudWatch Logs message);
 *   - a CloudWatch Logs event: {"message": "<event JSON>", "timestamp": ..}
 *     (FilterLogEvents, `aws logs filter-log-events | jq -c '.events[]'`)
 *     or a Logs Insights row {"@message": "<event JSON>"};
 *   - a CloudTrail Lake record (the eventData teamd sent), bare, as
 *     {"eventData": record or "<record JSON>"}, or a Lake query result row
 *     (an array of one-member objects, `jq -c '.QueryResultRows[]'`).
 * A CloudTrail record is turned back into the event (docs/audit.md, "From
 * CloudTrail Lake back to the event"), whose canonical form and hash are
 * then computed as for any other. */
#pragma once

#include <stddef.h>

#include "audit_event.h"

/* Bytes of one line team-audit accepts. */
#define TEAM_AUDIT_EXPORT_MAX_LINE (256 * 1024)

struct team_audit_export_event {
        struct team_audit_event_parsed parsed; /* the strict reader's view */
        char *canonical;                        /* the canonical form, malloc'd */
        size_t canonical_len;
        char hash[TEAM_AUDIT_HASH_HEX + 1];
};

/* 0, or -EBADMSG with *why set (a static text) when the line is none of
 * the above; -ENOMEM. Clear with team_audit_export_event_clear(). */
int team_audit_export_parse(const char *line, size_t len, struct team_audit_export_event *out, const char **why);
void team_audit_export_event_clear(struct team_audit_export_event *e);
