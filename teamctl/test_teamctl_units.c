/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of teamctl's central-side pieces that need no server: the
 * terminal sanitizer, the table printer, the strict request-object decoder
 * and the token loader's permission rules. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <json.h>

#include "request_obj.h"
#include "table.h"
#include "teamctl.h"
#include "text.h"
#include "token.h"

static void test_sanitize(void **state)
{
        char out[64];

        (void)state;
        text_sanitize("plain text", out, sizeof(out));
        assert_string_equal(out, "plain text");
        text_sanitize("a\033]0;owned\007b", out, sizeof(out));
        assert_string_equal(out, "a?]0;owned?b");
        text_sanitize("tab\there\r\n", out, sizeof(out));
        assert_string_equal(out, "tab?here??");
        text_sanitize("c1 \xc2\x9b" "31m", out, sizeof(out));   /* U+009B CSI */
        assert_string_equal(out, "c1 ?31m");
        text_sanitize("bad \xff\xfe utf8 \xc3", out, sizeof(out));
        assert_string_equal(out, "bad ?? utf8 ?");
        text_sanitize("überall ☃", out, sizeof(out));
        assert_string_equal(out, "überall ☃");
        text_sanitize("\xed\xa0\x80", out, sizeof(out));      /* a surrogate */
        assert_string_equal(out, "?");
        text_sanitize(NULL, out, sizeof(out));
        assert_string_equal(out, "");
}

static void test_sanitize_truncates_on_a_boundary(void **state)
{
        char out[10];

        (void)state;
        text_sanitize("0123456789abcdef", out, sizeof(out));
        assert_string_equal(out, "012345...");
        text_sanitize("ääääääää", out, sizeof(out));           /* 16 bytes */
        assert_string_equal(out, "äää...");
        assert_int_equal(text_width("äää..."), 6);
}

static void test_table(void **state)
{
        static const char *const h[] = { "ID", "NAME", "REASON", NULL };
        const char *r1[] = { "r_1", "alice", "disk full" };
        const char *r2[] = { "r_22", "\033[31mbob", NULL };
        struct table t;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        (void)state;
        assert_non_null(f);
        assert_int_equal(table_init(&t, h), 0);
        assert_int_equal(table_add_row(&t, r1), 0);
        assert_int_equal(table_add_row(&t, r2), 0);
        table_print(&t, f);
        fclose(f);
        assert_string_equal(buf, "ID    NAME      REASON\n"
                                 "r_1   alice     disk full\n"
                                 "r_22  ?[31mbob  \n");
        free(buf);
        table_free(&t);
}

static const char good[] =
        "{\"id\":\"r_0123456789abcdef\",\"status\":\"active\",\"role\":\"sudo\",\"host\":\"web1\","
        "\"user\":\"alice\",\"filed_by\":\"user:alice\",\"duration\":3600,\"reason\":\"disk\\u001b full\","
        "\"ticket\":null,\"start_at\":0,\"created_at\":1700000000,\"expires_at\":1700003600,"
        "\"approvals_required\":2,\"denials_required\":1,"
        "\"decisions\":[{\"by\":\"bob\",\"decision\":\"approve\",\"comment\":null,\"at\":1700000100},"
        "{\"by\":\"carol\",\"decision\":\"approve\",\"comment\":\"ok\",\"at\":1700000200}],"
        "\"approvers\":[\"dave\"],\"extends\":null,\"future_field\":[1,2],"
        "\"grant\":{\"id\":\"g_0123456789abcdef\",\"nbf\":1700000200,\"exp\":1700003800,\"jws\":\"a.b.c\"}}";

static void test_decode_good(void **state)
{
        struct json_object *o = json_tokener_parse(good);
        struct api_request r;
        char err[256];

        (void)state;
        assert_int_equal(api_request_decode(o, &r, err, sizeof(err)), 0);
        assert_string_equal(r.id, "r_0123456789abcdef");
        assert_string_equal(r.reason, "disk? full");   /* sanitized */
        assert_null(r.ticket);
        assert_null(r.extends);
        assert_int_equal(r.duration, 3600);
        assert_int_equal(r.approvals_required, 2);
        assert_int_equal(r.n_decisions, 2);
        assert_null(r.decisions[0].comment);
        assert_string_equal(r.decisions[1].comment, "ok");
        assert_int_equal(api_request_count(&r, "approve"), 2);
        assert_int_equal(r.n_approvers, 1);
        assert_true(r.has_grant);
        assert_string_equal(r.grant_id, "g_0123456789abcdef");
        assert_int_equal(r.grant_exp, 1700003800);
        api_request_clear(&r);
        json_object_put(o);
}

