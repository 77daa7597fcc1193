/* SPDX-License-Identifier: BSD-3-Clause */
/* Server strings on the way to a terminal. */
#pragma once

#include <stddef.h>

/* Copies src into dst (always NUL-terminated), replacing C0/C1 control
 * characters, DEL and invalid UTF-8 with '?', so nothing a server or a
 * requester wrote can move the cursor or retitle the terminal. Truncates
 * on a character boundary, ending in "..." when it had to. */
void text_sanitize(const char *src, char *dst, size_t len);
/* Display width of a sanitized UTF-8 string (code points). */
size_t text_width(const char *s);
