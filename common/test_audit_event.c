/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the audit event model (common/audit_event*.c): the fixed
 * MESSAGE_IDs, names, priorities and the JSON form. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <cmocka.h>

#include "audit_event.h"
#include "teamd_config.h"

/* The nine ids of the first version: fixed forever. */
static void first_ids_never_change(void **state)
{
        static const struct {
                enum team_event_type t;
                const char *name, *id;
        } fixed[] = {
                { TEAM_EVENT_ELEVATION_ALLOWED, "ElevationAllowed", "1c1440b4c687432d9f55df0b792c6515" },
                { TEAM_EVENT_ELEVATION_DENIED, "ElevationDenied", "31a6393c88134f9e9627bcfbdbdc24f2" },
                { TEAM_EVENT_FAIL_OPEN, "FailOpen", "8e5bf02baf8b4ad2bc707f155169ab3e" },
                { TEAM_EVENT_SESSION_OPENED, "SessionOpened", "ae93d2ce6f054f6f8a6e6d82d9de36e5" },
                { TEAM_EVENT_SESSION_CLOSED, "SessionClosed", "cd2cdb9834114193b171eef2a3185d4d" },
                { TEAM_EVENT_GRANT_RECEIVED, "GrantReceived", "b89db6ea7d0b45e1b087cfc185aef1eb" },
                { TEAM_EVENT_GRANT_REJECTED, "GrantRejected", "be3e0986395f4bc7ace83099d2d97681" },
                { TEAM_EVENT_GRANT_EXPIRED, "GrantExpired", "6da02267755040a0bb1aeb7e67004050" },
                { TEAM_EVENT_DAEMON_STARTED, "DaemonStarted", "b88827cb59154cb9910ba42b21fd57af" },
                /* audit shipping */
                { TEAM_EVENT_REQUEST_SUBMITTED, "RequestSubmitted", "b97196fe17ce45f186ff151dd1aee978" },
                { TEAM_EVENT_GRANT_REVOKED, "GrantRevoked", "91b176b8d8b249919c40683cf7706e15" },
                { TEAM_EVENT_SESSION_TERMINATED, "SessionTerminated", "d6d0ee50800743e5a7ef54e55add971b" },
                { TEAM_EVENT_BREAK_GLASS_USED, "BreakGlassUsed", "4ec452bfc9ff4c78b075495c49ed28b6" },
                { TEAM_EVENT_EXEMPT_PASS, "ExemptPass", "ad21f7ec9bca4160b03893d0039865a8" },
                { TEAM_EVENT_AUDIT_OUTBOX_FULL, "AuditOutboxFull", "cdab58b00a5a4d9a84afca4170401c42" },
                { TEAM_EVENT_AUDIT_DEAD_LETTER, "AuditDeadLetter", "fd7a30bea1d745bd89f9d7c10d498e02" },
                { TEAM_EVENT_API_REFUSED, "ApiRefused", "302a6b4626834f6eb4e48401f85e91f3" },
        };
        char buf[SD_ID128_STRING_MAX];

        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
                assert_string_equal(team_event_name(fixed[i].t), fixed[i].name);
                assert_string_equal(sd_id128_to_string(team_event_message_id(fixed[i].t), buf), fixed[i].id);
        }
}

static void every_type_has_a_distinct_name_and_id(void **state)
{
        for (unsigned i = 0; i < TEAM_EVENT__MAX; i++) {
                enum team_event_type t;

                assert_non_null(team_event_name(i));
                assert_false(sd_id128_is_null(team_event_message_id(i)));
                assert_int_equal(team_event_from_name(team_event_name(i), &t), 0);
                assert_int_equal(t, i);
                for (unsigned j = 0; j < i; j++) {
                        assert_string_not_equal(team_event_name(i), team_event_name(j));
                        assert_false(sd_id128_equal(team_event_message_id(i), team_event_message_id(j)));
                }
        }
        assert_null(team_event_name(TEAM_EVENT__MAX));
        assert_int_equal(team_event_from_name("NoSuchEvent", &(enum team_event_type){ 0 }), -EINVAL);
        assert_int_equal(team_event_priority(TEAM_EVENT_BREAK_GLASS_USED), LOG_ALERT);
        assert_int_equal(team_event_priority(TEAM_EVENT_AUDIT_OUTBOX_FULL), LOG_ALERT);
        assert_int_equal(team_event_priority(TEAM_EVENT_FAIL_OPEN), LOG_ALERT);
}

