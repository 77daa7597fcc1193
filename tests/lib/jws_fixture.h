/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the grant unit tests: the fixed test keys of tests/lib/keys/
 * (generated once with `openssl genpkey -algorithm ed25519`; found via
 * $top_srcdir or TEST_KEYS_DIR), a keyring holding both, and default claims
 * and policy. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jws.h"

#define NOW INT64_C(1800000000)
#define HOUR INT64_C(3600)
#define SKEW INT64_C(60)

extern EVP_PKEY *k1, *k2;                 /* test-k1, test-k2 private keys */
extern struct team_keyring *ring;         /* test-k1 and test-k2 */
extern char *pem1, *pem2, *pem_p256;      /* public keys; p256 is not Ed25519 */

/* cmocka group setup/teardown. */
int jws_fixture_setup(void **state);
int jws_fixture_teardown(void **state);
/* A file below tests/lib/keys/, malloc'd and NUL-terminated, or NULL. */
char *jws_fixture_slurp(const char *name);

/* jti g-1, sub alice, aud web1, role sudo, nbf NOW, exp NOW+HOUR, iat NOW,
 * req r-1, apr bob (static storage: do not clear). */
void default_claims(struct team_grant *g);
/* now NOW, skew SKEW, check_nbf, host web1, groups web and prod. */
struct team_jws_policy default_policy(void);
char *sign_with(EVP_PKEY *k, const char *kid, const struct team_grant *c);
enum team_jws_result verify_with(const char *tok, const struct team_keyring *kr,
                                 const struct team_jws_policy *p);
