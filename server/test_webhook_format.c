/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the webhook bodies (server/webhook_format.c) and the
 * backoff schedule (server/webhook.c): shapes, sanitizing, escaping, no
 * secrets. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "server/webhook.h"
#include "server/webhook_format.h"

static const char *request_text =
        "{\"id\":\"r_0123456789abcdef\",\"status\":\"pending\",\"role\":\"sudo\",\"host\":\"web1\","
        "\"user\":\"alice\",\"filed_by\":\"user:alice\",\"duration\":5400,"
        "\"reason\":\"disk <!channel> full\\u001b[31m [click](http://evil) \\u202e & more\","
        "\"ticket\":null,\"decisions\":[{\"by\":\"bob\",\"decision\":\"approve\",\"comment\":null,\"at\":5}],"
        "\"grant\":{\"id\":\"g_00112233aabbccdd\",\"nbf\":1,\"exp\":2,\"jws\":\"eyJhbGciOiJFZERTQSJ9.e30.c2ln\"}}";

static char *render(enum webhook_format f, const char *type, struct json_object **parsed)
{
        struct json_object *req = json_tokener_parse(request_text);
        struct webhook_event ev = {
                .type = type, .actor = "bob", .comment = "ok\nfine", .at = 1700000000, .request = req,
        };
        char *body = NULL;

        assert_non_null(req);
        assert_int_equal(webhook_format_body(f, &ev, &body), 0);
        assert_non_null(body);
        *parsed = json_tokener_parse(body);
        assert_non_null(*parsed);
        json_object_put(req);
        return body;
}

static const char *get_str(struct json_object *o, const char *key)
{
        struct json_object *v;

        assert_true(json_object_object_get_ex(o, key, &v));
        assert_true(json_object_is_type(v, json_type_string));
        return json_object_get_string(v);
}

static void no_secret_no_control(const char *body)
{
        const unsigned char *p;

        assert_null(strstr(body, "eyJ"));
        assert_null(strstr(body, "\\u001b"));
        assert_null(strstr(body, "\x1b"));
        assert_null(strstr(body, "\xe2\x80\xae"));      /* U+202E */
        assert_null(strstr(body, "\\u202e"));
        for (p = (const unsigned char *)body; *p; p++)
                assert_true(*p >= 0x20);
}

static void test_parse_names(void **state)
{
        enum webhook_format f;

        (void)state;
        assert_int_equal(webhook_format_parse("slack", &f), 0);
        assert_int_equal(f, WEBHOOK_FORMAT_SLACK);
        assert_int_equal(webhook_format_parse("teams", &f), 0);
        assert_int_equal(f, WEBHOOK_FORMAT_TEAMS);
        assert_int_equal(webhook_format_parse("json", &f), 0);
        assert_string_equal(webhook_format_name(f), "json");
        assert_int_equal(webhook_format_parse("Slack", &f), -EINVAL);
        assert_int_equal(webhook_format_parse("", &f), -EINVAL);
        assert_int_equal(webhook_format_parse(NULL, &f), -EINVAL);
}

static void test_sanitize(void **state)
{
        char *s;

        (void)state;
        s = webhook_sanitize("a\tb\nc\x01" "d\x7f" "e\xc2\x85" "f", 100);
        assert_string_equal(s, "a b c?d?e?f");
        free(s);
        s = webhook_sanitize("bad \xff\xfe utf8 \xe2\x80", 100);
        assert_string_equal(s, "bad ?? utf8 ??");
        free(s);
        s = webhook_sanitize("\xc3\xa9t\xc3\xa9 \xe2\x80\xae" "evil", 100);   /* été, RLO */
        assert_string_equal(s, "\xc3\xa9t\xc3\xa9 ?evil");
        free(s);
        s = webhook_sanitize("abcdef", 3);
        assert_string_equal(s, "abc...");
        free(s);
        s = webhook_sanitize("\xc3\xa9\xc3\xa9\xc3\xa9", 2);              /* cut on characters */
        assert_string_equal(s, "\xc3\xa9\xc3\xa9...");
        free(s);
        s = webhook_sanitize(NULL, 10);
        assert_string_equal(s, "");
        free(s);
        s = webhook_sanitize("\xc0\x80 overlong", 100);
        assert_string_equal(s, "?? overlong");
        free(s);
}

