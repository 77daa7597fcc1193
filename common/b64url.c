/* SPDX-License-Identifier: BSD-3-Clause */
/* base64url without padding (RFC 4648 §5, RFC 7515 §2), on top of OpenSSL's
 * EVP block encoder: we translate between the two alphabets and add/strip the
 * padding; OpenSSL does the arithmetic.
 *
 * Decoding is strict: only [A-Za-z0-9_-], no '=', no whitespace, no length
 * that is 1 mod 4, and the unused low bits of the last character must be zero
 * (so every byte string has exactly one accepted encoding). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "jws.h"

/* Far above any JWS we accept (TEAM_MAX_JWS), far below int overflow in the
 * EVP block functions. */
#define B64URL_MAX_INPUT (16u * 1024u * 1024u)

static int b64url_value(unsigned char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '-')
                return 62;
        if (c == '_')
                return 63;
        return -1;
}

int team_b64url_encode(const uint8_t *in, size_t len, char **out)
{
        char *buf;
        size_t cap, n;
        int r;

        if (!out || (!in && len > 0))
                return -EINVAL;
        *out = NULL;
        if (len > B64URL_MAX_INPUT)
                return -E2BIG;

        cap = (len + 2) / 3 * 4 + 1;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        r = len > 0 ? EVP_EncodeBlock((unsigned char *)buf, in, (int)len) : 0;
        if (r < 0 || (size_t)r >= cap) {
                free(buf);
                return -EIO;
        }
        n = (size_t)r;
        while (n > 0 && buf[n - 1] == '=')
                n--;
        for (size_t i = 0; i < n; i++) {
                if (buf[i] == '+')
                        buf[i] = '-';
                else if (buf[i] == '/')
                        buf[i] = '_';
        }
        buf[n] = '\0';
        *out = buf;
        return 0;
}

/* Checks the alphabet, the length and the trailing bits. */
static int b64url_validate(const char *in, size_t len)
{
        size_t rem = len % 4;
        int last;

        if (rem == 1)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (b64url_value((unsigned char)in[i]) < 0)
                        return -EINVAL;
        if (rem == 0 || len == 0)
                return 0;
        last = b64url_value((unsigned char)in[len - 1]);
        /* 2 chars carry 1 byte (4 spare bits), 3 chars carry 2 bytes (2). */
        if ((rem == 2 && (last & 0x0f)) || (rem == 3 && (last & 0x03)))
                return -EINVAL;
        return 0;
}

int team_b64url_decode(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
        char *std = NULL;
        uint8_t *bin = NULL;
        size_t rem, padded, pad;
        int r, n;

        if (!out || !outlen || (!in && len > 0))
                return -EINVAL;
        *out = NULL;
        *outlen = 0;
        if (len > B64URL_MAX_INPUT)
                return -E2BIG;
        r = b64url_validate(in, len);
        if (r < 0)
                return r;

        rem = len % 4;
        pad = rem == 0 ? 0 : 4 - rem;
        padded = len + pad;
        std = malloc(padded + 1);
        bin = malloc(padded / 4 * 3 + 1);   /* +1: never malloc(0) */
        if (!std || !bin) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < len; i++)
                std[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
        memset(std + len, '=', pad);
        std[padded] = '\0';

        n = padded > 0 ? EVP_DecodeBlock(bin, (const unsigned char *)std, (int)padded) : 0;
        if (n < 0 || (size_t)n != padded / 4 * 3) {
                r = -EINVAL;
                goto out;
        }
        /* EVP_DecodeBlock counts the padding as zero bytes. */
        *outlen = (size_t)n - pad;
        *out = bin;
        bin = NULL;
        r = 0;
out:
        free(std);
        free(bin);
        return r;
}
