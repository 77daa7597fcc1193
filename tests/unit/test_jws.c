/* Unit tests of grant verification (common/jws.c), signing and key files
 * (common/jws_sign.c), the keyring (common/keyring.c) and base64url
 * (common/b64url.c). Keys: tests/unit/keys/ (fixed, generated once with
 * `openssl genpkey -algorithm ed25519`), found via $top_srcdir or
 * TEST_KEYS_DIR. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "jws.h"
#include "protocol.h"

#ifndef TEST_KEYS_DIR
#define TEST_KEYS_DIR "tests/unit/keys"
#endif

#define NOW INT64_C(1800000000)
#define HOUR INT64_C(3600)
#define SKEW INT64_C(60)

static EVP_PKEY *k1, *k2;
static struct team_keyring *ring;
static char *pem1, *pem2, *pem_p256;
static char keys_dir[4096];

static const char *const groups[] = { "web", "prod" };

/* ---- helpers ---- */

static char *slurp(const char *name)
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
        char *pem = slurp(name);
        BIO *bio = pem ? BIO_new_mem_buf(pem, -1) : NULL;
        EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

        BIO_free(bio);
        free(pem);
        return k;
}

static void default_claims(struct team_grant *g)
{
        static char *aud[] = { "web1" };
        static char *apr[] = { "bob" };

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

static struct team_jws_policy default_policy(void)
{
        struct team_jws_policy p = {
                .now = NOW, .clock_skew = SKEW, .check_nbf = true,
                .host_id = "web1", .host_groups = groups, .n_host_groups = 2,
        };
        return p;
}

/* noinline: GCC 12 -Wdangling-pointer misreads the inlined &tok out-parameter. */
__attribute__((noinline))
static char *sign_with(EVP_PKEY *k, const char *kid, const struct team_grant *c)
{
        char *tok = NULL;

        assert_int_equal(team_jws_sign(k, kid, c, &tok), 0);
        assert_non_null(tok);
        return tok;
}

static char *sign_default(void)
{
        struct team_grant c;

        default_claims(&c);
        return sign_with(k1, "test-k1", &c);
}

static bool grant_is_clear(const struct team_grant *g)
{
        static const struct team_grant zero;
        return memcmp(g, &zero, sizeof(zero)) == 0;
}

static enum team_jws_result verify_len(const char *tok, size_t len, const struct team_jws_policy *p)
{
        struct team_grant g;
        enum team_jws_result r;

        memset(&g, 0x5a, sizeof(g));   /* verify must not care what was there */
        r = team_jws_verify(tok, len, ring, p, &g);
        if (r != TEAM_JWS_OK)
                assert_true(grant_is_clear(&g));
        team_grant_clear(&g);
        return r;
}

static enum team_jws_result verify_with(const char *tok, const struct team_keyring *kr,
                                        const struct team_jws_policy *p)
{
        struct team_grant g;
        enum team_jws_result r = team_jws_verify(tok, strlen(tok), kr, p, &g);

        team_grant_clear(&g);
        return r;
}

static enum team_jws_result verify(const char *tok, const struct team_jws_policy *p)
{
        return verify_len(tok, strlen(tok), p);
}

static enum team_jws_result verify_now(const char *tok, int64_t now)
{
        struct team_jws_policy p = default_policy();

        p.now = now;
        return verify(tok, &p);
}

/* The default payload with one claim replaced by a JSON text (NULL: removed). */
static char *payload_with(const char *key, const char *json)
{
        struct team_grant c;
        char *tok, *dot1, *dot2, *out, *text;
        uint8_t *raw;
        size_t rawlen;
        json_object *o, *v;

        default_claims(&c);
        tok = sign_with(k1, "test-k1", &c);
        dot1 = strchr(tok, '.');
        dot2 = strchr(dot1 + 1, '.');
        assert_int_equal(team_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &raw, &rawlen), 0);
        text = strndup((const char *)raw, rawlen);
        o = json_tokener_parse(text);
        free(text);
        free(raw);
        free(tok);
        assert_non_null(o);
        if (key && json) {
                v = json_tokener_parse(json);
                if (strcmp(json, "null") != 0)
                        assert_non_null(v);
                json_object_object_add(o, key, v);
        } else if (key) {
                json_object_object_del(o, key);
        }
        out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        return out;
}

__attribute__((noinline))
static char *raw_token(const char *hdr, const char *payload)
{
        char *tok = NULL;

        assert_int_equal(team_jws_sign_raw(k1, hdr, payload, &tok), 0);
        return tok;
}

#define HDR_OK "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"test-k1\"}"

static enum team_jws_result verify_raw(const char *hdr, const char *payload)
{
        struct team_jws_policy p = default_policy();
        char *tok = raw_token(hdr, payload);
        enum team_jws_result r = verify(tok, &p);

