/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl breakglass uses|acknowledge: break-glass uses as team-server
 * keeps them for review (GET /v1/breakglass, POST /v1/breakglass/ID/acknowledge). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <json.h>

#include "api_client.h"
#include "central.h"
#include "json_util.h"
#include "format.h"
#include "table.h"
#include "text.h"

#define CELL 128
#define MAX_COMMENT 1024

enum { OPT_ALL = CENTRAL_OPT_VERB, OPT_COMMENT };

struct uses_opts {
        bool all;
        const char *comment;
};

static int on_opt(struct teamctl *t, int c, const char *arg, void *ud)
{
        struct uses_opts *o = ud;

        if (c == OPT_ALL)
                o->all = true;
        else if (c == OPT_COMMENT)
                o->comment = arg;
        else
                return TEAMCTL_EXIT_USAGE;
        return 0;
}

static const char *field(json_object *o, const char *key, char *buf)
{
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return "-";
        text_sanitize(json_object_get_string(v), buf, CELL);
        return buf;
}

static void time_cell(json_object *o, const char *key, char *buf)
{
        json_object *v = NULL;

        if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) &&
            json_object_get_int64(v) > 0)
                format_local_time(json_object_get_int64(v), buf, CELL);
        else
                snprintf(buf, CELL, "-");
}

static int print_uses(json_object *resp)
{
        static const char *const headers[] = { "ID", "HOST", "USER", "ROLE", "USED", "UNTIL", "ACKNOWLEDGED", NULL };
        char c[7][CELL];
        json_object *uses = NULL;
        struct table tab;
        int r;

        if (!json_object_object_get_ex(resp, "uses", &uses) || !json_object_is_type(uses, json_type_array)) {
                fprintf(stderr, "teamctl: team-server sent no list of uses\n");
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        r = table_init(&tab, headers);
        for (size_t i = 0; r == 0 && i < json_object_array_length(uses); i++) {
                json_object *u = json_object_array_get_idx(uses, i);
                const char *cells[8];

                cells[0] = field(u, "id", c[0]);
                cells[1] = field(u, "host", c[1]);
                cells[2] = field(u, "user", c[2]);
                cells[3] = field(u, "role", c[3]);
                time_cell(u, "time", c[4]);
                cells[4] = c[4];
                time_cell(u, "window_end", c[5]);
                cells[5] = c[5];
                cells[6] = field(u, "acknowledged_by", c[6]);
                cells[7] = NULL;
                r = table_add_row(&tab, cells);
        }
        if (r == 0)
                table_print(&tab, stdout);
        table_free(&tab);
        return r == 0 ? TEAMCTL_EXIT_OK : TEAMCTL_EXIT_REFUSED;
}

int breakglass_uses(struct teamctl *t, int argc, char **argv)
{
        static const struct option opts[] = { CENTRAL_LONGOPTS, { "all", no_argument, NULL, OPT_ALL },
                                               { NULL, 0, NULL, 0 } };
        struct uses_opts o = { 0 };
        struct api_client *api = NULL;
        json_object *resp = NULL;
        char *pos[1];
        size_t npos;
        int ret;

        ret = central_parse(t, "breakglass uses", argc - 1, argv + 1, opts, on_opt, &o, cmd_breakglass_help, pos, 0,
                            &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        ret = central_open(t, &api);
        if (ret == 0)
                ret = central_call(api, "GET", o.all ? "/v1/breakglass?all=1" : "/v1/breakglass", NULL, &resp);
        if (ret == 0 && t->json)
                printf("%s\n", json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        else if (ret == 0)
                ret = print_uses(resp);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}

int breakglass_acknowledge(struct teamctl *t, int argc, char **argv)
{
        static const struct option opts[] = { CENTRAL_LONGOPTS, { "comment", required_argument, NULL, OPT_COMMENT },
                                               { NULL, 0, NULL, 0 } };
        struct uses_opts o = { 0 };
        struct api_client *api = NULL;
        json_object *body = NULL, *resp = NULL;
        char path[128], *pos[1];
        size_t npos;
        int ret;

        ret = central_parse(t, "breakglass acknowledge", argc - 1, argv + 1, opts, on_opt, &o, cmd_breakglass_help,
                            pos, 1, &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        if (npos != 1 || (o.comment && strlen(o.comment) > MAX_COMMENT)) {
                fprintf(stderr, "teamctl: usage: teamctl breakglass acknowledge ID [--comment TEXT] (see breakglass uses)\n");
                return TEAMCTL_EXIT_USAGE;
        }
        ret = central_check_id("breakglass acknowledge", pos[0], 'b');
        if (ret != 0)
                return ret;
        body = json_object_new_object();
        if (!body || (o.comment && team_json_add(body, "comment", json_object_new_string(o.comment)) < 0)) {
                json_object_put(body);
                fprintf(stderr, "teamctl: out of memory\n");
                return EX_OSERR;
        }
        snprintf(path, sizeof(path), "/v1/breakglass/%s/acknowledge", pos[0]);
        ret = central_open(t, &api);
        if (ret == 0)
                ret = central_call(api, "POST", path, body, &resp);
        if (ret == 0) {
                if (t->json)
                        printf("%s\n", json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
                else
                        printf("acknowledged %s\n", pos[0]);
        }
        json_object_put(body);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}
