/* SPDX-License-Identifier: BSD-3-Clause */
/* The packed encoding of the wire protocol (common/protocol_pack.c): exact
 * bytes of a check, round trips through both encodings, and the refusal of
 * every malformed payload: cut short at each length, fields out of order,
 * repeated, unknown or not allowed for the op, over-long or NUL-bearing
 * strings, out-of-range values, another version, trailing bytes. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "protocol.h"

static const struct team_request check = {
        .op = TEAM_OP_CHECK, .user = "alice", .role = "sudo", .service = "sudo", .tty = "/dev/pts/3",
        .failmode_safe = true,
};

/* 00 version op, then tag/value pairs in table order, then 00. */
static const uint8_t check_bytes[] = {
        0x00, TEAM_PROTO_VERSION, TEAM_OP_CHECK,
        1, 0, 5, 'a', 'l', 'i', 'c', 'e',        /* user */
        2, 0, 4, 's', 'u', 'd', 'o',             /* role */
        3, 0, 4, 's', 'u', 'd', 'o',             /* service */
        4, 0, 10, '/', 'd', 'e', 'v', '/', 'p', 't', 's', '/', '3', /* tty */
        6, 1,                                    /* failmode_safe */
        0x00,
};

static void refuse_req_bytes(const uint8_t *buf, size_t len)
{
        struct team_request req;
        const char *why = NULL;
        int r = team_request_unpack(buf, len, &req, &why);

        if (r != -EBADMSG)
                fail_msg("accepted (%d) %zu bytes", r, len);
        assert_non_null(why);
        assert_null(req.user);
}

static void pack_check_exact(void **state)
{
        uint8_t *out = NULL, *frame = NULL;
        size_t len = 0, flen = 0;

        (void)state;
        assert_int_equal(team_request_pack(&check, &out, &len), 0);
        assert_int_equal(len, sizeof(check_bytes));
        assert_memory_equal(out, check_bytes, len);
        assert_true(team_payload_is_packed(out, len));
        /* the frame is the same payload after its 4-byte length */
        assert_int_equal(team_request_pack_frame(&check, &frame, &flen), 0);
        assert_int_equal(flen, 4 + len);
        assert_int_equal(frame[0] << 24 | frame[1] << 16 | frame[2] << 8 | frame[3], len);
        assert_memory_equal(frame + 4, out, len);
        free(out);
        free(frame);
}

static void unpack_check(void **state)
{
        struct team_request req;
        const char *why = NULL;

        (void)state;
        assert_int_equal(team_request_unpack(check_bytes, sizeof(check_bytes), &req, &why), 0);
        assert_int_equal(req.op, TEAM_OP_CHECK);
        assert_string_equal(req.user, "alice");
        assert_string_equal(req.tty, "/dev/pts/3");
        assert_null(req.rhost);
        assert_true(req.failmode_safe);
        team_request_clear(&req);
}

static void every_cut_refused(void **state)
{
        (void)state;
        for (size_t n = 0; n < sizeof(check_bytes); n++)
                refuse_req_bytes(check_bytes, n);
}

/* check_bytes with byte i set to v */
static void refuse_with(size_t i, uint8_t v)
{
        uint8_t buf[sizeof(check_bytes)];

        memcpy(buf, check_bytes, sizeof(buf));
        buf[i] = v;
        refuse_req_bytes(buf, sizeof(buf));
}

static void bad_bytes_refused(void **state)
{
        uint8_t buf[sizeof(check_bytes) + 1];

        (void)state;
        refuse_with(0, '{');                      /* not packed */
        refuse_with(1, TEAM_PROTO_VERSION + 1);   /* another release */
        refuse_with(2, TEAM_OP__MAX);             /* unknown op */
        refuse_with(2, TEAM_OP_GRANT_ADD);        /* user, role ... not allowed for grant_add */
        refuse_with(11, 1);                       /* role's tag repeats user's */
        refuse_with(18, 2);                       /* service's tag before role's */
        refuse_with(25, 200);                     /* unknown tag */
        refuse_with(sizeof(check_bytes) - 2, 2);  /* a bool that is 2 */
        refuse_with(6, 0);                        /* NUL inside a string */
        refuse_with(6, 0x1b);                     /* ESC inside a string */
        refuse_with(5, 200);                      /* a length past the end */
        memcpy(buf, check_bytes, sizeof(check_bytes));
        buf[sizeof(check_bytes)] = 0;
        refuse_req_bytes(buf, sizeof(buf));       /* trailing bytes */
}

static void required_and_caps(void **state)
{
        /* a check without service */
        static const uint8_t no_service[] = { 0x00, TEAM_PROTO_VERSION, TEAM_OP_CHECK, 1, 0, 1, 'a', 2, 0, 1, 's', 0 };
        struct team_request long_user = check;
        char *user = malloc(TEAM_MAX_USER + 2);
        uint8_t *out = NULL;

        (void)state;
        refuse_req_bytes(no_service, sizeof(no_service));
        assert_non_null(user);
        memset(user, 'u', TEAM_MAX_USER + 1);
        user[TEAM_MAX_USER + 1] = '\0';
        long_user.user = user;
        assert_int_equal(team_request_pack(&long_user, &out, NULL), -EINVAL);
        user[TEAM_MAX_USER] = '\0';
        assert_int_equal(team_request_pack(&long_user, &out, NULL), 0);
        free(out);
        free(user);
}

