/* SPDX-License-Identifier: BSD-3-Clause */
/* The one way numbers and durations enter the program, and durations
 * are shown (see parse.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/* Longest digit string parse_duration copies out before its unit suffix;
 * longer texts overflow uint64 anyway unless padded with zeros. */
#define PARSE_MAX_DIGITS 64

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
        unsigned long long v;
        char *end = NULL;
        size_t i;

        if (!s || !out || s[0] == '\0')
                return -EINVAL;
        /* strtoull accepts leading space, '+' and '-' (negating!): refuse
         * anything but digits, everywhere. */
        for (i = 0; s[i] != '\0'; i++)
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || !end || *end != '\0')
                return -EINVAL;
        if ((uint64_t)v < min || (uint64_t)v > max)
                return -ERANGE;
        *out = (uint64_t)v;
        return 0;
}

/* Seconds per unit suffix, 0 when c is not a unit. */
static uint64_t duration_unit(char c)
{
        switch (c) {
        case 's': return 1;
        case 'm': return 60;
        case 'h': return 3600;
        case 'd': return 86400;
        default: return 0;
        }
}

int parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
        char digits[PARSE_MAX_DIGITS + 1];
        uint64_t mult = 1, v;
        size_t n;
        int r;

        if (!s || !out)
                return -EINVAL;
        n = strlen(s);
        if (n == 0)
                return -EINVAL;
        if (n > PARSE_MAX_DIGITS + 1)
                return -ERANGE;
        if (s[n - 1] < '0' || s[n - 1] > '9') {
                mult = duration_unit(s[n - 1]);
                if (mult == 0)
                        return -EINVAL;
                n--;
                if (n == 0)
                        return -EINVAL;
        }
        if (n > PARSE_MAX_DIGITS)
                return -ERANGE;
        memcpy(digits, s, n);
        digits[n] = '\0';
        r = parse_uint(digits, 0, UINT64_MAX, &v);
        if (r < 0)
                return r;
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        v *= mult;
        if (v < min || v > max)
                return -ERANGE;
        *out = v;
        return 0;
}

void format_duration(int64_t s, const char *sep, char *buf, size_t len)
{
        if (s % 86400 == 0 && s >= 86400)
                snprintf(buf, len, "%" PRId64 "d", s / 86400);
        else if (s % 3600 == 0 && s >= 3600)
                snprintf(buf, len, "%" PRId64 "h", s / 3600);
        else if (s >= 3600)
                snprintf(buf, len, "%" PRId64 "h%s%" PRId64 "m", s / 3600, sep, s % 3600 / 60);
        else if (s % 60 == 0 && s >= 60)
                snprintf(buf, len, "%" PRId64 "m", s / 60);
        else
                snprintf(buf, len, "%" PRId64 "s", s);
}

int parse_bool(const char *s, bool *out)
{
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };
        size_t i;

        if (!s || !out)
                return -EINVAL;
        for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *out = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *out = false;
                        return 0;
                }
        }
        return -EINVAL;
}

bool is_valid_token_name(const char *s, size_t max)
{
        size_t i;

        if (!s || s[0] == '\0' || s[0] == '.')
                return false;
        for (i = 0; s[i] != '\0'; i++) {
                char c = s[i];

                if (i >= max)
                        return false;
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
                        return false;
        }
        return true;
}
