/* SPDX-License-Identifier: BSD-3-Clause */
/* The one way a grant enters teamd, whoever brings it: the feed
 * (sync_apply.c), root's `teamctl grant add` (grant_add.c) and the request
 * relay (relay_wait.c). Verify (signature with a trusted_keys key, aud,
 * exp), refuse a revoked id (the store itself refuses it: a tombstone),
 * store, journal (GrantReceived / GrantRejected), reschedule expiry. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "jws.h"
#include "teamd.h"

enum grant_origin {
        GRANT_ORIGIN_FEED,      /* the central API's host feed */
        GRANT_ORIGIN_ADMIN,     /* teamctl grant add (root socket) */
        GRANT_ORIGIN_RELAY,     /* the answer to a request teamd filed */
};

struct grant_intake {
        const char *jws;
        const char *feed_id;    /* feed: the answer's id, which must be the jti */
        enum grant_origin origin;
        pid_t peer_pid;         /* grant_add: the caller (audited); 0 otherwise */
};

enum grant_intake_outcome {
        GRANT_INTAKE_STORED = 1,
        GRANT_INTAKE_DUPLICATE, /* the same token was stored before */
        GRANT_INTAKE_REVOKED,   /* its id was revoked: never stored again */
        GRANT_INTAKE_REJECTED,  /* why says why */
};

struct grant_intake_result {
        enum grant_intake_outcome outcome;
        struct team_grant grant;        /* the claims, once verified (jti NULL otherwise) */
        char why[512];                  /* revoked, rejected: the sentence for the person */
};

/* Inside a transaction the caller holds (a feed slice): verify, refuse if
 * revoked, store, journal; no reschedule (the feed does it once per
 * answer). Returns 0 with out->outcome, or -errno when the store failed
 * (the caller rolls back; a full disk is -ENOSPC). */
int grant_intake_apply(struct teamd *d, const struct grant_intake *in, int64_t now, struct grant_intake_result *out);
/* One grant on its own: grant_intake_apply() in one audit transaction
 * (the grant and its event commit together), then the expiry timer and the
 * status are rescheduled. Same returns. */
int teamd_grant_intake(struct teamd *d, const struct grant_intake *in, struct grant_intake_result *out);
void grant_intake_result_clear(struct grant_intake_result *r);
