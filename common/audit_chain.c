/* SPDX-License-Identifier: BSD-3-Clause */
/* Canonical form and chain hash of audit events; see audit_chain.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "audit_chain.h"
#include "json_util.h"

#define CANONICAL_MAX_DEPTH 8

static int key_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of v with every object's members inserted in key order (json-c
 * keeps insertion order when it serialises). */
static int sorted_copy(struct json_object *v, int depth, struct json_object **out)
{
        struct json_object *o = NULL;
        const char **keys = NULL;
        size_t n = 0;
        int r = 0;

        *out = NULL;
        if (depth > CANONICAL_MAX_DEPTH)
                return -EBADMSG;
        switch (json_object_get_type(v)) {
        case json_type_string:
        case json_type_int:
        case json_type_boolean:
                *out = json_object_get(v);
                return 0;
        case json_type_array:
                o = json_object_new_array();
                if (!o)
                        return -ENOMEM;
                for (size_t i = 0; i < json_object_array_length(v) && r == 0; i++) {
                        struct json_object *c;

                        r = sorted_copy(json_object_array_get_idx(v, i), depth + 1, &c);
                        if (r == 0 && json_object_array_add(o, c) < 0) {
                                json_object_put(c);
                                r = -ENOMEM;
                        }
                }
                break;
        case json_type_object:
                o = json_object_new_object();
                keys = calloc((size_t)json_object_object_length(v) + 1, sizeof(*keys));
                if (!o || !keys) {
                        r = -ENOMEM;
                        break;
                }
                json_object_object_foreach(v, k, val) {
                        (void)val;
                        keys[n++] = k;
                }
                qsort(keys, n, sizeof(*keys), key_cmp);
                for (size_t i = 0; i < n && r == 0; i++) {
                        struct json_object *c;

                        r = sorted_copy(json_object_object_get(v, keys[i]), depth + 1, &c);
                        if (r == 0)
                                r = team_json_add(o, keys[i], c);
                }
                break;
        default:        /* double, null: not in our events */
                return -EBADMSG;
        }
        free(keys);
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        *out = o;
        return 0;
}

int team_audit_canonical(struct json_object *obj, size_t max, char **out, size_t *len)
{
        struct json_object *s;
        int r;

        *out = NULL;
        if (!json_object_is_type(obj, json_type_object))
                return -EBADMSG;
        r = sorted_copy(obj, 0, &s);
        if (r < 0)
                return r;
        r = team_json_to_text(s, max, out, len);
        json_object_put(s);
        return r;
}

int team_audit_hash(const char *text, size_t len, char hex[static TEAM_AUDIT_HASH_HEX + 1])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;

        static const char digits[] = "0123456789abcdef";

        if (!EVP_Digest(text, len, md, &n, EVP_sha256(), NULL) || n != TEAM_AUDIT_HASH_HEX / 2)
                return -EIO;
        /* Not snprintf: 32 calls of it cost as much as the digest. */
        for (unsigned i = 0; i < n; i++) {
                hex[2 * i] = digits[md[i] >> 4];
                hex[2 * i + 1] = digits[md[i] & 0xf];
        }
        hex[2 * n] = '\0';
        return 0;
}

int team_audit_checkpoint_statement(const char *host, uint64_t seq, const char *prev, int64_t time_usec,
                                    char **out, size_t *len)
{
        int n;

        *out = NULL;
        if (!host || !prev)
                return -EINVAL;
        n = asprintf(out, "pam_team-audit-checkpoint-v1\n%s\n%llu\n%s\n%lld\n", host, (unsigned long long)seq, prev,
                     (long long)time_usec);
        if (n < 0) {
                *out = NULL;
                return -ENOMEM;
        }
        *len = (size_t)n;
        return 0;
}
