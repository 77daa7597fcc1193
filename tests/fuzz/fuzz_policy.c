/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the team-server policy file (server/policy.c on
 * common/config_parser.c). Properties: no crash or leak; a refusal always
 * says why; what is accepted honours the ranges, every role has a valid
 * unique name, and a role with a ticket_pattern has it compiled (matching
 * runs). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "server/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                if (!is_valid_token_name(v[i], 4095))
                        abort();
}

static void check_role(const struct srv_policy *p, size_t i)
{
        const struct srv_role_policy *rp = &p->roles[i];

        if (!is_valid_token_name(rp->name, 64) || srv_policy_find(p, rp->name) != rp)
                abort();
        if (rp->approvals_required < 1 || rp->approvals_required > 32 || rp->denials_required < 1 ||
            rp->denials_required > 32)
                abort();
        if (rp->max_duration < 1 || rp->request_ttl < 1)
                abort();
        check_list(rp->approver_groups);
        check_list(rp->requester_groups);
        check_list(rp->host_groups);
        check_list(rp->auto_approve_groups);
        (void)srv_policy_ticket_ok(rp, "INC-1");
        if (rp->ticket_pattern && srv_policy_ticket_ok(rp, NULL))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct srv_policy *p = NULL;
        char err[512];
        char *text;
        int r;

        if (size > 64 * 1024)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        if (size)
                memcpy(text, data, size);
        text[size] = '\0';
        r = srv_policy_load_string(text, "policy.conf", &p, err, sizeof(err));
        if (r < 0) {
                if (p || (r != -ENOMEM && err[0] == '\0'))
                        abort();
        } else {
                for (size_t i = 0; i < p->n_roles; i++)
                        check_role(p, i);
                srv_policy_free(p);
        }
        free(text);
        return 0;
}
