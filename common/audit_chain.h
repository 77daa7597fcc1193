/* SPDX-License-Identifier: BSD-3-Clause */
/* The canonical form and chain hash of audit events (docs/audit.md, "The
 * chain").
 *
 * The canonical form of an event is RFC 8785 (JSON Canonicalization
 * Scheme) applied to its JSON object: members sorted by key, no white
 * space, strings escaped minimally (\" \\ \b \f \n \r \t, other controls
 * as \u00xx, everything else as UTF-8), integers in decimal. Our events
 * hold only strings, integers below 2^53 and true, so Python's
 * json.dumps(ev, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
 * gives the same bytes. An event's hash is the SHA-256 of those bytes; the
 * next event of the same host carries it as "prev". */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "audit_event.h"

struct json_object;

/* prev of a host's first event. */
#define TEAM_AUDIT_CHAIN_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* obj (an object of strings, integers and booleans, nested objects and
 * arrays allowed) in canonical form: malloc'd *out of *len bytes, at most
 * max. -EBADMSG for a member that is a double or null, -EMSGSIZE, -ENOMEM. */
int team_audit_canonical(struct json_object *obj, size_t max, char **out, size_t *len);

/* hex = lowercase hex SHA-256 of text[0..len). 0 or -EIO. */
int team_audit_hash(const char *text, size_t len, char hex[static TEAM_AUDIT_HASH_HEX + 1]);

/* The text an AuditCheckpoint's signature covers (docs/audit.md):
 *   "pam_team-audit-checkpoint-v1\n" host "\n" seq "\n" prev "\n" time_usec "\n"
 * malloc'd in *out. */
int team_audit_checkpoint_statement(const char *host, uint64_t seq, const char *prev, int64_t time_usec,
                                    char **out, size_t *len);
