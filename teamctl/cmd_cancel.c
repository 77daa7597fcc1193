/* teamctl cancel ID: withdraw your own pending request. */
#include "config.h"

#include <stdio.h>
#include <json.h>

#include "api_client.h"
#include "central.h"

void cmd_cancel_help(void)
{
        printf("Usage: teamctl cancel REQUEST_ID\n"
               "\n"
               "Withdraws a pending request you filed (or that is for you). A request that\n"
               "was already decided cannot be cancelled: revoke its grant instead.\n" CENTRAL_HELP_OPTIONS);
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
