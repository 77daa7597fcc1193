/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl approve ID [--comment TEXT] and teamctl deny ID --comment TEXT. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "api_client.h"
#include "central.h"
#include "request_obj.h"

void cmd_approve_help(void)
{
        printf("Usage: teamctl approve REQUEST_ID [--comment TEXT]\n"
               "\n"
               "Approves a pending request you may decide (see teamctl list --pending).\n"
               "Nobody approves their own request; with a quorum the request stays pending\n"
               "until enough approvers agree, then the grant is signed.\n" CENTRAL_HELP_OPTIONS);
}

void cmd_deny_help(void)
{
        printf("Usage: teamctl deny REQUEST_ID --comment TEXT\n"
               "\n"
               "Denies a pending request; the comment (why) is required and shown to the\n"
               "requester.\n" CENTRAL_HELP_OPTIONS);
}

enum { OPT_COMMENT = CENTRAL_OPT_VERB };

static int on_opt(struct teamctl *t, int c, const char *arg, void *ud)
{
        (void)t;
        if (c != OPT_COMMENT)
                return TEAMCTL_EXIT_USAGE;
        *(const char **)ud = arg;
        return 0;
}

/* "approved r_..:", or, short of the quorum, how many more it needs. */
static void headline(struct json_object *resp, bool deny, const char *id, char *buf, size_t len)
{
        struct api_request r;
        char err[64];

        snprintf(buf, len, "%s %s:", deny ? "denied" : "approved", id);
        if (api_request_decode(resp, &r, err, sizeof(err)) < 0)
                return;
        if (strcmp(r.status, "pending") == 0) {
                int64_t req = deny ? r.denials_required : r.approvals_required;
                long long need = (long long)(req > 0 ? req : 1) -
                                 (long long)api_request_count(&r, deny ? "deny" : "approve");

                snprintf(buf, len, "your %s of %s is recorded; it needs %lld more:", deny ? "denial" : "approval",
                         id, need > 0 ? need : 1);
        }
        api_request_clear(&r);
}

static int decide(struct teamctl *t, const char *verb, int argc, char **argv, void (*help)(void))
{
        static const struct option opts[] = {
                CENTRAL_LONGOPTS,
                { "comment", required_argument, NULL, OPT_COMMENT },
                { NULL, 0, NULL, 0 },
        };
        bool deny = strcmp(verb, "deny") == 0;
        struct api_client *api = NULL;
        struct json_object *body = NULL, *resp = NULL;
        const char *comment = NULL;
        char path[128], head[160], *pos[1];
        size_t npos;
        int ret;

        ret = central_parse(t, verb, argc, argv, opts, on_opt, &comment, help, pos, 1, &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        if (npos != 1 || (deny && (!comment || !comment[0]))) {
                fprintf(stderr, "teamctl: usage: teamctl %s REQUEST_ID %s (see teamctl help %s)\n", verb,
                        deny ? "--comment TEXT" : "[--comment TEXT]", verb);
                return TEAMCTL_EXIT_USAGE;
        }
        ret = central_check_id(verb, pos[0], 'r');
        if (ret != 0)
                return ret;
        body = json_object_new_object();
        if (!body || (comment && json_object_object_add(body, "comment", json_object_new_string(comment)) < 0)) {
                fprintf(stderr, "teamctl: out of memory\n");
                json_object_put(body);
                return EX_OSERR;
        }
        snprintf(path, sizeof(path), "/v1/requests/%s/%s", pos[0], verb);
        ret = central_open(t, &api);
        if (ret == 0)
                ret = central_call(api, "POST", path, body, &resp);
        if (ret == 0) {
                headline(resp, deny, pos[0], head, sizeof(head));
                ret = central_print_request(t, resp, head);
        }
        json_object_put(body);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}

int cmd_approve(struct teamctl *t, int argc, char **argv)
{
        return decide(t, "approve", argc, argv, cmd_approve_help);
}

int cmd_deny(struct teamctl *t, int argc, char **argv)
{
        return decide(t, "deny", argc, argv, cmd_deny_help);
}
