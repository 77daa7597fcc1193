/* SPDX-License-Identifier: BSD-3-Clause */
/* Pinned grant verification keys: kid -> Ed25519 public key.
 *
 * The trusted_keys directory holds one PEM ("BEGIN PUBLIC KEY") per key,
 * named KID.pem. Whoever can write there can mint root grants, so the
 * directory and every key file must be owned by root (or by the user running
 * us, for tests) and not writable by group or others, like sshd's StrictModes.
 * Key files are opened with O_NOFOLLOW: a symlink is an error, not a key. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "jws.h"
#include "parse.h"
#include "read_bounded.h"

#define KID_MAX 64
#define KEY_FILE_MAX (64 * 1024)

struct keyring_entry {
        char kid[KID_MAX + 1];
        EVP_PKEY *pkey;
};

struct team_keyring {
        size_t n;
        struct keyring_entry keys[TEAM_KEYRING_MAX_KEYS];
};

struct team_keyring *team_keyring_new(void)
{
        return calloc(1, sizeof(struct team_keyring));
}

static void keyring_truncate(struct team_keyring *kr, size_t n)
{
        while (kr->n > n) {
                kr->n--;
                EVP_PKEY_free(kr->keys[kr->n].pkey);
                memset(&kr->keys[kr->n], 0, sizeof(kr->keys[kr->n]));
        }
}

void team_keyring_free(struct team_keyring *kr)
{
        if (!kr)
                return;
        keyring_truncate(kr, 0);
        free(kr);
}

size_t team_keyring_count(const struct team_keyring *kr)
{
        return kr ? kr->n : 0;
}

EVP_PKEY *team_keyring_find(const struct team_keyring *kr, const char *kid)
{
        if (!kr || !kid)
                return NULL;
        for (size_t i = 0; i < kr->n; i++)
                if (strcmp(kr->keys[i].kid, kid) == 0)
                        return kr->keys[i].pkey;
        return NULL;
}

/* Public keys are never encrypted: no passphrase prompt, ever. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
        (void)buf; (void)size; (void)rwflag; (void)u;
        return -1;
}

int team_keyring_add_pem(struct team_keyring *kr, const char *kid, const char *pem, size_t len)
{
        BIO *bio = NULL;
        EVP_PKEY *pkey = NULL;
        int r;

        if (!kr || !kid || !pem || len == 0 || len > KEY_FILE_MAX)
                return -EINVAL;
        if (!is_valid_token_name(kid, KID_MAX))
                return -EINVAL;
        if (team_keyring_find(kr, kid))
                return -EEXIST;
        if (kr->n >= TEAM_KEYRING_MAX_KEYS)
                return -E2BIG;

        bio = BIO_new_mem_buf(pem, (int)len);
        if (!bio) {
                r = -ENOMEM;
                goto out;
        }
        pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
        if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
                r = -EINVAL;
                goto out;
        }
        /* is_valid_token_name() bounded kid to KID_MAX bytes. */
        memcpy(kr->keys[kr->n].kid, kid, strlen(kid) + 1);
        kr->keys[kr->n].pkey = pkey;
        kr->n++;
        pkey = NULL;
        r = 0;
out:
        ERR_clear_error();
        EVP_PKEY_free(pkey);
        BIO_free(bio);
        return r;
}

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        if (!err || errlen == 0)
                return;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

/* Owned by root or by us, not writable by group or others. */
static const char *check_owner_mode(const struct stat *st)
{
        if (st->st_uid != 0 && st->st_uid != geteuid())
                return "is not owned by root";
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return "is writable by group or others";
        return NULL;
}

