/* One answer of the host feed (GET /v1/hosts/{id}/grants, docs/api.md)
 * applied to the grant store: parsed strictly, every grant verified against
 * trusted_keys (signature, aud, exp) before it is stored, revocations
 * applied, the new cursor stored, all in one transaction. Each stored,
 * rejected or revoked grant is audited (GrantReceived / GrantRejected /
 * GrantRevoked). */
#pragma once

#include <stddef.h>

#include "sync_store.h"
#include "teamd.h"

/* Feed answers larger than this are refused (about 20,000 grants). */
#define SYNC_MAX_ANSWER (16u * 1024 * 1024)

struct sync_counts {
        unsigned stored;        /* new grants */
        unsigned duplicate;     /* already stored, same token */
        unsigned rejected;      /* failed verification or store refused */
        unsigned revoked;       /* grants removed or revocations recorded */
};

/* Applies body[0..len). cursor_in is the cursor the request was made with;
 * the answer's cursor is stored and copied to cursor_out (size >
 * SYNC_CURSOR_MAX). Returns 0, -EBADMSG (malformed answer; err says why,
 * nothing was stored), or another -errno (store failure). */
int sync_apply_answer(struct teamd *d, const char *body, size_t len, char *cursor_out, size_t cursor_size,
                      struct sync_counts *counts, char *err, size_t errlen);
