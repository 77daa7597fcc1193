/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl list [--pending|--mine] and teamctl show ID. list follows the
 * server's pages (next_cursor) and shows every request. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json.h>

#include "api_client.h"
#include "central.h"
#include "format.h"
#include "parse.h"
#include "request_obj.h"
#include "table.h"

/* Pages of the largest size the server gives; a bound on the pages so a
 * server that always sends a next_cursor cannot keep teamctl forever. */
#define LIST_PAGE 500
#define LIST_MAX_PAGES 200u
#define LIST_CURSOR_MAX 32

void cmd_list_help(void)
{
        printf("Usage: teamctl list [--pending | --mine] [--status STATUS]\n"
               "\n"
               "Requests you filed or that are for you, and pending ones you may decide.\n"
               "  --pending        only pending requests (an approver's inbox)\n"
               "  --mine           only requests you filed or that are for you\n"
               "  --status STATUS  only pending, approved, active, expired, denied, cancelled\n"
               "                   or revoked ones\n" CENTRAL_HELP_OPTIONS);
}

void cmd_show_help(void)
{
        printf("Usage: teamctl show REQUEST_ID\n"
               "\n"
               "One request: who asked for what and why, its status, who decided, who\n"
               "may still approve, and its grant once approved.\n" CENTRAL_HELP_OPTIONS);
}

struct list_opts {
        const char *status;
        bool mine;
};

enum { OPT_PENDING = CENTRAL_OPT_VERB, OPT_MINE, OPT_STATUS };

static int on_opt(struct teamctl *t, int c, const char *arg, void *ud)
{
        static const char *const statuses[] = { "pending", "approved", "active", "expired",
                                                "denied", "cancelled", "revoked" };
        struct list_opts *o = ud;

        (void)t;
        switch (c) {
        case OPT_PENDING:
                o->status = "pending";
                return 0;
        case OPT_MINE:
                o->mine = true;
                return 0;
        case OPT_STATUS:
                for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
                        if (strcmp(arg, statuses[i]) == 0) {
                                o->status = statuses[i];
                                return 0;
                        }
                fprintf(stderr, "teamctl: list: --status must be one of pending, approved, active, expired, "
                                "denied, cancelled, revoked\n");
                return TEAMCTL_EXIT_USAGE;
        default:
                return TEAMCTL_EXIT_USAGE;
        }
}

static int add_row(struct table *tab, const struct api_request *r, int64_t now)
{
        char dur[32], when[64], rel[32], votes[32];
        const char *cells[9];

        format_duration(r->duration, " ", dur, sizeof(dur));
        format_relative(r->created_at, now, rel, sizeof(rel));
        format_local_time(r->created_at, when, sizeof(when));
        snprintf(votes, sizeof(votes), "%zu/%lld", api_request_count(r, "approve"),
                 (long long)(r->approvals_required ? r->approvals_required : 1));
        cells[0] = r->id;
        cells[1] = r->status;
        cells[2] = r->user;
        cells[3] = r->role;
        cells[4] = r->host;
        cells[5] = dur;
        cells[6] = votes;
        cells[7] = rel;
        cells[8] = r->reason;
        return table_add_row(tab, cells);
}

