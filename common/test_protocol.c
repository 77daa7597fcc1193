/* SPDX-License-Identifier: BSD-3-Clause */
/* The wire protocol: payload codec round trips and rejections, framing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "protocol.h"

/* ---- helpers ---- */

static char *repeat(char c, size_t n)
{
        char *s = malloc(n + 1);

        assert_non_null(s);
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static int decode_req(const char *text, struct team_request *req, const char **why)
{
        return team_request_decode(text, strlen(text), req, why);
}

/* Expects text to be refused as a request, and why to be set. */
static void refuse_req(const char *text)
{
        struct team_request req;
        const char *why = NULL;
        int r = decode_req(text, &req, &why);

        if (r != -EBADMSG)
                fail_msg("accepted (%d): %s", r, text);
        assert_non_null(why);
        /* the struct is left empty */
        assert_null(req.user);
        assert_null(req.jws);
}

static void refuse_resp(enum team_op op, const char *text)
{
        struct team_response resp;
        const char *why = NULL;
        int r = team_response_decode(op, text, strlen(text), &resp, &why);

        if (r != -EBADMSG)
                fail_msg("accepted (%d): %s", r, text);
        assert_non_null(why);
        assert_null(resp.grants);
}

static void roundtrip_req(const struct team_request *in, struct team_request *out)
{
        char *text = NULL;
        size_t len = 0;
        const char *why = NULL;

        assert_int_equal(team_request_encode(in, &text, &len), 0);
        assert_int_equal(strlen(text), len);
        if (team_request_decode(text, len, out, &why) != 0)
                fail_msg("%s: %s", why, text);
        free(text);
}

static void roundtrip_resp(enum team_op op, const struct team_response *in, struct team_response *out)
{
        char *text = NULL;
        size_t len = 0;
        const char *why = NULL;

        assert_int_equal(team_response_encode(op, in, &text, &len), 0);
        if (team_response_decode(op, text, len, out, &why) != 0)
                fail_msg("%s: %s", why, text);
        free(text);
}

/* ---- names ---- */

static void test_names(void **state)
{
        enum team_op op;
        unsigned i;

        for (i = 0; i < TEAM_OP__MAX; i++) {
                assert_int_equal(team_op_from_string(team_op_to_string((enum team_op)i), &op), 0);
                assert_int_equal(op, i);
        }
        assert_null(team_op_to_string(TEAM_OP__MAX));
        assert_int_equal(team_op_from_string("CHECK", &op), -EINVAL);
        assert_string_equal(team_decision_to_string(TEAM_DECISION_PENDING), "pending");
        assert_string_equal(team_api_state_to_string(TEAM_API_UNREACHABLE), "unreachable");
}

/* ---- request round trips ---- */

static void test_request_check(void **state)
{
        struct team_request in = { .op = TEAM_OP_CHECK, .user = "alice", .role = "sudo", .service = "sudo",
                                   .tty = "/dev/pts/3", .rhost = "10.0.0.1", .failmode_safe = true };
        struct team_request out;

        roundtrip_req(&in, &out);
        assert_int_equal(out.op, TEAM_OP_CHECK);
        assert_string_equal(out.user, "alice");
        assert_string_equal(out.role, "sudo");
        assert_string_equal(out.service, "sudo");
        assert_string_equal(out.tty, "/dev/pts/3");
        assert_string_equal(out.rhost, "10.0.0.1");
        assert_true(out.failmode_safe);
        team_request_clear(&out);

        /* optional fields absent stay absent; empty tty is fine */
        in.rhost = NULL;
        in.tty = "";
        in.failmode_safe = false;
        roundtrip_req(&in, &out);
        assert_null(out.rhost);
        assert_string_equal(out.tty, "");
        assert_false(out.failmode_safe);
        team_request_clear(&out);
        team_request_clear(&out); /* twice is fine */
        team_request_clear(NULL);
}

static void test_request_sessions(void **state)
{
        struct team_request open = { .op = TEAM_OP_SESSION_OPEN, .user = "bob", .role = "ssh", .service = "sshd",
                                     .rhost = "bastion.example.com" };
        struct team_request close = { .op = TEAM_OP_SESSION_CLOSE, .user = "bob", .role = "ssh", .service = "sshd",
                                      .session_id = "s-42" };
        struct team_request out;

        roundtrip_req(&open, &out);
        assert_int_equal(out.op, TEAM_OP_SESSION_OPEN);
        assert_string_equal(out.rhost, "bastion.example.com");
        assert_null(out.session_id);
        team_request_clear(&out);

        roundtrip_req(&close, &out);
        assert_int_equal(out.op, TEAM_OP_SESSION_CLOSE);
        assert_string_equal(out.session_id, "s-42");
        assert_string_equal(out.user, "bob");
        team_request_clear(&out);

        /* session_close without its id cannot be encoded */
        char *text = NULL;
        close.session_id = NULL;
        assert_int_equal(team_request_encode(&close, &text, NULL), -EINVAL);
        assert_null(text);
}

static void test_request_grant_add_status(void **state)
{
        char *jws = repeat('a', TEAM_MAX_JWS), *long_jws;
        struct team_request add = { .op = TEAM_OP_GRANT_ADD, .jws = jws };
        struct team_request status = { .op = TEAM_OP_STATUS };
        struct team_request out;
        char *text = NULL;

        roundtrip_req(&add, &out);
        assert_int_equal(out.op, TEAM_OP_GRANT_ADD);
        assert_string_equal(out.jws, jws);
        team_request_clear(&out);

        roundtrip_req(&status, &out);
        assert_int_equal(out.op, TEAM_OP_STATUS);
        assert_null(out.user);
        team_request_clear(&out);

        /* fields of other ops are not sent ... */
        status.user = "alice";
        assert_int_equal(team_request_encode(&status, &text, NULL), 0);
        assert_null(strstr(text, "alice"));
        free(text);
        /* ... and over-long ones not at all */
        jws[0] = 'b';
        long_jws = repeat('a', TEAM_MAX_JWS + 1);
        add.jws = long_jws;
        assert_int_equal(team_request_encode(&add, &text, NULL), -EINVAL);
        free(long_jws);
        free(jws);
}

static void test_request_exact_text(void **state)
{
        struct team_request req;
        const char *why = NULL;

        /* what other implementations (and docs/protocol.md) send */
        assert_int_equal(decode_req("{\"v\":1,\"op\":\"check\",\"user\":\"alice\",\"role\":\"sudo\",\"service\":\"sudo\"}",
                                    &req, &why), 0);
        assert_string_equal(req.user, "alice");
        assert_null(req.tty);
        team_request_clear(&req);
        /* whitespace inside the object is fine; member order is free */
        assert_int_equal(decode_req("{ \"op\" : \"status\" ,\n \"v\" : 1 }", &req, &why), 0);
        assert_int_equal(req.op, TEAM_OP_STATUS);
        /* UTF-8 user names are fine */
        assert_int_equal(decode_req("{\"v\":1,\"op\":\"check\",\"user\":\"j\xc3\xb6rg\",\"role\":\"sudo\",\"service\":\"su\"}",
                                    &req, &why), 0);
        assert_string_equal(req.user, "j\xc3\xb6rg");
        team_request_clear(&req);
        /* ... but not an encoded surrogate, which json-c lets through */
        assert_int_equal(decode_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\xed\xa0\x80\",\"role\":\"sudo\",\"service\":\"su\"}",
                                    &req, &why), -EBADMSG);
}

