/* SPDX-License-Identifier: BSD-3-Clause */
/* A checkpoint body and an admin's host key; see checkpoint_body.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_verify.h"
#include "checkpoint_body.h"
#include "jws.h"

int checkpoint_parse(const char *body, size_t len, const char *host, struct team_audit_event_parsed *out,
                     char *err, size_t errlen)
{
        const struct team_audit_event *ev = &out->ev;
        int r;

        memset(out, 0, sizeof(*out));
        if (!body || len == 0) {
                snprintf(err, errlen, "the body is the AuditCheckpoint event teamd signed, as JSON");
                return -EBADMSG;
        }
        r = team_audit_event_from_json(body, len, out);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                snprintf(err, errlen, "not an audit event: one JSON object of known members, each of its type and "
                                      "within its bounds (docs/audit.md)");
                return -EBADMSG;
        }
        r = -EBADMSG;
        if (ev->type != TEAM_EVENT_AUDIT_CHECKPOINT)
                snprintf(err, errlen, "type must be AuditCheckpoint");
        else if (!ev->host || strcmp(ev->host, host) != 0)
                snprintf(err, errlen, "host must be %s, the host of the path and of the token", host);
        else if (ev->seq == 0)
                snprintf(err, errlen, "seq and prev are missing: only a checkpoint of the chain can be recorded");
        else if (!ev->host_key || strlen(ev->host_key) != CHECKPOINT_KEY_LEN)
                snprintf(err, errlen, "host_key must be the host's Ed25519 public key, %d base64url characters",
                         CHECKPOINT_KEY_LEN);
        else if (!ev->signature)
                snprintf(err, errlen, "signature is missing");
        else if ((r = team_audit_checkpoint_verify(ev, NULL)) == -EBADMSG) {
                snprintf(err, errlen, "the signature does not verify with the host_key the checkpoint carries");
                r = -EKEYREJECTED;
        }
        if (r < 0)
                team_audit_event_parsed_clear(out);
        return r;
}

int checkpoint_key_parse(const char *text, char out[static CHECKPOINT_KEY_LEN + 1])
{
        uint8_t *raw = NULL;
        size_t n = 0;
        int r = -EINVAL;

        out[0] = '\0';
        if (!text)
                return -EINVAL;
        if (strncmp(text, "ed25519:", 8) == 0)
                text += 8;
        /* The decoder accepts exactly one spelling of each byte string,
         * so the text is the canonical form once it decodes. */
        if (strlen(text) == CHECKPOINT_KEY_LEN && team_b64url_decode(text, CHECKPOINT_KEY_LEN, &raw, &n) == 0 &&
            n == 32) {
                memcpy(out, text, CHECKPOINT_KEY_LEN + 1);
                r = 0;
        }
        free(raw);
        return r;
}
