/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant verification: compact JWS, alg EdDSA (Ed25519), pinned keys.
 *
 * Order (docs/grants.md): size cap, three parts, header (alg, kid, typ, no
 * other member), key lookup, signature over the ASCII "header.payload", and
 * only then the claims: types and bounds first, then policy (exp, nbf, iat,
 * aud, sub, role). Nothing from the payload is looked at before the
 * signature verified. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "claim_text.h"
#include "json_util.h"
#include "jws.h"
#include "parse.h"
#include "protocol.h"
#include "unconst.h"

#define ED25519_SIG_LEN 64
#define ED25519_SIG_B64_LEN 86     /* ceil(64 * 4 / 3), unpadded */
#define KID_MAX 64
#define AUD_MAX 255                /* a host name or host group */
#define JSON_MAX_DEPTH 4
#define TIME_MAX INT64_C(253402300799)  /* 9999-12-31T23:59:59Z */
#define SKEW_MAX INT64_C(86400)

const char *team_jws_result_to_string(enum team_jws_result r)
{
        switch (r) {
        case TEAM_JWS_OK: return "ok";
        case TEAM_JWS_MALFORMED: return "malformed grant";
        case TEAM_JWS_BAD_ALG: return "grant algorithm is not EdDSA";
        case TEAM_JWS_UNKNOWN_KID: return "grant signed by an unknown key";
        case TEAM_JWS_BAD_SIGNATURE: return "grant signature does not verify";
        case TEAM_JWS_EXPIRED: return "grant has expired";
        case TEAM_JWS_NOT_YET_VALID: return "grant is not valid yet";
        case TEAM_JWS_ISSUED_IN_FUTURE: return "grant issued in the future (check the clock)";
        case TEAM_JWS_WRONG_AUD: return "grant is not for this host";
        case TEAM_JWS_WRONG_SUB: return "grant is for another user";
        case TEAM_JWS_WRONG_ROLE: return "grant is for another role";
        case TEAM_JWS_NOMEM: return "out of memory";
        }
        return "unknown error";
}

static void free_strv(const char **v, size_t n)
{
        if (!v)
                return;
        for (size_t i = 0; i < n; i++)
                free(team_unconst(v[i]));
        free(v);
}

/* A decoded (or team-sign-grant's) grant owns the strings its const
 * members point at. */
static void free_claim(const char *s)
{
        free(team_unconst(s));
}

void team_grant_clear(struct team_grant *g)
{
        if (!g)
                return;
        free_claim(g->kid);
        free_claim(g->jti);
        free_claim(g->sub);
        free_strv(g->aud, g->n_aud);
        free_claim(g->role);
        free_claim(g->req);
        free_strv(g->apr, g->n_apr);
        free_claim(g->rsn);
        free_claim(g->tkt);
        memset(g, 0, sizeof(*g));
}

static enum team_jws_result errno_to_result(int r)
{
        return r == -ENOMEM ? TEAM_JWS_NOMEM : TEAM_JWS_MALFORMED;
}

/* One JSON object, nothing after it, valid UTF-8, no NUL bytes. */
static int parse_object(const uint8_t *buf, size_t len, json_object **out)
{
        const char *why;

        return team_json_parse_object((const char *)buf, len, JSON_MAX_DEPTH, out, &why);
}

/* A string member: 1..max bytes (0..max if !nonempty), printable, and with
 * token-name syntax when token is set. */