static void test_slack(void **state)
{
        struct json_object *o, *blocks;
        char *body = render(WEBHOOK_FORMAT_SLACK, WEBHOOK_EVENT_CREATED, &o);

        (void)state;
        assert_string_equal(get_str(o, "text"), "alice requests sudo on web1 for 1h30m");
        assert_true(json_object_object_get_ex(o, "blocks", &blocks));
        assert_true(json_object_is_type(blocks, json_type_array));
        assert_true(json_object_array_length(blocks) >= 2);
        assert_non_null(strstr(body, "r_0123456789abcdef"));
        assert_non_null(strstr(body, "g_00112233aabbccdd"));
        /* mrkdwn injection defused */
        assert_null(strstr(body, "<!channel>"));
        assert_non_null(strstr(body, "&lt;!channel&gt;"));
        assert_non_null(strstr(body, "&amp; more"));
        assert_non_null(strstr(body, "request.created"));
        no_secret_no_control(body);
        json_object_put(o);
        free(body);
}

static void test_slack_events(void **state)
{
        struct json_object *o;
        char *body;

        (void)state;
        body = render(WEBHOOK_FORMAT_SLACK, WEBHOOK_EVENT_APPROVED, &o);
        assert_string_equal(get_str(o, "text"), "bob approved sudo on web1 for alice (1h30m), now pending");
        assert_non_null(strstr(body, "ok fine"));            /* comment, newline flattened */
        json_object_put(o);
        free(body);
        body = render(WEBHOOK_FORMAT_SLACK, WEBHOOK_EVENT_DENIED, &o);
        assert_string_equal(get_str(o, "text"), "bob denied sudo on web1 for alice, now pending");
        json_object_put(o);
        free(body);
        body = render(WEBHOOK_FORMAT_SLACK, WEBHOOK_EVENT_REVOKED, &o);
        assert_string_equal(get_str(o, "text"), "bob revoked sudo on web1 for alice");
        json_object_put(o);
        free(body);
}

static void test_teams(void **state)
{
        struct json_object *o, *atts, *att, *content;
        char *body = render(WEBHOOK_FORMAT_TEAMS, WEBHOOK_EVENT_CREATED, &o);

        (void)state;
        assert_string_equal(get_str(o, "type"), "message");
        assert_true(json_object_object_get_ex(o, "attachments", &atts));
        att = json_object_array_get_idx(atts, 0);
        assert_non_null(att);
        assert_string_equal(get_str(att, "contentType"), "application/vnd.microsoft.card.adaptive");
        assert_true(json_object_object_get_ex(att, "content", &content));
        assert_string_equal(get_str(content, "type"), "AdaptiveCard");
        assert_null(strstr(body, "[click]"));                /* no markdown link */
        assert_non_null(strstr(body, "(click)"));
        no_secret_no_control(body);
        json_object_put(o);
        free(body);
}

static void test_json(void **state)
{
        struct json_object *o, *req, *grant, *v;
        char *body = render(WEBHOOK_FORMAT_JSON, WEBHOOK_EVENT_REVOKED, &o);

        (void)state;
        assert_string_equal(get_str(o, "type"), "grant.revoked");
        assert_string_equal(get_str(o, "actor"), "bob");
        assert_string_equal(get_str(o, "comment"), "ok fine");
        assert_true(json_object_object_get_ex(o, "at", &v));
        assert_int_equal(json_object_get_int64(v), 1700000000);
        assert_true(json_object_object_get_ex(o, "request", &req));
        assert_string_equal(get_str(req, "id"), "r_0123456789abcdef");
        assert_true(json_object_object_get_ex(req, "duration", &v));
        assert_int_equal(json_object_get_int64(v), 5400);
        assert_true(json_object_object_get_ex(req, "ticket", &v));
        assert_null(v);
        assert_true(json_object_object_get_ex(req, "grant", &grant));
        assert_string_equal(get_str(grant, "id"), "g_00112233aabbccdd");
        assert_false(json_object_object_get_ex(grant, "jws", NULL));
        /* kept as written in json (no chat markup), control chars gone */
        assert_non_null(strstr(get_str(req, "reason"), "<!channel>"));
        no_secret_no_control(body);
        json_object_put(o);
        free(body);
}

/* A host's checkpoint alert: no request behind it; the chat shows the
 * host and what happened, the reason sanitized and escaped. */
