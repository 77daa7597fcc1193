/* SPDX-License-Identifier: BSD-3-Clause */
/* The interface between pam_team.so and its break-glass helper,
 * pam_team_breakglass.so (PAM_TEAM_BG_HELPER, in a fixed private directory;
 * breakglass.c loads it). The helper holds the code check, the burn and the
 * record of a use (libcrypto for the KDF, libsystemd for the ALERT journald
 * entry), so that the module that libpam loads on every pam_start needs
 * neither library; the helper is loaded only when a code is asked for and
 * unloaded before the module returns.
 *
 * The helper exports exactly the two symbols below (pam_team_breakglass.map).
 * The module refuses a helper whose pam_team_breakglass_abi does not match
 * its own: both are built from one source tree and shipped in one package,
 * and the structures passed across are the module's own. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <security/pam_modules.h>

#include "args.h"
#include "protocol.h"

/* Bump when the entry's meaning or arguments change. */
#define PAM_TEAM_BG_ABI_VERSION 1u
#define PAM_TEAM_BG_ABI_SYMBOL "pam_team_breakglass_abi"
#define PAM_TEAM_BG_RUN_SYMBOL "pam_team_breakglass_run"

struct pam_team_bg_abi {
        unsigned version;             /* PAM_TEAM_BG_ABI_VERSION */
        const char *package_version;  /* PACKAGE_VERSION */
        size_t args_size;             /* sizeof(struct pam_team_args) */
        size_t request_size;          /* sizeof(struct team_request) */
};

#define PAM_TEAM_BG_ABI_INIT { \
        .version = PAM_TEAM_BG_ABI_VERSION, \
        .package_version = PACKAGE_VERSION, \
        .args_size = sizeof(struct pam_team_args), \
        .request_size = sizeof(struct team_request), \
}

/* Asks for a code and judges it. PAM_SUCCESS only for a valid unused code
 * of this role's set that was burned and recorded (spool record and
 * journald entry), with *window_end (unix s) the end of the window it opens;
 * else PAM_PERM_DENIED (after telling the person why) or
 * PAM_AUTHINFO_UNAVAIL (no usable set). The helper keeps nothing in the
 * handle: no pam_set_data, whose cleanup would outlive the helper. */
typedef int pam_team_bg_run_fn(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                               const struct team_request *req, int64_t *window_end);

extern const struct pam_team_bg_abi pam_team_breakglass_abi;
pam_team_bg_run_fn pam_team_breakglass_run;