/* ---- request rejections ---- */

static void test_request_version_op(void **state)
{
        refuse_req("{\"op\":\"status\"}");
        refuse_req("{\"v\":2,\"op\":\"status\"}");
        refuse_req("{\"v\":0,\"op\":\"status\"}");
        refuse_req("{\"v\":\"1\",\"op\":\"status\"}");
        refuse_req("{\"v\":1.0,\"op\":\"status\"}");
        refuse_req("{\"v\":true,\"op\":\"status\"}");
        refuse_req("{\"v\":1}");
        refuse_req("{\"v\":1,\"op\":\"destroy\"}");
        refuse_req("{\"v\":1,\"op\":\"Status\"}");
        refuse_req("{\"v\":1,\"op\":1}");
        refuse_req("{\"v\":1,\"op\":null}");
}

static void test_request_fields(void **state)
{
        /* unknown fields, and fields of another op */
        refuse_req("{\"v\":1,\"op\":\"status\",\"x\":1}");
        refuse_req("{\"v\":1,\"op\":\"status\",\"user\":\"alice\"}");
        refuse_req("{\"v\":1,\"op\":\"grant_add\",\"jws\":\"a.b.c\",\"user\":\"alice\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"role\":\"sudo\",\"service\":\"s\",\"session_id\":\"x\"}");
        refuse_req("{\"v\":1,\"op\":\"session_close\",\"user\":\"a\",\"role\":\"sudo\",\"service\":\"s\",\"session_id\":\"x\",\"failmode_safe\":true}");
        /* required fields */
        refuse_req("{\"v\":1,\"op\":\"check\",\"role\":\"sudo\",\"service\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"service\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"role\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"session_close\",\"user\":\"a\",\"role\":\"sudo\",\"service\":\"s\"}");
        refuse_req("{\"v\":1,\"op\":\"grant_add\"}");
        /* wrong types */
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":1,\"role\":\"sudo\",\"service\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":null,\"role\":\"sudo\",\"service\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":[\"a\"],\"role\":\"sudo\",\"service\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":{},\"role\":\"sudo\",\"service\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"role\":\"sudo\",\"service\":\"sudo\",\"failmode_safe\":\"yes\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"role\":\"sudo\",\"service\":\"sudo\",\"failmode_safe\":1}");
        /* empty required strings; bad role syntax */
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"\",\"role\":\"sudo\",\"service\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"role\":\"su do\",\"service\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"role\":\"../x\",\"service\":\"sudo\"}");
        /* not an object */
        refuse_req("[1,2]");
        refuse_req("\"check\"");
        refuse_req("null");
}

static void test_request_strings(void **state)
{
        char *longuser = repeat('u', TEAM_MAX_USER + 1), *okuser = repeat('u', TEAM_MAX_USER);
        char buf[1024];
        struct team_request req;
        const char *why;

        snprintf(buf, sizeof(buf), "{\"v\":1,\"op\":\"check\",\"user\":\"%s\",\"role\":\"sudo\",\"service\":\"s\"}", okuser);
        assert_int_equal(decode_req(buf, &req, &why), 0);
        team_request_clear(&req);
        snprintf(buf, sizeof(buf), "{\"v\":1,\"op\":\"check\",\"user\":\"%s\",\"role\":\"sudo\",\"service\":\"s\"}", longuser);
        refuse_req(buf);
        free(longuser);
        free(okuser);

        /* control characters, raw or escaped, and C1 controls */
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\\nb\",\"role\":\"sudo\",\"service\":\"s\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\\u001b[2J\",\"role\":\"sudo\",\"service\":\"s\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\x01\",\"role\":\"sudo\",\"service\":\"s\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\\u007f\",\"role\":\"sudo\",\"service\":\"s\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\\u009b\",\"role\":\"sudo\",\"service\":\"s\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"role\":\"sudo\",\"service\":\"s\",\"tty\":\"\\t\"}");
        /* embedded NUL, escaped */
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"root\\u0000x\",\"role\":\"sudo\",\"service\":\"s\"}");
        /* invalid UTF-8 */
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\xff\",\"role\":\"sudo\",\"service\":\"s\"}");
        refuse_req("{\"v\":1,\"op\":\"check\",\"user\":\"a\xc3\",\"role\":\"sudo\",\"service\":\"s\"}");
}

