/* SPDX-License-Identifier: BSD-3-Clause */
/* The answer of CloudTrail Lake PutAuditEvents (cloudtrail-data
 * 2021-08-11), parsed strictly: untrusted bytes from the network.
 *
 *   {"successful": [{"id": ID, "eventID": ID}, ...],
 *    "failed": [{"id": ID, "errorCode": CODE, "errorMessage": TEXT}, ...]}
 *
 * Both lists are required and hold at most 100 entries each; ids match the
 * model's Uuid pattern [-_A-Za-z0-9]{1,128}; errorCode is 1..128 bytes of
 * [A-Za-z0-9._-], errorMessage 1..1024 printable bytes. Unknown members are
 * ignored (AWS may add some), a wrong type is an error. Also the error
 * body of a non-2xx answer: {"__type"|"code": ..., "message": ...}. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CLOUDTRAIL_MAX_ENTRIES 100
#define CLOUDTRAIL_MAX_ID 128
#define CLOUDTRAIL_MAX_CODE 128
#define CLOUDTRAIL_MAX_MESSAGE 1024
#define CLOUDTRAIL_MAX_RESPONSE (256 * 1024)

struct cloudtrail_ok {
        char id[CLOUDTRAIL_MAX_ID + 1];
        char event_id[CLOUDTRAIL_MAX_ID + 1];
};

struct cloudtrail_failed {
        char id[CLOUDTRAIL_MAX_ID + 1];
        char code[CLOUDTRAIL_MAX_CODE + 1];
        char message[CLOUDTRAIL_MAX_MESSAGE + 1];
};

struct cloudtrail_response {
        size_t n_ok;
        struct cloudtrail_ok ok[CLOUDTRAIL_MAX_ENTRIES];
        size_t n_failed;
        struct cloudtrail_failed failed[CLOUDTRAIL_MAX_ENTRIES];
};

/* 0, -EBADMSG (why set to a static text) or -ENOMEM. */
int cloudtrail_response_parse(const char *buf, size_t len, struct cloudtrail_response *out, const char **why);

/* An error body: the exception name (the part after '#' of "__type", or
 * "code") into code, "message"/"Message" into message (both may end up
 * empty). 0 or -EBADMSG. */
int cloudtrail_error_parse(const char *buf, size_t len, char *code, size_t codelen, char *message,
                           size_t messagelen);

/* How a failed entry (or a whole-request error) is handled: true = retry
 * later (Throttling, InternalFailure, ServiceUnavailable, ...), false =
 * the data itself is refused (FieldTooLong, InvalidData, ...) and goes to
 * the dead-letter table. Unknown codes are retried: losing an event on a
 * code AWS adds later would be worse than retrying it. */
bool cloudtrail_error_is_retryable(const char *code);

/* [-_A-Za-z0-9]{1,128}, the model's Uuid. */
bool cloudtrail_id_is_valid(const char *s, size_t len);