        free(tok);
        return r;
}

static enum team_jws_result verify_claim(const char *key, const char *json)
{
        char *payload = payload_with(key, json);
        enum team_jws_result r = verify_raw(HDR_OK, payload);

        free(payload);
        return r;
}

/* ---- setup ---- */

static int group_setup(void **state)
{
        const char *top = getenv("top_srcdir");

        if (top && *top)
                snprintf(keys_dir, sizeof(keys_dir), "%s/tests/unit/keys", top);
        else
                snprintf(keys_dir, sizeof(keys_dir), "%s", TEST_KEYS_DIR);
        k1 = load_priv("test-k1.key");
        k2 = load_priv("test-k2.key");
        pem1 = slurp("trusted/test-k1.pem");
        pem2 = slurp("trusted/test-k2.pem");
        pem_p256 = slurp("p256.pub.pem");
        ring = team_keyring_new();
        if (!k1 || !k2 || !pem1 || !pem2 || !pem_p256 || !ring)
                return -1;
        if (team_keyring_add_pem(ring, "test-k1", pem1, strlen(pem1)) < 0 ||
            team_keyring_add_pem(ring, "test-k2", pem2, strlen(pem2)) < 0)
                return -1;
        return 0;
}

static int group_teardown(void **state)
{
        EVP_PKEY_free(k1);
        EVP_PKEY_free(k2);
        team_keyring_free(ring);
        free(pem1);
        free(pem2);
        free(pem_p256);
        return 0;
}

/* ---- verification ---- */

static void test_good(void **state)
{
        struct team_jws_policy p = default_policy();
        struct team_grant g;
        char *tok = sign_default();

        assert_int_equal(team_jws_verify(tok, strlen(tok), ring, &p, &g), TEAM_JWS_OK);
        assert_string_equal(g.kid, "test-k1");
        assert_string_equal(g.jti, "g-1");
        assert_string_equal(g.sub, "alice");
        assert_int_equal(g.n_aud, 1);
        assert_string_equal(g.aud[0], "web1");
        assert_string_equal(g.role, "sudo");
        assert_int_equal(g.nbf, NOW);
        assert_int_equal(g.exp, NOW + HOUR);
        assert_int_equal(g.iat, NOW);
        assert_string_equal(g.req, "r-1");
        assert_int_equal(g.n_apr, 1);
        assert_string_equal(g.apr[0], "bob");
        assert_string_equal(g.rsn, "INC-4711 disk full");
        team_grant_clear(&g);
        assert_true(grant_is_clear(&g));
        team_grant_clear(NULL);

        p.expect_sub = "alice";
        p.expect_role = "sudo";
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        free(tok);
}

static void test_tampered_payload(void **state)
{
        struct team_jws_policy p = default_policy();
        char *tok = sign_default();
        char *evil = payload_with("sub", "\"mallory\"");
        char *evil_b64, *forged;
        char *dot1 = strchr(tok, '.'), *dot2 = strchr(dot1 + 1, '.');
        size_t n;

        assert_int_equal(team_b64url_encode((const uint8_t *)evil, strlen(evil), &evil_b64), 0);
        n = (size_t)(dot1 - tok) + 1 + strlen(evil_b64) + strlen(dot2) + 1;
        forged = malloc(n);
        snprintf(forged, n, "%.*s.%s%s", (int)(dot1 - tok), tok, evil_b64, dot2);
        assert_int_equal(verify(forged, &p), TEAM_JWS_BAD_SIGNATURE);
        /* one character of the original payload changed */
        dot1[5] = dot1[5] == 'A' ? 'B' : 'A';
        assert_int_equal(verify(tok, &p), TEAM_JWS_BAD_SIGNATURE);
        free(forged);
        free(evil_b64);
        free(evil);
        free(tok);
}

static void test_tampered_signature(void **state)
{
        struct team_jws_policy p = default_policy();
        char *tok = sign_default();
        char *sig = strrchr(tok, '.') + 1;
        char orig = sig[0];

        sig[0] = orig == 'A' ? 'B' : 'A';
        assert_int_equal(verify(tok, &p), TEAM_JWS_BAD_SIGNATURE);
        sig[0] = orig;
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        sig[40] = sig[40] == 'q' ? 'r' : 'q';
        assert_int_equal(verify(tok, &p), TEAM_JWS_BAD_SIGNATURE);
        /* truncated signature / one character more */
        tok[strlen(tok) - 1] = '\0';
        assert_int_equal(verify(tok, &p), TEAM_JWS_MALFORMED);
        free(tok);
}

