/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl revoke GRANT [--reason TEXT] and teamctl extend GRANT --for
 * DURATION --reason TEXT [--wait]. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json.h>

#include "api_client.h"
#include "central.h"
#include "format.h"
#include "parse.h"

#define MAX_DURATION_S (366ULL * 24 * 3600)

void cmd_revoke_help(void)
{
        printf("Usage: teamctl revoke GRANT_ID [--reason TEXT]\n"
               "\n"
               "Ends a grant now (an approver of its role, or its own user). Hosts learn it\n"
               "from their feed at once and end the elevated sessions it allowed.\n" CENTRAL_HELP_OPTIONS);
}

void cmd_extend_help(void)
{
        printf("Usage: teamctl extend GRANT_ID --for DURATION --reason TEXT [--wait [--timeout D]]\n"
               "\n"
               "Asks for more time on a grant. The extension is a request like any other;\n"
               "once approved its grant starts exactly when the old one ends (no gap, no\n"
               "overlap). --wait as for teamctl request.\n" CENTRAL_HELP_OPTIONS);
}

struct admin_opts {
        const char *reason;
        uint64_t duration, timeout_s;
        bool wait;
};

enum { OPT_REASON = CENTRAL_OPT_VERB, OPT_FOR, OPT_WAIT };

static int on_opt(struct teamctl *t, int c, const char *arg, void *ud)
{
        struct admin_opts *o = ud;

        (void)t;
        switch (c) {
        case OPT_REASON:
                o->reason = arg;
                return 0;
        case OPT_WAIT:
                o->wait = true;
                return 0;
        case OPT_FOR:
        case CENTRAL_OPT_TIMEOUT:
                if (parse_duration(arg, 1, MAX_DURATION_S, c == OPT_FOR ? &o->duration : &o->timeout_s) == 0)
                        return 0;
                fprintf(stderr, "teamctl: extend: '%s' is not a duration (90s, 15m, 1h, 2d)\n", arg);
                return TEAMCTL_EXIT_USAGE;
        default:
                return TEAMCTL_EXIT_USAGE;
        }
}

static int print_revoked(struct teamctl *t, struct json_object *o)
{
        struct json_object *id = NULL, *at = NULL;
        char when[64];

        if (!json_object_object_get_ex(o, "id", &id) || !json_object_is_type(id, json_type_string) ||
            !json_object_object_get_ex(o, "revoked_at", &at) || !json_object_is_type(at, json_type_int)) {
                fprintf(stderr, "teamctl: the server's answer lacks \"id\" or \"revoked_at\"; is TEAM_SERVER the "
                                "team-server?\n");
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        if (t->json) {
                printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        } else {
                format_local_time(json_object_get_int64(at), when, sizeof(when));
                printf("grant %s revoked at %s\n", json_object_get_string(id), when);
        }
        return 0;
}

int cmd_revoke(struct teamctl *t, int argc, char **argv)
{
        static const struct option opts[] = {
                CENTRAL_LONGOPTS,
                { "reason", required_argument, NULL, OPT_REASON },
                { NULL, 0, NULL, 0 },
        };
        struct admin_opts o = { 0 };
        struct api_client *api = NULL;
        struct json_object *body = NULL, *resp = NULL;
        char path[128], *pos[1];
        size_t npos;
        int ret;

        ret = central_parse(t, "revoke", argc, argv, opts, on_opt, &o, cmd_revoke_help, pos, 1, &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        if (npos != 1) {
                fprintf(stderr, "teamctl: usage: teamctl revoke GRANT_ID [--reason TEXT] (see teamctl show)\n");
                return TEAMCTL_EXIT_USAGE;
        }
        ret = central_check_id("revoke", pos[0], 'g');
        if (ret != 0)
                return ret;
        body = json_object_new_object();
        if (!body || (o.reason && json_object_object_add(body, "reason", json_object_new_string(o.reason)) < 0)) {
                fprintf(stderr, "teamctl: out of memory\n");
                json_object_put(body);
                return EX_OSERR;
        }
        snprintf(path, sizeof(path), "/v1/grants/%s/revoke", pos[0]);
        ret = central_open(t, &api);
        if (ret == 0)
                ret = central_call(api, "POST", path, body, &resp);
        if (ret == 0)
                ret = print_revoked(t, resp);
        json_object_put(body);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}

int cmd_extend(struct teamctl *t, int argc, char **argv)
{
        static const struct option opts[] = {
                CENTRAL_LONGOPTS,
                { "for", required_argument, NULL, OPT_FOR },
                { "reason", required_argument, NULL, OPT_REASON },
                { "wait", no_argument, NULL, OPT_WAIT },
                { "timeout", required_argument, NULL, CENTRAL_OPT_TIMEOUT },
                { NULL, 0, NULL, 0 },
        };
        struct admin_opts o = { 0 };
        struct api_client *api = NULL;
        struct json_object *body = NULL, *resp = NULL;
        char path[128], *pos[1];
        size_t npos;
        int ret, r = 0;

        ret = central_parse(t, "extend", argc, argv, opts, on_opt, &o, cmd_extend_help, pos, 1, &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        if (npos != 1 || !o.duration || !o.reason) {
                fprintf(stderr, "teamctl: usage: teamctl extend GRANT_ID --for DURATION --reason TEXT "
                                "(see teamctl help extend)\n");
                return TEAMCTL_EXIT_USAGE;
        }
        ret = central_check_id("extend", pos[0], 'g');
        if (ret != 0)
                return ret;
        body = json_object_new_object();
        if (body)
                r = json_object_object_add(body, "duration", json_object_new_int64((int64_t)o.duration));
        if (body && r == 0)
                r = json_object_object_add(body, "reason", json_object_new_string(o.reason));
        if (!body || r < 0) {
                fprintf(stderr, "teamctl: out of memory\n");
                json_object_put(body);
                return EX_OSERR;
        }
        snprintf(path, sizeof(path), "/v1/grants/%s/extend", pos[0]);
        ret = central_open(t, &api);
        if (ret == 0)
                ret = central_call(api, "POST", path, body, &resp);
        if (ret == 0)
                ret = central_after_file(t, api, resp, o.wait, o.timeout_s);
        json_object_put(body);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}
