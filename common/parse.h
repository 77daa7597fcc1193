/* SPDX-License-Identifier: BSD-3-Clause */
/* The one way numbers and durations enter the program (and the one way a
 * duration is shown). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal only, no sign, no spaces, no trailing bytes, within [min, max].
 * Returns 0 or -EINVAL / -ERANGE. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "90", "90s", "15m", "1h", "2d" -> seconds, within [min, max]. */
int parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Seconds as text, the largest unit that divides them: "2d", "3h", "45m",
 * "90s"; hours and minutes joined by sep ("2h 30m" or "2h30m"). Zero and
 * negative values read "0s", "-5s". */
void format_duration(int64_t s, const char *sep, char *buf, size_t len);
/* "yes/no/true/false/on/off/1/0". */
int parse_bool(const char *s, bool *out);
/* Role, kid and id syntax: [A-Za-z0-9._-]{1,max}, not starting with '.'. */
bool is_valid_token_name(const char *s, size_t max);