static int dup_string(json_object *v, size_t max, bool nonempty, bool token, char **out)
{
        const char *s;
        size_t len;

        if (!v || !json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(v);
        len = (size_t)json_object_get_string_len(v);
        if (!s || (nonempty && len == 0) || team_claim_text_check(s, len, max) < 0)
                return -EBADMSG;
        if (token && !is_valid_token_name(s, max))
                return -EBADMSG;
        *out = strdup(s);
        return *out ? 0 : -ENOMEM;
}

/* A string claim into a (const) member of the grant. */
static int get_string(json_object *obj, const char *key, size_t max, bool nonempty, bool token, const char **out)
{
        json_object *v = NULL;
        char *s = NULL;
        int r;

        if (!json_object_object_get_ex(obj, key, &v))
                return -EBADMSG;
        r = dup_string(v, max, nonempty, token, &s);
        *out = s;
        return r;
}

/* A claim older grants do not have: absent leaves *out NULL. */
static int get_optional_string(json_object *obj, const char *key, size_t max, const char **out)
{
        json_object *v = NULL;
        char *s = NULL;
        int r;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        r = dup_string(v, max, false, false, &s);
        *out = s;
        return r;
}

/* A JSON array of min..max_n strings (or, with allow_single, one string). */
static int get_strv(json_object *obj, const char *key, bool allow_single, size_t min_n, size_t max_n,
                    size_t max_len, const char ***out, size_t *n_out)
{
        json_object *v = NULL;
        const char **vec = NULL;
        size_t n, i = 0;
        int r;

        if (!json_object_object_get_ex(obj, key, &v) || !v)
                return -EBADMSG;
        if (allow_single && json_object_is_type(v, json_type_string)) {
                n = 1;
        } else if (json_object_is_type(v, json_type_array)) {
                n = json_object_array_length(v);
                if (n < min_n || n > max_n)
                        return -EBADMSG;
        } else {
                return -EBADMSG;
        }
        vec = calloc(n + 1, sizeof(char *));
        if (!vec)
                return -ENOMEM;
        for (i = 0; i < n; i++) {
                json_object *e = json_object_is_type(v, json_type_array) ? json_object_array_get_idx(v, i) : v;
                char *s = NULL;

                r = dup_string(e, max_len, true, false, &s);
                vec[i] = s;
                if (r < 0)
                        goto fail;
        }
        *out = vec;
        *n_out = n;
        return 0;
fail:
        free_strv(vec, i);
        return r;
}

/* A positive JSON integer (not a double, not a string) up to year 9999. */
static int get_time(json_object *obj, const char *key, int64_t *out)
{
        json_object *v = NULL;
        int64_t t;

        if (!json_object_object_get_ex(obj, key, &v) || !v || !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        t = json_object_get_int64(v);     /* saturates, so huge values fail below */
        if (t <= 0 || t > TIME_MAX)
                return -EBADMSG;
        *out = t;
        return 0;
}

static int parse_claims(json_object *c, struct team_grant *g)
{
        int r;

        if ((r = get_string(c, "jti", TEAM_MAX_ID, true, true, &g->jti)) < 0 ||
            (r = get_string(c, "sub", TEAM_MAX_USER, true, false, &g->sub)) < 0 ||
            (r = get_strv(c, "aud", true, 1, TEAM_JWS_MAX_AUD, AUD_MAX, &g->aud, &g->n_aud)) < 0 ||
            (r = get_string(c, "role", TEAM_MAX_ROLE, true, true, &g->role)) < 0 ||
            (r = get_time(c, "nbf", &g->nbf)) < 0 ||
            (r = get_time(c, "exp", &g->exp)) < 0 ||
            (r = get_time(c, "iat", &g->iat)) < 0 ||
            (r = get_string(c, "req", TEAM_MAX_ID, true, true, &g->req)) < 0 ||
            (r = get_strv(c, "apr", false, 0, TEAM_JWS_MAX_APR, TEAM_MAX_USER, &g->apr, &g->n_apr)) < 0 ||
            (r = get_string(c, "rsn", TEAM_MAX_REASON, false, false, &g->rsn)) < 0 ||
            (r = get_optional_string(c, "tkt", TEAM_JWS_MAX_TICKET, &g->tkt)) < 0)
                return r;
        if (g->exp <= g->nbf)
                return -EBADMSG;
        /* Unknown claims are allowed: newer servers may add some. */
        return 0;
}

/* alg first (so "none" is reported as such), then only kid and typ. */
static enum team_jws_result check_header(json_object *h, const char **kid)
{
        json_object *alg = NULL, *k = NULL, *typ = NULL;
        const char *s;

        if (!json_object_object_get_ex(h, "alg", &alg))
                return TEAM_JWS_MALFORMED;
        if (!alg || !json_object_is_type(alg, json_type_string) ||
            json_object_get_string_len(alg) != 5 || strcmp(json_object_get_string(alg), "EdDSA") != 0)
                return TEAM_JWS_BAD_ALG;
        json_object_object_foreach(h, key, val) {
                (void)val;
                if (strcmp(key, "alg") != 0 && strcmp(key, "kid") != 0 && strcmp(key, "typ") != 0)
                        return TEAM_JWS_MALFORMED;   /* crit, jku, x5u, jwk, ... */
        }
        if (!json_object_object_get_ex(h, "kid", &k) || !k || !json_object_is_type(k, json_type_string))
                return TEAM_JWS_MALFORMED;
        s = json_object_get_string(k);
        if (strlen(s) != (size_t)json_object_get_string_len(k) || !is_valid_token_name(s, KID_MAX))
                return TEAM_JWS_MALFORMED;
        if (json_object_object_get_ex(h, "typ", &typ) &&
            (!typ || !json_object_is_type(typ, json_type_string) ||
             json_object_get_string_len(typ) != 3 || strcmp(json_object_get_string(typ), "JWT") != 0))
                return TEAM_JWS_MALFORMED;
        *kid = s;
        return TEAM_JWS_OK;
}

static enum team_jws_result verify_signature(EVP_PKEY *pkey, const char *signed_part, size_t len,
                                             const uint8_t *sig, size_t siglen)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        enum team_jws_result res = TEAM_JWS_BAD_SIGNATURE;

        if (!ctx)
                return TEAM_JWS_NOMEM;
        if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
            EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)signed_part, len) == 1)
                res = TEAM_JWS_OK;
        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return res;
}

static bool aud_matches(const struct team_grant *g, const struct team_jws_policy *p)
{
        for (size_t i = 0; i < g->n_aud; i++) {
                if (p->host_id && strcmp(g->aud[i], p->host_id) == 0)
                        return true;
                for (size_t j = 0; p->host_groups && j < p->n_host_groups; j++)
                        if (p->host_groups[j] && strcmp(g->aud[i], p->host_groups[j]) == 0)
                                return true;
        }
        return false;
}

