/* SPDX-License-Identifier: BSD-3-Clause */
/* An outbox event (team_audit_event_to_json text) as a CloudTrail Lake
 * integration record: the eventData string of PutAuditEvents, and its
 * eventDataChecksum. See docs/aws.md for the field mapping. */
#pragma once

#include <stddef.h>

/* Schema length limits (bytes). */
#define CT_MAX_VERSION 256
#define CT_MAX_IDENTITY_TYPE 128
#define CT_MAX_STRING 1024          /* principalId, userAgent, eventSource, eventName, UID, errorCode, ... */
#define CT_MAX_ADDITIONAL (28 * 1024)
#define CT_MAX_OBJECT (100 * 1024)  /* details, requestParameters, responseElements */
#define CT_MAX_EVENT_DATA (256 * 1024)

/* event_json: the outbox entry's JSON; account_id: 12 digits. *out is
 * malloc'd, NUL-terminated. 0, -EBADMSG (the event cannot be turned into a
 * valid record: dead letter) or -ENOMEM. */
int cloudtrail_event_data(const char *event_json, size_t len, const char *account_id, const char *user_agent,
                          char **out, size_t *out_len);

/* base64(SHA-256(data)) into out (at least 45 bytes). */
int cloudtrail_checksum(const char *data, size_t len, char *out, size_t outlen);