static void test_unknown_kid(void **state)
{
        struct team_jws_policy p = default_policy();
        struct team_grant c;
        char *tok;

        default_claims(&c);
        tok = sign_with(k1, "test-k3", &c);
        assert_int_equal(verify(tok, &p), TEAM_JWS_UNKNOWN_KID);
        free(tok);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\",\"kid\":\"../../etc/passwd\"}", "{}"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\",\"kid\":5}", "{}"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\"}", "{}"), TEAM_JWS_MALFORMED);
}

static void test_bad_alg(void **state)
{
        char *payload = payload_with(NULL, NULL);

        assert_int_equal(verify_raw("{\"alg\":\"ES256\",\"kid\":\"test-k1\"}", payload), TEAM_JWS_BAD_ALG);
        assert_int_equal(verify_raw("{\"alg\":\"eddsa\",\"kid\":\"test-k1\"}", payload), TEAM_JWS_BAD_ALG);
        assert_int_equal(verify_raw("{\"alg\":\"HS256\",\"kid\":\"test-k1\"}", payload), TEAM_JWS_BAD_ALG);
        assert_int_equal(verify_raw("{\"alg\":\"none\",\"kid\":\"test-k1\"}", payload), TEAM_JWS_BAD_ALG);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\\u0000\",\"kid\":\"test-k1\"}", payload), TEAM_JWS_BAD_ALG);
        assert_int_equal(verify_raw("{\"alg\":null,\"kid\":\"test-k1\"}", payload), TEAM_JWS_BAD_ALG);
        assert_int_equal(verify_raw("{\"alg\":[\"EdDSA\"],\"kid\":\"test-k1\"}", payload), TEAM_JWS_BAD_ALG);
        assert_int_equal(verify_raw("{\"kid\":\"test-k1\"}", payload), TEAM_JWS_MALFORMED);
        free(payload);
}

static void test_alg_none_empty_signature(void **state)
{
        struct team_jws_policy p = default_policy();
        const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"test-k1\"}";
        char *payload = payload_with(NULL, NULL);
        char *h, *pl, tok[4096];

        assert_int_equal(team_b64url_encode((const uint8_t *)hdr, strlen(hdr), &h), 0);
        assert_int_equal(team_b64url_encode((const uint8_t *)payload, strlen(payload), &pl), 0);
        snprintf(tok, sizeof(tok), "%s.%s.", h, pl);
        assert_int_equal(verify(tok, &p), TEAM_JWS_BAD_ALG);
        free(h);
        /* EdDSA header but no signature */
        assert_int_equal(team_b64url_encode((const uint8_t *)HDR_OK, strlen(HDR_OK), &h), 0);
        snprintf(tok, sizeof(tok), "%s.%s.", h, pl);
        assert_int_equal(verify(tok, &p), TEAM_JWS_MALFORMED);
        free(h);
        free(pl);
        free(payload);
}

static void test_header_strict(void **state)
{
        char *payload = payload_with(NULL, NULL);

        assert_int_equal(verify_raw(HDR_OK, payload), TEAM_JWS_OK);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\",\"kid\":\"test-k1\"}", payload), TEAM_JWS_OK);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\",\"kid\":\"test-k1\",\"crit\":[\"exp\"]}", payload),
                         TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\",\"kid\":\"test-k1\",\"jku\":\"http://x\"}", payload),
                         TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\",\"kid\":\"test-k1\",\"typ\":\"JOSE\"}", payload),
                         TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\",\"kid\":\"test-k1\",\"typ\":1}", payload),
                         TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw("[\"EdDSA\"]", payload), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw(HDR_OK "x", payload), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw(HDR_OK "{}", payload), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw("{\"alg\":\"EdDSA\",\"kid\":\"test-k1\"", payload), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw("{'alg':'EdDSA','kid':'test-k1'}", payload), TEAM_JWS_MALFORMED);
        free(payload);
}

static void test_expired(void **state)
{
        char *tok = sign_default();

        assert_int_equal(verify_now(tok, NOW + HOUR - 1), TEAM_JWS_OK);
        assert_int_equal(verify_now(tok, NOW + HOUR), TEAM_JWS_EXPIRED);       /* now == exp */
        assert_int_equal(verify_now(tok, NOW + HOUR + 1), TEAM_JWS_EXPIRED);
        assert_int_equal(verify_now(tok, NOW + 100 * HOUR), TEAM_JWS_EXPIRED);
        free(tok);
}