static void test_request_framing_of_payload(void **state)
{
        static const char good[] = "{\"v\":1,\"op\":\"status\"}";
        char buf[64];
        struct team_request req;
        const char *why;

        /* a raw NUL inside the given length */
        memcpy(buf, good, sizeof(good));
        buf[sizeof(good) - 1] = '\0';
        buf[sizeof(good)] = ' ';
        assert_int_equal(team_request_decode(buf, sizeof(good), &req, &why), -EBADMSG);
        /* trailing garbage, trailing whitespace, a second object */
        refuse_req("{\"v\":1,\"op\":\"status\"}x");
        refuse_req("{\"v\":1,\"op\":\"status\"} ");
        refuse_req("{\"v\":1,\"op\":\"status\"}{}");
        /* a length shorter than the text: an incomplete object */
        assert_int_equal(team_request_decode(good, sizeof(good) - 2, &req, &why), -EBADMSG);
        /* empty, and too large */
        assert_int_equal(team_request_decode("", 0, &req, &why), -EBADMSG);
        assert_int_equal(team_request_decode(good, TEAM_PROTO_MAX_FRAME + 1, &req, &why), -EBADMSG);
        /* not strict JSON */
        refuse_req("{'v':1,'op':'status'}");
        refuse_req("{\"v\":1,\"op\":\"status\",}");
        refuse_req("{\"v\":1,\"op\":\"status\"");
        refuse_req("{\"v\":01,\"op\":\"status\"}");
        /* why may be NULL */
        assert_int_equal(team_request_decode("{}", 2, &req, NULL), -EBADMSG);
}

static void test_request_nesting(void **state)
{
        char buf[512];
        size_t i, n = 0;

        n += (size_t)snprintf(buf, sizeof(buf), "{\"v\":1,\"op\":\"status\",\"x\":");
        for (i = 0; i < 100; i++)
                buf[n++] = '[';
        for (i = 0; i < 100; i++)
                buf[n++] = ']';
        buf[n++] = '}';
        buf[n] = '\0';
        refuse_req(buf);
        /* refused by the parser's depth limit, before any field is looked at */
        struct team_request req;
        const char *why = NULL;
        assert_int_equal(decode_req(buf, &req, &why), -EBADMSG);
        assert_string_equal(why, "JSON nested too deeply");
        assert_int_equal(decode_req("{\"v\":1,\"op\":\"status\",\"x\":{\"y\":{\"z\":{\"w\":1}}}}", &req, &why), -EBADMSG);
        assert_string_equal(why, "JSON nested too deeply");
        /* three levels are what a status answer needs */
        assert_int_equal(decode_req("{\"v\":1,\"op\":\"status\",\"x\":[{}]}", &req, &why), -EBADMSG);
        assert_string_equal(why, "unknown field");
}

/* ---- responses ---- */

static void test_response_check(void **state)
{
        struct team_response allow = { .ok = true, .decision = TEAM_DECISION_ALLOW, .grant_id = "g-1",
                                       .expires = 1900000000 };
        struct team_response deny = { .ok = true, .decision = TEAM_DECISION_DENY,
                                      .reason = "no grant for sudo on web1; ask for one: teamctl request sudo" };
        struct team_response pending = { .ok = true, .decision = TEAM_DECISION_PENDING, .reason = "waiting" };
        struct team_response failopen = { .ok = true, .decision = TEAM_DECISION_ALLOW, .fail_open = true };
        struct team_response out;

        roundtrip_resp(TEAM_OP_CHECK, &allow, &out);
        assert_true(out.ok);
        assert_int_equal(out.decision, TEAM_DECISION_ALLOW);
        assert_string_equal(out.grant_id, "g-1");
        assert_int_equal(out.expires, 1900000000);
        assert_false(out.fail_open);
        assert_null(out.reason);
        team_response_clear(&out);

        roundtrip_resp(TEAM_OP_CHECK, &deny, &out);
        assert_int_equal(out.decision, TEAM_DECISION_DENY);
        assert_string_equal(out.reason, deny.reason);
        assert_null(out.grant_id);
        team_response_clear(&out);

        roundtrip_resp(TEAM_OP_CHECK, &pending, &out);
        assert_int_equal(out.decision, TEAM_DECISION_PENDING);
        team_response_clear(&out);

        roundtrip_resp(TEAM_OP_CHECK, &failopen, &out);
        assert_int_equal(out.decision, TEAM_DECISION_ALLOW);
        assert_true(out.fail_open);
        team_response_clear(&out);
        team_response_clear(NULL);
}

static void test_response_sessions_grant_add(void **state)
{
        struct team_response open = { .ok = true, .decision = TEAM_DECISION_ALLOW, .grant_id = "g-1",
                                      .expires = 1900000000, .session_id = "s-1" };
        struct team_response close = { .ok = true };
        struct team_response added = { .ok = true, .grant_id = "0b1f", .expires = 1700000000 };
        struct team_response refused = { .ok = false, .error = "signature does not verify", .grant_id = "x" };
        struct team_response out;

        roundtrip_resp(TEAM_OP_SESSION_OPEN, &open, &out);
        assert_string_equal(out.session_id, "s-1");
        team_response_clear(&out);

        roundtrip_resp(TEAM_OP_SESSION_CLOSE, &close, &out);
        assert_true(out.ok);
        assert_int_equal(out.decision, TEAM_DECISION_NONE);
        team_response_clear(&out);

        roundtrip_resp(TEAM_OP_GRANT_ADD, &added, &out);
        assert_string_equal(out.grant_id, "0b1f");
        assert_int_equal(out.expires, 1700000000);
        team_response_clear(&out);

        /* a refusal carries only its error */
        roundtrip_resp(TEAM_OP_GRANT_ADD, &refused, &out);
        assert_false(out.ok);
        assert_string_equal(out.error, "signature does not verify");
        assert_null(out.grant_id);
        team_response_clear(&out);
}

