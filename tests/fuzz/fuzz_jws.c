/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: grant verification (common/jws.c, b64url.c).
 *
 * Two modes, chosen by the first byte:
 *  - anything else: the input is a compact JWS, verified against the test
 *    key test-k1 (tests/lib/keys/). Reaches splitting, base64url, header
 *    parsing and the signature check.
 *  - '{': the input is a payload (claims JSON); it is signed here with the
 *    test key and then verified, so claim parsing and policy, which a
 *    mutated token never reaches past the signature, are fuzzed too.
 * Seeds: tests/fuzz/corpus/jws/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "jws.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/lib/keys/test-k1.key and trusted/test-k1.pem: test keys only. */
static const char test_k1_private[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MC4CAQAwBQYDK2VwBCIEID/PvFZ1WNq2roF9qdE+DTVdDUZm5syy7qdmpQLayOkD\n"
        "-----END PRIVATE KEY-----\n";
static const char test_k1_public[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MCowBQYDK2VwAyEAD1gBPCAZ5E3Fx6PT/xopz8A/uHlUYdQl32pQei2SEBo=\n"
        "-----END PUBLIC KEY-----\n";

static struct team_keyring *ring;
static EVP_PKEY *key;

static void init(void)
{
        BIO *bio;

        if (ring)
                return;
        ring = team_keyring_new();
        if (!ring || team_keyring_add_pem(ring, "test-k1", test_k1_public, strlen(test_k1_public)) < 0)
                abort();
        bio = BIO_new_mem_buf(test_k1_private, -1);
        key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        if (!key)
                abort();
}

static void check(const char *jws, size_t len)
{
        static const char *const groups[] = { "web", "prod" };
        struct team_jws_policy p = {
                .now = 1800000100, .clock_skew = 60, .check_nbf = true,
                .host_id = "web1", .host_groups = groups, .n_host_groups = 2,
        };
        static const struct team_grant zero;
        struct team_grant g;
        enum team_jws_result r;

        r = team_jws_verify(jws, len, ring, &p, &g);
        if (r == TEAM_JWS_OK) {
                /* every claim is there and inside its bounds */
                if (!g.kid || !g.jti || !g.sub || !g.role || !g.req || !g.rsn || !g.aud ||
                    g.n_aud < 1 || g.n_aud > TEAM_JWS_MAX_AUD || g.n_apr > TEAM_JWS_MAX_APR ||
                    g.exp <= g.nbf || p.now >= g.exp || strlen(g.rsn) > TEAM_MAX_REASON)
                        abort();
        } else if (memcmp(&g, &zero, sizeof(g)) != 0) {
                abort();   /* a failure must leave *out cleared */
        }
        team_grant_clear(&g);
        (void)team_jws_result_to_string(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t *dec = NULL;
        size_t declen;
        char *text, *tok = NULL;

        init();
        if (size > 2 * TEAM_MAX_JWS)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        if (size > 0 && data[0] == '{') {
                if (team_jws_sign_raw(key, "{\"alg\":\"EdDSA\",\"kid\":\"test-k1\"}", text, &tok) == 0)
                        check(tok, strlen(tok));
        } else {
                check(text, size);
                if (team_b64url_decode(text, size, &dec, &declen) == 0) {
                        char *enc = NULL;
                        /* strict decoding: what decodes re-encodes to the same text */
                        if (team_b64url_encode(dec, declen, &enc) != 0 || strlen(enc) != size ||
                            memcmp(enc, text, size) != 0)
                                abort();
                        free(enc);
                }
        }
        free(dec);
        free(tok);
        free(text);
        return 0;
}
