/* SPDX-License-Identifier: BSD-3-Clause */
/* Grants: compact JWS (RFC 7515), alg EdDSA with Ed25519 keys (RFC 8037),
 * verified with OpenSSL's EVP API against pinned public keys. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#define TEAM_JWS_MAX_AUD 32
#define TEAM_JWS_MAX_APR 32
/* A ticket claim: the same bound team-server puts on a request's ticket. */
#define TEAM_JWS_MAX_TICKET 128
#define TEAM_KEYRING_MAX_KEYS 64

/* A view of borrowed strings when it is built to be signed; a verified
 * grant owns its strings (team_grant_clear() frees them). */
struct team_grant {
        const char *kid;
        const char *jti;        /* grant id */
        const char *sub;        /* user */
        const char **aud;       /* host ids / host groups; JSON string or array */
        size_t n_aud;
        const char *role;
        int64_t nbf, exp, iat;  /* UTC epoch seconds */
        const char *req;        /* request id */
        const char **apr;       /* approvers */
        size_t n_apr;
        const char *rsn;        /* reason */
        const char *tkt;        /* the request's ticket (may be NULL) */
};
void team_grant_clear(struct team_grant *g);

enum team_jws_result {
        TEAM_JWS_OK = 0,
        TEAM_JWS_MALFORMED,        /* not three base64url parts, bad JSON, missing/mistyped claim */
        TEAM_JWS_BAD_ALG,          /* alg is not "EdDSA" (including "none") */
        TEAM_JWS_UNKNOWN_KID,
        TEAM_JWS_BAD_SIGNATURE,
        TEAM_JWS_EXPIRED,          /* now >= exp */
        TEAM_JWS_NOT_YET_VALID,    /* now < nbf - clock_skew */
        TEAM_JWS_ISSUED_IN_FUTURE, /* iat > now + clock_skew */
        TEAM_JWS_WRONG_AUD,
        TEAM_JWS_WRONG_SUB,
        TEAM_JWS_WRONG_ROLE,
        TEAM_JWS_NOMEM,
};
const char *team_jws_result_to_string(enum team_jws_result r);

/* Pinned verification keys: kid -> Ed25519 public key. */
struct team_keyring;
struct team_keyring *team_keyring_new(void);
void team_keyring_free(struct team_keyring *kr);
/* kid: [A-Za-z0-9._-]{1,64}. Returns 0, -EINVAL (bad kid / not Ed25519 PEM),
 * -EEXIST, -E2BIG (too many keys), -ENOMEM. */
int team_keyring_add_pem(struct team_keyring *kr, const char *kid, const char *pem, size_t len);
/* Loads every DIR/<kid>.pem (regular files, not symlinks). Returns 0 or
 * -errno with err filled with a sentence naming the file. */
int team_keyring_load_dir(struct team_keyring *kr, const char *dir, char *err, size_t errlen);
size_t team_keyring_count(const struct team_keyring *kr);
/* The public key for kid, or NULL. The keyring keeps ownership. */
EVP_PKEY *team_keyring_find(const struct team_keyring *kr, const char *kid);

struct team_jws_policy {
        int64_t now;                 /* UTC epoch seconds */
        int64_t clock_skew;          /* applied to nbf and iat only, never to exp */
        bool check_nbf;              /* false: accept grants that start later (storing) */
        const char *host_id;         /* aud must contain host_id or one of host_groups */
        const char *const *host_groups;
        size_t n_host_groups;
        const char *expect_sub;      /* NULL: any */
        const char *expect_role;     /* NULL: any */
};

/* Verifies signature first, then claims. On TEAM_JWS_OK *out is filled
 * (caller clears it); otherwise *out is left cleared. */
enum team_jws_result team_jws_verify(const char *jws, size_t len, const struct team_keyring *kr,
                                     const struct team_jws_policy *policy, struct team_grant *out);

/* Signing (tools/team-sign-grant, tests, and later team-server). */
int team_key_load_private_pem(const char *path, EVP_PKEY **out);  /* refuses group/world-readable files */
int team_key_generate(EVP_PKEY **out);
int team_key_write_pem(EVP_PKEY *key, const char *private_path, const char *public_path);
/* Signs claims as {"alg":"EdDSA","typ":"JWT","kid":kid}. *out malloc'd. */
int team_jws_sign(EVP_PKEY *key, const char *kid, const struct team_grant *claims, char **out);
/* Low level, for tests that craft bad tokens: signs header.payload as given
 * (raw JSON texts, base64url-encoded here). */
int team_jws_sign_raw(EVP_PKEY *key, const char *header_json, const char *payload_json, char **out);

/* base64url without padding, via OpenSSL's EVP encoder. */
int team_b64url_encode(const uint8_t *in, size_t len, char **out);
int team_b64url_decode(const char *in, size_t len, uint8_t **out, size_t *outlen);
