/* SPDX-License-Identifier: BSD-3-Clause */
/* The record of one accepted break-glass use (pam_team_breakglass.so). */
#pragma once

#include <stdint.h>

#include <security/pam_modules.h>

#include "args.h"
#include "protocol.h"

/* One accepted use, as recorded. */
struct breakglass_use {
        const struct team_request *req;
        unsigned slot;
        int64_t set_created;
        int64_t time_usec;
        int64_t window_end;
};
/* The spool record (written atomically in the spool directory, checked
 * root 0700) and the journald entry, both carrying one event id. 0 or
 * -errno (logged); the journald entry is written even when the spool
 * record fails. */
int breakglass_record(pam_handle_t *pamh, const struct pam_team_args *args, const struct breakglass_use *use);
