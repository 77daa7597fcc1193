/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant verification cost: team_jws_verify() per call against a bare
 * EVP_DigestVerify() of the same signing input (the Ed25519 floor), so the
 * reader sees what base64url, JSON and claim checks add. Needs only common/. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bench/bench_ab.h"
#include "jws.h"

struct jws_bench {
        EVP_PKEY *key;         /* private, signs */
        EVP_PKEY *pub;         /* public half, what a host pins */
        struct team_keyring *kr;
        char *jws;
        uint8_t *sig;
        size_t siglen;
        size_t tbslen;         /* header.payload length inside jws */
};

static int export_public(struct jws_bench *b, char **pem, size_t *len)
{
        BIO *bio = BIO_new(BIO_s_mem());
        char *data = NULL;
        long n;
        int r = -ENOMEM;

        if (!bio)
                goto out;
        r = -EIO;
        if (PEM_write_bio_PUBKEY(bio, b->key) != 1)
                goto out;
        n = BIO_get_mem_data(bio, &data);
        if (n <= 0)
                goto out;
        r = -ENOMEM;
        *pem = strndup(data, (size_t)n);
        if (!*pem)
                goto out;
        *len = (size_t)n;
        b->pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        r = 0;
out:
        BIO_free(bio);
        return r;
}

static int sign_grant(struct jws_bench *b, int64_t now)
{
        const char *aud[] = { "bench-host" };
        const char *apr[] = { "approver" };
        struct team_grant g = {
                .jti = "7f8c1e52-5d59-4c1f-9a51-0d7c1e0e2b11",
                .sub = "alice", .aud = aud, .n_aud = 1, .role = "sudo",
                .nbf = now - 60, .exp = now + 3600, .iat = now - 60,
                .req = "0a1b2c3d-0000-4000-8000-000000000001",
                .apr = apr, .n_apr = 1, .rsn = "INC-4711 disk full on /var",
        };

        return team_jws_sign(b->key, "bench", &g, &b->jws);
}

static int setup(struct jws_bench *b)
{
        char *pem = NULL, *dot;
        size_t pemlen = 0;
        int r;

        r = team_key_generate(&b->key);
        if (r < 0)
                goto out;
        r = export_public(b, &pem, &pemlen);
        if (r < 0)
                goto out;
        r = -EIO;
        if (!b->pub)
                goto out;
        r = -ENOMEM;
        b->kr = team_keyring_new();
        if (!b->kr)
                goto out;
        r = team_keyring_add_pem(b->kr, "bench", pem, pemlen);
        if (r < 0)
                goto out;
        r = sign_grant(b, (int64_t)time(NULL));
        if (r < 0)
                goto out;
        r = -EINVAL;
        dot = strrchr(b->jws, '.');
        if (!dot)
                goto out;
        b->tbslen = (size_t)(dot - b->jws);
        r = team_b64url_decode(dot + 1, strlen(dot + 1), &b->sig, &b->siglen);
out:
        free(pem);
        return r;
}

static void teardown(struct jws_bench *b)
{
        free(b->jws);
        free(b->sig);
        team_keyring_free(b->kr);
        EVP_PKEY_free(b->key);
        EVP_PKEY_free(b->pub);
}

/* One team_jws_verify() with the policy teamd applies on a check. */
static int once_team(const struct jws_bench *b, const struct team_jws_policy *pol)
{
        struct team_grant g;
        enum team_jws_result res;

        memset(&g, 0, sizeof(g));
        res = team_jws_verify(b->jws, strlen(b->jws), b->kr, pol, &g);
        team_grant_clear(&g);
        return res == TEAM_JWS_OK ? 0 : -EBADMSG;
}

/* The baseline: what any Ed25519 verifier must do, a fresh context included. */
static int once_evp(const struct jws_bench *b)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int r = -ENOMEM;

        if (!ctx)
                return r;
        r = -EBADMSG;
        if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, b->pub) == 1 &&
            EVP_DigestVerify(ctx, b->sig, b->siglen, (const unsigned char *)b->jws, b->tbslen) == 1)
                r = 0;
        EVP_MD_CTX_free(ctx);
        return r;
}

struct jws_ctx {
        const struct jws_bench *b;
        const struct team_jws_policy *pol;
};

/* Side 0: bare EVP_DigestVerify (the baseline); side 1: team_jws_verify. */
static int once(void *ctx, int side)
{
        const struct jws_ctx *c = ctx;

        return side ? once_team(c->b, c->pol) : once_evp(c->b);
}

int main(int argc, char **argv)
{
        struct bench_ab_opts o = { .n = 20000, .warmup = 1000, .header = 1 };
        const char *groups[] = { "bench-group" };
        struct team_jws_policy pol = {
                .now = (int64_t)time(NULL), .clock_skew = 60, .check_nbf = true,
                .host_id = "bench-host", .host_groups = groups, .n_host_groups = 1,
                .expect_sub = "alice", .expect_role = "sudo",
        };
        struct jws_bench b;
        struct jws_ctx jc = { &b, &pol };
        const struct bench_ab ab = {
                .prog = "bench_jws",
                .what = { "EVP_DigestVerify verification", "team_jws_verify verification" },
                .once = once, .ctx = &jc,
        };
        struct bench_samples s[2];      /* evp, team */
        int rc = 1;

        bench_ab_parse(argc, argv, "bench_jws", &o);
        memset(&b, 0, sizeof(b));
        memset(s, 0, sizeof(s));
        if (setup(&b) < 0) {
                fprintf(stderr, "bench_jws: cannot set up a key and a signed grant\n");
                goto out;
        }
        if (bench_ab_run(&ab, &o, s) < 0)
                goto out;
        if (o.header)
                bench_print_latency_header();
        bench_print_latency_row("grant verify: `team_jws_verify` (Ed25519, claims checked)", &s[1],
                                "bare `EVP_DigestVerify` of the same bytes", &s[0]);
        rc = 0;
out:
        bench_samples_free(&s[0]);
        bench_samples_free(&s[1]);
        teardown(&b);
        return rc;
}
