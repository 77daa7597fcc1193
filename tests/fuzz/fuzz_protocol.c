/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the frame reader and the request/response decoders of both
 * encodings (packed and JSON).
 *
 * Each input is used twice: as a byte stream for the frame reader (fed in
 * chunks whose sizes come from the input, so split headers and bodies are
 * covered), with every complete frame's body decoded; and as one raw
 * payload for the decoders. Whatever decodes must encode again, in either
 * encoding, and decode to the same thing: each encoder and its decoder
 * accept the same language, and both encodings carry the same values. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* a encoded and decoded again into *b, packed or in JSON: 0, 1 when a is
 * too large to encode, or aborts. */
static int request_again(const struct team_request *a, bool packed, struct team_request *b)
{
        char *text = NULL;
        uint8_t *bin = NULL;
        size_t len = 0;
        int r = packed ? team_request_pack(a, &bin, &len) : team_request_encode(a, &text, &len);

        if (r == -EMSGSIZE || r == -ENOMEM)
                return 1;
        if (r < 0 || (packed ? team_request_unpack(bin, len, b, NULL) : team_request_decode(text, len, b, NULL)) < 0)
                abort();
        free(text);
        free(bin);
        return 0;
}

static void check_request_roundtrip(const struct team_request *a)
{
        struct team_request b;

        for (int packed = 0; packed < 2; packed++) {
                if (request_again(a, packed, &b))
                        continue;
                if (a->op != b.op || a->failmode_safe != b.failmode_safe || !same_str(a->user, b.user) ||
                    !same_str(a->role, b.role) || !same_str(a->service, b.service) || !same_str(a->tty, b.tty) ||
                    !same_str(a->rhost, b.rhost) || !same_str(a->session_id, b.session_id) ||
                    !same_str(a->jws, b.jws) || a->duration != b.duration || a->timeout != b.timeout ||
                    !same_str(a->request_id, b.request_id) || !same_str(a->reason, b.reason) ||
                    !same_str(a->ticket, b.ticket))
                        abort();
                team_request_clear(&b);
        }
}

static int response_again(enum team_op op, const struct team_response *a, bool packed, struct team_response *b)
{
        char *text = NULL;
        uint8_t *bin = NULL;
        size_t len = 0;
        int r = packed ? team_response_pack(op, a, &bin, &len) : team_response_encode(op, a, &text, &len);

        if (r == -EMSGSIZE || r == -ENOMEM)
                return 1;
        if (r < 0 || (packed ? team_response_unpack(op, bin, len, b, NULL)
                             : team_response_decode(op, text, len, b, NULL)) < 0)
                abort();
        free(text);
        free(bin);
        return 0;
}

static void check_response_roundtrip(enum team_op op, const struct team_response *a)
{
        struct team_response b;
        size_t i;

        for (int packed = 0; packed < 2; packed++) {
                if (response_again(op, a, packed, &b))
                        continue;
                /* a refusal keeps only its error */
                if (a->ok != b.ok || !same_str(a->error, b.error))
                        abort();
                if (a->ok && (a->decision != b.decision || a->expires != b.expires || a->fail_open != b.fail_open ||
                              !same_str(a->grant_id, b.grant_id) || !same_str(a->reason, b.reason) ||
                              !same_str(a->session_id, b.session_id) || !same_str(a->host_id, b.host_id) ||
                              a->api_state != b.api_state || a->api_since != b.api_since || a->n_grants != b.n_grants))
                        abort();
                for (i = 0; a->ok && i < a->n_grants; i++)
                        if (!same_str(a->grants[i].id, b.grants[i].id) || !same_str(a->grants[i].role, b.grants[i].role) ||
                            !same_str(a->grants[i].reason, b.grants[i].reason) || a->grants[i].nbf != b.grants[i].nbf ||
                            a->grants[i].exp != b.grants[i].exp)
                                abort();
                if (a->ok && a->n_requests != b.n_requests)
                        abort();
                for (i = 0; a->ok && i < a->n_requests; i++)
                        if (!same_str(a->requests[i].id, b.requests[i].id) ||
                            !same_str(a->requests[i].role, b.requests[i].role) || a->requests[i].expires != b.requests[i].expires)
                                abort();
                if (a->ok && (a->n_sessions != b.n_sessions || a->audit_depth != b.audit_depth ||
                              !same_str(a->request_status, b.request_status) || !same_str(a->approvers, b.approvers)))
                        abort();
                for (i = 0; a->ok && i < a->n_sessions; i++)
                        if (!same_str(a->sessions[i].id, b.sessions[i].id) || a->sessions[i].exp != b.sessions[i].exp ||
                            !same_str(a->sessions[i].breakglass_id, b.sessions[i].breakglass_id))
                                abort();
                team_response_clear(&b);
        }
}

static void decode_payload(const char *buf, size_t len)
{
        struct team_request req;
        struct team_response resp;
        const char *why = NULL;
        unsigned op;

        if (team_request_decode(buf, len, &req, &why) == 0 || team_request_unpack(buf, len, &req, &why) == 0) {
                check_request_roundtrip(&req);
                team_request_clear(&req);
        }
        for (op = 0; op < TEAM_OP__MAX; op++) {
                if (team_response_decode((enum team_op)op, buf, len, &resp, &why) == 0 ||
                    team_response_unpack((enum team_op)op, buf, len, &resp, &why) == 0) {
                        check_response_roundtrip((enum team_op)op, &resp);
                        team_response_clear(&resp);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct team_frame_reader rd;
        size_t pos = 0, chunk, used;
        char *copy;
        int r = 0;

        /* 1. the frame reader; chunk sizes 1..16 from the first byte */
        chunk = size ? (size_t)(data[0] % 16) + 1 : 1;
        team_frame_reader_init(&rd, 0);
        while (pos < size) {
                size_t n = size - pos < chunk ? size - pos : chunk;

                r = team_frame_reader_feed_buf(&rd, data + pos, n, &used);
                if (used > n)
                        abort();
                pos += used;
                if (r < 0)
                        break;
                if (r == 1) {
                        if (rd.body_len == 0 || rd.body_len > TEAM_PROTO_MAX_FRAME || rd.body[rd.body_len] != '\0')
                                abort();
                        decode_payload(rd.body, rd.body_len);
                        team_frame_reader_clear(&rd);
                } else if (used != n) {
                        abort(); /* it takes everything until a frame is complete */
                }
        }
        team_frame_reader_clear(&rd);

        /* 2. the whole input as one payload, in an exact-size copy */
        copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        if (size)
                memcpy(copy, data, size);
        decode_payload(copy, size);
        free(copy);
        return 0;
}
