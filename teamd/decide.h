/* SPDX-License-Identifier: BSD-3-Clause */
/* The check decision of docs/design.md, as a pure function of the store
 * rows, the clock and the central API's state (unit-tested with a fixed now). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "protocol.h"

struct decide_input {
        const char *user;
        const char *role;
        const char *host_id;
        const char *const *host_groups;  /* n_host_groups entries */
        size_t n_host_groups;
        int64_t now;
        int64_t clock_skew;
        bool failmode_safe;               /* the PAM line says failmode=safe */
        enum team_api_state api_state;
        int64_t api_since;                /* 0: the API has not been probed yet */
        int64_t fail_open_after;          /* [server] fail_open_after: seconds unreachable before fail-open */
        bool revoked;                     /* a revocation for user+role is remembered (a tombstone) */
        const struct grant_row *rows;     /* every row for user+role (db_grant_find) */
        size_t n_rows;
        bool exempt;                      /* teamd.conf exempt_users / exempt_groups name the user */
};

enum decide_rule {
        DECIDE_ACTIVE = 1,     /* allow: an active grant */
        DECIDE_FUTURE,         /* deny: a grant starts later */
        DECIDE_EXPIRED,        /* deny: the grant has ended */
        DECIDE_FAIL_OPEN,      /* allow: failmode=safe and the API is unreachable */
        DECIDE_NO_GRANT,       /* deny: nothing */
        DECIDE_EXEMPT,         /* allow: no active grant, but the account is exempt */
};

struct decide_result {
        enum team_decision decision;
        enum decide_rule rule;
        const struct grant_row *grant;   /* the grant the answer is about, or NULL */
        bool fail_open;
        bool exempt;                     /* allowed by DECIDE_EXEMPT (audited as ExemptPass) */
        char reason[TEAM_MAX_REASON];    /* deny: what happened and what to do; allow: why */
};

/* Whether the grant's aud names host_id or one of host_groups. */
bool decide_aud_matches(const struct grant_row *g, const char *host_id, const char *const *host_groups,
                        size_t n_host_groups);
void decide(const struct decide_input *in, struct decide_result *out);
/* "2026-11-25 15:04:05 UTC" */
void decide_format_time(int64_t t, char *buf, size_t len);
