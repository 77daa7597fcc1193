/* SPDX-License-Identifier: BSD-3-Clause */
/* Each signed checkpoint also goes to team-server (POST
 * /v1/hosts/{id}/checkpoints with the host token), which records the last
 * one per host and raises an alert when a host's checkpoints stop, its
 * chain forks or it signs with another key (docs/api.md). Best effort: a
 * checkpoint that cannot be sent is logged, and the next one (every
 * [audit] checkpoint_interval) carries the chain on; the one written at
 * shutdown is not sent (teamd is stopping). */
#pragma once

#include "audit_event.h"

struct teamd;
struct checkpoint_report;

/* NULL when this host has no central API ([server] url and token_file). */
struct checkpoint_report *checkpoint_report_new(struct teamd *d);
/* An audit_checkpoint_listener_fn (checkpoint.h), userdata the report:
 * ev is the AuditCheckpoint as chained and signed. A send still in flight
 * is replaced (the newer checkpoint covers everything the older one did). */
void checkpoint_report_send(const struct team_audit_event *ev, void *userdata);
void checkpoint_report_free(struct checkpoint_report *c);
