/* SPDX-License-Identifier: BSD-3-Clause */
/* Break-glass verification cost: one typed code checked against a set of
 * 10 (parse the set file, scrypt N=2^15 r=8 p=1, 10 slot hashes compared
 * in constant time), against the same work without the KDF, so the chosen
 * KDF cost is a visible figure (target: at most 250 ms per attempt). The
 * normal check (bench_pam) is in the same table. Needs only common/. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_ab.h"
#include "breakglass_file.h"

#define CODES 10

struct bg_bench {
        char *text;                     /* the set file */
        size_t len;
        char sym[TEAM_BG_CODE_SYMBOLS + 1];   /* a code that is not in the set */
};

static int setup(struct bg_bench *b)
{
        struct team_bg_set *set = calloc(1, sizeof(*set));
        uint8_t key[TEAM_BG_KEY_LEN];
        int r = -ENOMEM;

        if (!set)
                return r;
        snprintf(set->role, sizeof(set->role), "console");
        set->ttl_s = 900;
        set->kdf = (struct team_bg_kdf){ .n = TEAM_BG_SCRYPT_N, .r = TEAM_BG_SCRYPT_R, .p = TEAM_BG_SCRYPT_P };
        set->n_slots = CODES;
        r = team_bg_random(set->kdf.salt, TEAM_BG_SALT_LEN);
        for (unsigned i = 0; r == 0 && i < CODES; i++) {
                r = team_bg_code_generate(b->sym, sizeof(b->sym));
                r = r ?: team_bg_random(set->slots[i].salt, TEAM_BG_SALT_LEN);
                r = r ?: team_bg_derive(b->sym, &set->kdf, key);
                r = r ?: team_bg_slot_hash(key, set->slots[i].salt, set->slots[i].hash);
        }
        /* The typed code: a fresh one, so every slot is compared. */
        r = r ?: team_bg_code_generate(b->sym, sizeof(b->sym));
        r = r ?: team_bg_set_format(set, &b->text, &b->len);
        free(set);
        return r;
}

static int once(void *ctx, int side)
{
        struct bg_bench *b = ctx;
        struct team_bg_set *set = malloc(sizeof(*set));
        uint8_t key[TEAM_BG_KEY_LEN] = { 0 };
        int r = -ENOMEM;

        if (!set)
                return r;
        r = team_bg_set_parse(b->text, b->len, set);
        if (r == 0 && side == 1)
                r = team_bg_derive(b->sym, &set->kdf, key);
        if (r == 0 && team_bg_set_match(set, key) != 0)
                r = -EINVAL;
        free(set);
        return r;
}

int main(int argc, char **argv)
{
        struct bench_ab_opts o = { .n = 30, .warmup = 2, .header = 1 };
        struct bg_bench b = { 0 };
        const struct bench_ab ab = {
                .prog = "bench_breakglass",
                .what = { "set parse + slot compare", "break-glass verification" },
                .once = once, .ctx = &b,
        };
        struct bench_samples s[2];
        int rc = 1;

        bench_ab_parse(argc, argv, "bench_breakglass", &o);
        memset(s, 0, sizeof(s));
        if (setup(&b) < 0) {
                fprintf(stderr, "bench_breakglass: cannot make a set\n");
                goto out;
        }
        if (bench_ab_run(&ab, &o, s) < 0)
                goto out;
        if (o.header)
                bench_print_latency_header();
        bench_print_latency_row("break-glass verify: scrypt N=2^15 r=8 p=1 + 10 slots (target <= 250 ms)", &s[1],
                                "the same without the KDF (parse + 10 slot hashes)", &s[0]);
        rc = 0;
out:
        bench_samples_free(&s[0]);
        bench_samples_free(&s[1]);
        free(b.text);
        return rc;
}
