/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant signing and Ed25519 key files (tools/team-sign-grant, tests,
 * team-server). Private key files must be mode 0600 (or stricter) and owned
 * by root or by the user who signs; they are read into memory that is wiped
 * afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "json_util.h"
#include "jws.h"
#include "read_bounded.h"

#define KEY_FILE_MAX (64 * 1024)
#define ED25519_SIG_LEN 64

/* Encrypted keys are refused rather than prompting on a terminal: teamd and
 * team-server have none, and the file mode is what protects the key. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
        (void)buf; (void)size; (void)rwflag; (void)u;
        return -1;
}

/* -EPERM: group/world-accessible or foreign-owned (caller says "chmod 600
 * FILE"); -ELOOP: a symlink; -EINVAL: not an Ed25519 private key. */
int team_key_load_private_pem(const char *path, EVP_PKEY **out)
{
        struct stat st;
        char *buf = NULL;
        size_t len = 0;
        BIO *bio = NULL;
        EVP_PKEY *pkey = NULL;
        int fd, r;

        if (!path || !out)
                return -EINVAL;
        *out = NULL;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EINVAL;
                goto out;
        }
        if ((st.st_mode & (S_IRWXG | S_IRWXO)) || (st.st_uid != 0 && st.st_uid != geteuid())) {
                r = -EPERM;
                goto out;
        }
        buf = malloc(KEY_FILE_MAX + 1);
        if (!buf) {
                r = -ENOMEM;
                goto out;
        }
        r = team_read_bounded(fd, buf, KEY_FILE_MAX, &len);
        if (r < 0)
                goto out;
        bio = BIO_new_mem_buf(buf, (int)len);
        if (!bio) {
                r = -ENOMEM;
                goto out;
        }
        pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
        if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
                EVP_PKEY_free(pkey);
                r = -EINVAL;
                goto out;
        }
        *out = pkey;
        r = 0;
out:
        ERR_clear_error();
        BIO_free(bio);
        if (buf) {
                OPENSSL_cleanse(buf, KEY_FILE_MAX + 1);
                free(buf);
        }
        close(fd);
        return r;
}

int team_key_generate(EVP_PKEY **out)
{
        if (!out)
                return -EINVAL;
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        ERR_clear_error();
        return *out ? 0 : -ENOMEM;
}

static int write_all(int fd, const char *p, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Writes the PEM in bio to path (created with mode, never following a
 * symlink; excl: refuse an existing file) and fsyncs it. */
static int write_pem_file(BIO *bio, const char *path, mode_t mode, bool excl)
{
        char *data = NULL;
        long len = BIO_get_mem_data(bio, &data);
        int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (excl ? O_EXCL : O_TRUNC);
        int fd, r;

        if (len <= 0 || !data)
                return -EIO;
        fd = open(path, flags, mode);
        if (fd < 0)
                return -errno;
        r = fchmod(fd, mode) < 0 ? -errno : 0;
        if (r == 0)
                r = write_all(fd, data, (size_t)len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/* The private key is created 0600 and never overwrites an existing file
 * (like ssh-keygen); the public key (0644) may replace an old one. */
int team_key_write_pem(EVP_PKEY *key, const char *private_path, const char *public_path)
{
        BIO *priv = NULL, *pub = NULL;
        int r;

        if (!key || !private_path || !public_path || EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519)
                return -EINVAL;
        priv = BIO_new(BIO_s_secmem());
        pub = BIO_new(BIO_s_mem());
        if (!priv || !pub) {
                r = -ENOMEM;
                goto out;
        }
        if (PEM_write_bio_PrivateKey(priv, key, NULL, NULL, 0, NULL, NULL) != 1 ||
            PEM_write_bio_PUBKEY(pub, key) != 1) {
                r = -EIO;
                goto out;
        }
        r = write_pem_file(priv, private_path, 0600, true);
        if (r < 0)
                goto out;
        r = write_pem_file(pub, public_path, 0644, false);
        if (r < 0)
                unlink(private_path);
out:
        ERR_clear_error();
        BIO_free(priv);
        BIO_free(pub);
        return r;
}

static int sign_bytes(EVP_PKEY *key, const char *data, size_t len, uint8_t sig[ED25519_SIG_LEN])
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t siglen = ED25519_SIG_LEN;
        int r = -EIO;

        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
            EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)data, len) == 1 &&
            siglen == ED25519_SIG_LEN)
                r = 0;
        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return r;
}

