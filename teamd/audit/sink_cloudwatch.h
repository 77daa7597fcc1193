/* SPDX-License-Identifier: BSD-3-Clause */
/* The CloudWatch Logs sink: PutLogEvents to [audit] cloudwatch_log_group /
 * cloudwatch_log_stream (both created when missing:
 * ResourceNotFoundException -> CreateLogGroup, CreateLogStream, then the
 * batch again), one log event per audit event: its JSON line as the
 * message, its time as the timestamp, in outbox order. Events CloudWatch
 * rejects as too old, too new or expired (rejectedLogEventsInfo) go to the
 * dead-letter table; everything else is retried. */
#pragma once

#include "audit/aws_creds.h"
#include "http_client.h"
#include "audit/sink.h"
#include "teamd_config.h"

#define CLOUDWATCH_BATCH_EVENTS 1000
#define CLOUDWATCH_MAX_BODY 1000000   /* service cap 1,048,576 with 26 bytes per event */

int sink_cloudwatch_new(struct http_client *http, struct aws_creds *creds, const struct teamd_config *cfg,
                        struct sink **out);
