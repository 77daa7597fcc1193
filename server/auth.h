/* SPDX-License-Identifier: BSD-3-Clause */
/* Bearer tokens: "tm_" + base64url(32 random bytes). The database keeps
 * only the SHA-256 of a token; a presented token is checked for syntax,
 * hashed and looked up by its hash (so no stored secret is ever compared
 * byte by byte with attacker input). Tokens are never logged and are wiped
 * from our buffers after use. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define AUTH_TOKEN_PREFIX "tm_"
#define AUTH_TOKEN_RANDOM 32
#define AUTH_TOKEN_LEN 46            /* "tm_" + 43 base64url characters */

enum identity_kind {
        IDENTITY_NONE = 0,
        IDENTITY_USER,
        IDENTITY_HOST,
};

struct identity {
        enum identity_kind kind;
        const char *name;            /* user name or host id (owned: the store's row string) */
        char **groups;               /* NULL-terminated, never NULL once identified */
        char principal[SRV_MAX_NAME + 8]; /* "user:NAME" or "host:ID" */
};
void identity_clear(struct identity *id);

/* A new token (NUL-terminated, AUTH_TOKEN_LEN characters, in out of at
 * least AUTH_TOKEN_LEN + 1 bytes) and its hash. 0 or -EIO/-ENOMEM. */
int auth_token_generate(char *out, size_t outlen, uint8_t hash[SRV_TOKEN_HASH_LEN]);
/* SHA-256 of the token text. */
int auth_token_hash(const char *token, size_t len, uint8_t hash[SRV_TOKEN_HASH_LEN]);

/* From an Authorization header value ("Bearer TOKEN"; NULL = absent):
 * 0 and *out filled, -EACCES (missing, malformed or unknown token), or
 * -EIO/-ENOMEM (the store failed). */
int auth_identify(struct srv_store *store, const char *authorization, struct identity *out);