static enum team_jws_result check_policy(const struct team_grant *g, const struct team_jws_policy *p)
{
        /* Claims are bounded by TIME_MAX and skew by SKEW_MAX: no overflow. */
        int64_t skew = p->clock_skew < 0 ? 0 : p->clock_skew > SKEW_MAX ? SKEW_MAX : p->clock_skew;

        if (p->now >= g->exp)
                return TEAM_JWS_EXPIRED;             /* exact: no skew */
        if (p->check_nbf && p->now < g->nbf - skew)
                return TEAM_JWS_NOT_YET_VALID;
        if (g->iat - skew > p->now)
                return TEAM_JWS_ISSUED_IN_FUTURE;
        if (!aud_matches(g, p))
                return TEAM_JWS_WRONG_AUD;
        if (p->expect_sub && strcmp(g->sub, p->expect_sub) != 0)
                return TEAM_JWS_WRONG_SUB;
        if (p->expect_role && strcmp(g->role, p->expect_role) != 0)
                return TEAM_JWS_WRONG_ROLE;
        return TEAM_JWS_OK;
}

struct jws_parts {
        const char *h, *p, *s;
        size_t hlen, plen, slen;
};

/* Exactly three parts; header and payload non-empty (the signature is checked
 * after the header, so that alg "none" is reported as a bad alg). */
static bool split_parts(const char *jws, size_t len, struct jws_parts *parts)
{
        const char *end = jws + len;
        const char *d1 = memchr(jws, '.', len);
        const char *d2 = d1 ? memchr(d1 + 1, '.', (size_t)(end - d1 - 1)) : NULL;

        if (!d2 || memchr(d2 + 1, '.', (size_t)(end - d2 - 1)))
                return false;
        parts->h = jws;
        parts->hlen = (size_t)(d1 - jws);
        parts->p = d1 + 1;
        parts->plen = (size_t)(d2 - d1 - 1);
        parts->s = d2 + 1;
        parts->slen = (size_t)(end - d2 - 1);
        return parts->hlen > 0 && parts->plen > 0;
}

enum team_jws_result team_jws_verify(const char *jws, size_t len, const struct team_keyring *kr,
                                     const struct team_jws_policy *policy, struct team_grant *out)
{
        struct team_grant g = {0};
        struct jws_parts parts;
        json_object *hdr = NULL, *claims = NULL;
        uint8_t *hbuf = NULL, *pbuf = NULL, *sig = NULL;
        size_t hbuf_len = 0, pbuf_len = 0, sig_len = 0;
        const char *kid = NULL;
        EVP_PKEY *pkey;
        enum team_jws_result res;
        int r;

        if (!out)
                return TEAM_JWS_MALFORMED;
        memset(out, 0, sizeof(*out));
        if (!jws || !kr || !policy)
                return TEAM_JWS_MALFORMED;
        if (len > TEAM_MAX_JWS || !split_parts(jws, len, &parts))
                return TEAM_JWS_MALFORMED;

        r = team_b64url_decode(parts.h, parts.hlen, &hbuf, &hbuf_len);
        if (r == 0)
                r = parse_object(hbuf, hbuf_len, &hdr);
        if (r < 0) {
                res = errno_to_result(r);
                goto out;
        }
        res = check_header(hdr, &kid);
        if (res != TEAM_JWS_OK)
                goto out;
        pkey = team_keyring_find(kr, kid);
        if (!pkey) {
                res = TEAM_JWS_UNKNOWN_KID;
                goto out;
        }
        if (parts.slen != ED25519_SIG_B64_LEN) {
                res = TEAM_JWS_MALFORMED;
                goto out;
        }
        r = team_b64url_decode(parts.s, parts.slen, &sig, &sig_len);
        if (r == 0 && sig_len != ED25519_SIG_LEN)
                r = -EBADMSG;
        if (r == 0)
                r = team_b64url_decode(parts.p, parts.plen, &pbuf, &pbuf_len);
        if (r < 0) {
                res = errno_to_result(r);
                goto out;
        }
        res = verify_signature(pkey, jws, parts.hlen + 1 + parts.plen, sig, sig_len);
        if (res != TEAM_JWS_OK)
                goto out;

        /* From here on the payload is the signer's. */
        r = parse_object(pbuf, pbuf_len, &claims);
        if (r == 0) {
                g.kid = strdup(kid);
                r = g.kid ? parse_claims(claims, &g) : -ENOMEM;
        }
        if (r < 0) {
                res = errno_to_result(r);
                goto out;
        }
        res = check_policy(&g, policy);
        if (res != TEAM_JWS_OK)
                goto out;
        *out = g;
        memset(&g, 0, sizeof(g));
out:
        team_grant_clear(&g);
        json_object_put(hdr);
        json_object_put(claims);
        free(hbuf);
        free(pbuf);
        free(sig);
        return res;
}
