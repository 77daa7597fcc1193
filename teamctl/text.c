/* SPDX-License-Identifier: BSD-3-Clause */
/* See text.h. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "text.h"

/* Length of the UTF-8 sequence at s (1..4), 0 if it is malformed; *ok
 * says whether it may be shown (not a C0/C1 control, DEL, overlong form or
 * surrogate). */
static size_t utf8_seq(const unsigned char *s, bool *ok)
{
        size_t n, i;
        uint32_t cp;

        *ok = false;
        if (s[0] < 0x80) {
                *ok = s[0] >= 0x20 && s[0] != 0x7f;
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = s[0] & 0x07;
        } else {
                return 0;
        }
        for (i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        *ok = !((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
                (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f));
        return n;
}

void text_sanitize(const char *src, char *dst, size_t len)
{
        const unsigned char *s = (const unsigned char *)(src ? src : "");
        size_t o = 0;

        if (len == 0)
                return;
        while (*s) {
                bool ok;
                size_t n = utf8_seq(s, &ok);
                size_t want = ok ? n : 1;

                if (o + want + 1 > len) {
                        /* back off to leave room for "..." */
                        while (o > 0 && o + 4 > len) {
                                o--;
                                while (o > 0 && ((unsigned char)dst[o] & 0xc0) == 0x80)
                                        o--;
                        }
                        if (o + 4 <= len) {
                                memcpy(dst + o, "...", 3);
                                o += 3;
                        }
                        break;
                }
                if (ok)
                        memcpy(dst + o, s, n);
                else
                        dst[o] = '?';   /* one '?' per malformed byte or refused character */
                o += want;
                s += n ? n : 1;
        }
        dst[o] = '\0';
}

size_t text_width(const char *s)
{
        size_t w = 0;

        for (; *s; s++)
                if (((unsigned char)*s & 0xc0) != 0x80)
                        w++;
        return w;
}
