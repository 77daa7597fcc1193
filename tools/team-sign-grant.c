/* SPDX-License-Identifier: BSD-3-Clause */
/* team-sign-grant: make Ed25519 keys and signed grants (compact JWS) without
 * a server, for tests, air-gapped hosts and benchmarks.
 *
 *   team-sign-grant keygen --private FILE --public FILE
 *   team-sign-grant sign --key FILE --kid KID --sub USER --aud A[,B] --role ROLE
 *        [--nbf T] [--exp T | --for DUR] [--iat T] [--jti ID] [--req ID]
 *        [--apr a,b] [--reason TEXT] [--ticket T]
 *   team-sign-grant raw --key FILE --header JSON --payload JSON
 *
 * T is epoch seconds, "now", "now+DUR" or "now-DUR"; DUR is 90, 90s, 15m,
 * 2h, 1d. The tool signs what it is told (no policy checks), so tests can
 * make grants that teamd must refuse. Exit: 0 ok, 1 error, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>

#include "jws.h"
#include "parse.h"
#include "unconst.h"

#define PROG "team-sign-grant"
#define TIME_MAX_SECS UINT64_C(253402300799)
#define DUR_MAX_SECS (UINT64_C(10) * 366 * 86400)
#define LIST_MAX 32

static int usage(void)
{
        fprintf(stderr,
                "usage: " PROG " keygen --private FILE --public FILE\n"
                "       " PROG " sign --key FILE --kid KID --sub USER --aud A[,B] --role ROLE\n"
                "            [--nbf T] [--exp T | --for DUR] [--iat T] [--jti ID] [--req ID]\n"
                "            [--apr a,b] [--reason TEXT] [--ticket T]\n"
                "       " PROG " raw --key FILE --header JSON --payload JSON\n"
                "T: epoch seconds, now, now+DUR, now-DUR; DUR: 90, 90s, 15m, 2h, 1d\n");
        return 2;
}

/* "now", "now+DUR", "now-DUR" or epoch seconds. */
static int parse_time(const char *s, int64_t now, int64_t *out)
{
        uint64_t v;
        int r;

        if (strcmp(s, "now") == 0) {
                *out = now;
                return 0;
        }
        if (strncmp(s, "now+", 4) == 0 || strncmp(s, "now-", 4) == 0) {
                r = parse_duration(s + 4, 0, DUR_MAX_SECS, &v);
                if (r < 0)
                        return r;
                *out = s[3] == '+' ? now + (int64_t)v : now - (int64_t)v;
                return 0;
        }
        r = parse_uint(s, 0, TIME_MAX_SECS, &v);
        if (r < 0)
                return r;
        *out = (int64_t)v;
        return 0;
}

/* A list split_list() made for a grant's (const) claims. */
static void free_list(const char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(team_unconst(v[i]));
        free(v);
}

/* "a,b,c" -> {"a","b","c"}; "" -> no elements; empty elements are errors. */
static int split_list(const char *s, const char ***out, size_t *n_out)
{
        const char **v = calloc(LIST_MAX + 1, sizeof(char *));
        size_t n = 0;
        const char *p = s;

        if (!v)
                return -ENOMEM;
        while (*s && p) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);
                if (len == 0 || n >= LIST_MAX) {
                        free_list(v, n);
                        return -EINVAL;
                }
                v[n] = strndup(p, len);
                if (!v[n]) {
                        free_list(v, n);
                        return -ENOMEM;
                }
                n++;
                p = comma ? comma + 1 : NULL;
        }
        *out = v;
        *n_out = n;
        return 0;
}

