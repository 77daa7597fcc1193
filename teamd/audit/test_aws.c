/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the AWS sink's pure parts: the shared credentials file and
 * ECS/IMDS JSON parsers, ISO 8601 times, query percent-encoding, the
 * CloudTrail Lake record built from an outbox event, the PutAuditEvents
 * answer parser and which errors are retried. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "audit/aws_creds.h"
#include "audit/aws_request.h"
#include "audit/cloudtrail_event.h"
#include "audit/cloudtrail_response.h"

static void test_creds_file(void **state)
{
        struct aws_credentials k;
        char *big = malloc(3000), *text = malloc(4000);
        const char *t = "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key=sec1\n"
                        "\n[profile audit]\n  aws_access_key_id=AKIDAUDIT  \r\naws_secret_access_key = s/e+c=2\n"
                        "region = eu-west-1\n[other]\naws_access_key_id = X\n";

        assert_int_equal(aws_creds_parse_file(t, strlen(t), "default", &k), 0);
        assert_string_equal(k.access_key_id, "AKIDDEFAULT");
        assert_string_equal(k.secret_access_key, "sec1");
        assert_string_equal(k.session_token, "");
        assert_int_equal(aws_creds_parse_file(t, strlen(t), "audit", &k), 0);
        assert_string_equal(k.access_key_id, "AKIDAUDIT");
        assert_string_equal(k.secret_access_key, "s/e+c=2");
        /* a profile without a secret, a missing profile */
        assert_int_equal(aws_creds_parse_file(t, strlen(t), "other", &k), -ENOENT);
        assert_int_equal(aws_creds_parse_file(t, strlen(t), "nope", &k), -ENOENT);
        assert_string_equal(k.access_key_id, "");
        /* a line without '=' inside the profile */
        assert_int_equal(aws_creds_parse_file("[default]\ngarbage\n", 18, "default", &k), -EBADMSG);
        /* session tokens are longer than inih's 200-byte lines */
        memset(big, 'T', 2000);
        big[2000] = '\0';
        snprintf(text, 4000, "[default]\naws_access_key_id=A\naws_secret_access_key=B\naws_session_token=%s\n", big);
        assert_int_equal(aws_creds_parse_file(text, strlen(text), "default", &k), 0);
        assert_int_equal(strlen(k.session_token), 2000);
        free(big);
        free(text);
}

static void test_creds_json(void **state)
{
        struct aws_credentials k;
        const char *imds = "{\"Code\":\"Success\",\"LastUpdated\":\"2026-11-25T15:00:00Z\",\"Type\":\"AWS-HMAC\","
                           "\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"sk\",\"Token\":\"tok\","
                           "\"Expiration\":\"2026-11-25T21:00:00Z\"}";
        const char *ecs = "{\"AccessKeyId\":\"ASIA2\",\"SecretAccessKey\":\"sk2\",\"Token\":\"t2\","
                          "\"Expiration\":\"2026-11-25T21:00:00.123Z\"}";
        const char *failed = "{\"Code\":\"Failure\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"B\"}";
        const char *nosecret = "{\"AccessKeyId\":\"A\"}";
        const char *badtime = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"B\",\"Expiration\":\"tomorrow\"}";

        assert_int_equal(aws_creds_parse_json(imds, strlen(imds), &k), 0);
        assert_string_equal(k.access_key_id, "ASIA1");
        assert_string_equal(k.session_token, "tok");
        assert_int_equal(k.expiration, 1795640400);
        assert_int_equal(aws_creds_parse_json(ecs, strlen(ecs), &k), 0);
        assert_int_equal(k.expiration, 1795640400);
        assert_int_equal(aws_creds_parse_json(failed, strlen(failed), &k), -EBADMSG);
        assert_int_equal(aws_creds_parse_json(nosecret, strlen(nosecret), &k), -EBADMSG);
        assert_int_equal(aws_creds_parse_json(badtime, strlen(badtime), &k), -EBADMSG);
        assert_int_equal(aws_creds_parse_json("[]", 2, &k), -EBADMSG);
}

