/* SPDX-License-Identifier: BSD-3-Clause */
/* Units of the break-glass set: typed-code normalisation, generation (80
 * bits in the alphabet), derive + match against a set, the failure counter
 * and lockout, format/parse round trip, and the set file's disk rules. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "breakglass_store.h"

static void normalize_accepts_case_dashes_and_lookalikes(void **state)
{
        char sym[TEAM_BG_CODE_SYMBOLS + 1];

        assert_int_equal(team_bg_code_normalize("7KQ4-M2XD-9TPW-H3RC", sym, sizeof(sym)), 0);
        assert_string_equal(sym, "7KQ4M2XD9TPWH3RC");
        assert_int_equal(team_bg_code_normalize("7kq4 m2xd 9tpw h3rc", sym, sizeof(sym)), 0);
        assert_string_equal(sym, "7KQ4M2XD9TPWH3RC");
        assert_int_equal(team_bg_code_normalize("oIlQ-M2XD-9TPW-H3RC", sym, sizeof(sym)), 0);
        assert_string_equal(sym, "011QM2XD9TPWH3RC");
}

static void normalize_refuses_what_is_no_code(void **state)
{
        char sym[TEAM_BG_CODE_SYMBOLS + 1], big[10241];

        memset(big, 'A', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(team_bg_code_normalize("7KQ4-M2XD-9TPW-H3R", sym, sizeof(sym)), -EINVAL);
        assert_int_equal(team_bg_code_normalize("7KQ4-M2XD-9TPW-H3RCC", sym, sizeof(sym)), -EINVAL);
        assert_int_equal(team_bg_code_normalize("7KQ4-M2XD-9TPW-H3RU", sym, sizeof(sym)), -EINVAL);
        assert_int_equal(team_bg_code_normalize("7KQ4-M2XD-9TPW-H3R\tC", sym, sizeof(sym)), -EINVAL);
        assert_int_equal(team_bg_code_normalize("7KQ4-M2XD-9TPW-H3R\033", sym, sizeof(sym)), -EINVAL);
        assert_int_equal(team_bg_code_normalize(big, sym, sizeof(sym)), -EINVAL);
        assert_int_equal(team_bg_code_normalize("", sym, sizeof(sym)), -EINVAL);
}

static void generated_codes_differ_and_normalize(void **state)
{
        char a[TEAM_BG_CODE_SYMBOLS + 1], b[TEAM_BG_CODE_SYMBOLS + 1], shown[TEAM_BG_CODE_TEXT + 1],
                back[TEAM_BG_CODE_SYMBOLS + 1];

        assert_int_equal(team_bg_code_generate(a, sizeof(a)), 0);
        assert_int_equal(team_bg_code_generate(b, sizeof(b)), 0);
        assert_string_not_equal(a, b);
        team_bg_code_format(a, shown, sizeof(shown));
        assert_int_equal(strlen(shown), TEAM_BG_CODE_TEXT);
        assert_int_equal(team_bg_code_normalize(shown, back, sizeof(back)), 0);
        assert_string_equal(a, back);
}

/* A set of two codes with a cheap KDF (N = 2^10) to keep the test fast. */
static void make_set(struct team_bg_set *set, char codes[2][TEAM_BG_CODE_SYMBOLS + 1])
{
        uint8_t key[TEAM_BG_KEY_LEN];

        memset(set, 0, sizeof(*set));
        strcpy(set->role, "console");
        set->ttl_s = 900;
        set->created = 1796000000;
        set->kdf = (struct team_bg_kdf){ .n = TEAM_BG_SCRYPT_N_MIN, .r = 8, .p = 1 };
        set->n_slots = 2;
        assert_int_equal(team_bg_random(set->kdf.salt, TEAM_BG_SALT_LEN), 0);
        for (int i = 0; i < 2; i++) {
                assert_int_equal(team_bg_code_generate(codes[i], sizeof(codes[i])), 0);
                assert_int_equal(team_bg_random(set->slots[i].salt, TEAM_BG_SALT_LEN), 0);
                assert_int_equal(team_bg_derive(codes[i], &set->kdf, key), 0);
                assert_int_equal(team_bg_slot_hash(key, set->slots[i].salt, set->slots[i].hash), 0);
        }
}

