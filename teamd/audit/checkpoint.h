/* SPDX-License-Identifier: BSD-3-Clause */
/* Signed checkpoints of the host's audit chain (docs/audit.md,
 * "Checkpoints"): teamd's own Ed25519 key (STATE_DIR/audit_key.pem,
 * generated at first start, root 0600, refused otherwise) signs the
 * chain head every [audit] checkpoint_interval and at shutdown, as an
 * AuditCheckpoint event that goes where every event goes (journald, the
 * outbox, every sink), and through a listener to team-server
 * (checkpoint_report.h). */
#pragma once

#include <stddef.h>

#include "audit_event.h"

struct teamd;
struct audit_checkpoints;

/* Loads or makes the key and makes it the outbox's signer. */
int audit_checkpoints_open(struct teamd *d, struct audit_checkpoints **out, char *err, size_t errlen);
/* The interval timer on d->event. */
int audit_checkpoints_attach(struct audit_checkpoints *c);
/* One checkpoint now (why: "interval", "shutdown"). */
void audit_checkpoint_write(struct audit_checkpoints *c, const char *why);
/* The public key, base64url of the raw 32 bytes (teamctl status). */
const char *audit_checkpoints_public_key(const struct audit_checkpoints *c);
/* Called with each checkpoint once it is recorded and signed (not the
 * one at shutdown: the loop ends before anything sent could be answered).
 * ev's strings are valid during the call. */
typedef void (*audit_checkpoint_listener_fn)(const struct team_audit_event *ev, void *userdata);
/* fn NULL: nobody is told. */
void audit_checkpoints_set_listener(struct audit_checkpoints *c, audit_checkpoint_listener_fn fn, void *userdata);
void audit_checkpoints_free(struct audit_checkpoints *c);
