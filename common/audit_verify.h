/* SPDX-License-Identifier: BSD-3-Clause */
/* Verification of hosts' audit chains (docs/audit.md, "Verifying"): fed
 * the events of an export or of journald in the order they came, it
 * reports per host
 *   - gaps: sequence ranges missing (told apart from ranges an
 *     AuditOutboxFull declared dropped),
 *   - edits: an event whose canonical form does not hash to the prev of
 *     the next one, or one event id seen with two contents,
 *   - forks: two events claiming one sequence number,
 *   - reorderings: an event that comes after one with a higher seq,
 *   - checkpoints whose signature does not verify, and the events after
 *     the last signed checkpoint (not yet covered by any signature).
 * The same event seen twice (a re-send after a crash) counts once. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit_event.h"

struct team_audit_verifier;

struct team_audit_verify_options {
        const uint8_t *host_key;        /* 32 bytes: checkpoints must carry this key; NULL: any */
        bool any_order;                 /* do not report reorderings (an export not sorted by seq) */
};

int team_audit_verifier_new(const struct team_audit_verify_options *opt, struct team_audit_verifier **out);
void team_audit_verifier_free(struct team_audit_verifier *v);

/* One event (ev->seq, prev, host, id, type, the drop and checkpoint
 * fields) with its hash; where: a line number or journald position for
 * the report. Events without seq are counted and otherwise ignored. */
int team_audit_verifier_add(struct team_audit_verifier *v, const struct team_audit_event *ev,
                            const char hash[static TEAM_AUDIT_HASH_HEX + 1], size_t where);
/* Something that could not be read at all (counted as a problem). */
void team_audit_verifier_unreadable(struct team_audit_verifier *v, size_t where, const char *why, FILE *out);

/* Writes the findings to out; returns the number of problems (0: every
 * chain verified; warnings such as events after the last checkpoint or a
 * declared drop are written but are not problems). */
size_t team_audit_verifier_report(struct team_audit_verifier *v, FILE *out);

/* An AuditCheckpoint's signature: 0 when it verifies (with key, when not
 * NULL, as the key it must carry), -EBADMSG when not, -ENOMEM. */
int team_audit_checkpoint_verify(const struct team_audit_event *ev, const uint8_t *key);