static void test_time(void **state)
{
        int64_t t;

        assert_int_equal(aws_parse_time("1970-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, 0);
        assert_int_equal(aws_parse_time("2026-11-25T21:00:00+00:00", &t), 0);
        assert_int_equal(aws_parse_time("2026-11-25T21:00:00", &t), -EBADMSG);
        assert_int_equal(aws_parse_time("2026-11-25T21:00:00.Z", &t), -EBADMSG);
        assert_int_equal(aws_parse_time("2026-11-25 21:00:00Z", &t), -EBADMSG);
}

static void test_percent_encode(void **state)
{
        char buf[128];
        size_t pos = 0;

        assert_int_equal(aws_percent_encode(buf, sizeof(buf), &pos, "arn:aws:x/y+z=w ~-_.\xc3\xa9"), 0);
        assert_string_equal(buf, "arn%3Aaws%3Ax%2Fy%2Bz%3Dw%20~-_.%C3%A9");
        pos = 0;
        assert_int_equal(aws_percent_encode(buf, 4, &pos, "a:b"), -ENOSPC);
}

static const char *EVENT =
        "{\"v\":1,\"id\":\"0123456789abcdef0123456789abcdef\",\"type\":\"ElevationDenied\","
        "\"time\":\"2026-11-25T15:20:34.123456Z\",\"time_usec\":1795620034123456,"
        "\"message_id\":\"31a6393c88134f9e9627bcfbdbdc24f2\",\"priority\":5,\"outcome\":\"failure\","
        "\"user\":\"alice\",\"role\":\"sudo\",\"host\":\"web1\",\"reason\":\"no active grant\","
        "\"service\":\"sudo\",\"tty\":\"/dev/pts/0\",\"rhost\":\"192.0.2.7\",\"peer_pid\":42,"
        "\"message\":\"denied\"}";

static void test_event_data(void **state)
{
        struct json_object *rec, *v, *ui;
        char *data = NULL, sum[64];
        size_t len = 0;

        assert_int_equal(cloudtrail_event_data(EVENT, strlen(EVENT), "123456789012", "teamd/x", &data, &len), 0);
        assert_int_equal(strlen(data), len);
        rec = json_tokener_parse(data);
        assert_non_null(rec);
        assert_true(json_object_object_get_ex(rec, "eventTime", &v));
        assert_string_equal(json_object_get_string(v), "2026-11-25T15:20:34Z");
        assert_true(json_object_object_get_ex(rec, "eventName", &v));
        assert_string_equal(json_object_get_string(v), "ElevationDenied");
        assert_true(json_object_object_get_ex(rec, "UID", &v));
        assert_string_equal(json_object_get_string(v), "0123456789abcdef0123456789abcdef");
        assert_true(json_object_object_get_ex(rec, "recipientAccountId", &v));
        assert_string_equal(json_object_get_string(v), "123456789012");
        assert_true(json_object_object_get_ex(rec, "sourceIPAddress", &v));
        assert_string_equal(json_object_get_string(v), "192.0.2.7");
        assert_true(json_object_object_get_ex(rec, "errorCode", &v));
        assert_string_equal(json_object_get_string(v), "ElevationDenied");
        assert_true(json_object_object_get_ex(rec, "errorMessage", &v));
        assert_string_equal(json_object_get_string(v), "no active grant");
        assert_true(json_object_object_get_ex(rec, "userIdentity", &ui));
        assert_true(json_object_object_get_ex(ui, "principalId", &v));
        assert_string_equal(json_object_get_string(v), "alice");
        assert_true(json_object_object_get_ex(ui, "type", &v));
        assert_string_equal(json_object_get_string(v), "TeamUser");
        json_object_put(rec);
        /* base64(SHA-256): 44 characters ending in '=' */
        assert_int_equal(cloudtrail_checksum(data, len, sum, sizeof(sum)), 0);
        assert_int_equal(strlen(sum), 44);
        assert_int_equal(sum[43], '=');
        assert_int_equal(cloudtrail_checksum("", 0, sum, sizeof(sum)), 0);
        assert_string_equal(sum, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        free(data);
        /* a bad account id, an event without a type or time */
        assert_int_equal(cloudtrail_event_data(EVENT, strlen(EVENT), "12345", "ua", &data, &len), -EBADMSG);
        assert_int_equal(cloudtrail_event_data("{\"id\":\"a\"}", 10, "123456789012", "ua", &data, &len), -EBADMSG);
        assert_null(data);
}

static void test_event_data_no_ip(void **state)
{
        const char *ev = "{\"id\":\"ab\",\"type\":\"DaemonStarted\",\"time_usec\":0,\"host\":\"h\",\"rhost\":\"bastion.example\"}";
        struct json_object *rec, *v;
        char *data = NULL;
        size_t len;

        assert_int_equal(cloudtrail_event_data(ev, strlen(ev), "123456789012", "ua", &data, &len), 0);
        rec = json_tokener_parse(data);
        assert_false(json_object_object_get_ex(rec, "sourceIPAddress", &v));
        assert_false(json_object_object_get_ex(rec, "errorCode", &v));
        assert_true(json_object_object_get_ex(rec, "eventTime", &v));
        assert_string_equal(json_object_get_string(v), "1970-01-01T00:00:00Z");
        json_object_put(rec);
        free(data);
}

static void test_response(void **state)
{
        static struct cloudtrail_response r;
        const char *ok = "{\"successful\":[{\"id\":\"a\",\"eventID\":\"e1\"}],"
                         "\"failed\":[{\"id\":\"b\",\"errorCode\":\"Throttling\",\"errorMessage\":\"slow\"}]}";
        const char *dup = "{\"successful\":[{\"id\":\"a\",\"eventID\":\"e1\"}],"
                          "\"failed\":[{\"id\":\"a\",\"errorCode\":\"InvalidData\",\"errorMessage\":\"x\"}]}";
        const char *why = NULL;
        char code[64], msg[64];

        assert_int_equal(cloudtrail_response_parse(ok, strlen(ok), &r, &why), 0);
        assert_int_equal(r.n_ok, 1);
        assert_int_equal(r.n_failed, 1);
        assert_string_equal(r.failed[0].code, "Throttling");
        assert_int_equal(cloudtrail_response_parse(dup, strlen(dup), &r, &why), -EBADMSG);
        assert_non_null(why);
        assert_int_equal(r.n_ok + r.n_failed, 0);
        assert_int_equal(cloudtrail_response_parse("{\"successful\":[]}", 17, &r, &why), -EBADMSG);
        const char *err = "{\"__type\":\"com.amazonaws#ThrottlingException\",\"message\":\"m\"}";

        assert_int_equal(cloudtrail_error_parse(err, strlen(err), code, sizeof(code), msg, sizeof(msg)), 0);
        assert_string_equal(code, "ThrottlingException");
        assert_string_equal(msg, "m");
        assert_true(cloudtrail_error_is_retryable("Throttling"));
        assert_true(cloudtrail_error_is_retryable("InternalFailure"));
        assert_true(cloudtrail_error_is_retryable("SomethingNewFromAWS"));
        assert_false(cloudtrail_error_is_retryable("InvalidData"));
        assert_false(cloudtrail_error_is_retryable("FieldTooLong"));
        assert_false(cloudtrail_error_is_retryable("InvalidChecksum"));
}

static void test_error_classes(void **state)
{
        assert_true(aws_error_is_auth("ExpiredTokenException"));
        assert_true(aws_error_is_auth("InvalidSignatureException"));
        assert_false(aws_error_is_auth("ThrottlingException"));
        assert_true(aws_error_is_throttle(429, ""));
        assert_true(aws_error_is_throttle(400, "ThrottlingException"));
        assert_false(aws_error_is_throttle(500, "InternalServerException"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_creds_file),      cmocka_unit_test(test_creds_json),
                cmocka_unit_test(test_time),            cmocka_unit_test(test_percent_encode),
                cmocka_unit_test(test_event_data),      cmocka_unit_test(test_event_data_no_ip),
                cmocka_unit_test(test_response),        cmocka_unit_test(test_error_classes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
