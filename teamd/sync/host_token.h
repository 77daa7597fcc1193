/* SPDX-License-Identifier: BSD-3-Clause */
/* The host's bearer token for the central API ([server] token_file).
 *
 * The file must be a regular file owned by root with mode 0600 or 0400
 * (anything else is refused: whoever can read it can act as this host),
 * holding one token "tm_" + 43 base64url characters, optionally followed
 * by a newline. The token is read for each request and wiped right after:
 * it never stays in teamd's memory between requests and is never logged. */
#pragma once

#include <stddef.h>

#define HOST_TOKEN_LEN 46 /* "tm_" + 43 */

struct host_token {
        char value[HOST_TOKEN_LEN + 1];
};

/* Reads path into tok. Returns 0, or -errno with err saying why (never the
 * token's bytes): -EPERM (owner or mode), -EBADMSG (not one token),
 * -ENOENT, ... */
int host_token_read(const char *path, struct host_token *tok, char *err, size_t errlen);
/* explicit_bzero; NULL ok. */
void host_token_wipe(struct host_token *tok);
