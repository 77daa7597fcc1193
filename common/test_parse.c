/* SPDX-License-Identifier: BSD-3-Clause */
/* parse_uint, parse_duration, parse_bool, is_valid_token_name. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse.h"

static void test_uint_good(void **state)
{
        uint64_t v = 7;

        assert_int_equal(parse_uint("0", 0, 10, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_uint("10", 0, 10, &v), 0);
        assert_int_equal(v, 10);
        assert_int_equal(parse_uint("007", 0, 10, &v), 0);
        assert_int_equal(v, 7);
        assert_int_equal(parse_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
        assert_true(v == UINT64_MAX);
}

static void test_uint_bad(void **state)
{
        static const char *const bad[] = { "", "-1", "-0", "+1", " 1", "1 ", "1x", "x", "0x10", "1.5", "1e3", "\t1" };
        uint64_t v = 42;
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(parse_uint(bad[i], 0, UINT64_MAX, &v), -EINVAL);
                assert_int_equal(v, 42);
        }
        assert_int_equal(parse_uint(NULL, 0, 1, &v), -EINVAL);
        assert_int_equal(parse_uint("1", 0, 1, NULL), -EINVAL);
}

static void test_uint_range(void **state)
{
        uint64_t v = 42;

        assert_int_equal(parse_uint("11", 0, 10, &v), -ERANGE);
        assert_int_equal(parse_uint("4", 5, 10, &v), -ERANGE);
        /* UINT64_MAX + 1 and far beyond */
        assert_int_equal(parse_uint("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
        assert_int_equal(parse_uint("99999999999999999999999999999999999999999", 0, UINT64_MAX, &v), -ERANGE);
        assert_int_equal(v, 42);
}

static void test_duration(void **state)
{
        uint64_t v = 0;

        assert_int_equal(parse_duration("0", 0, 100, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_duration("90", 0, 1000, &v), 0);
        assert_int_equal(v, 90);
        assert_int_equal(parse_duration("90s", 0, 1000, &v), 0);
        assert_int_equal(v, 90);
        assert_int_equal(parse_duration("15m", 0, 10000, &v), 0);
        assert_int_equal(v, 900);
        assert_int_equal(parse_duration("2h", 0, 10000, &v), 0);
        assert_int_equal(v, 7200);
        assert_int_equal(parse_duration("2d", 0, UINT64_MAX, &v), 0);
        assert_int_equal(v, 172800);
        assert_int_equal(parse_duration("3600", 0, 3600, &v), 0);
        assert_int_equal(parse_duration("60m", 0, 3600, &v), 0);
        assert_int_equal(v, 3600);
        assert_int_equal(parse_duration("3601", 0, 3600, &v), -ERANGE);
        assert_int_equal(parse_duration("61m", 0, 3600, &v), -ERANGE);
        /* overflow in the multiplication */
        assert_int_equal(parse_duration("213503982334601d", 0, UINT64_MAX, &v), 0);
        assert_int_equal(parse_duration("213503982334602d", 0, UINT64_MAX, &v), -ERANGE);
        assert_int_equal(parse_duration("18446744073709551615s", 0, UINT64_MAX, &v), 0);
        assert_int_equal(parse_duration("18446744073709551616s", 0, UINT64_MAX, &v), -ERANGE);
        assert_int_equal(parse_duration("18446744073709551615m", 0, UINT64_MAX, &v), -ERANGE);
}

/* The units parse_duration reads, back as text; sep only between hours
 * and minutes. */
static void test_format_duration(void **state)
{
        static const struct {
                int64_t s;
                const char *sep, *text;
        } cases[] = {
                { 172800, " ", "2d" }, { 7200, " ", "2h" }, { 9000, " ", "2h 30m" }, { 9000, "", "2h30m" },
                { 90060, "", "25h1m" }, { 3601, " ", "1h 0m" }, { 2700, " ", "45m" }, { 90, " ", "90s" },
                { 59, "", "59s" }, { 0, " ", "0s" }, { -3600, " ", "-3600s" },
        };
        char buf[32];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                format_duration(cases[i].s, cases[i].sep, buf, sizeof(buf));
                assert_string_equal(buf, cases[i].text);
        }
        format_duration(9000, " ", buf, 4);     /* truncated, still terminated */
        assert_string_equal(buf, "2h ");
}

static void test_duration_bad(void **state)
{
        static const char *const bad[] = { "", "s", "m", "-1", "-1s", " 1s", "1 s", "1x", "1ms", "1S", "1H", "+5m", "1.5h", "h1" };
        uint64_t v = 42;
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(parse_duration(bad[i], 0, UINT64_MAX, &v), -EINVAL);
                assert_int_equal(v, 42);
        }
}

static void test_bool(void **state)
{
        static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True" };
        static const char *const no[] = { "no", "false", "off", "0", "NO", "Off" };
        static const char *const bad[] = { "", "y", "n", "2", "yes ", "enable", "-1" };
        bool b;
        size_t i;

        for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                b = false;
                assert_int_equal(parse_bool(yes[i], &b), 0);
                assert_true(b);
        }
        for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
                b = true;
                assert_int_equal(parse_bool(no[i], &b), 0);
                assert_false(b);
        }
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(parse_bool(bad[i], &b), -EINVAL);
}

static void test_token_name(void **state)
{
        assert_true(is_valid_token_name("sudo", 64));
        assert_true(is_valid_token_name("web-1.example_2", 64));
        assert_true(is_valid_token_name("a", 1));
        assert_true(is_valid_token_name("abc", 3));
        assert_false(is_valid_token_name("abcd", 3));
        assert_false(is_valid_token_name("", 64));
        assert_false(is_valid_token_name(NULL, 64));
        assert_false(is_valid_token_name(".hidden", 64));
        assert_false(is_valid_token_name("..", 64));
        assert_false(is_valid_token_name("a/b", 64));
        assert_false(is_valid_token_name("a b", 64));
        assert_false(is_valid_token_name("a\nb", 64));
        assert_false(is_valid_token_name("r\xc3\xb4le", 64));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_uint_good),
                cmocka_unit_test(test_uint_bad),
                cmocka_unit_test(test_uint_range),
                cmocka_unit_test(test_duration),
                cmocka_unit_test(test_duration_bad),
                cmocka_unit_test(test_format_duration),
                cmocka_unit_test(test_bool),
                cmocka_unit_test(test_token_name),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
