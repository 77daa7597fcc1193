/* SPDX-License-Identifier: BSD-3-Clause */
/* The grant claim text rule (see claim_text.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "claim_text.h"
#include "printable.h"

int team_claim_text_check(const char *s, size_t len, size_t max)
{
        if (len > max)
                return -E2BIG;
        if (len == 0)
                return 0;
        if (!s || memchr(s, '\0', len) || !team_text_is_printable(s, len))
                return -EILSEQ;
        return 0;
}

const char *team_claim_text_strerror(int r)
{
        return r == -E2BIG ? "is longer than allowed" : "contains a control character or invalid UTF-8";
}