/* Reads a regular file of at most KEY_FILE_MAX bytes below dfd. */
static int read_key_file(int dfd, const char *dir, const char *name, char *buf, size_t *len,
                         char *err, size_t errlen)
{
        struct stat st;
        const char *why;
        int fd, r;

        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                if (r == -ELOOP)
                        set_err(err, errlen, "%s/%s: is a symbolic link; put the key file itself there", dir, name);
                else
                        set_err(err, errlen, "%s/%s: %s", dir, name, strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                set_err(err, errlen, "%s/%s: %s", dir, name, strerror(-r));
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EINVAL;
                set_err(err, errlen, "%s/%s: not a regular file", dir, name);
                goto out;
        }
        why = check_owner_mode(&st);
        if (why) {
                r = -EPERM;
                set_err(err, errlen, "%s/%s: %s; refusing to trust it", dir, name, why);
                goto out;
        }
        if (st.st_size > KEY_FILE_MAX) {
                r = -EFBIG;
                set_err(err, errlen, "%s/%s: larger than %d bytes", dir, name, KEY_FILE_MAX);
                goto out;
        }
        r = team_read_bounded(fd, buf, KEY_FILE_MAX, len);
        if (r == -EFBIG)
                set_err(err, errlen, "%s/%s: larger than %d bytes", dir, name, KEY_FILE_MAX);
        else if (r < 0)
                set_err(err, errlen, "%s/%s: %s", dir, name, strerror(-r));
out:
        close(fd);
        return r;
}

static int load_one(struct team_keyring *kr, int dfd, const char *dir, const char *name,
                    char *err, size_t errlen)
{
        char kid[KID_MAX + 1];
        size_t nlen = strlen(name) - 4;   /* without ".pem" */
        char *buf = NULL;
        size_t len = 0;
        int r;

        if (nlen == 0 || nlen > KID_MAX) {
                set_err(err, errlen, "%s/%s: key id must be 1 to %d characters", dir, name, KID_MAX);
                return -EINVAL;
        }
        memcpy(kid, name, nlen);
        kid[nlen] = '\0';
        if (!is_valid_token_name(kid, KID_MAX)) {
                set_err(err, errlen, "%s/%s: key id \"%s\" is not [A-Za-z0-9._-]", dir, name, kid);
                return -EINVAL;
        }
        buf = malloc(KEY_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        r = read_key_file(dfd, dir, name, buf, &len, err, errlen);
        if (r < 0)
                goto out;
        r = team_keyring_add_pem(kr, kid, buf, len);
        if (r == -EINVAL)
                set_err(err, errlen, "%s/%s: not an Ed25519 public key in PEM", dir, name);
        else if (r == -EEXIST)
                set_err(err, errlen, "%s/%s: key id \"%s\" is already loaded", dir, name, kid);
        else if (r == -E2BIG)
                set_err(err, errlen, "%s/%s: more than %d trusted keys", dir, name, TEAM_KEYRING_MAX_KEYS);
        else if (r < 0)
                set_err(err, errlen, "%s/%s: %s", dir, name, strerror(-r));
out:
        free(buf);
        return r;
}

static bool is_pem_name(const char *name)
{
        size_t n = strlen(name);

        /* Hidden files (editor backups, ".", "..") are not keys. */
        return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".pem") == 0;
}

int team_keyring_load_dir(struct team_keyring *kr, const char *dir, char *err, size_t errlen)
{
        struct stat st;
        const char *why;
        DIR *d = NULL;
        size_t before;
        int dfd, r = 0;

        set_err(err, errlen, "%s", "");
        if (!kr || !dir)
                return -EINVAL;
        before = kr->n;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
                r = -errno;
                set_err(err, errlen, "%s: %s", dir, strerror(-r));
                return r;
        }
        if (fstat(dfd, &st) < 0) {
                r = -errno;
                set_err(err, errlen, "%s: %s", dir, strerror(-r));
                close(dfd);
                return r;
        }
        why = check_owner_mode(&st);
        if (why) {
                set_err(err, errlen, "%s: %s; refusing to trust keys in it", dir, why);
                close(dfd);
                return -EPERM;
        }
        d = fdopendir(dfd);
        if (!d) {
                r = -errno;
                set_err(err, errlen, "%s: %s", dir, strerror(-r));
                close(dfd);
                return r;
        }
        for (;;) {
                struct dirent *de;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0) {
                                r = -errno;
                                set_err(err, errlen, "%s: %s", dir, strerror(-r));
                        }
                        break;
                }
                if (!is_pem_name(de->d_name))
                        continue;
                r = load_one(kr, dirfd(d), dir, de->d_name, err, errlen);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                keyring_truncate(kr, before);   /* all of the directory or none */
        return r;
}