/* A copy owns its strings: the originals may go. */
static void copy_outlives_its_source(void **state)
{
        struct team_audit_event ev;
        struct team_audit_event_copy *c = NULL;
        char user[] = "alice", argv[] = "make -j2";

        (void)state;
        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_SESSION_COMMAND), 0);
        ev.user = user;
        ev.command.present = true;
        ev.command.argv = argv;
        ev.seq = 7;
        snprintf(ev.hash, sizeof(ev.hash), "%064d", 0);
        assert_int_equal(team_audit_event_copy(&ev, &c), 0);
        memset(user, 'x', sizeof(user) - 1);
        memset(argv, 'x', sizeof(argv) - 1);
        assert_string_equal(c->ev.user, "alice");
        assert_string_equal(c->ev.command.argv, "make -j2");
        assert_null(c->ev.role);
        assert_int_equal(c->ev.seq, 7);
        assert_string_equal(c->ev.hash, ev.hash);
        assert_true(sd_id128_equal(c->ev.id, ev.id));
        team_audit_event_copy_free(c);
}

static void init_gives_fresh_ids(void **state)
{
        struct team_audit_event a, b;

        assert_int_equal(team_audit_event_init(&a, TEAM_EVENT_EXEMPT_PASS), 0);
        assert_int_equal(team_audit_event_init(&b, TEAM_EVENT_EXEMPT_PASS), 0);
        assert_false(sd_id128_equal(a.id, b.id));
        assert_true(a.time_usec > INT64_C(1600000000000000));
        assert_int_equal(team_audit_event_init(&a, TEAM_EVENT__MAX), -EINVAL);
        b.outcome = NULL;
        assert_string_equal(team_audit_event_outcome(&b), "success");
        b.type = TEAM_EVENT_ELEVATION_DENIED;
        assert_string_equal(team_audit_event_outcome(&b), "failure");
}

static void json_round_trip(void **state)
{
        struct team_audit_event ev;
        struct team_audit_event_parsed p;
        char *json = NULL;
        size_t len = 0;

        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_ELEVATION_ALLOWED), 0);
        ev.time_usec = INT64_C(1800000000123456);
        ev.user = "alice";
        ev.role = "sudo";
        ev.host = "web-1";
        ev.grant_id = "g-1";
        ev.request_id = "r-1";
        ev.decision = "allow";
        ev.reason = "grant g-1";
        ev.service = "sudo";
        ev.tty = "/dev/pts/3";
        ev.rhost = "10.0.0.1";
        ev.peer_pid = 4242;
        ev.message = "sudo: alice allowed sudo by grant g-1 \"quoted\" \xc3\xa9";
        assert_int_equal(team_audit_event_to_json(&ev, &json, &len), 0);
        assert_int_equal(strlen(json), len);
        assert_non_null(strstr(json, "\"type\":\"ElevationAllowed\""));
        assert_non_null(strstr(json, "\"time\":\"2027-01-15T08:00:00.123456Z\""));
        assert_non_null(strstr(json, "\"message_id\":\"1c1440b4c687432d9f55df0b792c6515\""));
        assert_non_null(strstr(json, "\"outcome\":\"success\""));
        assert_null(strchr(json, '\n'));
        assert_int_equal(team_audit_event_from_json(json, len, &p), 0);
        assert_true(sd_id128_equal(p.ev.id, ev.id));
        assert_int_equal(p.ev.type, ev.type);
        assert_int_equal(p.ev.time_usec, ev.time_usec);
        assert_string_equal(p.ev.user, "alice");
        assert_string_equal(p.ev.rhost, "10.0.0.1");
        assert_string_equal(p.ev.message, ev.message);
        assert_int_equal(p.ev.peer_pid, 4242);
        assert_false(p.truncated);
        team_audit_event_parsed_clear(&p);
        free(json);
}

static void absent_fields_are_omitted(void **state)
{
        struct team_audit_event ev;
        char *json = NULL;
        size_t len;

        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_DAEMON_STARTED), 0);
        assert_int_equal(team_audit_event_to_json(&ev, &json, &len), 0);
        assert_null(strstr(json, "\"user\""));
        assert_null(strstr(json, "\"peer_pid\""));
        assert_null(strstr(json, "null"));
        free(json);
}