static int random_uuid(const char **out)
{
        unsigned char b[16];
        char buf[37];

        if (RAND_bytes(b, sizeof(b)) != 1)
                return -EIO;
        b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
        b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
        snprintf(buf, sizeof(buf),
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
        *out = strdup(buf);
        return *out ? 0 : -ENOMEM;
}

static int load_key(const char *path, EVP_PKEY **key)
{
        int r = team_key_load_private_pem(path, key);

        if (r == -EPERM)
                fprintf(stderr, PROG ": %s: readable by group or others, or not owned by you; "
                        "run: chmod 600 %s\n", path, path);
        else if (r == -ELOOP)
                fprintf(stderr, PROG ": %s: is a symbolic link; refusing\n", path);
        else if (r == -EINVAL)
                fprintf(stderr, PROG ": %s: not an Ed25519 private key in PEM\n", path);
        else if (r < 0)
                fprintf(stderr, PROG ": %s: %s\n", path, strerror(-r));
        return r;
}

static int cmd_keygen(int argc, char **argv)
{
        static const struct option opts[] = {
                { "private", required_argument, NULL, 'p' },
                { "public", required_argument, NULL, 'P' },
                { NULL, 0, NULL, 0 },
        };
        const char *priv = NULL, *pub = NULL;
        EVP_PKEY *key = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'p')
                        priv = optarg;
                else if (c == 'P')
                        pub = optarg;
                else
                        return usage();
        }
        if (!priv || !pub || optind != argc)
                return usage();
        r = team_key_generate(&key);
        if (r == 0)
                r = team_key_write_pem(key, priv, pub);
        EVP_PKEY_free(key);
        if (r < 0) {
                fprintf(stderr, PROG ": keygen: %s%s\n", strerror(-r),
                        r == -EEXIST ? " (the private key file exists; remove it first)" : "");
                return 1;
        }
        return 0;
}

struct sign_args {
        const char *key, *kid, *sub, *aud, *role, *nbf, *exp, *dur, *iat, *jti, *req, *apr, *reason, *ticket;
};

static int parse_sign_args(int argc, char **argv, struct sign_args *a)
{
        static const struct option opts[] = {
                { "key", required_argument, NULL, 'k' }, { "kid", required_argument, NULL, 'K' },
                { "sub", required_argument, NULL, 's' }, { "aud", required_argument, NULL, 'a' },
                { "role", required_argument, NULL, 'r' }, { "nbf", required_argument, NULL, 'n' },
                { "exp", required_argument, NULL, 'e' }, { "for", required_argument, NULL, 'f' },
                { "iat", required_argument, NULL, 'i' }, { "jti", required_argument, NULL, 'j' },
                { "req", required_argument, NULL, 'q' }, { "apr", required_argument, NULL, 'A' },
                { "reason", required_argument, NULL, 'R' }, { "ticket", required_argument, NULL, 'T' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'k': a->key = optarg; break;
                case 'K': a->kid = optarg; break;
                case 's': a->sub = optarg; break;
                case 'a': a->aud = optarg; break;
                case 'r': a->role = optarg; break;
                case 'n': a->nbf = optarg; break;
                case 'e': a->exp = optarg; break;
                case 'f': a->dur = optarg; break;
                case 'i': a->iat = optarg; break;
                case 'j': a->jti = optarg; break;
                case 'q': a->req = optarg; break;
                case 'A': a->apr = optarg; break;
                case 'R': a->reason = optarg; break;
                case 'T': a->ticket = optarg; break;
                default: return -EINVAL;
                }
        }
        if (optind != argc || !a->key || !a->kid || !a->sub || !a->aud || !a->role || (a->exp && a->dur))
                return -EINVAL;
        return 0;
}

static int fill_times(const struct sign_args *a, struct team_grant *g)
{
        int64_t now = (int64_t)time(NULL);
        uint64_t dur = 3600;

        g->nbf = g->iat = now;
        if (a->nbf && parse_time(a->nbf, now, &g->nbf) < 0) {
                fprintf(stderr, PROG ": --nbf %s: not a time\n", a->nbf);
                return -EINVAL;
        }
        if (a->iat && parse_time(a->iat, now, &g->iat) < 0) {
                fprintf(stderr, PROG ": --iat %s: not a time\n", a->iat);
                return -EINVAL;
        }
        if (a->dur && parse_duration(a->dur, 0, DUR_MAX_SECS, &dur) < 0) {
                fprintf(stderr, PROG ": --for %s: not a duration\n", a->dur);
                return -EINVAL;
        }
        g->exp = g->nbf + (int64_t)dur;
        if (a->exp && parse_time(a->exp, now, &g->exp) < 0) {
                fprintf(stderr, PROG ": --exp %s: not a time\n", a->exp);
                return -EINVAL;
        }
        return 0;
}