/* A status answer with lists, through both encodings: the same values. */
static void response_both_encodings(void **state)
{
        struct team_grant_summary g[2] = {
                { .id = "g1", .role = "sudo", .reason = "", .nbf = 1, .exp = 2 },
                { .id = "g2", .user = "bob", .role = "ssh", .nbf = 3, .exp = 4 },
        };
        struct team_session_summary ses = { .id = "s1", .user = "bob", .role = "ssh", .opened = 5, .exp = 6,
                                            .breakglass_id = "bg_1" };
        struct team_response in = {
                .ok = true, .host_id = "h", .api_state = TEAM_API_FAILING, .api_since = 7,
                .n_grants = 2, .grants = g, .n_sessions = 1, .sessions = &ses, .audit_depth = 9,
        };
        struct team_response out[2];
        uint8_t *bin = NULL;
        char *text = NULL;
        size_t blen = 0, tlen = 0;

        (void)state;
        assert_int_equal(team_response_pack(TEAM_OP_STATUS, &in, &bin, &blen), 0);
        assert_int_equal(team_response_unpack(TEAM_OP_STATUS, bin, blen, &out[0], NULL), 0);
        assert_int_equal(team_response_encode(TEAM_OP_STATUS, &in, &text, &tlen), 0);
        assert_int_equal(team_response_decode(TEAM_OP_STATUS, text, tlen, &out[1], NULL), 0);
        for (int i = 0; i < 2; i++) {
                assert_int_equal(out[i].api_state, TEAM_API_FAILING);
                assert_int_equal(out[i].n_grants, 2);
                assert_string_equal(out[i].grants[1].user, "bob");
                assert_string_equal(out[i].grants[0].reason, "");
                assert_int_equal(out[i].grants[1].exp, 4);
                assert_int_equal(out[i].n_sessions, 1);
                assert_string_equal(out[i].sessions[0].breakglass_id, "bg_1");
                assert_int_equal(out[i].audit_depth, 9);
                team_response_clear(&out[i]);
        }
        /* the answer to another op is refused */
        assert_int_equal(team_response_unpack(TEAM_OP_CHECK, bin, blen, &out[0], NULL), -EBADMSG);
        free(bin);
        free(text);
}

static void refusal(void **state)
{
        struct team_response in = { .ok = false, .error = "no" }, out;
        uint8_t *bin = NULL;
        size_t len = 0;

        (void)state;
        assert_int_equal(team_response_pack(TEAM_OP_CHECK, &in, &bin, &len), 0);
        assert_int_equal(team_response_unpack(TEAM_OP_CHECK, bin, len, &out, NULL), 0);
        assert_false(out.ok);
        assert_string_equal(out.error, "no");
        team_response_clear(&out);
        /* an allow needs a grant id unless it is fail-open */
        in = (struct team_response){ .ok = true, .decision = TEAM_DECISION_ALLOW };
        free(bin);
        assert_int_equal(team_response_pack(TEAM_OP_CHECK, &in, &bin, &len), -EINVAL);
        in.fail_open = true;
        assert_int_equal(team_response_pack(TEAM_OP_CHECK, &in, &bin, &len), 0);
        bin[len - 2] = 0; /* fail_open = 0: an allow without grant_id */
        assert_int_equal(team_response_unpack(TEAM_OP_CHECK, bin, len, &out, NULL), -EBADMSG);
        free(bin);
}

/* teamd answers a packed request that does not decode with a refusal for
 * the op its header names, so that the module can read why. */
static void op_of_bad_request(void **state)
{
        static const uint8_t bad_close[] = { 0x00, TEAM_PROTO_VERSION, TEAM_OP_SESSION_CLOSE, 99, 0 };
        static const uint8_t bad_op[] = { 0x00, TEAM_PROTO_VERSION, TEAM_OP__MAX, 0 };

        (void)state;
        refuse_req_bytes(bad_close, sizeof(bad_close));
        assert_int_equal(team_packed_op(bad_close, sizeof(bad_close), TEAM_OP_CHECK), TEAM_OP_SESSION_CLOSE);
        assert_int_equal(team_packed_op(bad_op, sizeof(bad_op), TEAM_OP_CHECK), TEAM_OP_CHECK);
        assert_int_equal(team_packed_op(bad_close, 2, TEAM_OP_CHECK), TEAM_OP_CHECK);
        assert_int_equal(team_packed_op("{\"v\":1}", 7, TEAM_OP_CHECK), TEAM_OP_CHECK);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(pack_check_exact),
                cmocka_unit_test(unpack_check),
                cmocka_unit_test(every_cut_refused),
                cmocka_unit_test(bad_bytes_refused),
                cmocka_unit_test(required_and_caps),
                cmocka_unit_test(response_both_encodings),
                cmocka_unit_test(refusal),
                cmocka_unit_test(op_of_bad_request),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
