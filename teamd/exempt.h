/* SPDX-License-Identifier: BSD-3-Clause */
/* Accounts exempt from the gate (teamd.conf [teamd] exempt_users,
 * exempt_groups): automation that must not wait for an approver. Their
 * passes are allowed without a grant and audited as ExemptPass. */
#pragma once

#include <stdbool.h>

#include "teamd_config.h"

/* What the allow answer names instead of a grant id. */
#define TEAMD_EXEMPT_GRANT_ID "exempt"

/* True when user is listed in exempt_users or is a member (primary or
 * supplementary group, from NSS) of a group in exempt_groups. A lookup
 * failure is "not exempt". */
bool teamd_is_exempt(const struct teamd_config *cfg, const char *user);