/* Each mutation of the good object must be refused, naming the field. */
static void test_decode_wrong_types(void **state)
{
        static const struct {
                const char *key, *value, *named;
        } bad[] = {
                { "id", "null", "id" },
                { "id", "7", "id" },
                { "status", "[\"active\"]", "status" },
                { "duration", "\"3600\"", "duration" },
                { "duration", "3600.5", "duration" },
                { "duration", "-1", "duration" },
                { "created_at", "true", "created_at" },
                { "ticket", "12", "ticket" },
                { "decisions", "{}", "decisions" },
                { "decisions", "[1]", "decisions" },
                { "decisions", "[{\"by\":\"bob\"}]", "decision" },
                { "approvers", "[1]", "approvers" },
                { "grant", "\"g_1\"", "grant" },
                { "grant", "{\"id\":\"g_1\",\"nbf\":1,\"exp\":\"2\"}", "exp" },
                { "grant", "{\"id\":\"g_1\",\"nbf\":1,\"exp\":2,\"jws\":3}", "jws" },
        };
        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct json_object *o = json_tokener_parse(good);
                struct api_request r;
                char err[256] = "";

                json_object_object_add(o, bad[i].key, json_tokener_parse(bad[i].value));
                assert_int_equal(api_request_decode(o, &r, err, sizeof(err)), -EINVAL);
                if (!strstr(err, bad[i].named))
                        fail_msg("%s=%s: message '%s' does not name %s", bad[i].key, bad[i].value, err,
                                 bad[i].named);
                assert_null(r.id);   /* cleared on error */
                json_object_put(o);
        }
}

static void test_decode_missing(void **state)
{
        static const char *const required[] = { "id", "status", "role", "host", "user", "duration", "created_at" };

        (void)state;
        for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
                struct json_object *o = json_tokener_parse(good);
                struct api_request r;
                char err[256] = "";

                json_object_object_del(o, required[i]);
                assert_int_equal(api_request_decode(o, &r, err, sizeof(err)), -EINVAL);
                assert_non_null(strstr(err, required[i]));
                json_object_put(o);
        }
}

static char home[] = "/tmp/teamctl-units.XXXXXX";

static void write_token(const char *text, mode_t mode)
{
        char path[256];
        int fd;

        snprintf(path, sizeof(path), "%s/.config/team/token", home);
        unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static void test_token(void **state)
{
        char dir[256], err[512], *tok = NULL;

        (void)state;
        assert_non_null(mkdtemp(home));
        snprintf(dir, sizeof(dir), "%s/.config", home);
        assert_int_equal(mkdir(dir, 0700), 0);
        snprintf(dir, sizeof(dir), "%s/.config/team", home);
        assert_int_equal(mkdir(dir, 0700), 0);
        setenv("HOME", home, 1);

        setenv("TEAM_TOKEN", "tm_fromenv", 1);
        assert_int_equal(token_load(&tok, err, sizeof(err)), 0);
        assert_string_equal(tok, "tm_fromenv");
        token_free(tok);
        setenv("TEAM_TOKEN", "tm_with space", 1);
        assert_int_equal(token_load(&tok, err, sizeof(err)), TEAMCTL_EXIT_CONFIG);
        assert_null(strstr(err, "tm_with"));   /* never echoed */
        unsetenv("TEAM_TOKEN");

        assert_int_equal(token_load(&tok, err, sizeof(err)), TEAMCTL_EXIT_CONFIG);
        assert_non_null(strstr(err, "set TEAM_TOKEN"));

        write_token("tm_secret\n", 0644);
        assert_int_equal(token_load(&tok, err, sizeof(err)), TEAMCTL_EXIT_CONFIG);
        assert_non_null(strstr(err, "chmod 600"));
        assert_null(strstr(err, "tm_secret"));
        write_token("tm_secret\n", 0640);
        assert_int_equal(token_load(&tok, err, sizeof(err)), TEAMCTL_EXIT_CONFIG);
        write_token("tm_secret\n", 0600);
        assert_int_equal(token_load(&tok, err, sizeof(err)), 0);
        assert_string_equal(tok, "tm_secret");
        token_free(tok);
        write_token("tm_a\ntm_b\n", 0600);
        assert_int_equal(token_load(&tok, err, sizeof(err)), TEAMCTL_EXIT_CONFIG);
        write_token("", 0600);
        assert_int_equal(token_load(&tok, err, sizeof(err)), TEAMCTL_EXIT_CONFIG);

        snprintf(dir, sizeof(dir), "rm -rf '%s'", home);
        assert_int_equal(system(dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sanitize),
                cmocka_unit_test(test_sanitize_truncates_on_a_boundary),
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_decode_good),
                cmocka_unit_test(test_decode_wrong_types),
                cmocka_unit_test(test_decode_missing),
                cmocka_unit_test(test_token),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
