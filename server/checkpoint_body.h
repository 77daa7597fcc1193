/* SPDX-License-Identifier: BSD-3-Clause */
/* What a host hands in as its audit checkpoint, and a host key as an
 * admin types it: the untrusted text of POST /v1/hosts/{id}/checkpoints
 * and of team-server admin host-key, read strictly (server/checkpoints.h
 * decides what is recorded; tests/fuzz/fuzz_checkpoint_body.c). */
#pragma once

#include <stddef.h>

#include "audit_event.h"

/* Bytes of a checkpoint body: the audit event codec's bound. */
#define CHECKPOINT_MAX_BODY TEAM_AUDIT_MAX_JSON
/* base64url of a raw Ed25519 public key (32 bytes), without the NUL. */
#define CHECKPOINT_KEY_LEN 43

/* The body of POST /v1/hosts/{host}/checkpoints: the strict event reader,
 * then type AuditCheckpoint, host equal to host, seq > 0 with its prev,
 * host_key and signature present, and the signature valid for the key it
 * carries. 0; -EBADMSG (err names what is wrong); -EKEYREJECTED (the
 * signature does not verify); -ENOMEM. Clear *out either way. */
int checkpoint_parse(const char *body, size_t len, const char *host, struct team_audit_event_parsed *out,
                     char *err, size_t errlen);
/* A key as an admin gives it: base64url of the 32 raw bytes (no padding),
 * optionally after "ed25519:" (what teamctl status shows). Copies the
 * canonical form into out; -EINVAL otherwise. */
int checkpoint_key_parse(const char *text, char out[static CHECKPOINT_KEY_LEN + 1]);
