/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: what team-server reads from a host's checkpoint POST and
 * from an admin's host-key argument (server/checkpoint_body.c). The first
 * byte picks the reader: even, the checkpoint body (of host "web1"); odd,
 * the host key (the rest up to its first NUL). Properties: no crash or
 * leak; a refusal says why; what is accepted is an AuditCheckpoint of
 * web1 with a chain position, a 43-character key and a signature that
 * verifies with it; an accepted key is canonical (read again, the same). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit_verify.h"
#include "server/checkpoint_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_body(const uint8_t *data, size_t size)
{
        struct team_audit_event_parsed p;
        const struct team_audit_event *ev = &p.ev;
        char err[256] = "";
        int r = checkpoint_parse((const char *)data, size, "web1", &p, err, sizeof(err));

        if (r == -ENOMEM)
                return;
        if (r < 0) {
                if ((r != -EBADMSG && r != -EKEYREJECTED) || err[0] == '\0')
                        abort();
                return;
        }
        if (ev->type != TEAM_EVENT_AUDIT_CHECKPOINT || !ev->host || strcmp(ev->host, "web1") != 0 ||
            ev->seq == 0 || !ev->host_key || strlen(ev->host_key) != CHECKPOINT_KEY_LEN || !ev->signature ||
            team_audit_checkpoint_verify(ev, NULL) != 0)
                abort();
        team_audit_event_parsed_clear(&p);
}

static void read_key(const uint8_t *data, size_t size)
{
        char *text = strndup((const char *)data, size);
        char key[CHECKPOINT_KEY_LEN + 1], again[CHECKPOINT_KEY_LEN + 1];

        if (!text)
                return;
        if (checkpoint_key_parse(text, key) == 0) {
                if (strlen(key) != CHECKPOINT_KEY_LEN || checkpoint_key_parse(key, again) != 0 ||
                    strcmp(key, again) != 0)
                        abort();
        } else if (key[0] != '\0') {
                abort();
        }
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size == 0)
                return 0;
        if (data[0] % 2 == 0)
                read_body(data + 1, size - 1);
        else
                read_key(data + 1, size - 1);
        return 0;
}