static void long_and_invalid_text_is_bounded_and_marked(void **state)
{
        struct team_audit_event ev;
        struct team_audit_event_parsed p;
        char big[TEAM_AUDIT_MAX_FIELD + 100];
        char *json = NULL;
        size_t len;

        /* a 2-byte character straddles the cut */
        memset(big, 'a', sizeof(big) - 1);
        big[TEAM_AUDIT_MAX_FIELD - 1] = (char)0xc3;
        big[TEAM_AUDIT_MAX_FIELD] = (char)0xa9;
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_ELEVATION_DENIED), 0);
        ev.reason = big;
        ev.user = "bad\xff\xfe" "byte";
        assert_int_equal(team_audit_event_to_json(&ev, &json, &len), 0);
        assert_int_equal(team_audit_event_from_json(json, len, &p), 0);
        assert_true(p.truncated);
        assert_int_equal(strlen(p.ev.reason), TEAM_AUDIT_MAX_FIELD - 1);
        assert_string_equal(p.ev.user, "bad??byte");
        team_audit_event_parsed_clear(&p);
        free(json);
}

static void strict_reader_refuses(void **state)
{
        static const char *const bad[] = {
                "",
                "[]",
                "{}",
                "{\"v\":1,\"type\":\"ElevationAllowed\",\"time_usec\":1}",
                "{\"v\":1,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"Nope\",\"time_usec\":1}",
                "{\"v\":2,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"FailOpen\",\"time_usec\":1}",
                "{\"v\":1,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"FailOpen\",\"time_usec\":1,\"x\":1}",
                "{\"v\":1,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"FailOpen\",\"time_usec\":1,\"user\":5}",
                "{\"v\":1,\"id\":\"0011\",\"type\":\"FailOpen\",\"time_usec\":1}",
                "{\"v\":1,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"FailOpen\",\"time_usec\":-1}",
                "{\"v\":1,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"FailOpen\",\"time_usec\":1,\"peer_pid\":0}",
                /* an encoded surrogate (json-c lets it through), an escaped NUL */
                "{\"v\":1,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"FailOpen\",\"time_usec\":1,\"user\":\"a\xed\xb0\xb0\"}",
                "{\"v\":1,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"FailOpen\",\"time_usec\":1,\"user\":\"a\\u0000b\"}",
        };
        static const char good[] =
                "{\"v\":1,\"id\":\"00112233445566778899aabbccddeeff\",\"type\":\"FailOpen\",\"time_usec\":1}";
        struct team_audit_event_parsed p;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(team_audit_event_from_json(bad[i], strlen(bad[i]), &p), -EBADMSG);
        assert_int_equal(team_audit_event_from_json(good, strlen(good), &p), 0);
        assert_int_equal(p.ev.type, TEAM_EVENT_FAIL_OPEN);
        team_audit_event_parsed_clear(&p);
}

/* [audit] outbox_max_events / outbox_max_bytes: defaults and ranges. */
static void outbox_bound_keys(void **state)
{
        struct teamd_config cfg;
        char err[512] = "";

        assert_int_equal(teamd_config_load_string("[teamd]\nhost_id = h1\n", &cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.outbox_max_events, 1000000);
        assert_int_equal(cfg.outbox_max_bytes, 1ULL << 30);
        teamd_config_free(&cfg);
        assert_int_equal(teamd_config_load_string("[teamd]\nhost_id = h1\n[audit]\noutbox_max_events = 500\n"
                                                  "outbox_max_bytes = 1048576\n",
                                                  &cfg, err, sizeof(err)),
                         0);
        assert_int_equal(cfg.outbox_max_events, 500);
        assert_int_equal(cfg.outbox_max_bytes, 1048576);
        teamd_config_free(&cfg);
        assert_true(teamd_config_load_string("[teamd]\nhost_id = h1\n[audit]\noutbox_max_events = 5\n", &cfg, err,
                                             sizeof(err)) < 0);
        assert_non_null(strstr(err, "outbox_max_events"));
        assert_true(teamd_config_load_string("[teamd]\nhost_id = h1\n[audit]\noutbox_max_bytes = 1k\n", &cfg, err,
                                             sizeof(err)) < 0);
        assert_non_null(strstr(err, "outbox_max_bytes"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(first_ids_never_change),
                cmocka_unit_test(every_type_has_a_distinct_name_and_id),
                cmocka_unit_test(init_gives_fresh_ids),
                cmocka_unit_test(copy_outlives_its_source),
                cmocka_unit_test(json_round_trip),
                cmocka_unit_test(absent_fields_are_omitted),
                cmocka_unit_test(long_and_invalid_text_is_bounded_and_marked),
                cmocka_unit_test(strict_reader_refuses),
                cmocka_unit_test(outbox_bound_keys),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
