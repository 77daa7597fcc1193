/* SPDX-License-Identifier: BSD-3-Clause */
/* The one rule for text that ends up in a grant's claims (the reason,
 * user names, approvers): team-server refuses it at intake, the signer
 * will not sign it, and hosts refuse a grant carrying it. One function,
 * so that the server never signs a grant that every host then rejects.
 *
 * Valid: at most max bytes, no NUL, RFC 3629 UTF-8 (no encoded
 * surrogates), no C0 or C1 control character (U+0000..U+001F,
 * U+007F..U+009F): the text reaches terminals and logs. */
#pragma once

#include <stddef.h>

/* 0, -E2BIG (longer than max) or -EILSEQ (a NUL, a control character or
 * invalid UTF-8). s may be NULL only with len 0. */
int team_claim_text_check(const char *s, size_t len, size_t max);

/* What a team_claim_text_check() error means, for messages: "is longer
 * than allowed" / "contains a control character or invalid UTF-8". */
const char *team_claim_text_strerror(int r);
