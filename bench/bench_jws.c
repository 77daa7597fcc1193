/* Grant verification cost: team_jws_verify() per call against a bare
 * EVP_DigestVerify() of the same signing input (the Ed25519 floor), so the
 * reader sees what base64url, JSON and claim checks add. Needs only common/. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bench/bench_stats.h"
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
        char *aud[] = { "bench-host" };
        char *apr[] = { "approver" };
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

static int run(const struct jws_bench *b, int team, uint64_t warmup, uint64_t n,
               struct bench_samples *s)
{
        const char *groups[] = { "bench-group" };
        struct team_jws_policy pol = {
                .now = (int64_t)time(NULL), .clock_skew = 60, .check_nbf = true,
                .host_id = "bench-host", .host_groups = groups, .n_host_groups = 1,
                .expect_sub = "alice", .expect_role = "sudo",
        };

        for (uint64_t i = 0; i < warmup + n; i++) {
                uint64_t t0 = bench_now_ns(), t1;
                int r = team ? once_team(b, &pol) : once_evp(b);

                t1 = bench_now_ns();
                if (r < 0) {
                        fprintf(stderr, "bench_jws: %s verification failed: %s\n",
                                team ? "team_jws_verify" : "EVP_DigestVerify", strerror(-r));
                        return r;
                }
                if (i >= warmup && bench_samples_add(s, t1 - t0) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static void usage(void)
{
        fprintf(stderr, "usage: bench_jws [--iterations N] [--warmup N] [--no-header]\n");
        exit(2);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "iterations", required_argument, NULL, 'n' },
                { "warmup", required_argument, NULL, 'w' },
                { "no-header", no_argument, NULL, 'H' },
                { NULL, 0, NULL, 0 },
        };
        uint64_t n = 20000, warmup = 1000;
        int header = 1, c, rc = 1;
        struct jws_bench b;
        struct bench_samples team, evp;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'n')
                        n = bench_arg_uint("--iterations", optarg, 1, 10000000);
                else if (c == 'w')
                        warmup = bench_arg_uint("--warmup", optarg, 0, 10000000);
                else if (c == 'H')
                        header = 0;
                else
                        usage();
        }
        memset(&b, 0, sizeof(b));
        memset(&team, 0, sizeof(team));
        memset(&evp, 0, sizeof(evp));
        if (setup(&b) < 0) {
                fprintf(stderr, "bench_jws: cannot set up a key and a signed grant\n");
                goto out;
        }
        if (bench_samples_init(&team, (size_t)n) < 0 || bench_samples_init(&evp, (size_t)n) < 0)
                goto out;
        /* Interleave in halves so drift (frequency scaling, noisy neighbours)
         * hits both sides alike. */
        if (run(&b, 0, warmup, n / 2, &evp) < 0 || run(&b, 1, warmup, n / 2, &team) < 0 ||
            run(&b, 0, 0, n - n / 2, &evp) < 0 || run(&b, 1, 0, n - n / 2, &team) < 0)
                goto out;
        if (header)
                bench_print_latency_header();
        bench_print_latency_row("grant verify: `team_jws_verify` (Ed25519, claims checked)", &team,
                                "bare `EVP_DigestVerify` of the same bytes", &evp);
        rc = 0;
out:
        bench_samples_free(&team);
        bench_samples_free(&evp);
        teardown(&b);
        return rc;
}
