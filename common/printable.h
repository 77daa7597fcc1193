/* SPDX-License-Identifier: BSD-3-Clause */
/* The text rule for whatever reaches terminals and logs: strict UTF-8, no
 * control characters. No library behind it, so pam_team.so can use it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Length of the RFC 3629 UTF-8 sequence at s (1..4), or 0 when it is
 * invalid (overlong, surrogate, beyond U+10FFFF, cut short). */
size_t team_utf8_seq_len(const unsigned char *s, size_t avail);

/* Valid RFC 3629 UTF-8 (no encoded surrogates) with no C0 or C1 control
 * character and no DEL in s[0..len): the text ends up on terminals and in
 * logs. */
bool team_text_is_printable(const char *s, size_t len);
