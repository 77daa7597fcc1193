/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: what teamd's request relay does with team-server's answers
 * (teamd/relay/relay_json.c): a request object (POST /v1/requests, GET
 * /v1/requests/{id}) and an error body. Properties: no crash or leak; and
 * whatever the parser keeps can be sent on in a protocol answer, because
 * teamd's late answer to pam_team or teamctl must never fail to encode:
 * the ids and status are protocol tokens, the approvers and texts are
 * printable and within their caps. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "teamd/relay/relay_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_encode(enum team_op op, const struct team_response *resp)
{
        char *out = NULL;

        if (team_response_encode(op, resp, &out, NULL) != 0)
                abort();
        free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct relay_answer a;
        char *text, *msg;

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (relay_answer_parse(text, size, &a) == 0) {
                struct team_response filed = {
                        .ok = true, .request_id = a.id, .request_status = a.status, .approvers = a.approvers,
                        .request_expires = a.expires_at,
                };
                struct team_response waited = {
                        .ok = true, .request_id = a.id, .request_status = a.status, .grant_id = a.grant_id,
                        .reason = a.last_comment,
                };

                must_encode(TEAM_OP_REQUEST, &filed);
                must_encode(TEAM_OP_REQUEST_WAIT, &waited);
                if (a.jws && strlen(a.jws) > TEAM_MAX_JWS)
                        abort();
                relay_answer_clear(&a);
        }
        msg = relay_error_message(text, size);
        if (msg) {
                struct team_response refused = { .ok = true, .request_status = (char *)"refused", .reason = msg };

                must_encode(TEAM_OP_REQUEST, &refused);
                free(msg);
        }
        free(text);
        return 0;
}