static void match_finds_the_slot_and_only_it(void **state)
{
        static struct team_bg_set set, again;
        char codes[2][TEAM_BG_CODE_SYMBOLS + 1], other[TEAM_BG_CODE_SYMBOLS + 1], *text = NULL;
        uint8_t key[TEAM_BG_KEY_LEN];
        size_t len = 0;

        make_set(&set, codes);
        assert_int_equal(team_bg_derive(codes[1], &set.kdf, key), 0);
        assert_int_equal(team_bg_set_match(&set, key), 2);
        assert_int_equal(team_bg_code_generate(other, sizeof(other)), 0);
        assert_int_equal(team_bg_derive(other, &set.kdf, key), 0);
        assert_int_equal(team_bg_set_match(&set, key), 0);
        set.slots[1].used = true;
        assert_int_equal(team_bg_set_unused(&set), 1);
        assert_int_equal(team_bg_set_format(&set, &text, &len), 0);
        assert_null(strstr(text, codes[0]));
        assert_null(strstr(text, codes[1]));
        assert_int_equal(team_bg_set_parse(text, len, &again), 0);
        assert_int_equal(memcmp(&set, &again, sizeof(set)), 0);
        free(text);
}

static void five_failures_lock_for_fifteen_minutes(void **state)
{
        static struct team_bg_set set;
        char codes[2][TEAM_BG_CODE_SYMBOLS + 1];
        int64_t t = 1796000000;

        make_set(&set, codes);
        for (int i = 0; i < 4; i++)
                team_bg_set_count_failure(&set, t + i);
        assert_false(team_bg_set_locked(&set, t + 4));
        team_bg_set_count_failure(&set, t + 4);
        assert_true(team_bg_set_locked(&set, t + 5));
        assert_true(team_bg_set_locked(&set, t + 4 + TEAM_BG_LOCKOUT_S - 1));
        assert_false(team_bg_set_locked(&set, t + 4 + TEAM_BG_LOCKOUT_S));
        /* Failures spread over more than the window do not add up. */
        make_set(&set, codes);
        for (int i = 0; i < 10; i++)
                team_bg_set_count_failure(&set, t + i * (TEAM_BG_FAIL_WINDOW_S / 4 + 1));
        assert_false(team_bg_set_locked(&set, t + 10 * (TEAM_BG_FAIL_WINDOW_S / 4 + 1)));
}

static void disk_rules_refuse_loose_files(void **state)
{
        static struct team_bg_set set;
        static struct team_bg_locked l;
        char codes[2][TEAM_BG_CODE_SYMBOLS + 1], dir[] = "/tmp/test_breakglass.XXXXXX", path[64], link[64],
                err[512];

        if (geteuid() != 0)
                skip();
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/set", dir);
        snprintf(link, sizeof(link), "%s/link", dir);
        make_set(&set, codes);
        assert_int_equal(team_bg_write(path, &set, err, sizeof(err)), 0);
        assert_int_equal(team_bg_lock(path, &l, err, sizeof(err)), 0);
        assert_int_equal(l.set.n_slots, 2);
        team_bg_unlock(&l);
        assert_int_equal(chmod(path, 0640), 0);
        assert_int_equal(team_bg_lock(path, &l, err, sizeof(err)), -EPERM);
        assert_int_equal(chmod(path, 0600), 0);
        assert_int_equal(symlink(path, link), 0);
        assert_int_equal(team_bg_lock(link, &l, err, sizeof(err)), -ELOOP);
        assert_int_equal(truncate(path, 100), 0);
        assert_int_equal(team_bg_lock(path, &l, err, sizeof(err)), -EBADMSG);
        unlink(link);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(normalize_accepts_case_dashes_and_lookalikes),
                cmocka_unit_test(normalize_refuses_what_is_no_code),
                cmocka_unit_test(generated_codes_differ_and_normalize),
                cmocka_unit_test(match_finds_the_slot_and_only_it),
                cmocka_unit_test(five_failures_lock_for_fifteen_minutes),
                cmocka_unit_test(disk_rules_refuse_loose_files),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
