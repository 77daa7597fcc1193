/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl cancel ID: withdraw your own pending request; without --server /
 * TEAM_SERVER through this host's teamd (request_cancel on the user
 * socket; root: the root socket), for requests teamd filed for you. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <json.h>

#include "api_client.h"
#include "central.h"
#include "client.h"
#include "text.h"

void cmd_cancel_help(void)
{
        printf("Usage: teamctl cancel REQUEST_ID\n"
               "\n"
               "Withdraws a pending request you filed (or that is for you). A request that\n"
               "was already decided cannot be cancelled: revoke its grant instead.\n"
               "Without --server (and TEAM_SERVER), teamd cancels a request it filed for you\n"
               "(teamctl request without --server, or sudo's prompt).\n" CENTRAL_HELP_OPTIONS);
}

static int cancel_through_teamd(struct teamctl *t, const char *id)
{
        struct team_request req = { .op = TEAM_OP_REQUEST_CANCEL, .request_id = id };
        struct team_response resp;
        char *raw = NULL;
        int ret;

        ret = teamctl_ask(t, &req, &resp, t->json ? &raw : NULL, "not cancelled");
        if (ret != 0)
                return ret;
        if (t->json) {
                printf("%s\n", raw);
        } else {
                printf("cancelled %s through teamd\n", id);
        }
        team_response_clear(&resp);
        free(raw);
        return ret;
}

int cmd_cancel(struct teamctl *t, int argc, char **argv)
{
        static const struct option opts[] = { CENTRAL_LONGOPTS, { NULL, 0, NULL, 0 } };
        struct api_client *api = NULL;
        struct json_object *body = NULL, *resp = NULL;
        char path[128], head[128], *pos[1];
        size_t npos;
        int ret;

        ret = central_parse(t, "cancel", argc, argv, opts, NULL, NULL, cmd_cancel_help, pos, 1, &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        if (npos != 1) {
                fprintf(stderr, "teamctl: usage: teamctl cancel REQUEST_ID (see teamctl list --mine)\n");
                return TEAMCTL_EXIT_USAGE;
        }
        ret = central_check_id("cancel", pos[0], 'r');
        if (ret != 0)
                return ret;
        if (!t->server && !getenv("TEAM_SERVER"))
                return cancel_through_teamd(t, pos[0]);
        body = json_object_new_object();
        if (!body) {
                fprintf(stderr, "teamctl: out of memory\n");
                return EX_OSERR;
        }
        snprintf(path, sizeof(path), "/v1/requests/%s/cancel", pos[0]);
        snprintf(head, sizeof(head), "cancelled %s:", pos[0]);
        ret = central_open(t, &api);
        if (ret == 0)
                ret = central_call(api, "POST", path, body, &resp);
        if (ret == 0)
                ret = central_print_request(t, resp, head);
        json_object_put(body);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}
