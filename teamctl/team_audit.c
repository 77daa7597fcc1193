/* SPDX-License-Identifier: BSD-3-Clause */
/* team-audit: checks exported audit events of pam_team hosts (team-audit(1),
 * docs/audit.md "Verifying").
 *
 *     team-audit verify [--key PEM] [--any-order] FILE...
 *
 * Each FILE ("-": standard input) holds one event per line in any of the
 * forms audit_export.h reads. Exit status: 0 every chain verified, 1 a
 * problem was found (gap, edit, fork, reordering, bad signature,
 * unreadable line), 2 usage or I/O error. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "audit_export.h"
#include "audit_verify.h"

#define ED25519_KEY_LEN 32

static void usage(FILE *f)
{
        fputs("usage: team-audit verify [--key HOST_KEY.pem] [--any-order] FILE...\n"
              "  FILE: JSON lines of pam_team events (CloudTrail Lake query rows, CloudWatch Logs events,\n"
              "        or the events themselves); - reads standard input\n",
              f);
}

/* The raw Ed25519 public key in a PEM file (teamctl status shows the same
 * key as base64url; docs/audit.md turns one into the other). */
static int read_key(const char *path, uint8_t key[static ED25519_KEY_LEN])
{
        FILE *f = fopen(path, "re");
        EVP_PKEY *pk;
        size_t len = ED25519_KEY_LEN;
        int r = -EBADMSG;

        if (!f)
                return -errno;
        pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
        fclose(f);
        if (pk && EVP_PKEY_id(pk) == EVP_PKEY_ED25519 && EVP_PKEY_get_raw_public_key(pk, key, &len) == 1 &&
            len == ED25519_KEY_LEN)
                r = 0;
        EVP_PKEY_free(pk);
        return r;
}

/* Reads one line into buf (cap bytes); a longer line is skipped to its end
 * and reported as *overlong. 0 at the end of the file, else 1. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len, int *overlong)
{
        int c;

        *len = 0;
        *overlong = 0;
        while ((c = getc(f)) != EOF && c != '\n') {
                if (*len < cap)
                        buf[(*len)++] = (char)c;
                else
                        *overlong = 1;
        }
        return c == EOF && *len == 0 && !*overlong ? 0 : 1;
}

static int verify_file(struct team_audit_verifier *v, const char *path, char *buf, size_t *lineno)
{
        FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
        size_t len;
        int overlong, r = 0;

        if (!f) {
                fprintf(stderr, "team-audit: %s: %s\n", path, strerror(errno));
                return -errno;
        }
        while (r == 0 && read_line(f, buf, TEAM_AUDIT_EXPORT_MAX_LINE, &len, &overlong)) {
                struct team_audit_export_event e;
                const char *why;

                ++*lineno;
                while (len > 0 && (buf[len - 1] == '\r' || buf[len - 1] == ' '))
                        len--;
                if (len == 0 && !overlong)
                        continue;
                if (overlong) {
                        team_audit_verifier_unreadable(v, *lineno, "line too long", stdout);
                        continue;
                }
                if (team_audit_export_parse(buf, len, &e, &why) < 0) {
                        team_audit_verifier_unreadable(v, *lineno, why, stdout);
                        continue;
                }
                r = team_audit_verifier_add(v, &e.parsed.ev, e.hash, *lineno);
                team_audit_export_event_clear(&e);
        }
        if (ferror(f)) {
                fprintf(stderr, "team-audit: %s: read error\n", path);
                r = -EIO;
        }
        if (f != stdin)
                fclose(f);
        return r;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "key", required_argument, NULL, 'k' },
                { "any-order", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        struct team_audit_verify_options vo = { 0 };
        struct team_audit_verifier *v = NULL;
        uint8_t key[ED25519_KEY_LEN];
        size_t lineno = 0, problems;
        char *buf = NULL;
        int c, r, status = 2;

        while ((c = getopt_long(argc, argv, "k:ah", opts, NULL)) != -1) {
                switch (c) {
                case 'k':
                        r = read_key(optarg, key);
                        if (r < 0) {
                                fprintf(stderr, "team-audit: %s: not an Ed25519 public key in PEM (%s)\n", optarg,
                                        strerror(-r));
                                return 2;
                        }
                        vo.host_key = key;
                        break;
                case 'a':
                        vo.any_order = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind + 1 >= argc || strcmp(argv[optind], "verify") != 0) {
                usage(stderr);
                return 2;
        }
        buf = malloc(TEAM_AUDIT_EXPORT_MAX_LINE);
        if (!buf || team_audit_verifier_new(&vo, &v) < 0) {
                fputs("team-audit: out of memory\n", stderr);
                goto out;
        }
        for (int i = optind + 1; i < argc; i++)
                if (verify_file(v, argv[i], buf, &lineno) < 0)
                        goto out;
        problems = team_audit_verifier_report(v, stdout);
        status = problems ? 1 : 0;
out:
        team_audit_verifier_free(v);
        free(buf);
        return status;
}