static void test_response_status(void **state)
{
        struct team_grant_summary g[TEAM_MAX_STATUS_GRANTS + 1];
        struct team_response st = { .ok = true, .host_id = "web1", .api_state = TEAM_API_UNREACHABLE,
                                    .api_since = 1700000000, .n_grants = TEAM_MAX_STATUS_GRANTS, .grants = g };
        struct team_response empty = { .ok = true, .host_id = "web1" };
        struct team_response out;
        char *text = NULL;
        size_t i;

        for (i = 0; i <= TEAM_MAX_STATUS_GRANTS; i++)
                g[i] = (struct team_grant_summary){ .id = "g", .role = "sudo", .reason = "INC-1",
                                                    .nbf = 1700000000, .exp = 1700003600 + (int64_t)i };
        g[1].reason = NULL;
        roundtrip_resp(TEAM_OP_STATUS, &st, &out);
        assert_string_equal(out.host_id, "web1");
        assert_int_equal(out.api_state, TEAM_API_UNREACHABLE);
        assert_int_equal(out.api_since, 1700000000);
        assert_int_equal(out.n_grants, TEAM_MAX_STATUS_GRANTS);
        assert_string_equal(out.grants[0].reason, "INC-1");
        assert_null(out.grants[1].reason);
        assert_int_equal(out.grants[63].exp, 1700003600 + 63);
        team_response_clear(&out);

        roundtrip_resp(TEAM_OP_STATUS, &empty, &out);
        assert_int_equal(out.api_state, TEAM_API_UNCONFIGURED);
        assert_int_equal(out.n_grants, 0);
        assert_null(out.grants);
        team_response_clear(&out);

        /* too many grants, and a grant with a bad role, are not encoded */
        st.n_grants = TEAM_MAX_STATUS_GRANTS + 1;
        assert_int_equal(team_response_encode(TEAM_OP_STATUS, &st, &text, NULL), -EINVAL);
        st.n_grants = 2;
        g[1].role = "bad role";
        assert_int_equal(team_response_encode(TEAM_OP_STATUS, &st, &text, NULL), -EINVAL);
        g[1].role = "sudo";
        /* a payload over the frame cap is not encoded */
        char *reason = repeat('r', TEAM_MAX_REASON);
        for (i = 0; i < TEAM_MAX_STATUS_GRANTS; i++)
                g[i].reason = reason;
        st.n_grants = TEAM_MAX_STATUS_GRANTS;
        assert_int_equal(team_response_encode(TEAM_OP_STATUS, &st, &text, NULL), -EMSGSIZE);
        assert_null(text);
        free(reason);
}

static void test_response_encode_invalid(void **state)
{
        struct team_response r = { .ok = true };
        char *text = NULL;

        /* a check answer needs a decision; an allow needs a grant id */
        assert_int_equal(team_response_encode(TEAM_OP_CHECK, &r, &text, NULL), -EINVAL);
        r.decision = TEAM_DECISION_ALLOW;
        assert_int_equal(team_response_encode(TEAM_OP_CHECK, &r, &text, NULL), -EINVAL);
        /* a refusal needs its error */
        r.ok = false;
        assert_int_equal(team_response_encode(TEAM_OP_CHECK, &r, &text, NULL), -EINVAL);
        r.error = "bad\ntext";
        assert_int_equal(team_response_encode(TEAM_OP_CHECK, &r, &text, NULL), -EINVAL);
        /* times */
        r = (struct team_response){ .ok = true, .decision = TEAM_DECISION_ALLOW, .grant_id = "g", .expires = -1 };
        assert_int_equal(team_response_encode(TEAM_OP_CHECK, &r, &text, NULL), -EINVAL);
        r.decision = (enum team_decision)42;
        r.expires = 1;
        assert_int_equal(team_response_encode(TEAM_OP_CHECK, &r, &text, NULL), -EINVAL);
        assert_int_equal(team_response_encode(TEAM_OP__MAX, &r, &text, NULL), -EINVAL);
        assert_null(text);
}

static void test_response_rejections(void **state)
{
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":2,\"ok\":true,\"decision\":\"deny\"}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":\"true\",\"decision\":\"deny\"}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"maybe\"}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"none\"}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"allow\"}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"deny\",\"extra\":1}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"deny\",\"host_id\":\"h\"}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"allow\",\"grant_id\":\"g\",\"expires\":-5}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"allow\",\"grant_id\":\"g\",\"expires\":1.5}");
        refuse_resp(TEAM_OP_CHECK,
                    "{\"v\":1,\"ok\":true,\"decision\":\"allow\",\"grant_id\":\"g\",\"expires\":99999999999999999999}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"deny\",\"reason\":\"\\u001b]0;pwned\\u0007\"}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":false}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":false,\"error\":7}");
        refuse_resp(TEAM_OP_STATUS, "{\"v\":1,\"ok\":true,\"host_id\":\"h\",\"api_state\":\"up\",\"grants\":[]}");
        refuse_resp(TEAM_OP_STATUS, "{\"v\":1,\"ok\":true,\"api_state\":\"reachable\",\"grants\":[]}");
        refuse_resp(TEAM_OP_STATUS, "{\"v\":1,\"ok\":true,\"host_id\":\"h\",\"api_state\":\"reachable\",\"grants\":{}}");
        refuse_resp(TEAM_OP_STATUS, "{\"v\":1,\"ok\":true,\"host_id\":\"h\",\"api_state\":\"reachable\",\"grants\":[1]}");
        refuse_resp(TEAM_OP_STATUS, "{\"v\":1,\"ok\":true,\"host_id\":\"h\",\"api_state\":\"reachable\","
                                    "\"grants\":[{\"id\":\"g\",\"role\":\"sudo\",\"nbf\":1}]}");
        refuse_resp(TEAM_OP_STATUS, "{\"v\":1,\"ok\":true,\"host_id\":\"h\",\"api_state\":\"reachable\","
                                    "\"grants\":[{\"id\":\"g\",\"role\":\"sudo\",\"nbf\":1,\"exp\":2,\"sub\":\"x\"}]}");
}