static void test_not_yet_valid(void **state)
{
        struct team_jws_policy p = default_policy();
        struct team_grant c;
        char *tok;

        default_claims(&c);
        c.nbf = NOW + 1000;
        c.exp = c.nbf + HOUR;
        tok = sign_with(k1, "test-k1", &c);
        p.now = c.nbf - SKEW - 1;
        assert_int_equal(verify(tok, &p), TEAM_JWS_NOT_YET_VALID);
        p.now = c.nbf - SKEW;
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        p.now = c.nbf;
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        /* storing a grant that starts later */
        p.now = NOW;
        p.check_nbf = false;
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        /* no skew */
        p.check_nbf = true;
        p.clock_skew = 0;
        p.now = c.nbf - 1;
        assert_int_equal(verify(tok, &p), TEAM_JWS_NOT_YET_VALID);
        p.now = c.nbf;
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        /* a negative skew counts as none, a huge one is capped and cannot overflow */
        p.clock_skew = -1000;
        p.now = c.nbf - 1;
        assert_int_equal(verify(tok, &p), TEAM_JWS_NOT_YET_VALID);
        p.clock_skew = INT64_MAX;
        p.now = NOW;
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        p.now = INT64_MIN;
        assert_int_equal(verify(tok, &p), TEAM_JWS_NOT_YET_VALID);
        free(tok);
}

static void test_issued_in_future(void **state)
{
        struct team_jws_policy p = default_policy();
        struct team_grant c;
        char *tok;

        default_claims(&c);
        c.iat = NOW + 100;
        tok = sign_with(k1, "test-k1", &c);
        p.now = c.iat - SKEW;                 /* iat == now + skew: accepted */
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        p.now = c.iat - SKEW - 1;             /* iat == now + skew + 1 */
        assert_int_equal(verify(tok, &p), TEAM_JWS_ISSUED_IN_FUTURE);
        p.clock_skew = 0;
        p.now = c.iat - 1;
        assert_int_equal(verify(tok, &p), TEAM_JWS_ISSUED_IN_FUTURE);
        p.now = c.iat;
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        free(tok);
}

static void test_wrong_aud(void **state)
{
        struct team_jws_policy p = default_policy();
        struct team_grant c;
        char *db[] = { "db1" }, *two[] = { "db1", "db" }, *grp[] = { "db1", "prod" }, *mine[] = { "x", "web1" };
        char *tok;

        default_claims(&c);
        c.aud = db;
        tok = sign_with(k1, "test-k1", &c);
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_AUD);
        free(tok);

        c.aud = two;
        c.n_aud = 2;
        tok = sign_with(k1, "test-k1", &c);
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_AUD);
        free(tok);

        c.aud = grp;                          /* host group match */
        tok = sign_with(k1, "test-k1", &c);
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        p.n_host_groups = 1;                  /* only "web" */
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_AUD);
        free(tok);

        c.aud = mine;                         /* host id in an array */
        tok = sign_with(k1, "test-k1", &c);
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        p.host_id = NULL;
        p.n_host_groups = 0;
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_AUD);   /* no identity: nothing matches */
        p.host_id = "WEB1";                   /* exact, case-sensitive */
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_AUD);
        free(tok);

        /* aud as a string that names a group */
        assert_int_equal(verify_claim("aud", "\"prod\""), TEAM_JWS_OK);
        assert_int_equal(verify_claim("aud", "\"web1 \""), TEAM_JWS_WRONG_AUD);
}

static void test_wrong_sub_role(void **state)
{
        struct team_jws_policy p = default_policy();
        char *tok = sign_default();

        p.expect_sub = "bob";
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_SUB);
        p.expect_sub = "alic";
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_SUB);
        p.expect_sub = "alice";
        p.expect_role = "ssh";
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_ROLE);
        p.expect_role = "sudo";
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        /* policy order: expiry before audience before subject */
        p.expect_sub = "bob";
        p.host_id = "db1";
        p.n_host_groups = 0;
        assert_int_equal(verify(tok, &p), TEAM_JWS_WRONG_AUD);
        p.now = NOW + HOUR;
        assert_int_equal(verify(tok, &p), TEAM_JWS_EXPIRED);
        free(tok);
}

static void test_bad_base64(void **state)
{
        struct team_jws_policy p = default_policy();
        char *tok = sign_default();
        char *dot1 = strchr(tok, '.');
        size_t len = strlen(tok);
        char buf[4096];

        /* padding on the header */
        snprintf(buf, sizeof(buf), "%.*s=%s", (int)(dot1 - tok), tok, dot1);
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        snprintf(buf, sizeof(buf), "%s==", tok);
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        /* standard alphabet and whitespace */
        memcpy(buf, tok, len + 1);
        buf[(size_t)(dot1 - tok) + 3] = '+';
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        buf[(size_t)(dot1 - tok) + 3] = '/';
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        buf[(size_t)(dot1 - tok) + 3] = ' ';
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        memcpy(buf, tok, len + 1);
        buf[2] = '\n';
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        /* embedded NUL inside the length */
        memcpy(buf, tok, len + 1);
        buf[len - 3] = '\0';
        assert_int_equal(verify_len(buf, len, &p), TEAM_JWS_MALFORMED);
        /* trailing newline */
        snprintf(buf, sizeof(buf), "%s\n", tok);
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        free(tok);
}

