/* SPDX-License-Identifier: BSD-3-Clause */
/* UTF-8 and printable text (see text.h). */
#include "config.h"

#include "printable.h"

size_t team_utf8_seq_len(const unsigned char *s, size_t avail)
{
        size_t n;
        unsigned c = s[0];
        unsigned cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4, cp = c & 0x07;
        else
                return 0;
        if (n > avail)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3fu);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return n;
}

bool team_text_is_printable(const char *s, size_t len)
{
        size_t i, n;

        for (i = 0; i < len; i += n) {
                const unsigned char *c = (const unsigned char *)s + i;

                /* json-c's UTF-8 check lets encoded surrogates through. */
                n = team_utf8_seq_len(c, len - i);
                if (n == 0 || c[0] < 0x20 || c[0] == 0x7f)
                        return false;
                /* U+0080..U+009F (C1 controls, e.g. CSI) in UTF-8 */
                if (c[0] == 0xc2 && c[1] <= 0x9f)
                        return false;
        }
        return true;
}
