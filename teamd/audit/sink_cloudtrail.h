/* SPDX-License-Identifier: BSD-3-Clause */
/* The CloudTrail Lake sink: PutAuditEvents to
 * ENDPOINT/PutAuditEvents?channelArn=ARN[&externalId=ID], at most 100
 * events and 1 MB per request, each event's id its outbox event id (stable
 * across retries: CloudTrail's de-duplication key), eventData built by
 * cloudtrail_event.c with its eventDataChecksum. Per-entry results:
 * successful = delivered; failed with Throttling/InternalFailure (or an
 * unknown code) = retried; failed with a data error (FieldTooLong,
 * InvalidData, InvalidChecksum, ...) = dead letter. */
#pragma once

#include "audit/aws_creds.h"
#include "http_client.h"
#include "audit/sink.h"
#include "teamd_config.h"

#define CLOUDTRAIL_BATCH_EVENTS 100
#define CLOUDTRAIL_MAX_BODY 1000000   /* the service's cap is 1 MB */
/* PutAuditEvents requests at once: one round trip per batch would cap a
 * 20 ms link at 5,000 events/s. Order does not matter to Lake (eventTime
 * and the id do). */
#define CLOUDTRAIL_MAX_INFLIGHT 4

int sink_cloudtrail_new(struct http_client *http, struct aws_creds *creds, const struct teamd_config *cfg,
                        struct sink **out);
