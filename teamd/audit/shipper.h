/* SPDX-License-Identifier: BSD-3-Clause */
/* The shipper drains teamd's audit outbox into the configured sinks
 * (CloudTrail Lake, CloudWatch Logs), one lane per sink, each on its own:
 *
 *   fetch the oldest entries the sink has not acknowledged (outbox order)
 *   -> sink.send -> per entry: delivered = outbox_ack, refused for good =
 *   outbox_dead_letter (alert), else retried with exponential backoff and
 *   full jitter (1 s doubling to 5 min; a service's Retry-After is
 *   honoured). A whole batch refused as invalid is split in halves until
 *   the one bad event is alone, which then goes to the dead-letter table:
 *   one bad event never blocks the others.
 *
 * An event id never changes, so a retry after a crash or a lost answer
 * sends the same id again (at least once; CloudTrail uses the id to
 * de-duplicate). When the outbox is empty each lane looks again every
 * second. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "audit/outbox.h"
#include "audit/sink.h"

struct shipper;

#define SHIPPER_IDLE_POLL_USEC (1000ULL * 1000)
#define SHIPPER_BACKOFF_FIRST_USEC (1000ULL * 1000)
#define SHIPPER_BACKOFF_MAX_USEC (300ULL * 1000 * 1000)

/* Takes ownership of the sinks (freed by shipper_free). */
int shipper_new(sd_event *event, struct outbox *ob, struct sink **sinks, size_t n_sinks, struct shipper **out);
void shipper_free(struct shipper *sh);

/* Setup from teamd.conf (shipper_setup.c). */
struct teamd_config;
struct audit_shipping;

/* The sinks [audit] configures, as outbox sink names (NULL-terminated in
 * names[3]); what outbox_open() must be given. Returns how many. */
size_t shipper_sink_names(const struct teamd_config *cfg, const char *names[3]);
/* Everything behind the outbox: http client, AWS credentials, the sinks
 * and the shipper. *out stays NULL (and 0 is returned) when no sink is
 * configured. */
int audit_shipping_start(sd_event *event, const struct teamd_config *cfg, struct outbox *ob,
                         struct audit_shipping **out);
void audit_shipping_free(struct audit_shipping *a);
