/* SPDX-License-Identifier: BSD-3-Clause */
/* Break-glass codes: generation, normalisation, KDF (see breakglass_code.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "breakglass_code.h"
#include "unconst.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int team_bg_random(void *buf, size_t len)
{
        size_t have = 0;

        while (have < len) {
                ssize_t n = getrandom((char *)buf + have, len - have, 0);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                have += (size_t)n;
        }
        return 0;
}

int team_bg_code_generate(char *sym, size_t symsz)
{
        uint8_t raw[10];
        int r;

        if (symsz < TEAM_BG_CODE_SYMBOLS + 1)
                return -EINVAL;
        r = team_bg_random(raw, sizeof(raw));
        if (r < 0)
                return r;
        /* 80 bits, 5 at a time, most significant first. */
        for (unsigned i = 0; i < TEAM_BG_CODE_SYMBOLS; i++) {
                unsigned bit = i * 5, v = 0;

                for (unsigned b = 0; b < 5; b++, bit++)
                        v = (v << 1) | ((raw[bit / 8] >> (7 - bit % 8)) & 1u);
                sym[i] = alphabet[v];
        }
        sym[TEAM_BG_CODE_SYMBOLS] = '\0';
        OPENSSL_cleanse(raw, sizeof(raw));
        return 0;
}

void team_bg_code_format(const char *sym, char *out, size_t outsz)
{
        size_t o = 0;

        if (outsz < TEAM_BG_CODE_TEXT + 1) {
                if (outsz)
                        out[0] = '\0';
                return;
        }
        for (unsigned i = 0; i < TEAM_BG_CODE_SYMBOLS; i++) {
                if (i && i % 4 == 0)
                        out[o++] = '-';
                out[o++] = sym[i];
        }
        out[o] = '\0';
}

/* The canonical symbol for a typed character, 0 when it is none. */
static char canonical(char c)
{
        if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
        if (c == 'O')
                return '0';
        if (c == 'I' || c == 'L')
                return '1';
        if (c != '\0' && strchr(alphabet, c))
                return c;
        return 0;
}

int team_bg_code_normalize(const char *typed, char *sym, size_t symsz)
{
        size_t n = 0, len;

        if (!typed || symsz < TEAM_BG_CODE_SYMBOLS + 1)
                return -EINVAL;
        len = strnlen(typed, TEAM_BG_MAX_INPUT + 1);
        if (len > TEAM_BG_MAX_INPUT)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                char c = typed[i];

                if (c == '-' || c == ' ')
                        continue;
                c = canonical(c);
                if (!c || n == TEAM_BG_CODE_SYMBOLS) {
                        OPENSSL_cleanse(sym, symsz);
                        return -EINVAL;
                }
                sym[n++] = c;
        }
        if (n != TEAM_BG_CODE_SYMBOLS) {
                OPENSSL_cleanse(sym, symsz);
                return -EINVAL;
        }
        sym[n] = '\0';
        return 0;
}

int team_bg_derive(const char *sym, const struct team_bg_kdf *kdf, uint8_t key[TEAM_BG_KEY_LEN])
{
        EVP_KDF *alg = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
        EVP_KDF_CTX *ctx = alg ? EVP_KDF_CTX_new(alg) : NULL;
        uint64_t n = kdf->n;
        uint32_t r = kdf->r, p = kdf->p;
        OSSL_PARAM params[] = {
                OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, team_unconst(sym), strlen(sym)),
                OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, team_unconst(kdf->salt), TEAM_BG_SALT_LEN),
                OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
                OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
                OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
                OSSL_PARAM_construct_end(),
        };
        int ret = -EIO;

        if (ctx && EVP_KDF_derive(ctx, key, TEAM_BG_KEY_LEN, params) == 1)
                ret = 0;
        else
                OPENSSL_cleanse(key, TEAM_BG_KEY_LEN);
        EVP_KDF_CTX_free(ctx);
        EVP_KDF_free(alg);
        return ret;
}

int team_bg_slot_hash(const uint8_t key[TEAM_BG_KEY_LEN], const uint8_t salt[TEAM_BG_SALT_LEN],
                      uint8_t hash[TEAM_BG_HASH_LEN])
{
        uint8_t buf[TEAM_BG_SALT_LEN + TEAM_BG_KEY_LEN];
        unsigned int len = 0;
        int ret = -EIO;

        memcpy(buf, salt, TEAM_BG_SALT_LEN);
        memcpy(buf + TEAM_BG_SALT_LEN, key, TEAM_BG_KEY_LEN);
        if (EVP_Digest(buf, sizeof(buf), hash, &len, EVP_sha256(), NULL) == 1 && len == TEAM_BG_HASH_LEN)
                ret = 0;
        OPENSSL_cleanse(buf, sizeof(buf));
        return ret;
}
