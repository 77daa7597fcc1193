/* SPDX-License-Identifier: BSD-3-Clause */
/* One answer of the host feed (GET /v1/hosts/{id}/grants, docs/api.md)
 * applied to the grant store: parsed strictly, every grant verified against
 * trusted_keys (signature, aud, exp) before it is stored, revocations
 * applied, the new cursor stored, all in one transaction. Each stored,
 * rejected or revoked grant is audited (GrantReceived / GrantRejected /
 * GrantRevoked). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "sync/sync_store.h"
#include "teamd.h"

/* Feed answers larger than this are refused (libcurl stops reading at the
 * cap): 1,000 grants of the largest JWS the parser takes (16 KiB). */
#define SYNC_MAX_ANSWER (16u * 1024 * 1024)
/* Grants plus revocations in one answer; team-server sends at most
 * FEED_MAX_ENTRIES (1,000) and the cursor to go on from, so this leaves
 * room without letting one answer hold teamd for long. */
#define SYNC_MAX_ENTRIES 5000

struct sync_counts {
        unsigned stored;        /* new grants */
        unsigned duplicate;     /* already stored, same token */
        unsigned rejected;      /* failed verification or store refused */
        unsigned revoked;       /* grants removed or revocations recorded */
};

/* A parsed feed answer being applied a slice at a time, so that a large
 * answer (a host's first sync, or after a long outage) never holds the
 * event loop for long: PAM checks are answered between slices. The
 * revocations go first, then the grants (a revoked grant meets its
 * tombstone and is never stored), each slice its own transaction (not
 * synced to disk on its own); the last step stores the new cursor in a
 * transaction synced to disk with everything before it. Until then the stored
 * cursor is the old one: after a crash the answer is fetched again, its
 * grants already stored are recognised (no second GrantReceived), revoked
 * ones stay revoked. */
struct sync_batch;

/* A slice ends after SYNC_SLICE_GRANTS grants (or revocations) or
 * SYNC_SLICE_USEC of work, whichever comes first. */
#define SYNC_SLICE_GRANTS 32
#define SYNC_SLICE_USEC 2000

/* Parses and checks body[0..len) strictly; nothing is stored yet. Returns
 * 0, or -EBADMSG with err saying why, or -ENOMEM. */
int sync_batch_new(struct teamd *d, const char *body, size_t len, struct sync_batch **out, char *err,
                   size_t errlen);
/* Applies the next slice. Returns 1 when the batch is complete (cursor
 * stored), 0 when more remains, or -errno (store failure; err says why;
 * the batch must be dropped). */
int sync_batch_step(struct sync_batch *b, char *err, size_t errlen);
const struct sync_counts *sync_batch_counts(const struct sync_batch *b);
/* The answer's cursor. */
const char *sync_batch_cursor(const struct sync_batch *b);
/* Grants in the answer. */
size_t sync_batch_size(const struct sync_batch *b);
/* Neither grants nor revocations. */
bool sync_batch_empty(const struct sync_batch *b);
void sync_batch_free(struct sync_batch *b);