static void test_response_too_many_grants(void **state)
{
        const char *head = "{\"v\":1,\"ok\":true,\"host_id\":\"h\",\"api_state\":\"reachable\",\"grants\":[";
        const char *one = "{\"id\":\"g\",\"role\":\"r\",\"nbf\":1,\"exp\":2}";
        size_t cap = strlen(head) + (strlen(one) + 1) * (TEAM_MAX_STATUS_GRANTS + 1) + 4;
        char *buf = malloc(cap);
        struct team_response resp;
        const char *why;
        size_t i;

        assert_non_null(buf);
        for (int extra = 0; extra <= 1; extra++) {
                size_t n = (size_t)snprintf(buf, cap, "%s", head);

                for (i = 0; i < TEAM_MAX_STATUS_GRANTS + (size_t)extra; i++)
                        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "," : "", one);
                snprintf(buf + n, cap - n, "]}");
                if (extra) {
                        refuse_resp(TEAM_OP_STATUS, buf);
                } else {
                        assert_int_equal(team_response_decode(TEAM_OP_STATUS, buf, strlen(buf), &resp, &why), 0);
                        assert_int_equal(resp.n_grants, TEAM_MAX_STATUS_GRANTS);
                        team_response_clear(&resp);
                }
        }
        free(buf);
}

/* sessions (root): the open sessions; session_end: one id. */
static void test_open_sessions_ops(void **state)
{
        struct team_session_summary ss[TEAM_MAX_LIST_SESSIONS + 1];
        struct team_response in = { .ok = true, .n_sessions = 2, .sessions = ss, .sessions_total = 9 };
        struct team_request end = { .op = TEAM_OP_SESSION_END, .session_id = "0123abcd" }, rout;
        struct team_response out;
        char *text = NULL;

        (void)state;
        for (size_t i = 0; i <= TEAM_MAX_LIST_SESSIONS; i++)
                ss[i] = (struct team_session_summary){ .id = "0123abcd", .user = "alice", .role = "sudo",
                                                       .opened = 1700000000, .exp = 1700003600 };
        ss[0].grant_id = "g_1";
        ss[0].tty = "pts/3";
        ss[0].hold = "scope";
        ss[1].breakglass_id = "d1bcd3d3add144cfbc68a66c148c9172";
        roundtrip_resp(TEAM_OP_SESSIONS, &in, &out);
        assert_int_equal(out.n_sessions, 2);
        assert_int_equal(out.sessions_total, 9);
        assert_string_equal(out.sessions[0].hold, "scope");
        assert_string_equal(out.sessions[0].tty, "pts/3");
        assert_null(out.sessions[1].grant_id);
        assert_null(out.sessions[0].breakglass_id);
        assert_string_equal(out.sessions[1].breakglass_id, "d1bcd3d3add144cfbc68a66c148c9172");
        assert_int_equal(out.sessions[1].exp, 1700003600);
        team_response_clear(&out);
        in.n_sessions = TEAM_MAX_LIST_SESSIONS + 1;
        assert_int_equal(team_response_encode(TEAM_OP_SESSIONS, &in, &text, NULL), -EINVAL);
        in.n_sessions = 1;
        ss[0].breakglass_id = "bad use";
        assert_int_equal(team_response_encode(TEAM_OP_SESSIONS, &in, &text, NULL), -EINVAL);
        ss[0].breakglass_id = NULL;
        ss[0].role = "bad role";
        assert_int_equal(team_response_encode(TEAM_OP_SESSIONS, &in, &text, NULL), -EINVAL);
        /* strict: no unknown field in a session, sessions required, and
         * not answered for other ops */
        refuse_resp(TEAM_OP_SESSIONS, "{\"v\":1,\"ok\":true,\"sessions\":[{\"id\":\"a\",\"user\":\"u\","
                                      "\"role\":\"sudo\",\"opened\":1,\"pid\":4}]}");
        refuse_resp(TEAM_OP_SESSIONS, "{\"v\":1,\"ok\":true}");
        refuse_resp(TEAM_OP_SESSIONS, "{\"v\":1,\"ok\":true,\"sessions\":{}}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"deny\",\"sessions\":[]}");
        roundtrip_req(&end, &rout);
        assert_int_equal(rout.op, TEAM_OP_SESSION_END);
        assert_string_equal(rout.session_id, "0123abcd");
        team_request_clear(&rout);
        refuse_req("{\"v\":1,\"op\":\"session_end\"}");
        refuse_req("{\"v\":1,\"op\":\"sessions\",\"session_id\":\"x\"}");
}

/* ---- framing ---- */

