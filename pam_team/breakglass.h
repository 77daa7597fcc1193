/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass path of the account phase: with `breakglass` on the PAM
 * line, a person the normal check did not allow (teamd down, API down, no
 * grant) is asked for a one-time code, which the module verifies and burns
 * itself, in-process, against the set file (common/breakglass_store.h), so
 * that it works with the network and teamd down. A use is recorded twice
 * before access is allowed: a spool record that teamd ships later
 * (breakglass_record.c) and an ALERT journald entry. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <security/pam_modules.h>

#include "args.h"
#include "protocol.h"

#define PAM_TEAM_BG_PROMPT "Break-glass code (leave empty to cancel): "
/* pam_set_data() key: the window's end (int64_t, unix s) once a code was
 * accepted in this handle; the session phase reads it. */
#define PAM_TEAM_BG_DATA "pam_team_breakglass_until"

/* True when the line says breakglass and the application gave a
 * conversation that can ask. */
bool breakglass_applies(pam_handle_t *pamh, const struct pam_team_args *args);
/* Asks for a code and judges it. PAM_SUCCESS only for a valid unused code
 * of this role's set that was burned and recorded; else PAM_PERM_DENIED
 * (after telling the person why) or PAM_AUTHINFO_UNAVAIL (no usable set). */
int breakglass_run(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                   const struct team_request *req);
/* The window's end when break-glass allowed this handle, else 0. */
int64_t breakglass_window_end(pam_handle_t *pamh);
/* The session phase of a handle break-glass allowed, when teamd cannot
 * record the session (down, or no grant behind it): true (open it anyway,
 * logged; the use and its window end are in the spool for teamd), or
 * false when break-glass did not allow this handle. */
bool breakglass_session(pam_handle_t *pamh, const char *user, const char *why);

/* One accepted use, as recorded. */
struct breakglass_use {
        const struct team_request *req;
        unsigned slot;
        int64_t set_created;
        int64_t time_usec;
        int64_t window_end;
};
/* breakglass_record.c: the spool record (written atomically in the spool
 * directory, checked root 0700) and the journald entry, both carrying one
 * event id. 0 or -errno (logged); the journald entry is written even when
 * the spool record fails. */
int breakglass_record(pam_handle_t *pamh, const struct pam_team_args *args, const struct breakglass_use *use);
