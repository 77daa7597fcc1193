/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass set file: strict parser and writer (see breakglass_file.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "breakglass_file.h"
#include "parse.h"

#define MAX_FIELDS 8
#define MAX_LINE 256

struct line {
        char text[MAX_LINE + 1];
        char *field[MAX_FIELDS];
        unsigned n;
};

/* Cuts the next '\n'-terminated line off *pos and splits it at single
 * spaces. -EBADMSG for a missing '\n', a NUL, an empty field, a line too
 * long or too many fields. */
static int next_line(const char **pos, const char *end, struct line *l)
{
        const char *nl = memchr(*pos, '\n', (size_t)(end - *pos));
        size_t len;
        char *p;

        if (!nl)
                return -EBADMSG;
        len = (size_t)(nl - *pos);
        if (len == 0 || len > MAX_LINE || memchr(*pos, '\0', len))
                return -EBADMSG;
        memcpy(l->text, *pos, len);
        l->text[len] = '\0';
        *pos = nl + 1;
        l->n = 0;
        p = l->text;
        for (;;) {
                char *sp = strchr(p, ' ');

                if (l->n == MAX_FIELDS || *p == '\0' || *p == ' ')
                        return -EBADMSG;
                l->field[l->n++] = p;
                if (!sp)
                        return 0;
                *sp = '\0';
                p = sp + 1;
        }
}

static int expect(const char **pos, const char *end, struct line *l, const char *key, unsigned nfields)
{
        int r = next_line(pos, end, l);

        if (r < 0)
                return r;
        if (l->n != nfields || strcmp(l->field[0], key) != 0)
                return -EBADMSG;
        return 0;
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* Lower-case hex of exactly len bytes. */
static int parse_hex(const char *s, uint8_t *out, size_t len)
{
        if (strlen(s) != len * 2)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                out[i] = (uint8_t)(hi << 4 | lo);
        }
        return 0;
}

/* Numbers as the writer writes them: no leading zeros, so that a set
 * has one text only. */
static bool canonical_number(const char *s)
{
        return s[0] != '0' || s[1] == '\0';
}

static int parse_time(const char *s, int64_t *out)
{
        uint64_t v;

        if (!canonical_number(s) || parse_uint(s, 0, (uint64_t)TEAM_BG_MAX_TIME, &v) < 0)
                return -EBADMSG;
        *out = (int64_t)v;
        return 0;
}

static int parse_u(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
        return !canonical_number(s) || parse_uint(s, min, max, out) < 0 ? -EBADMSG : 0;
}

static int parse_header(const char **pos, const char *end, struct team_bg_set *s)
{
        struct line l;
        uint64_t v;

        if (expect(pos, end, &l, "team-breakglass", 2) < 0 || strcmp(l.field[1], "1") != 0)
                return -EBADMSG;
        if (expect(pos, end, &l, "role", 2) < 0 || strlen(l.field[1]) > TEAM_BG_MAX_ROLE ||
            !is_valid_token_name(l.field[1], TEAM_BG_MAX_ROLE))
                return -EBADMSG;
        memcpy(s->role, l.field[1], strlen(l.field[1]) + 1);
        if (expect(pos, end, &l, "ttl", 2) < 0 ||
            parse_u(l.field[1], TEAM_BG_MIN_TTL_S, TEAM_BG_MAX_TTL_S, &s->ttl_s) < 0)
                return -EBADMSG;
        if (expect(pos, end, &l, "created", 2) < 0 || parse_time(l.field[1], &s->created) < 0)
                return -EBADMSG;
        if (expect(pos, end, &l, "kdf", 6) < 0 || strcmp(l.field[1], "scrypt") != 0 ||
            parse_u(l.field[2], TEAM_BG_SCRYPT_N_MIN, TEAM_BG_SCRYPT_N_MAX, &s->kdf.n) < 0 ||
            (s->kdf.n & (s->kdf.n - 1)) != 0 ||
            parse_u(l.field[3], 1, TEAM_BG_SCRYPT_R_MAX, &v) < 0)
                return -EBADMSG;
        s->kdf.r = (uint32_t)v;
        if (parse_u(l.field[4], 1, TEAM_BG_SCRYPT_P_MAX, &v) < 0)
                return -EBADMSG;
        s->kdf.p = (uint32_t)v;
        if (parse_hex(l.field[5], s->kdf.salt, TEAM_BG_SALT_LEN) < 0)
                return -EBADMSG;
        if (expect(pos, end, &l, "failures", 3) < 0 ||
            parse_u(l.field[1], 0, TEAM_BG_MAX_FAILURES, &v) < 0 || parse_time(l.field[2], &s->fail_since) < 0)
                return -EBADMSG;
        s->failures = (unsigned)v;
        if (expect(pos, end, &l, "locked_until", 2) < 0 || parse_time(l.field[1], &s->locked_until) < 0)
                return -EBADMSG;
        return 0;
}

static int parse_slot(const struct line *l, unsigned want, struct team_bg_slot *slot)
{
        uint64_t n;

        if (l->n != 5 || strcmp(l->field[0], "code") != 0 ||
            parse_u(l->field[1], 1, TEAM_BG_MAX_CODES, &n) < 0 || n != want)
                return -EBADMSG;
        if (strcmp(l->field[2], "used") == 0)
                slot->used = true;
        else if (strcmp(l->field[2], "unused") == 0)
                slot->used = false;
        else
                return -EBADMSG;
        if (parse_hex(l->field[3], slot->salt, TEAM_BG_SALT_LEN) < 0 ||
            parse_hex(l->field[4], slot->hash, TEAM_BG_HASH_LEN) < 0)
                return -EBADMSG;
        return 0;
}

int team_bg_set_parse(const char *buf, size_t len, struct team_bg_set *out)
{
        const char *pos = buf, *end;
        struct line l;
        int r = -EBADMSG;

        memset(out, 0, sizeof(*out));
        memset(&l, 0, sizeof(l));
        if (!buf || len > TEAM_BG_MAX_FILE)
                return r;
        end = buf + len;
        if (parse_header(&pos, end, out) < 0)
                goto out;
        while (pos < end) {
                if (out->n_slots == TEAM_BG_MAX_CODES || next_line(&pos, end, &l) < 0 ||
                    parse_slot(&l, out->n_slots + 1, &out->slots[out->n_slots]) < 0)
                        goto out;
                out->n_slots++;
        }
        if (out->n_slots == 0)
                goto out;
        r = 0;
out:
        OPENSSL_cleanse(&l, sizeof(l));
        if (r < 0)
                memset(out, 0, sizeof(*out));
        return r;
}

static void put_hex(char *dst, const uint8_t *src, size_t len)
{
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < len; i++) {
                dst[2 * i] = digits[src[i] >> 4];
                dst[2 * i + 1] = digits[src[i] & 15];
        }
        dst[2 * len] = '\0';
}