static void test_frame_byte_by_byte(void **state)
{
        static const char payload[] = "{\"v\":1,\"op\":\"status\"}";
        struct team_frame_reader rd;
        uint8_t *frame = NULL;
        size_t flen = 0, used, i;

        assert_int_equal(team_frame_build(payload, strlen(payload), &frame, &flen), 0);
        assert_int_equal(flen, TEAM_PROTO_HEADER_LEN + strlen(payload));
        assert_int_equal(frame[0], 0);
        assert_int_equal(frame[3], strlen(payload));

        team_frame_reader_init(&rd, 0);
        assert_int_equal(rd.max, TEAM_PROTO_MAX_FRAME);
        for (i = 0; i < flen - 1; i++) {
                assert_int_equal(team_frame_reader_feed_buf(&rd, frame + i, 1, &used), 0);
                assert_int_equal(used, 1);
        }
        assert_int_equal(team_frame_reader_feed_buf(&rd, frame + i, 1, &used), 1);
        assert_int_equal(rd.body_len, strlen(payload));
        assert_string_equal(rd.body, payload);
        /* a complete frame takes nothing more */
        assert_int_equal(team_frame_reader_feed_buf(&rd, frame, flen, &used), 1);
        assert_int_equal(used, 0);
        team_frame_reader_clear(&rd);
        assert_null(rd.body);

        /* two frames back to back: the reader stops at the end of the first */
        uint8_t two[256];
        memcpy(two, frame, flen);
        memcpy(two + flen, frame, flen);
        assert_int_equal(team_frame_reader_feed_buf(&rd, two, 2 * flen, &used), 1);
        assert_int_equal(used, flen);
        team_frame_reader_clear(&rd);
        free(frame);
}

static void test_frame_limits(void **state)
{
        static const uint8_t huge[] = { 0x00, 0x01, 0x00, 0x01 }; /* 64 KiB + 1 */
        static const uint8_t max4g[] = { 0xff, 0xff, 0xff, 0xff };
        static const uint8_t zero[] = { 0, 0, 0, 0 };
        static const uint8_t small[] = { 0, 0, 0, 9, '{' };
        struct team_frame_reader rd;
        uint8_t *frame = NULL;
        size_t flen, used;
        char *big;

        team_frame_reader_init(&rd, 0);
        assert_int_equal(team_frame_reader_feed_buf(&rd, huge, sizeof(huge), &used), -EMSGSIZE);
        assert_null(rd.body); /* refused before allocating */
        /* and the reader stays failed until cleared */
        assert_int_equal(team_frame_reader_feed_buf(&rd, small, sizeof(small), &used), -EBADMSG);
        team_frame_reader_clear(&rd);

        assert_int_equal(team_frame_reader_feed_buf(&rd, max4g, sizeof(max4g), &used), -EMSGSIZE);
        assert_null(rd.body);
        team_frame_reader_clear(&rd);

        assert_int_equal(team_frame_reader_feed_buf(&rd, zero, sizeof(zero), &used), -EBADMSG);
        assert_null(rd.body);
        team_frame_reader_clear(&rd);

        /* a smaller cap of the caller's own */
        team_frame_reader_init(&rd, 8);
        assert_int_equal(team_frame_reader_feed_buf(&rd, small, sizeof(small), &used), -EMSGSIZE);
        team_frame_reader_clear(&rd);
        assert_int_equal(rd.max, 8);

        /* the builder has the same cap */
        big = repeat('x', TEAM_PROTO_MAX_FRAME + 1);
        assert_int_equal(team_frame_build(big, TEAM_PROTO_MAX_FRAME + 1, &frame, &flen), -EMSGSIZE);
        assert_int_equal(team_frame_build(big, TEAM_PROTO_MAX_FRAME, &frame, &flen), 0);
        team_frame_reader_init(&rd, 0);
        assert_int_equal(team_frame_reader_feed_buf(&rd, frame, flen, &used), 1);
        assert_int_equal(rd.body_len, TEAM_PROTO_MAX_FRAME);
        team_frame_reader_clear(&rd);
        assert_int_equal(team_frame_build(big, 0, &frame, &flen), -EINVAL);
        free(frame);
        free(big);
}

static void test_frame_fd(void **state)
{
        static const char payload[] = "{\"v\":1,\"op\":\"status\"}";
        struct team_frame_reader rd;
        uint8_t *frame = NULL;
        size_t flen;
        int sv[2];

        assert_int_equal(team_frame_build(payload, strlen(payload), &frame, &flen), 0);

        /* non-blocking: partial input gives 0, the rest completes it */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        team_frame_reader_init(&rd, 0);
        assert_int_equal(team_frame_reader_feed(&rd, sv[0]), 0);
        assert_int_equal(write(sv[1], frame, 2), 2);
        assert_int_equal(team_frame_reader_feed(&rd, sv[0]), 0);
        assert_int_equal(write(sv[1], frame + 2, 10), 10);
        assert_int_equal(team_frame_reader_feed(&rd, sv[0]), 0);
        assert_int_equal(write(sv[1], frame + 12, flen - 12), (ssize_t)(flen - 12));
        assert_int_equal(team_frame_reader_feed(&rd, sv[0]), 1);
        assert_string_equal(rd.body, payload);
        team_frame_reader_clear(&rd);

        /* EOF mid-frame */
        assert_int_equal(write(sv[1], frame, flen - 1), (ssize_t)(flen - 1));
        close(sv[1]);
        assert_int_equal(team_frame_reader_feed(&rd, sv[0]), -ECONNRESET);
        team_frame_reader_clear(&rd);
        /* EOF before any byte */
        assert_int_equal(team_frame_reader_feed(&rd, sv[0]), -ECONNRESET);
        team_frame_reader_clear(&rd);
        close(sv[0]);

        /* an oversize header on a socket */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        assert_int_equal(write(sv[1], "\x7f\xff\xff\xff", 4), 4);
        assert_int_equal(team_frame_reader_feed(&rd, sv[0]), -EMSGSIZE);
        assert_null(rd.body);
        team_frame_reader_clear(&rd);
        close(sv[0]);
        close(sv[1]);
        assert_int_equal(team_frame_reader_feed(&rd, -1), -EINVAL);
        free(frame);
}

/* ---- request relay ops ---- */

