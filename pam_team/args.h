/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_team module arguments: the PAM line's words, parsed strictly. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <security/pam_modules.h>

#include "breakglass_file.h"
#include "breakglass_spool.h"

#define PAM_TEAM_DEFAULT_SOCKET "/run/teamd/teamd.sock"
#define PAM_TEAM_DEFAULT_TIMEOUT_MS 3000
#define PAM_TEAM_MIN_TIMEOUT_MS 50
#define PAM_TEAM_MAX_TIMEOUT_MS 60000
#define PAM_TEAM_MAX_WAIT_S 3600
/* prompt: wait= when not given, and the grant duration asked for. */
#define PAM_TEAM_DEFAULT_WAIT_S 300
#define PAM_TEAM_DEFAULT_DURATION_S 3600
#define PAM_TEAM_MIN_DURATION_S 60
#define PAM_TEAM_MAX_DURATION_S (366 * 24 * 3600)
/* breakglass: the set file and the spool of uses (docs/breakglass.md). */
#define PAM_TEAM_DEFAULT_BG_FILE TEAM_BG_DEFAULT_FILE
#define PAM_TEAM_DEFAULT_BG_SPOOL TEAM_BG_DEFAULT_SPOOL
#define PAM_TEAM_MAX_PATH 1024
/* The break-glass helper (breakglass_abi.h): its installed path, given by
 * the build (-D, from $(libdir)); breakglass_helper= replaces it, for the
 * test suite, which runs the build tree's module and helper. */
#ifndef PAM_TEAM_BG_HELPER
#error "PAM_TEAM_BG_HELPER (the installed path of pam_team_breakglass.so) must be defined by the build"
#endif
#define PAM_TEAM_DEFAULT_BG_HELPER PAM_TEAM_BG_HELPER

struct pam_team_args {
        const char *role;     /* points into argv; required */
        const char *socket;   /* points into argv or the default */
        bool failmode_safe;   /* failmode=safe */
        unsigned timeout_ms;  /* one deadline for the whole round trip */
        bool debug;
        bool prompt;          /* ask for a grant at the terminal (prompt.c) */
        unsigned wait_s;      /* prompt: seconds to wait for the approval; 0 = file only */
        unsigned duration_s;  /* prompt: the grant duration asked for (duration=) */
        bool breakglass;      /* ask for a break-glass code when not allowed (breakglass.c) */
        const char *breakglass_file;  /* breakglass_file=, else /etc/team/breakglass */
        const char *breakglass_spool; /* breakglass_spool=, else /var/spool/teamd/breakglass */
        const char *breakglass_helper; /* breakglass_helper=, else PAM_TEAM_BG_HELPER */
};

/* Fills *out from argv. Returns 0, or -EINVAL after logging with pam_syslog
 * which argument is wrong (unknown word, bad value, repeated, missing role). */
int pam_team_args_parse(pam_handle_t *pamh, int argc, const char **argv,
                        struct pam_team_args *out);