static int print_list(struct teamctl *t, struct json_object *o)
{
        static const char *const headers[] = { "ID", "STATUS", "USER", "ROLE", "HOST", "FOR", "APPROVALS", "FILED",
                                               "REASON", NULL };
        struct json_object *arr = NULL;
        struct table tab;
        int64_t now = (int64_t)time(NULL);
        size_t n;
        int ret = 0;

        if (!json_object_object_get_ex(o, "requests", &arr) || !json_object_is_type(arr, json_type_array)) {
                fprintf(stderr, "teamctl: the server's answer lacks a \"requests\" array; is TEAM_SERVER the "
                                "team-server?\n");
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        if (table_init(&tab, headers) < 0)
                return EX_SOFTWARE;
        n = json_object_array_length(arr);
        for (size_t i = 0; i < n && ret == 0; i++) {
                struct api_request r;
                char err[256];

                if (api_request_decode(json_object_array_get_idx(arr, i), &r, err, sizeof(err)) < 0) {
                        fprintf(stderr, "teamctl: %s; is TEAM_SERVER the team-server?\n", err);
                        ret = TEAMCTL_EXIT_UNAVAILABLE;
                        break;
                }
                if (add_row(&tab, &r, now) < 0)
                        ret = EX_OSERR;
                api_request_clear(&r);
        }
        if (ret == 0) {
                if (t->json)
                        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
                else if (n == 0)
                        printf("no requests\n");
                else
                        table_print(&tab, stdout);
        }
        table_free(&tab);
        return ret;
}

/* A next_cursor fit to go into a URL: a request id's characters. */
static bool cursor_ok(const char *c)
{
        size_t n = strlen(c);

        if (n == 0 || n > LIST_CURSOR_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' && c[i] <= '9') || c[i] == '_'))
                        return false;
        return true;
}

/* Every page of base (a /v1/requests path with its query, or none) into
 * one {"requests": [...]} object, following next_cursor. */
static int fetch_all(struct api_client *api, const char *base, struct json_object **out)
{
        struct json_object *all = json_object_new_array(), *o = NULL;
        char path[256], cursor[LIST_CURSOR_MAX + 1] = "";
        int ret = 0;

        *out = NULL;
        if (!all)
                return EX_OSERR;
        for (unsigned page = 0; ret == 0; page++) {
                struct json_object *arr = NULL, *next = NULL;

                if (page >= LIST_MAX_PAGES) {
                        fprintf(stderr, "teamctl: list: stopped after %u pages\n", LIST_MAX_PAGES);
                        break;
                }
                snprintf(path, sizeof(path), "%s%slimit=%d%s%s", base, strchr(base, '?') ? "&" : "?",
                         LIST_PAGE, cursor[0] ? "&cursor=" : "", cursor);
                ret = central_call(api, "GET", path, NULL, &o);
                if (ret != 0)
                        break;
                if (!json_object_object_get_ex(o, "requests", &arr) || !json_object_is_type(arr, json_type_array))
                        break;     /* print_list explains */
                for (size_t i = 0; i < json_object_array_length(arr); i++)
                        if (json_object_array_add(all, json_object_get(json_object_array_get_idx(arr, i))) < 0)
                                ret = EX_OSERR;
                if (!json_object_object_get_ex(o, "next_cursor", &next) || !json_object_is_type(next, json_type_string))
                        break;
                if (!cursor_ok(json_object_get_string(next))) {
                        fprintf(stderr, "teamctl: list: the server sent a malformed next_cursor\n");
                        ret = TEAMCTL_EXIT_UNAVAILABLE;
                        break;
                }
                snprintf(cursor, sizeof(cursor), "%s", json_object_get_string(next));
                json_object_put(o);
                o = NULL;
        }
        if (ret == 0 && !o)         /* stopped at the page cap */
                o = json_object_new_object();
        if (ret == 0 && !o)
                ret = EX_OSERR;
        if (ret == 0 && (json_object_object_get_ex(o, "requests", NULL) || json_object_object_length(o) == 0)) {
                json_object_object_add(o, "requests", all);
                json_object_object_del(o, "next_cursor");
                *out = o;
                return 0;
        }
        json_object_put(all);
        *out = o;
        return ret;
}

int cmd_list(struct teamctl *t, int argc, char **argv)
{
        static const struct option opts[] = {
                CENTRAL_LONGOPTS,
                { "pending", no_argument, NULL, OPT_PENDING },
                { "mine", no_argument, NULL, OPT_MINE },
                { "status", required_argument, NULL, OPT_STATUS },
                { NULL, 0, NULL, 0 },
        };
        struct list_opts o = { 0 };
        struct api_client *api = NULL;
        struct json_object *resp = NULL;
        char path[128], *pos[1];
        size_t npos;
        int ret;

        ret = central_parse(t, "list", argc, argv, opts, on_opt, &o, cmd_list_help, pos, 0, &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        snprintf(path, sizeof(path), "/v1/requests%s%s%s%s", o.status || o.mine ? "?" : "",
                 o.status ? "status=" : "", o.status ? o.status : "", o.mine ? (o.status ? "&mine=1" : "mine=1") : "");
        ret = central_open(t, &api);
        if (ret == 0)
                ret = fetch_all(api, path, &resp);
        if (ret == 0)
                ret = print_list(t, resp);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}

int cmd_show(struct teamctl *t, int argc, char **argv)
{
        static const struct option opts[] = { CENTRAL_LONGOPTS, { NULL, 0, NULL, 0 } };
        struct api_client *api = NULL;
        struct json_object *resp = NULL;
        char path[128], *pos[1];
        size_t npos;
        int ret;

        ret = central_parse(t, "show", argc, argv, opts, NULL, NULL, cmd_show_help, pos, 1, &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        if (npos != 1) {
                fprintf(stderr, "teamctl: usage: teamctl show REQUEST_ID (see teamctl list)\n");
                return TEAMCTL_EXIT_USAGE;
        }
        ret = central_check_id("show", pos[0], 'r');
        if (ret != 0)
                return ret;
        snprintf(path, sizeof(path), "/v1/requests/%s", pos[0]);
        ret = central_open(t, &api);
        if (ret == 0)
                ret = central_call(api, "GET", path, NULL, &resp);
        if (ret == 0)
                ret = central_print_request(t, resp, NULL);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}
