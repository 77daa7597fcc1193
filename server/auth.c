/* SPDX-License-Identifier: BSD-3-Clause */
/* Bearer tokens (see auth.h).
 *
 * Lookup is by the token's SHA-256 (the store's indexed equality match).
 * A timing difference in that search can only tell an attacker how many
 * leading bytes of the SHA-256 of *their own guess* match a stored hash,
 * which says nothing about any token (preimage resistance); the token
 * itself is never compared. Token bytes and hashes are wiped after use. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth.h"
#include "jws.h"

void identity_clear(struct identity *id)
{
        if (!id)
                return;
        srv_str_free(id->name);
        srv_strv_free(id->groups);
        memset(id, 0, sizeof(*id));
}

int auth_token_hash(const char *token, size_t len, uint8_t hash[SRV_TOKEN_HASH_LEN])
{
        unsigned int n = 0;

        if (EVP_Digest(token, len, hash, &n, EVP_sha256(), NULL) != 1 || n != SRV_TOKEN_HASH_LEN)
                return -EIO;
        return 0;
}

int auth_token_generate(char *out, size_t outlen, uint8_t hash[SRV_TOKEN_HASH_LEN])
{
        uint8_t raw[AUTH_TOKEN_RANDOM];
        char *b64 = NULL;
        int r;

        if (outlen < AUTH_TOKEN_LEN + 1)
                return -EINVAL;
        if (RAND_bytes(raw, sizeof(raw)) != 1) {
                r = -EIO;
                goto out;
        }
        r = team_b64url_encode(raw, sizeof(raw), &b64);
        if (r < 0)
                goto out;
        if (strlen(b64) != AUTH_TOKEN_LEN - strlen(AUTH_TOKEN_PREFIX)) {
                r = -EIO;
                goto out;
        }
        memcpy(out, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX));
        memcpy(out + strlen(AUTH_TOKEN_PREFIX), b64, strlen(b64) + 1);
        r = auth_token_hash(out, AUTH_TOKEN_LEN, hash);
out:
        OPENSSL_cleanse(raw, sizeof(raw));
        if (b64) {
                OPENSSL_cleanse(b64, strlen(b64));
                free(b64);
        }
        return r;
}

static bool token_syntax_ok(const char *t, size_t len)
{
        size_t i, plen = strlen(AUTH_TOKEN_PREFIX);

        if (len != AUTH_TOKEN_LEN || memcmp(t, AUTH_TOKEN_PREFIX, plen) != 0)
                return false;
        for (i = plen; i < len; i++) {
                char c = t[i];

                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_'))
                        return false;
        }
        return true;
}

static int fill_principal(struct identity *out, const char *kind)
{
        int n = snprintf(out->principal, sizeof(out->principal), "%s:%s", kind, out->name);

        if (n < 0 || (size_t)n >= sizeof(out->principal))
                return -EINVAL;
        if (!out->groups) {
                out->groups = calloc(1, sizeof(char *));
                if (!out->groups)
                        return -ENOMEM;
        }
        return 0;
}

/* Takes the store's name and groups over into out (leaving NULLs behind). */
static int adopt(struct identity *out, enum identity_kind kind, const char *what, const char **name, char ***groups)
{
        out->kind = kind;
        out->name = *name;
        out->groups = *groups;
        *name = NULL;
        *groups = NULL;
        return fill_principal(out, what);
}

int auth_identify(struct srv_store *store, const char *authorization, struct identity *out)
{
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        struct srv_user u = { 0 };
        struct srv_host h = { 0 };
        const char *t;
        size_t len;
        int r;

        memset(out, 0, sizeof(*out));
        if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
                return -EACCES;
        for (t = authorization + 7; *t == ' '; t++)
                ;
        len = strlen(t);
        while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t'))
                len--;
        if (!token_syntax_ok(t, len))
                return -EACCES;
        r = auth_token_hash(t, len, hash);
        if (r < 0)
                return r;
        r = srv_store_user_by_token(store, hash, &u);
        if (r == 0) {
                r = adopt(out, IDENTITY_USER, "user", &u.name, &u.groups);
                goto out;
        }
        if (r != -ENOENT)
                goto out;
        r = srv_store_host_by_token(store, hash, &h);
        if (r == 0) {
                r = adopt(out, IDENTITY_HOST, "host", &h.id, &h.groups);
                goto out;
        }
        if (r == -ENOENT)
                r = -EACCES;
out:
        OPENSSL_cleanse(hash, sizeof(hash));
        srv_user_clear(&u);
        srv_host_clear(&h);
        if (r < 0)
                identity_clear(out);
        return r;
}
