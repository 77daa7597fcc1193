/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant signing keys (see signer.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "claim_text.h"
#include "parse.h"
#include "protocol.h"
#include "signer.h"

struct signer_key {
        char *kid;
        char *pem;
        EVP_PKEY *key;
        struct timespec mtime;
};

struct srv_signer {
        struct signer_key keys[SRV_SIGNER_MAX_KEYS];
        struct srv_public_key pub[SRV_SIGNER_MAX_KEYS];
        size_t n;
        size_t current;
};

void srv_signer_free(struct srv_signer *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++) {
                free(s->keys[i].kid);
                free(s->keys[i].pem);
                EVP_PKEY_free(s->keys[i].key);
        }
        free(s);
}

static int public_pem(EVP_PKEY *key, char **out)
{
        BIO *bio = BIO_new(BIO_s_mem());
        char *data = NULL;
        long len;
        int r = -ENOMEM;

        if (!bio)
                return -ENOMEM;
        if (PEM_write_bio_PUBKEY(bio, key) != 1)
                goto out;
        len = BIO_get_mem_data(bio, &data);
        if (len <= 0)
                goto out;
        *out = strndup(data, (size_t)len);
        r = *out ? 0 : -ENOMEM;
out:
        BIO_free(bio);
        return r;
}

static int add_key(struct srv_signer *s, const char *dir, const char *name, const struct stat *sb, char *err,
                   size_t errlen)
{
        struct signer_key *k = &s->keys[s->n];
        size_t len = strlen(name);
        char path[4096];
        int r;

        if (s->n >= SRV_SIGNER_MAX_KEYS) {
                snprintf(err, errlen, "%s: more than %d keys (remove retired ones)", dir, SRV_SIGNER_MAX_KEYS);
                return -E2BIG;
        }
        k->kid = strndup(name, len - 4);
        if (!k->kid)
                return -ENOMEM;
        if (!is_valid_token_name(k->kid, 64)) {
                snprintf(err, errlen, "%s/%s: the key id (file name without .pem) must be 1-64 of "
                         "[A-Za-z0-9._-] (rename the file)", dir, name);
                free(k->kid);
                k->kid = NULL;
                return -EINVAL;
        }
        s->n++;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
                return -ENAMETOOLONG;
        r = team_key_load_private_pem(path, &k->key);
        if (r < 0) {
                snprintf(err, errlen, "%s: cannot load the Ed25519 private key: %s%s", path, strerror(-r),
                         r == -EPERM ? " (chmod 600 and chown root)" : "");
                return r;
        }
        if (EVP_PKEY_get_base_id(k->key) != EVP_PKEY_ED25519) {
                snprintf(err, errlen, "%s: not an Ed25519 key", path);
                return -EINVAL;
        }
        k->mtime = sb->st_mtim;
        return public_pem(k->key, &k->pem);
}

static int cmp_key(const void *a, const void *b)
{
        return strcmp(((const struct signer_key *)a)->kid, ((const struct signer_key *)b)->kid);
}

int srv_signer_load(const char *dir, struct srv_signer **out, char *err, size_t errlen)
{
        struct srv_signer *s = NULL;
        struct dirent *de;
        DIR *d = NULL;
        int r = 0;

        *out = NULL;
        d = opendir(dir);
        if (!d) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot open the signing key directory: %s", dir, strerror(-r));
                return r;
        }
        s = calloc(1, sizeof(*s));
        if (!s) {
                r = -ENOMEM;
                goto out;
        }
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                struct stat sb;

                if (len <= 4 || strcmp(de->d_name + len - 4, ".pem") != 0 || de->d_name[0] == '.')
                        continue;
                if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode))
                        continue;
                r = add_key(s, dir, de->d_name, &sb, err, errlen);
                if (r < 0)
                        goto out;
        }
        if (s->n == 0) {
                snprintf(err, errlen, "%s: no KID.pem private keys (create one with team-keygen or openssl "
                         "genpkey -algorithm ed25519)", dir);
                r = -ENOENT;
                goto out;
        }
        qsort(s->keys, s->n, sizeof(s->keys[0]), cmp_key);
        for (size_t i = 0; i < s->n; i++) {
                const struct timespec *a = &s->keys[i].mtime, *c = &s->keys[s->current].mtime;

                s->pub[i] = (struct srv_public_key){ .kid = s->keys[i].kid, .pem = s->keys[i].pem };
                /* newest mtime wins; ties go to the later kid (sorted order). */
                if (a->tv_sec > c->tv_sec || (a->tv_sec == c->tv_sec && a->tv_nsec >= c->tv_nsec))
                        s->current = i;
        }
        *out = s;
        s = NULL;
out:
        closedir(d);
        srv_signer_free(s);
        return r;
}

const char *srv_signer_current_kid(const struct srv_signer *s)
{
        return s->keys[s->current].kid;
}

static bool text_ok(const char *t, size_t max)
{
        return !t || team_claim_text_check(t, strlen(t), max) == 0;
}

/* The free-text claims pass the rule hosts apply when they verify
 * (common/claim_text.h), so that no grant is signed that hosts refuse. */
static bool claims_text_ok(const struct team_grant *c)
{
        if (!text_ok(c->sub, TEAM_MAX_USER) || !text_ok(c->rsn, TEAM_MAX_REASON) || !text_ok(c->tkt, TEAM_JWS_MAX_TICKET))
                return false;
        for (size_t i = 0; c->apr && i < c->n_apr; i++)
                if (!text_ok(c->apr[i], TEAM_MAX_USER))
                        return false;
        return true;
}

int srv_signer_sign(struct srv_signer *s, const struct team_grant *claims, char **out)
{
        if (!claims_text_ok(claims))
                return -EINVAL;
        return team_jws_sign(s->keys[s->current].key, s->keys[s->current].kid, claims, out);
}

const struct srv_public_key *signer_public_keys(const struct srv_signer *s, size_t *n)
{
        *n = s->n;
        return s->pub;
}