static void test_parts(void **state)
{
        struct team_jws_policy p = default_policy();
        char *tok = sign_default();
        char *dot1 = strchr(tok, '.'), *dot2 = strrchr(tok, '.');
        char buf[4096];

        snprintf(buf, sizeof(buf), "%.*s", (int)(dot2 - tok), tok);        /* 2 parts */
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        snprintf(buf, sizeof(buf), "%s.%s", tok, dot2 + 1);                 /* 4 parts */
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        snprintf(buf, sizeof(buf), "%s.", tok);
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        snprintf(buf, sizeof(buf), "%s", dot1);                              /* empty header */
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        snprintf(buf, sizeof(buf), "%.*s.%s", (int)(dot1 - tok), tok, dot2); /* empty payload */
        assert_int_equal(verify(buf, &p), TEAM_JWS_MALFORMED);
        assert_int_equal(verify("", &p), TEAM_JWS_MALFORMED);
        assert_int_equal(verify("..", &p), TEAM_JWS_MALFORMED);
        assert_int_equal(verify("a.b.c", &p), TEAM_JWS_MALFORMED);
        free(tok);
}

static void test_oversize(void **state)
{
        struct team_jws_policy p = default_policy();
        struct team_grant c;
        char *big = malloc(TEAM_MAX_JWS + 2), *tok, *rsn;

        memset(big, 'A', TEAM_MAX_JWS + 1);
        big[TEAM_MAX_JWS + 1] = '\0';
        assert_int_equal(verify(big, &p), TEAM_JWS_MALFORMED);
        free(big);

        /* a validly signed grant just over the cap */
        default_claims(&c);
        rsn = malloc(TEAM_MAX_JWS);
        memset(rsn, 'r', TEAM_MAX_JWS - 1);
        rsn[TEAM_MAX_JWS - 1] = '\0';
        c.rsn = rsn;
        tok = sign_with(k1, "test-k1", &c);
        assert_true(strlen(tok) > TEAM_MAX_JWS);
        assert_int_equal(verify(tok, &p), TEAM_JWS_MALFORMED);
        free(tok);
        /* reason at its cap is fine, one more byte is not */
        rsn[TEAM_MAX_REASON] = '\0';
        tok = sign_with(k1, "test-k1", &c);
        assert_int_equal(verify(tok, &p), TEAM_JWS_OK);
        free(tok);
        rsn[TEAM_MAX_REASON] = 'r';
        rsn[TEAM_MAX_REASON + 1] = '\0';
        tok = sign_with(k1, "test-k1", &c);
        assert_int_equal(verify(tok, &p), TEAM_JWS_MALFORMED);
        free(tok);
        free(rsn);
}