static void test_request_relay_ops(void **state)
{
        struct team_request in = { .op = TEAM_OP_REQUEST, .role = "sudo", .duration = 3600,
                                   .reason = "INC-4711 disk full", .ticket = "INC-4711" };
        struct team_request wait = { .op = TEAM_OP_REQUEST_WAIT, .request_id = "r_6c1f0e7d2a9b3c4d", .timeout = 10 };
        struct team_request out;
        char *text = NULL;

        roundtrip_req(&in, &out);
        assert_int_equal(out.op, TEAM_OP_REQUEST);
        assert_null(out.user);
        assert_int_equal(out.duration, 3600);
        assert_string_equal(out.reason, "INC-4711 disk full");
        assert_string_equal(out.ticket, "INC-4711");
        team_request_clear(&out);
        roundtrip_req(&wait, &out);
        assert_int_equal(out.op, TEAM_OP_REQUEST_WAIT);
        assert_string_equal(out.request_id, "r_6c1f0e7d2a9b3c4d");
        assert_int_equal(out.timeout, 10);
        team_request_clear(&out);

        /* the encoder refuses what it could not send */
        in.duration = 0;
        assert_int_equal(team_request_encode(&in, &text, NULL), -EINVAL);
        in.duration = TEAM_MAX_DURATION + 1;
        assert_int_equal(team_request_encode(&in, &text, NULL), -EINVAL);
        wait.timeout = TEAM_MAX_WAIT + 1;
        assert_int_equal(team_request_encode(&wait, &text, NULL), -EINVAL);
        wait.timeout = 5;
        wait.request_id = "r_1 2";
        assert_int_equal(team_request_encode(&wait, &text, NULL), -EINVAL);
        assert_null(text);

        /* strict decoding */
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\"}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"duration\":60}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":0}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":-5}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":60.0}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":\"60\"}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":31622401}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":60,\"reason\":\"\"}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":60,\"reason\":\"a\\nb\"}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":60,\"timeout\":5}");
        refuse_req("{\"v\":1,\"op\":\"request\",\"role\":\"sudo\",\"duration\":60,\"jws\":\"a.b.c\"}");
        refuse_req("{\"v\":1,\"op\":\"request_wait\",\"request_id\":\"r_1\"}");
        refuse_req("{\"v\":1,\"op\":\"request_wait\",\"timeout\":5}");
        refuse_req("{\"v\":1,\"op\":\"request_wait\",\"request_id\":\"r_1\",\"timeout\":3601}");
        refuse_req("{\"v\":1,\"op\":\"request_wait\",\"request_id\":\"../r\",\"timeout\":5}");
        refuse_req("{\"v\":1,\"op\":\"request_wait\",\"request_id\":\"r_1\",\"timeout\":5,\"role\":\"sudo\"}");
        /* user is allowed (the root socket sends it; teamd refuses it on the user socket) */
        assert_int_equal(team_request_decode("{\"v\":1,\"op\":\"request_wait\",\"user\":\"bob\",\"request_id\":\"r_1\","
                                             "\"timeout\":5}", 71, &out, NULL), 0);
        assert_string_equal(out.user, "bob");
        team_request_clear(&out);
}

/* request_cancel: the id only (and user on the root socket); answered
 * like request_wait. status lists the caller's open requests. */
static void test_request_cancel_and_open_requests(void **state)
{
        struct team_request cancel = { .op = TEAM_OP_REQUEST_CANCEL, .request_id = "r_6c1f0e7d2a9b3c4d" };
        struct team_response done = { .ok = true, .request_id = "r_6c1f0e7d2a9b3c4d", .request_status = "cancelled" };
        struct team_request_summary q[TEAM_MAX_STATUS_REQUESTS + 1];
        struct team_response st = { .ok = true, .host_id = "web1", .n_requests = 2, .requests = q };
        struct team_request out;
        struct team_response rout;
        char *text = NULL;

        roundtrip_req(&cancel, &out);
        assert_int_equal(out.op, TEAM_OP_REQUEST_CANCEL);
        assert_string_equal(out.request_id, "r_6c1f0e7d2a9b3c4d");
        team_request_clear(&out);
        refuse_req("{\"v\":1,\"op\":\"request_cancel\"}");
        refuse_req("{\"v\":1,\"op\":\"request_cancel\",\"request_id\":\"r_1\",\"timeout\":5}");
        refuse_req("{\"v\":1,\"op\":\"request_cancel\",\"request_id\":\"r_1\",\"role\":\"sudo\"}");
        roundtrip_resp(TEAM_OP_REQUEST_CANCEL, &done, &rout);
        assert_string_equal(rout.request_status, "cancelled");
        team_response_clear(&rout);

        for (size_t i = 0; i <= TEAM_MAX_STATUS_REQUESTS; i++)
                q[i] = (struct team_request_summary){ .id = "r_1", .role = "sudo", .expires = 1700000000 };
        q[1].expires = 0;
        roundtrip_resp(TEAM_OP_STATUS, &st, &rout);
        assert_int_equal(rout.n_requests, 2);
        assert_string_equal(rout.requests[0].id, "r_1");
        assert_int_equal(rout.requests[0].expires, 1700000000);
        assert_int_equal(rout.requests[1].expires, 0);
        team_response_clear(&rout);
        st.n_requests = TEAM_MAX_STATUS_REQUESTS + 1;
        assert_int_equal(team_response_encode(TEAM_OP_STATUS, &st, &text, NULL), -EINVAL);
        st.n_requests = 1;
        q[0].id = "r 1";
        assert_int_equal(team_response_encode(TEAM_OP_STATUS, &st, &text, NULL), -EINVAL);
        assert_null(text);
        /* the decoder checks each entry like a grant's */
        refuse_resp(TEAM_OP_STATUS, "{\"v\":1,\"ok\":true,\"host_id\":\"h\",\"api_state\":\"reachable\","
                                    "\"grants\":[],\"requests\":[{\"id\":\"r_1\"}]}");
        team_response_clear(&rout);
}

