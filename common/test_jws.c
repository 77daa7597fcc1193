/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of grant verification (common/jws.c): signature, alg and kid,
 * time edges, audience/subject/role, strict base64url, JSON and claims, key
 * rotation. Keys and defaults: jws_fixture.[ch]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "jws_fixture.h"
#include "protocol.h"

/* ---- helpers ---- */

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
        const char *db[] = { "db1" }, *two[] = { "db1", "db" }, *grp[] = { "db1", "prod" }, *mine[] = { "x", "web1" };
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
        };

        return cmocka_run_group_tests(tests, jws_fixture_setup, jws_fixture_teardown);
}
