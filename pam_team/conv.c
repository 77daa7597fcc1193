/* SPDX-License-Identifier: BSD-3-Clause */
/* What the person sees. Text that came from teamd is untrusted as far as a
 * terminal is concerned: it is stripped of anything a terminal would act on
 * before it is shown. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

#include "conv.h"

/* Length of the escape sequence starting at s[0] == ESC (0x1b), or of a C1
 * control written as UTF-8 (0xc2 0x80..0x9f), including its parameters. */
static size_t escape_len(const unsigned char *s)
{
        size_t i;

        if (s[0] == 0xc2) {
                if (s[1] == 0x9b) {            /* CSI */
                        i = 2;
                        goto csi;
                }
                if (s[1] == 0x9d) {            /* OSC */
                        i = 2;
                        goto osc;
                }
                return 2;
        }
        if (s[1] == '[') {
                i = 2;
                goto csi;
        }
        if (s[1] == ']' || s[1] == 'P' || s[1] == '_' || s[1] == '^') {
                i = 2;
                goto osc;
        }
        return s[1] ? 2 : 1;
csi:
        while (s[i] && (s[i] < 0x40 || s[i] > 0x7e))
                i++;
        return s[i] ? i + 1 : i;
osc:
        while (s[i] && s[i] != 0x07 && !(s[i] == 0x1b && s[i + 1] == '\\'))
                i++;
        if (s[i] == 0x07)
                return i + 1;
        return s[i] ? i + 2 : i;
}

static bool is_c1(const unsigned char *s)
{
        return s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f;
}

/* Bytes in the well-formed UTF-8 character at s, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
        size_t n;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4;
        else
                return 0;
        for (size_t i = 1; i < n; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        return n;
}

void conv_sanitize(const char *in, char *out, size_t outsz)
{
        const unsigned char *s = (const unsigned char *)in;
        size_t cap = outsz - 1, o = 0, n;

        if (cap > PAM_TEAM_MAX_SHOWN)
                cap = PAM_TEAM_MAX_SHOWN;
        while (*s) {
                if (*s == 0x1b || is_c1(s)) {
                        s += escape_len(s);
                        continue;
                }
                if (*s == '\t' || *s == '\n' || *s == '\r') {
                        s++;
                        if (o < cap)
                                out[o++] = ' ';
                        continue;
                }
                n = utf8_len(s);
                if (n == 0 || *s < 0x20 || *s == 0x7f) {
                        s++;               /* control byte or broken UTF-8 */
                        continue;
                }
                if (o + n > cap)
                        goto cut;
                memcpy(out + o, s, n);
                o += n;
                s += n;
        }
        out[o] = '\0';
        return;
cut:
        /* Make room for "..." on a character boundary. out[0..o) holds whole
         * characters, so o is already on one unless it has to move back
         * into them; then only bytes written are looked at. */
        if (cap < 3) {
                out[o] = '\0';
                return;
        }
        if (o > cap - 3) {
                o = cap - 3;
                while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
                        o--;
        }
        memcpy(out + o, "...", 4);
}

void conv_error(pam_handle_t *pamh, const char *text)
{
        (void)pam_prompt(pamh, PAM_ERROR_MSG, NULL, "%s", text);
}

void conv_info(pam_handle_t *pamh, int flags, const char *text)
{
        if (flags & PAM_SILENT)
                return;
        (void)pam_prompt(pamh, PAM_TEXT_INFO, NULL, "%s", text);
}

void conv_refused(pam_handle_t *pamh, const char *role, int rc)
{
        char msg[160];
        const char *why;

        if (rc == PAM_PERM_DENIED)
                why = "no approved grant for it here";
        else if (rc == PAM_AUTHINFO_UNAVAIL)
                why = "teamd could not be asked";
        else
                return;
        snprintf(msg, sizeof(msg), "pam_team: refused role %.64s: %s (not a password problem)", role, why);
        conv_error(pamh, msg);
}

void conv_format_utc(int64_t t, char *out, size_t outsz)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(out, outsz, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(out, outsz, "%lld", (long long)t);
}