static void test_mistyped_claims(void **state)
{
        static const char *const missing[] = { "jti", "sub", "aud", "role", "nbf", "exp", "iat", "req", "apr", "rsn" };

        assert_int_equal(verify_claim(NULL, NULL), TEAM_JWS_OK);
        for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
                assert_int_equal(verify_claim(missing[i], NULL), TEAM_JWS_MALFORMED);

        assert_int_equal(verify_claim("exp", "\"1800003600\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("exp", "1.5"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("exp", "1800003600.0"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("exp", "1.8000036e9"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("exp", "true"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("exp", "null"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("exp", "99999999999999999999"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("exp", "1800000000"), TEAM_JWS_MALFORMED);   /* exp == nbf */
        assert_int_equal(verify_claim("nbf", "-5"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("nbf", "0"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("iat", "\"now\""), TEAM_JWS_MALFORMED);

        assert_int_equal(verify_claim("sub", "5"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("sub", "\"\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("sub", "[\"alice\"]"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("sub", "\"ali\\u0000ce\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("sub", "\"alice\\n\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("rsn", "\"\\u001b[2J\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("rsn", "\"\\u009b2J\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("rsn", "\"caf\\u00e9 \\u2603\""), TEAM_JWS_OK);
        assert_int_equal(verify_claim("rsn", "\"\""), TEAM_JWS_OK);
        assert_int_equal(verify_claim("role", "\"su do\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("role", "\".sudo\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("jti", "\"g/1\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("req", "7"), TEAM_JWS_MALFORMED);

        assert_int_equal(verify_claim("aud", "[]"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("aud", "[\"web1\",5]"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("aud", "[\"web1\",\"\"]"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("aud", "[[\"web1\"]]"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("aud", "{\"web1\":1}"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("apr", "\"bob\""), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_claim("apr", "[]"), TEAM_JWS_OK);
        assert_int_equal(verify_claim("apr", "[\"bob\",null]"), TEAM_JWS_MALFORMED);

        /* unknown claims are allowed (forward compatibility) */
        assert_int_equal(verify_claim("tkt", "\"INC-4711\""), TEAM_JWS_OK);
        /* payload must be an object */
        assert_int_equal(verify_raw(HDR_OK, "[1]"), TEAM_JWS_MALFORMED);
        assert_int_equal(verify_raw(HDR_OK, "\"x\""), TEAM_JWS_MALFORMED);
        /* deep nesting is cut short by the tokener */
        assert_int_equal(verify_claim("x", "[[[[[[1]]]]]]"), TEAM_JWS_MALFORMED);
}

static void test_list_limits(void **state)
{
        char buf[2048];
        size_t n;

        n = (size_t)snprintf(buf, sizeof(buf), "[\"web1\"");
        for (int i = 1; i < TEAM_JWS_MAX_AUD; i++)
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",\"h%d\"", i);
        snprintf(buf + n, sizeof(buf) - n, "]");
        assert_int_equal(verify_claim("aud", buf), TEAM_JWS_OK);          /* 32 */
        snprintf(buf + n, sizeof(buf) - n, ",\"h99\"]");
        assert_int_equal(verify_claim("aud", buf), TEAM_JWS_MALFORMED);   /* 33 */
        buf[0] = '\0';
        n = (size_t)snprintf(buf, sizeof(buf), "[\"a0\"");
        for (int i = 1; i < TEAM_JWS_MAX_APR; i++)
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",\"a%d\"", i);
        snprintf(buf + n, sizeof(buf) - n, "]");
        assert_int_equal(verify_claim("apr", buf), TEAM_JWS_OK);
        snprintf(buf + n, sizeof(buf) - n, ",\"a99\"]");
        assert_int_equal(verify_claim("apr", buf), TEAM_JWS_MALFORMED);
}

static void test_rotation(void **state)
{
        struct team_jws_policy p = default_policy();
        struct team_grant c, g;
        char *t1, *t2, *wrong;

        default_claims(&c);
        t1 = sign_with(k1, "test-k1", &c);
        t2 = sign_with(k2, "test-k2", &c);
        wrong = sign_with(k2, "test-k1", &c);
        assert_int_equal(team_keyring_count(ring), 2);
        assert_int_equal(team_jws_verify(t2, strlen(t2), ring, &p, &g), TEAM_JWS_OK);
        assert_string_equal(g.kid, "test-k2");
        team_grant_clear(&g);
        assert_int_equal(verify(t1, &p), TEAM_JWS_OK);
        assert_int_equal(verify(wrong, &p), TEAM_JWS_BAD_SIGNATURE);
        free(t1);
        free(t2);
        free(wrong);
}

static void test_null_args(void **state)
{
        struct team_jws_policy p = default_policy();
        struct team_grant g;
        char *tok = sign_default();

        assert_int_equal(team_jws_verify(tok, strlen(tok), ring, &p, NULL), TEAM_JWS_MALFORMED);
        assert_int_equal(team_jws_verify(NULL, 0, ring, &p, &g), TEAM_JWS_MALFORMED);
        assert_int_equal(team_jws_verify(tok, strlen(tok), NULL, &p, &g), TEAM_JWS_MALFORMED);
        assert_int_equal(team_jws_verify(tok, strlen(tok), ring, NULL, &g), TEAM_JWS_MALFORMED);
        for (int r = TEAM_JWS_OK; r <= TEAM_JWS_NOMEM; r++)
                assert_non_null(team_jws_result_to_string((enum team_jws_result)r));
        assert_string_equal(team_jws_result_to_string(TEAM_JWS_EXPIRED), "grant has expired");
        free(tok);
}

/* ---- base64url ---- */

static void test_b64url(void **state)
{
        static const uint8_t data[] = { 0xfb, 0xff, 0xbf, 0x00, 0x01, 0x3e, 0x3f, 0x80, 0x7f, 0x10 };
        uint8_t *dec;
        size_t declen;
        char *enc;

        for (size_t n = 0; n <= sizeof(data); n++) {
                assert_int_equal(team_b64url_encode(data, n, &enc), 0);
                assert_null(strpbrk(enc, "+/="));
                assert_int_equal(strlen(enc), (n * 4 + 2) / 3);
                assert_int_equal(team_b64url_decode(enc, strlen(enc), &dec, &declen), 0);
                assert_int_equal(declen, n);
                assert_memory_equal(dec, data, n);
                free(dec);
                free(enc);
        }
        assert_int_equal(team_b64url_encode((const uint8_t *)"\xfb\xff", 2, &enc), 0);
        assert_string_equal(enc, "-_8");
        free(enc);
        assert_int_equal(team_b64url_decode("A", 1, &dec, &declen), -EINVAL);          /* 1 mod 4 */
        assert_int_equal(team_b64url_decode("AB", 2, &dec, &declen), -EINVAL);         /* spare bits set */
        assert_int_equal(team_b64url_decode("AAB", 3, &dec, &declen), -EINVAL);
        assert_int_equal(team_b64url_decode("AA==", 4, &dec, &declen), -EINVAL);
        assert_int_equal(team_b64url_decode("A+8/", 4, &dec, &declen), -EINVAL);
        assert_int_equal(team_b64url_decode("AA A", 4, &dec, &declen), -EINVAL);
        assert_int_equal(team_b64url_decode("AA\0A", 4, &dec, &declen), -EINVAL);
        assert_null(dec);
        assert_int_equal(team_b64url_decode("AA", 2, &dec, &declen), 0);
        assert_int_equal(declen, 1);
        assert_int_equal(dec[0], 0);
        free(dec);
}

/* ---- keyring ---- */

static void test_keyring_add(void **state)
{
        struct team_keyring *kr = team_keyring_new();
        char kid[16];

        assert_non_null(kr);
        assert_int_equal(team_keyring_add_pem(kr, "bad kid", pem1, strlen(pem1)), -EINVAL);
        assert_int_equal(team_keyring_add_pem(kr, ".hidden", pem1, strlen(pem1)), -EINVAL);
        assert_int_equal(team_keyring_add_pem(kr, "", pem1, strlen(pem1)), -EINVAL);
        assert_int_equal(team_keyring_add_pem(kr, "p256", pem_p256, strlen(pem_p256)), -EINVAL);
        assert_int_equal(team_keyring_add_pem(kr, "junk", "not a pem", 9), -EINVAL);
        assert_int_equal(team_keyring_add_pem(kr, "k", pem1, strlen(pem1)), 0);
        assert_int_equal(team_keyring_add_pem(kr, "k", pem2, strlen(pem2)), -EEXIST);
        assert_non_null(team_keyring_find(kr, "k"));
        assert_null(team_keyring_find(kr, "K"));
        for (int i = 1; i < TEAM_KEYRING_MAX_KEYS; i++) {
                snprintf(kid, sizeof(kid), "k%d", i);
                assert_int_equal(team_keyring_add_pem(kr, kid, pem2, strlen(pem2)), 0);
        }
        assert_int_equal(team_keyring_count(kr), TEAM_KEYRING_MAX_KEYS);
        assert_int_equal(team_keyring_add_pem(kr, "one-more", pem2, strlen(pem2)), -E2BIG);
        team_keyring_free(kr);
        team_keyring_free(NULL);
        assert_int_equal(team_keyring_count(NULL), 0);
}

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
        char path[512];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static void remove_file(const char *dir, const char *name)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        unlink(path);
}

static void test_keyring_load_dir(void **state)
{
        char dir[] = "/tmp/test_jws.XXXXXX", err[512], path[512];
        struct team_keyring *kr = team_keyring_new();

        assert_non_null(mkdtemp(dir));
        write_file(dir, "test-k1.pem", pem1, 0644);
        write_file(dir, "test-k2.pem", pem2, 0444);
        write_file(dir, "README", "not a key", 0644);
        write_file(dir, ".test-k3.pem.swp", "junk", 0644);
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), 0);
        assert_int_equal(team_keyring_count(kr), 2);
        assert_non_null(team_keyring_find(kr, "test-k1"));
        assert_non_null(team_keyring_find(kr, "test-k2"));
        team_keyring_free(kr);

        /* a bad file fails the whole directory and names the file */
        write_file(dir, "broken.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", 0644);
        kr = team_keyring_new();
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "broken.pem"));
        assert_int_equal(team_keyring_count(kr), 0);
        remove_file(dir, "broken.pem");

        write_file(dir, "p256.pem", pem_p256, 0644);
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "p256.pem: not an Ed25519"));
        remove_file(dir, "p256.pem");

        write_file(dir, "bad kid.pem", pem1, 0644);
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "bad kid.pem"));
        remove_file(dir, "bad kid.pem");

        write_file(dir, "gw.pem", pem1, 0664);
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "gw.pem: is writable by group or others"));
        remove_file(dir, "gw.pem");

        snprintf(path, sizeof(path), "%s/link.pem", dir);
        assert_int_equal(symlink("test-k1.pem", path), 0);
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), -ELOOP);
        assert_non_null(strstr(err, "link.pem: is a symbolic link"));
        unlink(path);

        assert_int_equal(chmod(dir, 0777), 0);
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "writable by group or others"));
        assert_int_equal(chmod(dir, 0700), 0);

        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), 0);
        assert_int_equal(team_keyring_count(kr), 2);
        /* loading the same directory twice: duplicate kid */
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), -EEXIST);
        assert_int_equal(team_keyring_count(kr), 2);
        team_keyring_free(kr);

        remove_file(dir, "test-k1.pem");
        remove_file(dir, "test-k2.pem");
        remove_file(dir, "README");
        remove_file(dir, ".test-k3.pem.swp");
        assert_int_equal(rmdir(dir), 0);

        kr = team_keyring_new();
        assert_int_equal(team_keyring_load_dir(kr, "/nonexistent/keys", err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "/nonexistent/keys"));
        team_keyring_free(kr);
}

