/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass path of the account phase: with `breakglass` on the PAM
 * line, a person the normal check did not allow (teamd down, API down, no
 * grant) is asked for a one-time code, which is verified and burned
 * in-process, against the set file (common/breakglass_store.h), so that it
 * works with the network and teamd down. A use is recorded twice before
 * access is allowed: a spool record that teamd ships later and an ALERT
 * journald entry.
 *
 * The asking, verifying, burning and recording live in the helper
 * pam_team_breakglass.so (breakglass_helper.c, breakglass_record.c; the
 * interface is breakglass_abi.h), which needs libcrypto and libsystemd;
 * breakglass.c, in pam_team.so, loads it for the one call and unloads it,
 * so that no sudo that is not a break-glass pays for loading those. */
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
/* Loads the helper (args->breakglass_helper), asks for a code and judges it
 * (pam_team_bg_run_fn), unloads the helper. PAM_SUCCESS only for a valid
 * unused code of this role's set that was burned and recorded, with the
 * window's end kept in the handle (PAM_TEAM_BG_DATA); else PAM_PERM_DENIED
 * (after telling the person why) or PAM_AUTHINFO_UNAVAIL (no usable set,
 * or no usable helper). */
int breakglass_run(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                   const struct team_request *req);
/* The window's end when break-glass allowed this handle, else 0. */
int64_t breakglass_window_end(pam_handle_t *pamh);
/* The session phase of a handle break-glass allowed, when teamd cannot
 * record the session (down, or no grant behind it): true (open it anyway,
 * logged; the use and its window end are in the spool for teamd), or
 * false when break-glass did not allow this handle. */
bool breakglass_session(pam_handle_t *pamh, const char *user, const char *why);