static int fill_strings(const struct sign_args *a, struct team_grant *g)
{
        int r;

        if (split_list(a->aud, &g->aud, &g->n_aud) < 0 || g->n_aud == 0) {
                fprintf(stderr, PROG ": --aud %s: want A[,B...] (at most %d)\n", a->aud, LIST_MAX);
                return -EINVAL;
        }
        if (split_list(a->apr ? a->apr : "approver", &g->apr, &g->n_apr) < 0) {
                fprintf(stderr, PROG ": --apr %s: want a[,b...] (at most %d)\n", a->apr ? a->apr : "", LIST_MAX);
                return -EINVAL;
        }
        g->sub = strdup(a->sub);
        g->role = strdup(a->role);
        g->rsn = strdup(a->reason ? a->reason : "test");
        g->tkt = a->ticket ? strdup(a->ticket) : NULL;
        if (!g->sub || !g->role || !g->rsn || (a->ticket && !g->tkt))
                return -ENOMEM;
        r = a->jti ? ((g->jti = strdup(a->jti)) ? 0 : -ENOMEM) : random_uuid(&g->jti);
        if (r == 0)
                r = a->req ? ((g->req = strdup(a->req)) ? 0 : -ENOMEM) : random_uuid(&g->req);
        return r;
}

/* The end of sign and raw: the token on stdout, or why (r < 0) on stderr.
 * Returns the exit status. */
static int print_token(int r, const char *verb, const char *jws)
{
        if (r < 0) {
                fprintf(stderr, PROG ": %s: %s\n", verb, strerror(-r));
                return 1;
        }
        printf("%s\n", jws);
        return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_sign(int argc, char **argv)
{
        struct sign_args a = {0};
        struct team_grant g = {0};
        EVP_PKEY *key = NULL;
        char *jws = NULL;
        int r, ret = 1;

        if (parse_sign_args(argc, argv, &a) < 0)
                return usage();
        if (fill_times(&a, &g) < 0 || fill_strings(&a, &g) < 0)
                goto out;
        if (load_key(a.key, &key) < 0)
                goto out;
        r = team_jws_sign(key, a.kid, &g, &jws);
        ret = print_token(r, "sign", jws);
out:
        free(jws);
        EVP_PKEY_free(key);
        team_grant_clear(&g);
        return ret;
}

static int cmd_raw(int argc, char **argv)
{
        static const struct option opts[] = {
                { "key", required_argument, NULL, 'k' },
                { "header", required_argument, NULL, 'h' },
                { "payload", required_argument, NULL, 'p' },
                { NULL, 0, NULL, 0 },
        };
        const char *keyfile = NULL, *hdr = NULL, *payload = NULL;
        EVP_PKEY *key = NULL;
        char *jws = NULL;
        int c, r, ret;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'k')
                        keyfile = optarg;
                else if (c == 'h')
                        hdr = optarg;
                else if (c == 'p')
                        payload = optarg;
                else
                        return usage();
        }
        if (!keyfile || !hdr || !payload || optind != argc)
                return usage();
        if (load_key(keyfile, &key) < 0)
                return 1;
        r = team_jws_sign_raw(key, hdr, payload, &jws);
        ret = print_token(r, "raw", jws);
        free(jws);
        EVP_PKEY_free(key);
        return ret;
}

int main(int argc, char **argv)
{
        if (argc < 2)
                return usage();
        if (strcmp(argv[1], "keygen") == 0)
                return cmd_keygen(argc - 1, argv + 1);
        if (strcmp(argv[1], "sign") == 0)
                return cmd_sign(argc - 1, argv + 1);
        if (strcmp(argv[1], "raw") == 0)
                return cmd_raw(argc - 1, argv + 1);
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage();
                return 0;
        }
        return usage();
}