/* status: the caller's grants, open requests and open sessions in one
 * answer, each its own list. */
static void test_status_all_lists(void **state)
{
        struct team_grant_summary g = { .id = "g_1", .role = "sudo", .nbf = 1700000000, .exp = 1700003600 };
        struct team_request_summary q = { .id = "r_1", .role = "db", .expires = 1700000900 };
        struct team_session_summary ss = { .id = "s1", .user = "alice", .role = "sudo", .grant_id = "g_1",
                                           .opened = 1700000100, .exp = 1700003600 };
        struct team_response st = { .ok = true, .host_id = "web1", .n_grants = 1, .grants = &g, .n_requests = 1,
                                    .requests = &q, .n_sessions = 1, .sessions = &ss };
        struct team_response out;

        (void)state;
        roundtrip_resp(TEAM_OP_STATUS, &st, &out);
        assert_int_equal(out.n_grants, 1);
        assert_string_equal(out.grants[0].id, "g_1");
        assert_int_equal(out.n_requests, 1);
        assert_string_equal(out.requests[0].role, "db");
        assert_int_equal(out.n_sessions, 1);
        assert_string_equal(out.sessions[0].grant_id, "g_1");
        team_response_clear(&out);
        /* sessions_total belongs to the sessions op only */
        refuse_resp(TEAM_OP_STATUS, "{\"v\":1,\"ok\":true,\"host_id\":\"h\",\"api_state\":\"reachable\","
                                    "\"grants\":[],\"sessions_total\":3}");
}

static void test_response_relay_ops(void **state)
{
        struct team_response filed = { .ok = true, .request_id = "r_6c1f0e7d2a9b3c4d", .request_status = "pending",
                                       .approvers = "bob, carol", .request_expires = 1764003600 };
        struct team_response refused = { .ok = true, .request_status = "refused", .ticket_required = true,
                                         .reason = "role sudo needs a ticket matching ^INC-[0-9]+$" };
        struct team_response active = { .ok = true, .request_id = "r_6c1f0e7d2a9b3c4d", .request_status = "active",
                                        .grant_id = "g_0a1b2c3d4e5f6789", .expires = 1764003700 };
        struct team_response out;
        char *text = NULL;

        roundtrip_resp(TEAM_OP_REQUEST, &filed, &out);
        assert_string_equal(out.request_id, "r_6c1f0e7d2a9b3c4d");
        assert_string_equal(out.request_status, "pending");
        assert_string_equal(out.approvers, "bob, carol");
        assert_int_equal(out.request_expires, 1764003600);
        assert_false(out.ticket_required);
        team_response_clear(&out);
        roundtrip_resp(TEAM_OP_REQUEST, &refused, &out);
        assert_null(out.request_id);
        assert_true(out.ticket_required);
        team_response_clear(&out);
        roundtrip_resp(TEAM_OP_REQUEST_WAIT, &active, &out);
        assert_string_equal(out.grant_id, "g_0a1b2c3d4e5f6789");
        assert_int_equal(out.expires, 1764003700);
        team_response_clear(&out);

        /* status is required; members of other ops are refused */
        active.request_status = NULL;
        assert_int_equal(team_response_encode(TEAM_OP_REQUEST_WAIT, &active, &text, NULL), -EINVAL);
        assert_null(text);
        refuse_resp(TEAM_OP_REQUEST, "{\"v\":1,\"ok\":true,\"request_id\":\"r_1\"}");
        refuse_resp(TEAM_OP_REQUEST, "{\"v\":1,\"ok\":true,\"status\":\"pending\",\"decision\":\"allow\"}");
        refuse_resp(TEAM_OP_REQUEST, "{\"v\":1,\"ok\":true,\"status\":\"pen ding\"}");
        refuse_resp(TEAM_OP_REQUEST, "{\"v\":1,\"ok\":true,\"status\":\"pending\",\"approvers\":\"\\u001b[2J\"}");
        refuse_resp(TEAM_OP_REQUEST_WAIT, "{\"v\":1,\"ok\":true,\"status\":\"active\",\"approvers\":\"bob\"}");
        refuse_resp(TEAM_OP_REQUEST_WAIT, "{\"v\":1,\"ok\":true,\"status\":\"active\",\"ticket_required\":true}");
        refuse_resp(TEAM_OP_CHECK, "{\"v\":1,\"ok\":true,\"decision\":\"deny\",\"status\":\"pending\"}");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_request_check),
                cmocka_unit_test(test_request_sessions),
                cmocka_unit_test(test_request_grant_add_status),
                cmocka_unit_test(test_request_exact_text),
                cmocka_unit_test(test_request_version_op),
                cmocka_unit_test(test_request_fields),
                cmocka_unit_test(test_request_strings),
                cmocka_unit_test(test_request_framing_of_payload),
                cmocka_unit_test(test_request_nesting),
                cmocka_unit_test(test_response_check),
                cmocka_unit_test(test_response_sessions_grant_add),
                cmocka_unit_test(test_response_status),
                cmocka_unit_test(test_response_encode_invalid),
                cmocka_unit_test(test_response_rejections),
                cmocka_unit_test(test_response_too_many_grants),
                cmocka_unit_test(test_open_sessions_ops),
                cmocka_unit_test(test_frame_byte_by_byte),
                cmocka_unit_test(test_frame_limits),
                cmocka_unit_test(test_frame_fd),
                cmocka_unit_test(test_request_relay_ops),
                cmocka_unit_test(test_response_relay_ops),
                cmocka_unit_test(test_request_cancel_and_open_requests),
                cmocka_unit_test(test_status_all_lists),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