/* What the parser checks of the header's numbers, before writing them. */
static bool set_writable(const struct team_bg_set *s)
{
        return s->n_slots >= 1 && s->n_slots <= TEAM_BG_MAX_CODES &&
               is_valid_token_name(s->role, TEAM_BG_MAX_ROLE) &&
               s->ttl_s >= TEAM_BG_MIN_TTL_S && s->ttl_s <= TEAM_BG_MAX_TTL_S &&
               s->kdf.n >= TEAM_BG_SCRYPT_N_MIN && s->kdf.n <= TEAM_BG_SCRYPT_N_MAX &&
               (s->kdf.n & (s->kdf.n - 1)) == 0 &&
               s->kdf.r >= 1 && s->kdf.r <= TEAM_BG_SCRYPT_R_MAX &&
               s->kdf.p >= 1 && s->kdf.p <= TEAM_BG_SCRYPT_P_MAX &&
               s->failures <= TEAM_BG_MAX_FAILURES &&
               s->created >= 0 && s->created <= TEAM_BG_MAX_TIME &&
               s->fail_since >= 0 && s->fail_since <= TEAM_BG_MAX_TIME &&
               s->locked_until >= 0 && s->locked_until <= TEAM_BG_MAX_TIME;
}

int team_bg_set_format(const struct team_bg_set *s, char **out, size_t *len)
{
        char salt[2 * TEAM_BG_SALT_LEN + 1], hash[2 * TEAM_BG_HASH_LEN + 1];
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r = -ENOMEM;

        *out = NULL;
        if (!set_writable(s))
                return -EINVAL;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        put_hex(salt, s->kdf.salt, TEAM_BG_SALT_LEN);
        fprintf(f, "team-breakglass 1\nrole %s\nttl %" PRIu64 "\ncreated %" PRId64 "\n"
                   "kdf scrypt %" PRIu64 " %" PRIu32 " %" PRIu32 " %s\n"
                   "failures %u %" PRId64 "\nlocked_until %" PRId64 "\n",
                s->role, s->ttl_s, s->created, s->kdf.n, s->kdf.r, s->kdf.p, salt,
                s->failures, s->fail_since, s->locked_until);
        for (unsigned i = 0; i < s->n_slots; i++) {
                put_hex(salt, s->slots[i].salt, TEAM_BG_SALT_LEN);
                put_hex(hash, s->slots[i].hash, TEAM_BG_HASH_LEN);
                fprintf(f, "code %u %s %s %s\n", i + 1, s->slots[i].used ? "used" : "unused", salt, hash);
        }
        if (fclose(f) == 0 && buf) {
                *out = buf;
                *len = size;
                return 0;
        }
        free(buf);
        return r;
}

unsigned team_bg_set_unused(const struct team_bg_set *s)
{
        unsigned n = 0;

        for (unsigned i = 0; i < s->n_slots; i++)
                n += !s->slots[i].used;
        return n;
}

void team_bg_set_count_failure(struct team_bg_set *s, int64_t now)
{
        if (s->failures == 0 || now < s->fail_since || now - s->fail_since >= TEAM_BG_FAIL_WINDOW_S) {
                s->failures = 0;
                s->fail_since = now;
        }
        s->failures++;
        if (s->failures >= TEAM_BG_MAX_FAILURES) {
                s->locked_until = now + TEAM_BG_LOCKOUT_S;
                s->failures = 0;
                s->fail_since = 0;
        }
}

bool team_bg_set_locked(const struct team_bg_set *s, int64_t now)
{
        return now < s->locked_until;
}

unsigned team_bg_set_match(const struct team_bg_set *s, const uint8_t key[TEAM_BG_KEY_LEN])
{
        uint8_t hash[TEAM_BG_HASH_LEN];
        unsigned found = 0;

        for (unsigned i = 0; i < s->n_slots; i++) {
                bool same;

                if (team_bg_slot_hash(key, s->slots[i].salt, hash) < 0)
                        continue;
                same = CRYPTO_memcmp(hash, s->slots[i].hash, TEAM_BG_HASH_LEN) == 0;
                if (same && !found)
                        found = i + 1;
        }
        OPENSSL_cleanse(hash, sizeof(hash));
        return found;
}