static void test_host_alerts(void **state)
{
        static const char *const types[] = { WEBHOOK_EVENT_CHECKPOINTS_STOPPED, WEBHOOK_EVENT_CHECKPOINTS_RESUMED,
                                             WEBHOOK_EVENT_CHAIN_FORK, WEBHOOK_EVENT_KEY_MISMATCH };
        struct json_object *req = json_tokener_parse(
                "{\"host\":\"web1\",\"event\":\"HostChainFork\",\"reason\":\"seq 7 <!here> behind seq 9\","
                "\"checkpoint\":{\"seq\":7},\"recorded\":{\"seq\":9}}");

        (void)state;
        assert_non_null(req);
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                struct webhook_event ev = { .type = types[i], .actor = "host:web1", .at = 5, .request = req };
                char *slack = NULL, *teams = NULL, *json = NULL;

                assert_int_equal(webhook_format_body(WEBHOOK_FORMAT_SLACK, &ev, &slack), 0);
                assert_non_null(strstr(slack, "host web1"));
                assert_non_null(strstr(slack, "&lt;!here&gt;"));
                assert_null(strstr(slack, "<!here>"));
                assert_non_null(strstr(slack, "*Host*"));
                assert_null(strstr(slack, "*Request*"));
                assert_int_equal(webhook_format_body(WEBHOOK_FORMAT_TEAMS, &ev, &teams), 0);
                assert_non_null(strstr(teams, "\"Details\""));
                assert_int_equal(webhook_format_body(WEBHOOK_FORMAT_JSON, &ev, &json), 0);
                assert_non_null(strstr(json, types[i]));
                assert_non_null(strstr(json, "\"recorded\":{\"seq\":9}"));
                free(slack);
                free(teams);
                free(json);
        }
        json_object_put(req);
}

static void test_bad_input(void **state)
{
        struct webhook_event ev = { .type = WEBHOOK_EVENT_CREATED };
        struct json_object *arr = json_object_new_array();
        char *body = (char *)"x";

        (void)state;
        assert_int_equal(webhook_format_body(WEBHOOK_FORMAT_SLACK, &ev, &body), -EINVAL);
        assert_null(body);
        ev.request = arr;
        assert_int_equal(webhook_format_body(WEBHOOK_FORMAT_JSON, &ev, &body), -EINVAL);
        assert_int_equal(webhook_format_body(WEBHOOK_FORMAT_JSON, NULL, &body), -EINVAL);
        json_object_put(arr);
}

static void test_empty_request(void **state)
{
        struct json_object *req = json_object_new_object(), *o;
        struct webhook_event ev = { .type = "something.else", .request = req };
        char *body = NULL;

        (void)state;
        assert_int_equal(webhook_format_body(WEBHOOK_FORMAT_SLACK, &ev, &body), 0);
        o = json_tokener_parse(body);
        assert_non_null(o);
        assert_non_null(strstr(get_str(o, "text"), "something.else"));
        json_object_put(o);
        free(body);
        json_object_put(req);
}

static void test_backoff(void **state)
{
        unsigned a, i;

        (void)state;
        assert_int_equal(webhook_backoff(1, 300, 0), 1);
        assert_int_equal(webhook_backoff(1, 300, UINT32_MAX), 1);
        assert_int_equal(webhook_backoff(2, 300, 0), 1);
        assert_int_equal(webhook_backoff(2, 300, 1000), 2);
        assert_int_equal(webhook_backoff(4, 300, 0), 4);          /* 8 s base: [4, 8] */
        assert_int_equal(webhook_backoff(4, 300, 4000), 8);
        for (a = 1; a < 200; a++)
                for (i = 0; i < 50; i++) {
                        unsigned d = webhook_backoff(a, 300, i * 2654435761u);

                        assert_true(d >= 1 && d <= 300);
                        if (a >= 10)
                                assert_true(d >= 150);
                }
        assert_int_equal(webhook_backoff(0, 0, 0), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_names),
                cmocka_unit_test(test_sanitize),
                cmocka_unit_test(test_slack),
                cmocka_unit_test(test_slack_events),
                cmocka_unit_test(test_teams),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_host_alerts),
                cmocka_unit_test(test_bad_input),
                cmocka_unit_test(test_empty_request),
                cmocka_unit_test(test_backoff),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
