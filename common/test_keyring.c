/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of base64url (common/b64url.c), the keyring
 * (common/keyring.c) and key files and signing arguments
 * (common/jws_sign.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "jws_fixture.h"

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
        char dir[] = "/tmp/test_jws.XXXXXX", priv[256], pub[256], link[256], enc[256], err[256];
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
        snprintf(enc, sizeof(enc), "%s/enc.key", dir);
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
        {
                /* encrypted: refused, never a passphrase prompt */
                BIO *b = BIO_new_file(enc, "w");
                assert_non_null(b);
                assert_int_equal(PEM_write_bio_PrivateKey(b, k1, EVP_aes_256_cbc(),
                                                          (unsigned char *)"x", 1, NULL, NULL), 1);
                BIO_free(b);
                assert_int_equal(chmod(enc, 0600), 0);
                assert_int_equal(team_key_load_private_pem(enc, &loaded), -EINVAL);
                assert_null(loaded);
                unlink(enc);
        }

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
                cmocka_unit_test(test_b64url),
                cmocka_unit_test(test_keyring_add),
                cmocka_unit_test(test_keyring_load_dir),
                cmocka_unit_test(test_private_key_files),
                cmocka_unit_test(test_sign_raw_args),
        };

        return cmocka_run_group_tests(tests, jws_fixture_setup, jws_fixture_teardown);
}
