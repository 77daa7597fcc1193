/* SPDX-License-Identifier: BSD-3-Clause */
/* The caller's bearer token for the central API: TEAM_TOKEN, else
 * ~/.config/team/token (refused unless only its owner can read it). */
#pragma once

#include <stddef.h>

#define TEAMCTL_TOKEN_MAX 512

/* Returns 0 with *out (malloc'd; wipe and free with token_free()), or a
 * teamctl exit code (78) with err saying what to do. */
int token_load(char **out, char *err, size_t errlen);
void token_free(char *tok);