int team_jws_sign_raw(EVP_PKEY *key, const char *header_json, const char *payload_json, char **out)
{
        char *h = NULL, *p = NULL, *s = NULL, *tok = NULL;
        uint8_t sig[ED25519_SIG_LEN];
        size_t hl, pl, sl;
        int r;

        if (!out)
                return -EINVAL;
        *out = NULL;
        if (!key || !header_json || !payload_json || EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519)
                return -EINVAL;
        r = team_b64url_encode((const uint8_t *)header_json, strlen(header_json), &h);
        if (r == 0)
                r = team_b64url_encode((const uint8_t *)payload_json, strlen(payload_json), &p);
        if (r < 0)
                goto out;
        hl = strlen(h);
        pl = strlen(p);
        tok = malloc(hl + 1 + pl + 1 + 86 + 1);
        if (!tok) {
                r = -ENOMEM;
                goto out;
        }
        memcpy(tok, h, hl);
        tok[hl] = '.';
        memcpy(tok + hl + 1, p, pl);
        tok[hl + 1 + pl] = '\0';
        r = sign_bytes(key, tok, hl + 1 + pl, sig);
        if (r == 0)
                r = team_b64url_encode(sig, sizeof(sig), &s);
        if (r < 0)
                goto out;
        sl = strlen(s);
        tok[hl + 1 + pl] = '.';
        memcpy(tok + hl + 1 + pl + 1, s, sl + 1);
        *out = tok;
        tok = NULL;
out:
        free(h);
        free(p);
        free(s);
        free(tok);
        return r;
}

static int add_string(json_object *o, const char *key, const char *val)
{
        if (!val)
                return 0;   /* omitted */
        return team_json_add(o, key, json_object_new_string(val));
}

static int add_int(json_object *o, const char *key, int64_t val)
{
        return team_json_add(o, key, json_object_new_int64(val));
}

static int add_strv(json_object *o, const char *key, const char *const *vec, size_t n, bool single_as_string)
{
        json_object *arr;

        if (!vec)
                return 0;
        if (single_as_string && n == 1)
                return add_string(o, key, vec[0]);
        arr = json_object_new_array_ext((int)n);
        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_new_string(vec[i] ? vec[i] : "");
                if (!v || json_object_array_add(arr, v) < 0) {
                        json_object_put(v);
                        json_object_put(arr);
                        return -ENOMEM;
                }
        }
        return team_json_add(o, key, arr);
}

static int build_claims(const struct team_grant *c, json_object **out)
{
        json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        if ((r = add_string(o, "jti", c->jti)) < 0 ||
            (r = add_string(o, "sub", c->sub)) < 0 ||
            (r = add_strv(o, "aud", c->aud, c->n_aud, true)) < 0 ||
            (r = add_string(o, "role", c->role)) < 0 ||
            (r = add_int(o, "nbf", c->nbf)) < 0 ||
            (r = add_int(o, "exp", c->exp)) < 0 ||
            (r = add_int(o, "iat", c->iat)) < 0 ||
            (r = add_string(o, "req", c->req)) < 0 ||
            (r = add_strv(o, "apr", c->apr, c->n_apr, false)) < 0 ||
            (r = add_string(o, "rsn", c->rsn)) < 0 || (r = add_string(o, "tkt", c->tkt)) < 0) {
                json_object_put(o);
                return r;
        }
        *out = o;
        return 0;
}

int team_jws_sign(EVP_PKEY *key, const char *kid, const struct team_grant *claims, char **out)
{
        json_object *hdr = NULL, *payload = NULL;
        const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
        const char *htxt, *ptxt;
        int r;

        if (!out)
                return -EINVAL;
        *out = NULL;
        if (!key || !kid || !claims)
                return -EINVAL;
        hdr = json_object_new_object();
        if (!hdr) {
                r = -ENOMEM;
                goto out;
        }
        if ((r = add_string(hdr, "alg", "EdDSA")) < 0 ||
            (r = add_string(hdr, "typ", "JWT")) < 0 ||
            (r = add_string(hdr, "kid", kid)) < 0 ||
            (r = build_claims(claims, &payload)) < 0)
                goto out;
        htxt = json_object_to_json_string_ext(hdr, flags);
        ptxt = json_object_to_json_string_ext(payload, flags);
        if (!htxt || !ptxt) {
                r = -ENOMEM;
                goto out;
        }
        r = team_jws_sign_raw(key, htxt, ptxt, out);
out:
        json_object_put(hdr);
        json_object_put(payload);
        return r;
}