/* ---- private keys ---- */

static void test_private_key_files(void **state)
{
        char dir[] = "/tmp/test_jws.XXXXXX", priv[256], pub[256], link[256], err[256];
        struct team_jws_policy p = default_policy();
        struct team_keyring *kr = team_keyring_new();
        struct team_grant c;
        EVP_PKEY *gen = NULL, *loaded = NULL;
        struct stat st;
        char *tok;

        assert_non_null(mkdtemp(dir));
        snprintf(priv, sizeof(priv), "%s/new.key", dir);
        snprintf(pub, sizeof(pub), "%s/new.pem", dir);
        snprintf(link, sizeof(link), "%s/link.key", dir);
        assert_int_equal(team_key_generate(&gen), 0);
        assert_int_equal(team_key_write_pem(gen, priv, pub), 0);
        assert_int_equal(stat(priv, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(team_key_write_pem(gen, priv, pub), -EEXIST);   /* never overwrites */

        assert_int_equal(team_key_load_private_pem(priv, &loaded), 0);
        assert_int_equal(team_keyring_load_dir(kr, dir, err, sizeof(err)), 0);
        default_claims(&c);
        tok = sign_with(loaded, "new", &c);
        assert_int_equal(verify_with(tok, kr, &p), TEAM_JWS_OK);
        free(tok);
        EVP_PKEY_free(loaded);
        loaded = NULL;

        assert_int_equal(chmod(priv, 0640), 0);
        assert_int_equal(team_key_load_private_pem(priv, &loaded), -EPERM);
        assert_null(loaded);
        assert_int_equal(chmod(priv, 0604), 0);
        assert_int_equal(team_key_load_private_pem(priv, &loaded), -EPERM);
        assert_int_equal(chmod(priv, 0400), 0);
        assert_int_equal(team_key_load_private_pem(priv, &loaded), 0);
        EVP_PKEY_free(loaded);
        loaded = NULL;
        assert_int_equal(symlink(priv, link), 0);
        assert_int_equal(team_key_load_private_pem(link, &loaded), -ELOOP);
        assert_int_equal(team_key_load_private_pem(pub, &loaded), -EPERM);  /* 0644 */
        assert_int_equal(chmod(pub, 0600), 0);
        assert_int_equal(team_key_load_private_pem(pub, &loaded), -EINVAL); /* a public key */

        unlink(link);
        unlink(priv);
        unlink(pub);
        assert_int_equal(rmdir(dir), 0);
        EVP_PKEY_free(gen);
        team_keyring_free(kr);
}

static void test_sign_raw_args(void **state)
{
        char *out = (char *)1;

        assert_int_equal(team_jws_sign_raw(NULL, "{}", "{}", &out), -EINVAL);
        assert_null(out);
        assert_int_equal(team_jws_sign(k1, NULL, NULL, &out), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_tampered_payload),
                cmocka_unit_test(test_tampered_signature),
                cmocka_unit_test(test_unknown_kid),
                cmocka_unit_test(test_bad_alg),
                cmocka_unit_test(test_alg_none_empty_signature),
                cmocka_unit_test(test_header_strict),
                cmocka_unit_test(test_expired),
                cmocka_unit_test(test_not_yet_valid),
                cmocka_unit_test(test_issued_in_future),
                cmocka_unit_test(test_wrong_aud),
                cmocka_unit_test(test_wrong_sub_role),
                cmocka_unit_test(test_bad_base64),
                cmocka_unit_test(test_parts),
                cmocka_unit_test(test_oversize),
                cmocka_unit_test(test_mistyped_claims),
                cmocka_unit_test(test_list_limits),
                cmocka_unit_test(test_rotation),
                cmocka_unit_test(test_null_args),
                cmocka_unit_test(test_b64url),
                cmocka_unit_test(test_keyring_add),
                cmocka_unit_test(test_keyring_load_dir),
                cmocka_unit_test(test_private_key_files),
                cmocka_unit_test(test_sign_raw_args),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
