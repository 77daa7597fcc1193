/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the module's pure parts: what reaches the terminal
 * (conv_sanitize) and the module-argument table (pam_team_args_parse).
 * No root needed. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"
#include "conv.h"

static void sanitized(const char *in, const char *want)
{
        char out[PAM_TEAM_MAX_SHOWN + 1];

        conv_sanitize(in, out, sizeof(out));
        assert_string_equal(out, want);
}

static void test_sanitize_plain(void **state)
{
        sanitized("no grant for sudo on web-1", "no grant for sudo on web-1");
        sanitized("", "");
        sanitized("gr\xc3\xbc\xc3\x9f dich \xe2\x9c\x93", "gr\xc3\xbc\xc3\x9f dich \xe2\x9c\x93");
}

static void test_sanitize_controls(void **state)
{
        sanitized("a\tb\nc\rd", "a b c d");
        sanitized("bell\a back\b del\x7f nul-free", "bell back del nul-free");
        sanitized("\x1b[31mred\x1b[0m text", "red text");
        sanitized("\x1b[2J\x1b[1;1Hclear", "clear");
        sanitized("title\x1b]0;owned\x07 after", "title after");
        sanitized("osc\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ end", "osclink end");
        sanitized("c1 \xc2\x9b" "31m csi", "c1  csi");
        sanitized("lone esc\x1b", "lone esc");
        sanitized("esc-c\x1b" "c reset", "esc-c reset");
        sanitized("unterminated \x1b[31", "unterminated ");
}

static void test_sanitize_broken_utf8(void **state)
{
        sanitized("raw \x9b" "csi", "raw csi");
        sanitized("half \xc3", "half ");
        sanitized("overlong \xc0\xaf", "overlong ");
        sanitized("bad \xe2\x28\xa1 seq", "bad ( seq");
}

static void test_sanitize_cap(void **state)
{
        char in[4096], out[PAM_TEAM_MAX_SHOWN + 1], small[8];

        memset(in, 'x', sizeof(in) - 1);
        in[sizeof(in) - 1] = '\0';
        conv_sanitize(in, out, sizeof(out));
        assert_int_equal(strlen(out), PAM_TEAM_MAX_SHOWN);
        assert_string_equal(out + PAM_TEAM_MAX_SHOWN - 3, "...");

        /* never cut inside a UTF-8 character */
        for (size_t i = 0; i + 2 < sizeof(in); i += 2)
                memcpy(in + i, "\xc3\xa9", 2);
        in[sizeof(in) - 2] = '\0';
        conv_sanitize(in, out, sizeof(out));
        assert_true(strlen(out) <= PAM_TEAM_MAX_SHOWN);
        assert_string_equal(out + strlen(out) - 3, "...");
        for (size_t i = 0; i + 3 < strlen(out); i += 2)
                assert_memory_equal(out + i, "\xc3\xa9", 2);

        conv_sanitize("0123456789", small, sizeof(small));
        assert_string_equal(small, "0123...");
        conv_sanitize("0123456", small, sizeof(small));
        assert_string_equal(small, "0123456");
}

/* A cut just before a character that does not fit looks only at bytes it
 * wrote: the buffer is filled with UTF-8 continuation bytes first, so a
 * look at an unwritten byte would move the cut back (and valgrind, which
 * runs this test, reports the uninitialised read). */
static void test_sanitize_cut_before_wide_char(void **state)
{
        static const char *const wide[] = { "\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x98\x80" };
        char in[64], small[8], tiny[3];

        for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
                /* "abcd" fills small up to the room "..." needs; the character after
                 * it cannot fit */
                snprintf(in, sizeof(in), "abcd%sef", wide[i]);
                memset(small, 0x80, sizeof(small));
                conv_sanitize(in, small, sizeof(small));
                assert_string_equal(small, "abcd...");
        }
        memset(small, 0x80, sizeof(small));
        conv_sanitize("ab\xf0\x9f\x98\x80xyz", small, sizeof(small));
        assert_string_equal(small, "ab...");
        /* no room for "...": the characters that fit, never past the end */
        memset(tiny, 0x80, sizeof(tiny));
        conv_sanitize("abcdef", tiny, sizeof(tiny));
        assert_string_equal(tiny, "ab");
}

/* Splits line on spaces into argv (pointing into static storage, as the
 * parsed args point into argv) and parses it. */
