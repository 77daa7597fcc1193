/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant signing keys: every DIR/KID.pem (Ed25519 PRIVATE key, refused if
 * group/world-readable) is loaded; the key whose file has the newest mtime
 * signs (ties: the lexicographically last kid); all are published by
 * GET /v1/keys so hosts can pin them across a rotation. */
#pragma once

#include <stddef.h>

#include "jws.h"

#define SRV_SIGNER_MAX_KEYS 16

struct srv_signer;

struct srv_public_key {
        const char *kid;
        const char *pem;              /* "-----BEGIN PUBLIC KEY-----..." */
};

int srv_signer_load(const char *dir, struct srv_signer **out, char *err, size_t errlen);
void srv_signer_free(struct srv_signer *s);

/* The kid that signs new grants. */
const char *srv_signer_current_kid(const struct srv_signer *s);

/* Signs claims with the current key; *out malloc'd compact JWS. -EINVAL
 * when a text claim breaks common/claim_text.h's rule (hosts would refuse). */
int srv_signer_sign(struct srv_signer *s, const struct team_grant *claims, char **out);

/* All public keys, sorted by kid; the signer keeps ownership. */
const struct srv_public_key *signer_public_keys(const struct srv_signer *s, size_t *n);
