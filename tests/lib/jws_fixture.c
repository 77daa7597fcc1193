/* SPDX-License-Identifier: BSD-3-Clause */
/* See jws_fixture.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "jws_fixture.h"

#ifndef TEST_KEYS_DIR
#define TEST_KEYS_DIR "tests/lib/keys"
#endif

EVP_PKEY *k1, *k2;
struct team_keyring *ring;
char *pem1, *pem2, *pem_p256;
static char keys_dir[4096];

static const char *const groups[] = { "web", "prod" };

char *jws_fixture_slurp(const char *name)
{
        char path[4200];
        FILE *f;
        char *buf;
        size_t n;

        snprintf(path, sizeof(path), "%s/%s", keys_dir, name);
        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "cannot open %s\n", path);
                return NULL;
        }
        buf = calloc(1, 65536);
        n = buf ? fread(buf, 1, 65535, f) : 0;
        fclose(f);
        if (buf && n == 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* The repository cannot keep mode 0600, so the fixed private keys are read
 * here directly; team_key_load_private_pem() is tested on temp files. */
static EVP_PKEY *load_priv(const char *name)
{
        char *pem = jws_fixture_slurp(name);
        BIO *bio = pem ? BIO_new_mem_buf(pem, -1) : NULL;
        EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

        BIO_free(bio);
        free(pem);
        return k;
}

void default_claims(struct team_grant *g)
{
        static const char *aud[] = { "web1" };
        static const char *apr[] = { "bob" };

        memset(g, 0, sizeof(*g));
        g->jti = "g-1";
        g->sub = "alice";
        g->aud = aud;
        g->n_aud = 1;
        g->role = "sudo";
        g->nbf = NOW;
        g->exp = NOW + HOUR;
        g->iat = NOW;
        g->req = "r-1";
        g->apr = apr;
        g->n_apr = 1;
        g->rsn = "INC-4711 disk full";
}

struct team_jws_policy default_policy(void)
{
        struct team_jws_policy p = {
                .now = NOW, .clock_skew = SKEW, .check_nbf = true,
                .host_id = "web1", .host_groups = groups, .n_host_groups = 2,
        };
        return p;
}

/* noinline: GCC 12 -Wdangling-pointer misreads the inlined &tok out-parameter. */
__attribute__((noinline))
char *sign_with(EVP_PKEY *k, const char *kid, const struct team_grant *c)
{
        char *tok = NULL;

        assert_int_equal(team_jws_sign(k, kid, c, &tok), 0);
        assert_non_null(tok);
        return tok;
}

enum team_jws_result verify_with(const char *tok, const struct team_keyring *kr,
                                        const struct team_jws_policy *p)
{
        struct team_grant g;
        enum team_jws_result r = team_jws_verify(tok, strlen(tok), kr, p, &g);

        team_grant_clear(&g);
        return r;
}

int jws_fixture_setup(void **state)
{
        const char *top = getenv("top_srcdir");

        if (top && *top)
                snprintf(keys_dir, sizeof(keys_dir), "%s/tests/lib/keys", top);
        else
                snprintf(keys_dir, sizeof(keys_dir), "%s", TEST_KEYS_DIR);
        k1 = load_priv("test-k1.key");
        k2 = load_priv("test-k2.key");
        pem1 = jws_fixture_slurp("trusted/test-k1.pem");
        pem2 = jws_fixture_slurp("trusted/test-k2.pem");
        pem_p256 = jws_fixture_slurp("p256.pub.pem");
        ring = team_keyring_new();
        if (!k1 || !k2 || !pem1 || !pem2 || !pem_p256 || !ring)
                return -1;
        if (team_keyring_add_pem(ring, "test-k1", pem1, strlen(pem1)) < 0 ||
            team_keyring_add_pem(ring, "test-k2", pem2, strlen(pem2)) < 0)
                return -1;
        return 0;
}

int jws_fixture_teardown(void **state)
{
        EVP_PKEY_free(k1);
        EVP_PKEY_free(k2);
        team_keyring_free(ring);
        free(pem1);
        free(pem2);
        free(pem_p256);
        return 0;
}