static int parse(const char *line, struct pam_team_args *a)
{
        static char keep[512];
        const char *argv[16];
        size_t len = strlen(line);
        int argc = 0;

        assert_true(len < sizeof(keep));
        memcpy(keep, line, len + 1);
        for (char *p = keep; *p && argc < 16;) {
                while (*p == ' ')
                        *p++ = '\0';
                if (!*p)
                        break;
                argv[argc++] = p;
                while (*p && *p != ' ')
                        p++;
        }
        return pam_team_args_parse(NULL, argc, argv, a);
}

static void test_args_defaults(void **state)
{
        struct pam_team_args a;

        assert_int_equal(parse("role=sudo", &a), 0);
        assert_string_equal(a.role, "sudo");
        assert_string_equal(a.socket, PAM_TEAM_DEFAULT_SOCKET);
        assert_false(a.failmode_safe);
        assert_int_equal(a.timeout_ms, PAM_TEAM_DEFAULT_TIMEOUT_MS);
        assert_false(a.debug);
        assert_false(a.prompt);
        assert_int_equal(a.wait_s, PAM_TEAM_DEFAULT_WAIT_S);
        assert_int_equal(a.duration_s, PAM_TEAM_DEFAULT_DURATION_S);
        assert_string_equal(a.breakglass_helper, PAM_TEAM_BG_HELPER);
}

static void test_args_all(void **state)
{
        struct pam_team_args a;

        assert_int_equal(parse("role=ssh socket=/run/x/t.sock failmode=safe timeout_ms=50 debug "
                               "prompt wait=120 breakglass", &a), 0);
        assert_string_equal(a.role, "ssh");
        assert_string_equal(a.socket, "/run/x/t.sock");
        assert_true(a.failmode_safe);
        assert_int_equal(a.timeout_ms, 50);
        assert_true(a.debug && a.prompt && a.breakglass);
        assert_int_equal(a.wait_s, 120);
        assert_int_equal(parse("role=console breakglass breakglass_helper=/opt/t/pam_team_breakglass.so", &a), 0);
        assert_string_equal(a.breakglass_helper, "/opt/t/pam_team_breakglass.so");
        assert_int_equal(parse("role=sudo prompt wait=0 duration=15m", &a), 0);
        assert_int_equal(a.wait_s, 0);
        assert_int_equal(a.duration_s, 900);
        assert_int_equal(parse("role=sudo prompt duration=366d", &a), 0);
        assert_int_equal(a.duration_s, PAM_TEAM_MAX_DURATION_S);
        assert_int_equal(parse("timeout_ms=60000 role=a.b-c_d failmode=secure", &a), 0);
        assert_int_equal(a.timeout_ms, 60000);
        assert_false(a.failmode_safe);
}

static void test_args_bad(void **state)
{
        static const char *const bad[] = {
                "", "debug", "role", "role=", "role=.hidden", "role=a/b", "role=sudo role=ssh",
                "role=sudo x", "role=sudo roles=x", "role=sudo timeout_ms=49",
                "role=sudo timeout_ms=60001", "role=sudo timeout_ms=1e3", "role=sudo timeout_ms= 100",
                "role=sudo timeout_ms=+100", "role=sudo failmode=", "role=sudo failmode=SAFE",
                "role=sudo debug=yes", "role=sudo socket=run/teamd.sock", "role=sudo wait=3601",
                "role=sudo wait=-1", "role=sudo duration=59", "role=sudo duration=367d", "role=sudo duration=1h30m",
                "role=sudo duration=", "role=sudo prompt=yes", "role=sudo duration=1h duration=2h",
                "role=sudo breakglass_helper=lib/x.so", "role=sudo breakglass_helper=/a/../x.so",
                "role=sudo breakglass_helper=", "role=sudo breakglass_helper=/a.so breakglass_helper=/b.so",
                "role=sudo socket=/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        };
        struct pam_team_args a;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (parse(bad[i], &a) != -EINVAL)
                        fail_msg("\"%s\" accepted", bad[i]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sanitize_plain),
                cmocka_unit_test(test_sanitize_controls),
                cmocka_unit_test(test_sanitize_broken_utf8),
                cmocka_unit_test(test_sanitize_cap),
                cmocka_unit_test(test_sanitize_cut_before_wide_char),
                cmocka_unit_test(test_args_defaults),
                cmocka_unit_test(test_args_all),
                cmocka_unit_test(test_args_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
