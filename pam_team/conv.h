/* SPDX-License-Identifier: BSD-3-Clause */
/* Messages to the person at the terminal, through the PAM conversation. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <security/pam_modules.h>

/* Longest text (bytes) of a server-supplied string shown to the person. */
#define PAM_TEAM_MAX_SHOWN 512

/* Copies in to out (size outsz >= 4) dropping control characters and whole
 * terminal escape sequences (CSI, OSC, C1), turning tabs and newlines into
 * spaces, and cutting at PAM_TEAM_MAX_SHOWN or outsz - 1 bytes on a UTF-8
 * character boundary (a cut text ends in "..."). */
void conv_sanitize(const char *in, char *out, size_t outsz);

/* PAM_ERROR_MSG: shown even under PAM_SILENT (it says why access failed). */
void conv_error(pam_handle_t *pamh, const char *text);
/* PAM_TEXT_INFO: not shown when flags has PAM_SILENT. */
void conv_info(pam_handle_t *pamh, int flags, const char *text);

/* The last line of a refusal by the account phase (PAM_ERROR_MSG), after
 * the reason: who refused and why in a word, and that it is not about a
 * password. sudo ends every account-phase refusal with its own "a password
 * is required" (whatever the code and even after the right password; see
 * pam_team(8)), so the module's own line must stand without it. rc is
 * PAM_PERM_DENIED (no usable grant) or PAM_AUTHINFO_UNAVAIL (teamd could
 * not be asked); other codes say nothing. */
void conv_refused(pam_handle_t *pamh, const char *role, int rc);

/* t (unix s) as "YYYY-MM-DD HH:MM:SS UTC" (the number itself if it cannot
 * be formatted) in out. */
void conv_format_utc(int64_t t, char *out, size_t outsz);
